//! The atomics and locks of the child/group handshakes: std's, or loom's when model
//! checking (`--cfg loom`). `Arc` stays std's (loom's cannot be coerced to `dyn`), since
//! reference counts are not part of the handshakes under test.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicUsize};
#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicUsize};
#[cfg(not(loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};
