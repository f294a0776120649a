//! `JoinError`: why a task produced no output.

use std::any::Any;
use std::fmt;

/// Why a task produced no output: it was cancelled, or it panicked.
///
/// ```
/// use corio_executor::JoinError;
/// corio_executor::run(async {
///     let stopped = corio_executor::spawn(std::future::pending::<()>());
///     stopped.cancel();
///     let err: JoinError = stopped.await.unwrap_err();
///     assert!(err.is_cancelled());
///     assert_eq!(err.to_string(), "task was cancelled");
/// });
/// ```
pub struct JoinError {
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panicked(Box<dyn Any + Send + 'static>),
}

impl JoinError {
    pub(crate) fn cancelled() -> Self {
        JoinError {
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panicked(payload: Box<dyn Any + Send + 'static>) -> Self {
        JoinError {
            repr: Repr::Panicked(payload),
        }
    }

    /// True if the task was cancelled (by [`JoinHandle::cancel`](crate::JoinHandle::cancel) or runtime shutdown).
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new();
    /// let forever = rt.handle().spawn(std::future::pending::<()>());
    /// drop(rt); // shutdown cancels every task still alive
    /// let err = corio_executor::run(forever).unwrap_err();
    /// assert!(err.is_cancelled() && !err.is_panic());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// True if the task panicked.
    ///
    /// ```
    /// corio_executor::run(async {
    ///     let err = corio_executor::spawn(async { panic!("boom") }).await.unwrap_err();
    ///     assert!(err.is_panic());
    ///     assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
    /// });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panicked(_))
    }

    /// The panic's payload, to inspect or to go on with `std::panic::resume_unwind`.
    ///
    /// ```
    /// corio_executor::run(async {
    ///     let failed = corio_executor::spawn(async { panic!("disk full") });
    ///     let payload = failed.await.unwrap_err().into_panic();
    ///     assert_eq!(payload.downcast_ref::<&str>(), Some(&"disk full"));
    /// });
    /// ```
    ///
    /// # Panics
    /// If the task was cancelled, not panicked: check [`is_panic`](Self::is_panic) first.
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        match self.repr {
            Repr::Panicked(payload) => payload,
            Repr::Cancelled => panic!("JoinError::into_panic called on a cancelled task's error"),
        }
    }

    /// The panic's payload, or `Err(self)` if the task was cancelled.
    ///
    /// ```
    /// corio_executor::run(async {
    ///     let job = corio_executor::spawn(std::future::pending::<()>());
    ///     job.cancel();
    ///     match job.await.unwrap_err().try_into_panic() {
    ///         Ok(payload) => std::panic::resume_unwind(payload), // go on with the panic
    ///         Err(err) => assert!(err.is_cancelled()),
    ///     }
    /// });
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panicked(payload) => Ok(payload),
            Repr::Cancelled => Err(self),
        }
    }

    pub(crate) fn panic_payload(&self) -> Option<&(dyn Any + Send)> {
        match &self.repr {
            Repr::Panicked(payload) => Some(&**payload),
            Repr::Cancelled => None,
        }
    }

    fn panic_message(&self) -> Option<&str> {
        let payload = self.panic_payload()?;
        payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.panic_message()) {
            (Repr::Cancelled, _) => f.write_str("task was cancelled"),
            (Repr::Panicked(_), Some(message)) => write!(f, "task panicked: {message}"),
            (Repr::Panicked(_), None) => f.write_str("task panicked"),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("JoinError::Cancelled"),
            Repr::Panicked(_) => write!(
                f,
                "JoinError::Panicked({:?})",
                self.panic_message().unwrap_or("..")
            ),
        }
    }
}

impl std::error::Error for JoinError {}
