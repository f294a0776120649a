//! [`TaskGroup`], its cloneable [`GroupHandle`], and the two ways to wait for it: the
//! [`GroupWait`] future (`tg.wait().await`) and the [`Scope`] future that mirrors asyncio's
//! `async with TaskGroup() as tg:` (a body that runs alongside the children and is cancelled
//! with them).
//!
//! ## Decisions
//! - Spawners: with the `corio` feature (default), `TaskGroup::new`, `TaskGroup::scope`,
//!   `gather`, `gather!`, `race` and `as_completed` spawn on the current corio runtime and
//!   panic with a clear message outside one. Everything also exists for any executor:
//!   `TaskGroup::with_spawner` and the `*_on` functions take a `Spawn` (`Send` children),
//!   and `TaskGroup::spawn_local` takes `!Send` children through `LocalSpawn`.
//!   Groups made by `TaskGroup::new`/`scope` hand `Send` children to corio's native spawn:
//!   no `FutureObj` box, no result cell (the child's corio task holds its outcome and its
//!   `ChildHandle` holds the task's `JoinHandle`). On `taskgroup_10k` that measured
//!   1.16-1.23x spawning by hand, against 1.66-1.69x for children whose results go through
//!   a cell (see `child/native.rs`). Such a group awaited off
//!   its loop's thread waits for one more turn of the loop, so that its children's handles
//!   read finished once it is.
//! - Deadlines: `with_timeout` uses the timer of the group's spawner (`Timer`: corio's
//!   `Handle`, `TokioSpawner`, `AsyncExecutorSpawner`); `with_deadline` takes any future as
//!   the deadline, for other executors. A deadline is reported by `GroupError::is_timeout`,
//!   not as an `E`.
//! - Spawning returns `Result<ChildHandle, SpawnError>` rather than a handle that can never
//!   fail: a refusal is rare in a live group (its body is cancelled at its next poll once it
//!   shuts down) but real (a child on another thread may fail during the body's poll; an
//!   executor may have shut down), and a handle that silently reads `Cancelled` would hide
//!   it. `SpawnError` converts into `String` and is an `Error`, so `?` carries it (asyncio's
//!   `create_task` raises in the same case).
//! - A group's error type must be `Send` (errors reach the waiting task from any thread);
//!   children's futures and values need not be, with `spawn_local`.
//! - `gather` resumes a child's panic at once and leaves the others running, as it does with
//!   errors; `race` and `as_completed` cancel the rest. `race` returns only after the losers
//!   have been dropped, so it too leaves nothing running.
//!
//! ## Invariants
//! - Cancellation does not depend on the executor: every child runs inside a wrapper that
//!   checks a cancel flag before each poll and is woken when cancelled; a cancelled child's
//!   future is dropped at its next poll, before the group hears that it finished.
//! - A group's future completes only after every child has reported (completed, failed,
//!   panicked, or was cancelled). A child that panicked is caught, cancels its siblings, and
//!   the panic is resumed in the task that waits for the group, after all children finished.
//! - A refused spawn (group shutting down or finished) drops the future unpolled.

use std::future::{Future, IntoFuture};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_task::{LocalSpawn, Spawn};

use crate::child::cell::OkToCell;
#[cfg(feature = "corio")]
use crate::child::native::{self, Settling};
use crate::child::{CellSink, ChildHandle, ChildTask, OutputCell};
use crate::error::{GroupError, SpawnError};
use crate::group_core::{Finish, GroupCore, Policy, Summary};
use crate::spawner::{self, DefaultSpawner, Timer};

const GROUP_POLICY: Policy = Policy {
    cancel_on_failure: true,
    track_completion: false,
};

