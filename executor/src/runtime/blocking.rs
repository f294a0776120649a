//! `spawn_blocking`: run blocking code on the runtime's thread pool (asyncio's `to_thread`).
//!
//! The closure runs on a thread of the [`BlockingPool`](super::pool::BlockingPool); the loop
//! awaits its result through an ordinary task, so its `JoinHandle` behaves like any other.

use super::context;
use super::spawn::{spawn_joined, Origin, To};
use super::task::JoinHandle;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// Runs the blocking closure `f` on the runtime's blocking thread pool and returns a
/// handle to its result, so the loop keeps running other tasks meanwhile.
///
/// Cancelling the handle stops waiting for the result, but the closure itself runs to its
/// end: a thread cannot be interrupted. A panic in `f` surfaces as `JoinError::Panicked`.
///
/// ```
/// corio_executor::run(async {
///     let sum = corio_executor::spawn_blocking(|| (1..=100u32).sum::<u32>()).await.unwrap();
///     assert_eq!(sum, 5050);
/// });
/// ```
///
/// # Panics
/// Outside a running corio runtime.
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let origin = Origin::here();
    context::with_current(|core| {
        let core = core.expect("corio_executor::spawn_blocking called outside a corio runtime");
        let slot = Arc::new(ResultSlot {
            state: std::sync::Mutex::new((None, None)),
        });
        let job_slot = slot.clone();
        core.shared.blocking.execute(Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(f));
            job_slot.complete(result);
        }));
        spawn_joined(To::Loop(core), BlockingResult { slot }, origin)
    })
}

/// Where a blocking job leaves its result for the task awaiting it.
struct ResultSlot<R> {
    state: std::sync::Mutex<(Option<std::thread::Result<R>>, Option<Waker>)>,
}

impl<R> ResultSlot<R> {
    fn complete(&self, result: std::thread::Result<R>) {
        let waker = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            state.0 = Some(result);
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The task side: waits for the slot, and re-raises the job's panic inside the task so the
/// `JoinHandle` reports it like any task panic.
struct BlockingResult<R> {
    slot: Arc<ResultSlot<R>>,
}

impl<R> Future for BlockingResult<R> {
    type Output = R;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R> {
        let mut state = self.slot.state.lock().unwrap_or_else(|e| e.into_inner());
        match state.0.take() {
            Some(Ok(value)) => Poll::Ready(value),
            Some(Err(payload)) => {
                drop(state);
                std::panic::resume_unwind(payload)
            }
            None => {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
