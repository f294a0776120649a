//! corio-sync beside tokio::sync, async-lock / event-listener and futures, on one executor.
//!
//! Every contender runs on the same tokio current-thread runtime (tasks spawned with
//! `tokio::spawn`, joined through their `JoinHandle`s), so only the primitive differs. Each
//! criterion group is one workload, each function one library; what each workload measures
//! is written above its function. The code for each library is the way its users write it:
//! `lock().await` and a guard, `acquire().await` and a permit, a bounded channel's
//! `send`/`recv` (futures: `SinkExt::send`, `StreamExt::next`).
//!
//! Warm-up 0.5 s and measurement 3 s are this suite's defaults (the workloads are long
//! enough); criterion's command-line `--warm-up-time` / `--measurement-time` override them.

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::runtime::Runtime;
use tokio::task::yield_now;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime")
}

fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group
}

/// This suite's defaults, which criterion's command-line arguments override.
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

fn bench<F, Fut>(group: &mut BenchmarkGroup<'_, WallTime>, id: &str, rt: &Runtime, workload: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    group.bench_function(id, |b| b.iter(|| rt.block_on(workload())));
}

const UNCONTENDED: usize = 1_000_000;

/// `mutex_uncontended`: one task locks and unlocks a mutex 1M times (incrementing the
/// guarded counter), never waiting. Measures the lock's fast path: acquire and release with
/// no other task around.
fn mutex_uncontended(c: &mut Criterion) {
    let rt = runtime();
    let mut g = group(c, "mutex_uncontended");
    bench(&mut g, "corio", &rt, || async {
        let m = corio_sync::Mutex::new(0u64);
        for _ in 0..UNCONTENDED {
            *m.lock().await += 1;
        }
    });
    bench(&mut g, "tokio", &rt, || async {
        let m = tokio::sync::Mutex::new(0u64);
        for _ in 0..UNCONTENDED {
            *m.lock().await += 1;
        }
    });
    bench(&mut g, "async-lock", &rt, || async {
        let m = async_lock::Mutex::new(0u64);
        for _ in 0..UNCONTENDED {
            *m.lock().await += 1;
        }
    });
    bench(&mut g, "futures", &rt, || async {
        let m = futures::lock::Mutex::new(0u64);
        for _ in 0..UNCONTENDED {
            *m.lock().await += 1;
        }
    });
    g.finish();
}

const CONTENDING_TASKS: usize = 100;
const LOCKS_PER_TASK: usize = 1000;

/// Spawns `tasks` copies of `body` on the current runtime and waits for all of them.
async fn spawn_all<F, Fut>(tasks: usize, body: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let handles: Vec<_> = (0..tasks).map(|_| tokio::spawn(body())).collect();
    for h in handles {
        h.await.expect("task");
    }
}

macro_rules! contended_mutex {
    ($g:expr, $rt:expr, $id:literal, $mutex:expr) => {
        bench($g, $id, $rt, || async {
            let m = Arc::new($mutex);
            spawn_all(CONTENDING_TASKS, || {
                let m = m.clone();
                async move {
                    for _ in 0..LOCKS_PER_TASK {
                        let mut guard = m.lock().await;
                        yield_now().await;
                        *guard += 1;
                    }
                }
            })
            .await;
        });
    };
}

/// `mutex_contended`: 100 tasks each lock the mutex 1000 times, holding it across a
/// `yield_now` (so the other 99 queue up behind it) and incrementing the counter. Measures
/// the slow path: queueing a waiter, handing the lock over on unlock, and waking the next
/// task: 100k hand-offs. FIFO mutexes (corio, tokio) hand over to the oldest waiter; the
/// others let whichever task asks first take it.
fn mutex_contended(c: &mut Criterion) {
    let rt = runtime();
    let mut g = group(c, "mutex_contended");
    contended_mutex!(&mut g, &rt, "corio", corio_sync::Mutex::new(0u64));
    contended_mutex!(&mut g, &rt, "tokio", tokio::sync::Mutex::new(0u64));
    contended_mutex!(&mut g, &rt, "async-lock", async_lock::Mutex::new(0u64));
    contended_mutex!(&mut g, &rt, "futures", futures::lock::Mutex::new(0u64));
    g.finish();
}

const SEMAPHORE_TASKS: usize = 1000;
const ACQUIRES_PER_TASK: usize = 10;
const PERMITS: usize = 10;

/// `semaphore`: 1000 tasks each acquire a permit of a 10-permit semaphore 10 times, holding
/// it across a `yield_now`. Measures acquire and release under contention, 10k acquires,
/// most of them waiting for a permit another task releases. (futures has no semaphore.)
fn semaphore(c: &mut Criterion) {
    let rt = runtime();
    let mut g = group(c, "semaphore");
    bench(&mut g, "corio", &rt, || async {
        let sem = Arc::new(corio_sync::Semaphore::new(PERMITS));
        spawn_all(SEMAPHORE_TASKS, || {
            let sem = sem.clone();
            async move {
                for _ in 0..ACQUIRES_PER_TASK {
                    let _permit = sem.acquire().await;
                    yield_now().await;
                }
            }
        })
        .await;
    });
    bench(&mut g, "tokio", &rt, || async {
        let sem = Arc::new(tokio::sync::Semaphore::new(PERMITS));
        spawn_all(SEMAPHORE_TASKS, || {
            let sem = sem.clone();
            async move {
                for _ in 0..ACQUIRES_PER_TASK {
                    let _permit = sem.acquire().await.expect("open");
                    yield_now().await;
                }
            }
        })
        .await;
    });
    bench(&mut g, "async-lock", &rt, || async {
        let sem = Arc::new(async_lock::Semaphore::new(PERMITS));
        spawn_all(SEMAPHORE_TASKS, || {
            let sem = sem.clone();
            async move {
                for _ in 0..ACQUIRES_PER_TASK {
                    let _permit = sem.acquire().await;
                    yield_now().await;
                }
            }
        })
        .await;
    });
    g.finish();
}

