//! [`wait`]: asyncio's `wait(tasks, return_when=..., timeout=...)`. Waits on children that
//! are already running (their [`ChildHandle`]s) and hands them back split into the ones
//! that finished and the ones still running; it cancels nothing.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::child::{ChildHandle, Ended};

/// When [`wait`] returns (asyncio's `return_when`).
///
/// ```
/// use corio_taskgroup::{wait, ReturnWhen, TaskGroup};
/// let mut pool = futures::executor::LocalPool::new();
/// let tg = TaskGroup::<(), _>::with_spawner(pool.spawner());
/// let quick = tg.spawn(async { Ok(1) }).unwrap();
/// let stuck = tg.spawn(std::future::pending::<Result<i32, ()>>()).unwrap();
/// let (done, pending) = pool.run_until(wait(vec![quick, stuck], ReturnWhen::FirstCompleted));
/// assert_eq!((done.len(), pending.len()), (1, 1));
/// pending[0].cancel();
/// pool.run_until(tg.wait()).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReturnWhen {
    /// As soon as any child has finished (asyncio's `FIRST_COMPLETED`).
    FirstCompleted,
    /// As soon as any child has failed or panicked, or when all have finished if none did
    /// (asyncio's `FIRST_EXCEPTION`). A cancelled child is not an exception.
    FirstException,
    /// When every child has finished (asyncio's `ALL_COMPLETED`).
    AllCompleted,
}

/// Waits for the children behind `handles` until `return_when` is met (or a deadline set
/// with [`Wait::with_timeout`] / [`Wait::with_deadline`] passes), then gives the handles
/// back as `(done, pending)`: the children that finished, whose
/// [`result`](ChildHandle::result) is ready, and the ones still running, which go on
/// running (nothing is cancelled). Each list keeps the order of `handles`.
///
/// Like asyncio's, it answers one turn of the loop after the completion that met
/// `return_when`, so children that finish on that same turn are in `done` as well.
///
/// With no handles it returns `(vec![], vec![])` at once (asyncio raises `ValueError`).
/// It spawns nothing, so it works on every executor.
///
/// ```
/// use corio_taskgroup::{wait, ReturnWhen, TaskGroup};
/// # let mut pool = futures::executor::LocalPool::new();
/// # let spawner = pool.spawner();
/// pool.run_until(async move {
///     let tg = TaskGroup::<(), _>::with_spawner(spawner);
///     let (release, released) = futures::channel::oneshot::channel::<()>();
///     let fast = tg.spawn(async { Ok("fast") }).unwrap();
///     let slow = tg
///         .spawn(async move {
///             let _ = released.await;
///             Ok("slow")
///         })
///         .unwrap();
///     let (done, pending) = wait([fast, slow], ReturnWhen::FirstCompleted).await;
///     assert_eq!(done.len(), 1);
///     assert_eq!(pending.len(), 1);
///     release.send(()).unwrap();
///     tg.wait().await.unwrap();
///     let [fast] = <[_; 1]>::try_from(done).unwrap();
///     assert_eq!(fast.result(), Ok("fast"));
/// });
/// ```
pub fn wait<T, I>(handles: I, return_when: ReturnWhen) -> Wait<T>
where
    I: IntoIterator<Item = ChildHandle<T>>,
{
    Wait {
        pending: handles.into_iter().enumerate().collect(),
        done: Vec::new(),
        return_when,
        failed: false,
        settled: false,
        deadline: None,
    }
}

/// The future of [`wait`]: `(done, pending)`.
///
/// ```
/// use corio_taskgroup::{wait, ReturnWhen, TaskGroup, Wait};
/// let mut pool = futures::executor::LocalPool::new();
/// let tg = TaskGroup::<(), _>::with_spawner(pool.spawner());
/// let children = vec![tg.spawn(async { Ok(1) }).unwrap(), tg.spawn(async { Ok(2) }).unwrap()];
/// let all: Wait<i32> = wait(children, ReturnWhen::AllCompleted);
/// let (done, pending) = pool.run_until(all);
/// assert!(pending.is_empty());
/// let values: Vec<_> = done.into_iter().map(|child| child.result().unwrap()).collect();
/// assert_eq!(values, [1, 2]);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Wait<T> {
    /// Still running, with their argument positions, in argument order.
    pending: Vec<(usize, ChildHandle<T>)>,
    /// Finished, with their argument positions, in the order they were seen finished.
    done: Vec<(usize, ChildHandle<T>)>,
    return_when: ReturnWhen,
    /// A finished child failed or panicked.
    failed: bool,
    /// `return_when` was met and the one extra turn (see `poll`) has been taken.
    settled: bool,
    deadline: Option<Pin<Box<dyn Future<Output = ()> + Send + 'static>>>,
}

