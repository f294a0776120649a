//! CPython's `Lib/test/test_asyncio/test_timeouts.py`, ported to
//! `corio_executor::time::{timeout, timeout_at}`.
//!
//! `async with asyncio.timeout(d): body` is `timeout(d, async { body }).await`, which gives
//! `Err(Elapsed)` where asyncio raises `TimeoutError`. A body that "catches
//! CancelledError" is seen here through a [`DropFlag`]: cancellation is the body being
//! dropped. A negative delay is a deadline in the past (`timeout_at(now - d)`).
//! `current_task().cancel()` is the task cancelling itself through its own `JoinHandle`,
//! parked in a shared slot. `async with asyncio.timeout(d) as cm:` is a [`TimeoutHandle`]
//! (`TimeoutHandle::after(d)`, `at(deadline)`, `never()` for `timeout(None)`) whose
//! `scope(body)` runs the body; `cm.when()`, `cm.reschedule()` and `cm.expired()` are the
//! handle's methods. `RuntimeError` from `reschedule` is a panic whose message names the
//! mistake.
//!
// Not applicable:
// - TimeoutTests.test_nested_timeouts_concurrent: blocks the loop with time.sleep to let real time pass; the paused clock does not move while a thread is blocked
// - TimeoutTests.test_nested_timeouts_loop_busy: blocks the loop with time.sleep to let real time pass; the paused clock does not move while a thread is blocked
// - TimeoutTests.test_repr_active: repr strings are Python's
// - TimeoutTests.test_repr_expired: repr strings are Python's
// - TimeoutTests.test_repr_finished: repr strings are Python's
// - TimeoutTests.test_repr_disabled: repr strings are Python's
// - TimeoutTests.test_timeout_without_task: calls __aenter__ outside a task (Python-only protocol)
//
// Deliberate differences:
// - TimeoutTests.test_foreign_exception_on_timeout: cleanup that raises while being cancelled; a dropped future runs Drop, which cannot return an error (no async cleanup)
// - TimeoutTests.test_timeout_exception_context: awaits in `finally` of the cancelled body (no async cleanup) and checks exception __cause__/__context__ chains
// - TimeoutTests.test_foreign_exception_on_timeout_2: awaits and raises in nested `finally` blocks of the cancelled body; Drop cannot await or return an error
// - TimeoutTests.test_nested_timeout_in_finally: awaits a timeout inside `finally` of a cancelled body (no async cleanup) and checks exception chaining
// - TimeoutTests.test_timeout_after_cancellation: catches the task's own CancelledError and goes on; cancellation by drop cannot be caught
// - TimeoutTests.test_cancel_in_timeout_after_cancellation: catches the task's own CancelledError and goes on; cancellation by drop cannot be caught
// - TimeoutTests.test_timeout_expiring: the expired body catches its CancelledError and calls reschedule() while the timeout is "expiring"; a dropped body runs no more code, so there is no expiring state to call it in
// - TimeoutTests.test_timeout_not_entered: a TimeoutHandle exists before its scope runs, and moving its deadline then is allowed (the scope reads the deadline when it first runs); asyncio refuses with RuntimeError (test asserts corio's outcome)
//
// Needs API:

use corio_conformance::{elapsed_s, run_paused, sleep_s, DropFlag, Promise, Shared};
use corio_executor::time::{timeout, Elapsed, Instant, TimeoutHandle};
use corio_executor::{spawn, yield_now, JoinHandle};
use corio_taskgroup::TaskGroup;
use std::time::Duration;

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// `RuntimeError` from `cm.reschedule(...)`: the panic's message, which must contain `what`.
fn assert_refused(reschedule: impl FnOnce(), what: &str) {
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(reschedule))
        .expect_err("asyncio raises RuntimeError: reschedule must refuse");
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    assert!(
        message.contains(what),
        "the refusal should say {what:?}, it says {message:?}"
    );
}

#[test]
fn timeout_test_timeout_basic() {
    run_paused(|| async {
        let cm = TimeoutHandle::after(secs(0.01));
        let r = cm.scope(sleep_s(10.0)).await;
        assert!(r.is_err());
        assert!(cm.expired());
    });
}

#[test]
fn timeout_test_timeout_at_basic() {
    run_paused(|| async {
        let deadline = Instant::now() + secs(0.01);
        let cm = TimeoutHandle::at(Some(deadline));
        let r = cm.scope(sleep_s(10.0)).await;
        assert!(r.is_err());
        assert!(cm.expired());
        assert_eq!(cm.when(), Some(deadline));
    });
}

#[test]
fn timeout_test_nested_timeouts() {
    run_paused(|| async {
        let cancelled = Shared::new(false);
        let deadline = Instant::now() + secs(0.01);
        let (cm1, cm2) = (
            TimeoutHandle::at(Some(deadline)),
            TimeoutHandle::at(Some(deadline)),
        );
        let flag = cancelled.clone();
        let outer = cm1
            .scope(async {
                // Only the topmost timeout should report the timeout.
                cm2.scope(async move {
                    let _cancelled = DropFlag::new(&flag);
                    sleep_s(10.0).await;
                })
                .await
            })
            .await;
        assert!(outer.is_err(), "the outer timeout must fire, got {outer:?}");
        assert!(cancelled.get());
        assert!(cm1.expired());
        assert!(cm2.expired());
    });
}

