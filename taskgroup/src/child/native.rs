//! The corio-native path: children of a group made by `TaskGroup::new`/`scope` are spawned
//! with corio's own `Handle::spawn` (one allocation per child, the task's own: no
//! `FutureObj` box, no result cell).
//!
//! - The wrapper's output is the child's [`Outcome`], and its [`ChildHandle`] reads it
//!   through the task's `JoinHandle` ([`NativeSource`]).
//! - The child holds a counted reference to its group ([`NativeSink`]). (A plain pointer
//!   kept valid by a reference the core held to itself measured within noise of this, at
//!   the price of `unsafe` and a loom model of its own: see the history of this file.)
//! - A native child reports to its group at the end of its last poll, just before corio
//!   marks its task complete; a waiter on another thread could see the group finished a
//!   moment before the last child's handle does, so off the loop's thread the group waits
//!   one more turn of the loop ([`Settling`]) before it returns.
//!
//! Why it exists: on `taskgroup_10k` (10k trivial children; criterion medians of three
//! interleaved runs on a busy 2-core machine, spread about 15%), spawning by hand took
//! 0.80-1.07 ms, this path 1.16-1.28x that, and the same group with results through a cell
//! 1.66-1.69x (the `FutureObj` box of the `Spawn` path made no measurable difference).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use corio_executor::{Handle, JoinError, JoinHandle};
use futures_task::Spawn;

use super::cell::Outcome;
use super::handle::{outcome_to_result, ChildHandle};
use super::wrapper::{CellControl, ChildTask, Sink};
use crate::error::{ChildError, SpawnError};
use crate::group_core::{GroupCore, WakeChild, NO_KEY};
use crate::loom::AtomicUsize;

/// Spawns `future` into the group of `core` as a native corio task named `name`.
///
/// A `name` goes to corio's task too (`task::TaskBuilder::spawn_on`, from any thread), so
/// corio's own reports name the child as its handle does; so does `owner`, the task that
/// made the group, as the task's parent, so corio's task tree shows every child under it
/// (also those a sibling spawned). The spawn location is the caller's (`#[track_caller]`
/// down from `TaskGroup::spawn`).
#[track_caller]
pub(crate) fn spawn_child<F, T, E>(
    core: &Arc<GroupCore<E>>,
    runtime: &Handle,
    owner: Option<u64>,
    name: Option<Box<str>>,
    future: F,
) -> Result<ChildHandle<T>, SpawnError>
where
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    // On refusal `future` is dropped here, never polled.
    core.admit()?;
    let task = ChildTask::new(future, NativeSink::new(core));
    // A runtime that has shut down refuses, as `Spawn` does: dropping the task here reports
    // it cancelled to its group (the wrapper's `Drop`).
    Spawn::status(runtime)?;
    let mut builder = corio_executor::task::TaskBuilder::new();
    if let Some(name) = name.as_deref() {
        builder = builder.name(name);
    }
    if let Some(owner) = owner {
        builder = builder.parent(owner);
    }
    let task = builder.spawn_on(runtime, task);
    Ok(ChildHandle::native(NativeSource::Task(task)).named(name))
}

/// TaskGroup children spawned as native corio tasks: no cell. `Ok` and every other end
/// become the task's output (an [`Outcome`], read through the task's `JoinHandle`), `Err`
/// goes to the group. The sink holds the group's core itself, typed, and the child's waker
/// slot key; a handle cancels the child through the `JoinHandle`, so there is no cancel flag
/// of its own.
pub(crate) struct NativeSink<E> {
    /// The child's reference to its group (the handle has none: it reads the task).
    core: Arc<GroupCore<E>>,
    /// The child's waker slot in its group (`NO_KEY` until it first pends); guarded by the
    /// group's lock.
    waker_key: AtomicUsize,
}

