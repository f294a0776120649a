//! The scheduling parts of CPython's `Lib/test/test_asyncio/test_tasks.py` (cancellation,
//! sleep, gather, wait, as_completed, shield, and calls from other threads), ported to
//! corio_executor and corio_taskgroup. The rest of that file (Task repr and naming,
//! ensure_future, contextvars, task factories, introspection, coroutine wrappers) is about
//! Python objects, not scheduling, and is outside this suite.
//!
//! `loop.call_soon(f)` before running a task is `f` after one `yield_now()` (the task's
//! first step runs first, as in asyncio); `test_utils.run_briefly(loop)` is one
//! `yield_now()` (where corio needs a task where asyncio has a bare future, the extra turn
//! is added and said at the spot); `loop.create_future()` is a [`Promise`];
//! `fut.set_exception(e)` resolves a `Promise<Result<_, _>>` with `Err(e)`; a task
//! cancelling itself uses its own `JoinHandle`, parked in a shared slot. The gather tests
//! come in two flavours in CPython (over futures and over coroutines); both run here, over
//! spawned tasks and over async blocks. `asyncio.wait` takes [`ChildHandle`]s: each task
//! it waits on is made by `create_task` (one child of a group of its own, named so that
//! `done == {a, b}` compares names); `asyncio.shield(x)` is `corio_taskgroup::shield`.
//!
// Not applicable:
// - BaseTaskTests.test_cancelling: Task.cancelling() counter; cancellation here is a drop
// - BaseTaskTests.test_uncancel_basic: Task.uncancel(); a dropped future cannot be un-cancelled
// - BaseTaskTests.test_uncancel_structured_blocks: Task.uncancel() and cancelling() counters; a dropped future cannot be un-cancelled
// - BaseTaskTests.test_uncancel_resets_must_cancel: Task.uncancel() and the private _must_cancel
// - BaseTaskTests.test_cancel_with_message_then_future_result: cancel(msg) messages and exception chaining
// - BaseTaskTests.test_cancel_with_message_then_future_exception: cancel(msg) messages and exception chaining
// - BaseTaskTests.test_cancellation_exception_context: cancel(msg) messages and exception chaining
// - BaseTaskTests.test_cancel_with_message_before_starting_task: cancel(msg) messages
// - BaseTaskTests.test_cancel_traceback_for_future_result: Python tracebacks
// - BaseTaskTests.test_cancel_traceback_for_future_exception: Python tracebacks
// - BaseTaskTests.test_stop_while_run_in_complete: loop.stop(); corio's run() has no stop
// - BaseTaskTests.test_baseexception_during_cancel: SystemExit, Python's BaseException hierarchy
// - BaseTaskTests.test_as_completed_same_tasks_in_as_out: object identity of the awaitables as_completed() yields
// - BaseTaskTests.test_sleep_when_delay_is_nan: a NaN delay raising ValueError; a Duration cannot be NaN
// - BaseTaskTests.test_as_completed_reverse_wait: awaits the futures as_completed() hands out in another order; corio's AsCompleted gives one result per next()
// - BaseTaskTests.test_as_completed_concurrent: waits on all the futures as_completed() hands out at once; corio's AsCompleted gives one result per next()
// - BaseTaskTests.test_as_completed_duplicate_coroutines: passes one coroutine object twice; a Rust future moves once
// - BaseTaskTests.test_as_completed_coroutine_without_loop: no running loop (loop=)
// - BaseTaskTests.test_as_completed_invalid_args: TypeError for a wrong argument type; the type checker refuses it
// - BaseTaskTests.test_shield_coroutine_without_loop: no running loop (loop=)
// - BaseTaskTests.test_shield_coroutine_use_global_loop: the global event loop (loop=)
// - BaseTaskTests.test_wait_invalid_args: TypeError for a wrong argument type; the type checker refuses it
// - FutureGatherTests.test_env_var_debug: PYTHONASYNCIODEBUG
// - FutureGatherTests.test_constructor_empty_sequence_without_loop: no running loop (loop=)
// - FutureGatherTests.test_constructor_empty_sequence_use_global_loop: the global event loop (loop=)
// - FutureGatherTests.test_constructor_heterogenous_futures: futures of two event loops (loop=)
// - FutureGatherTests.test_constructor_homogenous_futures: futures of another event loop (loop=)
// - CoroutineGatherTests.test_env_var_debug: PYTHONASYNCIODEBUG
// - CoroutineGatherTests.test_constructor_without_loop: no running loop (loop=)
// - CoroutineGatherTests.test_constructor_use_global_loop: the global event loop (loop=)
// - CoroutineGatherTests.test_duplicate_coroutines: passes one coroutine object twice; a Rust future moves once
// - CoroutineGatherTests.test_issue46672: TypeError for a non-awaitable argument; the type checker refuses it
// - RunCoroutineThreadsafeTests.test_run_coroutine_threadsafe_task_factory_exception: loop task factories
//
// Deliberate differences:
// - BaseTaskTests.test_cancel_inner_future: an awaited task that is cancelled gives its awaiter an error value (JoinError::Cancelled), it does not cancel the awaiter (test asserts it)
// - BaseTaskTests.test_cancel_task_catching: the task catches its CancelledError and returns 42; cancellation by drop cannot be caught
// - BaseTaskTests.test_cancel_task_ignoring: the task ignores its CancelledError and goes on; cancellation by drop cannot be ignored
// - BaseTaskTests.test_cancel_awaited_task: a cancelled task drops the JoinHandle it was awaiting, which detaches that task instead of cancelling it (test asserts it)
// - BaseTaskTests.test_yield_future_passes_cancel: the outer coroutine catches the cancellation and finishes normally; cancellation by drop cannot be caught (test asserts corio's outcome)
// - BaseTaskTests.test_wait_duplicate_coroutines: passes one task twice to wait(); a ChildHandle moves into wait() once, so the duplicate cannot be written
// - BaseTaskTests.test_wait_errors: an empty wait() returns two empty lists at once instead of raising ValueError, and an invalid return_when cannot be written (ReturnWhen is an enum) (test asserts corio's outcome)
// - BaseTaskTests.test_wait_with_exception: a handle gives its task's outcome once, so the second round reads AlreadyTaken where Python reads the exception again (test asserts corio's outcome)
// - BaseTaskTests.test_shield_cancel_inner: the shield gives the inner task's cancellation as an error value (JoinError::Cancelled) instead of being cancelled itself (test asserts it)
// - BaseTaskTests.test_shield_cancel_outer_exception: asyncio reports an exception nobody retrieved to the loop's exception handler; corio has no loop exception handler: an error is a value, dropped unread with a detached task
// - BaseTaskTests.test_shield_duplicate_log_once: shields one future twice and counts exception-handler calls; a future moves into one shield, and corio has no loop exception handler
// - BaseTaskTests.test_cancel_gather_1: a gathering future whose children are done refuses cancel(); corio's gather runs inside a task, and cancelling a task that has not finished takes effect (returns true, the result is dropped) (test asserts corio's outcome)
//
// Needs API:

use corio_conformance::{elapsed_s, run_paused, sleep_s, DropFlag, OnCancel, Promise, Shared};
use corio_executor::time::Instant;
use corio_executor::{spawn, yield_now, Handle, JoinError, JoinHandle};
use corio_taskgroup::{
    as_completed, gather, gather_settled, shield, wait, ChildError, ChildHandle, ReturnWhen,
    Shield, TaskGroup, TimedOut,
};
use futures::FutureExt;
use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

async fn assert_cancelled<T: std::fmt::Debug>(task: JoinHandle<T>) {
    let outcome = task.await;
    assert!(
        matches!(&outcome, Err(e) if e.is_cancelled()),
        "expected the task to be cancelled, got {outcome:?}"
    );
}

/// A `JoinHandle` kept in a shared slot, so one task can await it while another (or the
/// task itself) cancels it through the same handle.
type Slot<T> = Shared<Option<JoinHandle<T>>>;

fn cancel_in(slot: &Slot<impl Sized>) {
    slot.update(|h| h.as_ref().expect("the handle is in the slot").cancel());
}

fn finished_in(slot: &Slot<impl Sized>) -> bool {
    slot.update(|h| h.as_ref().expect("the handle is in the slot").is_finished())
}

/// Awaits the handle in `slot`, locking the slot only while polling.
async fn await_in<T>(slot: &Slot<T>) -> Result<T, JoinError> {
    std::future::poll_fn(|cx| {
        slot.update(|h| std::pin::Pin::new(h.as_mut().expect("the handle is in the slot")).poll(cx))
    })
    .await
}

// ---------------------------------------------------------------- cancellation

#[test]
fn base_task_test_cancel() {
    run_paused(|| async {
        let t = spawn(async {
            sleep_s(10.0).await;
            12
        });
        // loop.call_soon(t.cancel)
        yield_now().await;
        t.cancel();
        yield_now().await;
        assert!(t.is_finished());
        assert!(!t.cancel());
        assert_cancelled(t).await;
    });
}

#[test]
fn base_task_test_cancel_yield() {
    run_paused(|| async {
        let t = spawn(async {
            yield_now().await;
            yield_now().await;
            12
        });
        yield_now().await; // start coro
        t.cancel();
        yield_now().await;
        assert!(t.is_finished());
        assert!(!t.cancel());
        assert_cancelled(t).await;
    });
}

/// Deliberate difference: in asyncio, cancelling the future a task awaits cancels the
/// task too (the CancelledError propagates through `await`). A corio task that awaits a
/// cancelled task gets `Err(JoinError::Cancelled)` as a value, and decides what to do with
/// it; a user who wants asyncio's propagation returns early with `?` and cancels nothing
/// else, or cancels the outer task as well.
#[test]
fn base_task_test_cancel_inner_future() {
    run_paused(|| async {
        let f: Slot<i32> = Shared::new(Some(spawn(std::future::pending::<i32>())));
        let t = spawn({
            let f = f.clone();
            async move {
                await_in(&f).await?;
                Ok::<_, JoinError>(12)
            }
        });
        yield_now().await; // start task
        cancel_in(&f);
        let outcome = t.await.expect("asyncio: t.cancelled(); corio: t returned");
        assert!(outcome.unwrap_err().is_cancelled());
        assert!(finished_in(&f));
    });
}

#[test]
fn base_task_test_cancel_both_task_and_inner_future() {
    run_paused(|| async {
        let f_dropped = Shared::new(false);
        let flag = f_dropped.clone();
        let f: Slot<i32> = Shared::new(Some(spawn(async move {
            let _cancelled = DropFlag::new(&flag);
            std::future::pending::<i32>().await
        })));
        let t = spawn({
            let f = f.clone();
            async move {
                await_in(&f).await?;
                Ok::<_, JoinError>(12)
            }
        });
        yield_now().await;

        cancel_in(&f);
        t.cancel();

        assert_cancelled(t).await;
        assert!(finished_in(&f));
        assert!(f_dropped.get());
        assert!(f.take().unwrap().await.unwrap_err().is_cancelled());
    });
}

#[test]
fn base_task_test_cancel_current_task() {
    run_paused(|| async {
        let me: Slot<i32> = Shared::new(None);
        let t = spawn({
            let me = me.clone();
            async move {
                cancel_in(&me);
                // The sleep should be cancelled immediately.
                sleep_s(100.0).await;
                12
            }
        });
        assert!(!t.is_finished());
        me.set(Some(t));
        let t0 = Instant::now();
        assert!(await_in(&me).await.unwrap_err().is_cancelled());
        assert!(finished_in(&me));
        assert_eq!(elapsed_s(t0), 0.0);
        assert!(!me.update(|h| h.as_ref().unwrap().cancel()));
    });
}

#[test]
fn base_task_test_cancel_at_end() {
    run_paused(|| async {
        let me: Slot<i32> = Shared::new(None);
        let t = spawn({
            let me = me.clone();
            async move {
                cancel_in(&me);
                12
            }
        });
        assert!(!t.is_finished());
        me.set(Some(t));
        let outcome = await_in(&me).await;
        assert!(finished_in(&me));
        assert!(
            matches!(&outcome, Err(e) if e.is_cancelled()),
            "asyncio: the task is cancelled, got {outcome:?}"
        );
        assert!(!me.update(|h| h.as_ref().unwrap().cancel()));
    });
}

/// Deliberate difference: the task cancels itself, then awaits a nested task. asyncio
/// cancels the nested task too (the cancellation moves to whatever the task awaits next);
/// corio drops the cancelled task, and with it the nested task's JoinHandle, which detaches
/// the nested task: it runs on. A user who wants it gone cancels it explicitly (or runs it
/// in a TaskGroup, whose children are cancelled with the group).
#[test]
fn base_task_test_cancel_awaited_task() {
    run_paused(|| async {
        let fut = Promise::<()>::new();
        let nested_dropped = Shared::new(false);
        let me: Slot<()> = Shared::new(None);
        let task = spawn({
            let (fut, me, flag) = (fut.clone(), me.clone(), nested_dropped.clone());
            async move {
                // Create a sub-task and let it run.
                let nested_task = spawn(async move {
                    let _cancelled = DropFlag::new(&flag);
                    fut.wait().await
                });
                yield_now().await;
                // Request the current task to be cancelled.
                cancel_in(&me);
                // Block on the nested task.
                nested_task.await.unwrap();
            }
        });
        me.set(Some(task));
        assert!(await_in(&me).await.unwrap_err().is_cancelled());
        yield_now().await;
        // asyncio: nested_task.cancelled() and fut.cancelled(); corio: it runs on, detached.
        assert!(!nested_dropped.get());
        assert!(!fut.is_set());
    });
}

// ---------------------------------------------------------------- sleep

