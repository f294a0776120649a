//! [`AsyncExecutorSpawner`] (feature `async-executor`): groups, gather and the rest on an
//! `async_executor::Executor` (smol's), with group deadlines on async-io's timer.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_executor::Executor;
use futures_task::{FutureObj, Spawn, SpawnError};

use crate::spawner::Timer;

/// Spawns children on an [`async_executor::Executor`] (what smol runs on): give it to
/// [`TaskGroup::with_spawner`] or to the `*_on` functions. Its [`Timer`] is async-io's
/// (smol's), so [`TaskGroup::with_timeout`] works too.
///
/// Children are `Send` tasks of the executor, detached: they run while some thread runs the
/// executor (`executor.run(...)`); the group learns of their ends itself.
///
/// [`TaskGroup::with_spawner`]: crate::TaskGroup::with_spawner
/// [`TaskGroup::with_timeout`]: crate::TaskGroup::with_timeout
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use async_executor::Executor;
/// use corio_taskgroup::{AsyncExecutorSpawner, TaskGroup};
///
/// let executor = Arc::new(Executor::new());
/// let tg = TaskGroup::<String, _>::with_spawner(AsyncExecutorSpawner::new(executor.clone()))
///     .with_timeout(Duration::from_secs(5));
/// let child = tg.spawn(async { Ok("done") }).unwrap();
/// async_io::block_on(executor.run(tg.wait())).unwrap();
/// assert_eq!(child.result(), Ok("done"));
/// ```
#[derive(Debug, Clone)]
pub struct AsyncExecutorSpawner {
    executor: Arc<Executor<'static>>,
}

impl AsyncExecutorSpawner {
    /// The spawner of `executor`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corio_taskgroup::{race_on, AsyncExecutorSpawner};
    ///
    /// let executor = Arc::new(async_executor::Executor::new());
    /// let spawner = AsyncExecutorSpawner::new(executor.clone());
    /// let first = race_on(&spawner, [async { Ok::<_, ()>(1) }]);
    /// assert_eq!(async_io::block_on(executor.run(first)), Some(Ok(1)));
    /// ```
    pub fn new(executor: Arc<Executor<'static>>) -> Self {
        Self { executor }
    }
}

impl From<Arc<Executor<'static>>> for AsyncExecutorSpawner {
    fn from(executor: Arc<Executor<'static>>) -> Self {
        Self::new(executor)
    }
}

impl Spawn for AsyncExecutorSpawner {
    fn spawn_obj(&self, future: FutureObj<'static, ()>) -> Result<(), SpawnError> {
        // The child reports its own end to its group; the task handle is not needed.
        self.executor.spawn(future).detach();
        Ok(())
    }
}

impl Timer for AsyncExecutorSpawner {
    /// async-io's `Timer::after` (its reactor thread, as smol's timers).
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        Box::pin(async move {
            async_io::Timer::after(duration).await;
        })
    }
}
