//! TaskGroup behaviour (docs/SEMANTICS.md, "TaskGroup"), on every executor.

mod common;

use std::future::pending;
use std::panic::AssertUnwindSafe;

use common::{wait_for, Counter, DropFlag};
use corio_taskgroup::{ChildError, GroupError, SpawnError, TaskGroup};
use futures::channel::oneshot;
use futures::FutureExt;
use futures_task::Spawn;

type Group<S> = TaskGroup<&'static str, S>;

/// Children run concurrently as real tasks: each one waits for the other.
async fn children_run_concurrently<S: Spawn + Clone + 'static>(spawner: S) {
    let (to_b, from_a) = oneshot::channel::<u8>();
    let (to_a, from_b) = oneshot::channel::<u8>();
    let tg = Group::with_spawner(spawner);
    let a = tg.spawn(async move {
        to_b.send(1).unwrap();
        Ok(from_b.await.unwrap())
    });
    let b = tg.spawn(async move {
        to_a.send(2).unwrap();
        Ok(from_a.await.unwrap())
    });
    tg.wait().await.unwrap();
    assert_eq!(a.unwrap().result(), Ok(2));
    assert_eq!(b.unwrap().result(), Ok(1));
}

/// The scope's body runs alongside its children: it can talk with them.
async fn scope_body_runs_alongside_children<S: Spawn + Clone + 'static>(spawner: S) {
    let outcome = Group::with_spawner(spawner)
        .run(|tg| async move {
            let (ask, question) = oneshot::channel::<u32>();
            let answer = tg
                .spawn(async move { Ok(question.await.unwrap() * 2) })
                .unwrap();
            ask.send(21).unwrap();
            Ok(answer.await.unwrap())
        })
        .await;
    assert_eq!(outcome, Ok(42));
}

/// A child's failure cancels the others and the body; the group waits for them and fails
/// with exactly that error; the cancelled futures' destructors ran.
async fn failure_cancels_siblings_and_body<S: Spawn + Clone + 'static>(spawner: S) {
    let sibling = DropFlag::new();
    let body = DropFlag::new();
    let (sibling_guard, body_guard) = (sibling.guard(), body.guard());
    let outcome = Group::with_spawner(spawner)
        .run(|tg| async move {
            let _body_guard = body_guard;
            tg.spawn(async move {
                let _guard = sibling_guard;
                pending::<Result<(), &str>>().await
            })
            .unwrap();
            tg.spawn(async { Err::<(), _>("child failed") }).unwrap();
            pending::<Result<(), &str>>().await
        })
        .await;
    let error = outcome.unwrap_err();
    assert_eq!(error.errors(), ["child failed"]);
    assert!(!error.is_timeout());
    assert!(sibling.is_set(), "the pending sibling was dropped");
    assert!(body.is_set(), "the body was dropped");
}

/// Every error that happened is kept, not only the first: two children that fail at the
/// same moment on two threads (both are inside their poll when either returns).
#[test]
fn simultaneous_errors_are_all_kept() {
    use std::sync::{Arc, Barrier};
    let pool = futures::executor::ThreadPool::builder()
        .pool_size(2)
        .create()
        .unwrap();
    let tg = Group::with_spawner(pool);
    let both_polling = Arc::new(Barrier::new(2));
    for error in ["left", "right"] {
        let both_polling = both_polling.clone();
        tg.spawn(async move {
            both_polling.wait();
            Err::<(), _>(error)
        })
        .unwrap();
    }
    let mut errors = futures::executor::block_on(tg.wait())
        .unwrap_err()
        .into_errors();
    errors.sort_unstable();
    assert_eq!(errors, ["left", "right"]);
}

/// When the body fails, the children are cancelled and the error is the body's.
async fn body_failure_cancels_children<S: Spawn + Clone + 'static>(spawner: S) {
    let child = DropFlag::new();
    let guard = child.guard();
    let outcome = Group::with_spawner(spawner)
        .run(|tg| async move {
            tg.spawn(async move {
                let _guard = guard;
                pending::<Result<(), &str>>().await
            })
            .unwrap();
            Err::<(), _>("body failed")
        })
        .await;
    assert_eq!(outcome.unwrap_err().errors(), ["body failed"]);
    assert!(child.is_set());
}

