//! The timing rules on a paused clock: one scenario list, run on each executor that has
//! one. corio's runs `TaskGroup::new` (its native path) on corio's timer; tokio's runs the
//! group through a `Spawn` adapter with tokio's sleep as its deadline, which shows the
//! group depends on no executor for cancellation or timing. Virtual time jumps to the next
//! timer when every task is idle, so the assertions are exact.

mod common;

use std::future::Future;
use std::ops::Sub;
use std::pin::Pin;
use std::time::Duration;

use common::DropFlag;
use corio_taskgroup::{as_completed_on, gather_on, gather_settled_on, race_on, TaskGroup};
use futures_task::Spawn;

const MS: Duration = Duration::from_millis(1);

/// An executor with a paused clock, as the scenarios see it.
trait PausedClock: Copy + Send + Sync + 'static {
    type Spawner: Spawn + Clone + Send + Sync + 'static;
    type Instant: Copy + Send + 'static + Sub<Output = Duration>;
    /// A new group on this executor.
    fn group<E: Send + 'static>(self) -> TaskGroup<E, Self::Spawner>;
    /// The spawner of the `*_on` functions.
    fn spawner(self) -> Self::Spawner;
    fn sleep(self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
    fn now(self) -> Self::Instant;
}

/// corio: `TaskGroup::new` (the native path) and corio's timer.
#[cfg(feature = "corio")]
#[derive(Clone, Copy)]
struct Corio;

#[cfg(feature = "corio")]
impl PausedClock for Corio {
    type Spawner = corio_executor::Handle;
    type Instant = corio_executor::time::Instant;
    fn group<E: Send + 'static>(self) -> TaskGroup<E, Self::Spawner> {
        TaskGroup::new()
    }
    fn spawner(self) -> Self::Spawner {
        corio_executor::Handle::try_current().expect("on corio's runtime")
    }
    fn sleep(self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(corio_executor::time::sleep(duration))
    }
    fn now(self) -> Self::Instant {
        corio_executor::time::Instant::now()
    }
}

/// tokio: a four-line `Spawn` adapter and tokio's timer.
#[derive(Clone, Copy)]
struct Tokio;

impl PausedClock for Tokio {
    type Spawner = common::TokioSpawner;
    type Instant = tokio::time::Instant;
    fn group<E: Send + 'static>(self) -> TaskGroup<E, Self::Spawner> {
        TaskGroup::with_spawner(common::TokioSpawner)
    }
    fn spawner(self) -> Self::Spawner {
        common::TokioSpawner
    }
    fn sleep(self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(duration))
    }
    fn now(self) -> Self::Instant {
        tokio::time::Instant::now()
    }
}

/// Runs each named `async fn scenario<X: PausedClock>(clock: X)` on corio's paused clock
/// (with the `corio` feature) and on tokio's.
macro_rules! on_each_paused_clock {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[cfg(feature = "corio")]
            #[test]
            fn corio() {
                corio_executor::Runtime::builder()
                    .start_paused(true)
                    .build()
                    .block_on(super::$scenario(super::Corio));
            }
            #[test]
            fn tokio() {
                crate::common::paused_tokio().block_on(super::$scenario(super::Tokio));
            }
        }
    )*};
}

on_each_paused_clock!(
    group_returns_at_the_first_failure_not_the_slowest_sibling,
    body_is_cancelled_at_the_time_of_the_failure,
    group_waits_for_children_added_by_children,
    deadline_cancels_at_exactly_its_time,
    deadline_not_reached_is_not_an_error,
    gather_returns_first_error_at_once_and_others_run_on,
    gather_orders_by_argument_and_takes_the_slowest_time,
    race_and_as_completed_follow_the_clock,
);

/// "A fails at 100 ms, B sleeps 10 s": the group returns at exactly 100 ms of virtual time
/// with one error, and B's destructor ran.
async fn group_returns_at_the_first_failure_not_the_slowest_sibling<X: PausedClock>(x: X) {
    let b_dropped = DropFlag::new();
    let guard = b_dropped.guard();
    let start = x.now();
    let outcome = x
        .group::<&str>()
        .run(|tg| async move {
            tg.spawn(async move {
                x.sleep(100 * MS).await;
                Err::<(), _>("A failed")
            })
            .unwrap();
            tg.spawn(async move {
                let _guard = guard;
                x.sleep(Duration::from_secs(10)).await;
                Ok(())
            })
            .unwrap();
            Ok(())
        })
        .await;
    assert_eq!(x.now() - start, 100 * MS);
    assert_eq!(outcome.unwrap_err().errors(), ["A failed"]);
    assert!(b_dropped.is_set());
}