type Deadline = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A group of child tasks that succeed or fail together, as asyncio's `TaskGroup`.
///
/// - Children run concurrently as real tasks of the group's spawner.
/// - When a child returns `Err` or panics, every other child (and the [`scope`](Self::scope)
///   body) is cancelled: its future is dropped at its next poll. The group then waits for all
///   of them and fails with a [`GroupError`] holding every error, or resumes the panic.
/// - Dropping the group before it finished cancels all its children, and drops the ones
///   that are idle (started, waiting to be woken) before the drop returns; see "Dropping a
///   group" below for the children it cannot reach.
///
/// ```
/// use corio_taskgroup::TaskGroup;
/// use futures::executor::ThreadPool;
///
/// let pool = ThreadPool::new().unwrap();
/// let outcome = futures::executor::block_on(
///     TaskGroup::<String, _>::with_spawner(pool).run(|tg| async move {
///         let a = tg.spawn(async { Ok(1) }).unwrap();
///         let b = tg.spawn(async { Ok(2) }).unwrap();
///         Ok((a, b))
///     }),
/// );
/// let (a, b) = outcome.unwrap();
/// assert_eq!(a.result().unwrap() + b.result().unwrap(), 3);
/// ```
///
/// # Dropping a group
/// - A group that returns (with its value, its error or a timeout) has dropped everything
///   below it: every child finished and its future was dropped first, and with it any group
///   nested in that future (or in the scope's body), whose own children went the same way.
/// - A group dropped before it finished (its owner was cancelled, or
///   `corio_executor::time::timeout` gave up on it) cancels its children and, before the drop
///   returns, drops on the dropping thread the future of every child that is idle (started,
///   and waiting to be woken); nested groups in those futures do the same, transitively.
///   A panic from their destructors is resumed by the drop once all were dropped (unless the
///   thread is already unwinding).
/// - What the drop cannot reach, it leaves to the child: a child being polled on another
///   thread at that moment (a multi-threaded `Spawn` executor) drops its future at the end
///   of that poll, a moment after the drop returned (the drop never waits for another
///   thread's poll: that poll could be waiting for the dropping thread); a `!Send` child
///   (`spawn_local`) is dropped by the drop only on its own thread; and a child its
///   executor has not polled yet is dropped, never run, when the executor reaches it. On a
///   single-threaded executor, with the group dropped on the loop's thread (corio's usual
///   case), only that last one applies.
/// - A child whose destructors panic while it is cancelled or dropped has panicked: its
///   group resumes that panic like any child's, and it never unwinds into the executor.
pub struct TaskGroup<E, S = DefaultSpawner> {
    handle: GroupHandle<E, S>,
    deadline: Option<Deadline>,
    /// A native group that finished while awaited off its loop's thread: the outcome, kept
    /// until one turn of the loop has passed (see [`TaskGroup::poll_settled`]).
    #[cfg(feature = "corio")]
    settling: Option<Settling<Summary<E>>>,
}

/// A cloneable handle that spawns children into a [`TaskGroup`]: give one to children so
/// that they can add siblings. Holding a handle does not keep the group open: once the group
/// is shutting down or finished, spawning is refused with a [`SpawnError`].
///
/// ```
/// use corio_taskgroup::TaskGroup;
/// # let mut pool = futures::executor::LocalPool::new();
/// # let spawner = pool.spawner();
/// pool.run_until(async move {
///     let tg = TaskGroup::<(), _>::with_spawner(spawner);
///     let handle = tg.handle();
///     // `LocalSpawner` stays on its thread, so this child is spawned with `spawn_local`.
///     let parent = tg
///         .spawn_local(async move {
///             // A child adds a grandchild; the group waits for it too.
///             let grandchild = handle.spawn(async { Ok("grandchild") }).unwrap();
///             Ok(grandchild)
///         })
///         .unwrap();
///     tg.wait().await.unwrap();
///     assert_eq!(parent.result().unwrap().result(), Ok("grandchild"));
/// });
/// ```
pub struct GroupHandle<E, S = DefaultSpawner> {
    core: Arc<GroupCore<E>>,
    spawner: S,
    /// Set by the corio-default constructors: `Send` children then go straight to corio's
    /// native spawn, which saves the `FutureObj` box the `Spawn` trait needs.
    #[cfg(feature = "corio")]
    native: Option<corio_executor::Handle>,
    /// The corio task that made the group (`TaskGroup::new`/`scope` inside a task): its
    /// native children show under it in corio's task tree, whoever spawns them.
    #[cfg(feature = "corio")]
    owner: Option<u64>,
}

