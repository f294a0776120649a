//! Wakes and spawns from other threads reach the loop, even while it is parked.

use corio_executor::time::sleep;
use corio_executor::{run, Handle, Runtime};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// A one-shot signal set from a plain std thread.
#[derive(Default)]
struct Signal {
    state: Mutex<(bool, Option<Waker>)>,
}

impl Signal {
    fn set(&self) {
        let waker = {
            let mut state = self.state.lock().unwrap();
            state.0 = true;
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

struct WaitSignal(Arc<Signal>);

impl Future for WaitSignal {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.0.state.lock().unwrap();
        if state.0 {
            return Poll::Ready(());
        }
        state.1 = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[test]
fn a_wake_from_a_std_thread_reaches_a_parked_loop() {
    for _ in 0..50 {
        let signal = Arc::new(Signal::default());
        let setter = signal.clone();
        let thread = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(2));
            setter.set();
        });
        // Nothing else to do and no timers: the loop parks until the thread's wake.
        run(WaitSignal(signal));
        thread.join().unwrap();
    }
}

#[test]
fn a_spawned_task_woken_from_another_thread_completes() {
    run(async {
        let signal = Arc::new(Signal::default());
        let task = corio_executor::spawn(WaitSignal(signal.clone()));
        let setter = std::thread::spawn(move || signal.set());
        task.await.unwrap();
        setter.join().unwrap();
    });
}

#[test]
fn many_threads_spawn_onto_one_runtime_through_its_handle() {
    let rt = Runtime::new();
    let handle = rt.handle();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let handle = handle.clone();
            std::thread::spawn(move || {
                (0..250)
                    .map(|i| handle.spawn(async move { t * 1000 + i }))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let handles: Vec<_> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let sum: u64 = rt.block_on(async move {
        let mut sum = 0;
        for handle in handles {
            sum += handle.await.unwrap();
        }
        sum
    });
    let expected: u64 = (0..4u64)
        .flat_map(|t| (0..250u64).map(move |i| t * 1000 + i))
        .sum();
    assert_eq!(sum, expected);
}

#[test]
fn handle_current_spawns_from_a_thread_while_the_loop_sleeps() {
    run(async {
        let handle = Handle::current();
        let spawner = std::thread::spawn(move || handle.spawn(async { "from a thread" }));
        let task = spawner.join().unwrap();
        sleep(Duration::from_millis(1)).await;
        assert_eq!(task.await.unwrap(), "from a thread");
    });
}

#[test]
fn futures_spawn_traits_work_on_the_handle() {
    use futures::task::{LocalSpawnExt, SpawnExt};
    run(async {
        let handle = Handle::current();
        let sent = handle.spawn_with_handle(async { 1 }).unwrap();
        let local = handle
            .spawn_local_with_handle(async { std::rc::Rc::new(2) })
            .unwrap();
        assert_eq!(sent.await + *local.await, 3);
        let other_thread = std::thread::spawn(move || handle.spawn_local(async {}).is_err());
        assert!(
            other_thread.join().unwrap(),
            "LocalSpawn from another thread is refused"
        );
    });
}

#[test]
fn spawn_after_shutdown_is_refused_through_the_spawn_trait() {
    use futures::task::SpawnExt;
    let rt = Runtime::new();
    let handle = rt.handle();
    drop(rt);
    assert!(SpawnExt::spawn(&handle, async {}).is_err());
}

#[test]
fn a_named_spawn_from_another_thread_carries_its_name_into_the_task() {
    use corio_executor::task::{self, TaskBuilder};
    let rt = Runtime::new();
    let handle = rt.handle();
    let (job, id) = std::thread::spawn(move || {
        let job = TaskBuilder::new()
            .name("fetcher")
            .spawn_on(&handle, async { task::current().expect("inside a task") });
        let id = job.id();
        (job, id)
    })
    .join()
    .unwrap();
    let seen = rt.block_on(job).unwrap();
    assert_eq!((seen.id(), seen.name()), (id, Some("fetcher")));
}

#[test]
fn a_named_spawn_on_a_shut_down_runtime_is_cancelled() {
    let rt = Runtime::new();
    let handle = rt.handle();
    drop(rt);
    let job = corio_executor::task::TaskBuilder::new()
        .name("late")
        .spawn_on(&handle, async { 1 });
    assert!(job.is_finished());
    assert!(run(job).unwrap_err().is_cancelled());
}
