//! Which executor children run on: [`DefaultSpawner`] (the current corio runtime, with the
//! `corio` feature), the [`Timer`] a spawner may offer for group deadlines, and the glue that
//! hands a child to any `Spawn` / `LocalSpawn`. The adapters for other runtimes are in
//! `tokio_spawner.rs` and `async_executor_spawner.rs`.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures_task::{FutureObj, LocalFutureObj, LocalSpawn, Spawn};

use crate::error::SpawnError;

/// The spawner a [`TaskGroup`](crate::TaskGroup) uses unless given another one: the current
/// corio runtime's [`Handle`](corio_executor::Handle).
///
/// ```
/// use corio_taskgroup::{DefaultSpawner, TaskGroup};
/// corio_executor::run(async {
///     // `TaskGroup<E>` is `TaskGroup<E, DefaultSpawner>`.
///     let tg: TaskGroup<(), DefaultSpawner> = TaskGroup::new();
///     let child = tg.spawn(async { Ok(1) }).unwrap();
///     tg.wait().await.unwrap();
///     assert_eq!(child.result(), Ok(1));
/// });
/// ```
#[cfg(feature = "corio")]
pub type DefaultSpawner = corio_executor::Handle;

/// Without the `corio` feature there is no default spawner: build groups with
/// [`TaskGroup::with_spawner`](crate::TaskGroup::with_spawner). This type has no values.
///
/// ```
/// use corio_taskgroup::TaskGroup;
/// let mut pool = futures::executor::LocalPool::new();
/// // Name the spawner type (`TaskGroup<E, S>`): there is no default one to fall back on.
/// let tg: TaskGroup<(), _> = TaskGroup::with_spawner(pool.spawner());
/// pool.run_until(tg.wait()).unwrap();
/// ```
#[cfg(not(feature = "corio"))]
#[derive(Debug, Clone, Copy)]
pub enum DefaultSpawner {}

/// A spawner whose executor has a timer: what [`TaskGroup::with_timeout`] needs to cancel a
/// group on that executor's clock (its paused test clock included).
///
/// Implemented by corio's `Handle` (feature `corio`), `TokioSpawner`
/// (feature `tokio`) and `AsyncExecutorSpawner` (feature
/// `async-executor`). For any other executor, implement it with that executor's sleep, or
/// give the group a timer future directly with [`TaskGroup::with_deadline`].
///
/// [`TaskGroup::with_timeout`]: crate::TaskGroup::with_timeout
/// [`TaskGroup::with_deadline`]: crate::TaskGroup::with_deadline
///
/// ```
/// use std::future::Future;
/// use std::pin::Pin;
/// use std::time::Duration;
/// use corio_taskgroup::{TaskGroup, Timer};
/// use futures::executor::LocalPool;
/// use futures::executor::LocalSpawner;
///
/// /// futures' LocalPool has no timer: this one sleeps on a thread (a real program would
/// /// use its executor's own).
/// #[derive(Clone)]
/// struct PoolWithTimer(LocalSpawner);
///
/// impl futures::task::Spawn for PoolWithTimer {
///     fn spawn_obj(
///         &self,
///         future: futures::future::FutureObj<'static, ()>,
///     ) -> Result<(), futures::task::SpawnError> {
///         self.0.spawn_obj(future)
///     }
/// }
///
/// impl Timer for PoolWithTimer {
///     fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
///         let (done, fired) = futures::channel::oneshot::channel::<()>();
///         std::thread::spawn(move || {
///             std::thread::sleep(duration);
///             let _ = done.send(());
///         });
///         Box::pin(async move {
///             let _ = fired.await;
///         })
///     }
/// }
///
/// let mut pool = LocalPool::new();
/// let tg = TaskGroup::<(), _>::with_spawner(PoolWithTimer(pool.spawner()))
///     .with_timeout(Duration::from_millis(5));
/// tg.spawn(std::future::pending::<Result<(), ()>>()).unwrap();
/// assert!(pool.run_until(tg.wait()).unwrap_err().is_timeout());
/// ```
pub trait Timer {
    /// A future that completes once `duration` has passed on this executor's clock. It is
    /// polled by whoever waits for the group.
    ///
    /// ```
    /// use std::time::Duration;
    /// use corio_taskgroup::Timer;
    /// # #[cfg(feature = "corio")]
    /// corio_executor::Runtime::builder().start_paused(true).build().block_on(async {
    ///     let start = corio_executor::time::Instant::now();
    ///     corio_executor::Handle::current().sleep(Duration::from_secs(3)).await;
    ///     assert_eq!(start.elapsed(), Duration::from_secs(3));
    /// });
    /// ```
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
}

#[cfg(feature = "corio")]
impl Timer for corio_executor::Handle {
    /// corio's `time::sleep`, on the clock of the runtime that polls it.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        Box::pin(corio_executor::time::sleep(duration))
    }
}

/// The current corio runtime's handle, or a panic that names the mistake and the adapter to
/// use instead.
#[cfg(feature = "corio")]
pub(crate) fn current_runtime(what: &str) -> corio_executor::Handle {
    corio_executor::Handle::try_current().unwrap_or_else(|| outside_corio(what))
}

#[cfg(feature = "corio")]
#[cold]
fn outside_corio(what: &str) -> ! {
    #[cfg(feature = "tokio")]
    if tokio::runtime::Handle::try_current().is_ok() {
        panic!(
            "{what} was called inside a tokio runtime, not a corio one: spawn on tokio with \
             `TaskGroup::with_spawner(corio_taskgroup::TokioSpawner::current())` (or pass \
             `&TokioSpawner::current()` to the `*_on` form of this function)"
        );
    }
    panic!(
        "{what} was called outside a corio runtime: call it inside `corio_executor::run`, or \
         give it your executor's spawner: on tokio, `TaskGroup::with_spawner(TokioSpawner::\
         current())` (corio-taskgroup's `tokio` feature); on async-executor or smol, \
         `TaskGroup::with_spawner(AsyncExecutorSpawner::new(executor))` (feature \
         `async-executor`); on any other executor, its `futures_task::Spawn`; the free \
         functions have `*_on` forms that take the spawner"
    );
}

#[track_caller]
pub(crate) fn spawn_send<S, F>(spawner: &S, task: F) -> Result<(), SpawnError>
where
    S: Spawn + ?Sized,
    F: Future<Output = ()> + Send + 'static,
{
    spawner
        .spawn_obj(FutureObj::new(Box::new(task)))
        .map_err(SpawnError::from)
}

pub(crate) fn spawn_local<S, F>(spawner: &S, task: F) -> Result<(), SpawnError>
where
    S: LocalSpawn + ?Sized,
    F: Future<Output = ()> + 'static,
{
    spawner
        .spawn_local_obj(LocalFutureObj::new(Box::new(task)))
        .map_err(SpawnError::from)
}
