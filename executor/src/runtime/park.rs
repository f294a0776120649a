//! The parker that puts an idle loop to sleep until a timer deadline or a wake from another
//! thread: on its own condvar, or inside an installed [`Driver`] (an I/O reactor's poll).
//!
//! A wake only takes the lock (or, with a driver, makes the driver's wake-up syscall) when
//! the loop is actually asleep: the common case, a wake while the loop is busy, is one
//! atomic swap. A wake that arrives before the loop parks is remembered, so the loop's next
//! park returns at once: no wake-up is ever lost.

use crate::loom::{AtomicUsize, Condvar, Mutex, Ordering};
use crate::runtime::driver::{Driver, Installed};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The loop is running (or about to park) and nobody has woken it.
const EMPTY: usize = 0;
/// The loop is asleep on the condvar (set with the lock held).
const PARKED: usize = 1;
/// A wake arrived; the next park consumes it and returns at once.
const NOTIFIED: usize = 2;
/// The loop is asleep inside the driver's `park`: a wake calls the driver's `unpark`.
const PARKED_IN_DRIVER: usize = 3;

#[derive(Debug)]
pub(crate) struct Parker {
    state: AtomicUsize,
    lock: Mutex<()>,
    condvar: Condvar,
    /// The driver the loop parks in, once one is installed: whoever wakes the loop (a
    /// remote wake, a blocking job's end) reaches it through here.
    driver: OnceLock<Installed>,
}

impl Parker {
    pub(crate) fn new() -> Self {
        Parker {
            state: AtomicUsize::new(EMPTY),
            lock: Mutex::new(()),
            condvar: Condvar::new(),
            driver: OnceLock::new(),
        }
    }

    /// The installed driver, if any.
    pub(crate) fn driver(&self) -> Option<&Installed> {
        self.driver.get()
    }

    /// Installs `driver` unless one is there already; returns the one in place. Called on
    /// the loop's thread only (never while it is parked), before the loop first parks in it.
    pub(crate) fn install_driver(&self, driver: Installed) -> &Installed {
        self.driver.get_or_init(|| driver)
    }

    /// A wake that came before the loop got to park: consume it. True if there was one.
    fn take_notification(&self) -> bool {
        self.state
            .compare_exchange(NOTIFIED, EMPTY, Ordering::Acquire, Ordering::Acquire)
            .is_ok()
    }

    /// Sleeps until [`unpark`](Self::unpark) is called or `deadline` passes (`None`: no
    /// deadline). May return early (spuriously); callers re-check their condition.
    pub(crate) fn park(&self, deadline: Option<Instant>) {
        if self.take_notification() {
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
            if self.take_notification() {
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

    /// Sleeps inside `driver.park(timeout)` until an event, a wake or the timeout. The
    /// driver's own wake-up (an eventfd write, say) is made by [`unpark`](Self::unpark) only
    /// while the loop is in this state, so a wake seen before the loop got here costs no
    /// syscall: the park is skipped instead (the driver is still polled, without waiting).
    pub(crate) fn park_in_driver(&self, driver: &dyn Driver, timeout: Option<Duration>) {
        if self.take_notification() {
            driver.park(Some(Duration::ZERO));
            return;
        }
        if let Err(actual) = self.state.compare_exchange(
            EMPTY,
            PARKED_IN_DRIVER,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            debug_assert_eq!(actual, NOTIFIED, "only the loop parks");
            self.state.store(EMPTY, Ordering::Release);
            driver.park(Some(Duration::ZERO));
            return;
        }
        // A wake from now on calls `driver.unpark`, which makes this return (the driver's
        // contract: an unpark before or during `park` ends that park).
        driver.park(timeout);
        // Back to EMPTY; a NOTIFIED left by a wake that already ended the park is consumed
        // too: the loop looks at its queues next anyway.
        self.state.swap(EMPTY, Ordering::Acquire);
    }

    /// Wakes the loop if it is parked, or makes its next park return at once. Any thread.
    pub(crate) fn unpark(&self) {
        match self.state.swap(NOTIFIED, Ordering::AcqRel) {
            EMPTY | NOTIFIED => {}
            PARKED => {
                // Taking the lock orders this notify after the loop's wait began: the loop
                // set PARKED with the lock held and only releases it inside `wait`.
                drop(self.lock.lock());
                self.condvar.notify_one();
            }
            PARKED_IN_DRIVER => self
                .driver()
                .expect("the loop parks in a driver only once one is installed")
                .driver
                .unpark(),
            other => unreachable!("invalid parker state {other}"),
        }
    }
}
