//! # corio-taskgroup: structured concurrency, as in asyncio
//!
//! Run several tasks as one unit. A [`TaskGroup`] starts child tasks and waits for all of
//! them; when one fails it cancels the others and reports every error, so no task outlives
//! the code that started it (asyncio's `async with TaskGroup() as tg:`). Beside it come
//! asyncio's other ways to run futures at once: [`gather()`] (all outputs, first error
//! returned at once), [`race`] (first output), [`as_completed`] (outputs in completion
//! order), [`wait`] (split into done and pending) and [`shield`] (not cancelled with its
//! awaiter).
//!
//! It runs on corio by default, on tokio and on async-executor (smol) through one-line
//! adapters (`TokioSpawner`, `AsyncExecutorSpawner`), and on any executor that
//! implements [`futures_task::Spawn`].
//!
//! ```toml
//! [dependencies]
//! # Not on crates.io yet: a path (or git) dependency on a clone of corio.
//! corio-taskgroup = { path = "../corio/taskgroup" }
//! # On tokio instead of corio:
//! # corio-taskgroup = { path = "../corio/taskgroup", default-features = false, features = ["tokio"] }
//! ```
//!
//! Features: `corio` (default: `TaskGroup::new`, `scope`, `gather`, ... spawn on the current
//! corio runtime), `tokio` (`TokioSpawner`), `async-executor` (`AsyncExecutorSpawner`).
//!
//! ## A first program
//!
//! Two children: one fails after 10 ms, so the other, still sleeping, is cancelled, and the
//! group returns at 10 ms with the error.
//!
//! ```
//! # #[cfg(feature = "corio")] {
//! use std::time::Duration;
//! use corio_executor::time::sleep;
//! use corio_taskgroup::TaskGroup;
//!
//! corio_executor::run(async {
//!     let outcome = TaskGroup::<String>::scope(|tg| async move {
//!         tg.spawn(async {
//!             sleep(Duration::from_millis(10)).await;
//!             Err::<(), _>("the first download failed".to_string())
//!         })?;
//!         let slow = tg.spawn(async {
//!             sleep(Duration::from_secs(60)).await;
//!             Ok("never")
//!         })?;
//!         Ok(slow)
//!     })
//!     .await;
//!     let error = outcome.unwrap_err();
//!     assert_eq!(error.errors(), ["the first download failed"]);
//! });
//! # }
//! ```
//!
//! On tokio (feature `tokio`), the same group is
//! `TaskGroup::with_spawner(TokioSpawner::current()).run(|tg| ...)`.
//!
//! ## Learn more
//!
//! The README's lessons teach this crate by running it: "Tasks: `spawn` and `JoinHandle`"
//! and "TaskGroup vs. gather: what happens when one fails" (`cargo run --example taskgroup`,
//! `--example gather`; `cargo run -p corio-taskgroup --example waiting` for `wait`,
//! `as_completed` with a timeout, `shield` and named children). The behaviour on
//! cancellation, dropping and panics, and the design decisions, are in the docs of
//! [`TaskGroup`] and of each item.
//!
//! ## Spawning into a group that is closing
//!
//! [`TaskGroup::spawn`] returns `Result<ChildHandle, SpawnError>`. A group refuses a new
//! child once it is shutting down (a child failed, its deadline passed, or it was dropped:
//! [`SpawnError::ShuttingDown`]) or has finished ([`SpawnError::Finished`]), as asyncio's
//! `create_task` raises then; the future is dropped unpolled. A group's body is cancelled at
//! its next poll once the group shuts down, so a refused spawn is rare, and `?` passes it on:
//! `SpawnError` converts into `String` and is a [`std::error::Error`] (so `Box<dyn Error>`
//! and anyhow-style errors take it too).

mod as_completed;
#[cfg(feature = "async-executor")]
mod async_executor_spawner;
mod batch;
mod child;
mod error;
mod gather;
mod gather_macro;
mod group;
mod group_core;
mod loom;
#[cfg(all(test, loom))]
mod loom_models;
mod race;
mod shared_cell;
mod shield;
mod spawner;
#[cfg(feature = "tokio")]
mod tokio_spawner;
mod wait;
mod waker_slab;

