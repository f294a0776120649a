//! [`TokioSpawner`] (feature `tokio`): groups, gather and the rest on a tokio runtime, with
//! group deadlines on tokio's timer (its paused test clock included).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures_task::{FutureObj, Spawn, SpawnError};

use crate::spawner::Timer;

/// Spawns children on a tokio runtime: give it to [`TaskGroup::with_spawner`] or to the
/// `*_on` functions. Its [`Timer`] is tokio's, so [`TaskGroup::with_timeout`] works too (the
/// runtime needs its time driver: `enable_time()`, or `enable_all()`, as `#[tokio::main]`
/// does).
///
/// Children are `Send` tasks of the runtime (`Handle::spawn`). A runtime that has shut down
/// drops new tasks unpolled: their handles say [`ChildError::Cancelled`].
///
/// [`TaskGroup::with_spawner`]: crate::TaskGroup::with_spawner
/// [`TaskGroup::with_timeout`]: crate::TaskGroup::with_timeout
/// [`ChildError::Cancelled`]: crate::ChildError::Cancelled
///
/// ```
/// use std::time::Duration;
/// use corio_taskgroup::{TaskGroup, TokioSpawner};
///
/// # let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
/// # runtime.block_on(async {
/// // Inside `#[tokio::main]`:
/// let total = TaskGroup::<String, _>::with_spawner(TokioSpawner::current())
///     .with_timeout(Duration::from_secs(5))
///     .run(|tg| async move {
///         let a = tg.spawn(async { Ok(20) })?;
///         let b = tg.spawn(async { Ok(22) })?;
///         Ok(a.await.unwrap() + b.await.unwrap())
///     })
///     .await;
/// assert_eq!(total.unwrap(), 42);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct TokioSpawner {
    runtime: tokio::runtime::Handle,
}

impl TokioSpawner {
    /// The spawner of the tokio runtime this is called in.
    ///
    /// # Panics
    /// Outside a tokio runtime (as `tokio::runtime::Handle::current` does).
    ///
    /// ```
    /// use corio_taskgroup::{gather_on, TokioSpawner};
    /// # let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// # runtime.block_on(async {
    /// let both = gather_on(&TokioSpawner::current(), [1, 2].map(|n| async move { Ok::<_, ()>(n) }));
    /// assert_eq!(both.await, Ok(vec![1, 2]));
    /// # });
    /// ```
    pub fn current() -> Self {
        Self::new(tokio::runtime::Handle::current())
    }

    /// The spawner of the runtime `runtime` is a handle to, from any thread.
    ///
    /// ```
    /// use corio_taskgroup::{TaskGroup, TokioSpawner};
    /// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// let tg = TaskGroup::<(), _>::with_spawner(TokioSpawner::new(runtime.handle().clone()));
    /// let child = tg.spawn(async { Ok(7) }).unwrap();
    /// runtime.block_on(tg.wait()).unwrap();
    /// assert_eq!(child.result(), Ok(7));
    /// ```
    pub fn new(runtime: tokio::runtime::Handle) -> Self {
        Self { runtime }
    }
}

impl From<tokio::runtime::Handle> for TokioSpawner {
    fn from(runtime: tokio::runtime::Handle) -> Self {
        Self::new(runtime)
    }
}

impl Spawn for TokioSpawner {
    fn spawn_obj(&self, future: FutureObj<'static, ()>) -> Result<(), SpawnError> {
        // The child reports its own end to its group; the join handle is not needed.
        drop(self.runtime.spawn(future));
        Ok(())
    }
}

impl Timer for TokioSpawner {
    /// tokio's `sleep`, made inside the runtime so that it uses that runtime's timer.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        let _inside = self.runtime.enter();
        Box::pin(tokio::time::sleep(duration))
    }
}
