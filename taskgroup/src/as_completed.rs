//! [`as_completed`]: run futures concurrently as tasks and take their outputs in the order
//! they finish; with a deadline ([`AsCompleted::with_timeout`]), until it passes.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_task::Spawn;

use crate::batch::Batch;
use crate::error::TimedOut;

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

/// Outputs in completion order; see [`as_completed`]. Dropping it cancels the futures still
/// running.
///
/// ```
/// use corio_taskgroup::{as_completed_on, AsCompleted};
/// let mut pool = futures::executor::LocalPool::new();
/// let (tx, rx) = futures::channel::oneshot::channel::<u8>();
/// let mut done: AsCompleted<u8> = as_completed_on(
///     &pool.spawner(),
///     [
///         Box::pin(async move { rx.await.unwrap() }) as std::pin::Pin<Box<dyn std::future::Future<Output = u8> + Send>>,
///         Box::pin(async { 1 }),
///     ],
/// );
/// assert_eq!(pool.run_until(done.next()), Some(1)); // the one that finished first
/// tx.send(2).unwrap();
/// assert_eq!(pool.run_until(done.next()), Some(2));
/// ```
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

impl<O> AsCompleted<O> {
    /// asyncio's `as_completed(aws, timeout=...)` on corio's timer: outputs in completion
    /// order until `duration` has passed (the clock starts now). Then the futures still
    /// running are cancelled and dropped; outputs already in are still given, then one
    /// `Err(TimedOut)`, then `None`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use corio_executor::time::sleep;
    /// use corio_taskgroup::{as_completed, TimedOut};
    /// let rt = corio_executor::Runtime::builder().start_paused(true).build();
    /// rt.block_on(async {
    ///     let mut done = as_completed([1u64, 3600, 2].map(|secs| async move {
    ///         sleep(Duration::from_secs(secs)).await;
    ///         secs
    ///     }))
    ///     .with_timeout(Duration::from_secs(10));
    ///     assert_eq!(done.next().await, Some(Ok(1)));
    ///     assert_eq!(done.next().await, Some(Ok(2)));
    ///     assert_eq!(done.next().await, Some(Err(TimedOut)));
    ///     assert_eq!(done.next().await, None);
    /// });
    /// ```
    #[cfg(feature = "corio")]
    pub fn with_timeout(self, duration: std::time::Duration) -> AsCompletedWithin<O> {
        self.with_deadline(corio_executor::time::sleep(duration))
    }

    /// [`with_timeout`](Self::with_timeout) for any executor: the deadline passes when
    /// `deadline` completes (a timer of that executor). It is polled by whoever calls
    /// `next`.
    ///
    /// ```
    /// use corio_taskgroup::{as_completed_on, TimedOut};
    /// let mut pool = futures::executor::LocalPool::new();
    /// let (fire, fired) = futures::channel::oneshot::channel::<()>();
    /// let mut done = as_completed_on(&pool.spawner(), [
    ///     Box::pin(async { 1u8 }) as std::pin::Pin<Box<dyn std::future::Future<Output = u8> + Send>>,
    ///     Box::pin(std::future::pending()),
    /// ])
    /// .with_deadline(async move { let _ = fired.await; });
    /// assert_eq!(pool.run_until(done.next()), Some(Ok(1)));
    /// fire.send(()).unwrap();
    /// assert_eq!(pool.run_until(done.next()), Some(Err(TimedOut)));
    /// assert_eq!(pool.run_until(done.next()), None);
    /// ```
    pub fn with_deadline<D>(self, deadline: D) -> AsCompletedWithin<O>
    where
        D: Future<Output = ()> + Send + 'static,
    {
        AsCompletedWithin {
            outputs: self,
            deadline: Some(Box::pin(deadline)),
            timed_out: TimeoutState::Running,
        }
    }
}

