//! Child handles of groups made by `TaskGroup::new` / `scope`, whose children are native corio
//! tasks (the handle holds the task's `JoinHandle`, not a result cell): cancelling through
//! the handle, the value before and after the group finished, a taken value, a panicking
//! child, a handle awaited from another task, and a runtime that shut down.
#![cfg(feature = "corio")]

mod common;

use std::future::pending;
use std::panic::AssertUnwindSafe;

use common::DropFlag;
use corio_taskgroup::{ChildError, SpawnError, TaskGroup};
use futures::FutureExt;

#[test]
fn cancel_through_the_handle_drops_the_child_and_is_not_an_error() {
    corio_executor::run(async {
        let dropped = DropFlag::new();
        let guard = dropped.guard();
        let tg = TaskGroup::<&str>::new();
        let stuck = tg
            .spawn(async move {
                let _guard = guard;
                pending::<Result<(), &str>>().await
            })
            .unwrap();
        let sibling = tg.spawn(async { Ok("sibling") }).unwrap();
        corio_executor::yield_now().await;
        stuck.cancel();
        stuck.cancel(); // twice is harmless
        tg.wait().await.unwrap();
        assert!(dropped.is_set(), "the cancelled child's destructors ran");
        assert_eq!(stuck.result(), Err(ChildError::Cancelled));
        assert_eq!(sibling.result(), Ok("sibling"));
    });
}

#[test]
fn result_before_the_child_ran_is_unfinished_and_after_the_group_finished_is_the_value() {
    corio_executor::run(async {
        let tg = TaskGroup::<()>::new();
        let early = tg.spawn(async { Ok(1) }).unwrap();
        // Spawned, not run yet: corio runs spawned tasks when the spawner yields.
        assert_eq!(early.result(), Err(ChildError::Unfinished));
        let late = tg.spawn(async { Ok(2) }).unwrap();
        let pending_child = tg
            .spawn(async {
                corio_executor::yield_now().await;
                Ok(3)
            })
            .unwrap();
        tg.wait().await.unwrap();
        assert_eq!(late.result(), Ok(2));
        assert_eq!(pending_child.result(), Ok(3));
    });
}

#[test]
fn a_handle_awaited_to_its_value_then_read_or_polled_again_says_already_taken() {
    corio_executor::run(async {
        let tg = TaskGroup::<()>::new();
        let mut child = tg.spawn(async { Ok(5) }).unwrap();
        assert_eq!((&mut child).await, Ok(5));
        assert_eq!((&mut child).await, Err(ChildError::AlreadyTaken));
        tg.wait().await.unwrap();
        assert_eq!(child.result(), Err(ChildError::AlreadyTaken));
    });
}

#[test]
fn a_failed_child_handle_says_failed_and_the_error_goes_to_the_group() {
    corio_executor::run(async {
        let tg = TaskGroup::<&str>::new();
        let failing = tg.spawn(async { Err::<(), _>("broke") }).unwrap();
        let err = tg.wait().await.unwrap_err();
        assert_eq!(err.errors(), ["broke"]);
        assert_eq!(failing.result(), Err(ChildError::Failed));
    });
}

#[test]
fn a_panicking_child_cancels_its_siblings_its_handle_says_panicked_and_the_panic_is_resumed() {
    corio_executor::run(async {
        let tg = TaskGroup::<()>::new();
        let sibling_dropped = DropFlag::new();
        let guard = sibling_dropped.guard();
        let sibling = tg
            .spawn(async move {
                let _guard = guard;
                pending::<Result<(), ()>>().await
            })
            .unwrap();
        let panicking = tg
            .spawn(async {
                corio_executor::yield_now().await;
                panic!("child panicked");
                #[allow(unreachable_code)]
                Ok(())
            })
            .unwrap();
        let resumed = AssertUnwindSafe(tg.wait())
            .catch_unwind()
            .await
            .unwrap_err();
        assert_eq!(resumed.downcast_ref::<&str>(), Some(&"child panicked"));
        assert!(sibling_dropped.is_set());
        assert_eq!(panicking.result(), Err(ChildError::Panicked));
        assert_eq!(sibling.result(), Err(ChildError::Cancelled));
    });
}

#[test]
fn a_handle_awaited_from_another_task_gets_the_value() {
    corio_executor::run(async {
        let outcome = TaskGroup::<()>::scope(|tg| async move {
            let (release, released) = futures::channel::oneshot::channel::<()>();
            let producer = tg
                .spawn(async move {
                    let _ = released.await;
                    Ok("produced")
                })
                .unwrap();
            // Another task (a plain corio task, not a group child) awaits the handle.
            let consumer = corio_executor::spawn(producer);
            corio_executor::yield_now().await;
            release.send(()).unwrap();
            Ok(consumer.await.unwrap())
        })
        .await;
        assert_eq!(outcome, Ok(Ok("produced")));
    });
}

#[test]
fn a_handle_awaited_from_another_task_sees_the_group_cancel_it() {
    corio_executor::run(async {
        let tg = TaskGroup::<&str>::new();
        let stuck = tg.spawn(pending::<Result<(), &str>>()).unwrap();
        let waiter = corio_executor::spawn(stuck);
        corio_executor::yield_now().await;
        tg.spawn(async { Err::<(), _>("sibling failed") }).unwrap();
        assert_eq!(tg.wait().await.unwrap_err().errors(), ["sibling failed"]);
        assert_eq!(waiter.await.unwrap(), Err(ChildError::Cancelled));
    });
}

#[test]
fn a_dropped_handle_leaves_its_child_running_in_the_group() {
    corio_executor::run(async {
        let ran = common::Counter::new();
        let tg = TaskGroup::<()>::new();
        for _ in 0..3 {
            let ran = ran.clone();
            drop(
                tg.spawn(async move {
                    corio_executor::yield_now().await;
                    ran.bump();
                    Ok(())
                })
                .unwrap(),
            );
        }
        tg.wait().await.unwrap();
        assert_eq!(ran.get(), 3);
    });
}

#[test]
fn after_the_runtime_shut_down_spawning_is_refused_and_the_future_dropped() {
    let runtime = corio_executor::Runtime::new();
    let tg = runtime.block_on(async { TaskGroup::<()>::new() });
    let handle = tg.handle();
    drop(runtime);
    let dropped = DropFlag::new();
    let guard = dropped.guard();
    let refused = handle.spawn(async move {
        let _guard = guard;
        Ok(())
    });
    assert_eq!(refused.unwrap_err(), SpawnError::ExecutorShutDown);
    assert!(dropped.is_set());
    assert_eq!(futures::executor::block_on(tg.wait()), Ok(()));
}

#[test]
fn a_group_awaited_on_another_thread_ends_with_every_childs_result_readable() {
    let rt = corio_executor::Runtime::new();
    let (tg, children) = rt.block_on(async {
        let tg = TaskGroup::<()>::new();
        let children: Vec<_> = (0..100)
            .map(|i| {
                tg.spawn(async move {
                    corio_executor::yield_now().await;
                    Ok(i)
                })
                .unwrap()
            })
            .collect();
        (tg, children)
    });
    let waiter = std::thread::spawn(move || {
        futures::executor::block_on(tg.wait()).unwrap();
        // Off the loop's thread too, a finished group means finished children.
        children
            .into_iter()
            .map(|child| child.result().unwrap())
            .sum::<i32>()
    });
    rt.block_on(async {
        while !waiter.is_finished() {
            corio_executor::yield_now().await;
        }
    });
    assert_eq!(waiter.join().unwrap(), (0..100).sum::<i32>());
}
