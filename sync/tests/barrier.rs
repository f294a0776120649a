//! Barrier: n waiters released together with distinct indices, reusable, abort/reset.

mod common;

use common::{on_each_executor, poll_once};
use corio_sync::{Barrier, BrokenBarrierError};
use std::rc::Rc;
use std::task::Poll;

#[test]
fn a_round_releases_together_with_distinct_indices_and_one_leader() {
    on_each_executor(|exec| async move {
        let barrier = Rc::new(Barrier::new(3));
        for _round in 0..3 {
            let tasks: Vec<_> = (0..3)
                .map(|_| {
                    let barrier = barrier.clone();
                    exec.spawn(async move { barrier.wait().await.unwrap() })
                })
                .collect();
            let mut results = Vec::new();
            for task in tasks {
                results.push(task.await);
            }
            let mut indices: Vec<_> = results.iter().map(|r| r.index()).collect();
            indices.sort();
            assert_eq!(indices, [0, 1, 2]);
            assert_eq!(results.iter().filter(|r| r.is_leader()).count(), 1);
            assert_eq!(barrier.n_waiting(), 0);
        }
    });
}

#[test]
fn nobody_passes_before_the_last_arrives() {
    on_each_executor(|_exec| async move {
        let barrier = Barrier::new(3);
        let mut a = Box::pin(barrier.wait());
        let mut b = Box::pin(barrier.wait());
        assert!(poll_once(&mut a).await.is_pending());
        assert!(poll_once(&mut b).await.is_pending());
        assert_eq!(barrier.n_waiting(), 2);
        assert!(poll_once(&mut a).await.is_pending());
        let c = barrier.wait().await.unwrap();
        assert_eq!((c.index(), c.is_leader()), (2, true));
        let Poll::Ready(Ok(a)) = poll_once(&mut a).await else {
            panic!("a not released")
        };
        let Poll::Ready(Ok(b)) = poll_once(&mut b).await else {
            panic!("b not released")
        };
        assert_eq!((a.index(), b.index()), (0, 1));
    });
}

#[test]
fn arrivals_while_a_round_is_leaving_wait_for_the_next_round() {
    on_each_executor(|_exec| async move {
        let barrier = Barrier::new(2);
        let mut a = Box::pin(barrier.wait());
        assert!(poll_once(&mut a).await.is_pending());
        barrier.wait().await.unwrap(); // releases a's round; a has not run yet
        let mut late = Box::pin(barrier.wait());
        assert!(
            poll_once(&mut late).await.is_pending(),
            "a late arrival joined the leaving round"
        );
        assert!(poll_once(&mut a).await.is_ready());
        assert!(poll_once(&mut late).await.is_pending());
        barrier.wait().await.unwrap();
        assert!(poll_once(&mut late).await.is_ready());
    });
}

#[test]
fn a_cancelled_waiter_no_longer_counts() {
    on_each_executor(|_exec| async move {
        let barrier = Barrier::new(2);
        let mut a = Box::pin(barrier.wait());
        assert!(poll_once(&mut a).await.is_pending());
        drop(a);
        assert_eq!(barrier.n_waiting(), 0);
        let mut b = Box::pin(barrier.wait());
        assert!(poll_once(&mut b).await.is_pending());
        let c = barrier.wait().await.unwrap();
        let Poll::Ready(Ok(b)) = poll_once(&mut b).await else {
            panic!("b not released")
        };
        assert_eq!((b.index(), c.index()), (0, 1));
    });
}

#[test]
fn abort_breaks_current_and_later_waits_until_reset() {
    on_each_executor(|_exec| async move {
        let barrier = Barrier::new(2);
        let mut a = Box::pin(barrier.wait());
        assert!(poll_once(&mut a).await.is_pending());
        barrier.abort();
        assert_eq!(
            poll_once(&mut a).await,
            Poll::Ready(Err(BrokenBarrierError))
        );
        assert!(barrier.is_broken());
        assert_eq!(barrier.wait().await, Err(BrokenBarrierError));
        barrier.reset();
        assert!(!barrier.is_broken());
        let (x, y) = futures::join!(barrier.wait(), barrier.wait());
        assert!(x.is_ok() && y.is_ok());
    });
}

#[test]
fn reset_fails_the_current_waiters_and_empties_the_barrier() {
    on_each_executor(|_exec| async move {
        let barrier = Barrier::new(2);
        let mut a = Box::pin(barrier.wait());
        assert!(poll_once(&mut a).await.is_pending());
        barrier.reset();
        let Poll::Ready(Err(err)) = poll_once(&mut a).await else {
            panic!("a not failed by reset")
        };
        assert!(err.to_string().contains("broken"), "{err}");
        assert_eq!(barrier.n_waiting(), 0);
        assert!(!barrier.is_broken());
    });
}

#[test]
fn zero_parties_are_refused() {
    let err = Barrier::try_new(0).unwrap_err();
    assert!(err.to_string().contains("at least one party"), "{err}");
    let panic = std::panic::catch_unwind(|| Barrier::new(0)).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(message.contains("Barrier::new(0)"), "{message}");
    let one = Barrier::new(1);
    let r = futures::executor::block_on(one.wait()).unwrap();
    assert_eq!((r.index(), r.is_leader()), (0, true));
}
