//! Barrier: n waiters released together with distinct indices, reusable, abort/reset, the
//! draining phase (CPython's draining/resetting tests), cancellation in any order.

mod common;

use common::{on_each_executor, poll_once, watchdog};
use corio_sync::{Barrier, BrokenBarrierError};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

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

const N: usize = 5;

fn counter() -> Rc<Cell<usize>> {
    Rc::new(Cell::new(0))
}

fn bump(c: &Cell<usize>) -> usize {
    c.set(c.get() + 1);
    c.get()
}

/// While a released round drains, a task that waits again is held (it does not form a round
/// with other arrivals), `n_waiting()` is 0, and the barrier says it is draining.
#[test]
fn a_rewaiting_task_is_held_until_the_round_has_drained() {
    on_each_executor(|_exec| async move {
        let barrier = Barrier::new(2);
        let mut a = Box::pin(barrier.wait());
        assert!(poll_once(&mut a).await.is_pending());
        let b = barrier.wait().await.unwrap(); // releases a, which has not resumed
        assert!(b.is_leader());
        assert!(format!("{barrier:?}").contains("draining"), "{barrier:?}");
        assert_eq!(barrier.n_waiting(), 0);
        let mut again = Box::pin(barrier.wait());
        let mut other = Box::pin(barrier.wait());
        assert!(poll_once(&mut again).await.is_pending());
        assert!(
            poll_once(&mut other).await.is_pending(),
            "two arrivals formed a round while the last one was still draining"
        );
        let Poll::Ready(Ok(a)) = poll_once(&mut a).await else {
            panic!("a not released")
        };
        assert_eq!(a.index(), 0);
        assert!(format!("{barrier:?}").contains("filling"), "{barrier:?}");
        // The held arrivals arrive when they run.
        assert!(poll_once(&mut again).await.is_pending());
        assert_eq!(barrier.n_waiting(), 1);
        assert!(matches!(poll_once(&mut other).await, Poll::Ready(Ok(r)) if r.is_leader()));
        assert!(matches!(poll_once(&mut again).await, Poll::Ready(Ok(r)) if !r.is_leader()));
    });
}

/// CPython's `test_reset_barrier_while_tasks_draining`: the last task to pass resets the
/// barrier while the others already wait again; the reset finds no one inside, so nobody
/// breaks, and every later round completes.
#[test]
fn reset_after_the_round_drained_breaks_no_one() {
    watchdog(|| {
        on_each_executor(|exec| async move {
            let barrier = Rc::new(Barrier::new(N));
            let (count, ok2, broken2, done) = (counter(), counter(), counter(), counter());
            let tasks: Vec<_> = (0..N)
                .map(|_| {
                    let (barrier, count, ok2, broken2, done) = (
                        barrier.clone(),
                        count.clone(),
                        ok2.clone(),
                        broken2.clone(),
                        done.clone(),
                    );
                    exec.spawn(async move {
                        barrier.wait().await.unwrap();
                        if bump(&count) == N {
                            barrier.reset();
                            barrier.wait().await.unwrap();
                        } else if barrier.wait().await.is_ok() {
                            bump(&ok2);
                        } else {
                            bump(&broken2);
                        }
                        barrier.wait().await.unwrap();
                        bump(&done);
                    })
                })
                .collect();
            for task in tasks {
                task.await;
            }
            assert_eq!((ok2.get(), broken2.get(), done.get()), (N - 1, 0, N));
            assert!(!barrier.is_broken());
            assert_eq!(barrier.n_waiting(), 0);
        })
    });
}

