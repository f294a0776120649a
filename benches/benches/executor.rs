//! The corio event loop beside tokio (current-thread), smol's async-executor
//! (`LocalExecutor` driven by `async_io::block_on`, which is what `smol::block_on` is) and
//! futures' `LocalPool`, on the same workloads.
//!
//! Each criterion group is one workload, each function one runtime. Every workload is the same
//! code for every runtime: it is written once in the `workloads!` macro against four
//! operations that each runtime module provides the way that runtime's users write them:
//! - `spawn(future)`, then `.await` on what it returns: corio's and tokio's `spawn` and their
//!   `JoinHandle`; async-executor's `LocalExecutor::spawn` and its `Task`; futures'
//!   `spawn_local_with_handle` and its `RemoteHandle`.
//! - `spawn_detached(future)`, a task nobody awaits: corio's and tokio's `spawn` with the
//!   `JoinHandle` dropped; async-executor's `spawn(..).detach()`; futures' `spawn_local`.
//! - `yield_now()`: corio's and tokio's own; futures-lite's for the other two.
//! - `sleep(duration)`: corio's and tokio's own; async-io's `Timer::after` for async-executor
//!   and futures, which have no timers of their own (it is smol's timer).
//!
//! Each runtime is built once per benchmark, outside the timed loop; one iteration is one
//! `block_on` of the workload on it. What each workload measures is written above it.
//!
//! `corio_debug` is not a peer: it is corio in debug mode (`Builder::debug(true)`), the same
//! workloads, to measure what debug mode costs (a clock read around each poll, time in poll
//! counted per task, late timers checked). Its reports go to `io::sink()`: a slow poll on a
//! busy machine must not print into the bench's output. Compare it with `corio`.

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use futures::channel::oneshot;

const SPAWN_MANY: usize = 10_000;
const YIELD_TASKS: usize = 200;
const YIELDS: usize = 1_000;
const PING_PONG: usize = 1_000;
const CHAIN: usize = 1_000;
const TIMERS: u64 = 100_000;

