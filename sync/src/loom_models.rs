//! The loom models of the crate's cross-thread handshakes, one section per handshake: the
//! state lock's flag, a mutex hand-off, semaphore grants, an event's set, the lock-free
//! re-poll of a queued waiter, a queue's reservations and join, a barrier's rounds. Each
//! races the operation that grants or wakes against a waiter being polled, cancelled or
//! queued, and checks that nothing is lost (a lost wake-up leaves a `block_on` blocked, which
//! loom reports as a deadlock).
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release -p corio-sync --lib loom` (the
//! shim they run against is `src/loom.rs`).

use crate::{Event, Mutex, Queue, Semaphore};
use futures::task::noop_waker;
use loom::sync::Arc;
use loom::thread;
use std::future::Future;
use std::task::{Context, Poll};

/// Polls `fut` once (queueing its waiter unless it is ready), then drops it: a cancelled
/// wait. Returns the output if that one poll finished it.
fn poll_once_then_drop<F: Future>(fut: F) -> Option<F::Output> {
    let waker = noop_waker();
    let mut fut = Box::pin(fut);
    match fut.as_mut().poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

// ---- The state lock's flag: two threads never hold it at once ----

/// The state lock's flag on its own (the primitives' models use loom's mutex in its place):
/// two threads take it and write the cell it guards; loom reports any overlapping access.
#[test]
fn loom_spin_flag_excludes() {
    use crate::state_lock::SpinFlag;
    use loom::cell::UnsafeCell;
    struct Guarded {
        flag: SpinFlag,
        count: UnsafeCell<u32>,
    }
    // SAFETY: `count` is only touched while `flag` is held.
    unsafe impl Sync for Guarded {}
    loom::model(|| {
        let shared = Arc::new(Guarded {
            flag: SpinFlag::new(),
            count: UnsafeCell::new(0),
        });
        let other = {
            let shared = shared.clone();
            thread::spawn(move || {
                shared.flag.lock();
                // SAFETY: the flag is held.
                shared.count.with_mut(|count| unsafe { *count += 1 });
                shared.flag.unlock();
            })
        };
        shared.flag.lock();
        // SAFETY: the flag is held.
        shared.count.with_mut(|count| unsafe { *count += 1 });
        shared.flag.unlock();
        other.join().unwrap();
        shared.flag.lock();
        // SAFETY: the flag is held, and both writers are done.
        assert_eq!(shared.count.with(|count| unsafe { *count }), 2);
        shared.flag.unlock();
    });
}

// ---- Mutex: a release hands the lock to the head waiter, or past it if it was cancelled ----

#[test]
fn loom_mutex_release_races_a_cancelled_waiter() {
    loom::model(|| {
        let mutex = Arc::new(Mutex::new(0));
        let guard = mutex.try_lock().unwrap();
        let waiter = {
            let mutex = mutex.clone();
            thread::spawn(move || drop(poll_once_then_drop(mutex.lock())))
        };
        drop(guard);
        waiter.join().unwrap();
        // Whether the waiter was granted before it was dropped or not, the lock is free.
        assert!(mutex.try_lock().is_ok(), "the lock was lost");
    });
}

#[test]
fn loom_mutex_handoff_wakes_the_waiter() {
    loom::model(|| {
        let mutex = Arc::new(Mutex::new(0));
        let guard = mutex.try_lock().unwrap();
        let waiter = {
            let mutex = mutex.clone();
            thread::spawn(move || loom::future::block_on(async { *mutex.lock().await += 1 }))
        };
        drop(guard);
        waiter.join().unwrap();
        assert_eq!(*mutex.try_lock().unwrap(), 1);
    });
}

// ---- Semaphore: grants, partial collection and grants returning, against cancellation ----

#[test]
fn loom_semaphore_cancelled_head_gives_back_collected_permits() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(2));
        let held = sem.try_acquire().unwrap();
        let big = {
            let sem = sem.clone();
            // Collects the one free permit while queued, then is cancelled.
            thread::spawn(move || drop(poll_once_then_drop(sem.acquire_many(2))))
        };
        drop(held);
        big.join().unwrap();
        assert_eq!(sem.available_permits(), 2, "a permit was lost");
        assert!(!sem.locked());
    });
}

#[test]
fn loom_semaphore_release_reaches_every_waiter() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let held = sem.try_acquire().unwrap();
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let sem = sem.clone();
                thread::spawn(move || drop(loom::future::block_on(sem.acquire())))
            })
            .collect();
        drop(held);
        for w in waiters {
            w.join().unwrap();
        }
        assert_eq!(sem.available_permits(), 1);
    });
}

/// A semaphore grant that returns while another task queued behind it (permits left free
/// meanwhile): the returning grant must hand those permits on, or the queued task hangs
/// (loom reports it as a deadlock).
#[test]
fn loom_semaphore_returning_grant_hands_on_permits_freed_behind_it() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let first = {
            let sem = sem.clone();
            thread::spawn(move || drop(loom::future::block_on(sem.acquire())))
        };
        let second = {
            let sem = sem.clone();
            thread::spawn(move || drop(loom::future::block_on(sem.acquire())))
        };
        sem.add_permits(2);
        first.join().unwrap();
        second.join().unwrap();
        assert_eq!(sem.available_permits(), 2, "a permit was lost");
        assert!(!sem.locked());
    });
}

/// Polls `fut` once with a waker that does nothing (queueing its waiter unless it is ready),
/// keeping it: another thread may go on to await it.
fn poll_once<F: Future>(fut: &mut std::pin::Pin<Box<F>>) -> Poll<F::Output> {
    let waker = noop_waker();
    fut.as_mut().poll(&mut Context::from_waker(&waker))
}

/// A grant racing a new acquire: a waiter is granted one of two permits (the other is left
/// free behind its grant), then resumes on one thread while a new `acquire` arrives on
/// another, and keeps its permit. The new acquire must not take the free permit while the
/// grant is out, and whichever way it goes (it queues behind the grant and the returning
/// grant hands it the permit, or it finds the grant ended and takes it itself) it is served
/// and no permit is lost; a lost hand-on leaves it blocked, which loom reports as a deadlock.
#[test]
fn loom_semaphore_grant_races_a_new_acquire() {
    loom::model(|| {
        // std's `Arc`: `acquire_owned` takes one (its count is no part of the race).
        let sem = std::sync::Arc::new(Semaphore::new(0));
        let mut granted = Box::pin(sem.clone().acquire_owned());
        assert!(poll_once(&mut granted).is_pending());
        sem.add_permits(2);
        assert_eq!(sem.available_permits(), 1);
        assert!(sem.try_acquire().is_err(), "barged past a granted waiter");
        let resumer = thread::spawn(move || loom::future::block_on(granted));
        let newcomer = {
            let sem = sem.clone();
            thread::spawn(move || drop(loom::future::block_on(sem.acquire())))
        };
        // The resumed waiter keeps its permit until the newcomer is served, so only the
        // grant's return can serve it.
        let held = resumer.join().unwrap();
        newcomer.join().unwrap();
        drop(held);
        assert_eq!(sem.available_permits(), 2, "a permit was lost");
        assert!(!sem.locked(), "a grant was never uncounted");
    });
}

/// A granted waiter dropped before it resumes, racing the release that grants it: either it
/// leaves the queue before the grant, or it ends its grant and passes the permit on. Either
/// way the next waiter is served, and once it is done nothing blocks the semaphore.
#[test]
fn loom_semaphore_dropped_granted_waiter_passes_its_grant_on() {
    loom::model(|| {
        // std's `Arc`: `acquire_owned` takes one (its count is no part of the race).
        let sem = std::sync::Arc::new(Semaphore::new(0));
        let mut first = Box::pin(sem.clone().acquire_owned());
        assert!(poll_once(&mut first).is_pending());
        let mut second = Box::pin(sem.clone().acquire_owned());
        assert!(poll_once(&mut second).is_pending());
        let releaser = {
            let sem = sem.clone();
            thread::spawn(move || sem.add_permits(1))
        };
        let next = thread::spawn(move || drop(loom::future::block_on(second)));
        drop(first);
        releaser.join().unwrap();
        next.join().unwrap();
        assert_eq!(sem.available_permits(), 1, "a permit was lost");
        assert!(!sem.locked(), "a grant was never uncounted");
    });
}

// ---- Event: a set wakes every waiter queued before it ----

#[test]
fn loom_event_set_races_waiters_and_a_drop() {
    loom::model(|| {
        let event = Arc::new(Event::new());
        let waiter = {
            let event = event.clone();
            thread::spawn(move || loom::future::block_on(event.wait()))
        };
        let dropped = {
            let event = event.clone();
            thread::spawn(move || {
                let _ = poll_once_then_drop(event.wait());
            })
        };
        event.set();
        waiter.join().unwrap();
        dropped.join().unwrap();
        assert!(event.is_set());
    });
}

// ---- The lock-free re-poll of a queued waiter (`WaitFuture::poll`) against the wake it waits for ----

/// Drives `fut` with one clone of the `block_on` waker, polling it twice in a row the first
/// time (a re-poll while queued). loom's own waker builds its vtable in two places, so it and
/// its clones never pass `will_wake`; clones of one clone do, as a real executor's waker
/// does, and that is what the lock-free re-poll in `WaitFuture::poll` needs to be exercised.
async fn poll_twice_then_await<F: Future>(fut: F) -> F::Output {
    let waker = std::future::poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
    let mut fut = std::pin::pin!(fut);
    let mut first = true;
    std::future::poll_fn(|_| {
        let mut cx = Context::from_waker(&waker);
        if std::mem::take(&mut first) {
            if let Poll::Ready(output) = fut.as_mut().poll(&mut cx) {
                return Poll::Ready(output);
            }
        }
        fut.as_mut().poll(&mut cx)
    })
    .await
}

/// A waiter polled again while queued, by the same task, takes the lock-free path in
/// `WaitFuture::poll`; the `set` racing it must still reach it (no lost wake-up: loom would
/// report the blocked `block_on` as a deadlock).
#[test]
fn loom_event_repoll_while_queued_races_set() {
    loom::model(|| {
        let event = Arc::new(Event::new());
        let waiter = {
            let event = event.clone();
            thread::spawn(move || loom::future::block_on(poll_twice_then_await(event.wait())))
        };
        event.set();
        waiter.join().unwrap();
    });
}

/// The same race on a mutex hand-off: the releaser pops the re-polled waiter and wakes it.
#[test]
fn loom_mutex_repoll_while_queued_races_the_handoff() {
    loom::model(|| {
        let mutex = Arc::new(Mutex::new(0));
        let guard = mutex.try_lock().unwrap();
        let waiter = {
            let mutex = mutex.clone();
            thread::spawn(move || {
                loom::future::block_on(async { *poll_twice_then_await(mutex.lock()).await += 1 })
            })
        };
        drop(guard);
        waiter.join().unwrap();
        assert_eq!(*mutex.try_lock().unwrap(), 1);
    });
}

// ---- Queue: reserved items and granted slots against cancellation; join's deferred wake ----

#[test]
fn loom_queue_put_races_a_cancelled_getter() {
    loom::model(|| {
        let queue = Arc::new(Queue::new(1));
        let getter = {
            let queue = queue.clone();
            thread::spawn(move || poll_once_then_drop(queue.get()))
        };
        queue.try_put(7).unwrap();
        let got_by_getter = getter.join().unwrap();
        // Either the getter's one poll took the item, or it was cancelled while queued
        // (perhaps after the item was reserved for it): then the item is still here.
        match got_by_getter {
            Some(item) => {
                assert_eq!(item, Ok(7));
                assert_eq!(queue.try_get(), Err(crate::TryGetError::Empty));
            }
            None => assert_eq!(
                queue.try_get(),
                Ok(7),
                "the item was lost with the cancelled getter"
            ),
        }
    });
}

#[test]
fn loom_queue_get_wakes_a_blocked_putter() {
    loom::model(|| {
        let queue = Arc::new(Queue::new(1));
        queue.try_put(1).unwrap();
        let putter = {
            let queue = queue.clone();
            thread::spawn(move || loom::future::block_on(queue.put(2)).unwrap())
        };
        assert_eq!(loom::future::block_on(queue.get()), Ok(1));
        putter.join().unwrap();
        assert_eq!(queue.try_get(), Ok(2));
    });
}

/// A put granted a slot by a get, cancelled before it ran: it must not have inserted, and
/// the slot must not be lost.
#[test]
fn loom_queue_granted_put_cancelled_never_inserts() {
    loom::model(|| {
        let queue = Arc::new(Queue::new(1));
        queue.try_put(1).unwrap();
        let putter = {
            let queue = queue.clone();
            thread::spawn(move || poll_once_then_drop(queue.put(2)))
        };
        assert_eq!(queue.try_get(), Ok(1));
        match putter.join().unwrap() {
            Some(result) => {
                assert!(result.is_ok());
                assert_eq!(queue.try_get(), Ok(2));
            }
            None => assert_eq!(
                queue.try_get(),
                Err(crate::TryGetError::Empty),
                "a cancelled put inserted its item"
            ),
        }
        queue.try_put(3).expect("the granted slot was lost");
    });
}

/// The last `task_done()` sets `join()`'s event under the queue lock and wakes the joiner
/// after releasing it, while a put clears the event again: a joiner that queued before the
/// set is woken whatever the put does, and one that queues after the clear is woken by the
/// next `task_done()` (a lost wake-up would leave `block_on` blocked: loom reports it).
#[test]
fn loom_queue_task_done_wakes_a_joiner_after_unlocking() {
    loom::model(|| {
        let queue = Arc::new(Queue::new(0));
        queue.try_put(1).unwrap();
        assert_eq!(queue.try_get(), Ok(1));
        let joiner = {
            let queue = queue.clone();
            thread::spawn(move || loom::future::block_on(queue.join()))
        };
        queue.task_done().unwrap();
        queue.try_put(2).unwrap();
        assert_eq!(queue.try_get(), Ok(2));
        queue.task_done().unwrap();
        joiner.join().unwrap();
    });
}

// ---- Barrier: a round's release and its drain ----

#[test]
fn loom_barrier_releases_both_parties_with_distinct_indices() {
    loom::model(|| {
        let barrier = Arc::new(crate::Barrier::new(2));
        let other = {
            let barrier = barrier.clone();
            thread::spawn(move || loom::future::block_on(barrier.wait()).unwrap())
        };
        let mine = loom::future::block_on(barrier.wait()).unwrap();
        let theirs = other.join().unwrap();
        assert_ne!(mine.index(), theirs.index());
        assert_ne!(mine.is_leader(), theirs.is_leader());
    });
}

/// Two parties meeting twice in a row: a party that waits again while the first round still
/// drains is held, and must be let in (not forgotten) once the other party has resumed.
#[test]
fn loom_barrier_rewait_is_let_in_once_the_round_drains() {
    loom::model(|| {
        let barrier = Arc::new(crate::Barrier::new(2));
        let meet_twice = |barrier: Arc<crate::Barrier>| {
            loom::future::block_on(async {
                barrier.wait().await.unwrap();
                barrier.wait().await.unwrap();
            })
        };
        let other = {
            let barrier = barrier.clone();
            thread::spawn(move || meet_twice(barrier))
        };
        meet_twice(barrier.clone());
        other.join().unwrap();
        assert_eq!(barrier.n_waiting(), 0);
    });
}
