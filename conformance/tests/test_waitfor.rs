//! CPython's `Lib/test/test_asyncio/test_waitfor.py`, ported to
//! `corio_executor::time::timeout` (asyncio's `wait_for`).
//!
//! `wait_for(coro, d)` is `timeout(d, future)`; `wait_for(task, d)` is
//! `timeout(d, &mut join_handle)`; `wait_for(x, timeout=None)` is
//! `TimeoutHandle::never().scope(x)`. A negative timeout is a deadline in the past. A
//! `finally:` that records that a coroutine stopped is a [`DropFlag`].
//!
// Not applicable:
//
// Deliberate differences:
// - AsyncioWaitForTest.test_asyncio_wait_for_cancelled: the inner coroutine ignores cancellation; a dropped future cannot (test asserts corio's outcome)
// - AsyncioWaitForTest.test_asyncio_wait_for_timeout: same: the inner coroutine is dropped at the deadline instead of finishing first (test asserts corio's outcome)
// - AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started: a zero timeout polls the future once, and a future ready at once wins (documented on corio's timeout; test asserts it)
// - AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0: timing out a JoinHandle drops the handle, which detaches the task instead of cancelling it (test asserts it and cancels by hand)
// - AsyncioWaitForTest.test_wait_for: same: the timed-out task is detached, not cancelled (test asserts it and cancels by hand)
// - AsyncioWaitForTest.test_cancel_wait_for: cancelling the wait drops the JoinHandle, which detaches the task (test asserts it)
// - AsyncioWaitForTest.test_cancel_blocking_wait_for: same, with no deadline (timeout=None): cancelling the wait detaches the task (test asserts it)
// - AsyncioWaitForTest.test_wait_for_cancellation_race_condition: the inner coroutine catches its cancellation and returns a value; cancellation by drop cannot be caught
// - AsyncioWaitForTest.test_wait_for_waits_for_task_cancellation: the cancelled task awaits in its except block (no async cleanup)
// - AsyncioWaitForTest.test_wait_for_waits_for_task_cancellation_w_timeout_0: the cancelled task awaits in its except block (no async cleanup)
// - AsyncioWaitForTest.test_wait_for_reraises_exception_during_cancellation: cleanup raises while cancelled; Drop cannot return an error
// - AsyncioWaitForTest.test_wait_for_self_cancellation: the inner task ignores cancellation twice; a dropped future cannot
// - AsyncioWaitForTest.test_wait_for_cancel_suppressed: the coroutine catches its cancellation and returns 42; cancellation by drop cannot be caught
//
// Needs API:

use corio_conformance::{elapsed_s, run_paused, sleep_s, DropFlag, Promise, Shared};
use corio_executor::time::{timeout, timeout_at, Instant, TimeoutHandle};
use corio_executor::{spawn, yield_now};
use std::time::Duration;

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// Deliberate difference: asyncio's SlowTask swallows the cancellation and keeps running
/// until it is done, and `wait_for` waits for it. A corio future that is cancelled is
/// dropped at once: it cannot ignore the request, so it never reaches its end.
#[test]
fn asyncio_wait_for_test_asyncio_wait_for_cancelled() {
    run_paused(|| async {
        let exited = Shared::new(false);
        let dropped = Shared::new(false);
        let (e, d) = (exited.clone(), dropped.clone());
        let waitfortask = spawn(timeout(secs(0.4), async move {
            let _dropped = DropFlag::new(&d);
            sleep_s(0.2).await;
            e.set(true);
        }));
        yield_now().await;
        waitfortask.cancel();
        assert!(waitfortask.await.unwrap_err().is_cancelled());
        // asyncio: t.exited is true; corio: the slow body was dropped before its end.
        assert!(dropped.get());
        assert!(!exited.get());
    });
}

/// Deliberate difference (as above): at the deadline asyncio's wait_for waits for the
/// cancellation-ignoring body to finish, then raises TimeoutError; corio drops the body.
#[test]
fn asyncio_wait_for_test_asyncio_wait_for_timeout() {
    run_paused(|| async {
        let exited = Shared::new(false);
        let e = exited.clone();
        let t0 = Instant::now();
        let r = timeout(secs(0.1), async move {
            sleep_s(0.2).await;
            e.set(true);
        })
        .await;
        assert!(r.is_err());
        assert!((elapsed_s(t0) - 0.1).abs() < 1e-9);
        // asyncio: t.exited is true; corio: the body never finished.
        assert!(!exited.get());
    });
}

#[test]
fn asyncio_wait_for_test_wait_for_timeout_less_then_0_or_0_future_done() {
    run_paused(|| async {
        let fut = Promise::new();
        fut.set("done");

        let t0 = Instant::now();
        let ret = timeout(Duration::ZERO, fut.wait()).await;

        assert_eq!(ret, Ok("done"));
        assert!(fut.is_set());
        assert!(elapsed_s(t0) < 0.1);
    });
}

/// Deliberate difference, documented on `corio_executor::time::timeout`: a zero timeout
/// still polls the future once, and a future that is ready on that poll wins. asyncio
/// cancels a coroutine that has not started yet without running it and raises
/// TimeoutError. To refuse to start work when no time is left, check the time before
/// building the future.
#[test]
fn asyncio_wait_for_test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started() {
    run_paused(|| async {
        let foo_started = Shared::new(false);
        let started = foo_started.clone();
        let t0 = Instant::now();
        let r = timeout(Duration::ZERO, async move {
            started.set(true);
        })
        .await;
        // asyncio: TimeoutError and foo never started; corio: foo ran to its end at once.
        assert_eq!(r, Ok(()));
        assert!(foo_started.get());
        assert!(elapsed_s(t0) < 0.1);
    });
}