impl<E> NativeSink<E> {
    /// The sink of a child that `core` has just admitted.
    pub(crate) fn new(core: &Arc<GroupCore<E>>) -> Self {
        Self {
            core: Arc::clone(core),
            waker_key: AtomicUsize::new(NO_KEY),
        }
    }
}

impl<E: Send + 'static> CellControl for NativeSink<E> {
    /// No cell: the outcome of a child dropped unfinished is the task's own (corio reports
    /// such a task cancelled).
    fn settle_without_output(&self, _: Outcome<()>) {}
    fn cancel_requested(&self) -> bool {
        false
    }
    fn waker_key(&self) -> &AtomicUsize {
        &self.waker_key
    }
    fn group(&self) -> &dyn WakeChild {
        &*self.core
    }
}

impl<T, E: Send + 'static> Sink<Result<T, E>, E> for NativeSink<E> {
    type Ended = Outcome<T>;

    fn deliver(&self, output: Result<T, E>) -> Result<Outcome<T>, E> {
        output.map(Outcome::Done)
    }

    fn settle(&self, outcome: Outcome<()>) -> Outcome<T> {
        match outcome {
            Outcome::Failed => Outcome::Failed,
            Outcome::Panicked => Outcome::Panicked,
            _ => Outcome::Cancelled,
        }
    }

    fn core(&self) -> &GroupCore<E> {
        &self.core
    }
}

/// Where a native child's handle finds its outcome.
pub(crate) enum NativeSource<T> {
    /// The corio task whose output the outcome is.
    Task(JoinHandle<Outcome<T>>),
    /// The result already read from the task by [`poll_failed`](Self::poll_failed) (for
    /// `wait`), kept until the handle hands it out.
    Joined(Result<T, ChildError>),
    /// The handle has handed the result out.
    Taken,
}

impl<T> NativeSource<T> {
    /// corio drops the task's future (the wrapper) at its next turn; the wrapper's `Drop`
    /// reports the child cancelled to its group. A finished task keeps its outcome.
    pub(crate) fn cancel(&self) {
        if let Self::Task(task) = self {
            task.cancel();
        }
    }

    pub(crate) fn result(self) -> Result<T, ChildError> {
        match self {
            Self::Task(mut task) => {
                // Checked first so that an unfinished task does not get a join waker.
                if !task.is_finished() {
                    return Err(ChildError::Unfinished);
                }
                let mut cx = Context::from_waker(futures_task::noop_waker_ref());
                match Pin::new(&mut task).poll(&mut cx) {
                    Poll::Ready(joined) => joined_to_result(joined),
                    Poll::Pending => Err(ChildError::Unfinished),
                }
            }
            Self::Joined(result) => result,
            Self::Taken => Err(ChildError::AlreadyTaken),
        }
    }

    /// Waits until the child has finished, keeping its result: `true` if it failed or
    /// panicked.
    pub(crate) fn poll_failed(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        let failed = |result: &Result<T, ChildError>| {
            matches!(result, Err(ChildError::Failed | ChildError::Panicked))
        };
        match self {
            Self::Taken => Poll::Ready(false),
            Self::Joined(result) => Poll::Ready(failed(result)),
            Self::Task(task) => {
                let result = joined_to_result(std::task::ready!(Pin::new(task).poll(cx)));
                let failed = failed(&result);
                *self = Self::Joined(result);
                Poll::Ready(failed)
            }
        }
    }

