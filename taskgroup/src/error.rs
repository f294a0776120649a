//! The error values of this crate: what a group failed with ([`GroupError`]), why a spawn was
//! refused ([`SpawnError`]), and why a child handle holds no value ([`ChildError`]).

use std::error::Error;
use std::fmt;

/// Why a [`TaskGroup`](crate::TaskGroup) failed: every error its children (and its body)
/// returned, in the order they happened, and whether its deadline passed.
///
/// Cancellations are not errors: a child cancelled because a sibling failed adds nothing here.
///
/// ```
/// use corio_taskgroup::TaskGroup;
/// use futures::executor::LocalPool;
///
/// let mut pool = LocalPool::new();
/// let spawner = pool.spawner();
/// let outcome = pool.run_until(async move {
///     let tg = TaskGroup::<&str, _>::with_spawner(spawner);
///     tg.spawn(async { Err::<(), _>("disk full") }).unwrap();
///     tg.wait().await
/// });
/// let err = outcome.unwrap_err();
/// assert_eq!(err.errors(), ["disk full"]);
/// assert!(!err.is_timeout());
/// assert_eq!(err.to_string(), "task group failed with 1 error: [1] disk full");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupError<E> {
    errors: Vec<E>,
    timed_out: bool,
}

impl<E> GroupError<E> {
    pub(crate) fn new(errors: Vec<E>, timed_out: bool) -> Self {
        Self { errors, timed_out }
    }

    /// Every error that happened, first one first.
    ///
    /// ```
    /// # use corio_taskgroup::TaskGroup;
    /// # let mut pool = futures::executor::LocalPool::new();
    /// # let spawner = pool.spawner();
    /// let err = pool.run_until(async move {
    ///     let tg = TaskGroup::<u32, _>::with_spawner(spawner);
    ///     tg.spawn(async { Err::<(), _>(7) }).unwrap();
    ///     tg.wait().await
    /// }).unwrap_err();
    /// assert_eq!(err.errors(), [7]);
    /// ```
    pub fn errors(&self) -> &[E] {
        &self.errors
    }

    /// Takes the errors out, first one first.
    ///
    /// ```
    /// # use corio_taskgroup::TaskGroup;
    /// # let mut pool = futures::executor::LocalPool::new();
    /// # let spawner = pool.spawner();
    /// let err = pool.run_until(async move {
    ///     let tg = TaskGroup::<String, _>::with_spawner(spawner);
    ///     tg.spawn(async { Err::<(), _>("boom".to_string()) }).unwrap();
    ///     tg.wait().await
    /// }).unwrap_err();
    /// assert_eq!(err.into_errors(), vec!["boom".to_string()]);
    /// ```
    pub fn into_errors(self) -> Vec<E> {
        self.errors
    }

    /// True if the group was cancelled because its deadline passed. The deadline is not one
    /// of [`errors`](Self::errors), which then holds only what children returned before.
    ///
    /// ```
    /// # use corio_taskgroup::TaskGroup;
    /// # let mut pool = futures::executor::LocalPool::new();
    /// # let spawner = pool.spawner();
    /// let err = pool.run_until(async move {
    ///     // A deadline that has already passed.
    ///     let tg = TaskGroup::<(), _>::with_spawner(spawner).with_deadline(async {});
    ///     tg.spawn(std::future::pending::<Result<(), ()>>()).unwrap();
    ///     tg.wait().await
    /// }).unwrap_err();
    /// assert!(err.is_timeout());
    /// assert!(err.errors().is_empty());
    /// ```
    pub fn is_timeout(&self) -> bool {
        self.timed_out
    }
}

impl<E: fmt::Display> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.errors.len();
        match (self.timed_out, count) {
            (true, 0) => return f.write_str("task group deadline passed"),
            (true, _) => write!(f, "task group deadline passed after {count} error")?,
            (false, _) => write!(f, "task group failed with {count} error")?,
        }
        if count != 1 {
            f.write_str("s")?;
        }
        f.write_str(":")?;
        for (i, error) in self.errors.iter().enumerate() {
            write!(f, " [{}] {error}", i + 1)?;
        }
        Ok(())
    }
}

impl<E: Error + 'static> Error for GroupError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.errors.first().map(|e| e as &(dyn Error + 'static))
    }
}

