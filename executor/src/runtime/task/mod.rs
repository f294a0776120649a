//! The task layer: one heap allocation per task, its atomic state word, its waker, and the
//! [`JoinHandle`] that awaits it. It knows the scheduler only through [`Schedule`] and
//! uses nothing else of `runtime/`; the scheduler (`runtime/`) holds tasks only through the
//! typed references below. All of the crate's task `unsafe` lives here, under the rules of
//! this page, which every `SAFETY` comment of the layer cites by name in brackets
//! (`// SAFETY: [LIVE] ...`).
//!
//! # Files
//! - `raw.rs`: the allocation (`Header`, scheduler, future/output slot), its vtable, the
//!   untyped counted reference `TaskRef`, the poll, and the waker.
//! - `refs.rs`: the typed references ([`Task`], [`Notified`]) and [`new_task`] /
//!   [`new_remote_task`], which hand them out; [`TaskInfo`].
//! - `state.rs`: the state word. `join_waker.rs`: the JoinHandle's waker slot.
//! - `meta.rs`: what a task is for debugging: its spawn facts and [`TaskSnapshot`];
//!   `site.rs`: its name and spawn location in one word;
//!   `counters.rs`: the poll count and time in poll, split between the header and the
//!   scheduler's side table; `poll_timer.rs`: debug mode's stopwatch around each poll.
//! - `join.rs`: [`JoinHandle`]; `error.rs`: [`JoinError`].
//!
//! # Reference kinds
//! Every reference is one count in the state word; the last one released frees the task.
//!
//! | kind | type | held by | how many |
//! | --- | --- | --- | --- |
//! | owned | [`Task`] | the scheduler's owned list | one, from adoption until the task completes or the scheduler shuts down |
//! | notified | [`Notified`] | a run-queue entry | one per entry; a task has at most one entry, plus the one being run |
//! | join | [`JoinHandle`] | the user | none or one |
//! | waker | `Waker` | whatever the task waits on | one per waker; the waker lent to the future during a poll borrows the entry's |
//!
//! A task spawned on the scheduler's thread is born with its owned, notified and join
//! references ([`new_task`]); one spawned from another thread with its notified and join
//! references, and is adopted ([`Notified::adopt`]) when the scheduler first pops it.
//!
//! # The state word, in bit order
//!
//! | bit | flag | set by | cleared by | while set |
//! | --- | --- | --- | --- | --- |
//! | 0 | `SCHEDULED` | creation, the wake that queues, `cancel` | the poll's start | an entry is queued (or about to be); more wakes queue nothing |
//! | 1 | `COMPLETE` | the completer (`finish`) | never | the output (or error) is stored; never polled again |
//! | 2 | `CANCELLED` | `JoinHandle::cancel` | never | the next poll drops the future instead |
//! | 3 | `JOIN_INTEREST` | creation with a handle | the handle's `detach` | the handle disposes of the output |
//! | 4 | `JOIN_WAKER` | the handle, after writing its waker | the handle, before completion | the join waker slot is the completer's |
//! | 5 | `RUNNING` | the poll's start | the poll's end (`Pending`) | being polled, or requeued after waking itself |
//! | 6.. | reference count | every new reference | every release | |
//!
//! # Rules
//! - **LIVE**: a task is alive while its count is not zero. Whoever holds a counted
//!   reference (any kind above, or a raw `TaskRef`) may read the header and take another;
//!   whoever releases the last one frees the allocation, and nobody can reach it after.
//! - **PTR**: a pointer that takes, gives up or frees a reference is one derived from the
//!   allocation (a `TaskRef`'s, a waker's, `allocate`'s), never from a `&Header`, whose
//!   provenance covers the header alone.
//! - **TYPES**: a task's vtable and waker vtable were made for its own future `F` and
//!   scheduler `S` (`allocate` builds them together), so casting its header to
//!   `TaskCell<F, S>` is right; a `JoinHandle<T>` is made only by [`new_task`] and
//!   [`new_remote_task`], with `T = F::Output`, so the output it asks for has the task's type.
//! - **STAGE**: the stage (future, then output) is touched only (a) on the scheduler's
//!   thread while the task is not `COMPLETE` (poll, cancel, finish), or by the one thread
//!   that holds a `Send` task nobody has queued yet (a refused spawn); (b) once `COMPLETE`,
//!   by whoever holds the join interest, exactly once: the handle if `JOIN_INTEREST` was set
//!   at completion, else the completer.
//! - **JOIN-WAKER**: the join waker slot belongs to the handle while `JOIN_WAKER` is clear
//!   and to the completer while it is set; only the owner touches it (`join_waker.rs`).
//! - **OWNED-INDEX**: `owned_index` is read and written on the scheduler's thread only, by
//!   its owned list.
//! - **COUNTERS**: the header's `polls` and the scheduler's `Counters` table are read and
//!   written on the scheduler's thread only: by the poll, and by listings the scheduler
//!   makes.
//! - **POLLING**: `Polling` names a task only while that task's entry is being run
//!   ([`Notified::run`]) on the scheduler's thread; the entry's reference keeps it alive.
//! - **SCHEDULER**: the scheduler value lives inside the task, so a borrow of it lasts no
//!   longer than a reference the borrower holds. [`Schedule::schedule`] may drop the entry it
//!   is given (a closed scheduler): a caller whose only reference is that entry takes another
//!   one across the call.
//! - **SEND**: a task's references may travel between threads (its `!Send` parts are
//!   reached only as STAGE, JOIN-WAKER and OWNED-INDEX allow); a `!Send` future is given
//!   only to a scheduler running on the spawning thread, which polls and drops it there.