/// The body is cancelled with the children, at the time of the failure.
async fn body_is_cancelled_at_the_time_of_the_failure<X: PausedClock>(x: X) {
    let body_dropped = DropFlag::new();
    let guard = body_dropped.guard();
    let start = x.now();
    let outcome = x
        .group::<&str>()
        .run(|tg| async move {
            let _guard = guard;
            tg.spawn(async move {
                x.sleep(30 * MS).await;
                Err::<(), _>("child failed")
            })
            .unwrap();
            x.sleep(Duration::from_secs(60)).await;
            Ok("body finished")
        })
        .await;
    assert_eq!(x.now() - start, 30 * MS);
    assert_eq!(outcome.unwrap_err().errors(), ["child failed"]);
    assert!(body_dropped.is_set());
}

/// The group finishes when its slowest child does, including grandchildren.
async fn group_waits_for_children_added_by_children<X: PausedClock>(x: X) {
    let start = x.now();
    let tg = x.group::<()>();
    let handle = tg.handle();
    tg.spawn(async move {
        x.sleep(10 * MS).await;
        handle
            .spawn(async move {
                x.sleep(40 * MS).await;
                Ok(())
            })
            .unwrap();
        Ok(())
    })
    .unwrap();
    tg.await.unwrap();
    assert_eq!(x.now() - start, 50 * MS);
}

/// A group-wide deadline (the executor's own timer) cancels the group with a timeout error
/// at exactly its time, and the cancelled child's destructors ran.
async fn deadline_cancels_at_exactly_its_time<X: PausedClock>(x: X) {
    let sleeper = DropFlag::new();
    let guard = sleeper.guard();
    let start = x.now();
    let tg = x.group::<()>().with_deadline(x.sleep(50 * MS));
    tg.spawn(async move {
        let _guard = guard;
        x.sleep(Duration::from_secs(10)).await;
        Ok(())
    })
    .unwrap();
    let error = tg.wait().await.unwrap_err();
    assert!(error.is_timeout());
    assert_eq!(x.now() - start, 50 * MS);
    assert!(sleeper.is_set());
}

/// A group that finishes before its deadline returns when it finishes, successfully.
async fn deadline_not_reached_is_not_an_error<X: PausedClock>(x: X) {
    let start = x.now();
    let outcome = x
        .group::<()>()
        .with_deadline(x.sleep(Duration::from_secs(1)))
        .run(|tg| async move {
            let child = tg.spawn(async move {
                x.sleep(10 * MS).await;
                Ok(7)
            });
            Ok(child.unwrap().await.unwrap())
        })
        .await;
    assert_eq!(outcome, Ok(7));
    assert_eq!(x.now() - start, 10 * MS);
}

/// gather returns the first error at its time; the slower future runs on and finishes at
/// its own time in the background.
async fn gather_returns_first_error_at_once_and_others_run_on<X: PausedClock>(x: X) {
    let (done_tx, done_rx) = futures::channel::oneshot::channel::<X::Instant>();
    let mut done_tx = Some(done_tx);
    let start = x.now();
    let outcome = gather_on(
        &x.spawner(),
        [10u64, 30].map(|ms| {
            let done_tx = if ms == 30 { done_tx.take() } else { None };
            async move {
                x.sleep(Duration::from_millis(ms)).await;
                match done_tx {
                    Some(tx) => {
                        let _ = tx.send(x.now());
                        Ok(ms)
                    }
                    None => Err("the 10 ms one failed"),
                }
            }
        }),
    )
    .await;
    assert_eq!(outcome, Err("the 10 ms one failed"));
    assert_eq!(x.now() - start, 10 * MS);
    let finished_at = done_rx.await.expect("the 30 ms future was not cancelled");
    assert_eq!(finished_at - start, 30 * MS);
}

