//! # corio-executor: the event loop
//!
//! Python's asyncio event loop, rebuilt in Rust: the crate that runs your async code.
//!
//! - [`run`] drives a future to completion, like `asyncio.run`, and cancels every task
//!   still alive when it returns.
//! - [`spawn`] starts a task beside it, like `asyncio.create_task`; its [`JoinHandle`]
//!   awaits the task's result or cancels it.
//! - [`time`] has [`sleep`](time::sleep), [`timeout`](time::timeout) and
//!   [`interval`](time::interval), and a paused clock for tests
//!   ([`Builder::start_paused`]): an hour's sleep returns at once, an hour later by the clock.
//! - [`spawn_blocking`] runs blocking code on a thread pool while the loop goes on.
//!
//! The loop is single-threaded: tasks run on the thread that called `run`, one at a time, in
//! the order they became ready. Other threads spawn onto it through a [`Handle`].
//!
//! ## Adding it to your project
//!
//! ```toml
//! [dependencies]
//! # corio-executor 0.1.0. Not on crates.io yet: a path (or git) dependency on a clone of corio.
//! corio-executor = { path = "../corio/executor" }
//! ```
//!
//! (The `corio` crate re-exports this one under short paths, with `#[corio::main]`.)
//!
//! ## A first program
//!
//! Three tasks run side by side and hand their results back; a blocking computation runs on
//! the thread pool meanwhile.
//!
//! ```
//! corio_executor::run(async {
//!     let jobs: Vec<_> = (1..=3)
//!         .map(|n| corio_executor::spawn(async move { n * 10 }))
//!         .collect();
//!     let sum = corio_executor::spawn_blocking(|| (1..=100u32).sum::<u32>());
//!     let mut total = 0;
//!     for job in jobs {
//!         total += job.await.unwrap();
//!     }
//!     assert_eq!(total, 60);
//!     assert_eq!(sum.await.unwrap(), 5050);
//! });
//! ```
//!
//! Time in tests: with the paused clock, a timeout around a one-hour sleep expires after
//! exactly five seconds of virtual time, and the test does not wait for it.
//!
//! ```
//! use corio_executor::time::{sleep, timeout, Instant};
//! use std::time::Duration;
//!
//! let rt = corio_executor::Runtime::builder().start_paused(true).build();
//! rt.block_on(async {
//!     let start = Instant::now();
//!     let slow = timeout(Duration::from_secs(5), sleep(Duration::from_secs(3600))).await;
//!     assert!(slow.is_err());
//!     assert_eq!(start.elapsed(), Duration::from_secs(5));
//! });
//! ```
//!
//! ## Learning more
//!
//! The README at the root of the corio repository is the tutorial. Its lessons "The event
//! loop: `run`", "`await`", "Tasks: `spawn` and `JoinHandle`" and "Timeouts: `timeout`,
//! `TimeoutHandle` and a group's deadline" teach this crate, each with a program you can run
//! (`cargo run --release --example event_loop`, `--example tasks`, `--example timeouts`).
//! Every item here has an example of its own.
//!
//! What the loop promises, one rule at a time with the test that checks it, is in the
//! repository's `docs/SEMANTICS.md`; how it is built (tasks, wakes, timers, the invariants
//! it keeps) in `docs/ARCHITECTURE.md`.
//!
//! ## Where things are
//!
//! - At the root: [`run`], [`Runtime`] and its [`Builder`], [`Handle`], [`spawn`],
//!   [`spawn_local`], [`spawn_blocking`], [`yield_now`], [`JoinHandle`], [`JoinError`].
//! - [`task`]: spawning with a name ([`task::TaskBuilder`]), and [`task::current`].
//! - [`time`]: the runtime's clock ([`time::Instant`]), sleeps, timeouts and intervals.
//! - [`driver`]: the park hook an I/O reactor plugs into (corio-io's); most programs never
//!   touch it.

mod loom;
#[cfg(all(test, loom))]
mod loom_models;
mod runtime;
pub mod task;
pub mod time;
mod yield_now;

pub use runtime::blocking::spawn_blocking;
pub use runtime::driver;
pub use runtime::{run, run_debug, Builder, Handle, Runtime};
pub use task::{spawn, spawn_local, JoinError, JoinHandle};
pub use yield_now::{yield_now, YieldNow};
