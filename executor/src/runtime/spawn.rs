//! Spawning, in one path: [`spawn`] allocates the task and puts it on a run queue, from the
//! loop's own thread (adopted into the owned list at once, queued locally) or from any other
//! (through the cross-thread queue), or, after shutdown, cancels it before it ever runs.
//! Every public spawn (`spawn`, `spawn_local`, `TaskBuilder`, `Handle::spawn`,
//! `Handle::spawn_detached`, `spawn_blocking`, the `futures` spawn traits) is a thin wrapper
//! over it, and says where the user spawned from ([`Origin`], captured by `#[track_caller]`
//! on the public function).

use super::context::{self, Core};
use super::shared::{Runnable, Shared};
use super::task::{self, Join, JoinHandle, Meta};
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

/// What the public spawn knows of a new task: its name, where the user spawned it, and the
/// parent its spawner named (else the task being polled on the loop's thread is its parent).
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    pub(crate) name: Option<String>,
    pub(crate) spawned_at: &'static Location<'static>,
    pub(crate) parent: Option<u64>,
}

impl Origin {
    /// An unnamed task spawned by the caller of the `#[track_caller]` chain.
    #[track_caller]
    pub(crate) fn here() -> Origin {
        Origin {
            name: None,
            spawned_at: Location::caller(),
            parent: None,
        }
    }

    /// The task's facts, given its id and, failing a named parent, the task being polled.
    fn meta(self, id: u64, polled: Option<u64>) -> Meta {
        Meta::new(id, self.name, self.spawned_at, self.parent.or(polled))
    }
}

/// Which runtime a spawn goes to.
#[derive(Clone, Copy)]
pub(crate) enum To<'a> {
    /// The runtime running on this thread, whose loop-thread half the caller holds.
    Loop(&'a Core),
    /// A runtime, from any thread (its own included).
    Runtime(&'a Arc<Shared>),
}

/// Spawns `future` with a `JoinHandle`.
///
/// The caller guarantees that a `!Send` future goes only to [`To::Loop`] (rule SEND of
/// `runtime::task`).
pub(crate) fn spawn_joined<F>(to: To<'_>, future: F, origin: Origin) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    spawn(to, future, origin, Join::Handle).expect("Join::Handle spawns hand out a JoinHandle")
}

/// Spawns `future` detached: no handle, no join bookkeeping. As [`spawn_joined`] for `!Send`
/// futures.
pub(crate) fn spawn_detached<F>(to: To<'_>, future: F, origin: Origin)
where
    F: Future + 'static,
{
    let no_handle = spawn(to, future, origin, Join::Detached);
    debug_assert!(no_handle.is_none());
}

/// Spawns `future` on the runtime running on this thread; panics naming `what` outside one.
pub(crate) fn spawn_on_current<F>(what: &str, future: F, origin: Origin) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    context::with_current(|core| match core {
        Some(core) => spawn_joined(To::Loop(core), future, origin),
        None => panic!(
            "corio_executor::{what} called outside a corio runtime: spawn from inside \
             corio_executor::run / Runtime::block_on, or use Runtime::handle().spawn from elsewhere"
        ),
    })
}

/// The one spawn path. On the loop's thread the task is born owned and queued locally, with
/// no lock and no cross-thread traffic; from elsewhere it travels as `Runnable::Spawned` and
/// the loop adopts it when it gets there; after shutdown it is cancelled at once, so its
/// handle reports `Cancelled` and the future is dropped unpolled.
fn spawn<F>(to: To<'_>, future: F, origin: Origin, join: Join) -> Option<JoinHandle<F::Output>>
where
    F: Future + 'static,
{
    let shared = match to {
        To::Loop(core) => return spawn_on_loop(core, future, origin, join),
        To::Runtime(shared) => shared,
    };
    let elsewhere = context::with_current(|core| match core {
        Some(core) if Arc::ptr_eq(&core.shared, shared) => {
            Ok(spawn_on_loop(core, future, origin, join))
        }
        _ => Err((future, origin)),
    });
    let (future, origin) = match elsewhere {
        Ok(handle) => return handle,
        Err(spawn) => spawn,
    };
    let meta = origin.meta(shared.next_task_id(), None);
    if shared.is_closed() {
        return refuse(shared, future, meta, join);
    }
    let (entry, handle) = task::new_remote_task(future, shared.clone(), meta, join);
    // Not on the loop's thread (checked above): straight to the cross-thread queue.
    shared.push_remote(Runnable::Spawned(entry));
    handle
}

/// [`spawn`] on the loop's own thread.
fn spawn_on_loop<F>(
    core: &Core,
    future: F,
    origin: Origin,
    join: Join,
) -> Option<JoinHandle<F::Output>>
where
    F: Future + 'static,
{
    let meta = origin.meta(core.next_task_id(), core.polling.current_id());
    if core.shared.is_closed() {
        return refuse(&core.shared, future, meta, join);
    }
    let (owned, entry, handle) = task::new_task(future, core.shared.clone(), meta, join);
    core.owned.borrow_mut().insert(owned);
    core.push(Runnable::Task(entry));
    handle
}

/// [`spawn`] after shutdown: the task is cancelled before it ever runs.
fn refuse<F>(
    shared: &Arc<Shared>,
    future: F,
    meta: Meta,
    join: Join,
) -> Option<JoinHandle<F::Output>>
where
    F: Future + 'static,
{
    let (owned, _entry, handle) = task::new_task(future, shared.clone(), meta, join);
    owned.cancel_now();
    handle
}
