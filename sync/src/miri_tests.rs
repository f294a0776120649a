//! Tests of the primitives that drive every path where a waiter's node is linked,
//! unlinked, granted or passed on, through the public API: together they take the wait list
//! (`waiters`) and the `Mutex` data cell through all of their `unsafe` code, so that Miri
//! checks it: `cargo +nightly miri test -p corio-sync --lib` (the crate's `tests/` are too
//! slow under Miri, and most of them need an executor).

use crate::{Barrier, Condition, Event, Mutex, PutError, Queue, Semaphore};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

struct CountWakes(AtomicUsize);
impl Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (Arc<CountWakes>, Waker) {
    let counter = Arc::new(CountWakes(AtomicUsize::new(0)));
    (counter.clone(), Waker::from(counter))
}

fn poll<F: Future + ?Sized>(fut: Pin<&mut F>) -> Poll<F::Output> {
    let (_, waker) = counting_waker();
    fut.poll(&mut Context::from_waker(&waker))
}

#[test]
fn repolls_while_queued_keep_or_replace_the_waker() {
    let (first, waker1) = counting_waker();
    let (second, waker2) = counting_waker();
    // Clones of one clone share their vtable, so they pass `will_wake` with each other:
    // the second poll takes the lock-free path.
    let waker1 = waker1.clone();
    let event = Event::new();
    let mut wait = Box::pin(event.wait());
    for _ in 0..2 {
        let mut cx = Context::from_waker(&waker1);
        assert!(wait.as_mut().poll(&mut cx).is_pending());
    }
    let mut cx = Context::from_waker(&waker2);
    assert!(wait.as_mut().poll(&mut cx).is_pending());
    event.set();
    assert_eq!(first.0.load(Ordering::SeqCst), 0);
    assert_eq!(second.0.load(Ordering::SeqCst), 1);
    let mut cx = Context::from_waker(&waker1);
    assert!(wait.as_mut().poll(&mut cx).is_ready());
}

#[test]
fn mutex_grant_then_drop_passes_the_lock_on() {
    let mutex = Mutex::new(0);
    let guard = mutex.try_lock().unwrap();
    let mut a = Box::pin(mutex.lock());
    let mut b = Box::pin(mutex.lock());
    assert!(poll(a.as_mut()).is_pending());
    assert!(poll(b.as_mut()).is_pending());
    drop(guard);
    drop(a);
    let Poll::Ready(mut g) = poll(b.as_mut()) else {
        panic!("b not granted")
    };
    *g += 1;
    drop(g);
    drop(b);
    assert_eq!(mutex.into_inner(), 1);
}

