//! # corio-taskgroup: structured concurrency
//!
//! asyncio's `TaskGroup` and `gather`, for any executor.
//!
//! - A `TaskGroup` cancels every sibling (and its body) as soon as one child fails, waits for
//!   all of them to finish, and returns every error that happened. No child outlives its group.
//! - `gather` returns at the first error and leaves the other futures running; that contrast
//!   is the lesson.
//!
//! Children are spawned through [`futures_task::Spawn`] / [`futures_task::LocalSpawn`], so the
//! same group works on corio (the default) and on any other executor.