mod counters;
mod error;
mod join;
pub(crate) mod join_waker;
pub(crate) mod meta;
mod poll_timer;
mod raw;
mod refs;
mod site;
pub(crate) mod state;
#[cfg(all(test, not(loom)))]
mod tests;

pub use error::JoinError;
pub use join::JoinHandle;
pub(crate) use meta::Meta;
pub use meta::{TaskSnapshot, TaskState};
pub(crate) use poll_timer::{PollTimer, SlowPoll};
pub(crate) use raw::{waker_vtable, Join, PollOutcome, Polling, TaskAddr};
pub use refs::TaskInfo;
pub(crate) use refs::{new_remote_task, new_task, Notified, Task};

use std::task::RawWakerVTable;

/// The task layer's one way to the scheduler: where a woken task goes.
///
/// A wake first asks [`note_self_wake`](Schedule::note_self_wake) (a task waking itself
/// while polled costs no atomic operation), then, if the state word says the task must be
/// queued, hands its entry to [`schedule_local`](Schedule::schedule_local) and, if that
/// declines, to [`schedule`](Schedule::schedule). Calls are static: tasks are generic over
/// their scheduler, so a wake costs what a direct call does.
pub(crate) trait Schedule: Send + Sync + Sized + 'static {
    /// The waker vtable of this scheduler's tasks, made by [`waker_vtable`] and kept in one
    /// `static`, so all of a task's wakers compare equal under `Waker::will_wake`.
    fn waker_vtable() -> &'static RawWakerVTable;

    /// True if this thread's scheduler is polling `task` right now and has noted the wake
    /// (it requeues the task when the poll ends); false otherwise.
    fn note_self_wake(task: TaskAddr) -> bool;

    /// Queues `task` if this thread runs this scheduler (no atomics, no locks); else gives
    /// it back. Never drops it.
    fn schedule_local(&self, task: Notified) -> Result<(), Notified>;

    /// Queues `task` from any thread. May drop it, if the scheduler is closed (rule
    /// SCHEDULER).
    fn schedule(&self, task: Notified);

    /// Reports that `task` panicked (`what` says how) and nobody will receive the panic:
    /// it was detached, or its output's destructor panicked. Any thread.
    fn report_unobserved_panic(&self, task: &TaskInfo, what: &str, message: &str);
}
