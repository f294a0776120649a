//! `shield` / `shield_on` (asyncio's `shield`): the shielded task is not cancelled when its
//! awaiter is, and gives its output (or resumes its panic) to an awaiter that stays.

mod common;

use std::panic::AssertUnwindSafe;

use corio_taskgroup::shield_on;
use futures::channel::oneshot;
use futures::FutureExt;
use futures_task::Spawn;

/// Awaited to the end, a shield gives the task's output.
async fn a_shield_awaited_gives_the_output<S: Spawn + Clone + 'static>(spawner: S) {
    assert_eq!(shield_on(&spawner, async { 6 * 7 }).await, 42);
}

/// Dropping the shield before the task finished does not cancel the task.
async fn a_dropped_shield_leaves_the_task_running<S: Spawn + Clone + 'static>(spawner: S) {
    let (release_tx, release_rx) = oneshot::channel::<()>();
    let (done_tx, done_rx) = oneshot::channel::<&str>();
    let shielded = shield_on(&spawner, async move {
        release_rx.await.unwrap();
        done_tx.send("finished").unwrap();
    });
    drop(shielded);
    release_tx.send(()).unwrap();
    assert_eq!(done_rx.await, Ok("finished"));
}

/// The shielded task's panic is resumed by its awaiter.
async fn a_shielded_panic_is_resumed<S: Spawn + Clone + 'static>(spawner: S) {
    let payload = AssertUnwindSafe(shield_on(&spawner, async { panic!("shielded exploded") }))
        .catch_unwind()
        .await
        .unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"shielded exploded"));
}

on_every_executor!(
    a_shield_awaited_gives_the_output,
    a_dropped_shield_leaves_the_task_running,
    a_shielded_panic_is_resumed,
);

/// A timeout around a shield: the caller gets `Elapsed`, the work still completes
/// (paused clock).
#[cfg(feature = "corio")]
#[test]
fn a_timeout_around_a_shield_does_not_cancel_the_work() {
    use corio_executor::time::{sleep, timeout, Instant};
    use std::time::Duration;
    let runtime = corio_executor::Runtime::builder()
        .start_paused(true)
        .build();
    runtime.block_on(async {
        let start = Instant::now();
        let (done_tx, done_rx) = oneshot::channel();
        let timed = timeout(
            Duration::from_secs(1),
            corio_taskgroup::shield(async move {
                sleep(Duration::from_secs(5)).await;
                done_tx.send(Instant::now()).unwrap();
            }),
        )
        .await;
        assert!(timed.is_err());
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        let finished_at = done_rx.await.expect("the shielded work was cancelled");
        assert_eq!(finished_at - start, Duration::from_secs(5));
    });
}

/// A group's child awaiting shielded work is cancelled by a failing sibling; the shielded
/// work goes on.
#[cfg(feature = "corio")]
#[test]
fn a_group_cancelling_a_child_does_not_cancel_the_work_it_shielded() {
    corio_executor::run(async {
        let (release_tx, release_rx) = oneshot::channel::<()>();
        let (done_tx, done_rx) = oneshot::channel::<()>();
        let outcome = corio_taskgroup::TaskGroup::<&str>::scope(|tg| async move {
            tg.spawn(async move {
                corio_taskgroup::shield(async move {
                    release_rx.await.unwrap();
                    done_tx.send(()).unwrap();
                })
                .await;
                Ok(())
            })
            .unwrap();
            tg.spawn(async {
                corio_executor::yield_now().await;
                Err::<(), _>("sibling failed")
            })
            .unwrap();
            Ok(())
        })
        .await;
        assert_eq!(outcome.unwrap_err().errors(), ["sibling failed"]);
        release_tx.send(()).unwrap();
        assert_eq!(done_rx.await, Ok(()), "the shielded work was cancelled");
    });
}
