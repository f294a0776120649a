//! The parker that puts an idle loop to sleep until a timer deadline or a wake from another
//! thread.
//!
//! A wake only takes the lock when the loop is actually asleep: the common case, a wake
//! while the loop is busy, is one atomic swap. A wake that arrives before the loop parks is
//! remembered, so the loop's next park returns at once: no wake-up is ever lost.

use crate::loom::{AtomicUsize, Condvar, Mutex, Ordering};
use std::time::Instant;

/// The loop is running (or about to park) and nobody has woken it.
const EMPTY: usize = 0;
/// The loop is asleep on the condvar (set with the lock held).
const PARKED: usize = 1;
/// A wake arrived; the next park consumes it and returns at once.
const NOTIFIED: usize = 2;

#[derive(Debug)]
pub(crate) struct Parker {
    state: AtomicUsize,
    lock: Mutex<()>,
    condvar: Condvar,
}

impl Parker {
    pub(crate) fn new() -> Self {
        Parker {
            state: AtomicUsize::new(EMPTY),
            lock: Mutex::new(()),
            condvar: Condvar::new(),
        }
    }

    /// Sleeps until [`unpark`](Self::unpark) is called or `deadline` passes (`None`: no
    /// deadline). May return early (spuriously); callers re-check their condition.
    pub(crate) fn park(&self, deadline: Option<Instant>) {
        // A wake that came before we got here: consume it and go back to work.
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, Ordering::Acquire, Ordering::Acquire)
            .is_ok()
        {
            return;
        }
        let mut guard = self.lock.lock();
        if let Err(actual) =
            self.state
                .compare_exchange(EMPTY, PARKED, Ordering::Acquire, Ordering::Acquire)
        {
            debug_assert_eq!(actual, NOTIFIED, "only the loop parks");
            self.state.store(EMPTY, Ordering::Release);
            return;
        }
        loop {
            let timed_out;
            (guard, timed_out) = self.condvar.wait_until(guard, deadline);
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, Ordering::Acquire, Ordering::Acquire)
                .is_ok()
            {
                return;
            }
            if timed_out {
                // A wake racing with the timeout is consumed here, which is fine: the loop is
                // about to look at its queues anyway.
                self.state.swap(EMPTY, Ordering::Acquire);
                return;
            }
        }
    }

    /// Wakes the loop if it is parked, or makes its next park return at once. Any thread.
    pub(crate) fn unpark(&self) {
        match self.state.swap(NOTIFIED, Ordering::Release) {
            EMPTY | NOTIFIED => {}
            PARKED => {
                // Taking the lock orders this notify after the loop's wait began: the loop
                // set PARKED with the lock held and only releases it inside `wait`.
                drop(self.lock.lock());
                self.condvar.notify_one();
            }
            other => unreachable!("invalid parker state {other}"),
        }
    }
}
