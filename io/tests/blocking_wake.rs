//! A `spawn_blocking` job's end must wake a loop that sleeps inside the reactor (epoll), not
//! only one sleeping on the executor's own condvar: the job's worker reaches the loop through
//! the same parker every other waker uses.

mod common;

use common::watchdog;
use corio_io::net::TcpListener;
use std::time::Duration;

#[test]
fn a_blocking_jobs_end_wakes_a_loop_parked_in_the_reactor() {
    watchdog(20, || {
        corio_executor::run(async {
            // Any socket installs the reactor: from now on the idle loop parks in epoll.
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            for round in 0..20u64 {
                let job = corio_executor::spawn_blocking(move || {
                    std::thread::sleep(Duration::from_millis(2));
                    round * 2
                });
                // No timer and no socket event: only the job's end can wake the loop.
                assert_eq!(job.await.unwrap(), round * 2);
            }
            drop(listener);
        });
    });
}

#[test]
fn a_paused_loop_with_a_reactor_waits_for_a_blocking_job_then_jumps() {
    watchdog(20, || {
        let rt = corio_executor::Runtime::builder()
            .start_paused(true)
            .build();
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let start = corio_executor::time::Instant::now();
            let job = corio_executor::spawn_blocking(|| {
                std::thread::sleep(Duration::from_millis(20));
                "done"
            });
            assert_eq!(job.await.unwrap(), "done");
            // Virtual time did not jump while the job ran (nothing else was pending) ...
            assert_eq!(start.elapsed(), Duration::ZERO);
            // ... and jumps as usual once it is over.
            corio_executor::time::sleep(Duration::from_secs(3600)).await;
            assert_eq!(start.elapsed(), Duration::from_secs(3600));
            drop(listener);
        });
    });
}