impl<E, S: Clone> Clone for GroupHandle<E, S> {
    fn clone(&self) -> Self {
        Self {
            core: Arc::clone(&self.core),
            spawner: self.spawner.clone(),
            #[cfg(feature = "corio")]
            native: self.native.clone(),
            #[cfg(feature = "corio")]
            owner: self.owner,
        }
    }
}

impl<E, S> std::fmt::Debug for GroupHandle<E, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupHandle").finish_non_exhaustive()
    }
}

impl<E, S> std::fmt::Debug for TaskGroup<E, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskGroup")
            .field("has_deadline", &self.deadline.is_some())
            .finish_non_exhaustive()
    }
}

impl<E: Send + 'static, S> GroupHandle<E, S> {
    /// Spawns a child: a `Send` future returning `Result<T, E>`. Returns a handle to its
    /// result, or refuses (and drops the future unpolled) if the group is shutting down or
    /// finished, or the executor refuses the task.
    ///
    /// ```
    /// use corio_taskgroup::TaskGroup;
    /// # let mut pool = futures::executor::LocalPool::new();
    /// # let spawner = pool.spawner();
    /// pool.run_until(async move {
    ///     let tg = TaskGroup::<(), _>::with_spawner(spawner);
    ///     let child = tg.handle().spawn(async { Ok(5) }).unwrap();
    ///     tg.wait().await.unwrap();
    ///     assert_eq!(child.result(), Ok(5));
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F, T>(&self, future: F) -> Result<ChildHandle<T>, SpawnError>
    where
        S: Spawn,
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        self.spawn_maybe_named(None, future)
    }

    /// [`spawn`](Self::spawn) with a name (asyncio's `create_task(coro, name=...)`), which
    /// the child's handle keeps ([`ChildHandle::name`]). On corio's native path
    /// (`TaskGroup::new`/`scope`) the child's corio task carries the name too, as
    /// `corio_executor::task::TaskBuilder::name` gives it (panic reports, `Runtime::live_tasks`),
    /// when spawned on the loop's thread.
    ///
    /// ```
    /// use corio_taskgroup::TaskGroup;
    /// # let mut pool = futures::executor::LocalPool::new();
    /// # let spawner = pool.spawner();
    /// pool.run_until(async move {
    ///     let tg = TaskGroup::<(), _>::with_spawner(spawner);
    ///     let child = tg.handle().spawn_named("fetch", async { Ok(7) }).unwrap();
    ///     assert_eq!(child.name(), Some("fetch"));
    ///     tg.wait().await.unwrap();
    ///     assert_eq!(child.result(), Ok(7));
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_named<F, T>(
        &self,
        name: impl Into<String>,
        future: F,
    ) -> Result<ChildHandle<T>, SpawnError>
    where
        S: Spawn,
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        self.spawn_maybe_named(Some(name.into().into_boxed_str()), future)
    }

    #[track_caller]
    fn spawn_maybe_named<F, T>(
        &self,
        name: Option<Box<str>>,
        future: F,
    ) -> Result<ChildHandle<T>, SpawnError>
    where
        S: Spawn,
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        #[cfg(feature = "corio")]
        if let Some(native) = &self.native {
            return native::spawn_child(&self.core, native, self.owner, name, future);
        }
        let handle = self.spawn_with(future, false, |task| {
            spawner::spawn_send(&self.spawner, task)
        })?;
        Ok(handle.named(name))
    }

    /// Spawns a child that need not be `Send` (it stays on the executor's thread), through
    /// the spawner's [`LocalSpawn`].
    ///
    /// ```
    /// use std::rc::Rc;
    /// use corio_taskgroup::TaskGroup;
    /// # let mut pool = futures::executor::LocalPool::new();
    /// # let spawner = pool.spawner();
    /// pool.run_until(async move {
    ///     let tg = TaskGroup::<(), _>::with_spawner(spawner);
    ///     let shared = Rc::new(3);
    ///     let child = tg.handle().spawn_local(async move { Ok(*shared * 2) }).unwrap();
    ///     tg.wait().await.unwrap();
    ///     assert_eq!(child.result(), Ok(6));
    /// });
    /// ```
    pub fn spawn_local<F, T>(&self, future: F) -> Result<ChildHandle<T>, SpawnError>
    where
        S: LocalSpawn,
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
    {
        self.spawn_with(future, true, |task| {
            spawner::spawn_local(&self.spawner, task)
        })
    }

    /// [`spawn_local`](Self::spawn_local) with a name, which the child's handle keeps
    /// ([`ChildHandle::name`]).
    ///
    /// ```
    /// use corio_taskgroup::TaskGroup;
    /// let mut pool = futures::executor::LocalPool::new();
    /// let tg = TaskGroup::<(), _>::with_spawner(pool.spawner());
    /// let child = tg.handle().spawn_local_named("local", async { Ok(std::rc::Rc::new(1)) }).unwrap();
    /// assert_eq!(child.name(), Some("local"));
    /// pool.run_until(tg.wait()).unwrap();
    /// ```
    pub fn spawn_local_named<F, T>(
        &self,
        name: impl Into<String>,
        future: F,
    ) -> Result<ChildHandle<T>, SpawnError>
    where
        S: LocalSpawn,
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
    {
        let handle = self.spawn_local(future)?;
        Ok(handle.named(Some(name.into().into_boxed_str())))
    }

    /// Spawns through `submit`; `local` for a `!Send` child.
    fn spawn_with<F, T, Submit>(
        &self,
        future: F,
        local: bool,
        submit: Submit,
    ) -> Result<ChildHandle<T>, SpawnError>
    where
        F: Future<Output = Result<T, E>>,
        Submit: FnOnce(ChildTask<F, CellSink<T, OkToCell>, E>) -> Result<(), SpawnError>,
    {
        // On refusal `future` is dropped here, never polled.
        self.core.admit()?;
        let (child_side, cell) = OutputCell::pair(Arc::clone(&self.core) as _);
        let sink = CellSink::new(child_side, 0);
        let task = if local {
            ChildTask::new_local(future, sink)
        } else {
            ChildTask::new(future, sink)
        };
        // If the executor refuses, it drops the task, whose `Drop` reports it cancelled.
        submit(task)?;
        Ok(ChildHandle::new(cell))
    }
}

