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

pub mod time;
