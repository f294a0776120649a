//! Stress test (run under ThreadSanitizer in CI): a group is dropped on one thread while its
//! children are being polled on others. Each child's future is dropped exactly once: by the
//! group's drop if the child was idle, or by the child itself at the end of the poll that
//! was running meanwhile.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll};
use std::thread;
use std::time::{Duration, Instant};

use corio_taskgroup::TaskGroup;

const ROUNDS: usize = 100;
const CHILDREN: usize = 4;

/// Counts drops of the future holding it.
struct Probe(Arc<AtomicUsize>);

impl Drop for Probe {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Yields forever (wakes itself at every poll), so its executor keeps polling it; holds its
/// probe only to be dropped with it.
struct Spin(#[allow(dead_code)] Probe);

impl Future for Spin {
    type Output = Result<(), ()>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Waits (real time, bounded) until every child's future was dropped once; fails on a
/// second drop or on a child never dropped.
fn all_dropped_once(drops: &AtomicUsize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while drops.load(Ordering::SeqCst) < CHILDREN {
        assert!(
            Instant::now() < deadline,
            "a child's future was never dropped"
        );
        thread::yield_now();
    }
    assert_eq!(
        drops.load(Ordering::SeqCst),
        CHILDREN,
        "a future dropped twice"
    );
}

fn with_watchdog(test: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    thread::spawn(move || {
        test();
        done.send(()).unwrap();
    });
    finished
        .recv_timeout(Duration::from_secs(60))
        .expect("the stress rounds hung (or panicked)");
}

#[test]
fn a_group_dropped_while_a_thread_pool_polls_its_children() {
    with_watchdog(|| {
        let pool = futures::executor::ThreadPool::builder()
            .pool_size(2)
            .create()
            .unwrap();
        for _ in 0..ROUNDS {
            let drops = Arc::new(AtomicUsize::new(0));
            let tg = TaskGroup::<(), _>::with_spawner(pool.clone());
            for _ in 0..CHILDREN {
                tg.spawn(Spin(Probe(Arc::clone(&drops)))).unwrap();
            }
            thread::yield_now();
            drop(tg);
            all_dropped_once(&drops);
        }
    });
}

#[cfg(feature = "corio")]
#[test]
fn a_native_group_dropped_on_another_thread_while_its_loop_polls_the_children() {
    use std::sync::atomic::AtomicBool;
    with_watchdog(|| {
        for _ in 0..ROUNDS {
            let drops = Arc::new(AtomicUsize::new(0));
            let stop = Arc::new(AtomicBool::new(false));
            let (group_tx, group_rx) = mpsc::channel();
            let runner = {
                let (drops, stop) = (Arc::clone(&drops), Arc::clone(&stop));
                thread::spawn(move || {
                    corio_executor::run(async move {
                        let tg = TaskGroup::<()>::new();
                        for _ in 0..CHILDREN {
                            tg.spawn(Spin(Probe(Arc::clone(&drops)))).unwrap();
                        }
                        group_tx.send(tg).unwrap();
                        // Keep the loop turning (polling the children) until told to stop.
                        while !stop.load(Ordering::SeqCst) {
                            corio_executor::yield_now().await;
                        }
                    });
                })
            };
            let tg = group_rx.recv().unwrap();
            thread::yield_now();
            drop(tg);
            all_dropped_once(&drops);
            stop.store(true, Ordering::SeqCst);
            runner.join().unwrap();
        }
    });
}