#[test]
fn base_task_test_sleep() {
    run_paused(|| async {
        async fn sleeper(dt: f64, arg: &'static str) -> &'static str {
            sleep_s(dt / 2.0).await;
            sleep_s(dt / 2.0).await;
            arg
        }
        let t0 = Instant::now();
        let t = spawn(sleeper(0.1, "yeah"));
        let res = t.await.unwrap();
        assert_eq!(res, "yeah");
        assert!((elapsed_s(t0) - 0.1).abs() < 1e-9);
    });
}

#[test]
fn base_task_test_sleep_cancel() {
    run_paused(|| async {
        let t0 = Instant::now();
        let t = spawn(async {
            sleep_s(10.0).await;
            "yeah"
        });
        yield_now().await;
        assert!(!t.is_finished());

        t.cancel();
        yield_now().await;
        assert!(t.is_finished());
        // The timer went with the task: the clock did not move to it.
        assert_eq!(elapsed_s(t0), 0.0);
        assert_cancelled(t).await;
    });
}

#[test]
fn base_task_test_task_cancel_sleeping_task() {
    run_paused(|| async {
        let t0 = Instant::now();
        let sleeper: Slot<()> = Shared::new(Some(spawn(sleep_s(5000.0))));
        // loop.call_later(0.1, sleeper.cancel)
        spawn({
            let sleeper = sleeper.clone();
            async move {
                sleep_s(0.1).await;
                cancel_in(&sleeper);
            }
        });
        let doit = match await_in(&sleeper).await {
            Err(e) if e.is_cancelled() => "cancelled",
            _ => "slept in",
        };
        assert_eq!(doit, "cancelled");
        assert!((elapsed_s(t0) - 0.1).abs() < 1e-9);
    });
}

#[test]
fn base_task_test_task_cancel_waiter_future() {
    run_paused(|| async {
        let fut = Promise::<()>::new();
        let waiter_dropped = Shared::new(false);
        let task = spawn({
            let (fut, flag) = (fut.clone(), waiter_dropped.clone());
            async move {
                let _cancelled = DropFlag::new(&flag);
                fut.wait().await
            }
        });
        yield_now().await;

        task.cancel();
        yield_now().await;
        assert_cancelled(task).await;
        // The wait on `fut` was cancelled with the task (fut.cancelled()).
        assert!(waiter_dropped.get());
    });
}

/// Deliberate difference: asyncio lets `outer` catch the CancelledError raised through
/// `inner` and finish normally (proof = 101, the task not cancelled). A dropped future
/// runs no more code, so both `except` blocks become drop guards: they still both run
/// (proof = 101), but the task ends cancelled.
#[test]
fn base_task_test_yield_future_passes_cancel() {
    run_paused(|| async {
        let proof = Shared::new(0);
        let waiter = Promise::<()>::new();
        let f = spawn({
            let (proof, waiter) = (proof.clone(), waiter.clone());
            async move {
                let p = proof.clone();
                let outer_cancelled = OnCancel::new(move || p.update(|n| *n += 100));
                let p = proof.clone();
                let inner = async move {
                    let inner_cancelled = OnCancel::new(move || p.update(|n| *n += 1));
                    waiter.wait().await;
                    inner_cancelled.finish();
                    panic!("got past the wait in inner()");
                };
                inner.await;
                outer_cancelled.finish();
                proof.update(|n| *n += 10);
            }
        });
        yield_now().await;
        f.cancel();
        assert_cancelled(f).await;
        assert_eq!(proof.get(), 101);
        assert!(!waiter.is_set());
    });
}

// ---------------------------------------------------------------- as_completed

#[test]
fn base_task_test_as_completed() {
    run_paused(|| async {
        let t0 = Instant::now();
        async fn sleeper(dt: f64, x: &'static str) -> &'static str {
            sleep_s(dt).await;
            x
        }
        let mut values = Vec::new();
        let mut fs = as_completed([sleeper(0.01, "b"), sleeper(0.15, "c"), sleeper(0.01, "a")]);
        while let Some(v) = fs.next().await {
            values.push(v);
        }
        assert!((elapsed_s(t0) - 0.15).abs() < 1e-9);
        assert!(values[..2].contains(&"a"));
        assert!(values[..2].contains(&"b"));
        assert_eq!(values[2], "c");
    });
}

#[test]
fn base_task_test_as_completed_resume_iterator() {
    run_paused(|| async {
        async fn coro(i: i32) -> i32 {
            i
        }
        let mut iterator = as_completed([coro(0), coro(1), coro(2), coro(3)]);
        let mut collected = Vec::new();
        while let Some(v) = iterator.next().await {
            collected.push(v);
            if collected.len() == 2 {
                break;
            }
        }
        assert_eq!(collected.len(), 2);

        // Resume the same iterator.
        while let Some(v) = iterator.next().await {
            collected.push(v);
        }
        collected.sort();
        assert_eq!(collected, [0, 1, 2, 3]);
    });
}

#[test]
fn base_task_test_as_completed_coroutine_use_running_loop() {
    run_paused(|| async {
        let mut futs = as_completed([async { 42 }]);
        assert_eq!(futs.remaining(), 1);
        assert_eq!(futs.next().await, Some(42));
    });
}

// ---------------------------------------------------------------- gather

#[test]
fn base_task_test_cancel_gather_2() {
    run_paused(|| async {
        let qwe = spawn(async {
            let mut time = 0.0;
            loop {
                time += 0.05;
                let _ = gather_settled([async {
                    sleep_s(0.05).await;
                    Ok::<(), ()>(())
                }])
                .await;
                if time > 1.0 {
                    return;
                }
            }
        });
        sleep_s(0.2).await;
        qwe.cancel();
        // gather() propagates the cancellation to its caller: qwe ends cancelled.
        assert_cancelled(qwe).await;
    });
}

type Outcome = Result<i32, &'static str>;

/// A gathered child that waits for its promise (`a = loop.create_future()`).
fn child(p: &Promise<Outcome>) -> impl Future<Output = Outcome> + Send + 'static {
    let p = p.clone();
    async move { p.wait().await }
}

/// "Run the loop until nothing is ready": a few turns are enough for the gathered tasks
/// and the gathering task.
async fn run_loop() {
    for _ in 0..4 {
        yield_now().await;
    }
}

/// The four GatherTestsBase cases, once over spawned tasks (FutureGatherTests) and once
/// over async blocks (CoroutineGatherTests).
macro_rules! gather_base_tests {
    ($module:ident, $wrap:expr) => {
        mod $module {
            use super::*;

            fn wrap(
                p: &Promise<Outcome>,
            ) -> std::pin::Pin<Box<dyn Future<Output = Outcome> + Send>> {
                $wrap(p)
            }

            async fn check_success(settled: bool) {
                let [a, b, c] = [(); 3].map(|_| Promise::<Outcome>::new());
                let fut = if settled {
                    let g = gather_settled([wrap(&a), wrap(&b), wrap(&c)]);
                    spawn(async move { g.await.into_iter().collect::<Result<Vec<_>, _>>() })
                } else {
                    spawn(gather([wrap(&a), wrap(&b), wrap(&c)]))
                };
                b.set(Ok(1));
                a.set(Ok(2));
                run_loop().await;
                assert!(!fut.is_finished());
                c.set(Ok(3));
                run_loop().await;
                assert!(fut.is_finished());
                assert_eq!(fut.await.unwrap(), Ok(vec![2, 1, 3]));
            }

            #[test]
            fn test_success() {
                run_paused(|| check_success(false));
            }

            #[test]
            fn test_result_exception_success() {
                run_paused(|| check_success(true));
            }

            #[test]
            fn test_one_exception() {
                run_paused(|| async {
                    let [a, b, c, d, e] = [(); 5].map(|_| Promise::<Outcome>::new());
                    let fut = spawn(gather([wrap(&a), wrap(&b), wrap(&c), wrap(&d), wrap(&e)]));
                    a.set(Ok(1));
                    b.set(Err("ZeroDivisionError"));
                    run_loop().await;
                    assert!(fut.is_finished());
                    assert_eq!(fut.await.unwrap(), Err("ZeroDivisionError"));
                    // Does nothing.
                    c.set(Ok(3));
                    e.set(Err("RuntimeError"));
                    run_loop().await;
                });
            }

            #[test]
            fn test_return_exceptions() {
                run_paused(|| async {
                    let [a, b, c, d] = [(); 4].map(|_| Promise::<Outcome>::new());
                    let fut = spawn(gather_settled([wrap(&a), wrap(&b), wrap(&c), wrap(&d)]));
                    b.set(Ok(1));
                    c.set(Err("ZeroDivisionError"));
                    a.set(Ok(3));
                    run_loop().await;
                    assert!(!fut.is_finished());
                    d.set(Err("RuntimeError"));
                    run_loop().await;
                    assert!(fut.is_finished());
                    assert_eq!(
                        fut.await.unwrap(),
                        [Ok(3), Ok(1), Err("ZeroDivisionError"), Err("RuntimeError")]
                    );
                });
            }
        }
    };
}

gather_base_tests!(future_gather_tests, |p: &Promise<Outcome>| {
    // A future that already exists: a spawned task, gathered through its JoinHandle.
    let task = spawn(child(p));
    Box::pin(async move { task.await.expect("the child task ran") })
        as std::pin::Pin<Box<dyn Future<Output = Outcome> + Send>>
});

gather_base_tests!(coroutine_gather_tests, |p: &Promise<Outcome>| {
    Box::pin(child(p)) as std::pin::Pin<Box<dyn Future<Output = Outcome> + Send>>
});

#[test]
fn future_gather_test_constructor_empty_sequence_use_running_loop() {
    run_paused(|| async {
        let fut = spawn(gather(Vec::<std::future::Ready<Result<i32, ()>>>::new()));
        run_loop().await;
        assert!(fut.is_finished());
        assert_eq!(fut.await.unwrap(), Ok(vec![]));
    });
}

/// A gathered child that is a task: its result, or the word that it was cancelled.
async fn task_child(task: JoinHandle<i32>) -> Result<i32, String> {
    task.await.map_err(|e| {
        if e.is_cancelled() {
            "CancelledError".to_string()
        } else {
            e.to_string()
        }
    })
}

#[test]
fn future_gather_test_one_cancellation() {
    run_paused(|| async {
        let ps: Vec<Promise<i32>> = (0..5).map(|_| Promise::new()).collect();
        let tasks: Vec<JoinHandle<i32>> = ps
            .iter()
            .map(|p| {
                let p = p.clone();
                spawn(async move { p.wait().await })
            })
            .collect();
        let [a, b, c, d, e]: [JoinHandle<i32>; 5] = tasks.try_into().unwrap();
        let (b_cancel, d_cancel): (Slot<i32>, Slot<i32>) =
            (Shared::new(Some(b)), Shared::new(Some(d)));
        let (bs, ds) = (b_cancel.clone(), d_cancel.clone());
        let fut = spawn(gather([
            Box::pin(task_child(a)) as std::pin::Pin<Box<dyn Future<Output = _> + Send>>,
            Box::pin(async move {
                await_in(&bs)
                    .await
                    .map_err(|_| "CancelledError".to_string())
            }),
            Box::pin(task_child(c)),
            Box::pin(async move {
                await_in(&ds)
                    .await
                    .map_err(|_| "CancelledError".to_string())
            }),
            Box::pin(task_child(e)),
        ]));
        ps[0].set(1);
        cancel_in(&b_cancel);
        run_loop().await;
        assert!(fut.is_finished());
        // The gather is not cancelled itself: its error says a child was.
        assert_eq!(fut.await.unwrap(), Err("CancelledError".to_string()));
        // Does nothing.
        ps[2].set(3);
        cancel_in(&d_cancel);
        run_loop().await;
    });
}

#[test]
fn future_gather_test_result_exception_one_cancellation() {
    run_paused(|| async {
        let ps: Vec<Promise<Result<i32, String>>> = (0..6).map(|_| Promise::new()).collect();
        let slots: Vec<Slot<Result<i32, String>>> = ps
            .iter()
            .map(|p| {
                let p = p.clone();
                Shared::new(Some(spawn(async move { p.wait().await })))
            })
            .collect();
        let children: Vec<_> = slots
            .iter()
            .map(|s| {
                let s = s.clone();
                async move {
                    match await_in(&s).await {
                        Ok(outcome) => outcome,
                        Err(_) => Err("CancelledError".to_string()),
                    }
                }
            })
            .collect();
        let fut = spawn(gather_settled(children));
        ps[0].set(Ok(1));
        ps[1].set(Err("ZeroDivisionError".into()));
        cancel_in(&slots[2]);
        run_loop().await;
        assert!(!fut.is_finished());
        ps[3].set(Ok(3));
        cancel_in(&slots[4]);
        ps[5].set(Err("RuntimeError".into()));
        let res = fut.await.unwrap();
        assert_eq!(
            res,
            [
                Ok(1),
                Err("ZeroDivisionError".to_string()),
                Err("CancelledError".to_string()),
                Ok(3),
                Err("CancelledError".to_string()),
                Err("RuntimeError".to_string()),
            ]
        );
    });
}

#[test]
fn coroutine_gather_test_constructor_use_running_loop() {
    run_paused(|| async {
        let coro = || async { Ok::<_, ()>("abc") };
        let fut = gather([coro(), coro()]);
        assert_eq!(fut.await, Ok(vec!["abc", "abc"]));
    });
}

/// asyncio gathers two tasks made beforehand; corio's gather owns the tasks it gathers
/// (it spawns the futures it is given), which is what makes cancelling the gather cancel
/// them: so the children are handed to gather as futures.
#[test]
fn coroutine_gather_test_cancellation_broadcast() {
    run_paused(|| async {
        let proof = Shared::new(0);
        let waiter = Promise::<()>::new();
        let cancelled = Shared::new(0);
        let inner = || {
            let (proof, waiter, cancelled) = (proof.clone(), waiter.clone(), cancelled.clone());
            async move {
                let on_cancel = OnCancel::new(move || cancelled.update(|n| *n += 1));
                waiter.wait().await;
                on_cancel.finish();
                proof.update(|n| *n += 1);
                Ok::<(), ()>(())
            }
        };
        let (child1, child2) = (inner(), inner());
        let f = spawn({
            let proof = proof.clone();
            async move {
                gather([child1, child2]).await.unwrap();
                proof.update(|n| *n += 100);
            }
        });
        yield_now().await;
        assert!(f.cancel());
        assert_cancelled(f).await;
        // (asyncio also checks that the gather future, now cancelled, refuses cancel(): the
        // corio gather future was dropped with f, so there is nothing left to cancel.)
        yield_now().await;
        assert_eq!(cancelled.get(), 2, "both children were cancelled");
        assert_eq!(proof.get(), 0);
    });
}

#[test]
fn coroutine_gather_test_exception_marking() {
    run_paused(|| async {
        let (a, b) = (Promise::<()>::new(), Promise::<()>::new());
        let inner = |f: &Promise<()>| {
            let f = f.clone();
            async move {
                f.wait().await;
                Err::<(), _>("RuntimeError: should not be ignored")
            }
        };
        let f = spawn(gather([inner(&a), inner(&b)]));
        yield_now().await;
        a.set(());
        yield_now().await;
        b.set(());
        yield_now().await;
        assert_eq!(f.await.unwrap(), Err("RuntimeError: should not be ignored"));
    });
}

// ---------------------------------------------------------------- wait

/// `asyncio.create_task(coro, name=...)` for the `wait` cases: a task of its own, that no
/// sibling's failure cancels, and whose handle `wait` takes. It is the one child of a group
/// of its own; a detached task awaits that group, as the loop keeps an asyncio task alive
/// until it ends. The name stands in for the task's identity in `done == {a, b}`.
fn create_task<T: Send + 'static>(
    name: &str,
    future: impl Future<Output = Result<T, &'static str>> + Send + 'static,
) -> ChildHandle<T> {
    let group = TaskGroup::<&'static str>::new();
    let task = group
        .spawn_named(name, future)
        .expect("a new group takes a child");
    spawn(async move {
        let _ = group.wait().await;
    });
    task
}

