//! Scheduling order: spawned tasks run only when the spawner yields, ready tasks run FIFO,
//! `yield_now` lets every ready task run once, and a task woken many times is polled once.

use corio_executor::{run, spawn, spawn_local, yield_now};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

type Log = Rc<RefCell<Vec<String>>>;

fn log(log: &Log, line: impl Into<String>) {
    log.borrow_mut().push(line.into());
}

#[test]
fn a_spawned_task_does_not_run_inside_spawn() {
    run(async {
        let ran = Arc::new(Mutex::new(false));
        let flag = ran.clone();
        let handle = spawn(async move { *flag.lock().unwrap() = true });
        assert!(
            !*ran.lock().unwrap(),
            "the task ran before the spawner yielded"
        );
        handle.await.unwrap();
        assert!(*ran.lock().unwrap());
    });
}

#[test]
fn ready_tasks_run_in_fifo_order_of_spawning() {
    let lines: Log = Rc::default();
    run({
        let lines = lines.clone();
        async move {
            let handles: Vec<_> = (0..5)
                .map(|i| {
                    let lines = lines.clone();
                    spawn_local(async move { log(&lines, format!("task {i}")) })
                })
                .collect();
            for handle in handles {
                handle.await.unwrap();
            }
        }
    });
    assert_eq!(
        *lines.borrow(),
        ["task 0", "task 1", "task 2", "task 3", "task 4"]
    );
}

#[test]
fn yield_now_lets_every_ready_task_run_once_before_resuming() {
    let lines: Log = Rc::default();
    run({
        let lines = lines.clone();
        async move {
            for i in 0..3 {
                let lines = lines.clone();
                spawn_local(async move {
                    log(&lines, format!("{i}: first step"));
                    yield_now().await;
                    log(&lines, format!("{i}: second step"));
                });
            }
            log(&lines, "main: before yield");
            yield_now().await;
            log(&lines, "main: after one yield");
            yield_now().await;
            log(&lines, "main: after two yields");
        }
    });
    assert_eq!(
        *lines.borrow(),
        [
            "main: before yield",
            "0: first step",
            "1: first step",
            "2: first step",
            "main: after one yield",
            "0: second step",
            "1: second step",
            "2: second step",
            "main: after two yields",
        ]
    );
}

#[test]
fn tasks_interleave_round_robin_when_they_all_yield() {
    let lines: Log = Rc::default();
    run({
        let lines = lines.clone();
        async move {
            let handles: Vec<_> = ["a", "b"]
                .into_iter()
                .map(|name| {
                    let lines = lines.clone();
                    spawn_local(async move {
                        for step in 0..3 {
                            log(&lines, format!("{name}{step}"));
                            yield_now().await;
                        }
                    })
                })
                .collect();
            for handle in handles {
                handle.await.unwrap();
            }
        }
    });
    assert_eq!(*lines.borrow(), ["a0", "b0", "a1", "b1", "a2", "b2"]);
}

/// Pending until its waker has been stashed, counting its polls.
struct CountPolls {
    polls: Rc<RefCell<usize>>,
    waker: Rc<RefCell<Option<Waker>>>,
    done: Rc<RefCell<bool>>,
}

