//! A group that returns, or whose owner drops it (a timeout, a cancelled owner), has dropped
//! everything below it: its children and, transitively, the children of groups nested in
//! its body or in its children. Nothing is left to be dropped "one turn later".

mod common;

use std::future::pending;
use std::sync::Arc;

use common::DropFlag;
use corio_sync::Lock;
use corio_taskgroup::TaskGroup;
use futures_task::Spawn;

/// Returns `Pending` once, waking itself: lets the other tasks run first.
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await;
}

/// The case: the body waits in an inner group whose child holds a lock; an outer
/// child fails. When the outer scope returns, the inner child has been dropped and the
/// lock is free.
async fn an_outer_failure_returns_after_the_inner_groups_children_are_dropped<S>(spawner: S)
where
    S: Spawn + Clone + 'static,
{
    let lock = Arc::new(Lock::new());
    let inner_spawner = spawner.clone();
    let outcome = TaskGroup::<&str, _>::with_spawner(spawner)
        .run(|outer| {
            let lock = Arc::clone(&lock);
            async move {
                outer
                    .spawn(async {
                        for _ in 0..4 {
                            yield_once().await;
                        }
                        Err::<(), _>("outer child failed")
                    })
                    .unwrap();
                TaskGroup::<&str, _>::with_spawner(inner_spawner)
                    .run(|inner| async move {
                        inner
                            .spawn(async move {
                                let _held = lock.acquire().await;
                                pending::<Result<(), &str>>().await
                            })
                            .unwrap();
                        pending::<Result<(), &str>>().await
                    })
                    .await
                    .map_err(|_| "inner group failed")
            }
        })
        .await;
    assert_eq!(outcome.unwrap_err().errors(), ["outer child failed"]);
    assert!(
        !lock.locked(),
        "the inner group's child still held the lock when the outer scope returned"
    );
}

/// Dropping a group drops its idle children before the drop returns, and transitively
/// the children of a group nested in one of its children.
async fn dropping_a_group_drops_its_children_and_grandchildren_at_once<S>(spawner: S)
where
    S: Spawn + Clone + Send + 'static,
{
    let child = DropFlag::new();
    let grandchild = DropFlag::new();
    let tg = TaskGroup::<(), _>::with_spawner(spawner.clone());
    let (child_guard, grandchild_guard) = (child.guard(), grandchild.guard());
    let (started_tx, started_rx) = futures::channel::oneshot::channel();
    tg.spawn(async move {
        let _guard = child_guard;
        let inner = TaskGroup::<(), _>::with_spawner(spawner);
        inner
            .spawn(async move {
                let _guard = grandchild_guard;
                let _ = started_tx.send(());
                pending::<Result<(), ()>>().await
            })
            .unwrap();
        inner.wait().await.map_err(drop)
    })
    .unwrap();
    started_rx.await.unwrap();
    // Both are idle now (each has pended at least once after starting).
    for _ in 0..4 {
        yield_once().await;
    }
    drop(tg);
    assert!(
        child.is_set(),
        "the child was not dropped by the group's drop"
    );
    assert!(
        grandchild.is_set(),
        "the grandchild was not dropped by the group's drop"
    );
}

mod single_threaded {
    use super::*;

    #[test]
    fn local_pool_outer_failure() {
        let mut pool = futures::executor::LocalPool::new();
        let spawner = pool.spawner();
        pool.run_until(
            an_outer_failure_returns_after_the_inner_groups_children_are_dropped(spawner),
        );
    }

    #[test]
    fn tokio_outer_failure() {
        common::paused_tokio().block_on(
            an_outer_failure_returns_after_the_inner_groups_children_are_dropped(
                common::TokioSpawner,
            ),
        );
    }

    #[cfg(feature = "corio")]
    #[test]
    fn corio_outer_failure() {
        corio_executor::run(async {
            an_outer_failure_returns_after_the_inner_groups_children_are_dropped(
                corio_executor::Handle::current(),
            )
            .await
        });
    }

    #[test]
    fn tokio_drop() {
        common::paused_tokio().block_on(
            dropping_a_group_drops_its_children_and_grandchildren_at_once(common::TokioSpawner),
        );
    }

    #[cfg(feature = "corio")]
    #[test]
    fn corio_drop() {
        corio_executor::run(async {
            dropping_a_group_drops_its_children_and_grandchildren_at_once(
                corio_executor::Handle::current(),
            )
            .await
        });
    }
}

