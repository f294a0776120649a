//! Condition: wait releases and retakes the lock, notify(n) wakes the n oldest, wait_for
//! re-checks, wake-ups are never lost to cancellation, misuse is an error.

mod common;

use common::{on_each_executor, poll_once};
use corio_sync::{Condition, Mutex};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

#[test]
fn wait_releases_the_lock_and_returns_holding_it() {
    on_each_executor(|exec| async move {
        let cond = Rc::new(Condition::new(Mutex::new(0)));
        let waiter = {
            let cond = cond.clone();
            exec.spawn(async move {
                let guard = cond.lock().await;
                let guard = cond.wait(guard).await;
                *guard
            })
        };
        exec.settle().await;
        assert!(!cond.locked(), "wait() must release the lock");
        let mut guard = cond.lock().await;
        *guard = 7;
        assert_eq!(cond.notify(1), Ok(1));
        exec.settle().await;
        drop(guard);
        assert_eq!(waiter.await, 7);
    });
}

#[test]
fn notify_n_wakes_the_n_oldest_in_fifo_order() {
    on_each_executor(|exec| async move {
        let cond = Rc::new(Condition::new(Mutex::new(())));
        let woke = Rc::new(RefCell::new(Vec::new()));
        let mut tasks = Vec::new();
        for id in 0..4 {
            let (cond, woke) = (cond.clone(), woke.clone());
            tasks.push(exec.spawn(async move {
                let guard = cond.lock().await;
                let _guard = cond.wait(guard).await;
                woke.borrow_mut().push(id);
            }));
            exec.settle().await;
        }
        let guard = cond.lock().await;
        assert_eq!(cond.notify(2), Ok(2));
        drop(guard);
        exec.settle().await;
        assert_eq!(*woke.borrow(), [0, 1]);
        let guard = cond.lock().await;
        assert_eq!(cond.notify_all(), Ok(2));
        drop(guard);
        for task in tasks {
            task.await;
        }
        assert_eq!(*woke.borrow(), [0, 1, 2, 3]);
    });
}

#[test]
fn wait_for_rechecks_the_predicate_after_each_wakeup() {
    on_each_executor(|exec| async move {
        let cond = Rc::new(Condition::new(Mutex::new(0)));
        let checks = Rc::new(RefCell::new(0));
        let waiter = {
            let (cond, checks) = (cond.clone(), checks.clone());
            exec.spawn(async move {
                let guard = cond.lock().await;
                let guard = cond
                    .wait_for(guard, |n| {
                        *checks.borrow_mut() += 1;
                        *n >= 3
                    })
                    .await;
                *guard
            })
        };
        for _ in 0..3 {
            exec.settle().await;
            let mut guard = cond.lock().await;
            *guard += 1;
            cond.notify_all().unwrap();
        }
        assert_eq!(waiter.await, 3);
        assert_eq!(
            *checks.borrow(),
            4,
            "checked once up front and once per wake-up"
        );
    });
}

#[test]
fn a_cancelled_notified_waiter_passes_its_wakeup_on() {
    on_each_executor(|_exec| async move {
        let cond = Condition::new(Mutex::new(()));
        let mut a = Box::pin(async {
            let guard = cond.lock().await;
            drop(cond.wait(guard).await);
        });
        assert!(poll_once(&mut a).await.is_pending());
        let mut b = Box::pin(async {
            let guard = cond.lock().await;
            drop(cond.wait(guard).await);
        });
        assert!(poll_once(&mut b).await.is_pending());
        let guard = cond.lock().await;
        assert_eq!(cond.notify(1), Ok(1)); // wakes a
        drop(guard);
        drop(a); // ... which is cancelled before it runs: b gets the wake-up
        assert!(
            poll_once(&mut b).await.is_ready(),
            "the wake-up was lost with the cancelled waiter"
        );
    });
}

#[test]
fn a_cancelled_queued_waiter_just_leaves() {
    on_each_executor(|_exec| async move {
        let cond = Condition::new(Mutex::new(()));
        let mut a = Box::pin(async {
            let guard = cond.lock().await;
            drop(cond.wait(guard).await);
        });
        assert!(poll_once(&mut a).await.is_pending());
        drop(a);
        let _guard = cond.lock().await;
        assert_eq!(cond.notify_all(), Ok(0));
    });
}

#[test]
fn notify_without_the_lock_is_an_error() {
    let cond = Condition::new(Mutex::new(()));
    let err = cond.notify(1).unwrap_err();
    assert!(err.to_string().contains("un-acquired lock"), "{err}");
    assert!(cond.notify_all().is_err());
}

#[test]
#[should_panic(expected = "different Mutex")]
fn waiting_with_another_mutexs_guard_panics() {
    let cond = Condition::new(Mutex::new(()));
    let other = Mutex::new(());
    futures::executor::block_on(async {
        let guard = other.lock().await;
        drop(cond.wait(guard).await);
    });
}

