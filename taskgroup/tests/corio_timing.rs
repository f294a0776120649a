//! Timing rules on corio's paused clock: virtual time jumps to the next deadline, so these
//! assertions are exact, and the corio-default forms (`TaskGroup::new`, `scope`, `gather`,
//! `gather!`, `race`, `as_completed`, `with_timeout`).
#![cfg(feature = "corio")]

mod common;

use std::future::Future;
use std::time::Duration;

use common::DropFlag;
use corio_executor::time::{sleep, Instant};
use corio_executor::Runtime;
use corio_taskgroup::{as_completed, gather, gather_settled, race, TaskGroup};

const MS: Duration = Duration::from_millis(1);

fn on_paused_clock<F: Future>(future: F) -> F::Output {
    Runtime::builder()
        .start_paused(true)
        .build()
        .block_on(future)
}

/// "A fails at 100 ms, B sleeps 10 s": the group returns at exactly 100 ms of virtual time
/// with one error, and B's destructor ran.
#[test]
fn group_returns_at_the_first_failure_not_the_slowest_sibling() {
    on_paused_clock(async {
        let b_dropped = DropFlag::new();
        let guard = b_dropped.guard();
        let start = Instant::now();
        let outcome = TaskGroup::<&str>::scope(|tg| async move {
            tg.spawn(async {
                sleep(100 * MS).await;
                Err::<(), _>("A failed")
            })
            .unwrap();
            tg.spawn(async move {
                let _guard = guard;
                sleep(Duration::from_secs(10)).await;
                Ok(())
            })
            .unwrap();
            Ok(())
        })
        .await;
        assert_eq!(start.elapsed(), 100 * MS);
        assert_eq!(outcome.unwrap_err().errors(), ["A failed"]);
        assert!(b_dropped.is_set());
    });
}

/// The body is cancelled with the children, at the time of the failure.
#[test]
fn body_is_cancelled_at_the_time_of_the_failure() {
    on_paused_clock(async {
        let body_dropped = DropFlag::new();
        let guard = body_dropped.guard();
        let start = Instant::now();
        let outcome = TaskGroup::<&str>::scope(|tg| async move {
            let _guard = guard;
            tg.spawn(async {
                sleep(30 * MS).await;
                Err::<(), _>("child failed")
            })
            .unwrap();
            sleep(Duration::from_secs(60)).await;
            Ok("body finished")
        })
        .await;
        assert_eq!(start.elapsed(), 30 * MS);
        assert_eq!(outcome.unwrap_err().errors(), ["child failed"]);
        assert!(body_dropped.is_set());
    });
}

/// The group finishes when its slowest child does, including grandchildren.
#[test]
fn group_waits_for_children_added_by_children() {
    on_paused_clock(async {
        let start = Instant::now();
        let tg = TaskGroup::<()>::new();
        let handle = tg.handle();
        tg.spawn(async move {
            sleep(10 * MS).await;
            handle
                .spawn(async {
                    sleep(40 * MS).await;
                    Ok(())
                })
                .unwrap();
            Ok(())
        })
        .unwrap();
        tg.await.unwrap();
        assert_eq!(start.elapsed(), 50 * MS);
    });
}

/// The group-wide deadline cancels the group with a timeout error at exactly its time.
#[test]
fn deadline_cancels_at_exactly_its_time() {
    on_paused_clock(async {
        let sleeper = DropFlag::new();
        let guard = sleeper.guard();
        let start = Instant::now();
        let tg = TaskGroup::<()>::new().with_timeout(50 * MS);
        tg.spawn(async move {
            let _guard = guard;
            sleep(Duration::from_secs(10)).await;
            Ok(())
        })
        .unwrap();
        let error = tg.wait().await.unwrap_err();
        assert!(error.is_timeout());
        assert_eq!(start.elapsed(), 50 * MS);
        assert!(sleeper.is_set());
    });
}

