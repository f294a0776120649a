//! `Interval`: ticks at a fixed period.

use super::{sleep_until, Instant, Sleep};
use std::pin::Pin;
use std::time::Duration;

/// Ticks every `period`; the first tick completes at once.
///
/// If the loop falls behind and misses ticks, the missed ones are skipped: the next tick is
/// the next multiple of `period` after now, so a slow consumer never gets a burst.
///
/// # Panics
/// If `period` is zero.
///
/// ```
/// use corio_executor::time::{interval, Instant};
/// use std::time::Duration;
/// let rt = corio_executor::Runtime::builder().start_paused(true).build();
/// rt.block_on(async {
///     let start = Instant::now();
///     let mut every_100ms = interval(Duration::from_millis(100));
///     for n in 0..3 {
///         let tick = every_100ms.tick().await;
///         assert_eq!(tick - start, Duration::from_millis(100) * n);
///     }
/// });
/// ```
pub fn interval(period: Duration) -> Interval {
    assert!(!period.is_zero(), "interval period must be non-zero");
    let now = Instant::now();
    Interval {
        period,
        next: now,
        sleep: sleep_until(now),
    }
}

/// The ticker returned by [`interval`].
///
/// ```
/// use corio_executor::time::{interval, Instant, Interval};
/// use std::time::Duration;
/// let rt = corio_executor::Runtime::builder().start_paused(true).build();
/// rt.block_on(async {
///     let start = Instant::now();
///     let mut heartbeat: Interval = interval(Duration::from_secs(30));
///     for _ in 0..4 {
///         heartbeat.tick().await; // at 0, 30, 60 and 90 s
///     }
///     assert_eq!(start.elapsed(), Duration::from_secs(90));
/// });
/// ```
#[derive(Debug)]
pub struct Interval {
    period: Duration,
    /// When the next tick is due.
    next: Instant,
    sleep: Sleep,
}

impl Interval {
    /// Waits for the next tick and returns the instant it was due. Ticks missed while the
    /// caller was busy are skipped, not made up in a burst.
    ///
    /// ```
    /// use corio_executor::time::{interval, sleep, Instant};
    /// use std::time::Duration;
    /// let rt = corio_executor::Runtime::builder().start_paused(true).build();
    /// rt.block_on(async {
    ///     let start = Instant::now();
    ///     let mut ticker = interval(Duration::from_secs(1));
    ///     assert_eq!(ticker.tick().await, start);
    ///     sleep(Duration::from_millis(2500)).await; // busy through the ticks at 1 s and 2 s
    ///     assert_eq!(ticker.tick().await, start + Duration::from_secs(1));
    ///     assert_eq!(ticker.tick().await, start + Duration::from_secs(3));
    /// });
    /// ```
    pub async fn tick(&mut self) -> Instant {
        let due = self.next;
        if Instant::now() < due {
            Pin::new(&mut self.sleep).reset(due);
            (&mut self.sleep).await;
        }
        let now = Instant::now();
        let mut next = due + self.period;
        if next <= now {
            // Skip the ticks we missed: next multiple of the period after now, exact for
            // any gap (a 1 ms ticker 60 days behind is more than 2^32 periods behind).
            let behind = now.duration_since(due).as_nanos() / self.period.as_nanos();
            next = due + span_of_nanos(self.period.as_nanos() * (behind + 1));
        }
        self.next = next;
        due
    }

    /// The period between ticks.
    ///
    /// ```
    /// use corio_executor::time::interval;
    /// use std::time::Duration;
    /// corio_executor::run(async {
    ///     assert_eq!(interval(Duration::from_millis(250)).period(), Duration::from_millis(250));
    /// });
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Restarts the schedule: the next tick is one period from now.
    ///
    /// ```
    /// use corio_executor::time::{interval, Instant};
    /// use std::time::Duration;
    /// let rt = corio_executor::Runtime::builder().start_paused(true).build();
    /// rt.block_on(async {
    ///     let start = Instant::now();
    ///     let mut ticker = interval(Duration::from_secs(5));
    ///     ticker.reset(); // skip the immediate first tick
    ///     assert_eq!(ticker.tick().await, start + Duration::from_secs(5));
    /// });
    /// ```
    pub fn reset(&mut self) {
        self.next = Instant::now() + self.period;
    }
}

/// `nanos` as a `Duration`, saturating at `Duration::MAX`.
fn span_of_nanos(nanos: u128) -> Duration {
    const NANOS_PER_SEC: u128 = 1_000_000_000;
    match u64::try_from(nanos / NANOS_PER_SEC) {
        // The remainder is below a second, so it fits a u32.
        Ok(secs) => Duration::new(secs, (nanos % NANOS_PER_SEC) as u32),
        Err(_) => Duration::MAX,
    }
}
