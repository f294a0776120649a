//! TaskGroup overhead: a group of 10k trivial children against spawning and joining 10k
//! tasks by hand, and against tokio's `JoinSet` (current-thread runtime).
//!
//! One criterion group, `taskgroup_10k`; every function spawns 10k children that each return
//! their index (through `black_box`, so the work is not optimized away) and waits until all
//! have finished and been collected. Measures what structured concurrency costs over bare
//! spawns on the same loop:
//! - `corio_taskgroup`: a corio `TaskGroup` (on corio, its default spawner): `spawn` each
//!   child, then `wait()` for all.
//! - `corio_by_hand`: 10k `corio_executor::spawn`, then each `JoinHandle` awaited in order.
//! - `tokio`: tokio's `JoinSet`, tokio users' structured way: `spawn` each child, then
//!   `join_next()` until empty.
//! - `tokio_by_hand`: 10k `tokio::spawn`, then each `JoinHandle` awaited in order.
//! - `tokio_taskgroup`: corio's `TaskGroup` on the tokio runtime through a four-line `Spawn`
//!   adapter, which shows the group's own cost (cancellable wrapper, result cell) on tokio.
//!
//! Both runtimes are built once, outside the timed loop; one iteration is one `block_on`.

use std::hint::black_box;

use corio_taskgroup::TaskGroup;
use criterion::{criterion_group, criterion_main, Criterion};
use futures::future::FutureObj;
use futures::task::{Spawn, SpawnError};

const CHILDREN: usize = 10_000;

/// Spawns onto the current tokio runtime: all a TaskGroup needs from an executor.
#[derive(Clone, Copy)]
struct TokioSpawner;

impl Spawn for TokioSpawner {
    fn spawn_obj(&self, future: FutureObj<'static, ()>) -> Result<(), SpawnError> {
        drop(tokio::task::spawn(future));
        Ok(())
    }
}

fn ten_thousand_children(c: &mut Criterion) {
    let mut group = c.benchmark_group("taskgroup_10k");
    let corio = corio_executor::Runtime::builder().build();

    group.bench_function("corio_taskgroup", |b| {
        b.iter(|| {
            corio.block_on(async {
                let tg = TaskGroup::<()>::new();
                for i in 0..CHILDREN {
                    drop(tg.spawn(async move { Ok(black_box(i)) }).unwrap());
                }
                tg.wait().await.unwrap();
            })
        })
    });
    group.bench_function("corio_by_hand", |b| {
        b.iter(|| {
            corio.block_on(async {
                let handles: Vec<_> = (0..CHILDREN)
                    .map(|i| corio_executor::spawn(async move { black_box(i) }))
                    .collect();
                for handle in handles {
                    black_box(handle.await.unwrap());
                }
            })
        })
    });

    let tokio = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();

    group.bench_function("tokio", |b| {
        b.iter(|| {
            tokio.block_on(async {
                let mut set = tokio::task::JoinSet::new();
                for i in 0..CHILDREN {
                    set.spawn(async move { black_box(i) });
                }
                while let Some(joined) = set.join_next().await {
                    black_box(joined.unwrap());
                }
            })
        })
    });
    group.bench_function("tokio_by_hand", |b| {
        b.iter(|| {
            tokio.block_on(async {
                let handles: Vec<_> = (0..CHILDREN)
                    .map(|i| tokio::task::spawn(async move { black_box(i) }))
                    .collect();
                for handle in handles {
                    black_box(handle.await.unwrap());
                }
            })
        })
    });
    group.bench_function("tokio_taskgroup", |b| {
        b.iter(|| {
            tokio.block_on(async {
                let tg = TaskGroup::<(), _>::with_spawner(TokioSpawner);
                for i in 0..CHILDREN {
                    drop(tg.spawn(async move { Ok(black_box(i)) }).unwrap());
                }
                tg.wait().await.unwrap();
            })
        })
    });
    group.finish();
}

criterion_group!(benches, ten_thousand_children);
criterion_main!(benches);