/// The six workloads, written once over the enclosing module's `spawn`, `spawn_detached`,
/// `yield_now` and `sleep`.
macro_rules! workloads {
    () => {
        /// `spawn_many`: spawn 10k empty tasks from the root future, then await each handle
        /// in spawn order. Measures the cost of a task's whole life: allocation, scheduling,
        /// one poll, completion, and handing the output to an awaiting handle.
        pub async fn spawn_many() {
            let handles: Vec<_> = (0..super::SPAWN_MANY).map(|_| spawn(async {})).collect();
            for handle in handles {
                handle.await;
            }
        }

        /// `yield_many`: 200 tasks, each yielding to the loop 1000 times; the root awaits
        /// them all. Measures re-scheduling a task that woke itself: 200k wake + poll
        /// round trips through the run queue.
        pub async fn yield_many() {
            let handles: Vec<_> = (0..super::YIELD_TASKS)
                .map(|_| {
                    spawn(async {
                        for _ in 0..super::YIELDS {
                            yield_now().await;
                        }
                    })
                })
                .collect();
            for handle in handles {
                handle.await;
            }
        }

        /// `ping_pong`: 1000 tasks; each spawns a peer, sends it a oneshot "ping", awaits
        /// its "pong", then awaits the peer's handle. Measures waking a task from another
        /// task: 2000 spawns and 2000 cross-task wake-ups through a `futures` oneshot.
        pub async fn ping_pong() {
            let handles: Vec<_> = (0..super::PING_PONG)
                .map(|_| {
                    spawn(async {
                        let (ping_tx, ping_rx) = super::oneshot::channel::<()>();
                        let (pong_tx, pong_rx) = super::oneshot::channel::<()>();
                        let peer = spawn(async move {
                            ping_rx.await.unwrap();
                            pong_tx.send(()).unwrap();
                        });
                        ping_tx.send(()).unwrap();
                        pong_rx.await.unwrap();
                        peer.await;
                    })
                })
                .collect();
            for handle in handles {
                handle.await;
            }
        }

        /// `chained_spawn`: a chain of 1000 detached tasks, each spawning the next from
        /// inside the loop; the last one signals the root through a oneshot. Measures
        /// spawning from a running task when only one task is ever runnable (the run
        /// queue's latency, not its throughput).
        pub async fn chained_spawn() {
            fn link(left: usize, done: super::oneshot::Sender<()>) {
                if left == 0 {
                    done.send(()).unwrap();
                } else {
                    spawn_detached(async move { link(left - 1, done) });
                }
            }
            let (done_tx, done_rx) = super::oneshot::channel();
            spawn_detached(async move { link(super::CHAIN, done_tx) });
            done_rx.await.unwrap();
        }

        /// `timer_cancel`: 100k sleeps of 1-6 s made in the root future, each polled once
        /// (so each registers its timer), then all dropped before any is due. Measures timer
        /// registration and cancellation alone: no task, no timer ever fires.
        pub async fn timer_cancel() {
            let mut sleeps: Vec<_> = (0..super::TIMERS)
                .map(|i| Box::pin(sleep(std::time::Duration::from_millis(1_000 + i % 5_000))))
                .collect();
            std::future::poll_fn(|cx| {
                for sleep in &mut sleeps {
                    assert!(std::future::Future::poll(sleep.as_mut(), cx).is_pending());
                }
                std::task::Poll::Ready(())
            })
            .await;
            drop(sleeps);
        }

        /// `timer_fire`: 100k tasks, each making a sleep of 1 or 2 ms once it runs and
        /// awaiting it; the root awaits every task. The sleep is made inside the task, so
        /// its deadline is 1-2 ms after the task's first poll and every sleep really
        /// registers a timer and fires from the timer wheel (or heap). Measures spawning,
        /// registering and firing 100k timers and waking their tasks; the iteration cannot
        /// take less than the 2 ms the last sleeps wait.
        pub async fn timer_fire() {
            let handles: Vec<_> = (0..super::TIMERS)
                .map(|i| {
                    spawn(async move {
                        sleep(std::time::Duration::from_millis(1 + i % 2)).await;
                    })
                })
                .collect();
            for handle in handles {
                handle.await;
            }
        }
    };
}

