//! [`ChildHandle`]: what spawning a child returns. It reads the child's end from the
//! child's result cell or, for a native corio child, from its corio task (`native`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::cell::{CellRef, Outcome};
#[cfg(feature = "corio")]
use super::native::NativeSource;
use crate::error::ChildError;

/// A handle to one child of a [`TaskGroup`](crate::TaskGroup): cancel it, await it, or take
/// its value once the group has finished.
///
/// Awaiting a handle waits for that child only and gives `Ok(value)`, or why there is no
/// value ([`ChildError`]); a child's error itself goes to the group's
/// [`GroupError`](crate::GroupError).
///
/// ```
/// use corio_taskgroup::TaskGroup;
/// # let mut pool = futures::executor::LocalPool::new();
/// # let spawner = pool.spawner();
/// pool.run_until(async move {
///     let tg = TaskGroup::<(), _>::with_spawner(spawner);
///     let answer = tg.spawn(async { Ok(42) }).unwrap();
///     tg.wait().await.unwrap();
///     assert_eq!(answer.result(), Ok(42));
/// });
/// ```
pub struct ChildHandle<T> {
    source: Source<T>,
    /// The name the child was spawned with ([`GroupHandle::spawn_named`]).
    ///
    /// [`GroupHandle::spawn_named`]: crate::GroupHandle::spawn_named
    name: Option<Box<str>>,
}

/// Where a handle finds its child's outcome.
enum Source<T> {
    /// The result cell the child's wrapper settles (any `Spawn`/`LocalSpawn` executor).
    Cell(CellRef<T>),
    /// The native corio task whose output is the child's outcome.
    #[cfg(feature = "corio")]
    Native(NativeSource<T>),
}

/// How a child ended, for [`wait`](crate::wait)'s `FirstException`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    /// Returned a value, was cancelled, or its value was taken already.
    Normally,
    /// Failed (its error went to the group) or panicked.
    Exceptionally,
}

impl<T> ChildHandle<T> {
    pub(crate) fn new(cell: CellRef<T>) -> Self {
        Self {
            source: Source::Cell(cell),
            name: None,
        }
    }

    /// The handle of a child spawned as a native corio task.
    #[cfg(feature = "corio")]
    pub(crate) fn native(source: NativeSource<T>) -> Self {
        Self {
            source: Source::Native(source),
            name: None,
        }
    }

    /// The same handle, carrying the child's name.
    pub(crate) fn named(mut self, name: Option<Box<str>>) -> Self {
        self.name = name;
        self
    }

    /// The name the child was spawned with, if any (asyncio's `Task.get_name`).
    ///
    /// ```
    /// use corio_taskgroup::TaskGroup;
    /// let mut pool = futures::executor::LocalPool::new();
    /// let tg = TaskGroup::<(), _>::with_spawner(pool.spawner());
    /// let fetch = tg.spawn_named("fetch", async { Ok(1) }).unwrap();
    /// let other = tg.spawn(async { Ok(2) }).unwrap();
    /// assert_eq!(fetch.name(), Some("fetch"));
    /// assert_eq!(other.name(), None);
    /// pool.run_until(tg.wait()).unwrap();
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Cancels this child only: its future is dropped at its next poll. This is not an error:
    /// its siblings and the group go on. Cancelling a finished child does nothing.
    ///
    /// ```
    /// use corio_taskgroup::{ChildError, TaskGroup};
    /// # let mut pool = futures::executor::LocalPool::new();
    /// # let spawner = pool.spawner();
    /// pool.run_until(async move {
    ///     let tg = TaskGroup::<(), _>::with_spawner(spawner);
    ///     let stuck = tg.spawn(std::future::pending::<Result<(), ()>>()).unwrap();
    ///     let fine = tg.spawn(async { Ok("fine") }).unwrap();
    ///     stuck.cancel();
    ///     tg.wait().await.unwrap();
    ///     assert_eq!(stuck.result(), Err(ChildError::Cancelled));
    ///     assert_eq!(fine.result(), Ok("fine"));
    /// });
    /// ```
    pub fn cancel(&self) {
        match &self.source {
            Source::Cell(cell) => {
                cell.request_cancel();
                cell.group.wake_child(&cell.waker_key);
            }
            #[cfg(feature = "corio")]
            Source::Native(task) => task.cancel(),
        }
    }

    /// The child's value, without waiting: `Err(ChildError::Unfinished)` if it is still
    /// running. After the group finished, every child has finished.
    ///
    /// ```
    /// use corio_taskgroup::{ChildError, TaskGroup};
    /// # let mut pool = futures::executor::LocalPool::new();
    /// # let spawner = pool.spawner();
    /// pool.run_until(async move {
    ///     let tg = TaskGroup::<(), _>::with_spawner(spawner);
    ///     let child = tg.spawn(async { Ok(1) }).unwrap();
    ///     // Spawned, but the executor has not run it yet.
    ///     let child = match child.result() {
    ///         Err(ChildError::Unfinished) => tg.spawn(async { Ok(2) }).unwrap(),
    ///         other => panic!("unexpected {other:?}"),
    ///     };
    ///     tg.wait().await.unwrap();
    ///     assert_eq!(child.result(), Ok(2));
    /// });
    /// ```
    pub fn result(self) -> Result<T, ChildError> {
        match self.source {
            Source::Cell(cell) => outcome_to_result(cell.take()),
            #[cfg(feature = "corio")]
            Source::Native(task) => task.result(),
        }
    }

    /// Waits until the child has finished, without taking its value: whether it ended
    /// normally or with an error or panic. For [`wait`](crate::wait).
    pub(crate) fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<Ended> {
        let ended = |failed: bool| {
            if failed {
                Ended::Exceptionally
            } else {
                Ended::Normally
            }
        };
        match &mut self.source {
            Source::Cell(cell) => cell.poll_ended(cx).map(ended),
            #[cfg(feature = "corio")]
            Source::Native(task) => task.poll_failed(cx).map(ended),
        }
    }
}

pub(crate) fn outcome_to_result<T>(outcome: Outcome<T>) -> Result<T, ChildError> {
    match outcome {
        Outcome::Running => Err(ChildError::Unfinished),
        Outcome::Done(value) => Ok(value),
        Outcome::Failed => Err(ChildError::Failed),
        Outcome::Panicked => Err(ChildError::Panicked),
        Outcome::Cancelled => Err(ChildError::Cancelled),
        Outcome::Taken => Err(ChildError::AlreadyTaken),
    }
}

// Nothing in a handle is pinned structurally: a value it keeps is only ever moved out.
impl<T> Unpin for ChildHandle<T> {}

impl<T> Future for ChildHandle<T> {
    type Output = Result<T, ChildError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().source {
            Source::Cell(cell) => cell.poll_take(cx).map(outcome_to_result),
            #[cfg(feature = "corio")]
            Source::Native(task) => task.poll_result(cx),
        }
    }
}

impl<T> std::fmt::Debug for ChildHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildHandle")
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}
