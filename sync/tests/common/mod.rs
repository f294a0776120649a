//! The test harness: every behaviour test runs once per executor, to show the primitives
//! depend on nothing but `std::task`.

#![allow(dead_code)]

use futures::executor::{LocalPool, LocalSpawner};
use futures::future::{FutureExt, RemoteHandle};
use futures::task::LocalSpawnExt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A handle on the executor a test runs under: spawn tasks and yield to them.
#[derive(Clone)]
pub enum Exec {
    /// corio's own event loop, with the paused clock.
    Corio,
    /// futures' `LocalPool`.
    Futures(LocalSpawner),
    /// tokio's current-thread runtime with a `LocalSet`.
    Tokio,
}

impl Exec {
    /// Spawns `fut`; the handle gives its output, and dropping the handle cancels it.
    pub fn spawn<F: Future + 'static>(&self, fut: F) -> RemoteHandle<F::Output> {
        match self {
            Exec::Corio => {
                let (remote, handle) = fut.remote_handle();
                drop(corio_executor::spawn_local(remote)); // detached; the handle cancels it
                handle
            }
            Exec::Futures(spawner) => spawner
                .spawn_local_with_handle(fut)
                .expect("spawn on a running pool"),
            Exec::Tokio => {
                let (remote, handle) = fut.remote_handle();
                tokio::task::spawn_local(remote);
                handle
            }
        }
    }

    /// Lets every other ready task run (a few times, so chains of wake-ups settle).
    pub async fn settle(&self) {
        for _ in 0..8 {
            yield_now().await;
        }
    }
}

/// Runs `test` under each executor in turn: corio (paused clock), futures' `LocalPool`,
/// then tokio's current-thread runtime.
pub fn on_each_executor<F, Fut>(test: F)
where
    F: Fn(Exec) -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let corio = corio_executor::Runtime::builder()
        .start_paused(true)
        .build();
    corio.block_on(test(Exec::Corio));

    let mut pool = LocalPool::new();
    let exec = Exec::Futures(pool.spawner());
    pool.run_until(test(exec));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime");
    tokio::task::LocalSet::new().block_on(&runtime, test(Exec::Tokio));
}

/// Yields once to the executor (asyncio's `sleep(0)`), in an executor-agnostic way.
pub fn yield_now() -> impl Future<Output = ()> {
    struct YieldNow(bool);
    impl Future for YieldNow {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                return Poll::Ready(());
            }
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
    YieldNow(false)
}

/// Polls `fut` once with the current task's waker.
pub async fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    futures::poll!(fut)
}

/// Runs `test` on its own thread and fails if it has not finished within 60 s of real time,
/// so that a hang is a test failure rather than a stuck run (60 s, not less: the stress
/// tests also run under ThreadSanitizer, many times slower). A panic in `test` is passed on.
pub fn watchdog(test: impl FnOnce() + Send + 'static) {
    let (done, finished) = std::sync::mpsc::channel();
    let runner = std::thread::spawn(move || {
        test();
        let _ = done.send(());
    });
    match finished.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(()) => runner.join().unwrap(),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(runner.join().unwrap_err())
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("the test hung (60 s)"),
    }
}