#[cfg(feature = "corio")]
impl<E: Send + 'static> TaskGroup<E> {
    /// A group whose children run on the current corio runtime.
    ///
    /// # Panics
    /// Outside a corio runtime (use [`with_spawner`](Self::with_spawner) there).
    ///
    /// ```
    /// use corio_taskgroup::TaskGroup;
    /// corio_executor::run(async {
    ///     let tg = TaskGroup::<()>::new();
    ///     let child = tg.spawn(async { Ok("hi") }).unwrap();
    ///     tg.wait().await.unwrap();
    ///     assert_eq!(child.result(), Ok("hi"));
    /// });
    /// ```
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self::on_current_runtime("TaskGroup::new")
    }

    fn on_current_runtime(what: &str) -> Self {
        let runtime = spawner::current_runtime(what);
        let mut group = Self::with_spawner(runtime.clone());
        group.handle.native = Some(runtime);
        group.handle.owner = corio_executor::task::current().map(|owner| owner.id());
        group
    }

    /// `async with TaskGroup() as tg:` on the current corio runtime: runs `body` alongside
    /// the children it spawns, then waits for every child. If a child fails, the body is
    /// cancelled with the other children. Returns the body's value, or the group's error.
    ///
    /// # Panics
    /// Outside a corio runtime; and it resumes a child's panic after all children finished.
    ///
    /// ```
    /// use corio_taskgroup::TaskGroup;
    /// corio_executor::run(async {
    ///     let total = TaskGroup::<()>::scope(|tg| async move {
    ///         let a = tg.spawn(async { Ok(20) }).unwrap();
    ///         let b = tg.spawn(async { Ok(22) }).unwrap();
    ///         Ok(a.await.unwrap() + b.await.unwrap())
    ///     })
    ///     .await;
    ///     assert_eq!(total, Ok(42));
    /// });
    /// ```
    pub fn scope<B, Fut, R>(body: B) -> Scope<E, DefaultSpawner, Fut, R>
    where
        B: FnOnce(GroupHandle<E>) -> Fut,
        Fut: Future<Output = Result<R, E>>,
    {
        Self::on_current_runtime("TaskGroup::scope").run(body)
    }
}

