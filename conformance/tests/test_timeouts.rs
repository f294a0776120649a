//! CPython's `Lib/test/test_asyncio/test_timeouts.py`, ported to
//! `corio_executor::time::{timeout, timeout_at}`.
//!
//! `async with asyncio.timeout(d): body` is `timeout(d, async { body }).await`, which gives
//! `Err(Elapsed)` where asyncio raises `TimeoutError`. A body that "catches
//! CancelledError" is seen here through a [`DropFlag`]: cancellation is the body being
//! dropped. A negative delay is a deadline in the past (`timeout_at(now - d)`).
//! `current_task().cancel()` is the task cancelling itself through its own `JoinHandle`,
//! parked in a shared slot.
//!
//! Partly ported (the `cm.expired()` / `cm.when()` checks wait for the Timeout API; the
//! rest of the test runs): test_timeout_basic, test_timeout_at_basic, test_nested_timeouts,
//! test_timeout_not_called, test_timeout_zero, test_timeout_zero_sleep_zero,
//! test_timeout_in_the_past_sleep_zero, test_foreign_exception_passed,
//! test_foreign_cancel_doesnt_timeout_if_not_expired.
//!
// Not applicable:
// - TimeoutTests.test_nested_timeouts_concurrent: blocks the loop with time.sleep to let real time pass; the paused clock does not move while a thread is blocked
// - TimeoutTests.test_nested_timeouts_loop_busy: blocks the loop with time.sleep to let real time pass; the paused clock does not move while a thread is blocked
// - TimeoutTests.test_repr_active: repr strings are Python's
// - TimeoutTests.test_repr_expired: repr strings are Python's
// - TimeoutTests.test_repr_finished: repr strings are Python's
// - TimeoutTests.test_repr_disabled: repr strings are Python's
// - TimeoutTests.test_timeout_already_entered: a Timeout future is consumed by await; entering it twice cannot be written
// - TimeoutTests.test_timeout_double_enter: a Timeout future is consumed by await; entering it twice cannot be written
// - TimeoutTests.test_timeout_without_task: calls __aenter__ outside a task (Python-only protocol)
//
// Deliberate differences:
// - TimeoutTests.test_foreign_exception_on_timeout: cleanup that raises while being cancelled; a dropped future runs Drop, which cannot return an error (no async cleanup)
// - TimeoutTests.test_timeout_exception_context: awaits in `finally` of the cancelled body (no async cleanup) and checks exception __cause__/__context__ chains
// - TimeoutTests.test_foreign_exception_on_timeout_2: awaits and raises in nested `finally` blocks of the cancelled body; Drop cannot await or return an error
// - TimeoutTests.test_nested_timeout_in_finally: awaits a timeout inside `finally` of a cancelled body (no async cleanup) and checks exception chaining
// - TimeoutTests.test_timeout_after_cancellation: catches the task's own CancelledError and goes on; cancellation by drop cannot be caught
// - TimeoutTests.test_cancel_in_timeout_after_cancellation: catches the task's own CancelledError and goes on; cancellation by drop cannot be caught
//
// Needs API:
// - TimeoutTests.test_timeout_disabled: timeout(None), a timeout without a deadline
// - TimeoutTests.test_timeout_at_disabled: timeout_at(None), a timeout without a deadline
// - TimeoutTests.test_reschedule: Timeout.when() and Timeout.reschedule() from another task
// - TimeoutTests.test_timeout_finished: Timeout.reschedule() refused once finished
// - TimeoutTests.test_timeout_expired: Timeout.reschedule() refused once expired
// - TimeoutTests.test_timeout_expiring: Timeout.reschedule() refused while expiring
// - TimeoutTests.test_timeout_not_entered: Timeout.reschedule() refused before entering

use corio_conformance::{elapsed_s, run_paused, sleep_s, DropFlag, Shared};
use corio_executor::time::{timeout, timeout_at, Elapsed, Instant};
use corio_executor::{spawn, yield_now, JoinHandle};
use corio_taskgroup::TaskGroup;
use std::time::Duration;

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

#[test]
fn timeout_test_timeout_basic() {
    run_paused(|| async {
        let r = timeout(secs(0.01), sleep_s(10.0)).await;
        assert!(r.is_err());
        // Needs API: cm.expired()
    });
}

#[test]
fn timeout_test_timeout_at_basic() {
    run_paused(|| async {
        let deadline = Instant::now() + secs(0.01);
        let r = timeout_at(deadline, sleep_s(10.0)).await;
        assert!(r.is_err());
        assert_eq!(Instant::now(), deadline);
        // Needs API: cm.expired(), cm.when() == deadline
    });
}

#[test]
fn timeout_test_nested_timeouts() {
    run_paused(|| async {
        let cancelled = Shared::new(false);
        let deadline = Instant::now() + secs(0.01);
        let flag = cancelled.clone();
        let outer = timeout_at(deadline, async move {
            // Only the topmost timeout should report the timeout.
            timeout_at(deadline, async move {
                let _cancelled = DropFlag::new(&flag);
                sleep_s(10.0).await;
            })
            .await
        })
        .await;
        assert!(outer.is_err(), "the outer timeout must fire, got {outer:?}");
        assert!(cancelled.get());
        // Needs API: cm1.expired(), cm2.expired()
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
        let r = timeout(secs(10.0), sleep_s(0.01)).await;
        assert_eq!(r, Ok(()));
        // Needs API: cm.expired() is false, cm.when() > loop.time()
    });
}

#[test]
fn timeout_test_timeout_zero() {
    run_paused(|| async {
        let t0 = Instant::now();
        let r = timeout(Duration::ZERO, sleep_s(10.0)).await;
        assert!(r.is_err());
        assert_eq!(elapsed_s(t0), 0.0);
        // Needs API: cm.expired(), t0 <= cm.when() <= t1
    });
}

#[test]
fn timeout_test_timeout_zero_sleep_zero() {
    run_paused(|| async {
        let t0 = Instant::now();
        let r = timeout(Duration::ZERO, yield_now()).await;
        assert!(r.is_err(), "asyncio raises TimeoutError, got {r:?}");
        assert_eq!(elapsed_s(t0), 0.0);
        // Needs API: cm.expired(), t0 <= cm.when() <= t1
    });
}

#[test]
fn timeout_test_timeout_in_the_past_sleep_zero() {
    run_paused(|| async {
        let t0 = Instant::now();
        let deadline = t0.checked_sub(secs(11.0)).unwrap_or(t0);
        let r = timeout_at(deadline, yield_now()).await;
        assert!(r.is_err(), "asyncio raises TimeoutError, got {r:?}");
        assert_eq!(elapsed_s(t0), 0.0);
        // Needs API: cm.expired(), cm.when() <= t0
    });
}

#[test]
fn timeout_test_foreign_exception_passed() {
    run_paused(|| async {
        let r = timeout(secs(0.01), async { Err::<(), _>("KeyError") }).await;
        // The body's own error passes through untouched.
        assert_eq!(r, Ok(Err("KeyError")));
        // Needs API: cm.expired() is false
    });
}

#[test]
fn timeout_test_foreign_cancel_doesnt_timeout_if_not_expired() {
    run_paused(|| async {
        let me: Shared<Option<JoinHandle<Result<(), Elapsed>>>> = Shared::new(None);
        let task = spawn({
            let me = me.clone();
            async move {
                timeout(secs(10.0), async move {
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
        // Needs API: cm.expired() is false
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
