//! Stress test (run under the sanitizers in CI): wakes from other threads reach a loop that
//! is parked in epoll, through the reactor's eventfd, however they interleave with the loop
//! going to sleep. A lost wake-up leaves the loop asleep with no timer: the watchdog fails.

mod common;

use common::watchdog;
use corio_executor::Runtime;
use corio_io::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const SPAWNS: usize = 20_000;
const THREADS: usize = 2;

#[test]
fn stress_spawns_from_threads_wake_a_loop_parked_in_epoll() {
    watchdog(60, || {
        let rt = Runtime::new();
        let handle = rt.handle();
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let signal = Arc::new(
                TcpStream::connect(listener.local_addr().unwrap())
                    .await
                    .unwrap(),
            );
            let (done, _) = listener.accept().await.unwrap();
            let ran = Arc::new(AtomicUsize::new(0));
            let threads: Vec<_> = (0..THREADS)
                .map(|_| {
                    let (handle, ran, signal) = (handle.clone(), ran.clone(), signal.clone());
                    std::thread::spawn(move || {
                        for i in 0..SPAWNS / THREADS {
                            let (ran, signal) = (ran.clone(), signal.clone());
                            handle.spawn_detached(async move {
                                if ran.fetch_add(1, Ordering::SeqCst) + 1 == SPAWNS {
                                    signal.write(b"!").await.unwrap();
                                }
                            });
                            if i % 64 == 0 {
                                std::thread::yield_now(); // let the loop fall asleep
                            }
                        }
                    })
                })
                .collect();
            // The loop has nothing to do but wait for this read, parked in epoll between
            // the spawns; each spawn must wake it.
            let mut buf = [0; 1];
            assert_eq!(done.read(&mut buf).await.unwrap(), 1);
            for thread in threads {
                thread.join().unwrap();
            }
            assert_eq!(ran.load(Ordering::SeqCst), SPAWNS);
        });
    });
}