impl<E: Send + 'static, S> TaskGroup<E, S> {
    /// A group whose children are spawned with `spawner`: any [`Spawn`] (for `Send`
    /// children) or [`LocalSpawn`] (for `!Send` ones), e.g. futures' `ThreadPool` or
    /// `LocalSpawner`, or a small adapter around another runtime.
    ///
    /// ```
    /// use corio_taskgroup::TaskGroup;
    /// let mut pool = futures::executor::LocalPool::new();
    /// let tg = TaskGroup::<(), _>::with_spawner(pool.spawner());
    /// let child = tg.spawn(async { Ok(1) }).unwrap();
    /// pool.run_until(tg.wait()).unwrap();
    /// assert_eq!(child.result(), Ok(1));
    /// ```
    pub fn with_spawner(spawner: S) -> Self {
        Self {
            handle: GroupHandle {
                core: Arc::new(GroupCore::new(GROUP_POLICY)),
                spawner,
                #[cfg(feature = "corio")]
                native: None,
                #[cfg(feature = "corio")]
                owner: None,
            },
            deadline: None,
            #[cfg(feature = "corio")]
            settling: None,
        }
    }

    /// Cancels the group with a timeout error when `deadline` completes. Any timer future
    /// works (corio's `sleep`, tokio's `sleep`, ...); it is polled by whoever waits for the
    /// group. With a spawner that is a [`Timer`], [`with_timeout`](Self::with_timeout) is shorter.
    ///
    /// ```
    /// use corio_taskgroup::TaskGroup;
    /// let mut pool = futures::executor::LocalPool::new();
    /// let (fire, fired) = futures::channel::oneshot::channel::<()>();
    /// let tg = TaskGroup::<(), _>::with_spawner(pool.spawner())
    ///     .with_deadline(async move { let _ = fired.await; });
    /// tg.spawn(std::future::pending::<Result<(), ()>>()).unwrap();
    /// fire.send(()).unwrap();
    /// assert!(pool.run_until(tg.wait()).unwrap_err().is_timeout());
    /// ```
    pub fn with_deadline<D>(mut self, deadline: D) -> Self
    where
        D: Future<Output = ()> + Send + 'static,
    {
        self.deadline = Some(Box::pin(deadline));
        self
    }

    /// Cancels the group with a timeout error once `duration` has passed, on the timer of
    /// the group's executor ([`Timer`]: corio's, `TokioSpawner`'s,
    /// `AsyncExecutorSpawner`'s). The clock starts now.
    ///
    /// ```
    /// # #[cfg(feature = "corio")] {
    /// use std::time::Duration;
    /// use corio_taskgroup::TaskGroup;
    /// corio_executor::run(async {
    ///     let tg = TaskGroup::<()>::new().with_timeout(Duration::from_millis(10));
    ///     tg.spawn(async {
    ///         corio_executor::time::sleep(Duration::from_secs(60)).await;
    ///         Ok(())
    ///     })
    ///     .unwrap();
    ///     assert!(tg.wait().await.unwrap_err().is_timeout());
    /// });
    /// # }
    /// ```
    pub fn with_timeout(self, duration: std::time::Duration) -> Self
    where
        S: Timer,
    {
        let deadline = self.handle.spawner.sleep(duration);
        self.with_deadline(deadline)
    }

    /// Spawns a `Send` child; see [`GroupHandle::spawn`].
    ///
    /// ```
    /// use corio_taskgroup::TaskGroup;
    /// let mut pool = futures::executor::LocalPool::new();
    /// let tg = TaskGroup::<&str, _>::with_spawner(pool.spawner());
    /// tg.spawn(async { Err::<(), _>("no") }).unwrap();
    /// assert_eq!(pool.run_until(tg.wait()).unwrap_err().errors(), ["no"]);
    /// ```
    #[track_caller]
    pub fn spawn<F, T>(&self, future: F) -> Result<ChildHandle<T>, SpawnError>
    where
        S: Spawn,
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Spawns a named `Send` child; see [`GroupHandle::spawn_named`].
    ///
    /// ```
    /// use corio_taskgroup::TaskGroup;
    /// let mut pool = futures::executor::LocalPool::new();
    /// let tg = TaskGroup::<(), _>::with_spawner(pool.spawner());
    /// let child = tg.spawn_named("worker-1", async { Ok(1) }).unwrap();
    /// assert_eq!(child.name(), Some("worker-1"));
    /// pool.run_until(tg.wait()).unwrap();
    /// ```
    #[track_caller]
    pub fn spawn_named<F, T>(
        &self,
        name: impl Into<String>,
        future: F,
    ) -> Result<ChildHandle<T>, SpawnError>
    where
        S: Spawn,
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        self.handle.spawn_named(name, future)
    }

    /// Spawns a named `!Send` child; see [`GroupHandle::spawn_local_named`].
    ///
    /// ```
    /// use corio_taskgroup::TaskGroup;
    /// let mut pool = futures::executor::LocalPool::new();
    /// let tg = TaskGroup::<(), _>::with_spawner(pool.spawner());
    /// let child = tg.spawn_local_named("local", async { Ok(std::rc::Rc::new(1)) }).unwrap();
    /// assert_eq!(child.name(), Some("local"));
    /// pool.run_until(tg.wait()).unwrap();
    /// ```
    pub fn spawn_local_named<F, T>(
        &self,
        name: impl Into<String>,
        future: F,
    ) -> Result<ChildHandle<T>, SpawnError>
    where
        S: LocalSpawn,
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
    {
        self.handle.spawn_local_named(name, future)
    }

    /// Spawns a `!Send` child; see [`GroupHandle::spawn_local`].
    ///
    /// ```
    /// use corio_taskgroup::TaskGroup;
    /// let mut pool = futures::executor::LocalPool::new();
    /// let tg = TaskGroup::<(), _>::with_spawner(pool.spawner());
    /// let child = tg.spawn_local(async { Ok(std::rc::Rc::new(1)) }).unwrap();
    /// pool.run_until(tg.wait()).unwrap();
    /// assert_eq!(*child.result().unwrap(), 1);
    /// ```
    pub fn spawn_local<F, T>(&self, future: F) -> Result<ChildHandle<T>, SpawnError>
    where
        S: LocalSpawn,
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
    {
        self.handle.spawn_local(future)
    }

    /// A cloneable handle for spawning into this group from elsewhere (from children).
    ///
    /// ```
    /// use corio_taskgroup::TaskGroup;
    /// let mut pool = futures::executor::LocalPool::new();
    /// let tg = TaskGroup::<(), _>::with_spawner(pool.spawner());
    /// let handle = tg.handle();
    /// let child = handle.spawn(async { Ok(3) }).unwrap();
    /// pool.run_until(tg.wait()).unwrap();
    /// assert_eq!(child.result(), Ok(3));
    /// ```
    pub fn handle(&self) -> GroupHandle<E, S>
    where
        S: Clone,
    {
        self.handle.clone()
    }

    /// Waits until every child (including children added while waiting) has finished.
    /// `Ok(())` if none failed; the [`GroupError`] otherwise. A child's panic is resumed here,
    /// after all children finished. Dropping this future cancels the children (and drops
    /// the idle ones before it returns).
    ///
    /// ```
    /// use corio_taskgroup::TaskGroup;
    /// let mut pool = futures::executor::LocalPool::new();
    /// let tg = TaskGroup::<(), _>::with_spawner(pool.spawner());
    /// tg.spawn(async { Ok(()) }).unwrap();
    /// assert_eq!(pool.run_until(tg.wait()), Ok(()));
    /// ```
    pub fn wait(self) -> GroupWait<E, S> {
        GroupWait { group: self }
    }

    /// The scope form, on this group: runs `body` (given a handle to spawn with) alongside
    /// the children, then waits for every child. A failing child cancels the body too; a
    /// failing body (`Err`) cancels the children and is one of the group's errors.
    ///
    /// ```
    /// use corio_taskgroup::TaskGroup;
    /// let mut pool = futures::executor::LocalPool::new();
    /// let group = TaskGroup::<&str, _>::with_spawner(pool.spawner());
    /// let outcome = pool.run_until(group.run(|tg| async move {
    ///     tg.spawn(std::future::pending::<Result<(), &str>>()).unwrap();
    ///     Err::<(), _>("the body gave up")
    /// }));
    /// assert_eq!(outcome.unwrap_err().errors(), ["the body gave up"]);
    /// ```
    pub fn run<B, Fut, R>(self, body: B) -> Scope<E, S, Fut, R>
    where
        S: Clone,
        B: FnOnce(GroupHandle<E, S>) -> Fut,
        Fut: Future<Output = Result<R, E>>,
    {
        let body = body(self.handle());
        Scope {
            group: self,
            body: Some(Box::pin(body)),
            output: None,
        }
    }

    fn core(&self) -> &GroupCore<E> {
        &self.handle.core
    }

    /// Polls for the group's end: every child reported (and the body done, unless
    /// `body_running`).
    ///
    /// A native corio child reports to its group at the end of its last poll, on the loop's
    /// thread, just before corio marks its task complete. A waiter on the loop's thread runs
    /// after that; a waiter on another thread could see the group finished a moment before
    /// the last child's handle does. So off the loop's thread the group also waits for one
    /// turn of the loop (a no-op task spawned behind the children) before it returns.
    fn poll_settled(&mut self, cx: &mut Context<'_>, body_running: bool) -> Poll<Summary<E>> {
        #[cfg(feature = "corio")]
        if let Some(settling) = &mut self.settling {
            std::task::ready!(settling.poll(cx));
            let settling = self.settling.take().expect("checked just above");
            return Poll::Ready(settling.into_summary());
        }
        let summary = std::task::ready!(self.core().poll_finished(cx, body_running));
        #[cfg(feature = "corio")]
        let summary = match &self.handle.native {
            Some(runtime) => match Settling::start(runtime, summary) {
                Ok(settling) => {
                    self.settling = Some(settling);
                    return self.poll_settled(cx, body_running);
                }
                Err(summary) => summary,
            },
            None => summary,
        };
        Poll::Ready(summary)
    }

    /// Polls the deadline; when it passes the group is cancelled with a timeout error.
    fn poll_deadline(&mut self, cx: &mut Context<'_>) {
        if let Some(deadline) = &mut self.deadline {
            if deadline.as_mut().poll(cx).is_ready() {
                self.deadline = None;
                self.handle.core.time_out();
            }
        }
    }
}

