//! The parker that puts an idle loop to sleep until a timer deadline or a wake from another
//! thread: on its own condvar, or inside an installed [`Driver`] (an I/O reactor's poll).
//!
//! A wake only takes the lock (or, with a driver, makes the driver's wake-up syscall) when
//! the loop is actually asleep: the common case, a wake while the loop is busy, is one
//! atomic swap. A wake that arrives before the loop parks is remembered, so the loop's next
//! park returns at once: no wake-up is ever lost.

use crate::loom::{AtomicUsize, Condvar, Mutex, Ordering};
use std::any::Any;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// What a runtime's loop calls to wait when it has nothing to run: implemented by an I/O
/// reactor. See the [`driver`](crate::driver) module docs for when each method is called.
///
/// ```
/// use corio_executor::driver::{current_or_install, Driver};
/// use std::sync::{Condvar, Mutex};
/// use std::time::Duration;
///
/// /// A driver with no I/O: waits on a condvar, like the loop's own parker.
/// #[derive(Default)]
/// struct Sleeper { woken: Mutex<bool>, condvar: Condvar }
///
/// impl Driver for Sleeper {
///     fn park(&self, timeout: Option<Duration>) {
///         let mut woken = self.woken.lock().unwrap();
///         if !*woken {
///             woken = match timeout {
///                 Some(t) => self.condvar.wait_timeout(woken, t).unwrap().0,
///                 None => self.condvar.wait(woken).unwrap(),
///             };
///         }
///         *woken = false;
///     }
///     fn unpark(&self) {
///         *self.woken.lock().unwrap() = true;
///         self.condvar.notify_one();
///     }
///     fn has_waiters(&self) -> bool {
///         false
///     }
/// }
///
/// corio_executor::run(async {
///     let first = current_or_install(|| Ok(Sleeper::default())).unwrap();
///     let again = current_or_install(|| -> std::io::Result<Sleeper> { unreachable!() }).unwrap();
///     assert!(std::sync::Arc::ptr_eq(&first, &again), "one driver per runtime");
///     // The loop now sleeps in `Sleeper::park`; a wake from a thread still reaches it.
///     let job = corio_executor::spawn_blocking(|| 6 * 7);
///     assert_eq!(job.await.unwrap(), 42);
/// });
/// ```
pub trait Driver: Send + Sync + 'static {
    /// Called on the loop's thread only. Dispatches the events that are ready (waking their
    /// tasks) and, if there were none, waits for one, for an [`unpark`](Driver::unpark), or
    /// until `timeout` has passed (`None`: no limit; `Some(ZERO)`: do not wait). May return
    /// early. An `unpark` made while `park` runs, or before it starts, must end it.
    ///
    /// `Sleeper` is the driver of the [`Driver`] example; the calls below are the ones the
    /// loop makes, and what they must do:
    ///
    /// ```
    /// # use corio_executor::driver::Driver;
    /// # use std::sync::{Condvar, Mutex};
    /// # use std::time::Duration;
    /// # #[derive(Default)]
    /// # struct Sleeper { woken: Mutex<bool>, condvar: Condvar }
    /// # impl Driver for Sleeper {
    /// #     fn park(&self, timeout: Option<Duration>) {
    /// #         let mut woken = self.woken.lock().unwrap();
    /// #         if !*woken {
    /// #             woken = match timeout {
    /// #                 Some(t) => self.condvar.wait_timeout(woken, t).unwrap().0,
    /// #                 None => self.condvar.wait(woken).unwrap(),
    /// #             };
    /// #         }
    /// #         *woken = false;
    /// #     }
    /// #     fn unpark(&self) {
    /// #         *self.woken.lock().unwrap() = true;
    /// #         self.condvar.notify_one();
    /// #     }
    /// #     fn has_waiters(&self) -> bool {
    /// #         false
    /// #     }
    /// # }
    /// let driver = Sleeper::default();
    /// driver.park(Some(Duration::ZERO)); // dispatches what is ready, does not wait
    /// driver.unpark();
    /// driver.park(None); // returns at once: the unpark came before it
    /// ```
    fn park(&self, timeout: Option<Duration>);

    /// Called from any thread while the loop is inside [`park`](Driver::park) (or about to
    /// enter it): make that park return.
    ///
    /// With `Sleeper`, the driver of the [`Driver`] example:
    ///
    /// ```
    /// # use corio_executor::driver::Driver;
    /// # use std::sync::{Condvar, Mutex};
    /// # use std::time::Duration;
    /// # #[derive(Default)]
    /// # struct Sleeper { woken: Mutex<bool>, condvar: Condvar }
    /// # impl Driver for Sleeper {
    /// #     fn park(&self, timeout: Option<Duration>) {
    /// #         let mut woken = self.woken.lock().unwrap();
    /// #         if !*woken {
    /// #             woken = match timeout {
    /// #                 Some(t) => self.condvar.wait_timeout(woken, t).unwrap().0,
    /// #                 None => self.condvar.wait(woken).unwrap(),
    /// #             };
    /// #         }
    /// #         *woken = false;
    /// #     }
    /// #     fn unpark(&self) {
    /// #         *self.woken.lock().unwrap() = true;
    /// #         self.condvar.notify_one();
    /// #     }
    /// #     fn has_waiters(&self) -> bool {
    /// #         false
    /// #     }
    /// # }
    /// use std::sync::Arc;
    /// let driver = Arc::new(Sleeper::default());
    /// let from_thread = driver.clone();
    /// let waker = std::thread::spawn(move || from_thread.unpark());
    /// driver.park(None); // ends when the other thread's unpark arrives (or had arrived)
    /// waker.join().unwrap();
    /// ```
    fn unpark(&self);

    /// Called on the loop's thread: true while a task waits for an event only this driver
    /// can deliver; the paused clock does not jump then (see the [`driver`](crate::driver)
    /// module docs).
    ///
    /// ```
    /// use corio_executor::driver::Driver;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// # use std::time::Duration;
    ///
    /// /// A reactor counts the tasks waiting on its sources.
    /// #[derive(Default)]
    /// struct Reactor { waiting: AtomicUsize }
    ///
    /// impl Driver for Reactor {
    ///     fn has_waiters(&self) -> bool {
    ///         self.waiting.load(Ordering::Acquire) > 0
    ///     }
    /// #   fn park(&self, _: Option<Duration>) {}
    /// #   fn unpark(&self) {}
    /// }
    ///
    /// let reactor = Reactor::default();
    /// assert!(!reactor.has_waiters());
    /// reactor.waiting.fetch_add(1, Ordering::AcqRel); // a task registers interest in a socket
    /// assert!(reactor.has_waiters());
    /// ```
    fn has_waiters(&self) -> bool;

    /// Called once when the runtime is dropped, after every task was cancelled: nothing
    /// will park in the driver again, so objects still registered with it (held outside
    /// the runtime) should fail from now on instead of waiting forever. Does nothing by
    /// default.
    ///
    /// ```
    /// use corio_executor::driver::{current_or_install, Driver};
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// # use std::time::Duration;
    ///
    /// #[derive(Default)]
    /// struct Reactor { closed: AtomicBool }
    ///
    /// impl Driver for Reactor {
    ///     fn shutdown(&self) {
    ///         self.closed.store(true, Ordering::Release); // later I/O calls fail instead of waiting
    ///     }
    /// #   fn park(&self, _: Option<Duration>) {}
    /// #   fn unpark(&self) {}
    /// #   fn has_waiters(&self) -> bool { false }
    /// }
    ///
    /// let rt = corio_executor::Runtime::new();
    /// let reactor = rt.block_on(async { current_or_install(|| Ok(Reactor::default())).unwrap() });
    /// assert!(!reactor.closed.load(Ordering::Acquire));
    /// drop(rt);
    /// assert!(reactor.closed.load(Ordering::Acquire));
    /// ```
    fn shutdown(&self) {}
}

/// An installed driver: the trait object the loop calls and the same value as `Any`, so
/// [`current_or_install`](crate::driver::current_or_install) can give back its concrete type.
pub(crate) struct Installed {
    pub(crate) driver: Arc<dyn Driver>,
    pub(crate) any: Arc<dyn Any + Send + Sync>,
}

impl Installed {
    /// Keeps `driver` both as the loop's [`Driver`] and as the concrete type its installer
    /// gets back from [`current_or_install`](crate::driver::current_or_install).
    pub(crate) fn new<D: Driver>(driver: Arc<D>) -> Installed {
        Installed {
            driver: driver.clone(),
            any: driver,
        }
    }
}

impl std::fmt::Debug for Installed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Installed").finish_non_exhaustive()
    }
}

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
