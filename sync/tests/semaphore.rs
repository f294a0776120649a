//! Semaphore: FIFO, big requests block smaller ones behind them, locked(), cancellation
//! never loses a permit.

mod common;

use common::{on_each_executor, poll_once};
use corio_sync::Semaphore;
use std::cell::RefCell;
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