/// Why a group refused a new child. The refused future is dropped without being polled.
///
/// ```
/// use corio_taskgroup::{SpawnError, TaskGroup};
/// # let mut pool = futures::executor::LocalPool::new();
/// # let spawner = pool.spawner();
/// pool.run_until(async move {
///     let tg = TaskGroup::<(), _>::with_spawner(spawner);
///     let handle = tg.handle();
///     tg.wait().await.unwrap();
///     let refused = handle.spawn(async { Ok(()) }).unwrap_err();
///     assert_eq!(refused, SpawnError::Finished);
/// });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpawnError {
    /// The group is cancelling its children (a child failed, its deadline passed, or it was
    /// dropped); it takes no new ones.
    ShuttingDown,
    /// The group has finished; it takes no new children.
    Finished,
    /// The executor refused the task: it has shut down (the only refusal
    /// [`futures_task::SpawnError`] can express).
    ExecutorShutDown,
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ShuttingDown => {
                f.write_str("cannot spawn into a task group that is shutting down")
            }
            Self::Finished => f.write_str("cannot spawn into a task group that has finished"),
            Self::ExecutorShutDown => {
                f.write_str("cannot spawn a child: the executor has shut down")
            }
        }
    }
}

impl Error for SpawnError {}

/// So that `tg.spawn(future)?` works in a child or body whose error type is `String` (for
/// `Box<dyn Error>` and anyhow-style errors, `SpawnError` is an [`Error`] already).
///
/// ```
/// use corio_taskgroup::TaskGroup;
/// let mut pool = futures::executor::LocalPool::new();
/// let group = TaskGroup::<String, _>::with_spawner(pool.spawner());
/// let outcome = pool.run_until(group.run(|tg| async move {
///     let child = tg.spawn(async { Ok(2) })?;
///     Ok(child.await.map_err(|e| e.to_string())? * 21)
/// }));
/// assert_eq!(outcome.unwrap(), 42);
/// ```
impl From<SpawnError> for String {
    fn from(error: SpawnError) -> Self {
        error.to_string()
    }
}

impl From<futures_task::SpawnError> for SpawnError {
    fn from(_: futures_task::SpawnError) -> Self {
        Self::ExecutorShutDown
    }
}

/// Why a [`ChildHandle`](crate::ChildHandle) has no value to give.
///
/// ```
/// use corio_taskgroup::{ChildError, TaskGroup};
/// # let mut pool = futures::executor::LocalPool::new();
/// # let spawner = pool.spawner();
/// pool.run_until(async move {
///     let tg = TaskGroup::<(), _>::with_spawner(spawner);
///     let child = tg.spawn(std::future::pending::<Result<(), ()>>()).unwrap();
///     child.cancel();
///     tg.wait().await.unwrap(); // a cancelled child is not an error
///     assert_eq!(child.result().unwrap_err(), ChildError::Cancelled);
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChildError {
    /// The child has not finished yet.
    Unfinished,
    /// The child was cancelled (by [`ChildHandle::cancel`](crate::ChildHandle::cancel), a
    /// failing sibling, the deadline, or the group being dropped).
    Cancelled,
    /// The child returned an error; the error itself went to the group's [`GroupError`].
    Failed,
    /// The child panicked; the panic is resumed by whoever waits for the group.
    Panicked,
    /// The value was already taken out of this handle.
    AlreadyTaken,
}

impl fmt::Display for ChildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unfinished => "the child task has not finished yet",
            Self::Cancelled => "the child task was cancelled",
            Self::Failed => "the child task failed; its error is in the group's error",
            Self::Panicked => "the child task panicked; the group resumes the panic",
            Self::AlreadyTaken => "the child task's result was already taken",
        })
    }
}

impl Error for ChildError {}

/// The deadline of an [`as_completed`](crate::as_completed) (set with
/// [`AsCompleted::with_timeout`](crate::AsCompleted::with_timeout) or
/// [`with_deadline`](crate::AsCompleted::with_deadline)) passed before every future had
/// finished: asyncio's `TimeoutError`.
///
/// ```
/// use corio_taskgroup::TimedOut;
/// assert_eq!(
///     TimedOut.to_string(),
///     "the deadline passed before every future finished"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimedOut;

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the deadline passed before every future finished")
    }
}

impl Error for TimedOut {}
