//! # corio: asyncio for Rust, in one crate
//!
//! Python's asyncio, rebuilt in Rust: an event loop, asyncio's synchronization primitives,
//! structured concurrency and sockets. This crate is where to start: it gathers the
//! workspace's crates (corio-executor, corio-sync, corio-taskgroup, corio-io) under short
//! paths, and adds `#[corio::main]` and `#[corio::test]`.
//!
//! corio is not on crates.io yet; depend on a clone of its repository by path:
//!
//! ```toml
//! [dependencies]
//! corio = { path = "../corio/corio" }
//! ```
//!
//! ## A first program
//! ```
//! use corio::time::sleep;
//! use std::time::Duration;
//!
//! #[corio::main]
//! async fn main() {
//!     // Three tasks that each wait 100 ms: the waits overlap.
//!     let jobs: Vec<_> = (1..=3)
//!         .map(|n| corio::spawn(async move {
//!             sleep(Duration::from_millis(100)).await;
//!             n * 10
//!         }))
//!         .collect();
//!     let mut total = 0;
//!     for job in jobs {
//!         total += job.await.unwrap();
//!     }
//!     assert_eq!(total, 60);
//! }
//! ```
//!
//! The README at the repository's root is the tutorial: one lesson per idea (the event loop,
//! tasks, TaskGroup and gather, each primitive, the network), each with a program to run.
//!
//! ## Where things are
//! - At the root, what asyncio has at its top level: [`run`] (`asyncio.run`), [`spawn`]
//!   (`create_task`), [`spawn_local`], [`spawn_blocking`] (`to_thread`), [`yield_now`]
//!   (`sleep(0)`), [`JoinHandle`]; [`TaskGroup`], [`gather()`], [`gather_settled`],
//!   [`race`], [`as_completed`], [`shield`], [`wait`]; and with the `io` feature,
//!   [`open_connection`] and [`start_server`]. [`Runtime`], [`Builder`] and [`Handle`] run a
//!   loop by hand.
//! - [`time`]: [`sleep`](time::sleep), [`timeout`](time::timeout) (`asyncio.timeout` and
//!   `wait_for`), [`interval`](time::interval), [`Instant`](time::Instant).
//! - [`sync`]: [`Lock`](sync::Lock), [`Mutex`](sync::Mutex), [`Semaphore`](sync::Semaphore),
//!   [`BoundedSemaphore`](sync::BoundedSemaphore), [`Event`](sync::Event),
//!   [`Condition`](sync::Condition), [`Barrier`](sync::Barrier), [`Queue`](sync::Queue) and
//!   its LIFO and priority kinds. They work on any executor, and across threads.
//! - [`task`]: spawning with a name, [`task::current`], [`JoinError`].
//! - [`taskgroup`]: all of corio-taskgroup, including the forms that take your own spawner.
//! - With the `io` feature: [`net`] (TCP, UDP and Unix sockets), [`streams`] (asyncio's
//!   streams: `StreamReader`, `StreamWriter`, `Server`), [`Async`] (any non-blocking fd).
//!
//! ## Features
//! - `io` (default): sockets and streams, from corio-io.
//! - `tokio-io`: tokio's `AsyncRead`/`AsyncWrite` on corio's streams.
//! - `hyper`: hyper 1.x servers and clients on corio, through `corio::hyper`.
//! - `tracing`: a `tracing` span per task, entered on each of its polls.

#![deny(unsafe_op_in_unsafe_fn)]
// The overview above links the `io` feature's items, which are absent without it.
#![cfg_attr(not(feature = "io"), allow(rustdoc::broken_intra_doc_links))]

pub use corio_macros::{main, test};

pub use corio_executor::{
    run, run_debug, spawn, spawn_blocking, spawn_local, yield_now, Builder, Handle, JoinError,
    JoinHandle, Runtime, YieldNow,
};
pub use corio_executor::{task, time};

pub use corio_taskgroup::{
    as_completed, gather, gather_settled, race, shield, wait, ChildError, GroupError, ReturnWhen,
    TaskGroup,
};

/// asyncio's synchronization primitives: all of corio-sync.
///
/// ```
/// use corio::sync::Lock;
///
/// corio::run(async {
///     let lock = Lock::new();
///     let guard = lock.acquire().await;
///     assert!(lock.locked());
///     assert!(lock.try_acquire().is_err());
///     drop(guard);
///     assert!(!lock.locked());
/// });
/// ```
pub mod sync {
    #[doc(inline)]
    pub use corio_sync::*;
}

/// Structured concurrency: all of corio-taskgroup, including the `*_on` forms and
/// [`TaskGroup::with_spawner`](taskgroup::TaskGroup::with_spawner) for other executors.
/// The root of `corio` re-exports the parts most programs use.
///
/// ```
/// use corio::taskgroup::{GroupError, TaskGroup};
///
/// corio::run(async {
///     let tg = TaskGroup::<&str>::new();
///     tg.spawn(async { Ok(()) }).unwrap();
///     tg.spawn(async { Err::<(), _>("the second child failed") }).unwrap();
///     let error: GroupError<&str> = tg.wait().await.unwrap_err();
///     assert_eq!(error.errors(), ["the second child failed"]);
/// });
/// ```
pub mod taskgroup {
    #[doc(inline)]
    pub use corio_taskgroup::*;
}

#[cfg(feature = "io")]
pub use corio_io::{net, streams, Async};

#[cfg(feature = "io")]
pub use corio_io::streams::{open_connection, start_server};

#[cfg(feature = "hyper")]
pub use corio_io::hyper;

/// What `#[corio::main]` and `#[corio::test]` expand to. Not public API.
#[doc(hidden)]
pub mod __private {
    use std::future::Future;

    /// Runs `future` on a new runtime, with the paused clock if `start_paused`, and drops
    /// the runtime afterwards, which cancels every task still alive (as [`crate::run`]).
    pub fn block_on<F: Future>(start_paused: bool, future: F) -> F::Output {
        crate::Runtime::builder()
            .start_paused(start_paused)
            .build()
            .block_on(future)
    }
}
