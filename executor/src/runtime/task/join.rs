//! `JoinHandle`: the awaitable end of a spawned task.

use super::error::JoinError;
use super::raw::{self, Header, TaskRef};
use super::state::Detach;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::task::{Context, Poll};

/// An owned permission to await a task's result, like an `asyncio.Task`.
///
/// Awaiting it gives `Ok(output)`, or a [`JoinError`] if the task was cancelled or
/// panicked. Dropping it *detaches* the task: it runs on, as an asyncio task does.
///
/// ```
/// let answer = corio_executor::run(async {
///     let handle = corio_executor::spawn(async { 6 * 7 });
///     handle.await
/// });
/// assert_eq!(answer.unwrap(), 42);
/// ```
pub struct JoinHandle<T> {
    /// Released by `Drop`, which may fold the release into the detach step.
    task: ManuallyDrop<TaskRef>,
    /// The output was read: the handle no longer holds the join interest.
    done: bool,
    _output: PhantomData<T>,
}

// SAFETY: [SEND, JOIN-WAKER, STAGE] the handle only touches the task's thread-safe parts
// (state word, the join waker slot when the state word gives it to the handle) and the
// output, which it moves out on its own thread; so it may cross threads when `T` may.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: [SEND] `&JoinHandle` only allows `cancel`/`is_finished`/`id`, which read the
// state word and the immutable id.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// Takes over the JoinHandle's reference on a freshly allocated task whose output is
    /// `T` (rule TYPES: only `new_task` and `new_remote_task` call this).
    pub(super) fn new(task: TaskRef) -> Self {
        JoinHandle {
            task: ManuallyDrop::new(task),
            done: false,
            _output: PhantomData,
        }
    }

    /// Cancels the task: its future is dropped the next time the loop reaches it, and
    /// awaiting this handle then gives `Err(JoinError::Cancelled)`, unless the task had
    /// already finished (then its result stands). Returns whether it took effect: `true` if
    /// the task had not finished yet, `false` if it had (asyncio's `Task.cancel()`).
    /// Cancelling twice is harmless.
    ///
    /// A task that cancels itself (through its own handle) and then returns without
    /// awaiting anything ends cancelled all the same: its output is dropped.
    ///
    /// ```
    /// use std::time::Duration;
    /// corio_executor::run(async {
    ///     let handle = corio_executor::spawn(corio_executor::time::sleep(Duration::from_secs(3600)));
    ///     assert!(handle.cancel(), "it was still sleeping");
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    ///
    ///     let finished = corio_executor::spawn(async { 5 });
    ///     corio_executor::yield_now().await;
    ///     assert!(!finished.cancel(), "too late: it had finished");
    ///     assert_eq!(finished.await.unwrap(), 5);
    /// });
    /// ```
    pub fn cancel(&self) -> bool {
        let cancel = self.header().state.cancel();
        if cancel.must_queue {
            self.task.enqueue();
        }
        cancel.took_effect
    }

    /// True once the task has finished: returned, panicked or been cancelled.
    ///
    /// ```
    /// corio_executor::run(async {
    ///     let handle = corio_executor::spawn(async {});
    ///     assert!(!handle.is_finished(), "spawned tasks run only when the spawner yields");
    ///     corio_executor::yield_now().await;
    ///     assert!(handle.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.task.header().state.load().is_complete()
    }

    /// The task's id, unique within its runtime.
    ///
    /// ```
    /// corio_executor::run(async {
    ///     let a = corio_executor::spawn(async {});
    ///     let b = corio_executor::spawn(async { corio_executor::task::current().unwrap().id() });
    ///     assert_ne!(a.id(), b.id());
    ///     let b_id = b.id();
    ///     assert_eq!(b.await.unwrap(), b_id, "the id task::current() reports");
    /// });
    /// ```
    pub fn id(&self) -> u64 {
        self.task.header().meta.id
    }

    fn header(&self) -> &Header {
        self.task.header()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        assert!(
            !self.done,
            "JoinHandle polled again after it returned the task's result"
        );
        let header = self.header();
        if !header.state.load().is_complete() {
            // SAFETY: [JOIN-WAKER] we are the task's one JoinHandle.
            let registered = unsafe { header.join_waker.register(&header.state, cx.waker()) };
            if registered.is_ok() {
                return Poll::Pending;
            }
        }
        let mut output: Option<Result<T, JoinError>> = None;
        // SAFETY: [STAGE, TYPES] complete with JOIN_INTEREST still set (only this handle
        // clears it), so the output is ours; `output` has the task's output type.
        unsafe {
            raw::take_output(
                self.task.as_ptr(),
                (&mut output as *mut Option<Result<T, JoinError>>).cast(),
            )
        };
        self.done = true;
        Poll::Ready(output.expect("a finished task always stores its result"))
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        // Moved out first, so the reference is released on every path below, including a
        // panic in the output's destructor.
        // SAFETY: `self.task` is not used after this, as `ManuallyDrop::take` requires.
        let task = unsafe { ManuallyDrop::take(&mut self.task) };
        // A handle that returned the output holds nothing but its reference.
        if self.done {
            return;
        }
        match task.header().state.detach() {
            Detach::Complete => {
                // SAFETY: [STAGE] complete while we held the join interest: the output is ours.
                // The output's destructor may panic: `task` still releases our reference.
                unsafe { raw::discard_output(task.as_ptr()) };
            }
            Detach::Detached {
                waker_is_ours: true,
                ..
            } => {
                // SAFETY: [JOIN-WAKER] `detach` cleared JOIN_WAKER for us: the slot is ours.
                drop(unsafe { task.header().join_waker.take() });
            }
            Detach::Detached {
                ref_released: true, ..
            } => {
                // `detach` gave up our reference too: the TaskRef must not release it again.
                std::mem::forget(task);
            }
            Detach::Detached { .. } => {}
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = self.header();
        f.debug_struct("JoinHandle")
            .field("id", &header.meta.id)
            .field("name", &header.meta.site.name())
            .field("finished", &self.is_finished())
            .finish()
    }
}
