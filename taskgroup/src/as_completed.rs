//! [`as_completed`]: run futures concurrently as tasks and take their outputs in the order
//! they finish.

use std::future::Future;
use std::task::{Context, Poll};

use futures_task::Spawn;

use crate::batch::Batch;

/// asyncio's `as_completed` on the current corio runtime: spawns every future now; each
/// [`next`](AsCompleted::next) gives the output of the next one to finish. Dropping the
/// [`AsCompleted`] cancels the futures still running.
///
/// # Panics
/// Outside a corio runtime (use [`as_completed_on`]); `next` resumes a child's panic.
///
/// ```
/// use std::time::Duration;
/// use corio_executor::time::sleep;
/// use corio_taskgroup::as_completed;
/// corio_executor::run(async {
///     let mut done = as_completed([30u64, 10, 20].map(|ms| async move {
///         sleep(Duration::from_millis(ms)).await;
///         ms
///     }));
///     let mut order = Vec::new();
///     while let Some(ms) = done.next().await {
///         order.push(ms);
///     }
///     assert_eq!(order, [10, 20, 30]);
/// });
/// ```
#[cfg(feature = "corio")]
pub fn as_completed<I, F>(futures: I) -> AsCompleted<F::Output>
where
    I: IntoIterator<Item = F>,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    as_completed_on(&crate::spawner::current_runtime("as_completed"), futures)
}

/// [`as_completed`] on any executor: the futures are spawned with `spawner`.
///
/// # Panics
/// If the executor refuses a task; `next` resumes a child's panic.
///
/// ```
/// use corio_taskgroup::as_completed_on;
/// let mut pool = futures::executor::LocalPool::new();
/// let spawner = pool.spawner();
/// let (tx, rx) = futures::channel::oneshot::channel::<u8>();
/// let late = Box::pin(async move { rx.await.unwrap() });
/// let early = Box::pin(async { 1u8 });
/// let mut done = as_completed_on(&spawner, [late as std::pin::Pin<Box<dyn std::future::Future<Output = u8> + Send>>, early]);
/// let first = pool.run_until(done.next());
/// tx.send(2).unwrap();
/// let second = pool.run_until(done.next());
/// assert_eq!((first, second), (Some(1), Some(2)));
/// assert_eq!(pool.run_until(done.next()), None);
/// ```
pub fn as_completed_on<S, I, F>(spawner: &S, futures: I) -> AsCompleted<F::Output>
where
    S: Spawn + ?Sized,
    I: IntoIterator<Item = F>,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    AsCompleted {
        batch: Batch::spawn_all("as_completed", false, spawner, futures),
    }
}

/// Outputs in completion order; see [`as_completed`].
#[must_use = "dropping this cancels the tasks still running"]
pub struct AsCompleted<O> {
    batch: Batch<O>,
}

impl<O> std::fmt::Debug for AsCompleted<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsCompleted")
            .field("remaining", &self.remaining())
            .finish()
    }
}

impl<O> AsCompleted<O> {
    /// The output of the next future to finish; `None` once all were taken.
    ///
    /// ```
    /// use corio_taskgroup::as_completed_on;
    /// let mut pool = futures::executor::LocalPool::new();
    /// let mut done = as_completed_on(&pool.spawner(), [async { 7 }]);
    /// assert_eq!(pool.run_until(done.next()), Some(7));
    /// assert_eq!(pool.run_until(done.next()), None);
    /// ```
    pub async fn next(&mut self) -> Option<O> {
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    /// The poll form of [`next`](Self::next), for hand-written futures and stream adapters.
    ///
    /// ```
    /// use std::task::{Context, Poll};
    /// use corio_taskgroup::as_completed_on;
    /// let mut pool = futures::executor::LocalPool::new();
    /// let mut done = as_completed_on(&pool.spawner(), [async { 7 }]);
    /// let waker = futures::task::noop_waker();
    /// // Not run yet: pending.
    /// assert!(done.poll_next(&mut Context::from_waker(&waker)).is_pending());
    /// pool.run_until_stalled();
    /// assert_eq!(done.poll_next(&mut Context::from_waker(&waker)), Poll::Ready(Some(7)));
    /// ```
    pub fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<O>> {
        loop {
            match self.batch.poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some((_, Some(output)))) => return Poll::Ready(Some(output)),
                Poll::Ready(Some((_, None))) => continue,
                Poll::Ready(None) => return Poll::Ready(None),
            }
        }
    }

    /// How many outputs are still to come.
    ///
    /// ```
    /// use corio_taskgroup::as_completed_on;
    /// let pool = futures::executor::LocalPool::new();
    /// let done = as_completed_on(&pool.spawner(), [1, 2].map(|n| async move { n }));
    /// assert_eq!(done.remaining(), 2);
    /// ```
    pub fn remaining(&self) -> usize {
        self.batch.tracker.remaining()
    }
}