#[test]
fn timeout_test_waiter_cancelled() {
    run_paused(|| async {
        let cancelled = Shared::new(false);
        let flag = cancelled.clone();
        let r = timeout(secs(0.01), async move {
            let _cancelled = DropFlag::new(&flag);
            sleep_s(10.0).await;
        })
        .await;
        assert!(r.is_err());
        assert!(cancelled.get());
    });
}

#[test]
fn timeout_test_timeout_not_called() {
    run_paused(|| async {
        let t0 = Instant::now();
        let cm = TimeoutHandle::after(secs(10.0));
        let r = cm.scope(sleep_s(0.01)).await;
        let t1 = Instant::now();
        assert_eq!(r, Ok(()));
        assert!(!cm.expired());
        assert!((t1 - t0) < secs(2.0));
        assert!(cm.when().unwrap() > t1);
    });
}

#[test]
fn timeout_test_timeout_disabled() {
    run_paused(|| async {
        let t0 = Instant::now();
        let cm = TimeoutHandle::never();
        let r = cm.scope(sleep_s(0.01)).await;
        let t1 = Instant::now();
        assert_eq!(r, Ok(()));
        assert!(!cm.expired());
        assert_eq!(cm.when(), None);
        assert!((t1 - t0) < secs(2.0));
    });
}

#[test]
fn timeout_test_timeout_at_disabled() {
    run_paused(|| async {
        let t0 = Instant::now();
        let cm = TimeoutHandle::at(None);
        let r = cm.scope(sleep_s(0.01)).await;
        let t1 = Instant::now();
        assert_eq!(r, Ok(()));
        assert!(!cm.expired());
        assert_eq!(cm.when(), None);
        assert!((t1 - t0) < secs(2.0));
    });
}

#[test]
fn timeout_test_timeout_zero() {
    run_paused(|| async {
        let t0 = Instant::now();
        let cm = TimeoutHandle::after(Duration::ZERO);
        let r = cm.scope(sleep_s(10.0)).await;
        let t1 = Instant::now();
        assert!(r.is_err());
        assert!(cm.expired());
        assert!((t1 - t0) < secs(2.0));
        let when = cm.when().unwrap();
        assert!(t0 <= when && when <= t1);
    });
}

#[test]
fn timeout_test_timeout_zero_sleep_zero() {
    run_paused(|| async {
        let t0 = Instant::now();
        let cm = TimeoutHandle::after(Duration::ZERO);
        let r = cm.scope(yield_now()).await;
        let t1 = Instant::now();
        assert!(r.is_err(), "asyncio raises TimeoutError, got {r:?}");
        assert!(cm.expired());
        assert!((t1 - t0) < secs(2.0));
        let when = cm.when().unwrap();
        assert!(t0 <= when && when <= t1);
    });
}

#[test]
fn timeout_test_timeout_in_the_past_sleep_zero() {
    run_paused(|| async {
        let t0 = Instant::now();
        let cm = TimeoutHandle::at(Some(t0.checked_sub(secs(11.0)).unwrap_or(t0)));
        let r = cm.scope(yield_now()).await;
        let t1 = Instant::now();
        assert!(r.is_err(), "asyncio raises TimeoutError, got {r:?}");
        assert!(cm.expired());
        assert!((t1 - t0) < secs(2.0));
        let when = cm.when().unwrap();
        assert!(t0 >= when && when <= t1);
    });
}

#[test]
fn timeout_test_foreign_exception_passed() {
    run_paused(|| async {
        let cm = TimeoutHandle::after(secs(0.01));
        let r = cm.scope(async { Err::<(), _>("KeyError") }).await;
        // The body's own error passes through untouched.
        assert_eq!(r, Ok(Err("KeyError")));
        assert!(!cm.expired());
    });
}

#[test]
fn timeout_test_foreign_cancel_doesnt_timeout_if_not_expired() {
    run_paused(|| async {
        let me: Shared<Option<JoinHandle<Result<(), Elapsed>>>> = Shared::new(None);
        let cm = TimeoutHandle::after(secs(10.0));
        let task = spawn({
            let (me, cm) = (me.clone(), cm.clone());
            async move {
                cm.scope(async move {
                    // asyncio.current_task().cancel()
                    me.update(|h| h.as_ref().unwrap().cancel());
                    sleep_s(10.0).await;
                })
                .await
            }
        });
        me.set(Some(task));
        let task = loop {
            yield_now().await;
            if me.update(|h| h.as_ref().unwrap().is_finished()) {
                break me.take().unwrap();
            }
        };
        // A cancellation, not a timeout.
        assert!(task.await.unwrap_err().is_cancelled());
        assert!(!cm.expired());
    });
}

