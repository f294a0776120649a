//! The timing rules on tokio's paused clock, through a `Spawn` adapter: the group does not
//! depend on corio for cancellation or timing (corio's own paused-clock versions are in
//! `corio_timing.rs`). Virtual time jumps to the next timer when every task is idle, so the
//! assertions are exact.

mod common;

use std::time::Duration;

use common::{paused_tokio, DropFlag, TokioSpawner};
use corio_taskgroup::{as_completed_on, gather_on, race_on, TaskGroup};
use tokio::time::{sleep, Instant};

const MS: Duration = Duration::from_millis(1);

/// "A fails at 100 ms, B sleeps 10 s": the group returns at exactly 100 ms with one error,
/// and B's destructor ran.
#[test]
fn group_returns_at_the_first_failure_not_the_slowest_sibling() {
    paused_tokio().block_on(async {
        let b_dropped = DropFlag::new();
        let guard = b_dropped.guard();
        let start = Instant::now();
        let outcome = TaskGroup::<&str, _>::with_spawner(TokioSpawner)
            .run(|tg| async move {
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

/// The body is cancelled with the children at the time of the failure; the group waits for
/// grandchildren otherwise.
#[test]
fn body_cancelled_at_failure_and_grandchildren_awaited() {
    paused_tokio().block_on(async {
        let start = Instant::now();
        let outcome = TaskGroup::<&str, _>::with_spawner(TokioSpawner)
            .run(|tg| async move {
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

        let start = Instant::now();
        let tg = TaskGroup::<(), _>::with_spawner(TokioSpawner);
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

/// A deadline future (tokio's sleep) cancels the group with a timeout error at its time.
#[test]
fn deadline_cancels_at_exactly_its_time() {
    paused_tokio().block_on(async {
        let sleeper = DropFlag::new();
        let guard = sleeper.guard();
        let start = Instant::now();
        let tg = TaskGroup::<(), _>::with_spawner(TokioSpawner).with_deadline(sleep(50 * MS));
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

/// gather returns the first error at its time and leaves the slower one running to its own
/// time; race and as_completed follow the clock.
#[test]
fn gather_race_and_as_completed_follow_the_clock() {
    paused_tokio().block_on(async {
        let (done_tx, done_rx) = futures::channel::oneshot::channel::<Instant>();
        let mut done_tx = Some(done_tx);
        let start = Instant::now();
        let outcome = gather_on(
            &TokioSpawner,
            [10u64, 30].map(|ms| {
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
            }),
        )
        .await;
        assert_eq!(outcome, Err("the 10 ms one failed"));
        assert_eq!(start.elapsed(), 10 * MS);
        let finished_at = done_rx.await.expect("the 30 ms future was not cancelled");
        assert_eq!(finished_at - start, 30 * MS);

        let start = Instant::now();
        let winner = race_on(
            &TokioSpawner,
            [10u64, 1, 5].map(|ms| async move {
                sleep(Duration::from_millis(ms)).await;
                ms
            }),
        )
        .await;
        assert_eq!((winner, start.elapsed()), (Some(1), MS));

        let start = Instant::now();
        let mut done = as_completed_on(
            &TokioSpawner,
            [30u64, 10, 20].map(|ms| async move {
                sleep(Duration::from_millis(ms)).await;
                ms
            }),
        );
        let mut seen = Vec::new();
        while let Some(ms) = done.next().await {
            seen.push((ms, start.elapsed().as_millis()));
        }
        assert_eq!(seen, [(10, 10), (20, 20), (30, 30)]);
    });
}
