//! spawn_blocking: blocking work runs on other threads while the loop keeps going.

use corio_executor::time::{sleep, Instant};
use corio_executor::{run, spawn_blocking, Runtime};
use std::time::Duration;

#[test]
fn blocking_jobs_run_off_the_loop_thread_and_return_results() {
    run(async {
        let loop_thread = std::thread::current().id();
        let handles: Vec<_> = (0..8u64)
            .map(|i| spawn_blocking(move || (std::thread::current().id(), i * i)))
            .collect();
        for (i, handle) in handles.into_iter().enumerate() {
            let (thread, square) = handle.await.unwrap();
            assert_ne!(thread, loop_thread);
            assert_eq!(square, (i * i) as u64);
        }
    });
}

#[test]
fn the_loop_keeps_running_tasks_while_a_job_blocks() {
    run(async {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let job = spawn_blocking(move || rx.recv().unwrap());
        // The loop is free: a task runs and releases the blocked job.
        corio_executor::spawn(async move { tx.send(()).unwrap() })
            .await
            .unwrap();
        job.await.unwrap();
    });
}

#[test]
fn a_panicking_job_surfaces_as_a_join_error() {
    run(async {
        let error = spawn_blocking(|| panic!("blocking job failed"))
            .await
            .unwrap_err();
        assert!(error.is_panic());
        assert_eq!(error.to_string(), "task panicked: blocking job failed");
    });
}

#[test]
fn the_paused_clock_waits_for_blocking_jobs_instead_of_jumping() {
    Runtime::builder()
        .start_paused(true)
        .build()
        .block_on(async {
            let start = Instant::now();
            let job = spawn_blocking(|| {
                std::thread::sleep(Duration::from_millis(20));
                "done"
            });
            let timer = corio_executor::spawn(sleep(Duration::from_secs(60)));
            assert_eq!(job.await.unwrap(), "done");
            assert_eq!(
                start.elapsed(),
                Duration::ZERO,
                "virtual time must not jump past a running job"
            );
            timer.cancel();
        });
}

mod common;

fn paused() -> Runtime {
    Runtime::builder().start_paused(true).build()
}

#[test]
fn a_paused_sleep_after_cancelling_a_blocking_job_returns() {
    common::watchdog(common::LIMIT, || {
        paused().block_on(async {
            let job = spawn_blocking(|| std::thread::sleep(Duration::from_millis(20)));
            job.cancel();
            let start = Instant::now();
            sleep(Duration::from_secs(1)).await;
            assert_eq!(start.elapsed(), Duration::from_secs(1));
        });
    });
}

#[test]
fn a_paused_sleep_after_dropping_a_blocking_jobs_handle_returns() {
    common::watchdog(common::LIMIT, || {
        paused().block_on(async {
            drop(spawn_blocking(|| {
                std::thread::sleep(Duration::from_millis(20))
            }));
            let start = Instant::now();
            sleep(Duration::from_secs(1)).await;
            assert_eq!(start.elapsed(), Duration::from_secs(1));
        });
    });
}

#[test]
fn awaited_blocking_jobs_each_followed_by_a_paused_sleep_never_hang() {
    common::watchdog(common::LIMIT, || {
        paused().block_on(async {
            let start = Instant::now();
            for n in 0..200u32 {
                assert_eq!(spawn_blocking(move || n * 2).await.unwrap(), n * 2);
                sleep(Duration::from_millis(1)).await;
            }
            assert_eq!(start.elapsed(), Duration::from_millis(200));
        });
    });
}

#[test]
fn the_paused_clock_does_not_jump_past_a_job_that_just_ended() {
    common::watchdog(common::LIMIT, || {
        paused().block_on(async {
            for _ in 0..100 {
                let start = Instant::now();
                let timer = corio_executor::spawn(sleep(Duration::from_secs(60)));
                spawn_blocking(|| ()).await.unwrap();
                assert_eq!(start.elapsed(), Duration::ZERO);
                timer.cancel();
            }
        });
    });
}

#[test]
fn a_cancelled_jobs_result_that_panics_in_drop_does_not_stall_the_paused_clock() {
    struct PanicsOnDrop;
    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            panic!("a blocking job's result panics when dropped");
        }
    }
    common::watchdog(common::LIMIT, || {
        paused().block_on(async {
            let job = spawn_blocking(|| {
                std::thread::sleep(Duration::from_millis(20));
                PanicsOnDrop
            });
            job.cancel(); // nobody will take the result: the worker drops it
            let start = Instant::now();
            sleep(Duration::from_secs(1)).await;
            assert_eq!(start.elapsed(), Duration::from_secs(1));
            // The pool still works.
            assert_eq!(spawn_blocking(|| 3).await.unwrap(), 3);
        });
    });
}