#[cfg(feature = "corio")]
pub use crate::as_completed::as_completed;
pub use crate::as_completed::{as_completed_on, AsCompleted, AsCompletedWithin};
#[cfg(feature = "async-executor")]
pub use crate::async_executor_spawner::AsyncExecutorSpawner;
pub use crate::child::ChildHandle;
pub use crate::error::{ChildError, GroupError, SpawnError, TimedOut};
#[cfg(feature = "corio")]
pub use crate::gather::{gather, gather_settled};
pub use crate::gather::{gather_on, gather_settled_on, Gather, GatherSettled};
pub use crate::group::{GroupHandle, GroupWait, Scope, TaskGroup};
#[cfg(feature = "corio")]
pub use crate::race::race;
pub use crate::race::{race_on, Race};
#[cfg(feature = "corio")]
pub use crate::shield::shield;
pub use crate::shield::{shield_on, Shield};
pub use crate::spawner::{DefaultSpawner, Timer};
#[cfg(feature = "tokio")]
pub use crate::tokio_spawner::TokioSpawner;
pub use crate::wait::{wait, ReturnWhen, Wait};

/// Items the [`gather!`] macro expands to. Not public API.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "corio")]
    pub use crate::gather_macro::default_spawner;
    pub use crate::gather_macro::{AcceptOutput, MixedBatch, MixedSlot};
}

/// `gather` for futures of different output types (all with the same error type): spawns
/// them now and evaluates to a future of `Result<(T1, T2, ...), E>`, the outputs in argument
/// order, or the first error as soon as it happens (the others are left running, as with
/// [`gather()`]). Dropping that future before it finished cancels the tasks still running.
///
/// `gather!(a, b)` spawns on the current corio runtime; `gather!(on spawner; a, b)` spawns
/// with any [`futures_task::Spawn`].
///
/// ```
/// use corio_taskgroup::gather;
/// let mut pool = futures::executor::LocalPool::new();
/// let spawner = pool.spawner();
/// let both = pool.run_until(gather!(on spawner;
///     async { Ok::<_, String>(1u8) },
///     async { Ok::<_, String>("two") },
/// ));
/// assert_eq!(both, Ok((1u8, "two")));
/// ```
#[macro_export]
macro_rules! gather {
    (on $spawner:expr; $($future:expr),+ $(,)?) => {
        $crate::__gather_spawn!(@start ($spawner) $($future,)+)
    };
    ($($future:expr),+ $(,)?) => {
        $crate::__gather_spawn!(@start ($crate::__private::default_spawner()) $($future,)+)
    };
}

/// The recursive part of [`gather!`]: one `let` per future, each with its own hygienic name.
#[doc(hidden)]
#[macro_export]
macro_rules! __gather_spawn {
    (@start ($spawner:expr) $($future:expr,)+) => {{
        let spawner = $spawner;
        let mut batch = $crate::__private::MixedBatch::new();
        $crate::__gather_spawn!(@next (spawner, batch) [] $($future,)+)
    }};
    (@next ($spawner:ident, $batch:ident) [$($slot:ident)*] $head:expr, $($rest:expr,)*) => {{
        let slot = $crate::__private::MixedSlot::spawn(&mut $batch, &$spawner, $head);
        $crate::__gather_spawn!(@next ($spawner, $batch) [$($slot)* slot] $($rest,)*)
    }};
    (@next ($spawner:ident, $batch:ident) [$($slot:ident)*]) => {{
        $batch.seal();
        async move {
            let mut $batch = $batch;
            $( let mut $slot = $slot; )*
            let outcome = ::core::future::poll_fn(|cx| {
                $batch.poll_slots(cx, &mut [$( &mut $slot as &mut dyn $crate::__private::AcceptOutput<_> ),*])
            })
            .await;
            match outcome {
                ::core::result::Result::Ok(()) => ::core::result::Result::Ok(($( $slot.into_value(), )*)),
                ::core::result::Result::Err(error) => ::core::result::Result::Err(error),
            }
        }
    }};
}
