//! [`race`]: the first of several futures to finish wins; the others are cancelled.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_task::Spawn;

use crate::batch::Batch;

/// Runs the futures concurrently as tasks on the current corio runtime and gives the output
/// of the first one to finish (asyncio's `wait(..., return_when=FIRST_COMPLETED)`, then
/// cancelling the rest). The losers are cancelled, and the returned future completes only
/// once they have all been dropped, so none outlives it. `None` if there were no futures.
///
/// # Panics
/// Outside a corio runtime (use [`race_on`]); resumes a child's panic (cancelling the rest).
///
/// ```
/// use std::time::Duration;
/// use corio_executor::time::sleep;
/// use corio_taskgroup::race;
/// corio_executor::run(async {
///     let winner = race([10u64, 1, 5].map(|ms| async move {
///         sleep(Duration::from_millis(ms)).await;
///         ms
///     }))
///     .await;
///     assert_eq!(winner, Some(1));
/// });
/// ```
#[cfg(feature = "corio")]
pub fn race<I, F>(futures: I) -> Race<F::Output>
where
    I: IntoIterator<Item = F>,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    race_on(&crate::spawner::current_runtime("race"), futures)
}

/// [`race`] on any executor: the futures are spawned with `spawner`.
///
/// # Panics
/// If the executor refuses a task; resumes a child's panic.
///
/// ```
/// use corio_taskgroup::race_on;
/// let mut pool = futures::executor::LocalPool::new();
/// let spawner = pool.spawner();
/// let (tx, rx) = futures::channel::oneshot::channel::<&str>();
/// let never = Box::pin(async { std::future::pending::<&str>().await });
/// let soon = Box::pin(async move { rx.await.unwrap() });
/// let racing = race_on(&spawner, [never as std::pin::Pin<Box<dyn std::future::Future<Output = _> + Send>>, soon]);
/// tx.send("soon").unwrap();
/// assert_eq!(pool.run_until(racing), Some("soon"));
/// ```
pub fn race_on<S, I, F>(spawner: &S, futures: I) -> Race<F::Output>
where
    S: Spawn + ?Sized,
    I: IntoIterator<Item = F>,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Race {
        batch: Batch::spawn_all("race", false, spawner, futures),
        winner: None,
    }
}

/// The future of [`race`] / [`race_on`]: the first output (`None` with no futures), given
/// once the others were cancelled and dropped.
///
/// ```
/// use corio_taskgroup::{race_on, Race};
/// let mut pool = futures::executor::LocalPool::new();
/// let first: Race<&str> = race_on(
///     &pool.spawner(),
///     [
///         Box::pin(std::future::pending()) as std::pin::Pin<Box<dyn std::future::Future<Output = &str> + Send>>,
///         Box::pin(async { "fast" }),
///     ],
/// );
/// assert_eq!(pool.run_until(first), Some("fast"));
/// ```
#[must_use = "futures do nothing unless awaited; dropping this cancels the racing tasks"]
pub struct Race<O> {
    batch: Batch<O>,
    winner: Option<O>,
}

impl<O> Unpin for Race<O> {}

impl<O> std::fmt::Debug for Race<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Race")
            .field("decided", &self.winner.is_some())
            .finish()
    }
}

impl<O> Future for Race<O> {
    type Output = Option<O>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<O>> {
        let this = self.get_mut();
        loop {
            match this.batch.poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some((_, Some(output)))) if this.winner.is_none() => {
                    this.winner = Some(output);
                    this.batch.tracker.cancel_rest();
                }
                // A loser: cancelled, or finished in the same tick as the winner.
                Poll::Ready(Some(_)) => {}
                Poll::Ready(None) => return Poll::Ready(this.winner.take()),
            }
        }
    }
}
