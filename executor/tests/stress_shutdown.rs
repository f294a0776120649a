//! Stress test (run under ThreadSanitizer/AddressSanitizer in CI): other threads wake tasks
//! and spawn through a `Handle` while the runtime shuts down. Every future is dropped
//! exactly once, every `JoinHandle` resolves, and nothing hangs.

mod common;

use corio_executor::{Handle, JoinHandle, Runtime};
use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

/// Counts futures made and dropped.
#[derive(Default)]
struct Counts {
    made: AtomicUsize,
    dropped: AtomicUsize,
}

impl Counts {
    fn alive(&self) -> usize {
        // Read `dropped` first: `made` only grows, so the difference never underflows.
        let dropped = self.dropped.load(Ordering::SeqCst);
        self.made.load(Ordering::SeqCst) - dropped
    }
}

/// How many tracked futures the spawning threads keep alive at most.
const MAX_ALIVE: usize = 512;

struct Tracked(Arc<Counts>);

impl Tracked {
    fn new(counts: &Arc<Counts>) -> Tracked {
        counts.made.fetch_add(1, Ordering::SeqCst);
        Tracked(counts.clone())
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// A task that stashes its waker where other threads find it, and finishes after
/// `wakes_needed` polls.
async fn wake_me(wakers: Arc<Mutex<Vec<Waker>>>, tracked: Tracked, wakes_needed: u32) {
    let _tracked = tracked;
    let mut polls = 0;
    poll_fn(|cx| {
        polls += 1;
        if polls > wakes_needed {
            return Poll::Ready(());
        }
        wakers.lock().unwrap().push(cx.waker().clone());
        Poll::Pending
    })
    .await;
}

fn one_round(round: usize) {
    let counts = Arc::new(Counts::default());
    let wakers: Arc<Mutex<Vec<Waker>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let rt = Runtime::new();
    let handle = rt.handle();
    let threads: Vec<_> = (0..3)
        .map(|thread| {
            let (counts, wakers, stop, handle) =
                (counts.clone(), wakers.clone(), stop.clone(), handle.clone());
            std::thread::spawn(move || {
                let mut joins: Vec<JoinHandle<()>> = Vec::new();
                let mut n = 0u32;
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let stashed: Vec<Waker> = std::mem::take(&mut *wakers.lock().unwrap());
                    for waker in stashed {
                        if n % 2 == 0 {
                            waker.wake_by_ref();
                        } else {
                            waker.wake();
                        }
                    }
                    // Back-pressure: three spawning threads outrun one loop (by far under
                    // ThreadSanitizer), and an unbounded flood would queue millions of tasks
                    // ahead of the `block_on` future, so the round would never reach its
                    // shutdown. Keep at most `MAX_ALIVE` futures alive; the wakes go on.
                    if counts.alive() >= MAX_ALIVE {
                        std::thread::yield_now();
                        continue;
                    }
                    joins.push(handle.spawn(wake_me(wakers.clone(), Tracked::new(&counts), n % 3)));
                    if thread == 0 {
                        handle.spawn_detached(wake_me(wakers.clone(), Tracked::new(&counts), 1));
                    }
                    if n % 16 == 0 {
                        std::thread::yield_now();
                    }
                }
                // After shutdown every handle resolves: finished, or cancelled.
                for join in joins {
                    match futures::executor::block_on(join) {
                        Ok(()) => {}
                        Err(error) => assert!(error.is_cancelled(), "{error}"),
                    }
                }
            })
        })
        .collect();
    rt.block_on(async {
        // Let the threads get going while the loop runs their tasks.
        for _ in 0..(round % 7) * 10 {
            corio_executor::yield_now().await;
        }
        corio_executor::time::sleep(Duration::from_micros(200)).await;
    });
    drop(rt); // shutdown, racing the wakes and spawns
    std::thread::sleep(Duration::from_micros(300));
    stop.store(true, Ordering::SeqCst);
    for thread in threads {
        thread.join().unwrap();
    }
    // Wakers outliving the runtime wake nothing; dropping them frees their tasks.
    for waker in std::mem::take(&mut *wakers.lock().unwrap()) {
        waker.wake();
    }
    drop(handle);
    assert_eq!(
        counts.made.load(Ordering::SeqCst),
        counts.dropped.load(Ordering::SeqCst),
        "every future is dropped exactly once"
    );
    assert!(Handle::try_current().is_none());
}

#[test]
fn stress_wakes_and_spawns_from_other_threads_racing_shutdown() {
    // The watchdog times each round, not the whole run: a hang is one round that never
    // ends, while the run's total time grows with the machine's load and with the
    // sanitizers (ThreadSanitizer runs this many times slower).
    for round in 0..400 {
        common::watchdog(Duration::from_secs(30), move || one_round(round));
    }
}