#[test]
fn semaphore_partial_collection_and_cancel() {
    let sem = Semaphore::new(3);
    let held = sem.try_acquire_many(2).unwrap();
    let mut big = Box::pin(sem.acquire_many(3));
    let mut small = Box::pin(sem.acquire());
    assert!(poll(big.as_mut()).is_pending());
    assert!(poll(small.as_mut()).is_pending());
    drop(held);
    assert!(poll(big.as_mut()).is_ready());
    drop(big);
    assert!(poll(small.as_mut()).is_ready());
    drop(small);
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn queue_handoffs_and_cancels() {
    let queue = Queue::new(1);
    let mut getter = Box::pin(queue.get());
    assert!(poll(getter.as_mut()).is_pending());
    queue.try_put(String::from("a")).unwrap();
    drop(getter); // reserved, then cancelled
    let mut putter = Box::pin(queue.put(String::from("b")));
    assert!(poll(putter.as_mut()).is_pending());
    assert_eq!(queue.try_get().unwrap(), "a");
    assert!(poll(putter.as_mut()).is_ready());
    let mut stuck = Box::pin(queue.put(String::from("c")));
    assert!(poll(stuck.as_mut()).is_pending());
    queue.shutdown(true);
    assert!(matches!(poll(stuck.as_mut()), Poll::Ready(Err(PutError(c))) if c == "c"));
}

#[test]
fn event_wakes_more_waiters_than_one_batch() {
    let event = Event::new();
    let mut waiters: Vec<_> = (0..40).map(|_| Box::pin(event.wait())).collect();
    for w in &mut waiters {
        assert!(poll(w.as_mut()).is_pending());
    }
    drop(waiters.remove(3));
    event.set();
    for w in &mut waiters {
        assert!(poll(w.as_mut()).is_ready());
    }
}

#[test]
fn condition_and_barrier_cancel_paths() {
    let cond = Condition::new(Mutex::new(()));
    let mut a = Box::pin(async {
        let guard = cond.lock().await;
        drop(cond.wait(guard).await);
    });
    let mut b = Box::pin(async {
        let guard = cond.lock().await;
        drop(cond.wait(guard).await);
    });
    assert!(poll(a.as_mut()).is_pending());
    assert!(poll(b.as_mut()).is_pending());
    let guard = cond.mutex().try_lock().unwrap();
    assert_eq!(cond.notify(1), Ok(1));
    drop(guard);
    drop(a);
    assert!(poll(b.as_mut()).is_ready());

    let barrier = Barrier::new(2);
    let mut x = Box::pin(barrier.wait());
    assert!(poll(x.as_mut()).is_pending());
    drop(x);
    let mut y = Box::pin(barrier.wait());
    assert!(poll(y.as_mut()).is_pending());
    barrier.abort();
    assert!(matches!(poll(y.as_mut()), Poll::Ready(Err(_))));
}

#[test]
fn barrier_marks_a_round_wakes_it_and_lets_rewaiters_retry() {
    let barrier = Barrier::new(2);
    let mut a = Box::pin(barrier.wait());
    assert!(poll(a.as_mut()).is_pending());
    let mut b = Box::pin(barrier.wait());
    assert!(matches!(poll(b.as_mut()), Poll::Ready(Ok(_)))); // releases a
    drop(b);
    let mut held = Box::pin(barrier.wait());
    assert!(poll(held.as_mut()).is_pending()); // held while a drains
    assert!(matches!(poll(a.as_mut()), Poll::Ready(Ok(_)))); // drain ends: held retries
    drop(a);
    assert!(poll(held.as_mut()).is_pending()); // re-queued as a member
    let mut c = Box::pin(barrier.wait());
    assert!(matches!(poll(c.as_mut()), Poll::Ready(Ok(_))));
    drop(c); // held is released, not resumed
    barrier.reset(); // ... so the reset breaks it
    assert!(matches!(poll(held.as_mut()), Poll::Ready(Err(_))));
}

#[test]
fn semaphore_grants_and_queue_slots_through_cancellation() {
    let sem = Semaphore::new(0);
    let mut first = Box::pin(sem.acquire());
    assert!(poll(first.as_mut()).is_pending());
    sem.add_permits(2); // granted to `first`, one left behind it
    let mut second = Box::pin(sem.acquire());
    assert!(poll(second.as_mut()).is_pending());
    drop(first); // never resumed: hands both on
    assert!(poll(second.as_mut()).is_ready());
    drop(second);
    assert_eq!(sem.available_permits(), 2);

    let queue = Queue::new(1);
    queue.try_put(String::from("a")).unwrap();
    let mut p1 = Box::pin(queue.put(String::from("b")));
    let mut p2 = Box::pin(queue.put(String::from("c")));
    assert!(poll(p1.as_mut()).is_pending());
    assert!(poll(p2.as_mut()).is_pending());
    assert_eq!(queue.try_get().unwrap(), "a"); // slot granted to p1
    drop(p1); // ... passed on to p2
    assert!(poll(p2.as_mut()).is_ready());
    assert_eq!(queue.try_get().unwrap(), "c");
}

#[test]
fn threads_hand_a_mutex_back_and_forth() {
    let mutex = Arc::new(Mutex::new(0u32));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let mutex = mutex.clone();
            std::thread::spawn(move || {
                for _ in 0..20 {
                    futures::executor::block_on(async { *mutex.lock().await += 1 });
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*mutex.try_lock().unwrap(), 40);
}
