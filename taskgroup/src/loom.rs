//! The atomics and locks of the child/group handshakes: std's, or loom's when model
//! checking (`--cfg loom`). `Arc` stays std's (loom's cannot be coerced to `dyn`), since
//! reference counts are not part of the handshakes under test.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicU8, AtomicUsize};
#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicU8, AtomicUsize};
#[cfg(not(loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};

/// Lets another thread make progress while this one waits for it (a short wait: another
/// thread is dropping a child's future).
pub(crate) fn spin_wait() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    std::thread::yield_now();
}
