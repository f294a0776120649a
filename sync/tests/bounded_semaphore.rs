//! BoundedSemaphore: a Semaphore that refuses a release above its initial value.

mod common;

use common::{on_each_executor, poll_once};
use corio_sync::BoundedSemaphore;
use std::task::Poll;

#[test]
fn release_above_the_initial_value_is_refused() {
    on_each_executor(|_exec| async move {
        let sem = BoundedSemaphore::new(2);
        let err = sem.release(1).unwrap_err();
        assert_eq!(err.initial, 2);
        assert!(
            err.to_string().contains("above its initial value 2"),
            "{err}"
        );
        sem.acquire().await.forget();
        sem.acquire().await.forget();
        assert!(sem.locked());
        assert!(sem.release(3).is_err(), "3 would go above 2");
        assert_eq!(
            sem.available_permits(),
            0,
            "a refused release changes nothing"
        );
        sem.release(2).unwrap();
        assert_eq!(sem.available_permits(), 2);
        assert!(sem.release(1).is_err());
    });
}

#[test]
fn guards_give_back_and_waiters_queue_fifo() {
    on_each_executor(|_exec| async move {
        let sem = BoundedSemaphore::new(1);
        let p = sem.acquire().await;
        let mut a = Box::pin(sem.acquire());
        let mut b = Box::pin(sem.acquire());
        assert!(poll_once(&mut a).await.is_pending());
        assert!(poll_once(&mut b).await.is_pending());
        drop(p);
        assert!(poll_once(&mut b).await.is_pending(), "b must not pass a");
        let Poll::Ready(pa) = poll_once(&mut a).await else {
            panic!("a not granted")
        };
        drop(pa);
        assert!(poll_once(&mut b).await.is_ready());
    });
}

#[test]
fn a_released_permit_wakes_a_waiter() {
    on_each_executor(|_exec| async move {
        let sem = BoundedSemaphore::new(1);
        sem.try_acquire().unwrap().forget();
        let mut waiter = Box::pin(sem.acquire());
        assert!(poll_once(&mut waiter).await.is_pending());
        sem.release(1).unwrap();
        assert!(poll_once(&mut waiter).await.is_ready());
        assert_eq!(sem.initial_permits(), 1);
    });
}

#[test]
fn acquire_many_above_the_bound_panics_at_once_naming_the_bound() {
    let sem = BoundedSemaphore::new(3);
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _never = sem.acquire_many(4);
    }))
    .unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(message.contains("acquire_many(4)"), "{message}");
    assert!(message.contains("bound is 3"), "{message}");
    // At the bound is fine.
    assert_eq!(
        futures::executor::block_on(sem.acquire_many(3)).num_permits(),
        3
    );
}