/// CPython's `test_explicit_lock`: a condition over a given lock locks and reports exactly
/// that lock, however it was taken; the same holds for a condition owning its mutex.
#[test]
fn a_condition_over_a_shared_lock_sees_it_locked_however_it_was_taken() {
    on_each_executor(|_exec| async move {
        let shared = Arc::new(Mutex::new(0));
        let cond = Condition::with_lock(shared.clone());
        assert!(std::ptr::eq(cond.mutex(), &*shared));
        assert!(!shared.is_locked() && !cond.locked());
        {
            let _guard = cond.lock().await;
            assert!(shared.is_locked() && cond.locked());
            assert!(shared.try_lock().is_err());
        }
        assert!(!shared.is_locked() && !cond.locked());
        {
            let _guard = shared.lock().await;
            assert!(cond.locked());
            assert_eq!(cond.notify_all(), Ok(0), "the condition sees its lock held");
        }
        assert!(!cond.locked());
        assert!(cond.notify(1).is_err());

        let owned = Condition::new(Mutex::new(0));
        {
            let _guard = owned.mutex().lock().await;
            assert!(owned.locked());
        }
        assert!(!owned.locked());
    });
}

/// CPython's `test_context_manager` on a shared lock: a task waits on the condition with a
/// guard it took from the lock itself, another notifies holding the lock through its own
/// handle; the data behind the lock is the one both see.
#[test]
fn waiting_with_a_guard_taken_from_the_shared_lock() {
    on_each_executor(|exec| async move {
        let shared = Arc::new(Mutex::new(Vec::new()));
        let cond = Rc::new(Condition::with_lock(shared.clone()));
        let waiter = {
            let (shared, cond) = (shared.clone(), cond.clone());
            exec.spawn(async move {
                let guard = shared.lock().await;
                let mut guard = cond.wait_for(guard, |v| !v.is_empty()).await;
                guard.push("waiter");
            })
        };
        exec.settle().await;
        assert!(!shared.is_locked(), "wait() released the shared lock");
        {
            let mut guard = shared.lock().await;
            guard.push("notifier");
            assert_eq!(cond.notify(1), Ok(1));
        }
        waiter.await;
        assert_eq!(*shared.lock().await, ["notifier", "waiter"]);
    });
}

/// Two conditions on one lock keep their own waiters: notifying one wakes none of the
/// other's.
#[test]
fn two_conditions_on_one_lock_wake_only_their_own_waiters() {
    on_each_executor(|exec| async move {
        let shared = Arc::new(Mutex::new(0u32));
        let first = Rc::new(Condition::with_lock(shared.clone()));
        let second = Rc::new(Condition::with_lock(shared.clone()));
        let woke = Rc::new(RefCell::new(Vec::new()));
        let spawn_waiter = |cond: Rc<Condition<u32>>, name: &'static str| {
            let woke = woke.clone();
            exec.spawn(async move {
                let guard = cond.lock().await;
                drop(cond.wait(guard).await);
                woke.borrow_mut().push(name);
            })
        };
        let a = spawn_waiter(first.clone(), "first");
        let b = spawn_waiter(second.clone(), "second");
        exec.settle().await;
        {
            let _guard = shared.lock().await;
            assert_eq!(first.notify_all(), Ok(1));
        }
        a.await;
        exec.settle().await;
        assert_eq!(*woke.borrow(), ["first"]);
        {
            let _guard = shared.lock().await;
            assert_eq!(second.notify(1), Ok(1));
        }
        b.await;
        assert_eq!(*woke.borrow(), ["first", "second"]);
    });
}

#[test]
fn into_inner_of_a_shared_condition_needs_the_last_handle() {
    let shared = Arc::new(Mutex::new(5));
    let cond = Condition::with_lock(shared.clone());
    let panic =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cond.into_inner())).unwrap_err();
    let message = panic
        .downcast_ref::<&str>()
        .map(|m| m.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap();
    assert!(message.contains("shared"), "{message}");
    let cond = Condition::with_lock(shared); // the only handle now
    assert_eq!(cond.into_inner(), 5);
}

/// A future that waits on a condition over data holding references stays `Send` (a trait
/// bound on how the mutex is held would break this: see the module docs).
#[test]
fn waiting_futures_over_borrowed_data_are_send() {
    fn assert_send<F: std::future::Future + Send>(_: F) {}
    let cond = Arc::new(Condition::new(Mutex::new(Vec::<&'static str>::new())));
    assert_send(async move {
        let guard = cond.lock().await;
        drop(cond.wait_for(guard, |v| !v.is_empty()).await);
    });
}

#[test]
#[should_panic(expected = "different Mutex")]
fn a_shared_lock_condition_refuses_another_mutexs_guard() {
    let cond = Condition::with_lock(Arc::new(Mutex::new(())));
    let other = Mutex::new(());
    futures::executor::block_on(async {
        let guard = other.lock().await;
        drop(cond.wait(guard).await);
    });
}