/// gather's outputs come in argument order; gather_settled gives every outcome; each takes
/// as long as its slowest future.
async fn gather_orders_by_argument_and_takes_the_slowest_time<X: PausedClock>(x: X) {
    let start = x.now();
    let outputs = gather_on(
        &x.spawner(),
        [30u64, 10, 20].map(|ms| async move {
            x.sleep(Duration::from_millis(ms)).await;
            Ok::<_, ()>(ms)
        }),
    )
    .await;
    assert_eq!(outputs, Ok(vec![30, 10, 20]));
    assert_eq!(x.now() - start, 30 * MS);
    let outcomes = gather_settled_on(
        &x.spawner(),
        [20u64, 10].map(|ms| async move {
            x.sleep(Duration::from_millis(ms)).await;
            if ms == 10 {
                Err(ms)
            } else {
                Ok(ms)
            }
        }),
    )
    .await;
    assert_eq!(outcomes, vec![Ok(20), Err(10)]);
    assert_eq!(x.now() - start, 50 * MS);
}

/// race: the first to finish wins at its time; as_completed: completion order, each at its
/// time.
async fn race_and_as_completed_follow_the_clock<X: PausedClock>(x: X) {
    let start = x.now();
    let winner = race_on(
        &x.spawner(),
        [10u64, 1, 5].map(|ms| async move {
            x.sleep(Duration::from_millis(ms)).await;
            ms
        }),
    )
    .await;
    assert_eq!((winner, x.now() - start), (Some(1), MS));

    let start = x.now();
    let mut done = as_completed_on(
        &x.spawner(),
        [30u64, 10, 20].map(|ms| async move {
            x.sleep(Duration::from_millis(ms)).await;
            ms
        }),
    );
    let mut seen = Vec::new();
    while let Some(ms) = done.next().await {
        seen.push((ms, (x.now() - start).as_millis()));
    }
    assert_eq!(seen, [(10, 10), (20, 20), (30, 30)]);
}

/// corio's default forms (`TaskGroup::scope`, `with_timeout`, `gather`, `gather_settled`,
/// `gather!`, `race`, `as_completed`) spawn on the current runtime, on its clock.
#[cfg(feature = "corio")]
#[test]
fn corio_default_forms_follow_the_clock() {
    use corio_executor::time::{sleep, Instant};
    use corio_taskgroup::{as_completed, gather, gather_settled, race};
    corio_executor::Runtime::builder()
        .start_paused(true)
        .build()
        .block_on(async {
            let start = Instant::now();
            let outcome = TaskGroup::<()>::scope(|tg| async move {
                tg.spawn(async {
                    sleep(10 * MS).await;
                    Ok(())
                })
                .unwrap();
                Ok("body")
            })
            .await;
            assert_eq!((outcome, start.elapsed()), (Ok("body"), 10 * MS));

            let start = Instant::now();
            let tg = TaskGroup::<()>::new().with_timeout(20 * MS);
            tg.spawn(std::future::pending::<Result<(), ()>>()).unwrap();
            assert!(tg.wait().await.unwrap_err().is_timeout());
            assert_eq!(start.elapsed(), 20 * MS);

            let start = Instant::now();
            let ms = |ms: u64| async move {
                sleep(Duration::from_millis(ms)).await;
                Ok::<_, ()>(ms)
            };
            assert_eq!(gather([20, 10].map(ms)).await, Ok(vec![20, 10]));
            assert_eq!(gather_settled([5].map(ms)).await, vec![Ok(5)]);
            assert_eq!(race([7, 3].map(ms)).await, Some(Ok(3)));
            let mut done = as_completed([2, 1].map(ms));
            assert_eq!(done.next().await, Some(Ok(1)));
            assert_eq!(done.next().await, Some(Ok(2)));
            assert_eq!(start.elapsed(), (20 + 5 + 3 + 2) * MS);

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
            assert_eq!((both, start.elapsed()), (Ok((1u8, "ten")), 20 * MS));
        });
}

/// The corio-default constructors name the mistake outside a runtime, and the adapters to
/// use instead.
#[cfg(feature = "corio")]
#[test]
#[should_panic(
    expected = "outside a corio runtime: call it inside `corio_executor::run`, or give it your executor's spawner: on tokio, `TaskGroup::with_spawner(TokioSpawner::current())`"
)]
fn task_group_new_outside_a_runtime_names_the_mistake() {
    drop(TaskGroup::<()>::new());
}