impl<E, S> Drop for TaskGroup<E, S> {
    /// A group dropped before it finished (its owner was cancelled, or a timeout gave up on
    /// it) cancels its children and drops, before it returns, the future of every child
    /// that is not being polled right now (see [`TaskGroup`], "Dropping a group"). A panic
    /// from their destructors is resumed here, once all of them were dropped, unless this
    /// thread is already unwinding.
    fn drop(&mut self) {
        if let Some(panic) = self.handle.core.drop_children() {
            if !std::thread::panicking() {
                resume_unwind(panic);
            }
        }
    }
}

impl<E: Send + 'static, S> IntoFuture for TaskGroup<E, S> {
    type Output = Result<(), GroupError<E>>;
    type IntoFuture = GroupWait<E, S>;

    /// `tg.await` is `tg.wait().await`.
    fn into_future(self) -> GroupWait<E, S> {
        self.wait()
    }
}

/// Turns what the group collected into its result; resumes a child's panic.
fn conclude<E>(summary: Summary<E>) -> Result<(), GroupError<E>> {
    if let Some(panic) = summary.panic {
        resume_unwind(panic);
    }
    if summary.errors.is_empty() && !summary.timed_out {
        Ok(())
    } else {
        Err(GroupError::new(summary.errors, summary.timed_out))
    }
}

