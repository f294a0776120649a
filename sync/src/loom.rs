//! The one place that chooses between std's and loom's synchronization types.
//!
//! Under `--cfg loom` every atomic the wait-list handshakes and the state lock use comes from loom, so
//! the loom models explore their interleavings; otherwise they are std's.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
