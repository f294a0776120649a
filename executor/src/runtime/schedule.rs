//! How a task's wake reaches its runtime: the task layer's [`Schedule`], implemented for
//! the `Arc<Shared>` every task holds.

use super::context;
use super::debug;
use super::shared::{Runnable, Shared};
use super::task::{self, Notified, Schedule, TaskAddr, TaskInfo};
use std::sync::Arc;
use std::task::RawWakerVTable;

/// The waker vtable of every task of every runtime: one `static`, one address (see
/// `Schedule::waker_vtable`).
static TASK_WAKER: RawWakerVTable = task::waker_vtable::<Arc<Shared>>();

impl Schedule for Arc<Shared> {
    fn waker_vtable() -> &'static RawWakerVTable {
        &TASK_WAKER
    }

    fn note_self_wake(task: TaskAddr) -> bool {
        context::note_self_wake(task)
    }

    fn schedule_local(&self, task: Notified) -> Result<(), Notified> {
        context::push_local_task(self, task)
    }

    fn schedule(&self, task: Notified) {
        context::schedule(self, Runnable::Task(task));
    }

    fn report_unobserved_panic(&self, task: &TaskInfo, what: &str, message: &str) {
        match &self.debug {
            Some(debug) => debug.unobserved_panic(task, what, message),
            None => debug::unobserved_panic_to_stderr(task, what, message),
        }
    }
}
