//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test file uses its own subset

use std::time::Duration;

/// Runs `body` on its own thread and fails the test if it has not finished within `limit`
/// of real time: a hang becomes a failure instead of a stuck test run. A panic in `body`
/// fails the test with its message.
pub fn watchdog<R: Send + 'static>(
    limit: Duration,
    body: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (done, finished) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        let result = body();
        let _ = done.send(());
        result
    });
    match finished.recv_timeout(limit) {
        Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("the test did not finish within {limit:?}: it hangs")
        }
    }
}

/// The usual limit: far above what any of these tests needs on a loaded machine.
pub const LIMIT: Duration = Duration::from_secs(20);
