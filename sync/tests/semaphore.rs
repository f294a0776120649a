//! Semaphore: FIFO, big requests block smaller ones behind them, locked(), cancellation
//! never loses a permit.

mod common;

use common::{on_each_executor, poll_once};
use corio_sync::Semaphore;
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;

#[test]
fn at_most_n_holders_and_fifo_handout() {
    on_each_executor(|exec| async move {
        let sem = Rc::new(Semaphore::new(2));
        let holders = Rc::new(RefCell::new((0usize, 0usize))); // (now, max)
        let order = Rc::new(RefCell::new(Vec::new()));
        let mut tasks = Vec::new();
        for id in 0..6 {
            let (sem, holders, order, exec2) =
                (sem.clone(), holders.clone(), order.clone(), exec.clone());
            tasks.push(exec.spawn(async move {
                let _permit = sem.acquire().await;
                order.borrow_mut().push(id);
                {
                    let mut h = holders.borrow_mut();
                    h.0 += 1;
                    h.1 = h.1.max(h.0);
                }
                exec2.settle().await;
                holders.borrow_mut().0 -= 1;
            }));
        }
        for task in tasks {
            task.await;
        }
        assert_eq!(holders.borrow().1, 2);
        assert_eq!(*order.borrow(), [0, 1, 2, 3, 4, 5]);
        assert_eq!(sem.available_permits(), 2);
    });
}

#[test]
fn a_large_request_at_the_head_blocks_smaller_ones_behind_it() {
    on_each_executor(|_exec| async move {
        let sem = Semaphore::new(2);
        let held = sem.acquire_many(2).await;
        let mut big = Box::pin(sem.acquire_many(2));
        let mut small = Box::pin(sem.acquire());
        assert!(poll_once(&mut big).await.is_pending());
        assert!(poll_once(&mut small).await.is_pending());
        drop(held);
        let Poll::Ready(big_permit) = poll_once(&mut big).await else {
            panic!("head request not granted")
        };
        assert!(poll_once(&mut small).await.is_pending());
        drop(big_permit);
        assert!(poll_once(&mut small).await.is_ready());
    });
}

#[test]
fn partial_release_does_not_let_a_small_request_barge() {
    on_each_executor(|_exec| async move {
        let sem = Semaphore::new(3);
        let a = sem.acquire().await;
        let b = sem.acquire_many(2).await;
        let mut big = Box::pin(sem.acquire_many(3));
        assert!(poll_once(&mut big).await.is_pending());
        drop(a); // one permit free, but `big` is first in line
        assert!(
            sem.try_acquire().is_err(),
            "try_acquire barged past a queued waiter"
        );
        let mut small = Box::pin(sem.acquire());
        assert!(poll_once(&mut small).await.is_pending());
        drop(b);
        assert!(poll_once(&mut big).await.is_ready());
        assert!(poll_once(&mut small).await.is_ready());
    });
}

