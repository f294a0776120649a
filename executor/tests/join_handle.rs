//! JoinHandle: results, cancellation, detaching, panics, names.
#![allow(clippy::async_yields_async)] // some tests carry a JoinHandle out of block_on on purpose

use corio_executor::time::sleep;
use corio_executor::{run, spawn, spawn_local, task, yield_now, Runtime};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Sets its flag when dropped: shows a future's destructor ran.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn cancel_drops_the_future_and_the_handle_reports_cancelled() {
    run(async {
        let dropped = Arc::new(AtomicBool::new(false));
        let guard = DropFlag(dropped.clone());
        let handle = spawn(async move {
            let _guard = guard;
            sleep(Duration::from_secs(3600)).await;
        });
        yield_now().await; // it is now waiting in its sleep
        assert!(!dropped.load(Ordering::SeqCst));
        handle.cancel();
        let error = handle.await.unwrap_err();
        assert!(error.is_cancelled() && !error.is_panic());
        assert_eq!(error.to_string(), "task was cancelled");
        assert!(
            dropped.load(Ordering::SeqCst),
            "the cancelled task's destructors ran"
        );
    });
}

#[test]
fn cancelling_a_task_before_it_ever_ran_drops_it_unpolled() {
    run(async {
        let polled = Arc::new(AtomicBool::new(false));
        let flag = polled.clone();
        let handle = spawn(async move { flag.store(true, Ordering::SeqCst) });
        handle.cancel();
        assert!(handle.await.unwrap_err().is_cancelled());
        assert!(!polled.load(Ordering::SeqCst));
    });
}

#[test]
fn cancelling_a_finished_task_keeps_its_result() {
    run(async {
        let handle = spawn(async { 5 });
        yield_now().await;
        assert!(handle.is_finished());
        handle.cancel();
        handle.cancel();
        assert_eq!(handle.await.unwrap(), 5);
    });
}

#[test]
fn dropping_the_handle_detaches_the_task_which_runs_on() {
    let paused = Runtime::builder().start_paused(true).build();
    paused.block_on(async {
        let finished = Arc::new(AtomicBool::new(false));
        let flag = finished.clone();
        drop(spawn(async move {
            sleep(Duration::from_millis(5)).await;
            flag.store(true, Ordering::SeqCst);
        }));
        sleep(Duration::from_millis(20)).await;
        assert!(
            finished.load(Ordering::SeqCst),
            "a detached task must still run to its end"
        );
    });
}

#[test]
fn a_panic_is_caught_the_loop_survives_and_the_handle_carries_the_payload() {
    run(async {
        let bad = spawn(async { panic!("task exploded") });
        let good = spawn(async { "still fine" });
        let error = bad.await.unwrap_err();
        assert!(error.is_panic());
        assert_eq!(error.to_string(), "task panicked: task exploded");
        assert_eq!(
            *error.into_panic().downcast::<&str>().unwrap(),
            "task exploded"
        );
        assert_eq!(good.await.unwrap(), "still fine");
    });
}

#[test]
fn a_panicking_destructor_of_a_cancelled_task_is_caught_too() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("destructor exploded");
        }
    }
    run(async {
        let handle = spawn(async {
            let _bomb = PanicOnDrop;
            std::future::pending::<()>().await;
        });
        yield_now().await;
        handle.cancel();
        let error = handle.await.unwrap_err();
        assert!(error.is_panic(), "{error:?}");
    });
}

#[test]
fn a_panic_in_a_detached_task_does_not_stop_the_loop() {
    let value = run(async {
        drop(
            task::TaskBuilder::new()
                .name("doomed")
                .spawn(async { panic!("nobody awaits me") }),
        );
        yield_now().await;
        yield_now().await;
        7
    });
    assert_eq!(value, 7);
}

#[test]
fn into_panic_on_a_cancelled_error_names_the_mistake() {
    let error = run(async {
        let handle = spawn(std::future::pending::<()>());
        handle.cancel();
        handle.await.unwrap_err()
    });
    let message = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| error.into_panic()))
        .unwrap_err()
        .downcast::<&str>()
        .unwrap();
    assert!(message.contains("cancelled"), "{message}");
}

