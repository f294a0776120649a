//! Spawning: allocating a task and putting it on a run queue, from the loop's own thread
//! (adopted into the owned list at once, queued locally) or from any other (through the
//! cross-thread queue), with a `JoinHandle` or detached, or refused after shutdown.

use super::context::{self, Core};
use super::shared::{Runnable, Shared};
use crate::task::raw::{self, Header, Join, TaskRef};
use crate::task::JoinHandle;
use std::future::Future;
use std::ptr::NonNull;
use std::sync::Arc;

/// Allocates a task for `future` and queues it: on the loop's own queue when called on
/// `shared`'s loop thread, else through the cross-thread queue.
///
/// Callers guarantee that a `!Send` future is only spawned on the loop's own thread.
pub(crate) fn spawn_inner<F>(
    shared: &Arc<Shared>,
    future: F,
    name: Option<Arc<str>>,
) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    joined(spawn_task(shared, future, name, Join::Handle))
}

/// Like [`spawn_inner`], for a task nobody will join: no handle, no join bookkeeping.
pub(crate) fn spawn_detached_inner<F>(shared: &Arc<Shared>, future: F, name: Option<Arc<str>>)
where
    F: Future + 'static,
{
    let no_handle = spawn_task(shared, future, name, Join::Detached);
    debug_assert!(no_handle.is_none());
}

/// Spawns on the loop's own thread (see [`spawn_inner`]), which the caller already knows.
pub(crate) fn spawn_on_loop<F>(
    core: &Core,
    future: F,
    name: Option<Arc<str>>,
) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    joined(spawn_task_on_loop(core, future, name, Join::Handle))
}

fn joined<T>(handle_ref: Option<TaskRef>) -> JoinHandle<T> {
    JoinHandle::new(handle_ref.expect("a task spawned with Join::Handle has a handle reference"))
}

fn spawn_task<F>(
    shared: &Arc<Shared>,
    future: F,
    name: Option<Arc<str>>,
    join: Join,
) -> Option<TaskRef>
where
    F: Future + 'static,
{
    let on_loop = context::with_current(|core| match core {
        Some(core) if Arc::ptr_eq(&core.shared, shared) => {
            Ok(spawn_task_on_loop(core, future, name, join))
        }
        _ => Err((future, name)),
    });
    match on_loop {
        Ok(handle_ref) => handle_ref,
        Err((future, name)) => spawn_task_remote(shared, future, name, join),
    }
}

/// Allocates a task with `refs` references for the runtime's side plus one for the
/// `JoinHandle` if `join` asks for one, which is returned apart.
fn allocate_task<F>(
    shared: &Arc<Shared>,
    future: F,
    id: u64,
    name: Option<Arc<str>>,
    join: Join,
    refs: usize,
) -> (NonNull<Header>, Option<TaskRef>)
where
    F: Future + 'static,
{
    let handle_refs = usize::from(join == Join::Handle);
    let header = raw::allocate(future, shared.clone(), id, name, join, refs + handle_refs);
    // SAFETY: `allocate` gave us `refs + handle_refs` references: the handle's goes here,
    // the caller hands out the other `refs`.
    let handle_ref = (join == Join::Handle).then(|| unsafe { TaskRef::from_owned(header) });
    (header, handle_ref)
}

/// Spawns on the loop's own thread: the task is adopted into the owned list at once and
/// queued locally, with no lock and no cross-thread traffic.
fn spawn_task_on_loop<F>(
    core: &Core,
    future: F,
    name: Option<Arc<str>>,
    join: Join,
) -> Option<TaskRef>
where
    F: Future + 'static,
{
    let id = core.next_task_id();
    if core.shared.is_closed() {
        return spawn_refused(&core.shared, future, id, name, join);
    }
    // References: the owned list's and the run queue's (and the handle's).
    let (header, handle_ref) = allocate_task(&core.shared, future, id, name, join, 2);
    // SAFETY: two references from `allocate_task`, one per TaskRef.
    let (owned, queued) = unsafe { (TaskRef::from_owned(header), TaskRef::from_owned(header)) };
    core.owned.borrow_mut().insert(owned);
    core.push(Runnable::Task(queued));
    handle_ref
}

/// Spawns from another thread: the task travels as `Runnable::Spawned` and the loop adopts
/// it when it gets there.
fn spawn_task_remote<F>(
    shared: &Arc<Shared>,
    future: F,
    name: Option<Arc<str>>,
    join: Join,
) -> Option<TaskRef>
where
    F: Future + 'static,
{
    let id = shared.next_task_id();
    if shared.is_closed() {
        return spawn_refused(shared, future, id, name, join);
    }
    // References: the remote queue entry's (and the handle's).
    let (header, handle_ref) = allocate_task(shared, future, id, name, join, 1);
    // SAFETY: one reference from `allocate_task`, for the queue entry.
    let queued = unsafe { TaskRef::from_owned(header) };
    shared.schedule(Runnable::Spawned(queued));
    handle_ref
}

/// The runtime has shut down: the task is cancelled before it ever runs, so its handle
/// reports `Cancelled` and the future is dropped unpolled.
fn spawn_refused<F>(
    shared: &Arc<Shared>,
    future: F,
    id: u64,
    name: Option<Arc<str>>,
    join: Join,
) -> Option<TaskRef>
where
    F: Future + 'static,
{
    // References: ours, which cancels it right here (and the handle's).
    let (header, handle_ref) = allocate_task(shared, future, id, name, join, 1);
    // SAFETY: one reference from `allocate_task`, ours.
    let ours = unsafe { TaskRef::from_owned(header) };
    ours.cancel_now();
    handle_ref
}