/// `create_task(name, asyncio.sleep(dt))`.
fn sleep_task(name: &str, dt: f64) -> ChildHandle<()> {
    create_task(name, async move {
        sleep_s(dt).await;
        Ok(())
    })
}

/// The names of `handles`, as a set: `done == {a, b}`.
fn names<T>(handles: &[ChildHandle<T>]) -> BTreeSet<String> {
    handles
        .iter()
        .map(|h| h.name().expect("every task here is named").to_owned())
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// `t.done()`, without taking the task's value: a wait whose deadline has already passed.
async fn is_done<T>(task: ChildHandle<T>) -> (ChildHandle<T>, bool) {
    let (mut done, mut pending) = wait([task], ReturnWhen::AllCompleted)
        .with_deadline(std::future::ready(()))
        .await;
    match (done.pop(), pending.pop()) {
        (Some(task), None) => (task, true),
        (None, Some(task)) => (task, false),
        other => unreachable!("one handle in, one out: {other:?}"),
    }
}

/// `self.assertAlmostEqual(expected, loop.time())`.
fn assert_time(t0: Instant, expected: f64) {
    let now = elapsed_s(t0);
    assert!(
        (now - expected).abs() < 1e-9,
        "expected loop.time() {expected}, it is {now}"
    );
}

#[test]
fn base_task_test_wait() {
    run_paused(|| async {
        let t0 = Instant::now();
        let a = sleep_task("a", 0.1);
        let b = sleep_task("b", 0.15);

        async fn foo(tasks: Vec<ChildHandle<()>>) -> (i32, Vec<ChildHandle<()>>) {
            let (done, pending) = wait(tasks, ReturnWhen::AllCompleted).await;
            assert_eq!(names(&done), set(&["a", "b"]));
            assert!(pending.is_empty());
            (42, done)
        }

        let (res, tasks) = spawn(foo(vec![b, a])).await.unwrap();
        assert_eq!(res, 42);
        assert_time(t0, 0.15);

        // Doing it again should take no time and exercise a different path.
        let (res, _) = spawn(foo(tasks)).await.unwrap();
        assert_time(t0, 0.15);
        assert_eq!(res, 42);
    });
}

/// Deliberate difference: empty `wait` is a question with an empty answer in corio
/// (documented on `wait`): it returns `(vec![], vec![])` at once, where asyncio raises
/// ValueError. The second half of the Python test, `return_when=-1`, cannot be written:
/// `ReturnWhen` is an enum.
#[test]
fn base_task_test_wait_errors() {
    run_paused(|| async {
        let t0 = Instant::now();
        let (done, pending) = wait(Vec::<ChildHandle<()>>::new(), ReturnWhen::AllCompleted).await;
        assert!(done.is_empty() && pending.is_empty());
        assert_time(t0, 0.0);
    });
}

#[test]
fn base_task_test_wait_first_completed() {
    run_paused(|| async {
        let t0 = Instant::now();
        let a = sleep_task("a", 10.0);
        let b = sleep_task("b", 0.1);
        let task = spawn(wait([b, a], ReturnWhen::FirstCompleted));

        let (done, pending) = task.await.unwrap();
        assert_eq!(names(&done), set(&["b"]));
        assert_eq!(names(&pending), set(&["a"]));
        let (a, a_done) = is_done(pending.into_iter().next().unwrap()).await;
        assert!(!a_done);
        let (mut b, b_done) = is_done(done.into_iter().next().unwrap()).await;
        assert!(b_done);
        assert_eq!((&mut b).await, Ok(()));
        assert_time(t0, 0.1);

        // move forward to close generator
        wait([a, b], ReturnWhen::AllCompleted).await;
    });
}

#[test]
fn base_task_test_wait_really_done() {
    run_paused(|| async {
        // there is possibility that some tasks in the pending list
        // became done but their callbacks haven't all been called yet
        let a = create_task("a", async {
            yield_now().await;
            Ok(())
        });
        let b = create_task("b", async {
            yield_now().await;
            yield_now().await;
            Ok(())
        });
        let task = spawn(wait([b, a], ReturnWhen::FirstCompleted));

        let (done, pending) = task.await.unwrap();
        assert_eq!(
            names(&done),
            set(&["a", "b"]),
            "pending: {:?}",
            names(&pending)
        );
        for task in done {
            let (task, finished) = is_done(task).await;
            assert!(finished);
            assert_eq!(task.result(), Ok(()));
        }
    });
}

#[test]
fn base_task_test_wait_first_exception() {
    run_paused(|| async {
        let t0 = Instant::now();
        // first_exception, task already has exception
        let a = sleep_task("a", 10.0);
        let b = create_task("b", async { Err::<(), _>("ZeroDivisionError: err") });
        let task = spawn(wait([b, a], ReturnWhen::FirstException));

        let (done, pending) = task.await.unwrap();
        assert_eq!(names(&done), set(&["b"]));
        assert_eq!(names(&pending), set(&["a"]));
        assert_time(t0, 0.0);

        // move forward to close generator
        wait(pending.into_iter().chain(done), ReturnWhen::AllCompleted).await;
    });
}

#[test]
fn base_task_test_wait_first_exception_in_wait() {
    run_paused(|| async {
        let t0 = Instant::now();
        // first_exception, exception during waiting
        let a = sleep_task("a", 10.0);
        let b = create_task("b", async {
            sleep_s(0.01).await;
            Err::<(), _>("ZeroDivisionError: err")
        });
        let task = wait([b, a], ReturnWhen::FirstException);

        // run_until_complete() runs the wait as a task.
        let (done, pending) = spawn(task).await.unwrap();
        assert_eq!(names(&done), set(&["b"]));
        assert_eq!(names(&pending), set(&["a"]));
        assert_time(t0, 0.01);

        // move forward to close generator
        wait(pending.into_iter().chain(done), ReturnWhen::AllCompleted).await;
    });
}

/// Deliberate difference in the second round only: a corio handle hands its task's outcome
/// out once (awaiting it moves the value or error out), where a Python future keeps its
/// exception to be read again. The first round is asyncio's; in the second, `wait` again
/// finds both tasks done at once, and reading them says the outcome was already taken.
#[test]
fn base_task_test_wait_with_exception() {
    run_paused(|| async {
        let t0 = Instant::now();
        let a = sleep_task("a", 0.1);
        let b = create_task("b", async {
            sleep_s(0.15).await;
            Err::<(), _>("ZeroDivisionError: really")
        });

        /// `f.exception()` for each task `wait` reports done.
        async fn foo(
            tasks: Vec<ChildHandle<()>>,
        ) -> (Vec<ChildHandle<()>>, Vec<Result<(), ChildError>>) {
            let (mut done, pending) = wait(tasks, ReturnWhen::AllCompleted).await;
            assert_eq!(done.len(), 2);
            assert!(pending.is_empty());
            let mut outcomes = Vec::new();
            for f in &mut done {
                outcomes.push(f.await);
            }
            (done, outcomes)
        }

        let (tasks, outcomes) = spawn(foo(vec![b, a])).await.unwrap();
        let errors = outcomes.iter().filter(|o| o.is_err()).count();
        assert_eq!(errors, 1);
        assert!(outcomes.contains(&Err(ChildError::Failed)));
        assert_time(t0, 0.15);

        let (_, outcomes) = spawn(foo(tasks)).await.unwrap();
        assert_time(t0, 0.15);
        // asyncio: one error again; corio: both outcomes were taken in the first round.
        assert_eq!(outcomes, [Err(ChildError::AlreadyTaken); 2]);
    });
}

#[test]
fn base_task_test_wait_with_timeout() {
    run_paused(|| async {
        let t0 = Instant::now();
        let a = sleep_task("a", 0.1);
        let b = sleep_task("b", 0.15);

        async fn foo(tasks: Vec<ChildHandle<()>>) -> Vec<ChildHandle<()>> {
            let (done, pending) = wait(tasks, ReturnWhen::AllCompleted)
                .with_timeout(secs(0.11))
                .await;
            assert_eq!(names(&done), set(&["a"]));
            assert_eq!(names(&pending), set(&["b"]));
            done.into_iter().chain(pending).collect()
        }

        let tasks = spawn(foo(vec![b, a])).await.unwrap();
        assert_time(t0, 0.11);

        // move forward to close generator
        wait(tasks, ReturnWhen::AllCompleted).await;
    });
}

#[test]
fn base_task_test_wait_concurrent_complete() {
    run_paused(|| async {
        let t0 = Instant::now();
        let a = sleep_task("a", 0.1);
        let b = sleep_task("b", 0.15);

        // run_until_complete() runs the wait as a task, after a's and b's first steps.
        let (done, pending) = spawn(wait([b, a], ReturnWhen::AllCompleted).with_timeout(secs(0.1)))
            .await
            .unwrap();

        assert_eq!(names(&done), set(&["a"]));
        assert_eq!(names(&pending), set(&["b"]));
        assert_time(t0, 0.1);

        // move forward to close generator
        wait(done.into_iter().chain(pending), ReturnWhen::AllCompleted).await;
    });
}

#[test]
fn base_task_test_wait_with_iterator_of_tasks() {
    run_paused(|| async {
        let t0 = Instant::now();
        let a = sleep_task("a", 0.1);
        let b = sleep_task("b", 0.15);

        let foo = async move {
            let tasks = vec![b, a].into_iter();
            let (done, pending) = wait(tasks, ReturnWhen::AllCompleted).await;
            assert_eq!(names(&done), set(&["a", "b"]));
            assert!(pending.is_empty());
            42
        };

        let res = spawn(foo).await.unwrap();
        assert_eq!(res, 42);
        assert_time(t0, 0.15);
    });
}

#[test]
fn base_task_test_wait_generator() {
    run_paused(|| async {
        async fn func(a: i32) -> Result<i32, &'static str> {
            Ok(a)
        }
        // A lazy iterator: the tasks are made as wait() takes them, as from a generator.
        let tasks = (0..10).map(|i| create_task(&format!("task {i}"), func(i)));
        let (done, pending) = wait(tasks, ReturnWhen::AllCompleted).await;
        assert_eq!(done.len(), 10);
        assert_eq!(pending.len(), 0);
    });
}

