//! The scheduling parts of CPython's `Lib/test/test_asyncio/test_tasks.py` (cancellation,
//! sleep, gather, wait, as_completed, shield, and calls from other threads), ported to
//! corio_executor and corio_taskgroup. The rest of that file (Task repr and naming,
//! ensure_future, contextvars, task factories, introspection, coroutine wrappers) is about
//! Python objects, not scheduling, and is outside this suite.
//!
//! `loop.call_soon(f)` before running a task is `f` after one `yield_now()` (the task's
//! first step runs first, as in asyncio); `test_utils.run_briefly(loop)` is one
//! `yield_now()`; `loop.create_future()` is a [`Promise`]; `fut.set_exception(e)` resolves
//! a `Promise<Result<_, _>>` with `Err(e)`; a task cancelling itself uses its own
//! `JoinHandle`, parked in a shared slot. The gather tests come in two flavours in CPython
//! (over futures and over coroutines); both run here, over spawned tasks and over async
//! blocks. Checks of `t.cancel()`'s return value are left out until `cancel()` returns a
//! bool (listed below).
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
// - BaseTaskTests.test_current_task_with_interleaving_tasks: asyncio.current_task() identity (and asyncio.wait)
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
//
// Needs API:
// - BaseTaskTests.test_wait: asyncio.wait() giving (done, pending)
// - BaseTaskTests.test_wait_duplicate_coroutines: asyncio.wait()
// - BaseTaskTests.test_wait_errors: asyncio.wait() refusing an empty set and a bad return_when
// - BaseTaskTests.test_wait_first_completed: asyncio.wait(return_when=FIRST_COMPLETED) leaving the rest running
// - BaseTaskTests.test_wait_really_done: asyncio.wait(return_when=FIRST_COMPLETED)
// - BaseTaskTests.test_wait_first_exception: asyncio.wait(return_when=FIRST_EXCEPTION)
// - BaseTaskTests.test_wait_first_exception_in_wait: asyncio.wait(return_when=FIRST_EXCEPTION)
// - BaseTaskTests.test_wait_with_exception: asyncio.wait() over tasks that fail
// - BaseTaskTests.test_wait_with_timeout: asyncio.wait(timeout=)
// - BaseTaskTests.test_wait_concurrent_complete: asyncio.wait(timeout=)
// - BaseTaskTests.test_wait_with_iterator_of_tasks: asyncio.wait() over an iterator
// - BaseTaskTests.test_wait_generator: asyncio.wait() over a generator of tasks
// - BaseTaskTests.test_yield_wait_does_not_shield_cancel: asyncio.wait() leaving its tasks running when cancelled
// - BaseTaskTests.test_as_completed_with_timeout: as_completed(timeout=)
// - BaseTaskTests.test_as_completed_with_unused_timeout: as_completed(timeout=)
// - BaseTaskTests.test_shield_result: asyncio.shield()
// - BaseTaskTests.test_shield_exception: asyncio.shield()
// - BaseTaskTests.test_shield_cancel_inner: asyncio.shield()
// - BaseTaskTests.test_shield_cancel_outer: asyncio.shield()
// - BaseTaskTests.test_shield_cancel_outer_result: asyncio.shield() and the loop's exception handler
// - BaseTaskTests.test_shield_cancel_outer_exception: asyncio.shield() and the loop's exception handler
// - BaseTaskTests.test_shield_duplicate_log_once: asyncio.shield() and the loop's exception handler
// - BaseTaskTests.test_shield_shortcut: asyncio.shield()
// - BaseTaskTests.test_shield_effect: asyncio.shield()
// - BaseTaskTests.test_shield_gather: asyncio.shield() around gather()
// - BaseTaskTests.test_gather_shield: asyncio.shield() inside gather()
// - BaseTaskTests.test_shield_coroutine_use_running_loop: asyncio.shield()
// - BaseTaskTests.test_cancel_gather_1: cancel() returning False once gather's children are done (cancel() returning bool)
// - RunCoroutineThreadsafeTests.test_run_coroutine_threadsafe_task_cancelled: the submitted coroutine cancels itself (current task)

use corio_conformance::{elapsed_s, run_paused, sleep_s, DropFlag, OnCancel, Promise, Shared};
use corio_executor::time::Instant;
use corio_executor::{spawn, yield_now, Handle, JoinError, JoinHandle};
use corio_taskgroup::{as_completed, gather, gather_settled};
use std::future::Future;

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
        assert_cancelled(t).await;
        // Needs API: t.cancel() returns False now.
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
        // Needs API: t.cancel() returns False now.
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
        f.cancel();
        assert_cancelled(f).await;
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
