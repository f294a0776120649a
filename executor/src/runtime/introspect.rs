//! Listing a runtime's live tasks ([`Handle::tasks`](super::Handle::tasks)) without a lock
//! that a poll waits on. On the loop's thread (from inside a task, or the future given to
//! `block_on`) the list is read straight from the owned-task list. From any other thread a
//! [`SnapshotRequest`] goes to a queue beside the cross-thread run queue and unparks the
//! loop, which answers it when it next looks at that queue (every 61 polls, and whenever
//! its run queue is empty), between two polls: the asking thread waits, the loop never
//! does. (So a loop
//! held by one long poll answers when that poll ends; and one that is not running answers
//! when it runs again or shuts down, with an empty list then.)
//!
//! Tasks spawned from other threads appear once the loop has taken them in, at its next
//! look at the cross-thread queue.

use super::context::Core;
use super::task::TaskSnapshot;
use std::sync::{Condvar, Mutex};

/// Every task the loop owns, in spawn order (by id). Loop thread only.
pub(crate) fn snapshot(core: &Core) -> Vec<TaskSnapshot> {
    let mut tasks: Vec<TaskSnapshot> = core
        .owned
        .borrow()
        .iter()
        .map(|task| task.snapshot(&core.polling))
        .collect();
    tasks.sort_unstable_by_key(|task| task.info().id());
    tasks
}

/// A listing asked for from another thread, and its answer.
#[derive(Debug, Default)]
pub(crate) struct SnapshotRequest {
    answer: Mutex<Option<Vec<TaskSnapshot>>>,
    answered: Condvar,
}

impl SnapshotRequest {
    /// Gives the asking thread its answer (the loop, or the shutdown's drain).
    pub(crate) fn answer(&self, tasks: Vec<TaskSnapshot>) {
        let mut answer = self.answer.lock().unwrap_or_else(|e| e.into_inner());
        *answer = Some(tasks);
        self.answered.notify_all();
    }

    /// Waits for the answer.
    pub(crate) fn wait(&self) -> Vec<TaskSnapshot> {
        let mut answer = self.answer.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(tasks) = answer.take() {
                return tasks;
            }
            answer = self
                .answered
                .wait(answer)
                .unwrap_or_else(|e| e.into_inner());
        }
    }
}