/// The native corio path (`TaskGroup::scope`), the case.
#[cfg(feature = "corio")]
#[test]
fn native_outer_failure_returns_after_the_inner_groups_children_are_dropped() {
    corio_executor::run(async {
        let lock = Arc::new(Lock::new());
        let outcome = TaskGroup::<&str>::scope(|outer| {
            let lock = Arc::clone(&lock);
            async move {
                outer
                    .spawn(async {
                        for _ in 0..4 {
                            corio_executor::yield_now().await;
                        }
                        Err::<(), _>("outer child failed")
                    })
                    .unwrap();
                TaskGroup::<&str>::scope(|inner| async move {
                    inner
                        .spawn(async move {
                            let _held = lock.acquire().await;
                            pending::<Result<(), &str>>().await
                        })
                        .unwrap();
                    pending::<Result<(), &str>>().await
                })
                .await
                .map_err(|_| "inner group failed")
            }
        })
        .await;
        assert_eq!(outcome.unwrap_err().errors(), ["outer child failed"]);
        assert!(
            !lock.locked(),
            "the inner group's child still held the lock when the outer scope returned"
        );
    });
}

/// asyncio's test_timeout_taskgroup: a timeout around a group returns only after the
/// group's children, and their nested groups' children, are dropped (paused clock).
#[cfg(feature = "corio")]
#[test]
fn a_timeout_around_a_group_returns_after_its_children_are_dropped() {
    let runtime = corio_executor::Runtime::builder()
        .start_paused(true)
        .build();
    runtime.block_on(async {
        let child = DropFlag::new();
        let grandchild = DropFlag::new();
        let (child_guard, grandchild_guard) = (child.guard(), grandchild.guard());
        use std::time::Duration;
        let timed = corio_executor::time::timeout(
            Duration::from_millis(10),
            TaskGroup::<()>::scope(|tg| async move {
                tg.spawn(async move {
                    let _guard = child_guard;
                    TaskGroup::<()>::scope(|inner| async move {
                        inner
                            .spawn(async move {
                                let _guard = grandchild_guard;
                                corio_executor::time::sleep(Duration::from_secs(3600)).await;
                                Ok(())
                            })
                            .unwrap();
                        Ok(())
                    })
                    .await
                    .map_err(drop)
                })
                .unwrap();
                pending::<Result<(), ()>>().await
            }),
        )
        .await;
        assert!(timed.is_err(), "the timeout fired");
        assert!(child.is_set(), "the child outlived the timed-out group");
        assert!(
            grandchild.is_set(),
            "the grandchild outlived the timed-out group"
        );
    });
}

/// A task that owns a group is cancelled: once the task reads cancelled, the group's
/// children have been dropped.
#[cfg(feature = "corio")]
#[test]
fn cancelling_the_owner_drops_the_groups_children_with_it() {
    corio_executor::run(async {
        let child = DropFlag::new();
        let guard = child.guard();
        let owner = corio_executor::spawn(async move {
            let tg = TaskGroup::<()>::new();
            tg.spawn(async move {
                let _guard = guard;
                pending::<Result<(), ()>>().await
            })
            .unwrap();
            tg.wait().await
        });
        for _ in 0..4 {
            corio_executor::yield_now().await;
        }
        owner.cancel();
        assert!(owner.await.unwrap_err().is_cancelled());
        assert!(child.is_set(), "the child outlived its cancelled owner");
    });
}

/// The same for the batch forms: a timeout around `gather` or `race` returns after their
/// unfinished futures are dropped (paused clock).
#[cfg(feature = "corio")]
#[test]
fn a_timeout_around_gather_or_race_returns_after_their_futures_are_dropped() {
    use corio_executor::time::{sleep, timeout};
    use std::time::Duration;
    let runtime = corio_executor::Runtime::builder()
        .start_paused(true)
        .build();
    runtime.block_on(async {
        let gathered = DropFlag::new();
        let raced = DropFlag::new();
        let slow = |flag: &DropFlag| {
            let guard = flag.guard();
            async move {
                let _guard = guard;
                sleep(Duration::from_secs(3600)).await;
                Ok::<_, ()>(())
            }
        };
        let gather = corio_taskgroup::gather([slow(&gathered)]);
        assert!(timeout(Duration::from_secs(1), gather).await.is_err());
        assert!(gathered.is_set(), "gather's future outlived the timeout");
        let race = corio_taskgroup::race([slow(&raced)]);
        assert!(timeout(Duration::from_secs(1), race).await.is_err());
        assert!(raced.is_set(), "race's future outlived the timeout");
    });
}
