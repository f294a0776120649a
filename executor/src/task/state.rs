//! A task's state word: a few flag bits and a reference count in one atomic `usize`.
//!
//! Wakes may come from any thread, so the word is atomic; everything else about a task is
//! touched only on the loop's thread (or under the task's join lock). One word means a wake
//! is a single `fetch_or`, and "woken N times before it runs, polled once" falls out of it:
//! only the wake that flips `SCHEDULED` from 0 to 1 puts the task on the run queue.

use crate::loom::{AtomicUsize, Ordering};

/// The task is on a run queue (or about to be): further wakes need not queue it again.
const SCHEDULED: usize = 1 << 0;
/// The task has finished (output, panic or cancellation stored); it is never polled again.
const COMPLETE: usize = 1 << 1;
/// `JoinHandle::cancel` was called: the next time the loop picks it up, it drops the future.
const CANCELLED: usize = 1 << 2;
/// The reference count lives above the flag bits.
const REF_SHIFT: u32 = 3;
const REF_ONE: usize = 1 << REF_SHIFT;

/// A snapshot of the state word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

impl Snapshot {
    pub(crate) fn is_scheduled(self) -> bool {
        self.0 & SCHEDULED != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
}

/// The atomic state word of one task.
#[derive(Debug)]
pub(crate) struct State(AtomicUsize);

impl State {
    /// A new task: `refs` references, scheduled (it goes straight onto a run queue).
    pub(crate) fn new_scheduled(refs: usize) -> Self {
        State(AtomicUsize::new(SCHEDULED | (refs * REF_ONE)))
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Ordering::Acquire))
    }

    /// Marks the task scheduled. True if the caller must put it on a run queue: it was
    /// neither scheduled nor complete.
    pub(crate) fn schedule(&self) -> bool {
        let prev = Snapshot(self.0.fetch_or(SCHEDULED, Ordering::AcqRel));
        !prev.is_scheduled() && !prev.is_complete()
    }

    /// The loop took the task off the queue to run it: later wakes queue it again.
    pub(crate) fn unschedule(&self) -> Snapshot {
        Snapshot(self.0.fetch_and(!SCHEDULED, Ordering::AcqRel))
    }

    /// Asks for cancellation. True if the caller must queue the task (see [`schedule`]).
    ///
    /// [`schedule`]: State::schedule
    pub(crate) fn cancel(&self) -> bool {
        let prev = Snapshot(self.0.fetch_or(CANCELLED | SCHEDULED, Ordering::AcqRel));
        !prev.is_scheduled() && !prev.is_complete()
    }

    /// Records completion. Returns the previous snapshot.
    pub(crate) fn complete(&self) -> Snapshot {
        Snapshot(self.0.fetch_or(COMPLETE, Ordering::AcqRel))
    }

    pub(crate) fn ref_inc(&self) {
        let prev = self.0.fetch_add(REF_ONE, Ordering::Relaxed);
        // Like Arc: a count this high means references are being leaked in a loop.
        if prev > usize::MAX / 2 {
            std::process::abort();
        }
    }

    /// Drops one reference; true if it was the last, and the task must be freed.
    pub(crate) fn ref_dec(&self) -> bool {
        let prev = Snapshot(self.0.fetch_sub(REF_ONE, Ordering::AcqRel));
        debug_assert!(prev.ref_count() >= 1, "task reference count underflow");
        prev.ref_count() == 1
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_wake_queues() {
        let state = State::new_scheduled(1);
        assert!(!state.schedule(), "already scheduled at creation");
        assert!(state.unschedule().is_scheduled());
        assert!(state.schedule());
        assert!(!state.schedule());
        assert!(!state.schedule());
    }

    #[test]
    fn complete_tasks_are_never_queued() {
        let state = State::new_scheduled(1);
        state.unschedule();
        state.complete();
        assert!(!state.schedule());
        assert!(!state.cancel());
        assert!(state.load().is_complete());
    }

    #[test]
    fn cancel_queues_an_idle_task_once() {
        let state = State::new_scheduled(1);
        state.unschedule();
        assert!(state.cancel());
        assert!(!state.cancel());
        let snapshot = state.unschedule();
        assert!(snapshot.is_cancelled() && snapshot.is_scheduled());
    }

    #[test]
    fn reference_counting() {
        let state = State::new_scheduled(2);
        state.ref_inc();
        assert_eq!(state.load().ref_count(), 3);
        assert!(!state.ref_dec());
        assert!(!state.ref_dec());
        assert!(state.ref_dec());
    }
}

#[cfg(loom)]
mod loom_models {
    use super::*;
    use loom::sync::Arc;

    /// Two threads wake a task while the loop takes it off the queue: every 0 -> 1 flip of
    /// SCHEDULED is one queue entry, and a wake after `unschedule` is never lost.
    #[test]
    fn loom_concurrent_wakes_queue_exactly_once_per_run() {
        loom::model(|| {
            let state = Arc::new(State::new_scheduled(1));
            state.unschedule(); // the loop is running it
            let wakers: Vec<_> = (0..2)
                .map(|_| {
                    let state = state.clone();
                    loom::thread::spawn(move || usize::from(state.schedule()))
                })
                .collect();
            let queued: usize = wakers.into_iter().map(|t| t.join().unwrap()).sum();
            assert_eq!(queued, 1, "two wakes of an idle task queue it exactly once");
            assert!(state.unschedule().is_scheduled());
        });
    }

    /// A wake racing with completion either queues the task before it completed or sees
    /// COMPLETE and does nothing; a completed task is never queued after the fact.
    #[test]
    fn loom_wake_racing_completion() {
        loom::model(|| {
            let state = Arc::new(State::new_scheduled(1));
            state.unschedule();
            let waker = {
                let state = state.clone();
                loom::thread::spawn(move || state.schedule())
            };
            let before = state.complete();
            let queued = waker.join().unwrap();
            assert_eq!(
                queued,
                before.is_scheduled(),
                "queued iff the wake came before completion"
            );
        });
    }
}
