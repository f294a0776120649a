//! A child (or a scope's body) whose destructors panic while it is being cancelled has
//! panicked: its group resumes that panic like any child's, on every executor, and the
//! panic never unwinds into the executor.

mod common;

use std::future::pending;
use std::panic::AssertUnwindSafe;

use corio_taskgroup::{race_on, ChildError, TaskGroup};
use futures::FutureExt;
use futures_task::Spawn;

/// Panics when dropped (unless the thread is already unwinding).
struct PanicOnDrop(&'static str);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("{}", self.0);
        }
    }
}

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

/// A sibling fails; the child being cancelled panics in its destructor. The group's waiter
/// gets that panic (the panic wins over the error, as for any child's panic), after every
/// child finished.
async fn a_child_panicking_while_cancelled_is_resumed_by_the_group<S>(spawner: S)
where
    S: Spawn + Clone + 'static,
{
    let tg = TaskGroup::<&str, _>::with_spawner(spawner);
    // Made outside and moved in: on a thread pool the sibling may fail before this child is
    // first polled, and its cancelled future must panic on drop then too.
    let bomb = PanicOnDrop("destructor exploded while cancelled");
    let bomb = tg
        .spawn(async move {
            let _bomb = bomb;
            pending::<Result<(), &str>>().await
        })
        .unwrap();
    tg.spawn(async {
        yield_once().await;
        Err::<(), _>("sibling failed")
    })
    .unwrap();
    let payload = AssertUnwindSafe(tg.wait())
        .catch_unwind()
        .await
        .expect_err("the destructor's panic was lost");
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("destructor exploded while cancelled")
    );
    assert_eq!(bomb.result(), Err(ChildError::Panicked));
}

/// A scope's body that panics while it is cancelled: the group resumes that panic once its
/// children have finished (not at once, with children left running).
async fn a_body_panicking_while_cancelled_is_resumed_by_the_group<S>(spawner: S)
where
    S: Spawn + Clone + 'static,
{
    let sibling = common::DropFlag::new();
    let guard = sibling.guard();
    let scope = TaskGroup::<&str, _>::with_spawner(spawner).run(|tg| async move {
        // The failing child last: on a thread pool it may fail at once, and a spawn after
        // that is refused (the group is shutting down).
        tg.spawn(async move {
            let _guard = guard;
            pending::<Result<(), &str>>().await
        })
        .unwrap();
        tg.spawn(async {
            yield_once().await;
            Err::<(), _>("child failed")
        })
        .unwrap();
        let _bomb = PanicOnDrop("body exploded while cancelled");
        pending::<Result<(), &str>>().await
    });
    let payload = AssertUnwindSafe(scope)
        .catch_unwind()
        .await
        .expect_err("the body's panic was lost");
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("body exploded while cancelled")
    );
    assert!(
        sibling.is_set(),
        "the panic was resumed only after every child finished"
    );
}

/// A race's loser that panics while it is cancelled: the race resumes that panic.
async fn a_race_loser_panicking_while_cancelled_is_resumed<S>(spawner: S)
where
    S: Spawn + Clone + 'static,
{
    type Racer = std::pin::Pin<Box<dyn std::future::Future<Output = u8> + Send>>;
    // Moved in, as in the first test: the loser may be cancelled before its first poll.
    let bomb = PanicOnDrop("loser exploded while cancelled");
    let loser: Racer = Box::pin(async move {
        let _bomb = bomb;
        pending::<u8>().await
    });
    let winner: Racer = Box::pin(async {
        yield_once().await;
        1
    });
    let payload = AssertUnwindSafe(race_on(&spawner, [loser, winner]))
        .catch_unwind()
        .await
        .expect_err("the loser's panic was lost");
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("loser exploded while cancelled")
    );
}

on_every_executor!(
    a_child_panicking_while_cancelled_is_resumed_by_the_group,
    a_body_panicking_while_cancelled_is_resumed_by_the_group,
    a_race_loser_panicking_while_cancelled_is_resumed,
);

/// An executor dropping a pending child (here a `LocalPool` dropped with the child in it)
/// whose destructor panics: the panic goes to the group, not through the executor's drop.
#[test]
fn a_child_dropped_by_its_executor_with_a_panicking_destructor_is_reported() {
    let mut pool = futures::executor::LocalPool::new();
    let tg = TaskGroup::<(), _>::with_spawner(pool.spawner());
    let bomb = tg
        .spawn(async {
            let _bomb = PanicOnDrop("dropped by the executor");
            pending::<Result<(), ()>>().await
        })
        .unwrap();
    pool.run_until_stalled();
    drop(pool);
    assert_eq!(bomb.result(), Err(ChildError::Panicked));
    let payload =
        std::panic::catch_unwind(AssertUnwindSafe(|| futures::executor::block_on(tg.wait())))
            .expect_err("the destructor's panic was lost");
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("dropped by the executor")
    );
}

/// The same on corio's native path (`TaskGroup::new`): the child's task is corio's own.
#[cfg(feature = "corio")]
#[test]
fn a_native_child_panicking_while_cancelled_is_resumed_by_the_group() {
    corio_executor::run(async {
        let tg = TaskGroup::<&str>::new();
        let bomb = tg
            .spawn(async {
                let _bomb = PanicOnDrop("native destructor exploded");
                pending::<Result<(), &str>>().await
            })
            .unwrap();
        tg.spawn(async {
            corio_executor::yield_now().await;
            Err::<(), _>("sibling failed")
        })
        .unwrap();
        let payload = AssertUnwindSafe(tg.wait())
            .catch_unwind()
            .await
            .expect_err("the destructor's panic was lost");
        assert_eq!(
            payload.downcast_ref::<String>().map(String::as_str),
            Some("native destructor exploded")
        );
        assert_eq!(bomb.result(), Err(ChildError::Panicked));
    });
}
