//! The park hook: one narrow seam through which a driver (corio-io's reactor) takes over
//! how the loop waits, so the executor itself holds no I/O code.
//!
//! # Contract
//! - A runtime has at most one [`Driver`], installed on its first use by
//!   [`current_or_install`] from the loop's own thread and kept until the runtime is dropped.
//!   A loop that never installs one runs exactly as before: the hook costs it a counter per
//!   task poll and one load per `BATCH` (61) polls.
//! - When nothing is runnable the loop calls [`Driver::park`] instead of sleeping on its own
//!   condvar, with the time left until the next timer (`None`: no timer).
//! - A wake from another thread (a cross-thread waker, a finished `spawn_blocking` job, a
//!   spawn from a `Handle`) calls [`Driver::unpark`], but only while the loop is inside
//!   `park`: a wake while the loop is busy stays one atomic swap.
//! - Every `BATCH` (61) task polls, even when tasks are always ready, the loop
//!   calls `park(Some(Duration::ZERO))`: the driver dispatches the events already there
//!   without waiting, so a busy loop cannot starve its sockets.
//! - The paused clock: while [`Driver::has_waiters`] is true (a task waits for an event
//!   only the outside world can cause), virtual time does not jump to the next timer.
//!   Instead the loop parks in the driver for as long, in real time, as the timer is away
//!   in virtual time, and moves virtual time on by the real time it waited. So a 1 s
//!   timeout around a read that is answered after 10 ms does not fire, and one around a
//!   read that is never answered fires after 1 s of real time. With no waiter, the clock
//!   jumps as usual.
//!
//! A driver with no I/O of its own (`Sleeper`, hidden below, waits on a condvar; the
//! [`Driver`] page shows it in full) plugged into a loop with the paused clock:
//!
//! ```
//! # use corio_executor::driver::Driver;
//! # use std::sync::{Condvar, Mutex};
//! # use std::time::Duration;
//! # #[derive(Default)]
//! # struct Sleeper { woken: Mutex<bool>, condvar: Condvar }
//! # impl Driver for Sleeper {
//! #     fn park(&self, timeout: Option<Duration>) {
//! #         let mut woken = self.woken.lock().unwrap();
//! #         if !*woken {
//! #             woken = match timeout {
//! #                 Some(t) => self.condvar.wait_timeout(woken, t).unwrap().0,
//! #                 None => self.condvar.wait(woken).unwrap(),
//! #             };
//! #         }
//! #         *woken = false;
//! #     }
//! #     fn unpark(&self) {
//! #         *self.woken.lock().unwrap() = true;
//! #         self.condvar.notify_one();
//! #     }
//! #     fn has_waiters(&self) -> bool {
//! #         false
//! #     }
//! # }
//! use corio_executor::driver::current_or_install;
//! use corio_executor::time::{sleep, Instant};
//!
//! let rt = corio_executor::Runtime::builder().start_paused(true).build();
//! rt.block_on(async {
//!     current_or_install(|| Ok(Sleeper::default())).unwrap();
//!     let start = Instant::now();
//!     sleep(Duration::from_secs(1)).await; // no waiter: virtual time jumps as usual
//!     assert_eq!(start.elapsed(), Duration::from_secs(1));
//! });
//! ```

use super::context;
use super::park::Installed;
use std::io;

pub use super::park::Driver;
use std::sync::Arc;
use std::time::Duration;

/// The driver of the runtime running on this thread, installing the one `make` builds if
/// it has none yet. So an I/O type can register itself on first use and a plain
/// `corio_executor::run(async { .. })` needs no setup.
///
/// `Sleeper` below is the driver written out on the [`Driver`] page:
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
/// use corio_executor::driver::current_or_install;
/// use std::sync::Arc;
///
/// assert!(current_or_install(|| Ok(Sleeper::default())).is_err(), "no runtime here");
/// corio_executor::run(async {
///     let installed = current_or_install(|| Ok(Sleeper::default())).unwrap();
///     let again = current_or_install(|| Ok(Sleeper::default())).unwrap(); // not installed again
///     assert!(Arc::ptr_eq(&installed, &again));
/// });
/// ```
///
/// # Errors
/// Outside a running corio runtime (on a thread other than a loop's); if the runtime
/// already has a driver of another type; or whatever `make` returns.
pub fn current_or_install<D, F>(make: F) -> io::Result<Arc<D>>
where
    D: Driver,
    F: FnOnce() -> io::Result<D>,
{
    context::with_current(|core| {
        let core = core.ok_or_else(|| {
            io::Error::other(
                "no corio runtime on this thread: create and use I/O objects inside \
                 corio_executor::run / Runtime::block_on (or a task of that runtime)",
            )
        })?;
        let installed = match core.shared.driver() {
            Some(installed) => installed,
            None => core
                .shared
                .install_driver(Installed::new(Arc::new(make()?))),
        };
        installed.any.clone().downcast::<D>().map_err(|_| {
            io::Error::other(format!(
                "this corio runtime already has another kind of driver, not a {}",
                std::any::type_name::<D>()
            ))
        })
    })
}

/// Every `BATCH` task polls: dispatch the I/O events already there, without waiting.
pub(crate) fn poll_now(core: &context::Core) {
    if let Some(installed) = core.shared.driver() {
        installed.driver.park(Some(Duration::ZERO));
    }
}

/// Nothing is runnable and `driver` is installed: wait in it until the next timer, an event
/// or a wake; with the paused clock, by the rules in the module docs.
pub(crate) fn idle(core: &context::Core, driver: &dyn Driver) {
    let next_deadline = core.time.timers.borrow().next_deadline();
    let clock = &core.time.clock;
    let Some(tick) = next_deadline else {
        core.shared.park_in_driver(driver, None);
        return;
    };
    if !clock.is_paused() {
        let timeout = clock
            .instant_of_tick(tick)
            .map(|at| at.saturating_duration_since(std::time::Instant::now()));
        core.shared.park_in_driver(driver, timeout);
        return;
    }
    if !core.shared.may_jump_time() {
        // As without a driver: work from outside (a blocking job in flight, or the wake it
        // sent as it ended) may still wake a task before the deadline.
        core.shared.park_in_driver(driver, None);
    } else if driver.has_waiters() {
        // A task waits on the outside world: let virtual time run at real speed.
        let away = clock.paused_until_tick(tick);
        let started = std::time::Instant::now();
        core.shared.park_in_driver(driver, Some(away));
        clock.advance_by(started.elapsed().min(away));
    } else {
        clock.advance_to_tick(tick);
    }
}
