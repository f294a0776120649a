//! A waker that panics is its owner's bug: every primitive still wakes the rest of the batch
//! it was part of and leaves its state consistent and its lock free. Then a call whose effect
//! is complete (set, notify, add_permits, a release, shutdown, abort, reset) passes the panic
//! on; a wait being polled or dropped, or a call handing over an item, contains it, so the
//! task that happened to wake the batch loses nothing it was handed.

use corio_sync::{Barrier, Condition, Event, Mutex, Queue, Semaphore};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

struct Counting(AtomicUsize);
impl Wake for Counting {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

struct Panicking;
impl Wake for Panicking {
    fn wake(self: Arc<Self>) {
        panic!("a buggy waker");
    }
}

fn poll<F: Future + ?Sized>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

/// Polls each future once: the one at `bad` with a waker that panics, the others with a
/// counting one. Returns the wake counter.
fn queue_all<F: Future + ?Sized>(futures: &mut [Pin<Box<F>>], bad: usize) -> Arc<Counting> {
    let counter = Arc::new(Counting(AtomicUsize::new(0)));
    let good = Waker::from(counter.clone());
    let panicking = Waker::from(Arc::new(Panicking));
    for (i, fut) in futures.iter_mut().enumerate() {
        let waker = if i == bad { &panicking } else { &good };
        assert!(poll(fut.as_mut(), waker).is_pending());
    }
    counter
}

fn assert_panics_with_the_wakers_message(f: impl FnOnce()) {
    let panic = catch_unwind(AssertUnwindSafe(f)).expect_err("the waker's panic was swallowed");
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"a buggy waker"));
}

const MANY: usize = 70; // more than one wake batch

#[test]
fn event_set_wakes_every_other_waiter() {
    let event = Event::new();
    let mut waits: Vec<_> = (0..MANY).map(|_| Box::pin(event.wait())).collect();
    let counter = queue_all(&mut waits, 5);
    assert_panics_with_the_wakers_message(|| event.set());
    assert_eq!(counter.0.load(Ordering::SeqCst), MANY - 1);
    let noop = Waker::from(counter.clone());
    for w in &mut waits {
        assert!(poll(w.as_mut(), &noop).is_ready());
    }
    event.clear();
    event.set(); // the state lock was released
    assert!(event.is_set());
}

#[test]
fn semaphore_add_permits_wakes_every_other_waiter() {
    let sem = Semaphore::new(0);
    let mut waits: Vec<_> = (0..MANY).map(|_| Box::pin(sem.acquire())).collect();
    let counter = queue_all(&mut waits, 2);
    assert_panics_with_the_wakers_message(|| sem.add_permits(MANY + 1));
    assert_eq!(counter.0.load(Ordering::SeqCst), MANY - 1);
    let noop = Waker::from(counter.clone());
    for w in &mut waits {
        let Poll::Ready(permit) = poll(w.as_mut(), &noop) else {
            panic!("a waiter was not granted")
        };
        permit.forget();
    }
    assert_eq!(sem.available_permits(), 1);
    assert!(sem.try_acquire().is_ok());
}

#[test]
fn mutex_hand_off_to_a_panicking_waker_keeps_the_lock_consistent() {
    let mutex = Mutex::new(0);
    let guard = mutex.try_lock().unwrap();
    let mut waits: Vec<_> = (0..2).map(|_| Box::pin(mutex.lock())).collect();
    let counter = queue_all(&mut waits, 0);
    assert_panics_with_the_wakers_message(|| drop(guard));
    let noop = Waker::from(counter.clone());
    let Poll::Ready(g) = poll(waits[0].as_mut(), &noop) else {
        panic!("the lock was not handed over")
    };
    drop(g);
    assert!(poll(waits[1].as_mut(), &noop).is_ready());
}

#[test]
fn condition_notify_all_wakes_every_other_waiter() {
    let cond = Condition::new(Mutex::new(()));
    let mut waits: Vec<_> = (0..MANY)
        .map(|_| {
            Box::pin(async {
                let guard = cond.lock().await;
                drop(cond.wait(guard).await);
            })
        })
        .collect();
    let counter = queue_all(&mut waits, 40);
    let guard = cond.mutex().try_lock().unwrap();
    assert_panics_with_the_wakers_message(|| {
        cond.notify_all().unwrap();
    });
    assert_eq!(counter.0.load(Ordering::SeqCst), MANY - 1);
    drop(guard);
    let noop = Waker::from(counter.clone());
    for w in &mut waits {
        // Each takes the lock in turn and leaves.
        while poll(w.as_mut(), &noop).is_pending() {}
    }
    assert!(!cond.locked());
}