/// A child cancelled on purpose is not an error: its siblings go on.
async fn cancelled_child_is_not_an_error<S: Spawn + Clone + 'static>(spawner: S) {
    let cancelled = DropFlag::new();
    let guard = cancelled.guard();
    let (release, released) = oneshot::channel::<()>();
    let tg = Group::with_spawner(spawner);
    let victim = tg
        .spawn(async move {
            let _guard = guard;
            pending::<Result<(), &str>>().await
        })
        .unwrap();
    let survivor = tg
        .spawn(async move {
            released.await.unwrap();
            Ok("survived")
        })
        .unwrap();
    victim.cancel();
    let mut victim = victim;
    assert_eq!((&mut victim).await, Err(ChildError::Cancelled));
    assert!(cancelled.is_set());
    release.send(()).unwrap();
    tg.wait().await.unwrap();
    assert_eq!(survivor.result(), Ok("survived"));
    assert_eq!(victim.result(), Err(ChildError::AlreadyTaken));
}

/// A panicking child cancels its siblings; the panic is resumed in the waiting task after
/// every child finished.
async fn panic_cancels_siblings_then_resumes<S: Spawn + Clone + 'static>(spawner: S) {
    let sibling = DropFlag::new();
    let guard = sibling.guard();
    let tg = Group::with_spawner(spawner);
    tg.spawn(async move {
        let _guard = guard;
        pending::<Result<(), &str>>().await
    })
    .unwrap();
    let panicker = tg
        .spawn::<_, ()>(async { panic!("child exploded") })
        .unwrap();
    let Err(payload) = AssertUnwindSafe(tg.wait()).catch_unwind().await else {
        panic!("the child's panic was not resumed");
    };
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"child exploded"));
    assert!(
        sibling.is_set(),
        "siblings finished before the panic was resumed"
    );
    assert_eq!(panicker.result(), Err(ChildError::Panicked));
}

/// A panicking body cancels the children too, and the panic is resumed after them.
async fn body_panic_cancels_children_then_resumes<S: Spawn + Clone + 'static>(spawner: S) {
    let child = DropFlag::new();
    let guard = child.guard();
    let scope = Group::with_spawner(spawner).run(|tg| async move {
        tg.spawn(async move {
            let _guard = guard;
            pending::<Result<(), &str>>().await
        })
        .unwrap();
        if child_count_is_one() {
            panic!("body exploded");
        }
        Ok(())
    });
    let payload = AssertUnwindSafe(scope).catch_unwind().await.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"body exploded"));
    assert!(child.is_set());
}

fn child_count_is_one() -> bool {
    true
}

/// Dropping the group (its owner was cancelled) cancels every child.
async fn dropping_the_group_cancels_children<S: Spawn + Clone + 'static>(spawner: S) {
    let (dropped_tx, dropped_rx) = oneshot::channel::<()>();
    struct Notify(Option<oneshot::Sender<()>>);
    impl Drop for Notify {
        fn drop(&mut self) {
            let _ = self.0.take().unwrap().send(());
        }
    }
    let notify = Notify(Some(dropped_tx));
    let tg = Group::with_spawner(spawner);
    tg.spawn(async move {
        let _notify = notify;
        pending::<Result<(), &str>>().await
    })
    .unwrap();
    // Start waiting, then give up (the owner is cancelled).
    let mut wait = tg.wait();
    assert!(futures::poll!(&mut wait).is_pending());
    drop(wait);
    dropped_rx.await.expect("the child was dropped, not leaked");
}

/// Dropping a scope (its owner was cancelled) cancels its body and children.
async fn dropping_the_scope_cancels_body_and_children<S: Spawn + Clone + 'static>(spawner: S) {
    let (dropped_tx, dropped_rx) = oneshot::channel::<()>();
    struct Notify(Option<oneshot::Sender<()>>);
    impl Drop for Notify {
        fn drop(&mut self) {
            let _ = self.0.take().unwrap().send(());
        }
    }
    let notify = Notify(Some(dropped_tx));
    let body = DropFlag::new();
    let body_guard = body.guard();
    let mut scope = Group::with_spawner(spawner).run(|tg| async move {
        let _body_guard = body_guard;
        tg.spawn(async move {
            let _notify = notify;
            pending::<Result<(), &str>>().await
        })
        .unwrap();
        pending::<Result<(), &str>>().await
    });
    assert!(futures::poll!(&mut scope).is_pending());
    drop(scope);
    assert!(body.is_set());
    dropped_rx.await.expect("the child was dropped, not leaked");
}

/// When the group's future returns, every child has finished, including children added by
/// children while the group was waiting.
async fn no_child_outlives_the_group<S: Spawn + Clone + Send + Sync + 'static>(spawner: S) {
    let finished = Counter::new();
    let tg = Group::with_spawner(spawner);
    for _ in 0..8 {
        let handle = tg.handle();
        let finished = finished.clone();
        tg.spawn(async move {
            let grandchild_finished = finished.clone();
            handle
                .spawn(async move {
                    grandchild_finished.bump();
                    Ok(())
                })
                .unwrap();
            finished.bump();
            Ok(())
        })
        .unwrap();
    }
    tg.wait().await.unwrap();
    assert_eq!(finished.get(), 16);
}