/// The future of [`TaskGroup::wait`]: waits for every child to finish.
///
/// ```
/// use corio_taskgroup::TaskGroup;
/// let mut pool = futures::executor::LocalPool::new();
/// let tg = TaskGroup::<(), _>::with_spawner(pool.spawner());
/// let wait: corio_taskgroup::GroupWait<(), _> = tg.wait();
/// assert_eq!(pool.run_until(wait), Ok(()));
/// ```
#[must_use = "a group's children are cancelled when this future is dropped"]
#[derive(Debug)]
pub struct GroupWait<E, S = DefaultSpawner> {
    group: TaskGroup<E, S>,
}

// Nothing in `GroupWait` is pinned structurally (the deadline is boxed).
impl<E, S> Unpin for GroupWait<E, S> {}

impl<E: Send + 'static, S> Future for GroupWait<E, S> {
    type Output = Result<(), GroupError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let group = &mut self.get_mut().group;
        group.poll_deadline(cx);
        group.poll_settled(cx, false).map(conclude)
    }
}

/// The future of [`TaskGroup::scope`] / [`TaskGroup::run`]: the body and the children, then
/// the group's result.
///
/// ```
/// use corio_taskgroup::TaskGroup;
/// let mut pool = futures::executor::LocalPool::new();
/// let group = TaskGroup::<(), _>::with_spawner(pool.spawner());
/// let scope = group.run(|_tg| async { Ok("body done") });
/// assert_eq!(pool.run_until(scope), Ok("body done"));
/// ```
#[must_use = "a scope does nothing unless awaited; dropping it cancels its children"]
pub struct Scope<E, S, Fut, R> {
    group: TaskGroup<E, S>,
    body: Option<Pin<Box<Fut>>>,
    output: Option<R>,
}