/// A group that finishes before its deadline returns when it finishes, successfully.
#[test]
fn deadline_not_reached_is_not_an_error() {
    on_paused_clock(async {
        let start = Instant::now();
        let outcome = TaskGroup::<()>::new()
            .with_timeout(Duration::from_secs(1))
            .run(|tg| async move {
                let child = tg.spawn(async {
                    sleep(10 * MS).await;
                    Ok(7)
                });
                Ok(child.unwrap().await.unwrap())
            })
            .await;
        assert_eq!(outcome, Ok(7));
        assert_eq!(start.elapsed(), 10 * MS);
    });
}

/// gather returns the first error at its time; the slower future runs on and finishes at
/// its own time in the background.
#[test]
fn gather_returns_first_error_at_once_and_others_run_on() {
    on_paused_clock(async {
        let (done_tx, done_rx) = futures::channel::oneshot::channel::<Instant>();
        let mut done_tx = Some(done_tx);
        let start = Instant::now();
        let outcome = gather([10u64, 30].map(|ms| {
            let done_tx = if ms == 30 { done_tx.take() } else { None };
            async move {
                sleep(Duration::from_millis(ms)).await;
                match done_tx {
                    Some(tx) => {
                        tx.send(Instant::now()).unwrap();
                        Ok(ms)
                    }
                    None => Err("the 10 ms one failed"),
                }
            }
        }))
        .await;
        assert_eq!(outcome, Err("the 10 ms one failed"));
        assert_eq!(start.elapsed(), 10 * MS);
        let finished_at = done_rx.await.expect("the 30 ms future was not cancelled");
        assert_eq!(finished_at - start, 30 * MS);
    });
}

/// gather's outputs come in argument order; gather_settled gives every outcome; the
/// whole thing takes as long as the slowest future.
#[test]
fn gather_orders_by_argument_and_takes_the_slowest_time() {
    on_paused_clock(async {
        let start = Instant::now();
        let outputs = gather([30u64, 10, 20].map(|ms| async move {
            sleep(Duration::from_millis(ms)).await;
            Ok::<_, ()>(ms)
        }))
        .await;
        assert_eq!(outputs, Ok(vec![30, 10, 20]));
        assert_eq!(start.elapsed(), 30 * MS);
        let outcomes = gather_settled([20u64, 10].map(|ms| async move {
            sleep(Duration::from_millis(ms)).await;
            if ms == 10 {
                Err(ms)
            } else {
                Ok(ms)
            }
        }))
        .await;
        assert_eq!(outcomes, vec![Ok(20), Err(10)]);
        assert_eq!(start.elapsed(), 50 * MS);
    });
}

/// `gather!` with the default spawner.
#[test]
fn gather_macro_on_corio() {
    on_paused_clock(async {
        let start = Instant::now();
        let both = corio_taskgroup::gather!(
            async {
                sleep(20 * MS).await;
                Ok::<_, ()>(1u8)
            },
            async {
                sleep(10 * MS).await;
                Ok::<_, ()>("ten")
            },
        )
        .await;
        assert_eq!(both, Ok((1u8, "ten")));
        assert_eq!(start.elapsed(), 20 * MS);
    });
}

/// race: the first to finish wins at its time; as_completed: completion order.
#[test]
fn race_and_as_completed_follow_the_clock() {
    on_paused_clock(async {
        let start = Instant::now();
        let winner = race([10u64, 1, 5].map(|ms| async move {
            sleep(Duration::from_millis(ms)).await;
            ms
        }))
        .await;
        assert_eq!(winner, Some(1));
        assert_eq!(start.elapsed(), MS);

        let mut done = as_completed([30u64, 10, 20].map(|ms| async move {
            sleep(Duration::from_millis(ms)).await;
            ms
        }));
        let mut seen = Vec::new();
        while let Some(ms) = done.next().await {
            seen.push((ms, (Instant::now() - start).as_millis() as u64));
        }
        assert_eq!(seen, [(10, 11), (20, 21), (30, 31)]);
    });
}

/// The corio-default constructors name the mistake outside a runtime.
#[test]
#[should_panic(expected = "outside a corio runtime")]
fn task_group_new_outside_a_runtime_names_the_mistake() {
    drop(TaskGroup::<()>::new());
}
