//! The one place that chooses between std's and loom's synchronization types.
//!
//! Under `--cfg loom` every atomic the wait-list handshakes and the state lock use comes from
//! loom, and so do the state lock itself (loom's mutex, see `state_lock`) and the thread
//! yield of a contended lock, so the models in `loom_models` explore their interleavings;
//! otherwise they are std's. Models: `RUSTFLAGS="--cfg loom" cargo test --release -p
//! corio-sync --lib loom`.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

#[cfg(loom)]
pub(crate) use loom::thread::yield_now;
#[cfg(not(loom))]
pub(crate) use std::thread::yield_now;

/// The state lock under loom (without loom it is the crate's own spinning lock, which has no
/// std counterpart to choose).
#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};

/// Atomics that stay std's under loom too: the wait lists' ids, a misuse check no handshake
/// depends on, counted by a `static` (which loom's atomics cannot be).
pub(crate) mod unmodelled {
    pub(crate) use std::sync::atomic::{AtomicU32, AtomicUsize};
}