// Nothing in `Scope` is pinned structurally (the body and the deadline are boxed).
impl<E, S, Fut, R> Unpin for Scope<E, S, Fut, R> {}

impl<E, S, Fut, R> std::fmt::Debug for Scope<E, S, Fut, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("body_running", &self.body.is_some())
            .finish_non_exhaustive()
    }
}

impl<E, S, Fut, R> Scope<E, S, Fut, R>
where
    E: Send + 'static,
    Fut: Future<Output = Result<R, E>>,
{
    /// Polls the body once, unless the group is cancelling, in which case the body is
    /// dropped (cancelled) instead.
    fn poll_body(&mut self, cx: &mut Context<'_>) {
        let Some(body) = &mut self.body else { return };
        let core = self.group.core();
        if core.is_cancelling() {
            // A body that panics while it is cancelled has panicked: the group resumes that
            // panic once every child finished, as for a child's.
            let body = &mut self.body;
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| *body = None)) {
                core.fail(Finish::Panicked(panic));
            }
            return;
        }
        match catch_unwind(AssertUnwindSafe(|| body.as_mut().poll(cx))) {
            Ok(Poll::Pending) => {}
            Ok(Poll::Ready(Ok(value))) => {
                self.body = None;
                self.output = Some(value);
            }
            Ok(Poll::Ready(Err(error))) => {
                self.body = None;
                core.fail(Finish::Failed(error));
            }
            Err(panic) => {
                self.body = None;
                core.fail(Finish::Panicked(panic));
            }
        }
    }
}

impl<E, S, Fut, R> Future for Scope<E, S, Fut, R>
where
    E: Send + 'static,
    Fut: Future<Output = Result<R, E>>,
{
    type Output = Result<R, GroupError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            this.group.poll_deadline(cx);
            this.poll_body(cx);
            let body_running = this.body.is_some();
            match this.group.poll_settled(cx, body_running) {
                Poll::Ready(summary) => {
                    return Poll::Ready(conclude(summary).map(|()| {
                        this.output
                            .take()
                            .expect("a group that did not fail has its body's value")
                    }));
                }
                // The group may have started cancelling between the body's poll and the
                // registration of our waker: then drop the body now rather than wait.
                Poll::Pending if body_running && this.group.core().is_cancelling() => continue,
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
