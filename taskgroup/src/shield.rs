//! [`shield`]: asyncio's `shield`. The future runs as its own task; dropping the future that
//! awaits it (a timeout, a cancelled owner, a failing sibling in a group) leaves that task
//! running to completion instead of cancelling it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_task::Spawn;

use crate::batch::Batch;

/// Runs `future` as a task on the current corio runtime, protected from the cancellation of
/// whoever awaits it: awaiting the returned [`Shield`] gives the future's output, and
/// dropping the `Shield` (the awaiting task was cancelled, a timeout fired) does not cancel
/// the task, which runs on to completion in the background.
///
/// As with asyncio's `shield`, the task is not part of any group: nothing waits for it once
/// its `Shield` is dropped.
///
/// # Panics
/// Outside a corio runtime (use [`shield_on`]). Awaiting the `Shield` resumes the task's
/// panic, and panics if the runtime shut down before the task finished.
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// use std::time::Duration;
/// use corio_executor::time::{sleep, timeout};
/// use corio_taskgroup::shield;
///
/// let rt = corio_executor::Runtime::builder().start_paused(true).build();
/// rt.block_on(async {
///     let saved = Arc::new(AtomicBool::new(false));
///     let save = {
///         let saved = saved.clone();
///         async move {
///             sleep(Duration::from_secs(5)).await;
///             saved.store(true, Ordering::SeqCst);
///         }
///     };
///     // The caller gives up after one second; the save goes on.
///     assert!(timeout(Duration::from_secs(1), shield(save)).await.is_err());
///     sleep(Duration::from_secs(10)).await;
///     assert!(saved.load(Ordering::SeqCst));
/// });
/// ```
#[cfg(feature = "corio")]
pub fn shield<F>(future: F) -> Shield<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    shield_on(&crate::spawner::current_runtime("shield"), future)
}

/// [`shield`] on any executor: the future is spawned with `spawner`.
///
/// # Panics
/// If the executor refuses the task. Awaiting the `Shield` resumes the task's panic, and
/// panics if the executor dropped the task before it finished.
///
/// ```
/// use corio_taskgroup::shield_on;
/// let mut pool = futures::executor::LocalPool::new();
/// let (tx, rx) = futures::channel::oneshot::channel::<&str>();
/// // The awaiting side goes away at once...
/// drop(shield_on(&pool.spawner(), async move { tx.send("done anyway").unwrap() }));
/// // ...and the shielded task still runs.
/// assert_eq!(pool.run_until(rx), Ok("done anyway"));
/// ```
pub fn shield_on<S, F>(spawner: &S, future: F) -> Shield<F::Output>
where
    S: Spawn + ?Sized,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Shield {
        task: Batch::spawn_all("shield", false, spawner, [future]),
    }
}

/// The future of [`shield`] / [`shield_on`]: the shielded task's output. Dropping it leaves
/// the task running.
///
/// ```
/// use corio_taskgroup::{shield_on, Shield};
/// let mut pool = futures::executor::LocalPool::new();
/// let (tx, rx) = futures::channel::oneshot::channel::<&str>();
/// let shielded: Shield<()> = shield_on(&pool.spawner(), async move {
///     tx.send("finished anyway").unwrap();
/// });
/// drop(shielded); // the awaiter gave up; the task still runs
/// assert_eq!(pool.run_until(rx), Ok("finished anyway"));
/// ```
#[must_use = "the shielded task runs anyway; await this to get its output"]
pub struct Shield<O> {
    /// A batch of one, detached when the `Shield` is dropped.
    task: Batch<O>,
}

impl<O> Unpin for Shield<O> {}

impl<O> std::fmt::Debug for Shield<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shield")
            .field("finished", &(self.task.tracker.remaining() == 0))
            .finish()
    }
}

impl<O> Future for Shield<O> {
    type Output = O;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<O> {
        match self.get_mut().task.poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some((_, Some(output)))) => Poll::Ready(output),
            // Nobody cancels a shielded task; `value_of` panics if its executor dropped it.
            Poll::Ready(Some((_, None))) | Poll::Ready(None) => {
                panic!("a Shield was polled after it returned its output")
            }
        }
    }
}

impl<O> Drop for Shield<O> {
    fn drop(&mut self) {
        // The point of a shield: the task is not cancelled with its awaiter.
        self.task.tracker.detach();
    }
}
