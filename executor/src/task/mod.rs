//! Tasks: spawning futures onto the running loop, their [`JoinHandle`]s, and names.
//!
//! `raw` holds the single-allocation task and its waker (all of the crate's task `unsafe`),
//! `state` the atomic state word, `join` the handle and its error.

mod join;
pub(crate) mod join_waker;
pub(crate) mod raw;
pub(crate) mod state;
#[cfg(all(test, not(loom)))]
mod tests;

pub use join::{JoinError, JoinHandle};

use raw::Header;

use crate::runtime::context::{self, Core};
use crate::runtime::spawn_on_loop;
use std::future::Future;
use std::sync::Arc;

/// Spawns a `Send` future as a new task on the running loop, like `asyncio.create_task`.
///
/// The task does not run inside `spawn`: it runs once the spawner yields to the loop.
/// Dropping the returned [`JoinHandle`] detaches the task; it runs on.
///
/// ```
/// corio_executor::run(async {
///     let a = corio_executor::spawn(async { 1 });
///     let b = corio_executor::spawn(async { 2 });
///     assert_eq!(a.await.unwrap() + b.await.unwrap(), 3);
/// });
/// ```
///
/// # Panics
/// Outside a running corio runtime; use [`Handle::spawn`](crate::Handle::spawn) from other
/// threads.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Builder::new().spawn(future)
}

/// Spawns a `!Send` future (one holding an `Rc`, say) as a task on the running loop.
///
/// ```
/// use std::rc::Rc;
/// corio_executor::run(async {
///     let shared = Rc::new(5);
///     let task = corio_executor::spawn_local({
///         let shared = shared.clone();
///         async move { *shared * 2 }
///     });
///     assert_eq!(task.await.unwrap(), 10);
/// });
/// ```
///
/// # Panics
/// Outside a running corio runtime.
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    Builder::new().spawn_local(future)
}

/// Spawns tasks with options: a name, shown in panic reports and [`Runtime::live_tasks`].
///
/// [`Runtime::live_tasks`]: crate::Runtime::live_tasks
///
/// ```
/// corio_executor::run(async {
///     let task = corio_executor::task::Builder::new().name("fetcher").spawn(async { 3 });
///     assert_eq!(task.await.unwrap(), 3);
/// });
/// ```
#[derive(Debug, Default, Clone)]
pub struct Builder {
    name: Option<Arc<str>>,
}

impl Builder {
    /// A builder with no name set.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the task.
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(Arc::from(name.into()));
        self
    }

    /// Spawns a `Send` future; see [`spawn`].
    ///
    /// # Panics
    /// Outside a running corio runtime.
    pub fn spawn<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        with_current_core("spawn", |core| spawn_on_loop(core, future, self.name))
    }

    /// Spawns a `!Send` future; see [`spawn_local`].
    ///
    /// # Panics
    /// Outside a running corio runtime.
    pub fn spawn_local<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        // On the loop's thread, so the future never leaves it.
        with_current_core("spawn_local", |core| spawn_on_loop(core, future, self.name))
    }
}

/// Runs `f` on the runtime running on this thread; panics naming `what` outside one.
fn with_current_core<R>(what: &str, f: impl FnOnce(&Core) -> R) -> R {
    context::with_current(|core| match core {
        Some(core) => f(core),
        None => panic!(
            "corio_executor::{what} called outside a corio runtime: spawn from inside \
             corio_executor::run / Runtime::block_on, or use Runtime::handle().spawn from elsewhere"
        ),
    })
}

/// The task this thread is polling right now: its id and name, for logs and debugging.
/// `None` outside a task: in the future given to [`run`](crate::run) or
/// [`Runtime::block_on`](crate::Runtime::block_on), on a thread with no running loop, and
/// while the runtime shuts down.
///
/// Cheap: no allocation (the name is shared with the task).
///
/// ```
/// use corio_executor::task;
/// corio_executor::run(async {
///     assert!(task::current().is_none(), "the block_on future is not a task");
///     let job = task::Builder::new().name("fetcher").spawn(async {
///         let me = task::current().expect("inside a task");
///         (me.id(), me.name().map(str::to_owned))
///     });
///     let id = job.id();
///     assert_eq!(job.await.unwrap(), (id, Some("fetcher".to_owned())));
/// });
/// ```
pub fn current() -> Option<TaskInfo> {
    context::with_current(|core| core?.polling.with_current(TaskInfo::of))
}

/// What [`current`] and [`Runtime::live_tasks`](crate::Runtime::live_tasks) tell about one
/// task: its id and name. Cloning it copies a number and a reference count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    id: u64,
    name: Option<Arc<str>>,
}

impl TaskInfo {
    /// The task's id, unique within its runtime.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The task's name, if it was spawned with one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn of(task: &Header) -> TaskInfo {
        TaskInfo {
            id: task.id,
            name: task.name.clone(),
        }
    }

    pub(crate) fn list(owned: &crate::runtime::OwnedTasks) -> Vec<TaskInfo> {
        owned
            .iter()
            .map(|task| TaskInfo::of(task.header()))
            .collect()
    }
}