#[test]
fn locked_is_true_when_no_permit_is_free_or_someone_waits() {
    on_each_executor(|_exec| async move {
        let sem = Semaphore::new(1);
        assert!(!sem.locked());
        let p = sem.acquire().await;
        assert!(sem.locked());
        let mut waiter = Box::pin(sem.acquire());
        assert!(poll_once(&mut waiter).await.is_pending());
        drop(p);
        assert!(sem.locked(), "the permit went to the waiter");
        drop(waiter); // granted, then cancelled: the permit comes back
        assert!(!sem.locked());
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn cancelling_waiters_never_loses_permits() {
    on_each_executor(|_exec| async move {
        let sem = Semaphore::new(3);
        let a = sem.acquire_many(2).await;
        let mut big = Box::pin(sem.acquire_many(3)); // collects the free permit while queued
        let mut small = Box::pin(sem.acquire());
        assert!(poll_once(&mut big).await.is_pending());
        assert!(poll_once(&mut small).await.is_pending());
        assert_eq!(sem.available_permits(), 0);
        drop(big); // gives back what it collected, to `small`
        assert!(poll_once(&mut small).await.is_ready());
        drop(small);
        drop(a);
        assert_eq!(sem.available_permits(), 3);
    });
}

#[test]
fn add_permits_wakes_waiters_and_forget_keeps_permits_out() {
    on_each_executor(|_exec| async move {
        let sem = Semaphore::new(0);
        let mut waiter = Box::pin(sem.acquire_many(2));
        assert!(poll_once(&mut waiter).await.is_pending());
        sem.add_permits(1);
        assert!(poll_once(&mut waiter).await.is_pending());
        sem.add_permits(2);
        let Poll::Ready(permit) = poll_once(&mut waiter).await else {
            panic!("not granted")
        };
        assert_eq!(sem.available_permits(), 1);
        permit.forget();
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn owned_permits_move_into_tasks() {
    on_each_executor(|exec| async move {
        let sem = Arc::new(Semaphore::new(1));
        let permit = sem.clone().acquire_owned().await;
        let task = exec.spawn(async move {
            assert_eq!(permit.num_permits(), 1);
        });
        task.await;
        assert_eq!(sem.available_permits(), 1);
        let p = sem.clone().acquire_many_owned(1).await;
        p.forget();
        assert_eq!(sem.available_permits(), 0);
    });
}

#[test]
fn try_acquire_error_names_the_problem() {
    let sem = Semaphore::new(0);
    let err = sem.try_acquire().unwrap_err();
    assert!(err.to_string().contains("not enough free permits"), "{err}");
}

#[test]
#[should_panic(expected = "MAX_PERMITS")]
fn overflowing_the_permit_count_panics_with_a_clear_message() {
    let sem = Semaphore::new(Semaphore::MAX_PERMITS);
    sem.add_permits(1);
}

/// CPython's `test_acquire_fifo_order_2`: a task that releases and re-acquires while an
/// earlier waiter was handed a permit but has not run yet queues behind that waiter.
#[test]
fn a_new_acquire_queues_behind_a_granted_waiter_that_has_not_run() {
    on_each_executor(|exec| async move {
        let sem = Rc::new(Semaphore::new(1));
        let result = Rc::new(RefCell::new(Vec::new()));
        let c1 = {
            let (sem, result) = (sem.clone(), result.clone());
            exec.spawn(async move {
                sem.acquire().await.forget();
                result.borrow_mut().push(1);
            })
        };
        let c2 = {
            let (sem, result) = (sem.clone(), result.clone());
            exec.spawn(async move {
                let permit = sem.acquire().await;
                result.borrow_mut().push(2);
                drop(permit);
                sem.acquire().await.forget();
                result.borrow_mut().push(4);
            })
        };
        let c3 = {
            let (sem, result) = (sem.clone(), result.clone());
            exec.spawn(async move {
                sem.acquire().await.forget();
                result.borrow_mut().push(3);
            })
        };
        exec.settle().await;
        sem.add_permits(1);
        sem.add_permits(1);
        c1.await;
        c2.await;
        c3.await;
        assert_eq!(*result.borrow(), [1, 2, 3, 4]);
    });
}

/// CPython's `test_acquire_fifo_order_4`: permits released while the head waiter was
/// granted but has not run stay behind it; when it runs, the waiters that queued meanwhile
/// are served, before a task it spawns then.
#[test]
fn permits_freed_behind_a_granted_waiter_go_to_the_waiters_queued_meanwhile() {
    on_each_executor(|exec| async move {
        let sem = Rc::new(Semaphore::new(0));
        let result = Rc::new(RefCell::new(Vec::new()));
        let c4 = Rc::new(RefCell::new(None));
        let c1 = {
            let (sem, result, c4, exec2) = (sem.clone(), result.clone(), c4.clone(), exec.clone());
            exec.spawn(async move {
                assert_eq!(sem.available_permits(), 0);
                sem.acquire().await.forget();
                assert_eq!(sem.available_permits(), 0, "the queued waiters were served");
                let result4 = result.clone();
                *c4.borrow_mut() = Some(exec2.spawn(async move { result4.borrow_mut().push(4) }));
                result.borrow_mut().push(1);
            })
        };
        let c2 = {
            let (sem, result) = (sem.clone(), result.clone());
            exec.spawn(async move {
                sem.add_permits(1);
                sem.add_permits(1);
                sem.add_permits(1);
                assert_eq!(sem.available_permits(), 2);
                assert!(sem.locked(), "c1 was handed a permit but has not run yet");
                sem.acquire().await.forget();
                result.borrow_mut().push(2);
            })
        };
        let c3 = {
            let (sem, result) = (sem.clone(), result.clone());
            exec.spawn(async move {
                sem.acquire().await.forget();
                assert!(sem.locked());
                result.borrow_mut().push(3);
            })
        };
        c1.await;
        c2.await;
        c3.await;
        let c4 = c4.borrow_mut().take().expect("c1 spawned c4");
        c4.await;
        assert_eq!(*result.borrow(), [1, 2, 3, 4]);
    });
}

#[test]
fn a_granted_waiter_dropped_before_it_ran_hands_the_held_back_permits_on() {
    on_each_executor(|_exec| async move {
        let sem = Semaphore::new(0);
        let mut first = Box::pin(sem.acquire());
        assert!(poll_once(&mut first).await.is_pending());
        sem.add_permits(2); // one to `first`, one left free behind it
        assert!(sem.locked());
        let mut second = Box::pin(sem.acquire());
        assert!(
            poll_once(&mut second).await.is_pending(),
            "barged past a granted waiter"
        );
        drop(first); // never ran: its permit and the held-back one go on
        let Poll::Ready(permit) = poll_once(&mut second).await else {
            panic!("the held-back permit was stranded")
        };
        drop(permit);
        assert_eq!(sem.available_permits(), 2);
        assert!(!sem.locked());
    });
}

#[test]
#[should_panic(expected = "more permits than any semaphore can hold")]
fn acquire_many_beyond_max_permits_panics_at_once() {
    let sem = Semaphore::new(1);
    let _never = sem.acquire_many(Semaphore::MAX_PERMITS + 1);
}

#[test]
#[should_panic(expected = "more permits than any semaphore can hold")]
fn acquire_many_owned_beyond_max_permits_panics_at_once() {
    let sem = Arc::new(Semaphore::new(1));
    let _never = sem.acquire_many_owned(usize::MAX);
}

#[test]
fn a_request_above_the_current_total_can_still_be_met_by_add_permits() {
    on_each_executor(|_exec| async move {
        let sem = Semaphore::new(1);
        let mut big = Box::pin(sem.acquire_many(3));
        assert!(poll_once(&mut big).await.is_pending());
        sem.add_permits(2);
        assert!(poll_once(&mut big).await.is_ready());
    });
}

/// More waiters granted at once than the semaphore counts grants for (65 535 on 64-bit
/// targets): the rest stay queued with their permits free behind them, and each grant that
/// returns hands them on, so every waiter is served and no permit is lost.
#[test]
fn more_simultaneous_grants_than_the_grant_count_holds() {
    let waiters = if usize::BITS >= 64 { 70_000 } else { 300 };
    let sem = Semaphore::new(0);
    let waker = futures::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut acquires: Vec<_> = (0..waiters).map(|_| Box::pin(sem.acquire())).collect();
    for a in &mut acquires {
        assert!(a.as_mut().poll(&mut cx).is_pending());
    }
    sem.add_permits(waiters);
    let mut permits = Vec::with_capacity(waiters);
    for (i, a) in acquires.iter_mut().enumerate() {
        let Poll::Ready(permit) = a.as_mut().poll(&mut cx) else {
            panic!("waiter {i} was not served")
        };
        permits.push(permit);
    }
    assert_eq!(sem.available_permits(), 0);
    drop(permits);
    drop(acquires);
    assert_eq!(sem.available_permits(), waiters);
    assert!(!sem.locked());
}