const EVENT_WAITERS: usize = 10_000;

/// Spawns `EVENT_WAITERS` tasks running `wait(registered)`, where each task bumps
/// `registered` once its waiter is queued; yields until all are, then runs `set`.
async fn broadcast<W, WFut>(wait: W, set: impl FnOnce())
where
    W: Fn(Arc<AtomicUsize>) -> WFut,
    WFut: Future<Output = ()> + Send + 'static,
{
    let registered = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..EVENT_WAITERS)
        .map(|_| tokio::spawn(wait(registered.clone())))
        .collect();
    while registered.load(Ordering::Relaxed) < EVENT_WAITERS {
        yield_now().await;
    }
    set();
    for h in handles {
        h.await.expect("task");
    }
}

/// `event_broadcast`: 10k tasks each queue themselves as waiters of one event and then
/// await it; once all are queued, one `set` (tokio: `Notify::notify_waiters`;
/// event-listener: `notify(usize::MAX)`) wakes them all. Measures the spawns, 10k waiter
/// registrations, one broadcast wake of 10k waiters and the tasks' completions. Each task
/// counts itself once queued, so the `set` comes only after all 10k are waiting: corio polls
/// its `wait()` once to queue it, tokio calls `Notified::enable`, event-listener's
/// `listen()` queues on creation.
fn event_broadcast(c: &mut Criterion) {
    let rt = runtime();
    let mut g = group(c, "event_broadcast");
    bench(&mut g, "corio", &rt, || async {
        let event = Arc::new(corio_sync::Event::new());
        let waiting = event.clone();
        broadcast(
            move |registered| {
                let event = waiting.clone();
                async move {
                    let mut wait = pin!(event.wait());
                    assert!(futures::poll!(wait.as_mut()).is_pending());
                    registered.fetch_add(1, Ordering::Relaxed);
                    wait.await;
                }
            },
            || event.set(),
        )
        .await;
    });
    bench(&mut g, "tokio", &rt, || async {
        let notify = Arc::new(tokio::sync::Notify::new());
        let waiting = notify.clone();
        broadcast(
            move |registered| {
                let notify = waiting.clone();
                async move {
                    let mut notified = pin!(notify.notified());
                    notified.as_mut().enable();
                    registered.fetch_add(1, Ordering::Relaxed);
                    notified.await;
                }
            },
            || notify.notify_waiters(),
        )
        .await;
    });
    bench(&mut g, "event-listener", &rt, || async {
        let event = Arc::new(event_listener::Event::new());
        let waiting = event.clone();
        broadcast(
            move |registered| {
                let event = waiting.clone();
                async move {
                    let listener = event.listen(); // registered on creation
                    registered.fetch_add(1, Ordering::Relaxed);
                    listener.await;
                }
            },
            || {
                event.notify(usize::MAX);
            },
        )
        .await;
    });
    g.finish();
}

const PING_ITEMS: usize = 1_000_000;
const PING_CAPACITY: usize = 64;

/// `queue_ping`: a producer task puts 1M integers into a bounded queue of 64 while the
/// root future takes them out. Measures a bounded channel's send and receive, with the
/// producer parking whenever the queue is full and the consumer whenever it is empty.
/// Peers: tokio's and futures' bounded mpsc channels (corio's is a many-to-many queue).
fn queue_ping(c: &mut Criterion) {
    let rt = runtime();
    let mut g = group(c, "queue_ping");
    bench(&mut g, "corio", &rt, || async {
        let queue = Arc::new(corio_sync::Queue::new(PING_CAPACITY));
        let producer = {
            let queue = queue.clone();
            tokio::spawn(async move {
                for i in 0..PING_ITEMS {
                    queue.put(i).await.expect("open");
                }
            })
        };
        for _ in 0..PING_ITEMS {
            queue.get().await.expect("open");
        }
        producer.await.expect("producer");
    });
    bench(&mut g, "tokio", &rt, || async {
        let (tx, mut rx) = tokio::sync::mpsc::channel(PING_CAPACITY);
        let producer = tokio::spawn(async move {
            for i in 0..PING_ITEMS {
                tx.send(i).await.expect("open");
            }
        });
        for _ in 0..PING_ITEMS {
            rx.recv().await.expect("open");
        }
        producer.await.expect("producer");
    });
    bench(&mut g, "futures", &rt, || async {
        use futures::{SinkExt, StreamExt};
        // futures' capacity is `buffer + senders`: 63 + 1 = 64.
        let (mut tx, mut rx) = futures::channel::mpsc::channel(PING_CAPACITY - 1);
        let producer = tokio::spawn(async move {
            for i in 0..PING_ITEMS {
                tx.send(i).await.expect("open");
            }
        });
        for _ in 0..PING_ITEMS {
            rx.next().await.expect("open");
        }
        producer.await.expect("producer");
    });
    g.finish();
}

criterion_group!(
    name = benches;
    config = config();
    targets = mutex_uncontended, mutex_contended, semaphore, event_broadcast, queue_ping
);
criterion_main!(benches);