#[test]
fn barrier_release_wakes_every_other_party() {
    let barrier = Barrier::new(MANY + 1);
    let mut waits: Vec<_> = (0..MANY).map(|_| Box::pin(barrier.wait())).collect();
    let counter = queue_all(&mut waits, 33);
    let mut last = Box::pin(barrier.wait());
    let noop = Waker::from(counter.clone());
    // The last party's wait releases the round: it keeps its result.
    let Poll::Ready(Ok(leader)) = poll(last.as_mut(), &noop) else {
        panic!("the leader lost its result")
    };
    assert!(leader.is_leader());
    assert_eq!(counter.0.load(Ordering::SeqCst), MANY - 1);
    for w in &mut waits {
        assert!(matches!(poll(w.as_mut(), &noop), Poll::Ready(Ok(_))));
    }
    assert_eq!(barrier.n_waiting(), 0);
    // The next round works.
    let barrier = Barrier::new(1);
    assert!(futures::executor::block_on(barrier.wait()).is_ok());
}

#[test]
fn queue_shutdown_wakes_every_other_waiter() {
    let queue = Queue::<u32>::new(0);
    let mut gets: Vec<_> = (0..MANY).map(|_| Box::pin(queue.get())).collect();
    let counter = queue_all(&mut gets, 7);
    assert_panics_with_the_wakers_message(|| queue.shutdown(false));
    assert_eq!(counter.0.load(Ordering::SeqCst), MANY - 1);
    let noop = Waker::from(counter.clone());
    for g in &mut gets {
        assert!(matches!(poll(g.as_mut(), &noop), Poll::Ready(Err(_))));
    }
    assert!(queue.try_put(1).is_err());
}

#[test]
fn barrier_abort_wakes_every_other_party_and_passes_the_panic_on() {
    let barrier = Barrier::new(MANY + 1);
    let mut waits: Vec<_> = (0..MANY).map(|_| Box::pin(barrier.wait())).collect();
    let counter = queue_all(&mut waits, 50);
    assert_panics_with_the_wakers_message(|| barrier.abort());
    assert_eq!(counter.0.load(Ordering::SeqCst), MANY - 1);
    let noop = Waker::from(counter.clone());
    for w in &mut waits {
        assert!(matches!(poll(w.as_mut(), &noop), Poll::Ready(Err(_))));
    }
    barrier.reset();
    assert!(!barrier.is_broken());
}

/// A granted semaphore waiter that, when it resumes, hands permits on to a waiter whose
/// waker panics: it still gets its permit, and every count stays exact.
#[test]
fn a_resuming_semaphore_waiter_keeps_its_permit() {
    let sem = Semaphore::new(0);
    let counter = Arc::new(Counting(AtomicUsize::new(0)));
    let good = Waker::from(counter.clone());
    let panicking = Waker::from(Arc::new(Panicking));
    let mut first = Box::pin(sem.acquire());
    assert!(poll(first.as_mut(), &good).is_pending());
    sem.add_permits(2); // one to `first`, one left free behind it
    let mut second = Box::pin(sem.acquire());
    assert!(poll(second.as_mut(), &panicking).is_pending()); // queued behind the grant
    let Poll::Ready(permit) = poll(first.as_mut(), &good) else {
        panic!("the resuming waiter lost its permit")
    };
    let Poll::Ready(other) = poll(second.as_mut(), &good) else {
        panic!("the permit left behind was not handed on")
    };
    drop((permit, other, first, second));
    assert_eq!(sem.available_permits(), 2);
    assert!(!sem.locked());
}

/// A getter that takes its reserved item and grants the freed slot to a putter whose waker
/// panics: the getter still gets the item, and the putter still puts.
#[test]
fn a_resuming_getter_keeps_its_item() {
    let queue = Queue::new(1);
    let counter = Arc::new(Counting(AtomicUsize::new(0)));
    let good = Waker::from(counter.clone());
    let panicking = Waker::from(Arc::new(Panicking));
    let mut get = Box::pin(queue.get());
    assert!(poll(get.as_mut(), &good).is_pending());
    queue.try_put(1).unwrap(); // reserved for `get`
    let mut put = Box::pin(queue.put(2));
    assert!(poll(put.as_mut(), &panicking).is_pending());
    assert_eq!(poll(get.as_mut(), &good), Poll::Ready(Ok(1)));
    assert_eq!(poll(put.as_mut(), &good), Poll::Ready(Ok(())));
    assert_eq!(queue.try_get(), Ok(2));
    assert!(queue.try_put(3).is_ok(), "a slot was lost");
}

/// An immediate shutdown whose waking of a blocked putter panics still finishes its job:
/// the items it dropped count as done, so `join()` is woken, before the panic is passed on.
#[test]
fn queue_shutdown_with_a_panicking_putter_still_finishes_join() {
    let queue = Queue::new(1);
    queue.try_put(1).unwrap();
    let mut puts = [Box::pin(queue.put(2))];
    queue_all(&mut puts, 0); // the putter's waker panics
    let mut join = Box::pin(queue.join());
    let counter = Arc::new(Counting(AtomicUsize::new(0)));
    let joiner = Waker::from(counter.clone());
    assert!(poll(join.as_mut(), &joiner).is_pending());
    assert_panics_with_the_wakers_message(|| queue.shutdown(true));
    assert_eq!(
        counter.0.load(Ordering::SeqCst),
        1,
        "the joiner was not woken"
    );
    assert!(poll(join.as_mut(), &joiner).is_ready());
    assert!(matches!(
        poll(puts[0].as_mut(), &joiner),
        Poll::Ready(Err(_))
    ));
}