    pub(crate) fn poll_result(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, ChildError>> {
        if let Self::Task(task) = self {
            let joined = std::task::ready!(Pin::new(task).poll(cx));
            *self = Self::Taken;
            return Poll::Ready(joined_to_result(joined));
        }
        // Polled again after it gave the result: as a cell does, say it was taken.
        match std::mem::replace(self, Self::Taken) {
            Self::Joined(result) => Poll::Ready(result),
            _ => Poll::Ready(Err(ChildError::AlreadyTaken)),
        }
    }
}

/// A native child task's output: its outcome, or corio's word that the task was dropped
/// unfinished (cancelled through its handle, or the runtime shut down) or that the wrapper
/// itself unwound (it catches the child's own panics).
fn joined_to_result<T>(joined: Result<Outcome<T>, JoinError>) -> Result<T, ChildError> {
    match joined {
        Ok(outcome) => outcome_to_result(outcome),
        Err(error) if error.is_cancelled() => Err(ChildError::Cancelled),
        Err(_) => Err(ChildError::Panicked),
    }
}

/// A native group that finished while awaited off its loop's thread: its outcome, held
/// until one turn of the loop has passed (a no-op task spawned behind the children), so
/// that every child's handle reads finished once the group does.
pub(crate) struct Settling<S> {
    barrier: JoinHandle<()>,
    summary: S,
}

impl<S> Settling<S> {
    /// The settling of `summary`, if the waiter is off `runtime`'s thread; `Err` gives the
    /// summary back when there is nothing to wait for.
    pub(crate) fn start(runtime: &Handle, summary: S) -> Result<Self, S> {
        if runtime.is_current() {
            return Err(summary);
        }
        // A runtime that has shut down cancels the no-op at once: nothing to wait for.
        Ok(Self {
            barrier: runtime.spawn(async {}),
            summary,
        })
    }

    /// Ready with the summary once the turn has passed.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.barrier).poll(cx).map(drop)
    }

    pub(crate) fn into_summary(self) -> S {
        self.summary
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::child::wrapper::tests::{pending_with_probe, self_referential};
    use crate::group_core::Policy;
    use futures_task::noop_waker;

    const GROUP: Policy = Policy {
        cancel_on_failure: true,
        track_completion: false,
    };

    #[test]
    fn a_native_child_returns_its_outcome_and_sends_its_error_to_the_group() {
        let core = Arc::new(GroupCore::<&str>::new(GROUP));
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        core.admit().unwrap();
        let mut ok = Box::pin(ChildTask::new(
            async { Ok::<_, &str>(self_referential(2).await.unwrap()) },
            NativeSink::new(&core),
        ));
        let outcome = loop {
            if let Poll::Ready(outcome) = ok.as_mut().poll(&mut cx) {
                break outcome;
            }
        };
        assert!(matches!(outcome, Outcome::Done(ref s) if s == "pinned"));
        core.admit().unwrap();
        let mut failing = Box::pin(ChildTask::new(
            async { Err::<(), _>("no") },
            NativeSink::new(&core),
        ));
        assert!(matches!(
            failing.as_mut().poll(&mut cx),
            Poll::Ready(Outcome::Failed)
        ));
        let Poll::Ready(summary) = core.poll_finished(&mut cx, false) else {
            panic!("not finished")
        };
        assert_eq!(summary.errors, ["no"]);
    }

    #[test]
    fn a_native_child_dropped_unfinished_is_reported_cancelled() {
        let core = Arc::new(GroupCore::<()>::new(GROUP));
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        core.admit().unwrap();
        let mut task = Box::pin(ChildTask::new(
            async { self_referential(10).await.map(drop) },
            NativeSink::new(&core),
        ));
        assert!(task.as_mut().poll(&mut cx).is_pending());
        drop(task);
        assert!(core.poll_finished(&mut cx, false).is_ready());
    }

    #[test]
    fn a_dropped_group_drops_an_idle_native_child_which_its_executor_drops_later() {
        let dropped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let core = Arc::new(GroupCore::<()>::new(GROUP));
        core.admit().unwrap();
        let mut task = Box::pin(ChildTask::new(
            pending_with_probe(Arc::clone(&dropped)),
            NativeSink::new(&core),
        ));
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(task.as_mut().poll(&mut cx).is_pending());
        assert!(core.drop_children().is_none());
        assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));
        drop(task);
        assert!(core.poll_finished(&mut cx, false).is_ready());
    }
}
