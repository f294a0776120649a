//! The one place that chooses between std's and loom's synchronization types.
//!
//! Under `--cfg loom` the atomics and the mutex of each fd's readiness word and waiter list
//! (`reactor::source`) come from loom, so the models in `loom_models` explore every
//! interleaving of an event arriving while a waiter registers, clears or leaves; otherwise
//! they are std's. Models:
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom cargo test
//! --release -p corio-io --lib loom`.
//!
//! The reactor's own bookkeeping (its slot table, waiter count and shutdown flag) stays on
//! std's types: the models drive a `Source` directly, with no reactor.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};
#[cfg(not(loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};