#[test]
fn run_cancels_every_task_still_alive_and_their_destructors_run() {
    let dropped = Arc::new(AtomicUsize::new(0));
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    run({
        let dropped = dropped.clone();
        async move {
            for _ in 0..10 {
                let counted = Counted(dropped.clone());
                spawn(async move {
                    let _counted = counted;
                    sleep(Duration::from_secs(3600)).await;
                });
            }
            let never_started = Counted(dropped.clone());
            spawn(async move {
                let _counted = never_started;
            });
        }
    });
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        11,
        "run must drop every task still alive"
    );
}

#[test]
fn handles_outliving_the_runtime_report_cancelled() {
    let rt = Runtime::new();
    let handle = rt.block_on(async { spawn(std::future::pending::<()>()) });
    drop(rt);
    assert!(handle.is_finished());
    let result = futures::executor::block_on(handle);
    assert!(result.unwrap_err().is_cancelled());
}

#[test]
fn spawning_onto_a_runtime_that_is_gone_is_cancelled_unpolled() {
    let rt = Runtime::new();
    let handle = rt.handle();
    drop(rt);
    let polled = Arc::new(AtomicBool::new(false));
    let flag = polled.clone();
    let task = handle.spawn(async move { flag.store(true, Ordering::SeqCst) });
    assert!(futures::executor::block_on(task)
        .unwrap_err()
        .is_cancelled());
    assert!(!polled.load(Ordering::SeqCst));
}

#[test]
fn tasks_left_alive_by_block_on_run_in_the_next_block_on() {
    let rt = Runtime::new();
    let handle = rt.block_on(async { spawn(async { 9 }) });
    assert_eq!(rt.block_on(handle).unwrap(), 9);
}

#[test]
fn spawn_local_runs_non_send_futures() {
    run(async {
        let shared = Rc::new(std::cell::Cell::new(0));
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let shared = shared.clone();
                spawn_local(async move { shared.set(shared.get() + 1) })
            })
            .collect();
        for handle in handles {
            handle.await.unwrap();
        }
        assert_eq!(shared.get(), 3);
    });
}

#[test]
fn live_tasks_lists_names_and_forgets_finished_tasks() {
    let rt = Runtime::new();
    rt.block_on(async {
        task::TaskBuilder::new()
            .name("server")
            .spawn(std::future::pending::<()>());
        spawn(async {});
        yield_now().await;
    });
    let live = rt.live_tasks();
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(live[0].name(), Some("server"));
}

#[test]
fn a_join_handle_can_be_awaited_from_another_runtime_thread() {
    let rt = Runtime::new();
    let handle = rt.handle().spawn(async { 40 + 2 });
    let waiter = std::thread::spawn(move || futures::executor::block_on(handle).unwrap());
    rt.block_on(async {
        sleep(Duration::from_millis(1)).await;
    });
    assert_eq!(waiter.join().unwrap(), 42);
}

#[test]
fn detached_spawns_run_drop_their_output_and_survive_panics() {
    let output_dropped = Arc::new(AtomicBool::new(false));
    let ran_after_panic = Arc::new(AtomicBool::new(false));
    let rt = Runtime::new();
    let handle = rt.handle();
    rt.block_on({
        let (output_dropped, ran_after_panic) = (output_dropped.clone(), ran_after_panic.clone());
        async move {
            let output = DropFlag(output_dropped);
            handle.spawn_detached(async move { output });
            handle.spawn_detached(async { panic!("detached and exploded") });
            handle.spawn_detached(async move { ran_after_panic.store(true, Ordering::SeqCst) });
            yield_now().await;
        }
    });
    assert!(
        output_dropped.load(Ordering::SeqCst),
        "a detached task's output is dropped when it finishes"
    );
    assert!(
        ran_after_panic.load(Ordering::SeqCst),
        "the loop survived the panic"
    );
}

