//! Many real threads at once: every primitive stays exact under contention (no lost permit,
//! item or wake-up; a lost wake-up would hang the test).

use corio_sync::{Barrier, Event, Mutex, Queue, Semaphore};
use futures::executor::block_on;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

const THREADS: usize = 8;

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

#[test]
fn mutex_counts_exactly() {
    let mutex = Arc::new(Mutex::new(0usize));
    let m = mutex.clone();
    on_threads(move |_| {
        block_on(async {
            for _ in 0..2000 {
                *m.lock().await += 1;
            }
        })
    });
    assert_eq!(*mutex.try_lock().unwrap(), THREADS * 2000);
}

#[test]
fn semaphore_never_exceeds_its_permits_and_loses_none() {
    let sem = Arc::new(Semaphore::new(3));
    let inside = Arc::new(AtomicUsize::new(0));
    let (s, i) = (sem.clone(), inside.clone());
    on_threads(move |t| {
        block_on(async {
            for round in 0..500 {
                let n = 1 + (t + round) % 3;
                let _permits = s.acquire_many(n).await;
                let now = i.fetch_add(n, Ordering::SeqCst) + n;
                assert!(now <= 3, "{now} permits out of 3 in use");
                i.fetch_sub(n, Ordering::SeqCst);
            }
        })
    });
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn queue_delivers_every_item_exactly_once() {
    let queue = Arc::new(Queue::new(4));
    let sum = Arc::new(AtomicUsize::new(0));
    let (q, s) = (queue.clone(), sum.clone());
    on_threads(move |t| {
        block_on(async {
            if t % 2 == 0 {
                for i in 0..1000 {
                    q.put(i).await.unwrap();
                }
            } else {
                for _ in 0..1000 {
                    s.fetch_add(q.get().await.unwrap(), Ordering::SeqCst);
                }
            }
        })
    });
    assert_eq!(sum.load(Ordering::SeqCst), (THREADS / 2) * (999 * 1000 / 2));
    assert!(queue.is_empty());
}

#[test]
fn barrier_rounds_and_event_broadcast() {
    let barrier = Arc::new(Barrier::new(THREADS));
    let leaders = Arc::new(AtomicUsize::new(0));
    let event = Arc::new(Event::new());
    let (b, l, e) = (barrier.clone(), leaders.clone(), event.clone());
    on_threads(move |t| {
        block_on(async {
            for _ in 0..50 {
                if b.wait().await.unwrap().is_leader() {
                    l.fetch_add(1, Ordering::SeqCst);
                }
            }
            if t == 0 {
                e.set();
            }
            e.wait().await;
        })
    });
    assert_eq!(leaders.load(Ordering::SeqCst), 50);
}