impl Future for CountPolls {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        *self.polls.borrow_mut() += 1;
        if *self.done.borrow() {
            return Poll::Ready(());
        }
        *self.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[test]
fn a_task_woken_many_times_before_it_runs_is_polled_once() {
    run(async {
        let polls = Rc::new(RefCell::new(0));
        let waker = Rc::new(RefCell::new(None::<Waker>));
        let done = Rc::new(RefCell::new(false));
        let task = spawn_local(CountPolls {
            polls: polls.clone(),
            waker: waker.clone(),
            done: done.clone(),
        });
        yield_now().await;
        assert_eq!(*polls.borrow(), 1);
        let stashed = waker.borrow().clone().unwrap();
        for _ in 0..10 {
            stashed.wake_by_ref();
        }
        yield_now().await;
        assert_eq!(
            *polls.borrow(),
            2,
            "ten wakes before it ran must give one poll"
        );
        *done.borrow_mut() = true;
        stashed.wake();
        task.await.unwrap();
        assert_eq!(*polls.borrow(), 3);
    });
}

#[test]
fn one_hundred_thousand_tasks_all_complete() {
    let total = run(async {
        let handles: Vec<_> = (0..100_000u64).map(|i| spawn(async move { i })).collect();
        let mut total = 0;
        for handle in handles {
            total += handle.await.unwrap();
        }
        total
    });
    assert_eq!(total, (0..100_000u64).sum::<u64>());
}

#[test]
fn tasks_can_spawn_tasks() {
    let depth = run(async {
        fn chain(n: u32) -> corio_executor::JoinHandle<u32> {
            spawn(async move {
                if n == 0 {
                    0
                } else {
                    chain(n - 1).await.unwrap() + 1
                }
            })
        }
        chain(1000).await.unwrap()
    });
    assert_eq!(depth, 1000);
}

#[test]
fn wakes_from_another_thread_during_a_poll_keep_their_order() {
    let lines: Log = Rc::default();
    run({
        let lines = lines.clone();
        async move {
            let first_waker: Rc<RefCell<Option<Waker>>> = Rc::default();
            let first = spawn_local({
                let (lines, stash) = (lines.clone(), first_waker.clone());
                std::future::poll_fn(move |cx| {
                    log(&lines, "first polled");
                    match stash.borrow_mut().replace(cx.waker().clone()) {
                        None => Poll::Pending,
                        Some(_) => Poll::Ready(()),
                    }
                })
            });
            yield_now().await; // `first` now waits, its waker stashed
            let second = spawn_local({
                let (lines, stash) = (lines.clone(), first_waker.clone());
                let mut polled = false;
                std::future::poll_fn(move |cx| {
                    log(&lines, "second polled");
                    if std::mem::replace(&mut polled, true) {
                        return Poll::Ready(());
                    }
                    // While `second` runs, another thread wakes `first`, then `second`.
                    let wakers = (stash.borrow().clone().unwrap(), cx.waker().clone());
                    std::thread::spawn(move || {
                        wakers.0.wake();
                        wakers.1.wake();
                    })
                    .join()
                    .unwrap();
                    Poll::Pending
                })
            });
            first.await.unwrap();
            second.await.unwrap();
        }
    });
    assert_eq!(
        *lines.borrow(),
        [
            "first polled",
            "second polled",
            "first polled",
            "second polled"
        ],
        "woken first, run first"
    );
}

/// A future that waits for `flag`, which another thread sets through the waker.
fn wait_for_thread_flag(
    flag: Arc<std::sync::Mutex<(bool, Option<Waker>)>>,
) -> impl std::future::Future<Output = ()> {
    std::future::poll_fn(move |cx| {
        let mut state = flag.lock().unwrap();
        if state.0 {
            return Poll::Ready(());
        }
        state.1 = Some(cx.waker().clone());
        Poll::Pending
    })
}

/// Sets `flag` from another thread and waits until that thread's wake has been sent.
fn set_flag_from_another_thread(flag: &Arc<std::sync::Mutex<(bool, Option<Waker>)>>) {
    let flag = flag.clone();
    std::thread::spawn(move || {
        let waker = {
            let mut state = flag.lock().unwrap();
            state.0 = true;
            state.1.take()
        };
        waker.expect("the waiting task registered its waker").wake();
    })
    .join()
    .unwrap();
}

#[test]
fn a_yield_lets_tasks_woken_from_other_threads_run_first() {
    let lines: Log = Rc::default();
    run({
        let lines = lines.clone();
        async move {
            let flag = Arc::default();
            let woken = spawn_local({
                let (lines, flag) = (lines.clone(), Arc::clone(&flag));
                async move {
                    wait_for_thread_flag(flag).await;
                    log(&lines, "woken from another thread");
                }
            });
            let yielder = spawn_local({
                let (lines, flag) = (lines.clone(), flag.clone());
                async move {
                    yield_now().await; // `woken` now waits for the flag
                    set_flag_from_another_thread(&flag);
                    log(&lines, "task yields");
                    yield_now().await;
                    log(&lines, "task resumes");
                }
            });
            yielder.await.unwrap();
            woken.await.unwrap();
        }
    });
    assert_eq!(
        *lines.borrow(),
        ["task yields", "woken from another thread", "task resumes"]
    );
}

#[test]
fn a_yield_of_the_block_on_future_lets_tasks_woken_from_other_threads_run_first() {
    let lines: Log = Rc::default();
    run({
        let lines = lines.clone();
        async move {
            let flag = Arc::default();
            let woken = spawn_local({
                let (lines, flag) = (lines.clone(), Arc::clone(&flag));
                async move {
                    wait_for_thread_flag(flag).await;
                    log(&lines, "woken from another thread");
                }
            });
            yield_now().await; // `woken` now waits for the flag
            set_flag_from_another_thread(&flag);
            log(&lines, "main yields");
            yield_now().await;
            log(&lines, "main resumes");
            woken.await.unwrap();
        }
    });
    assert_eq!(
        *lines.borrow(),
        ["main yields", "woken from another thread", "main resumes"]
    );
}

#[test]
fn a_block_on_that_panicked_after_waking_itself_leaves_the_runtime_usable() {
    let rt = corio_executor::Runtime::new();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(std::future::poll_fn(|cx| -> Poll<()> {
            cx.waker().wake_by_ref();
            panic!("the block_on future panics after waking itself");
        }))
    }));
    assert!(panicked.is_err());
    assert_eq!(rt.block_on(async { 5 }), 5);
}