#[test]
fn base_task_test_yield_wait_does_not_shield_cancel() {
    run_paused(|| async {
        // Cancelling outer() makes wait() return early, leaves inner() running.
        let proof = Shared::new(0);
        let waiter = Promise::<()>::new();

        let outer = {
            let (proof, waiter) = (proof.clone(), waiter.clone());
            async move {
                let p = proof.clone();
                let inner = create_task("inner", async move {
                    waiter.wait().await;
                    p.update(|n| *n += 1);
                    Ok(())
                });
                let (_d, _p) = wait([inner], ReturnWhen::AllCompleted).await;
                proof.update(|n| *n += 100);
            }
        };

        let f = spawn(outer);
        yield_now().await;
        f.cancel();
        assert_cancelled(f).await;
        waiter.set(());
        yield_now().await;
        assert_eq!(proof.get(), 1);
    });
}

/// `asyncio.current_task() is task1` is `corio_executor::task::current()`'s name: the tasks
/// are named, as everywhere `wait` is used here.
#[test]
fn base_task_test_current_task_with_interleaving_tasks() {
    run_paused(|| async {
        fn current_name() -> Option<String> {
            corio_executor::task::current().and_then(|t| t.name().map(str::to_owned))
        }
        assert!(corio_executor::task::current().is_none());

        let (fut1, fut2) = (Promise::<bool>::new(), Promise::<bool>::new());

        let coro1 = {
            let (fut1, fut2) = (fut1.clone(), fut2.clone());
            async move {
                assert_eq!(current_name().as_deref(), Some("task1"));
                fut1.wait().await;
                assert_eq!(current_name().as_deref(), Some("task1"));
                fut2.set(true);
                Ok(())
            }
        };
        let coro2 = async move {
            assert_eq!(current_name().as_deref(), Some("task2"));
            fut1.set(true);
            fut2.wait().await;
            assert_eq!(current_name().as_deref(), Some("task2"));
            Ok(())
        };

        let task1 = create_task("task1", coro1);
        let task2 = create_task("task2", coro2);

        let (done, pending) = spawn(wait([task1, task2], ReturnWhen::AllCompleted))
            .await
            .unwrap();
        assert!(pending.is_empty());
        for task in done {
            // A failed check inside a task is a panic, which its handle reports.
            assert_eq!(task.result(), Ok(()));
        }
        assert!(corio_executor::task::current().is_none());
    });
}