/// Spawning into a group that is shutting down is refused, and the future is dropped
/// without being polled; the same after the group finished.
async fn spawning_into_a_closing_group_is_refused<S: Spawn + Clone + 'static>(spawner: S) {
    let tg = Group::with_spawner(spawner);
    let handle = tg.handle();
    let mut failing = tg.spawn(async { Err::<(), _>("failed") }).unwrap();
    assert_eq!((&mut failing).await, Err(ChildError::Failed));

    let polled = DropFlag::new();
    let dropped = DropFlag::new();
    let (polled_guard, dropped_guard) = (polled.guard(), dropped.guard());
    let refused = tg.spawn(async move {
        let _dropped = dropped_guard;
        drop(polled_guard);
        Ok(())
    });
    assert_eq!(refused.unwrap_err(), SpawnError::ShuttingDown);
    assert!(dropped.is_set());
    // Dropping the future also drops the not-yet-started guard; so check "never polled"
    // through a side effect that only a poll could have: a counter.
    let polls = Counter::new();
    let counted = polls.clone();
    let refused = tg.spawn(async move {
        counted.bump();
        Ok(())
    });
    assert!(refused.is_err());
    assert_eq!(polls.get(), 0);

    assert_eq!(tg.wait().await.unwrap_err().errors(), ["failed"]);
    let late = handle.spawn(async move {
        polls.bump();
        Ok(())
    });
    assert_eq!(late.unwrap_err(), SpawnError::Finished);
    let _ = polled;
}

/// An inner group's failure is one error of the outer group, and cancels the outer group.
async fn nested_group_failure_is_one_error<S: Spawn + Clone + Send + Sync + 'static>(spawner: S) {
    let outer_sibling = DropFlag::new();
    let guard = outer_sibling.guard();
    let inner_spawner = spawner.clone();
    let outer = TaskGroup::<GroupError<&'static str>, S>::with_spawner(spawner);
    outer
        .spawn(async move {
            let inner = Group::with_spawner(inner_spawner);
            inner.spawn(pending::<Result<(), &str>>()).unwrap();
            inner
                .spawn(async { Err::<(), _>("inner child failed") })
                .unwrap();
            inner.wait().await
        })
        .unwrap();
    outer
        .spawn(async move {
            let _guard = guard;
            pending::<Result<(), _>>().await
        })
        .unwrap();
    let error = outer.wait().await.unwrap_err();
    assert_eq!(error.errors().len(), 1);
    assert_eq!(error.errors()[0].errors(), ["inner child failed"]);
    assert!(outer_sibling.is_set());
}

/// A child blocked in a lock or waiting for an event is cancelled at once when a sibling
/// fails, without waiting for the lock or the event; the lock is not lost.
async fn children_blocked_in_sync_primitives_are_cancelled<S: Spawn + Clone + 'static>(spawner: S) {
    use std::sync::Arc;
    let mutex = Arc::new(corio_sync::Mutex::new(0u32));
    let event = Arc::new(corio_sync::Event::new());
    let held = mutex.lock().await;
    let (in_lock, in_event) = (DropFlag::new(), DropFlag::new());
    let tg = Group::with_spawner(spawner);
    let (lock_guard, event_guard) = (in_lock.guard(), in_event.guard());
    let (m, e) = (mutex.clone(), event.clone());
    let blocked_on_lock = tg
        .spawn(async move {
            let _guard = lock_guard;
            *m.lock().await += 1;
            Ok(())
        })
        .unwrap();
    let blocked_on_event = tg
        .spawn(async move {
            let _guard = event_guard;
            e.wait().await;
            Ok(())
        })
        .unwrap();
    // FIFO executors run the two blocked children before this one fails.
    tg.spawn(async { Err::<(), _>("sibling failed") }).unwrap();
    assert_eq!(tg.wait().await.unwrap_err().errors(), ["sibling failed"]);
    assert!(in_lock.is_set() && in_event.is_set());
    assert_eq!(blocked_on_lock.result(), Err(ChildError::Cancelled));
    assert_eq!(blocked_on_event.result(), Err(ChildError::Cancelled));
    // The cancelled waiter left the lock's queue: the lock is free once released.
    drop(held);
    assert_eq!(*mutex.try_lock().expect("the lock was not lost"), 0);
}