/// Deliberate difference: asyncio's wait_for cancels the task it timed out; timing out
/// `&mut handle` only stops waiting, because dropping or abandoning a JoinHandle detaches
/// its task (Rust's JoinHandle convention). A user who wants asyncio's behaviour cancels the
/// handle when the timeout fires, as done here.
#[test]
fn asyncio_wait_for_test_wait_for_timeout_less_then_0_or_0() {
    for negative in [false, true] {
        run_paused(move || async move {
            let foo_running = Shared::new(None::<bool>);
            let started = Promise::new();
            let (running, st) = (foo_running.clone(), started.clone());
            let dropped = Shared::new(false);
            let flag = dropped.clone();

            let mut fut = spawn(async move {
                running.set(Some(true));
                st.set(());
                let _finally = DropFlag::new(&flag);
                sleep_s(10.0).await;
                running.set(Some(false));
                "done"
            });
            started.wait().await;

            let t0 = Instant::now();
            let r = if negative {
                let past = t0.checked_sub(secs(1.0)).unwrap_or(t0);
                timeout_at(past, &mut fut).await
            } else {
                timeout(Duration::ZERO, &mut fut).await
            };
            assert!(r.is_err());
            // corio: the task runs on (detached from the wait), until cancelled by hand.
            assert!(!fut.is_finished());
            fut.cancel();
            assert!(fut.await.unwrap_err().is_cancelled());
            assert!(dropped.get());
            assert_eq!(foo_running.get(), Some(true), "foo never reached its end");
            assert!(elapsed_s(t0) < 0.1);
        });
    }
}

/// Deliberate difference (as `..._less_then_0_or_0`): the timed-out task is detached, not
/// cancelled; the user cancels it when the timeout fires.
#[test]
fn asyncio_wait_for_test_wait_for() {
    run_paused(|| async {
        let dropped = Shared::new(false);
        let flag = dropped.clone();
        let mut fut = spawn(async move {
            let _finally = DropFlag::new(&flag);
            sleep_s(10.0).await;
            "done"
        });

        let t0 = Instant::now();
        let r = timeout(secs(0.1), &mut fut).await;
        assert!(r.is_err());
        assert!(!fut.is_finished(), "corio detaches, asyncio cancels");
        fut.cancel();
        assert!(fut.await.unwrap_err().is_cancelled());
        assert!(elapsed_s(t0) < 0.5);
        assert!(dropped.get());
    });
}

#[test]
fn asyncio_wait_for_test_wait_for_race_condition() {
    run_paused(|| async {
        let fut = Promise::new();
        // loop.call_later(0.1, fut.set_result, "ok")
        spawn({
            let fut = fut.clone();
            async move {
                sleep_s(0.1).await;
                fut.set("ok");
            }
        });
        let res = timeout(secs(0.2), fut.wait()).await;
        assert_eq!(res, Ok("ok"));
    });
}

/// Deliberate difference: asyncio's `wait_for(task)` cancels the task when the wait itself
/// is cancelled (Python issue #23219). Cancelling a corio task that waits on
/// `timeout(d, handle)` drops the handle, which detaches the inner task: it runs on, and
/// the user who wants it gone cancels it too.
#[test]
fn asyncio_wait_for_test_cancel_wait_for() {
    run_paused(|| check_cancel_wait_for(Some(secs(60.0))));
}

/// `_test_cancel_wait_for(None)`: as [`asyncio_wait_for_test_cancel_wait_for`], with a wait
/// that has no deadline. Deliberate difference, as there: the inner task is detached.
#[test]
fn asyncio_wait_for_test_cancel_blocking_wait_for() {
    run_paused(|| check_cancel_wait_for(None));
}

#[test]
fn asyncio_wait_for_test_wait_for_blocking() {
    run_paused(|| async {
        let res = TimeoutHandle::never().scope(async { "done" }).await;
        assert_eq!(res, Ok("done"));
    });
}

/// `_test_cancel_wait_for(timeout)`: cancel a task that waits on another task for up to
/// `timeout` (or with no deadline).
async fn check_cancel_wait_for(timeout_after: Option<Duration>) {
    let blocker = Promise::<()>::new();
    let dropped = Shared::new(false);
    let task = spawn({
        let (blocker, flag) = (blocker.clone(), dropped.clone());
        // Block: the result is never set.
        async move {
            let _cancelled = DropFlag::new(&flag);
            blocker.wait().await
        }
    });
    let wait = spawn(TimeoutHandle::at(timeout_after.map(|d| Instant::now() + d)).scope(task));
    // loop.call_soon(wait.cancel)
    yield_now().await;
    wait.cancel();
    assert!(wait.await.unwrap_err().is_cancelled());
    // asyncio: task.cancelled(); corio: the inner task runs on, detached.
    yield_now().await;
    assert!(
        !dropped.get(),
        "the inner task was not cancelled, only detached"
    );
    assert!(!blocker.is_set());
}

#[test]
fn asyncio_wait_for_test_wait_for_issue86296() {
    run_paused(|| async {
        let reached_end = Shared::new(false);
        let r = reached_end.clone();
        let task = spawn(async move {
            timeout(secs(100.0), async {}).await.unwrap();
            sleep_s(1.0).await;
            r.set(true);
        });
        yield_now().await;
        assert!(!task.is_finished());
        task.cancel();
        assert!(task.await.unwrap_err().is_cancelled());
        assert!(!reached_end.get());
    });
}