// ---------------------------------------------------------------- as_completed(timeout=)

/// `asyncio.sleep(dt, result)`.
async fn sleep_result(dt: f64, result: &'static str) -> &'static str {
    sleep_s(dt).await;
    result
}

/// asyncio's `a` and `b` are tasks made before `as_completed`; corio's `as_completed` makes
/// the tasks itself, at the same instant. (At the deadline corio cancels the futures still
/// running, as documented on `AsCompleted::with_timeout`; asyncio leaves those tasks
/// running. The Python test does not look: its clean-up only waits for them.)
#[test]
fn base_task_test_as_completed_with_timeout() {
    run_paused(|| async {
        let t0 = Instant::now();
        let mut values = Vec::new();
        let mut fs = as_completed([sleep_result(0.1, "a"), sleep_result(0.15, "b")])
            .with_timeout(secs(0.12));
        while let Some(v) = fs.next().await {
            values.push(v);
        }
        assert_eq!(values.len(), 2, "{values:?}");
        assert_eq!(values[0], Ok("a"));
        assert_eq!(values[1], Err(TimedOut));
        assert_time(t0, 0.12);

        // move forward to close generator: nothing is left to wait for.
        assert_eq!(fs.next().await, None);
    });
}

#[test]
fn base_task_test_as_completed_with_unused_timeout() {
    run_paused(|| async {
        let a = sleep_result(0.01, "a");
        let mut fs = as_completed([a]).with_timeout(secs(1.0));
        while let Some(f) = fs.next().await {
            let v = f.expect("the timeout is not used");
            assert_eq!(v, "a");
        }
    });
}

// ---------------------------------------------------------------- shield

/// `await fut` for a future the test resolves by hand, as a `Send + 'static` future that
/// `shield` can run.
fn wait_on<T: Clone + Send + 'static>(fut: &Promise<T>) -> impl Future<Output = T> + Send {
    let fut = fut.clone();
    async move { fut.wait().await }
}