/// `tg.await` is `tg.wait().await`; an empty group is done at once.
async fn empty_group_is_done_at_once<S: Spawn + Clone + 'static>(spawner: S) {
    let tg = Group::with_spawner(spawner);
    assert_eq!(
        futures::poll!(tg.into_future()),
        std::task::Poll::Ready(Ok(()))
    );
}

use std::future::IntoFuture;

on_every_executor!(
    children_run_concurrently,
    scope_body_runs_alongside_children,
    failure_cancels_siblings_and_body,
    body_failure_cancels_children,
    cancelled_child_is_not_an_error,
    panic_cancels_siblings_then_resumes,
    body_panic_cancels_children_then_resumes,
    dropping_the_group_cancels_children,
    dropping_the_scope_cancels_body_and_children,
    spawning_into_a_closing_group_is_refused,
    empty_group_is_done_at_once,
    children_blocked_in_sync_primitives_are_cancelled,
);
on_send_executors!(
    no_child_outlives_the_group,
    nested_group_failure_is_one_error
);

/// `!Send` children (and the group itself) work through `LocalSpawn`, also from inside
/// children.
#[test]
fn local_children_through_local_spawn() {
    use std::rc::Rc;
    let mut pool = futures::executor::LocalPool::new();
    // Errors must be `Send` (they reach the waiter); outputs and futures need not be.
    let tg = Group::with_spawner(pool.spawner());
    let handle = tg.handle();
    let shared = Rc::new(std::cell::Cell::new(0));
    let seen = shared.clone();
    let parent = tg
        .spawn_local(async move {
            let inner = seen.clone();
            let child = handle
                .spawn_local(async move {
                    inner.set(inner.get() + 1);
                    Ok(Rc::new(7))
                })
                .unwrap();
            Ok(child.await.unwrap())
        })
        .unwrap();
    pool.run_until(tg.wait()).unwrap();
    assert_eq!(*parent.result().unwrap(), 7);
    assert_eq!(shared.get(), 1);
}

/// The same group code works on a spawner that refuses (a shut-down executor): a clear error
/// value, the future dropped unpolled, and the group still finishes.
#[test]
fn executor_refusal_is_an_error_value() {
    struct ShutDown;
    impl Spawn for ShutDown {
        fn spawn_obj(
            &self,
            _: futures_task::FutureObj<'static, ()>,
        ) -> Result<(), futures_task::SpawnError> {
            Err(futures_task::SpawnError::shutdown())
        }
    }
    let dropped = DropFlag::new();
    let guard = dropped.guard();
    let tg = Group::with_spawner(ShutDown);
    let refused = tg.spawn(async move {
        let _guard = guard;
        Ok(())
    });
    assert_eq!(refused.unwrap_err(), SpawnError::ExecutorShutDown);
    assert!(dropped.is_set());
    assert_eq!(futures::executor::block_on(tg.wait()), Ok(()));
}

/// A child's value is not there before the group (or the child) finished.
#[test]
fn child_result_before_it_ran_is_unfinished() {
    let mut pool = futures::executor::LocalPool::new();
    let tg = Group::with_spawner(pool.spawner());
    let child = tg.spawn(async { Ok(1) }).unwrap();
    let (never_tx, never) = oneshot::channel::<()>();
    let waiting = tg.spawn(async move {
        wait_for(never).await;
        Ok(2)
    });
    pool.run_until_stalled();
    drop(never_tx);
    pool.run_until(tg.wait()).unwrap();
    assert_eq!(child.result(), Ok(1));
    assert_eq!(waiting.unwrap().result(), Ok(2));
}

/// Groups, handles and the futures that wait for them can move between threads when their
/// spawner and error can; a group can be shared by reference across threads via its handle.
#[test]
fn send_and_sync_where_users_need_them() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    type Pool = futures::executor::ThreadPool;
    send::<TaskGroup<String, Pool>>();
    send::<corio_taskgroup::GroupWait<String, Pool>>();
    send::<corio_taskgroup::GroupHandle<String, Pool>>();
    sync::<corio_taskgroup::GroupHandle<String, Pool>>();
    send::<corio_taskgroup::ChildHandle<Vec<u8>>>();
    sync::<corio_taskgroup::ChildHandle<Vec<u8>>>();
    send::<corio_taskgroup::Gather<u8, String>>();
    send::<corio_taskgroup::GatherSettled<u8, String>>();
    send::<corio_taskgroup::Race<u8>>();
    send::<corio_taskgroup::AsCompleted<u8>>();
    send::<GroupError<String>>();
    sync::<GroupError<String>>();
}
