//! `yield_now`: let every other ready task run once (asyncio's `sleep(0)`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the loop: every task that was ready before this call runs once before the
/// caller resumes, like `asyncio.sleep(0)`.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// corio_executor::run(async {
///     let log = Arc::new(Mutex::new(Vec::new()));
///     let other = log.clone();
///     corio_executor::spawn(async move { other.lock().unwrap().push("task") });
///     log.lock().unwrap().push("main before yield");
///     corio_executor::yield_now().await;
///     log.lock().unwrap().push("main after yield");
///     assert_eq!(*log.lock().unwrap(), ["main before yield", "task", "main after yield"]);
/// });
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
///
/// ```
/// use corio_executor::{yield_now, YieldNow};
/// corio_executor::run(async {
///     let other = corio_executor::spawn(async { "done" });
///     let pause: YieldNow = yield_now(); // nothing happens until it is awaited
///     assert!(!other.is_finished());
///     pause.await;
///     assert!(other.is_finished());
/// });
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Re-queue at the back of the run queue: everyone ahead of us runs first.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