#[test]
fn base_task_test_shield_result() {
    run_paused(|| async {
        let inner = Promise::new();
        let outer = shield(wait_on(&inner));
        inner.set(42);
        let res = outer.await;
        assert_eq!(res, 42);
    });
}

/// `outer` is the `Shield` future itself; `outer.exception()` is polling it once.
#[test]
fn base_task_test_shield_exception() {
    run_paused(|| async {
        let inner = Promise::<Result<i32, &str>>::new();
        let mut outer = shield(wait_on(&inner));
        yield_now().await;
        inner.set(Err("RuntimeError: expected"));
        yield_now().await;
        assert_eq!(
            (&mut outer).now_or_never(),
            Some(Err("RuntimeError: expected"))
        );
    });
}

/// Deliberate difference (awaiting a cancelled task gives an error value): asyncio's outer
/// future is cancelled with the inner one; the corio shield gives the inner task's
/// cancellation as its output, `Err(JoinError::Cancelled)`. The inner future is a task here
/// (a bare asyncio future cannot be cancelled in corio), so its cancellation takes one more
/// turn to reach the shield.
#[test]
fn base_task_test_shield_cancel_inner() {
    run_paused(|| async {
        let inner: Slot<i32> = Shared::new(Some(spawn(std::future::pending::<i32>())));
        let mut outer = shield({
            let inner = inner.clone();
            async move { await_in(&inner).await }
        });
        yield_now().await;
        cancel_in(&inner);
        yield_now().await;
        yield_now().await; // the inner task's end reaches the shield's task
        let outcome = (&mut outer).now_or_never().expect("outer is done");
        assert!(
            matches!(&outcome, Err(e) if e.is_cancelled()),
            "asyncio: outer.cancelled(); corio: the cancellation as a value, got {outcome:?}"
        );
    });
}

/// `outer.cancel()` needs something to cancel: here `outer` is a task awaiting the shield.
#[test]
fn base_task_test_shield_cancel_outer() {
    run_paused(|| async {
        let inner = Promise::<i32>::new();
        let outer = spawn(shield(wait_on(&inner)));
        yield_now().await;
        outer.cancel();
        yield_now().await;
        assert!(outer.is_finished());
        assert_cancelled(outer).await;
    });
}

/// The loop's exception handler is not called for a result nobody reads: corio has no
/// such handler; what is checked is that the shielded work ran to its end after its
/// awaiter was cancelled, and its value was dropped unread without a report or a panic.
#[test]
fn base_task_test_shield_cancel_outer_result() {
    run_paused(|| async {
        let inner = Promise::<i32>::new();
        let finished = Shared::new(None);
        let outer = spawn(shield({
            let (inner, finished) = (inner.clone(), finished.clone());
            async move {
                let value = inner.wait().await;
                finished.set(Some(value));
                value
            }
        }));
        yield_now().await;
        outer.cancel();
        yield_now().await;
        inner.set(1);
        yield_now().await;
        assert_cancelled(outer).await;
        assert_eq!(finished.get(), Some(1));
    });
}

#[test]
fn base_task_test_shield_shortcut() {
    run_paused(|| async {
        let fut = Promise::new();
        fut.set(42);
        let res = shield(wait_on(&fut)).await;
        assert_eq!(res, 42);
    });
}

#[test]
fn base_task_test_shield_effect() {
    run_paused(|| async {
        // Cancelling outer() does not affect inner().
        let proof = Shared::new(0);
        let waiter = Promise::<()>::new();

        let inner = {
            let (proof, waiter) = (proof.clone(), waiter.clone());
            async move {
                waiter.wait().await;
                proof.update(|n| *n += 1);
            }
        };
        let outer = {
            let proof = proof.clone();
            async move {
                shield(inner).await;
                proof.update(|n| *n += 100);
            }
        };

        let f = spawn(outer);
        yield_now().await;
        f.cancel();
        assert_cancelled(f).await;
        waiter.set(());
        yield_now().await;
        assert_eq!(proof.get(), 1);
    });
}

/// `parent.result()`: the gather future is moved into the shield, so the shielded future
/// records the gather's result where the test can read it. corio's gather runs each child
/// as a task (asyncio's gathers the bare futures), so the children's results take one more
/// turn to reach it.
#[test]
fn base_task_test_shield_gather() {
    run_paused(|| async {
        let (child1, child2) = (Promise::<i32>::new(), Promise::<i32>::new());
        let ok = |p: &Promise<i32>| {
            let p = p.clone();
            async move { Ok::<_, ()>(p.wait().await) }
        };
        let parent = gather([ok(&child1), ok(&child2)]);
        let parent_result = Shared::new(None);
        let outer = spawn(shield({
            let parent_result = parent_result.clone();
            async move {
                let result = parent.await;
                parent_result.set(Some(result.clone()));
                result
            }
        }));
        yield_now().await;
        outer.cancel();
        yield_now().await;
        assert!(outer.is_finished());
        assert_cancelled(outer).await;
        child1.set(1);
        child2.set(2);
        yield_now().await;
        yield_now().await; // the children's ends reach the gather
        assert_eq!(parent_result.get(), Some(Ok(vec![1, 2])));
    });
}