#[test]
fn detached_spawns_from_another_thread_and_after_shutdown() {
    let rt = Runtime::new();
    let handle = rt.handle();
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    let remote = handle.clone();
    std::thread::spawn(move || {
        remote.spawn_detached(async move { flag.store(true, Ordering::SeqCst) })
    })
    .join()
    .unwrap();
    rt.block_on(async {
        while !ran.load(Ordering::SeqCst) {
            yield_now().await;
        }
    });
    drop(rt);
    let dropped = Arc::new(AtomicBool::new(false));
    let polled = Arc::new(AtomicBool::new(false));
    let (guard, flag) = (DropFlag(dropped.clone()), polled.clone());
    handle.spawn_detached(async move {
        let _guard = guard;
        flag.store(true, Ordering::SeqCst);
    });
    assert!(dropped.load(Ordering::SeqCst), "refused: dropped at once");
    assert!(!polled.load(Ordering::SeqCst), "refused: never polled");
}

#[test]
fn a_panic_dropping_a_detached_tasks_output_does_not_stop_the_loop() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("output destructor exploded");
        }
    }
    let rt = Runtime::new();
    let later = rt.block_on(async {
        corio_executor::Handle::current().spawn_detached(async { PanicOnDrop });
        let later = spawn(async { "the loop went on" });
        yield_now().await;
        later
    });
    assert_eq!(rt.block_on(later).unwrap(), "the loop went on");
    assert!(
        rt.live_tasks().is_empty(),
        "the finished task left the owned list"
    );
}

#[test]
fn a_task_that_cancels_itself_and_returns_without_awaiting_ends_cancelled() {
    run(async {
        let own_handle: Rc<std::cell::RefCell<Option<corio_executor::JoinHandle<i32>>>> =
            Rc::default();
        let took_effect = Rc::new(std::cell::Cell::new(false));
        let dropped = Arc::new(AtomicBool::new(false));
        let handle = spawn_local({
            let (own_handle, took_effect) = (own_handle.clone(), took_effect.clone());
            let output_guard = DropFlag(dropped.clone());
            async move {
                let cancelled = own_handle.borrow().as_ref().unwrap().cancel();
                took_effect.set(cancelled);
                drop(output_guard); // dropped with the output it would have been part of
                12
            }
        });
        *own_handle.borrow_mut() = Some(handle);
        yield_now().await;
        let handle = own_handle.borrow_mut().take().unwrap();
        assert!(handle.is_finished());
        assert!(took_effect.get(), "cancelling a running task takes effect");
        assert!(!handle.cancel(), "cancelling a finished task does not");
        assert!(handle.await.unwrap_err().is_cancelled());
        assert!(dropped.load(Ordering::SeqCst));
    });
}

#[test]
fn cancel_says_whether_it_took_effect() {
    run(async {
        let sleeping = spawn(sleep(Duration::from_secs(3600)));
        yield_now().await;
        assert!(sleeping.cancel());
        assert!(
            sleeping.cancel(),
            "still not finished: the second request also counts"
        );
        assert!(sleeping.await.unwrap_err().is_cancelled());
        let finished = spawn(async { 1 });
        yield_now().await;
        assert!(!finished.cancel());
        assert_eq!(finished.await.unwrap(), 1);
        let never_ran = spawn(async { 2 });
        assert!(never_ran.cancel());
        assert!(never_ran.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn task_current_names_the_running_task_and_is_none_outside_one() {
    assert!(task::current().is_none(), "no runtime");
    run(async {
        assert!(
            task::current().is_none(),
            "the block_on future is not a task"
        );
        let named = task::TaskBuilder::new().name("worker").spawn(async {
            let before = task::current().unwrap();
            yield_now().await;
            let after = task::current().unwrap();
            assert_eq!(before, after);
            let child = spawn(async { task::current().unwrap() });
            let child = child.await.unwrap();
            assert_ne!(child.id(), before.id());
            assert_eq!(child.name(), None);
            let elsewhere = std::thread::spawn(|| task::current().is_none())
                .join()
                .unwrap();
            assert!(elsewhere, "another thread runs no task");
            before
        });
        let id = named.id();
        let info = named.await.unwrap();
        assert_eq!((info.id(), info.name()), (id, Some("worker")));
        assert!(task::current().is_none());
    });
}
