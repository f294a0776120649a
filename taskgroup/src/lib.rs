//! # corio-taskgroup: structured concurrency
//!
//! asyncio's `TaskGroup` and `gather`, for any executor.
//!
//! - A [`TaskGroup`] cancels every sibling (and its body) as soon as one child fails, waits for
//!   all of them to finish, and returns every error that happened ([`GroupError`]). No child
//!   outlives its group. [`TaskGroup::scope`] is `async with TaskGroup() as tg:`.
//! - [`gather()`] returns at the first error and leaves the other futures running; that contrast
//!   is the lesson. [`gather_settled`] waits for all and returns every outcome; [`gather!`]
//!   takes futures of different types.
//! - [`race`] gives the first output and cancels the rest; [`as_completed`] gives outputs in
//!   completion order. A group-wide deadline ([`TaskGroup::with_timeout`],
//!   [`TaskGroup::with_deadline`]) cancels the group with a timeout error.
//! - [`wait`] waits on running children until the first finishes, the first fails, or all
//!   finish (or a deadline), and splits their handles into done and pending.
//! - [`shield`] runs a future as its own task that the cancellation of its awaiter (a
//!   timeout, a dropped group) does not cancel.
//!
//! Children are spawned through [`futures_task::Spawn`] / [`futures_task::LocalSpawn`], so the
//! same group works on corio (the default, with the `corio` feature) and on any other
//! executor ([`TaskGroup::with_spawner`], the `*_on` functions).
//!
//! ## Decisions
//! - Spawners: with the `corio` feature (default), `TaskGroup::new`, `TaskGroup::scope`,
//!   `gather`, `gather!`, `race` and `as_completed` spawn on the current corio runtime and
//!   panic with a clear message outside one. Everything also exists for any executor:
//!   [`TaskGroup::with_spawner`] and the `*_on` functions take a `Spawn` (`Send` children),
//!   and [`TaskGroup::spawn_local`] takes `!Send` children through `LocalSpawn`.
//!   Groups made by `TaskGroup::new`/`scope` hand `Send` children to corio's native spawn:
//!   no `FutureObj` box, no result cell (the child's corio task holds its outcome and its
//!   [`ChildHandle`] holds the task's `JoinHandle`), no counted reference to the group per
//!   child (the group holds itself alive while any child is live). Such a group awaited off
//!   its loop's thread waits for one more turn of the loop, so that its children's handles
//!   read finished once it is.
//! - Deadlines: corio's timer behind the `corio` feature (`with_timeout`); for any other
//!   executor, [`TaskGroup::with_deadline`] takes any future as the deadline (a timer of that
//!   executor). A deadline is reported by [`GroupError::is_timeout`], not as an `E`.
//! - A group's error type must be `Send` (errors reach the waiting task from any thread);
//!   children's futures and values need not be, with `spawn_local`.
//! - `gather` resumes a child's panic at once and leaves the others running, as it does with
//!   errors; `race` and `as_completed` cancel the rest. `race` returns only after the losers
//!   have been dropped, so it too leaves nothing running.
//!
//! ## Dropping a group
//! - A group that returns (with its value, its error or a timeout) has dropped everything
//!   below it: every child finished and its future was dropped first, and with it any group
//!   nested in that future (or in the scope's body), whose own children went the same way.
//! - A group dropped before it finished (its owner was cancelled, or
//!   `corio_executor::time::timeout` gave up on it) cancels its children and, before the drop
//!   returns, drops on the dropping thread the future of every child that is idle (started,
//!   and waiting to be woken); nested groups in those futures do the same, transitively.
//!   A panic from their destructors is resumed by the drop once all were dropped (unless the
//!   thread is already unwinding).
//! - What the drop cannot reach, it leaves to the child: a child being polled on another
//!   thread at that moment (a multi-threaded `Spawn` executor) drops its future at the end
//!   of that poll, a moment after the drop returned (the drop never waits for another
//!   thread's poll: that poll could be waiting for the dropping thread); a `!Send` child
//!   (`spawn_local`) is dropped by the drop only on its own thread; and a child its
//!   executor has not polled yet is dropped, never run, when the executor reaches it. On a
//!   single-threaded executor, with the group dropped on the loop's thread (corio's usual
//!   case), only that last one applies.
//! - A child whose destructors panic while it is cancelled or dropped has panicked: its
//!   group resumes that panic like any child's, and it never unwinds into the executor.
//!
//! ## Invariants
//! - Cancellation does not depend on the executor: every child runs inside a wrapper that
//!   checks a cancel flag before each poll and is woken when cancelled; a cancelled child's
//!   future is dropped at its next poll, before the group hears that it finished.
//! - A group's future completes only after every child has reported (completed, failed,
//!   panicked, or was cancelled). A child that panicked is caught, cancels its siblings, and
//!   the panic is resumed in the task that waits for the group, after all children finished.
//! - A refused spawn (group shutting down or finished) drops the future unpolled.
//!
//! ```
//! use corio_taskgroup::TaskGroup;
//! use futures::executor::LocalPool;
//!
//! let mut pool = LocalPool::new();
//! let group = TaskGroup::<String, _>::with_spawner(pool.spawner());
//! let outcome = pool.run_until(group.run(|tg| async move {
//!     tg.spawn(async { Err::<(), _>("first child failed".to_string()) }).unwrap();
//!     tg.spawn(std::future::pending::<Result<(), String>>()).unwrap(); // cancelled
//!     Ok(())
//! }));
//! assert_eq!(outcome.unwrap_err().errors(), ["first child failed"]);
//! ```

mod as_completed;
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
mod wait;
mod waker_slab;

#[cfg(feature = "corio")]
pub use crate::as_completed::as_completed;
pub use crate::as_completed::{as_completed_on, AsCompleted, AsCompletedWithin};
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
pub use crate::spawner::DefaultSpawner;
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
