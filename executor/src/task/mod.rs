//! Tasks: spawning futures onto the running loop, their [`JoinHandle`]s, names and
//! [`current`].
//!
//! [`spawn`] and [`spawn_local`] are also at the crate root; here besides them are
//! [`TaskBuilder`], to give a task a name, and [`current`], to ask which task is running.
//!
//! ```
//! use corio_executor::task::{self, TaskBuilder};
//! corio_executor::run(async {
//!     let worker = TaskBuilder::new().name("worker").spawn(async {
//!         task::current().unwrap().name().map(str::to_owned)
//!     });
//!     assert_eq!(worker.await.unwrap().as_deref(), Some("worker"));
//! });
//! ```

// This module is the public face only: spawning is the runtime's (`runtime/spawn.rs`), and
// the task itself (allocation, state word, waker, `JoinHandle`) is the task layer in
// `runtime/task/`, whose contract opens its `mod.rs`.

use crate::runtime::spawn::{spawn_on_current, Origin};
use crate::runtime::{context, Handle};
use std::future::Future;

pub use crate::runtime::task::{JoinError, JoinHandle, TaskInfo, TaskSnapshot, TaskState};
pub use crate::runtime::TaskTree;

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
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_on_current("spawn", future, Origin::here())
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
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    // On the loop's thread, so the future never leaves it.
    spawn_on_current("spawn_local", future, Origin::here())
}

/// Spawns tasks with options: a name, shown in panic reports, [`current`] and
/// [`Runtime::live_tasks`](crate::Runtime::live_tasks).
///
/// (Not `Builder`: that one builds a [`Runtime`](crate::Runtime).)
///
/// ```
/// corio_executor::run(async {
///     let task = corio_executor::task::TaskBuilder::new().name("fetcher").spawn(async { 3 });
///     assert_eq!(task.await.unwrap(), 3);
/// });
/// ```
#[derive(Debug, Default, Clone)]
pub struct TaskBuilder {
    name: Option<String>,
    parent: Option<u64>,
}

impl TaskBuilder {
    /// A builder with no name set: spawning through it is plain [`spawn`].
    ///
    /// ```
    /// use corio_executor::task::{self, TaskBuilder};
    /// corio_executor::run(async {
    ///     let job = TaskBuilder::new().spawn(async { task::current().unwrap().name().is_none() });
    ///     assert!(job.await.unwrap());
    /// });
    /// ```
    pub fn new() -> TaskBuilder {
        TaskBuilder::default()
    }

    /// Names the task. The name shows in [`current`], [`Runtime::live_tasks`] and the
    /// report of a panic in a detached task.
    ///
    /// [`Runtime::live_tasks`]: crate::Runtime::live_tasks
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new();
    /// rt.block_on(async {
    ///     let shard = 3;
    ///     let builder = corio_executor::task::TaskBuilder::new().name(format!("shard-{shard}"));
    ///     builder.spawn(std::future::pending::<()>());
    /// });
    /// assert_eq!(rt.live_tasks()[0].name(), Some("shard-3"));
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> TaskBuilder {
        self.name = Some(name.into());
        self
    }

    /// Shows the task under the task with id `parent` in the task tree
    /// ([`Handle::dump_tree`]) and [`TaskInfo::parent`], instead of under the task that
    /// spawns it. For libraries that spawn on behalf of a task: a TaskGroup puts a child
    /// that a sibling spawned under the task that owns the group.
    ///
    /// ```
    /// use corio_executor::task::{self, TaskBuilder};
    /// corio_executor::run(async {
    ///     let adopted = TaskBuilder::new()
    ///         .parent(7)
    ///         .spawn(async { task::current().unwrap().parent() });
    ///     assert_eq!(adopted.await.unwrap(), Some(7));
    /// });
    /// ```
    pub fn parent(mut self, parent: u64) -> TaskBuilder {
        self.parent = Some(parent);
        self
    }

    /// The task's origin: this builder's name and parent, spawned from the caller.
    #[track_caller]
    fn origin(self) -> Origin {
        Origin {
            name: self.name,
            parent: self.parent,
            ..Origin::here()
        }
    }

    /// Spawns a `Send` future on the running loop; see [`spawn`].
    ///
    /// ```
    /// use corio_executor::task::TaskBuilder;
    /// corio_executor::run(async {
    ///     let job = TaskBuilder::new().name("adder").spawn(async { 2 + 3 });
    ///     assert_eq!(job.await.unwrap(), 5);
    /// });
    /// ```
    ///
    /// # Panics
    /// Outside a running corio runtime; see [`spawn_on`](Self::spawn_on) for other threads.
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn_on_current("spawn", future, self.origin())
    }

    /// Spawns a `!Send` future on the running loop; see [`spawn_local`].
    ///
    /// ```
    /// use corio_executor::task::TaskBuilder;
    /// use std::{cell::Cell, rc::Rc};
    /// corio_executor::run(async {
    ///     let counter = Rc::new(Cell::new(0));
    ///     let bump = counter.clone();
    ///     let job = TaskBuilder::new().name("counter").spawn_local(async move { bump.set(1) });
    ///     job.await.unwrap();
    ///     assert_eq!(counter.get(), 1);
    /// });
    /// ```
    ///
    /// # Panics
    /// Outside a running corio runtime.
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        // On the loop's thread, so the future never leaves it.
        spawn_on_current("spawn_local", future, self.origin())
    }

    /// Spawns a `Send` future onto `handle`'s runtime, from any thread: the named
    /// [`Handle::spawn`]. If that runtime has shut down, the future is dropped unpolled and
    /// the handle reports `Cancelled`.
    ///
    /// ```
    /// use corio_executor::task::{self, TaskBuilder};
    /// let rt = corio_executor::Runtime::new();
    /// let handle = rt.handle();
    /// let job = std::thread::spawn(move || {
    ///     TaskBuilder::new()
    ///         .name("from a thread")
    ///         .spawn_on(&handle, async { task::current().unwrap().name().map(str::to_owned) })
    /// })
    /// .join()
    /// .unwrap();
    /// let name = rt.block_on(job).unwrap();
    /// assert_eq!(name.as_deref(), Some("from a thread"));
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(self, handle: &Handle, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        handle.spawn_from(future, self.origin())
    }
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
///     let job = task::TaskBuilder::new().name("fetcher").spawn(async {
///         let me = task::current().expect("inside a task");
///         (me.id(), me.name().map(str::to_owned))
///     });
///     let id = job.id();
///     assert_eq!(job.await.unwrap(), (id, Some("fetcher".to_owned())));
/// });
/// ```
pub fn current() -> Option<TaskInfo> {
    context::current_task()
}
