//! Stress tests (run under ThreadSanitizer/AddressSanitizer in CI): real threads acquire,
//! cancel and release semaphore permits, mutex locks and queue items at once. A cancelled
//! wait is a future polled a few times and then dropped, so cancellations land before,
//! during and after grants made by other threads. Nothing may be lost or duplicated, and
//! everything must still be usable afterwards (a stranded permit or item would hang the final
//! checks; each test runs under a watchdog).

use corio_sync::{Barrier, Mutex, Queue, Semaphore};
use futures::task::noop_waker;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread;

mod common;

const THREADS: usize = 6;
const ROUNDS: usize = 10_000;

fn on_threads(f: impl Fn(usize) + Send + Sync + 'static) {
    let f = Arc::new(f);
    let threads: Vec<_> = (0..THREADS)
        .map(|i| {
            let f = f.clone();
            thread::spawn(move || f(i))
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

/// Polls `fut` up to `polls` times (yielding the thread in between, so other threads can
/// grant it meanwhile), then drops it: `Some(output)` if it finished, `None` if it was
/// cancelled.
fn poll_a_few_times<F: Future>(fut: F, polls: usize) -> Option<F::Output> {
    let mut fut = pin!(fut);
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    for _ in 0..polls {
        if let Poll::Ready(output) = fut.as_mut().poll(&mut cx) {
            return Some(output);
        }
        thread::yield_now();
    }
    None
}

#[test]
fn semaphore_permits_survive_cancellation_at_every_point() {
    common::watchdog(|| {
        let sem = Arc::new(Semaphore::new(3));
        let inside = Arc::new(AtomicUsize::new(0));
        let (s, i) = (sem.clone(), inside.clone());
        on_threads(move |t| {
            for round in 0..ROUNDS {
                let n = 1 + (t + round) % 3;
                let polls = round % 4; // 0: dropped before its first poll
                if let Some(permit) = poll_a_few_times(s.acquire_many(n), polls) {
                    let now = i.fetch_add(n, Ordering::SeqCst) + n;
                    assert!(now <= 3, "{now} permits out of 3 in use");
                    i.fetch_sub(n, Ordering::SeqCst);
                    drop(permit);
                }
            }
        });
        assert_eq!(sem.available_permits(), 3, "a permit was lost");
        assert!(!sem.locked());
        drop(futures::executor::block_on(sem.acquire_many(3)));
    });
}

#[test]
fn mutex_hand_offs_survive_cancellation() {
    common::watchdog(|| {
        let mutex = Arc::new(Mutex::new(0usize));
        let taken = Arc::new(AtomicUsize::new(0));
        let (m, k) = (mutex.clone(), taken.clone());
        on_threads(move |t| {
            for round in 0..ROUNDS {
                if let Some(mut guard) = poll_a_few_times(m.lock(), (t + round) % 4) {
                    *guard += 1;
                    k.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        let guard = mutex.try_lock().expect("the lock was lost");
        assert_eq!(*guard, taken.load(Ordering::SeqCst));
    });
}

#[test]
fn queue_items_are_never_lost_or_duplicated_by_cancelled_puts_and_gets() {
    common::watchdog(|| {
        let queue = Arc::new(Queue::new(3));
        let put_sum = Arc::new(AtomicUsize::new(0));
        let put_count = Arc::new(AtomicUsize::new(0));
        let got_sum = Arc::new(AtomicUsize::new(0));
        let got_count = Arc::new(AtomicUsize::new(0));
        let (q, ps, pc, gs, gc) = (
            queue.clone(),
            put_sum.clone(),
            put_count.clone(),
            got_sum.clone(),
            got_count.clone(),
        );
        on_threads(move |t| {
            for round in 0..ROUNDS {
                let polls = (t + round) % 4;
                if t % 2 == 0 {
                    let item = t * ROUNDS + round + 1;
                    // A put that did not return Ready never inserted its item.
                    if let Some(result) = poll_a_few_times(q.put(item), polls) {
                        result.unwrap();
                        ps.fetch_add(item, Ordering::SeqCst);
                        pc.fetch_add(1, Ordering::SeqCst);
                    }
                } else if let Some(result) = poll_a_few_times(q.get(), polls) {
                    gs.fetch_add(result.unwrap(), Ordering::SeqCst);
                    gc.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        while let Ok(item) = queue.try_get() {
            got_sum.fetch_add(item, Ordering::SeqCst);
            got_count.fetch_add(1, Ordering::SeqCst);
        }
        assert_eq!(
            got_count.load(Ordering::SeqCst),
            put_count.load(Ordering::SeqCst)
        );
        assert_eq!(
            got_sum.load(Ordering::SeqCst),
            put_sum.load(Ordering::SeqCst)
        );
        // No slot or reservation is left behind: the queue takes 3 items and hands them out.
        for i in 0..3 {
            queue.try_put(i).expect("a slot was lost");
        }
        for i in 0..3 {
            assert_eq!(queue.try_get(), Ok(i));
        }
    });
}

#[test]
fn barrier_rounds_drain_across_threads() {
    common::watchdog(|| {
        let barrier = Arc::new(Barrier::new(THREADS));
        let leaders = Arc::new(AtomicUsize::new(0));
        let (b, l) = (barrier.clone(), leaders.clone());
        on_threads(move |_| {
            for _ in 0..200 {
                // Re-waiting at once: held while the last round drains, never mixed into it.
                let r = futures::executor::block_on(b.wait()).unwrap();
                if r.is_leader() {
                    l.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        assert_eq!(leaders.load(Ordering::SeqCst), 200);
        assert_eq!(barrier.n_waiting(), 0);
    });
}
