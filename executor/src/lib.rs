//! # corio-executor: the event loop
//!
//! Python's asyncio event loop, rebuilt in Rust: a single-threaded, waker-based executor.
//!
//! - [`run`] is `asyncio.run`: it builds a runtime, drives one future to completion and then
//!   cancels (drops) every task still alive, so nothing outlives it.
//! - Tasks are single heap allocations (a header followed by the future, whose slot is reused
//!   for the output); a task's `Waker` points at that header, so waking allocates nothing.
//! - Ready tasks run in FIFO order of being woken; wakes on the loop's own thread take a
//!   lock-free fast path, wakes from other threads go through a lock-free queue and unpark the
//!   loop.
//! - Timers live in a hierarchical timer wheel; with a paused clock, virtual time jumps to the
//!   next deadline whenever no task can run, so timing tests are instant and exact.
//!
//! ## Invariants
//! - A task is polled only on the loop's thread, at most once per wake-up batch.
//! - A task's future is dropped exactly once: when it completes, when it is cancelled, or when
//!   the runtime shuts down.
//! - A timer never fires before its deadline.
//!
//! ## A first program
//! ```
//! use corio_executor::time::{sleep, Instant};
//! use std::time::Duration;
//!
//! corio_executor::run(async {
//!     let start = Instant::now();
//!     let jobs: Vec<_> = (1..=3)
//!         .map(|n| corio_executor::spawn(async move {
//!             sleep(Duration::from_millis(50)).await;
//!             n
//!         }))
//!         .collect();
//!     let mut sum = 0;
//!     for job in jobs {
//!         sum += job.await.unwrap();
//!     }
//!     assert_eq!(sum, 6);
//!     // The three sleeps overlapped: about 50 ms in all, not 150.
//!     assert!(start.elapsed() >= Duration::from_millis(50));
//! });
//! ```
//!
//! ## Modules
//! Imports run one way, down this list: `task` uses `runtime`, `runtime` never uses `task`;
//! inside `runtime`, the task layer (`runtime::task`) uses nothing else of the runtime.
//! - [`task`]: the public face of tasks: [`spawn`], [`spawn_local`], [`task::TaskBuilder`],
//!   [`task::current`], and the re-exported [`JoinHandle`].
//! - `runtime`: [`Runtime`], [`Handle`], the loop, its queues and parker, the one spawn
//!   path (`runtime::spawn`), [`spawn_blocking`]'s pool, and [`driver`], the park hook an
//!   I/O reactor plugs into.
//! - `runtime::task`: the task layer: the one-allocation task, its state word, its waker
//!   and [`JoinHandle`]. It reaches the scheduler only through its `Schedule` trait, and
//!   holds the crate's task `unsafe`, under the rules that open its module docs.
//! - [`time`]: the clock, the timer wheel, [`time::sleep`], [`time::timeout`],
//!   [`time::interval`]; it reaches the running runtime's clock and timers through one
//!   accessor, `runtime::context::with_time`.

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