/// A corio row: the runtime `$runtime` builds, with the spawn and join code corio's users
/// write. The two rows differ only in the runtime.
macro_rules! corio_row {
    ($(#[$doc:meta])* $name:ident, $runtime:expr) => {
        $(#[$doc])*
        mod $name {
            use std::future::Future;

            thread_local! {
                static RUNTIME: corio_executor::Runtime = $runtime;
            }

            pub fn block_on<F: Future>(future: F) -> F::Output {
                RUNTIME.with(|rt| rt.block_on(future))
            }

            fn spawn<F>(future: F) -> impl Future<Output = F::Output>
            where
                F: Future + Send + 'static,
                F::Output: Send,
            {
                let handle = corio_executor::spawn(future);
                async move { handle.await.unwrap() }
            }

            /// Dropping the `JoinHandle` detaches the task, as corio's users write it.
            fn spawn_detached(future: impl Future<Output = ()> + Send + 'static) {
                drop(corio_executor::spawn(future));
            }

            use corio_executor::time::sleep;
            use corio_executor::yield_now;
            workloads!();
        }
    };
}

corio_row!(corio, corio_executor::Runtime::new());

corio_row!(
    /// corio in debug mode: what debug mode costs, against `corio` above.
    corio_debug,
    corio_executor::Runtime::builder()
        .debug(true)
        .debug_sink(std::io::sink())
        .build()
);

mod tokio_rt {
    use std::future::Future;

    thread_local! {
        // What `#[tokio::main(flavor = "current_thread")]` builds.
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
    }

    pub fn block_on<F: Future>(future: F) -> F::Output {
        RUNTIME.with(|rt| rt.block_on(future))
    }

    fn spawn<F>(future: F) -> impl Future<Output = F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send,
    {
        let handle = tokio::spawn(future);
        async move { handle.await.unwrap() }
    }

    fn spawn_detached(future: impl Future<Output = ()> + Send + 'static) {
        drop(tokio::spawn(future));
    }

    use tokio::task::yield_now;
    use tokio::time::sleep;
    workloads!();
}

mod async_executor_rt {
    use async_executor::{LocalExecutor, Task};
    use std::future::Future;
    use std::rc::Rc;
    use std::time::Duration;

    thread_local! {
        static EXECUTOR: Rc<LocalExecutor<'static>> = Rc::new(LocalExecutor::new());
    }

    /// `smol::block_on(executor.run(future))`: `async_io::block_on` drives async-io's
    /// reactor (its timers) on this thread while it waits.
    pub fn block_on<F: Future>(future: F) -> F::Output {
        let executor = EXECUTOR.with(Rc::clone);
        async_io::block_on(executor.run(future))
    }

    fn spawn<F: Future + 'static>(future: F) -> Task<F::Output> {
        EXECUTOR.with(|ex| ex.spawn(future))
    }

    fn spawn_detached(future: impl Future<Output = ()> + 'static) {
        EXECUTOR.with(|ex| ex.spawn(future).detach());
    }

    async fn sleep(duration: Duration) {
        async_io::Timer::after(duration).await;
    }

    use futures_lite::future::yield_now;
    workloads!();
}

mod futures_rt {
    use futures::executor::{LocalPool, LocalSpawner};
    use futures::future::RemoteHandle;
    use futures::task::LocalSpawnExt;
    use std::cell::RefCell;
    use std::future::Future;
    use std::time::Duration;

    thread_local! {
        static POOL: RefCell<LocalPool> = RefCell::new(LocalPool::new());
        static SPAWNER: LocalSpawner = POOL.with(|pool| pool.borrow().spawner());
    }

    pub fn block_on<F: Future>(future: F) -> F::Output {
        // Make the spawner before the pool is borrowed for the run: it borrows the pool.
        SPAWNER.with(|_| ());
        POOL.with(|pool| pool.borrow_mut().run_until(future))
    }

    fn spawn<F: Future + 'static>(future: F) -> RemoteHandle<F::Output> {
        SPAWNER.with(|spawner| {
            spawner
                .spawn_local_with_handle(future)
                .expect("LocalPool spawn")
        })
    }

    fn spawn_detached(future: impl Future<Output = ()> + 'static) {
        SPAWNER.with(|spawner| spawner.spawn_local(future).expect("LocalPool spawn"));
    }

    async fn sleep(duration: Duration) {
        async_io::Timer::after(duration).await;
    }

    use futures_lite::future::yield_now;
    workloads!();
}

fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group
}

/// One group: the workload on every runtime, side by side.
macro_rules! compare {
    ($c:expr, $name:ident) => {{
        let mut g = group($c, stringify!($name));
        g.bench_function("corio", |b| b.iter(|| corio::block_on(corio::$name())));
        g.bench_function("corio_debug", |b| {
            b.iter(|| corio_debug::block_on(corio_debug::$name()))
        });
        g.bench_function("tokio", |b| {
            b.iter(|| tokio_rt::block_on(tokio_rt::$name()))
        });
        g.bench_function("async-executor", |b| {
            b.iter(|| async_executor_rt::block_on(async_executor_rt::$name()))
        });
        g.bench_function("futures", |b| {
            b.iter(|| futures_rt::block_on(futures_rt::$name()))
        });
        g.finish();
    }};
}

fn spawn_many(c: &mut Criterion) {
    compare!(c, spawn_many);
}

fn yield_many(c: &mut Criterion) {
    compare!(c, yield_many);
}

fn ping_pong(c: &mut Criterion) {
    compare!(c, ping_pong);
}

fn chained_spawn(c: &mut Criterion) {
    compare!(c, chained_spawn);
}

fn timer_cancel(c: &mut Criterion) {
    compare!(c, timer_cancel);
}

fn timer_fire(c: &mut Criterion) {
    compare!(c, timer_fire);
}

criterion_group!(
    executor,
    spawn_many,
    yield_many,
    ping_pong,
    chained_spawn,
    timer_cancel,
    timer_fire
);
criterion_main!(executor);
