//! `StateLock`: the small lock around each primitive's state (its wait lists, counters, items).
//!
//! Every critical section in this crate is a few pointer and counter updates (plus a waker
//! clone or drop); no code waits, sleeps or wakes a task while holding one. For sections that
//! short, a lock that never parks is the cheaper fit: taking it is one compare-exchange and
//! releasing it a plain `Release` store, where a parking lock (`std::sync::Mutex`) needs an
//! atomic read-modify-write to release too, to learn whether a sleeper must be woken. On the
//! benchmarks that is a large share of every uncontended lock/unlock pair. A contended
//! `lock` spins briefly, then yields its thread to the OS scheduler until the lock is free.
//!
//! The lock does not poison: no code in this crate panics while holding a state lock with the
//! state half-updated, so after a panic the state is still consistent.
//!
//! Under `--cfg loom` the primitives' models run against loom's blocking mutex instead (a
//! spinning lock makes loom's search explode); the flag has a loom model of its own.

// Under loom, only the flag's own model uses `SpinFlag`.
#![cfg_attr(all(loom, not(test)), allow(dead_code))]

use crate::loom::{yield_now, AtomicBool, Ordering};
use std::ops::{Deref, DerefMut};

/// How many times a contended `lock` spins before it starts yielding its thread.
const SPINS_BEFORE_YIELD: u32 = 64;

/// The lock itself, without the value: taken with a compare-exchange, released with a store.
pub(crate) struct SpinFlag {
    locked: AtomicBool,
}

impl SpinFlag {
    pub(crate) fn new() -> Self {
        SpinFlag {
            locked: AtomicBool::new(false),
        }
    }

    /// Waits (spinning, then yielding the thread) until the flag is clear, and sets it. The
    /// `Acquire` pairs with the previous holder's `Release` in [`SpinFlag::unlock`].
    pub(crate) fn lock(&self) {
        if self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_contended();
        }
    }

    #[cold]
    fn lock_contended(&self) {
        let mut spins = 0;
        loop {
            // Wait with plain loads, so waiting threads do not fight over the cache line.
            while self.locked.load(Ordering::Relaxed) {
                if spins < SPINS_BEFORE_YIELD && !cfg!(loom) {
                    spins += 1;
                    std::hint::spin_loop();
                } else {
                    yield_now();
                }
            }
            if self
                .locked
                .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
    }

    /// Clears the flag; only its holder may call this.
    pub(crate) fn unlock(&self) {
        self.locked.store(false, Ordering::Release);
    }
}

/// Takes `state`'s lock (the crate-wide spelling of `state.lock()`).
pub(crate) fn lock<T>(state: &StateLock<T>) -> StateGuard<'_, T> {
    state.lock()
}

/// A non-poisoning lock that never parks (see the module docs).
#[cfg(not(loom))]
pub(crate) struct StateLock<T> {
    flag: SpinFlag,
    value: std::cell::UnsafeCell<T>,
}

// SAFETY: the lock hands out access to `T` to one guard at a time, possibly on another
// thread, so `T: Send` is all it needs to be sent or shared (as for `std::sync::Mutex`).
#[cfg(not(loom))]
unsafe impl<T: Send> Send for StateLock<T> {}
// SAFETY: as above: `&StateLock<T>` only gives access to `T` through the one live guard.
#[cfg(not(loom))]
unsafe impl<T: Send> Sync for StateLock<T> {}

#[cfg(not(loom))]
impl<T> StateLock<T> {
    /// A new, unlocked lock around `value`.
    pub(crate) fn new(value: T) -> Self {
        StateLock {
            flag: SpinFlag::new(),
            value: std::cell::UnsafeCell::new(value),
        }
    }

    /// Waits until the lock is free, and takes it.
    pub(crate) fn lock(&self) -> StateGuard<'_, T> {
        self.flag.lock();
        StateGuard { lock: self }
    }
}

/// Access to a [`StateLock`]'s value; dropping it releases the lock.
#[cfg(not(loom))]
pub(crate) struct StateGuard<'a, T> {
    lock: &'a StateLock<T>,
}

#[cfg(not(loom))]
impl<T> Deref for StateGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the flag (its `Acquire` saw the previous holder's
        // `Release`), so no other reference to the value exists until it is dropped.
        unsafe { &*self.lock.value.get() }
    }
}

#[cfg(not(loom))]
impl<T> DerefMut for StateGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only borrow of the guard.
        unsafe { &mut *self.lock.value.get() }
    }
}

#[cfg(not(loom))]
impl<T> Drop for StateGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.flag.unlock();
    }
}

// Under loom, the state lock is loom's mutex: a lock that spins makes every model that
// contends for it explode in size (each spin is a scheduling point), so the primitives'
// models check their handshakes against a blocking lock with the same exclusion, and
// `loom_spin_flag_excludes` (in `loom_models`) checks the flag on its own.

/// The state lock, as loom's mutex (see above).
#[cfg(loom)]
pub(crate) struct StateLock<T> {
    inner: crate::loom::Mutex<T>,
}

/// Access to a [`StateLock`]'s value, under loom.
#[cfg(loom)]
pub(crate) struct StateGuard<'a, T> {
    inner: crate::loom::MutexGuard<'a, T>,
}

#[cfg(loom)]
impl<T> StateLock<T> {
    pub(crate) fn new(value: T) -> Self {
        StateLock {
            inner: crate::loom::Mutex::new(value),
        }
    }

    pub(crate) fn lock(&self) -> StateGuard<'_, T> {
        StateGuard {
            inner: self
                .inner
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        }
    }
}

#[cfg(loom)]
impl<T> Deref for StateGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

#[cfg(loom)]
impl<T> DerefMut for StateGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn the_lock_excludes_other_threads() {
        let state = Arc::new(StateLock::new(0u64));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let state = state.clone();
                std::thread::spawn(move || {
                    for _ in 0..200 {
                        let mut guard = lock(&state);
                        let seen = *guard;
                        std::thread::yield_now();
                        *guard = seen + 1;
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*lock(&state), 400);
    }

    #[test]
    fn a_panic_under_the_lock_releases_it() {
        let state = StateLock::new(1);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _guard = lock(&state);
            panic!("inside the lock");
        }));
        assert!(caught.is_err());
        assert_eq!(*lock(&state), 1);
    }
}