/// "This should cancel inner1 and inner2 but not child1 and child2": the shields are
/// dropped with the gather's cancelled children, and the shielded tasks run on (in asyncio
/// `child1.set_result` would raise if child1 had been cancelled).
#[test]
fn base_task_test_gather_shield() {
    run_paused(|| async {
        let (child1, child2) = (Promise::<i32>::new(), Promise::<i32>::new());
        let (done1, done2) = (Shared::new(false), Shared::new(false));
        let shielded = |child: &Promise<i32>, done: &Shared<bool>| {
            let (child, done) = (child.clone(), done.clone());
            shield(async move {
                let value = child.wait().await;
                done.set(true);
                value
            })
        };
        let inner1 = shielded(&child1, &done1);
        let inner2 = shielded(&child2, &done2);
        let (inner1_cancelled, inner2_cancelled) = (Shared::new(false), Shared::new(false));
        let watched = |inner: Shield<i32>, cancelled: &Shared<bool>| {
            let cancelled = cancelled.clone();
            async move {
                let on_cancel = OnCancel::new(move || cancelled.set(true));
                let value = inner.await;
                on_cancel.finish();
                Ok::<_, ()>(value)
            }
        };
        let parent = spawn(gather([
            watched(inner1, &inner1_cancelled),
            watched(inner2, &inner2_cancelled),
        ]));
        yield_now().await;
        parent.cancel();
        // This should cancel inner1 and inner2 but not child1 and child2.
        yield_now().await;
        assert!(parent.is_finished());
        assert_cancelled(parent).await;
        assert!(inner1_cancelled.get());
        assert!(inner2_cancelled.get());
        child1.set(1);
        child2.set(2);
        yield_now().await;
        assert!(done1.get() && done2.get(), "the shielded children ran on");
    });
}

#[test]
fn base_task_test_shield_coroutine_use_running_loop() {
    run_paused(|| async {
        async fn coro() -> i32 {
            42
        }
        // The shield is made inside the running loop (it spawns there), and awaited later.
        let outer = shield(coro());
        let res = outer.await;
        assert_eq!(res, 42);
    });
}

// ---------------------------------------------------------------- cancel() returning a bool

/// Deliberate difference (cancellation is a drop, which a future cannot refuse): in asyncio
/// a gathering future whose children are all done refuses `cancel()` (returns False) and
/// still gives its result (Python issue #26923). corio's gather is a future inside the task
/// that runs it: `cancel()` on that task takes effect whenever the task has not finished,
/// so it returns true and the gathered result is dropped with the task.
#[test]
fn base_task_test_cancel_gather_1() {
    run_paused(|| async {
        let fut = Promise::<i32>::new();
        // The indirection fut->child_coro is needed since otherwise the
        // gathering task is done at the same time as the child future.
        let child_coro = {
            let fut = fut.clone();
            async move { Ok::<_, ()>(fut.wait().await) }
        };
        let gather_task = spawn(gather([child_coro]));
        // run_until_complete(create()): the gathering task starts its child, which waits.
        yield_now().await;
        yield_now().await;

        // fut.add_done_callback(cancelling_callback); fut.set_result(42): the callback runs
        // once the child has finished, before the gathering task has seen it.
        fut.set(42);
        yield_now().await;
        let cancel_result = gather_task.cancel();

        // At this point the task should complete.
        let outcome = gather_task.await;
        // asyncio: cancel_result is False, and the result is [42].
        assert!(cancel_result, "corio: the gathering task had not finished");
        assert!(
            matches!(&outcome, Err(e) if e.is_cancelled()),
            "corio: the task ended cancelled, got {outcome:?}"
        );
    });
}

// ---------------------------------------------------------------- calls from other threads

/// `add(1, 2)`: waits 0.05 s and returns a + b, or fails.
async fn add(a: i32, b: i32, fail: bool) -> Result<i32, &'static str> {
    sleep_s(0.05).await;
    if fail {
        return Err("Fail!");
    }
    Ok(a + b)
}

/// `target()`: from a plain thread, submits `add` to the loop and blocks on its result.
fn target(loop_handle: Handle, fail: bool) -> Result<i32, &'static str> {
    let future = loop_handle.spawn(add(1, 2, fail));
    futures::executor::block_on(future).expect("the submitted task ran")
}

/// `loop.run_in_executor(None, f)`: runs `f` on a thread of its own and awaits its result.
///
/// A plain thread, not `spawn_blocking`: under the paused clock corio does not advance time
/// while a `spawn_blocking` job is in flight, and these jobs wait for a loop task that
/// sleeps, so the loop and the job would wait for each other.
async fn run_in_thread<R: Clone + Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    let result = Promise::new();
    let setter = result.clone();
    std::thread::spawn(move || setter.set(f()));
    result.wait().await
}

#[test]
fn run_coroutine_threadsafe_test_run_coroutine_threadsafe() {
    run_paused(|| async {
        let handle = Handle::current();
        let result = run_in_thread(move || target(handle, false)).await;
        assert_eq!(result, Ok(3));
    });
}

#[test]
fn run_coroutine_threadsafe_test_run_coroutine_threadsafe_with_exception() {
    run_paused(|| async {
        let handle = Handle::current();
        let result = run_in_thread(move || target(handle, true)).await;
        assert_eq!(result, Err("Fail!"));
    });
}

#[test]
fn run_coroutine_threadsafe_test_run_coroutine_threadsafe_with_timeout() {
    run_paused(|| async {
        let handle = Handle::current();
        let add_cancelled = Shared::new(false);
        let on_drop = DropFlag::new(&add_cancelled);
        // `spawn_blocking` here: under the paused clock, time stands still while the job
        // runs, so the 0.05 s `add` cannot finish before the job looks (as in real time).
        let timed_out = corio_executor::spawn_blocking(move || {
            let future = handle.spawn(async move {
                let _cancelled = on_drop;
                add(1, 2, false).await
            });
            // future.result(timeout=0): not done yet, so TimeoutError...
            let timed_out = !future.is_finished();
            // ...and `future.done() or future.cancel()`.
            if !future.is_finished() {
                future.cancel();
            }
            timed_out
        })
        .await
        .unwrap();
        assert!(timed_out);
        yield_now().await;
        // No pending task is left: add was cancelled.
        assert!(add_cancelled.get());
    });
}

/// `add(1, 2, cancel=True)`: the submitted coroutine cancels itself
/// (`asyncio.current_task().cancel()`) through its own handle. The thread that submits it
/// parks the handle in `me` and then sets `published`; the task waits for that first, so it
/// never looks for its handle before the thread has put it there.
#[test]
fn run_coroutine_threadsafe_test_run_coroutine_threadsafe_task_cancelled() {
    run_paused(|| async {
        let loop_handle = Handle::current();
        let result = run_in_thread(move || {
            let me: Slot<i32> = Shared::new(None);
            let published = Promise::<()>::new();
            let future = loop_handle.spawn({
                let (me, published) = (me.clone(), published.clone());
                async move {
                    published.wait().await;
                    sleep_s(0.05).await;
                    cancel_in(&me);
                    yield_now().await;
                    1 + 2
                }
            });
            me.set(Some(future));
            published.set(());
            // future.result()
            futures::executor::block_on(await_in(&me)).map_err(|e| e.is_cancelled())
        })
        .await;
        assert_eq!(result, Err(true), "the submitted task ends cancelled");
    });
}

// ---------------------------------------------------------------- SleepTests

#[test]
fn sleep_test_sleep_zero() {
    run_paused(|| async {
        let result = Shared::new(0);
        let inc_result = |r: &Shared<i32>, num: i32| r.update(|n| *n += num);

        // loop.call_soon(inc_result, 1)
        spawn({
            let result = result.clone();
            async move { inc_result(&result, 1) }
        });
        assert_eq!(result.get(), 0);
        yield_now().await;
        let num = 10; // asyncio.sleep(0, result=10)
        assert_eq!(result.get(), 1); // incremented by call_soon
        inc_result(&result, num);
        assert_eq!(result.get(), 11);
    });
}
