//! Shared test helpers: destructor probes, and macros that run one async test body on every
//! executor: futures' `LocalPool` (single thread), futures' `ThreadPool` (children on other
//! threads) and, with the `corio` feature, corio's runtime.
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// Set when the value it guards is dropped: proves a cancelled future's destructors ran.
#[derive(Clone, Default)]
pub struct DropFlag(Arc<AtomicBool>);

impl DropFlag {
    pub fn new() -> Self {
        Self::default()
    }
    /// A guard that sets this flag when dropped; move it into a future.
    pub fn guard(&self) -> DropGuard {
        DropGuard(self.0.clone())
    }
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

pub struct DropGuard(Arc<AtomicBool>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Counts events across threads.
#[derive(Clone, Default)]
pub struct Counter(Arc<AtomicUsize>);

impl Counter {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Waits for a signal through a oneshot channel; a future a test can leave pending forever
/// (never sending) or release on purpose.
pub async fn wait_for(rx: futures::channel::oneshot::Receiver<()>) {
    let _ = rx.await;
}

/// Spawns onto the current tokio runtime: the whole adapter a TaskGroup needs.
#[derive(Clone, Copy, Debug)]
pub struct TokioSpawner;

impl futures_task::Spawn for TokioSpawner {
    fn spawn_obj(
        &self,
        future: futures_task::FutureObj<'static, ()>,
    ) -> Result<(), futures_task::SpawnError> {
        drop(tokio::task::spawn(future));
        Ok(())
    }
}

/// A current-thread tokio runtime with its clock paused (time jumps when all tasks idle).
pub fn paused_tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

/// Runs each named `async fn name<S>(spawner: S)` on every executor, where
/// `S: Spawn + Clone + 'static` (children must not take the spawner to other threads).
#[macro_export]
macro_rules! on_every_executor {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[test]
            fn local_pool() {
                let mut pool = futures::executor::LocalPool::new();
                let spawner = pool.spawner();
                pool.run_until(super::$test(spawner));
            }
            #[test]
            fn thread_pool() {
                let pool = futures::executor::ThreadPool::builder().pool_size(2).create().unwrap();
                futures::executor::block_on(super::$test(pool));
            }
            #[test]
            fn tokio() {
                $crate::common::paused_tokio().block_on(super::$test($crate::common::TokioSpawner));
            }
            #[cfg(feature = "corio")]
            #[test]
            fn corio() {
                corio_executor::run(async {
                    super::$test(corio_executor::Handle::try_current().unwrap()).await
                });
            }
        }
    )*};
}

/// Like `on_every_executor!` for tests whose spawner must be `Send + Sync` (it is moved into
/// children): futures' `ThreadPool` and corio.
#[macro_export]
macro_rules! on_send_executors {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[test]
            fn thread_pool() {
                let pool = futures::executor::ThreadPool::builder().pool_size(2).create().unwrap();
                futures::executor::block_on(super::$test(pool));
            }
            #[test]
            fn tokio() {
                $crate::common::paused_tokio().block_on(super::$test($crate::common::TokioSpawner));
            }
            #[cfg(feature = "corio")]
            #[test]
            fn corio() {
                corio_executor::run(async {
                    super::$test(corio_executor::Handle::try_current().unwrap()).await
                });
            }
        }
    )*};
}