/// CPython's `test_reset_barrier_when_tasks_half_draining`: a reset while some released
/// tasks have not resumed yet breaks exactly those.
#[test]
fn reset_while_half_drained_breaks_the_tasks_not_yet_resumed() {
    watchdog(|| {
        on_each_executor(|exec| async move {
            let barrier = Rc::new(Barrier::new(N));
            let rest = N / 2;
            let (passed, broken) = (counter(), counter());
            let tasks: Vec<_> = (0..N)
                .map(|_| {
                    let (barrier, passed, broken) =
                        (barrier.clone(), passed.clone(), broken.clone());
                    exec.spawn(async move {
                        if barrier.wait().await.is_err() {
                            bump(&broken);
                        } else if bump(&passed) == N - rest {
                            barrier.reset(); // `rest` tasks are still inside
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await;
            }
            assert_eq!(broken.get(), rest);
            assert_eq!(barrier.n_waiting(), 0);
            assert!(!format!("{barrier:?}").contains("resetting"), "{barrier:?}");
            assert!(!barrier.is_broken());
        })
    });
}

/// CPython's `test_reset_barrier_when_tasks_half_draining_half_blocking`: tasks that wait
/// again while the round drains are held, not broken, by a reset; the reset breaks only the
/// released tasks that had not resumed, and everyone then meets in one new round.
#[test]
fn reset_while_draining_spares_the_held_rewaiters() {
    watchdog(|| {
        on_each_executor(|exec| async move {
            let barrier = Rc::new(Barrier::new(N));
            let blocking = N / 2;
            let (count, broken_first, broken_held) = (counter(), counter(), counter());
            let tasks: Vec<_> = (0..N)
                .map(|_| {
                    let (barrier, count, broken_first, broken_held) = (
                        barrier.clone(),
                        count.clone(),
                        broken_first.clone(),
                        broken_held.clone(),
                    );
                    exec.spawn(async move {
                        if barrier.wait().await.is_err() {
                            bump(&broken_first);
                            barrier.wait().await.unwrap();
                        } else if bump(&count) > blocking {
                            barrier.reset();
                            barrier.wait().await.unwrap();
                        } else if barrier.wait().await.is_err() {
                            bump(&broken_held);
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await;
            }
            assert_eq!(broken_first.get(), blocking);
            assert_eq!(broken_held.get(), 0);
            assert_eq!(barrier.n_waiting(), 0);
            assert!(!format!("{barrier:?}").contains("resetting"), "{barrier:?}");
            assert!(!barrier.is_broken());
        })
    });
}

/// CPython's `test_abort_barrier_when_tasks_half_draining_half_blocking`: an abort while
/// draining breaks the held re-waiters and the released tasks not yet resumed.
#[test]
fn abort_while_draining_breaks_held_and_unresumed_tasks() {
    watchdog(|| {
        on_each_executor(|exec| async move {
            let barrier = Rc::new(Barrier::new(N));
            let blocking = N / 2;
            let (count, broken_first, broken_held) = (counter(), counter(), counter());
            let tasks: Vec<_> = (0..N)
                .map(|_| {
                    let (barrier, count, broken_first, broken_held) = (
                        barrier.clone(),
                        count.clone(),
                        broken_first.clone(),
                        broken_held.clone(),
                    );
                    exec.spawn(async move {
                        if barrier.wait().await.is_err() {
                            bump(&broken_first);
                        } else if bump(&count) > blocking {
                            barrier.abort();
                        } else if barrier.wait().await.is_err() {
                            bump(&broken_held);
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await;
            }
            assert!(barrier.is_broken());
            assert_eq!(broken_first.get(), blocking);
            assert_eq!(broken_held.get(), N - blocking - 1);
            assert_eq!(barrier.n_waiting(), 0);
        })
    });
}

/// A released task that is dropped before it resumed leaves the barrier: the drain ends
/// without it and the next round fills and releases normally.
#[test]
fn a_released_task_dropped_before_it_resumed_never_holds_up_the_drain() {
    on_each_executor(|_exec| async move {
        let barrier = Barrier::new(3);
        let mut a = Box::pin(barrier.wait());
        let mut b = Box::pin(barrier.wait());
        assert!(poll_once(&mut a).await.is_pending());
        assert!(poll_once(&mut b).await.is_pending());
        barrier.wait().await.unwrap(); // releases a and b
        let mut held = Box::pin(barrier.wait());
        assert!(poll_once(&mut held).await.is_pending());
        assert!(matches!(poll_once(&mut b).await, Poll::Ready(Ok(_))));
        drop(a); // released, never resumed: the drain ends here
        assert!(format!("{barrier:?}").contains("filling"), "{barrier:?}");
        assert!(poll_once(&mut held).await.is_pending());
        assert_eq!(barrier.n_waiting(), 1);
        let (x, y) = futures::join!(barrier.wait(), barrier.wait());
        assert!(x.is_ok() && y.is_ok());
        assert!(matches!(poll_once(&mut held).await, Poll::Ready(Ok(_))));
    });
}

/// A waker that drops another waiting future when it is woken: a cancellation that lands in
/// the middle of a release, between two wake batches.
struct DropOnWake(Mutex<Option<Pin<Box<dyn Future<Output = WaitResult> + Send>>>>);
type WaitResult = Result<corio_sync::BarrierWaitResult, BrokenBarrierError>;
impl Wake for DropOnWake {
    fn wake(self: Arc<Self>) {
        drop(self.0.lock().unwrap().take());
    }
}

struct Noop;
impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

/// The count bug: with more parties than one wake batch, a waiter of the released
/// round cancelled while the release is still waking the others used to be subtracted from
/// the next round's count, so that round released early or never. Every cancellation order.
#[test]
fn cancelling_a_released_waiter_mid_release_keeps_the_next_round_exact() {
    const PARTIES: usize = 40;
    for victim in [1, 31, 32, 35, PARTIES - 2] {
        // Owned by the futures (they outlive this scope inside the dropper), not leaked:
        // AddressSanitizer's leak check runs this test.
        let barrier = Arc::new(Barrier::new(PARTIES));
        let noop = Waker::from(Arc::new(Noop));
        let wait_on = |barrier: &Arc<Barrier>| {
            let barrier = barrier.clone();
            Box::pin(async move { barrier.wait().await })
        };
        let mut waits: Vec<_> = (0..PARTIES - 1).map(|_| Some(wait_on(&barrier))).collect();
        let dropper = Arc::new(DropOnWake(Mutex::new(None)));
        for (i, w) in waits.iter_mut().enumerate() {
            if i == victim {
                continue;
            }
            let waker = if i == 0 {
                Waker::from(dropper.clone())
            } else {
                noop.clone()
            };
            let fut = w.as_mut().unwrap().as_mut();
            assert!(fut.poll(&mut Context::from_waker(&waker)).is_pending());
        }
        let mut victim_wait = waits[victim].take().unwrap();
        assert!(victim_wait
            .as_mut()
            .poll(&mut Context::from_waker(&noop))
            .is_pending());
        *dropper.0.lock().unwrap() = Some(victim_wait);
        // The last party releases the round; waking waiter 0 drops the victim.
        let leader = futures::executor::block_on(barrier.wait()).unwrap();
        assert_eq!((leader.index(), leader.is_leader()), (PARTIES - 1, true));
        assert!(
            dropper.0.lock().unwrap().is_none(),
            "the victim was not dropped"
        );
        let mut indices = vec![leader.index()];
        for w in waits.iter_mut().flatten() {
            let Poll::Ready(Ok(r)) = w.as_mut().poll(&mut Context::from_waker(&noop)) else {
                panic!("a released waiter was not released")
            };
            indices.push(r.index());
        }
        indices.sort();
        indices.dedup();
        assert_eq!(indices.len(), PARTIES - 1, "indices must be distinct");
        // The next round: exactly PARTIES arrivals release it.
        assert_eq!(barrier.n_waiting(), 0);
        let mut next: Vec<_> = (0..PARTIES - 1).map(|_| Box::pin(barrier.wait())).collect();
        for (i, w) in next.iter_mut().enumerate() {
            assert!(
                w.as_mut()
                    .poll(&mut Context::from_waker(&noop))
                    .is_pending(),
                "released early at {i}"
            );
        }
        assert_eq!(barrier.n_waiting(), PARTIES - 1);
        assert!(futures::executor::block_on(barrier.wait())
            .unwrap()
            .is_leader());
        for w in &mut next {
            assert!(matches!(
                w.as_mut().poll(&mut Context::from_waker(&noop)),
                Poll::Ready(Ok(_))
            ));
        }
    }
}
