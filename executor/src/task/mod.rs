//! Tasks: spawning futures onto the running loop, their [`JoinHandle`]s, and names.
//!
//! `raw` holds the single-allocation task and its waker (all of the crate's task `unsafe`),
//! `state` the atomic state word, `join` the handle and its error.

mod join;
pub(crate) mod raw;
pub(crate) mod state;
#[cfg(all(test, not(loom)))]
mod tests;

pub use join::{JoinError, JoinHandle};

use crate::runtime::context;
use crate::runtime::spawn_inner;
use std::future::Future;

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
    name: Option<Box<str>>,
}

impl Builder {
    /// A builder with no name set.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the task.
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(name.into().into_boxed_str());
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
        let shared = current_shared("spawn");
        spawn_inner(&shared, future, self.name)
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
        let shared = current_shared("spawn_local");
        // On the loop's thread (checked above), so spawn_inner keeps it local.
        spawn_inner(&shared, future, self.name)
    }
}

fn current_shared(what: &str) -> std::sync::Arc<crate::runtime::shared::Shared> {
    context::with_current(|core| core.map(|core| core.shared.clone())).unwrap_or_else(|| {
        panic!(
            "corio_executor::{what} called outside a corio runtime: spawn from inside \
             corio_executor::run / Runtime::block_on, or use Runtime::handle().spawn from elsewhere"
        )
    })
}

/// What [`Runtime::live_tasks`](crate::Runtime::live_tasks) tells about one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    id: u64,
    name: Option<Box<str>>,
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

    pub(crate) fn list(owned: &crate::runtime::OwnedTasks) -> Vec<TaskInfo> {
        owned
            .iter()
            .map(|task| TaskInfo {
                id: task.header().id,
                name: task.header().name.clone(),
            })
            .collect()
    }
}