/// Outputs in completion order until a deadline; see [`AsCompleted::with_timeout`].
///
/// ```
/// use corio_taskgroup::{as_completed_on, AsCompletedWithin, TimedOut};
/// let mut pool = futures::executor::LocalPool::new();
/// let (fire, fired) = futures::channel::oneshot::channel::<()>();
/// let mut done: AsCompletedWithin<()> =
///     as_completed_on(&pool.spawner(), [std::future::pending::<()>()])
///         .with_deadline(async move { let _ = fired.await; });
/// fire.send(()).unwrap();
/// assert_eq!(pool.run_until(done.next()), Some(Err(TimedOut)));
/// assert_eq!(pool.run_until(done.next()), None);
/// ```
#[must_use = "dropping this cancels the tasks still running"]
pub struct AsCompletedWithin<O> {
    outputs: AsCompleted<O>,
    deadline: Option<Pin<Box<dyn Future<Output = ()> + Send + 'static>>>,
    timed_out: TimeoutState,
}

/// Where an [`AsCompletedWithin`] stands with its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeoutState {
    /// Not passed (or every output was taken before it did).
    Running,
    /// Passed with futures still running: they were cancelled; `TimedOut` is still to give.
    Passed,
    /// `TimedOut` was given.
    Reported,
}

impl<O> std::fmt::Debug for AsCompletedWithin<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsCompletedWithin")
            .field("remaining", &self.outputs.remaining())
            .field("timed_out", &(self.timed_out != TimeoutState::Running))
            .finish()
    }
}

impl<O> AsCompletedWithin<O> {
    /// The output of the next future to finish, `Err(TimedOut)` once after the deadline
    /// passed with futures still running, then `None`.
    ///
    /// ```
    /// use corio_taskgroup::as_completed_on;
    /// let mut pool = futures::executor::LocalPool::new();
    /// let mut done = as_completed_on(&pool.spawner(), [async { 5 }])
    ///     .with_deadline(std::future::pending());
    /// assert_eq!(pool.run_until(done.next()), Some(Ok(5)));
    /// assert_eq!(pool.run_until(done.next()), None);
    /// ```
    pub async fn next(&mut self) -> Option<Result<O, TimedOut>> {
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    /// The poll form of [`next`](Self::next).
    ///
    /// ```
    /// use corio_taskgroup::as_completed_on;
    /// let mut pool = futures::executor::LocalPool::new();
    /// let mut done = as_completed_on(&pool.spawner(), [async { 5 }])
    ///     .with_deadline(std::future::pending());
    /// let first = pool.run_until(std::future::poll_fn(|cx| done.poll_next(cx)));
    /// assert_eq!(first, Some(Ok(5)));
    /// ```
    pub fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<O, TimedOut>>> {
        if let Some(deadline) = &mut self.deadline {
            if deadline.as_mut().poll(cx).is_ready() {
                self.deadline = None;
                if self.outputs.remaining() > 0 {
                    self.timed_out = TimeoutState::Passed;
                    self.outputs.batch.tracker.cancel_rest();
                }
            }
        }
        match self.outputs.poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(output)) => Poll::Ready(Some(Ok(output))),
            // Every cancelled future has been dropped by now.
            Poll::Ready(None) if self.timed_out == TimeoutState::Passed => {
                self.timed_out = TimeoutState::Reported;
                Poll::Ready(Some(Err(TimedOut)))
            }
            Poll::Ready(None) => Poll::Ready(None),
        }
    }

    /// How many outputs may still come (futures cancelled at the deadline included until
    /// they are dropped).
    ///
    /// ```
    /// use corio_taskgroup::as_completed_on;
    /// let mut pool = futures::executor::LocalPool::new();
    /// let mut done = as_completed_on(&pool.spawner(), [1, 2].map(|n| async move { n }))
    ///     .with_deadline(std::future::pending());
    /// assert_eq!(done.remaining(), 2);
    /// pool.run_until(done.next());
    /// assert_eq!(done.remaining(), 1);
    /// ```
    pub fn remaining(&self) -> usize {
        self.outputs.remaining()
    }
}
