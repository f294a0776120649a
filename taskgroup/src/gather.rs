//! [`gather`] and [`gather_settled`]: run futures concurrently as tasks and collect their
//! outputs in argument order. Unlike a [`TaskGroup`](crate::TaskGroup), `gather` cancels
//! nothing when one fails: it returns that error and leaves the others running.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_task::Spawn;

use crate::batch::Batch;

/// asyncio's `gather` on the current corio runtime: spawns every future now, then gives
/// their outputs in argument order, or the first error as soon as it happens. On an error
/// the other futures are NOT cancelled; they run to completion in the background.
/// Dropping the returned future before it finished cancels the futures still running.
///
/// # Panics
/// Outside a corio runtime (use [`gather_on`]); a child's panic is resumed by the
/// returned future (the other children keep running).
///
/// ```
/// use corio_taskgroup::gather;
/// corio_executor::run(async {
///     let squares = gather((1..=3).map(|n| async move { Ok::<_, ()>(n * n) })).await;
///     assert_eq!(squares, Ok(vec![1, 4, 9]));
/// });
/// ```
#[cfg(feature = "corio")]
#[track_caller]
pub fn gather<I, F, T, E>(futures: I) -> Gather<T, E>
where
    I: IntoIterator<Item = F>,
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    gather_on(&crate::spawner::current_runtime("gather"), futures)
}

/// [`gather`] on any executor: the futures are spawned with `spawner`.
///
/// # Panics
/// If the executor refuses a task; a child's panic is resumed by the returned future.
///
/// ```
/// use corio_taskgroup::gather_on;
/// let mut pool = futures::executor::LocalPool::new();
/// let spawner = pool.spawner();
/// let failed = pool.run_until(gather_on(&spawner, vec![
///     Box::pin(async { Ok(1) }) as std::pin::Pin<Box<dyn std::future::Future<Output = _> + Send>>,
///     Box::pin(async { Err("two failed") }),
/// ]));
/// assert_eq!(failed, Err("two failed"));
/// ```
#[track_caller]
pub fn gather_on<S, I, F, T, E>(spawner: &S, futures: I) -> Gather<T, E>
where
    S: Spawn + ?Sized,
    I: IntoIterator<Item = F>,
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    let batch = Batch::spawn_all("gather", true, spawner, futures);
    let outputs = (0..batch.len()).map(|_| None).collect();
    Gather { batch, outputs }
}

/// The future of [`gather`] / [`gather_on`]: every output in argument order, or the first
/// error. Dropping it before it finished cancels the futures still running.
///
/// ```
/// use corio_taskgroup::{gather_on, Gather};
/// let mut pool = futures::executor::LocalPool::new();
/// let all: Gather<u8, ()> = gather_on(&pool.spawner(), [1, 2].map(|n| async move { Ok(n) }));
/// assert_eq!(pool.run_until(all), Ok(vec![1, 2]));
/// ```
#[must_use = "futures do nothing unless awaited; dropping this cancels the gathered tasks"]
pub struct Gather<T, E> {
    batch: Batch<Result<T, E>>,
    outputs: Vec<Option<T>>,
}

impl<T, E> Unpin for Gather<T, E> {}

impl<T, E> std::fmt::Debug for Gather<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gather")
            .field("remaining", &self.batch.tracker.remaining())
            .finish()
    }
}

impl<T, E> Future for Gather<T, E> {
    type Output = Result<Vec<T>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match this.batch.poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some((ordinal, Some(Ok(value))))) => {
                    this.outputs[ordinal] = Some(value)
                }
                Poll::Ready(Some((_, Some(Err(error))))) => {
                    // The contrast with TaskGroup: the others are left running.
                    this.batch.tracker.detach();
                    return Poll::Ready(Err(error));
                }
                Poll::Ready(Some((_, None))) => unreachable!("gather never cancels its children"),
                Poll::Ready(None) => {
                    let outputs = std::mem::take(&mut this.outputs);
                    return Poll::Ready(Ok(outputs
                        .into_iter()
                        .map(|value| value.expect("every gathered future has finished"))
                        .collect()));
                }
            }
        }
    }
}

/// asyncio's `gather(..., return_exceptions=True)` on the current corio runtime: waits for
/// every future and gives every outcome, `Ok` or `Err`, in argument order.
///
/// # Panics
/// Outside a corio runtime (use [`gather_settled_on`]); resumes a child's panic.
///
/// ```
/// use corio_taskgroup::gather_settled;
/// corio_executor::run(async {
///     let outcomes = gather_settled((0..3).map(|n| async move {
///         if n == 1 { Err("odd") } else { Ok(n) }
///     }))
///     .await;
///     assert_eq!(outcomes, vec![Ok(0), Err("odd"), Ok(2)]);
/// });
/// ```
#[cfg(feature = "corio")]
pub fn gather_settled<I, F, T, E>(futures: I) -> GatherSettled<T, E>
where
    I: IntoIterator<Item = F>,
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    gather_settled_on(&crate::spawner::current_runtime("gather_settled"), futures)
}

/// [`gather_settled`] on any executor: the futures are spawned with `spawner`.
///
/// # Panics
/// If the executor refuses a task; resumes a child's panic.
///
/// ```
/// use corio_taskgroup::gather_settled_on;
/// let mut pool = futures::executor::LocalPool::new();
/// let spawner = pool.spawner();
/// let outcomes = pool.run_until(gather_settled_on(&spawner, (0..3).map(|n| async move {
///     if n == 0 { Err(n) } else { Ok(n) }
/// })));
/// assert_eq!(outcomes, vec![Err(0), Ok(1), Ok(2)]);
/// ```
pub fn gather_settled_on<S, I, F, T, E>(spawner: &S, futures: I) -> GatherSettled<T, E>
where
    S: Spawn + ?Sized,
    I: IntoIterator<Item = F>,
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    let batch = Batch::spawn_all("gather_settled", false, spawner, futures);
    let outcomes = (0..batch.len()).map(|_| None).collect();
    GatherSettled { batch, outcomes }
}

/// The future of [`gather_settled`] / [`gather_settled_on`]: every outcome, in argument
/// order. Dropping it before it finished cancels the futures still running.
///
/// ```
/// use corio_taskgroup::{gather_settled_on, GatherSettled};
/// let mut pool = futures::executor::LocalPool::new();
/// let outcome = |n: u8| async move { if n == 1 { Ok(n) } else { Err("two failed") } };
/// let all: GatherSettled<u8, &str> = gather_settled_on(&pool.spawner(), [1, 2].map(outcome));
/// assert_eq!(pool.run_until(all), vec![Ok(1), Err("two failed")]);
/// ```
#[must_use = "futures do nothing unless awaited; dropping this cancels the gathered tasks"]
pub struct GatherSettled<T, E> {
    batch: Batch<Result<T, E>>,
    outcomes: Vec<Option<Result<T, E>>>,
}

impl<T, E> Unpin for GatherSettled<T, E> {}

impl<T, E> std::fmt::Debug for GatherSettled<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatherSettled")
            .field("remaining", &self.batch.tracker.remaining())
            .finish()
    }
}

impl<T, E> Future for GatherSettled<T, E> {
    type Output = Vec<Result<T, E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match this.batch.poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some((ordinal, outcome))) => this.outcomes[ordinal] = outcome,
                Poll::Ready(None) => {
                    let outcomes = std::mem::take(&mut this.outcomes);
                    return Poll::Ready(
                        outcomes
                            .into_iter()
                            .map(|o| o.expect("every gathered future has finished"))
                            .collect(),
                    );
                }
            }
        }
    }
}