impl<T> Unpin for Wait<T> {}

impl<T> std::fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wait")
            .field("done", &self.done.len())
            .field("pending", &self.pending.len())
            .field("return_when", &self.return_when)
            .finish()
    }
}

impl<T> Wait<T> {
    /// Returns once `duration` has passed (corio's timer; the clock starts now) even if
    /// `return_when` is not met: asyncio's `timeout=`. The children still running are in
    /// `pending`, not cancelled.
    ///
    /// ```
    /// use std::time::Duration;
    /// use corio_taskgroup::{wait, ReturnWhen, TaskGroup};
    /// let rt = corio_executor::Runtime::builder().start_paused(true).build();
    /// rt.block_on(async {
    ///     let tg = TaskGroup::<()>::new();
    ///     let slow = tg
    ///         .spawn(async {
    ///             corio_executor::time::sleep(Duration::from_secs(60)).await;
    ///             Ok(())
    ///         })
    ///         .unwrap();
    ///     let (done, pending) = wait([slow], ReturnWhen::AllCompleted)
    ///         .with_timeout(Duration::from_secs(1))
    ///         .await;
    ///     assert_eq!((done.len(), pending.len()), (0, 1));
    ///     tg.wait().await.unwrap(); // the slow child still finishes
    /// });
    /// ```
    #[cfg(feature = "corio")]
    pub fn with_timeout(self, duration: std::time::Duration) -> Self {
        self.with_deadline(corio_executor::time::sleep(duration))
    }

    /// [`with_timeout`](Self::with_timeout) for any executor: returns when `deadline`
    /// completes (a timer of that executor), if nothing else made it return before.
    ///
    /// ```
    /// use corio_taskgroup::{wait, ReturnWhen, TaskGroup};
    /// let mut pool = futures::executor::LocalPool::new();
    /// let tg = TaskGroup::<(), _>::with_spawner(pool.spawner());
    /// let stuck = tg.spawn(std::future::pending::<Result<(), ()>>()).unwrap();
    /// let (done, pending) = pool.run_until(
    ///     wait([stuck], ReturnWhen::FirstCompleted).with_deadline(async {}),
    /// );
    /// assert_eq!((done.len(), pending.len()), (0, 1));
    /// ```
    pub fn with_deadline<D>(mut self, deadline: D) -> Self
    where
        D: Future<Output = ()> + Send + 'static,
    {
        self.deadline = Some(Box::pin(deadline));
        self
    }

    /// Moves the children that finished since the last look from `pending` to `done`.
    fn collect_finished(&mut self, cx: &mut Context<'_>) {
        let mut index = 0;
        while index < self.pending.len() {
            match self.pending[index].1.poll_finished(cx) {
                Poll::Pending => index += 1,
                Poll::Ready(ended) => {
                    self.failed |= ended == Ended::Exceptionally;
                    self.done.push(self.pending.remove(index));
                }
            }
        }
    }

    fn met(&self) -> bool {
        match self.return_when {
            _ if self.pending.is_empty() => true,
            ReturnWhen::FirstCompleted => !self.done.is_empty(),
            ReturnWhen::FirstException => self.failed,
            ReturnWhen::AllCompleted => false,
        }
    }
}

impl<T> Future for Wait<T> {
    type Output = (Vec<ChildHandle<T>>, Vec<ChildHandle<T>>);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.collect_finished(cx);
        let passed = this
            .deadline
            .as_mut()
            .is_some_and(|deadline| deadline.as_mut().poll(cx).is_ready());
        if this.met() && !this.settled && !passed {
            // One more turn of the loop before answering, as asyncio's `wait` resumes one
            // iteration after the completion that met `return_when` (the completion's
            // callback runs first, then the waiter): children that finish on the same turn
            // are reported done too, not pending.
            this.settled = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if (this.met() && this.settled) || passed {
            this.deadline = None;
            let mut done = std::mem::take(&mut this.done);
            done.sort_unstable_by_key(|(position, _)| *position);
            let handles = |list: Vec<(usize, ChildHandle<T>)>| -> Vec<ChildHandle<T>> {
                list.into_iter().map(|(_, handle)| handle).collect()
            };
            return Poll::Ready((handles(done), handles(std::mem::take(&mut this.pending))));
        }
        Poll::Pending
    }
}
