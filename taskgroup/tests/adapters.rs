//! The spawner adapters for other executors: a group (with a deadline on that executor's
//! timer), gather and race run on tokio (feature `tokio`) and on async-executor (feature
//! `async-executor`) with one line of setup; outside corio, the default forms name the
//! adapter to use.
#![cfg(any(feature = "tokio", feature = "async-executor"))]

mod common;

use std::time::Duration;

use common::DropFlag;
use corio_taskgroup::TaskGroup;

/// Runs `test` on its own thread; a hang fails the test instead of stalling the run.
fn with_watchdog(test: impl FnOnce() + Send + 'static) {
    let (done, finished) = std::sync::mpsc::channel();
    let runner = std::thread::spawn(move || {
        test();
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_secs(20)) {
        Ok(()) => runner.join().unwrap(),
        // The test panicked (its sender was dropped): resume its panic.
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(runner.join().unwrap_err())
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("the test hung"),
    }
}

#[cfg(feature = "tokio")]
mod on_tokio {
    use super::*;
    use corio_taskgroup::{gather_on, race_on, TokioSpawner};
    use tokio::time::{sleep, Instant};

    /// `#[tokio::main(flavor = "current_thread")]`'s runtime, with its clock paused.
    fn paused_runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap()
    }

    /// One line: a group on tokio, whose children fail together, and `?` on a spawn in a
    /// body returning `Result<_, String>`.
    #[test]
    fn a_group_runs_on_tokio_with_one_line_of_setup() {
        with_watchdog(|| {
            paused_runtime().block_on(async {
                let sibling = DropFlag::new();
                let guard = sibling.guard();
                let outcome = TaskGroup::<String, _>::with_spawner(TokioSpawner::current())
                    .run(|tg| async move {
                        let answer = tg.spawn(async { Ok(42) })?;
                        assert_eq!(answer.await, Ok(42));
                        tg.spawn(async move {
                            let _guard = guard;
                            std::future::pending::<Result<(), String>>().await
                        })?;
                        tg.spawn(async { Err::<(), _>("failed".to_string()) })?;
                        Ok(())
                    })
                    .await;
                assert_eq!(outcome.unwrap_err().errors(), ["failed"]);
                assert!(sibling.is_set(), "the failure cancelled the sibling");
            });
        });
    }

    /// `with_timeout` on tokio's (paused) timer: the group times out at exactly its time.
    #[test]
    fn a_group_deadline_uses_tokios_timer() {
        with_watchdog(|| {
            paused_runtime().block_on(async {
                let start = Instant::now();
                let tg = TaskGroup::<(), _>::with_spawner(TokioSpawner::current())
                    .with_timeout(Duration::from_millis(250));
                tg.spawn(async {
                    sleep(Duration::from_secs(60)).await;
                    Ok(())
                })
                .unwrap();
                assert!(tg.wait().await.unwrap_err().is_timeout());
                assert_eq!(start.elapsed(), Duration::from_millis(250));
            });
        });
    }

    /// A spawner made from a `Handle` outside the runtime, and the `*_on` functions.
    #[test]
    fn gather_and_race_run_on_a_tokio_handle() {
        with_watchdog(|| {
            let runtime = paused_runtime();
            let spawner = TokioSpawner::from(runtime.handle().clone());
            let ms = |ms: u64| async move {
                sleep(Duration::from_millis(ms)).await;
                Ok::<_, ()>(ms)
            };
            let gathered = runtime.block_on(gather_on(&spawner, [30, 10].map(ms)));
            assert_eq!(gathered, Ok(vec![30, 10]));
            let first = runtime.block_on(race_on(&spawner, [30, 10].map(ms)));
            assert_eq!(first, Some(Ok(10)));
        });
    }

    /// Inside tokio, the corio-default forms panic naming the tokio adapter.
    #[cfg(feature = "corio")]
    #[test]
    fn task_group_scope_inside_tokio_names_the_tokio_adapter() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            runtime.block_on(async {
                let _ = TaskGroup::<()>::scope(|_tg| async { Ok(()) }).await;
            })
        }))
        .unwrap_err();
        let message = panic.downcast_ref::<String>().expect("a formatted message");
        assert!(
            message.contains("TaskGroup::scope was called inside a tokio runtime")
                && message
                    .contains("TaskGroup::with_spawner(corio_taskgroup::TokioSpawner::current())"),
            "{message}"
        );
    }
}

#[cfg(feature = "async-executor")]
mod on_async_executor {
    use std::sync::Arc;

    use super::*;
    use async_executor::Executor;
    use corio_taskgroup::{gather_on, AsyncExecutorSpawner};

    /// One line: a group on async-executor, run by two threads, whose children fail
    /// together; gather through the same spawner.
    #[test]
    fn a_group_runs_on_async_executor_with_one_line_of_setup() {
        with_watchdog(|| {
            let executor = Arc::new(Executor::new());
            let (stop, stopped) = async_channel_pair();
            let helper = {
                let executor = executor.clone();
                std::thread::spawn(move || async_io::block_on(executor.run(stopped)))
            };
            let sibling = DropFlag::new();
            let guard = sibling.guard();
            let tg =
                TaskGroup::<String, _>::with_spawner(AsyncExecutorSpawner::new(executor.clone()));
            let outcome = async_io::block_on(executor.run(tg.run(|tg| async move {
                let answer = tg.spawn(async { Ok(42) })?;
                assert_eq!(answer.await, Ok(42));
                tg.spawn(async move {
                    let _guard = guard;
                    std::future::pending::<Result<(), String>>().await
                })?;
                tg.spawn(async { Err::<(), _>("failed".to_string()) })?;
                Ok(())
            })));
            assert_eq!(outcome.unwrap_err().errors(), ["failed"]);
            assert!(sibling.is_set(), "the failure cancelled the sibling");

            let spawner = AsyncExecutorSpawner::from(executor.clone());
            let gathered = async_io::block_on(executor.run(gather_on(
                &spawner,
                [1, 2].map(|n| async move { Ok::<_, ()>(n) }),
            )));
            assert_eq!(gathered, Ok(vec![1, 2]));
            drop(stop);
            helper.join().unwrap();
        });
    }

    /// `with_timeout` on async-io's timer: a group whose child never ends times out (no
    /// paused clock here: the test checks the outcome, not the time).
    #[test]
    fn a_group_deadline_uses_async_ios_timer() {
        with_watchdog(|| {
            let executor = Arc::new(Executor::new());
            let tg = TaskGroup::<(), _>::with_spawner(AsyncExecutorSpawner::new(executor.clone()))
                .with_timeout(Duration::from_millis(10));
            let stuck = tg.spawn(std::future::pending::<Result<(), ()>>()).unwrap();
            let outcome = async_io::block_on(executor.run(tg.wait()));
            assert!(outcome.unwrap_err().is_timeout());
            assert_eq!(stuck.result(), Err(corio_taskgroup::ChildError::Cancelled));
        });
    }

    /// A future that completes when its sender is dropped: tells a helper thread to stop
    /// running the executor.
    fn async_channel_pair() -> (
        futures::channel::oneshot::Sender<()>,
        impl std::future::Future<Output = ()>,
    ) {
        let (stop, stopped) = futures::channel::oneshot::channel::<()>();
        (stop, async move {
            let _ = stopped.await;
        })
    }
}
