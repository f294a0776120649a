//! `Instant`: a point in time on the runtime's clock, real or paused.

use super::clock;
use crate::runtime::context;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

/// A point in time on the running runtime's clock.
///
/// Inside a runtime started with [`Builder::start_paused`](crate::Builder::start_paused),
/// `Instant::now()` reads virtual time, which moves only when no task can run; elsewhere it
/// is the real monotonic clock (`std::time::Instant`).
///
/// ```
/// use corio_executor::time::{sleep, Instant};
/// use std::time::Duration;
///
/// let rt = corio_executor::Runtime::builder().start_paused(true).build();
/// rt.block_on(async {
///     let start = Instant::now();
///     sleep(Duration::from_secs(10)).await; // instant: virtual time jumps ahead
///     assert_eq!(start.elapsed(), Duration::from_secs(10));
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Instant(std::time::Instant);

impl Instant {
    /// The current time on the running runtime's clock (the real clock outside a runtime).
    ///
    /// ```
    /// use corio_executor::time::{sleep, Instant};
    /// use std::time::Duration;
    /// let rt = corio_executor::Runtime::builder().start_paused(true).build();
    /// rt.block_on(async {
    ///     let start = Instant::now();
    ///     sleep(Duration::from_secs(1)).await; // virtual time jumps to the deadline
    ///     assert_eq!(Instant::now(), start + Duration::from_secs(1));
    /// });
    /// ```
    pub fn now() -> Instant {
        context::with_time(|time| match time {
            Some(time) => Instant(time.clock.now()),
            None => Instant(std::time::Instant::now()),
        })
    }

    /// Time from `earlier` to `self`, or zero if `earlier` is later.
    ///
    /// ```
    /// use corio_executor::time::Instant;
    /// use std::time::Duration;
    /// let start = Instant::now();
    /// let later = start + Duration::from_secs(2);
    /// assert_eq!(later.duration_since(start), Duration::from_secs(2));
    /// assert_eq!(start.duration_since(later), Duration::ZERO);
    /// ```
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_duration_since(earlier.0)
    }

    /// Time passed since `self` on the runtime's clock.
    ///
    /// ```
    /// use corio_executor::time::{sleep, Instant};
    /// use std::time::Duration;
    /// let rt = corio_executor::Runtime::builder().start_paused(true).build();
    /// rt.block_on(async {
    ///     let start = Instant::now();
    ///     sleep(Duration::from_millis(300)).await;
    ///     assert_eq!(start.elapsed(), Duration::from_millis(300));
    /// });
    /// ```
    pub fn elapsed(&self) -> Duration {
        Instant::now().duration_since(*self)
    }

    /// `self + duration`, or `None` if that cannot be represented.
    ///
    /// ```
    /// use corio_executor::time::Instant;
    /// use std::time::Duration;
    /// let now = Instant::now();
    /// assert_eq!(now.checked_add(Duration::from_secs(1)), Some(now + Duration::from_secs(1)));
    /// assert_eq!(now.checked_add(Duration::MAX), None);
    /// ```
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.0.checked_add(duration).map(Instant)
    }

    /// `self - duration`, or `None` if that cannot be represented.
    ///
    /// ```
    /// use corio_executor::time::Instant;
    /// use std::time::Duration;
    /// let now = Instant::now();
    /// let earlier = now.checked_sub(Duration::from_millis(1)).unwrap();
    /// assert_eq!(now - earlier, Duration::from_millis(1));
    /// assert_eq!(now.checked_sub(Duration::MAX), None);
    /// ```
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.0.checked_sub(duration).map(Instant)
    }

    /// The `std::time::Instant` this instant corresponds to, for APIs that take std's.
    ///
    /// ```
    /// use corio_executor::time::Instant;
    /// let now = Instant::now();
    /// let std_now: std::time::Instant = now.into_std();
    /// assert_eq!(Instant::from(std_now), now);
    /// ```
    pub fn into_std(self) -> std::time::Instant {
        self.0
    }

    /// A point so far ahead that a deadline there is never reached.
    pub(crate) fn never() -> Instant {
        Instant::now().saturating_add(Duration::MAX)
    }

    /// `self + duration`, saturating at a point far beyond any real deadline.
    pub(crate) fn saturating_add(self, duration: Duration) -> Instant {
        Instant(clock::add_saturating(self.0, duration))
    }
}

impl From<std::time::Instant> for Instant {
    fn from(instant: std::time::Instant) -> Instant {
        Instant(instant)
    }
}

impl From<Instant> for std::time::Instant {
    fn from(instant: Instant) -> std::time::Instant {
        instant.0
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    /// Saturates far in the future instead of overflowing, so `now() + Duration::MAX` works.
    fn add(self, duration: Duration) -> Instant {
        self.saturating_add(duration)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, duration: Duration) {
        *self = *self + duration;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, duration: Duration) -> Instant {
        self.checked_sub(duration)
            .expect("overflow when subtracting a duration from an instant")
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, duration: Duration) {
        *self = *self - duration;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    /// Saturates at zero, like [`Instant::duration_since`].
    fn sub(self, earlier: Instant) -> Duration {
        self.duration_since(earlier)
    }
}