#[test]
fn timeout_test_outer_task_is_not_cancelled() {
    run_paused(|| async {
        let task = spawn(async {
            let r = timeout(secs(0.001), sleep_s(10.0)).await;
            assert!(r.is_err());
        });
        let outcome = task.await;
        assert!(outcome.is_ok(), "the outer task finished normally");
    });
}

/// asyncio's case: the timeout expires while the group body is in `finally: await
/// sleep(1)` after raising ValueError, and a child's cleanup raises ZeroDivisionError; the
/// group's ExceptionGroup then reaches the caller. A dropped corio child cannot raise, so
/// what is checked is the part Rust can express: the timeout fires at its deadline, cancels
/// every child of the group (none outlives it), and the caller sees the timeout.
#[test]
fn timeout_test_timeout_taskgroup() {
    run_paused(|| async {
        let child_cancelled = Shared::new(false);
        let flag = child_cancelled.clone();
        let t0 = Instant::now();
        let r = timeout(
            secs(0.01),
            TaskGroup::<&'static str>::scope(|tg| async move {
                tg.spawn(async move {
                    let _cancelled = DropFlag::new(&flag);
                    sleep_s(2.0).await; // interrupted after 0.01 s
                    Ok(())
                })
                .unwrap();
                // `try: raise ValueError finally: await asyncio.sleep(1)`
                sleep_s(1.0).await;
                Err::<(), _>("ValueError")
            }),
        )
        .await;
        assert!(r.is_err(), "the timeout fires, got {r:?}");
        assert!((elapsed_s(t0) - 0.01).abs() < 1e-9);
        // The group's child was cancelled with it: yield once so a detached child would run.
        yield_now().await;
        assert!(
            child_cancelled.get(),
            "the timed-out group's child was not cancelled"
        );
    });
}

#[test]
fn timeout_test_reschedule() {
    run_paused(|| async {
        let fut = Promise::<TimeoutHandle>::new();
        let deadline1 = Instant::now() + secs(10.0);
        let deadline2 = deadline1 + secs(20.0);

        let task = spawn({
            let fut = fut.clone();
            async move {
                let cm = TimeoutHandle::at(Some(deadline1));
                cm.scope(async {
                    fut.set(cm.clone());
                    sleep_s(50.0).await;
                })
                .await
            }
        });
        let cm = fut.wait().await;

        assert_eq!(cm.when(), Some(deadline1));
        cm.reschedule(Some(deadline2));
        assert_eq!(cm.when(), Some(deadline2));
        cm.reschedule(None);
        assert_eq!(cm.when(), None);

        task.cancel();

        assert!(task.await.unwrap_err().is_cancelled());
        assert!(!cm.expired());
    });
}

#[test]
fn timeout_test_timeout_already_entered() {
    run_paused(|| async {
        let cm = TimeoutHandle::after(secs(0.01));
        let entered_twice = cm
            .scope(async {
                // async with cm: (again, inside the first)
                futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(cm.scope(async {})))
                    .await
            })
            .await
            .expect("the outer scope runs on");
        assert!(
            entered_twice.is_err(),
            "asyncio raises RuntimeError: entering the same timeout twice must be refused"
        );
    });
}

#[test]
fn timeout_test_timeout_double_enter() {
    run_paused(|| async {
        let cm = TimeoutHandle::after(secs(0.01));
        cm.scope(async {}).await.unwrap();
        let again =
            futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(cm.scope(async {})))
                .await;
        assert!(
            again.is_err(),
            "asyncio raises RuntimeError: a finished timeout cannot be entered again"
        );
    });
}

#[test]
fn timeout_test_timeout_finished() {
    run_paused(|| async {
        let cm = TimeoutHandle::after(secs(0.01));
        cm.scope(async {}).await.unwrap();
        let later = Instant::now() + secs(0.02);
        assert_refused(|| cm.reschedule(Some(later)), "finished");
    });
}

#[test]
fn timeout_test_timeout_expired() {
    run_paused(|| async {
        let cm = TimeoutHandle::after(secs(0.01));
        assert!(cm.scope(sleep_s(1.0)).await.is_err());
        let later = Instant::now() + secs(0.02);
        assert_refused(|| cm.reschedule(Some(later)), "expired");
    });
}

/// Deliberate difference: asyncio refuses `reschedule` before `async with` has entered the
/// timeout ("has not been entered"). A corio `TimeoutHandle` is a value made before its
/// scope, and its deadline may be set then: the scope reads the deadline when it first runs.
#[test]
fn timeout_test_timeout_not_entered() {
    run_paused(|| async {
        let cm = TimeoutHandle::after(secs(0.01));
        let t0 = Instant::now();
        // asyncio: RuntimeError; corio: the deadline moves.
        cm.reschedule(Some(t0 + secs(0.02)));
        assert_eq!(cm.when(), Some(t0 + secs(0.02)));
        // The scope, entered now, honours the moved deadline.
        assert!(cm.scope(sleep_s(1.0)).await.is_err());
        assert!(cm.expired());
        assert!((elapsed_s(t0) - 0.02).abs() < 1e-9);
    });
}
