//! The runtime's clock: the real monotonic clock, or a paused virtual one for tests.
//!
//! Timers count in ticks of [`TICK`] from the clock's origin. A deadline becomes the first
//! tick at or after it (rounded up), and the wheel fires a tick once the clock has reached
//! it, so a timer never fires early.

use std::cell::Cell;
use std::time::{Duration, Instant as StdInstant};

/// The timer resolution.
pub(crate) const TICK: Duration = Duration::from_millis(1);
const TICK_NANOS: u32 = 1_000_000;
const TICKS_PER_SEC: u64 = 1_000;
// The u64 tick arithmetic below relies on these agreeing with TICK.
const _: () = assert!(TICK.as_nanos() == TICK_NANOS as u128);
const _: () = assert!(TICKS_PER_SEC * TICK_NANOS as u64 == 1_000_000_000);

/// The tick of a deadline that cannot be reached (about 584 million years away, or beyond
/// anything an `Instant` holds): ticks saturate there, and such a deadline never fires.
pub(crate) const NEVER: u64 = u64::MAX;

#[derive(Debug)]
pub(crate) struct Clock {
    origin: StdInstant,
    /// `Some(elapsed)` while paused: virtual time, moved only by [`advance_to_tick`].
    ///
    /// [`advance_to_tick`]: Clock::advance_to_tick
    paused: Option<Cell<Duration>>,
    /// The last reading of the real clock: a moment known to have passed, for checks that
    /// may err late but never early, without another clock read.
    last_read: Cell<StdInstant>,
}

impl Clock {
    #[cfg(test)]
    pub(crate) fn new(start_paused: bool) -> Clock {
        Clock::with_uptime(start_paused, Duration::ZERO)
    }

    /// A clock that reads as if it had been running for `uptime` already: its origin lies
    /// `uptime` in the past (a testing aid for the tick arithmetic of long-running loops).
    ///
    /// # Panics
    /// If the platform's monotonic clock cannot represent a moment that far back.
    pub(crate) fn with_uptime(start_paused: bool, uptime: Duration) -> Clock {
        let now = StdInstant::now();
        let origin = now.checked_sub(uptime).expect(
            "Builder::clock_uptime: the platform's monotonic clock cannot go back that far",
        );
        Clock {
            origin,
            paused: start_paused.then(|| Cell::new(uptime)),
            last_read: Cell::new(now),
        }
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused.is_some()
    }

    pub(crate) fn now(&self) -> StdInstant {
        match &self.paused {
            Some(elapsed) => add_saturating(self.origin, elapsed.get()),
            None => {
                let now = StdInstant::now();
                self.last_read.set(now);
                now
            }
        }
    }

    /// The last time read by [`now`](Clock::now) (virtual time when paused): possibly a
    /// little behind, never ahead, and free.
    pub(crate) fn recent(&self) -> StdInstant {
        match &self.paused {
            Some(elapsed) => add_saturating(self.origin, elapsed.get()),
            None => self.last_read.get(),
        }
    }

    /// Whether `deadline` has passed, reading the clock only when the last reading cannot
    /// tell: a deadline at or before it has passed, one more than a tick after it is left to
    /// the timer wheel (which fires it on the loop's next look if it has passed by then,
    /// never early), and one in between gets a fresh reading, so that `sleep(ZERO)` and
    /// other just-passed deadlines are seen at once.
    pub(crate) fn has_passed(&self, deadline: StdInstant) -> bool {
        let recent = self.recent();
        deadline <= recent || (deadline.duration_since(recent) <= TICK && deadline <= self.now())
    }

    /// The tick the clock has reached: whole ticks since the origin (rounded down).
    pub(crate) fn now_tick(&self) -> u64 {
        self.tick_of(self.now())
    }

    /// The tick the last reading had reached (see [`recent`](Clock::recent)).
    pub(crate) fn recent_tick(&self) -> u64 {
        self.tick_of(self.recent())
    }

    fn tick_of(&self, instant: StdInstant) -> u64 {
        whole_ticks(instant.saturating_duration_since(self.origin))
    }

    /// The tick at which `deadline` has passed (rounded up), or [`NEVER`] for one too far
    /// away to count in ticks.
    pub(crate) fn deadline_tick(&self, deadline: StdInstant) -> u64 {
        let since = deadline.saturating_duration_since(self.origin);
        let partial = since.subsec_nanos() % TICK_NANOS != 0;
        whole_ticks(since).saturating_add(u64::from(partial))
    }

    /// The real instant at which `tick` is reached, for parking; `None` if beyond any
    /// representable instant.
    pub(crate) fn instant_of_tick(&self, tick: u64) -> Option<StdInstant> {
        self.origin.checked_add(span_of_ticks(tick))
    }

    /// How far paused time is from `tick` (zero once there).
    pub(crate) fn paused_until_tick(&self, tick: u64) -> Duration {
        let target = Duration::from_nanos(tick.saturating_mul(TICK_NANOS as u64));
        match &self.paused {
            Some(elapsed) => target.saturating_sub(elapsed.get()),
            None => Duration::ZERO,
        }
    }

    /// Moves paused time forward by `span` (while the loop waited on real I/O).
    pub(crate) fn advance_by(&self, span: Duration) {
        if let Some(elapsed) = &self.paused {
            elapsed.set(elapsed.get().saturating_add(span));
        }
    }

    /// Moves paused time forward to `tick` (never backwards).
    pub(crate) fn advance_to_tick(&self, tick: u64) {
        if let Some(elapsed) = &self.paused {
            elapsed.set(elapsed.get().max(span_of_ticks(tick)));
        }
    }
}

/// The span of `ticks` whole ticks: exact for every `u64` (a `Duration` holds `u64` seconds,
/// and `u64::MAX` ticks is about 584 million years), in `u64` arithmetic.
fn span_of_ticks(ticks: u64) -> Duration {
    // The remainder is below TICKS_PER_SEC, so the sub-second nanos fit a u32.
    let sub_second_ticks = (ticks % TICKS_PER_SEC) as u32;
    Duration::new(ticks / TICKS_PER_SEC, sub_second_ticks * TICK_NANOS)
}

/// Whole ticks in `span`, saturating, in `u64` arithmetic (a `u128` division from
/// `as_nanos` would cost more than the rest of a timer insert).
fn whole_ticks(span: Duration) -> u64 {
    span.as_secs()
        .saturating_mul(TICKS_PER_SEC)
        .saturating_add(u64::from(span.subsec_nanos() / TICK_NANOS))
}

/// `instant + duration`, or the farthest instant we can represent if that overflows.
pub(crate) fn add_saturating(instant: StdInstant, duration: Duration) -> StdInstant {
    instant
        .checked_add(duration)
        .unwrap_or_else(|| far_future(instant))
}

/// About 146 billion years after `instant`: later than any real deadline, and still
/// representable on every platform we know of (bisects down if not).
pub(crate) fn far_future(instant: StdInstant) -> StdInstant {
    let mut span = Duration::from_secs(u64::MAX / 4);
    loop {
        if let Some(far) = instant.checked_add(span) {
            return far;
        }
        span /= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_round_up_and_now_rounds_down() {
        let clock = Clock::new(true);
        assert_eq!(clock.now_tick(), 0);
        assert_eq!(clock.deadline_tick(clock.now()), 0);
        assert_eq!(
            clock.deadline_tick(clock.now() + Duration::from_micros(1)),
            1
        );
        assert_eq!(
            clock.deadline_tick(clock.now() + Duration::from_millis(5)),
            5
        );
        clock.advance_to_tick(5);
        assert_eq!(clock.now_tick(), 5);
        assert_eq!(clock.now() - clock.origin, Duration::from_millis(5));
    }

    #[test]
    fn paused_time_never_goes_back() {
        let clock = Clock::new(true);
        clock.advance_to_tick(10);
        clock.advance_to_tick(3);
        assert_eq!(clock.now_tick(), 10);
    }

    #[test]
    fn ticks_count_seconds_and_partial_milliseconds() {
        let clock = Clock::new(true);
        let at = |d: Duration| clock.origin + d;
        assert_eq!(clock.deadline_tick(at(Duration::new(3, 1))), 3_001);
        assert_eq!(clock.deadline_tick(at(Duration::new(3, 2_000_000))), 3_002);
        assert_eq!(clock.tick_of(at(Duration::new(3, 2_999_999))), 3_002);
        if let Some(before) = clock.origin.checked_sub(Duration::from_secs(1)) {
            assert_eq!(clock.deadline_tick(before), 0, "a past deadline is tick 0");
        }
    }

    #[test]
    fn the_recent_reading_is_never_ahead_of_the_clock() {
        let clock = Clock::new(false);
        assert_eq!(clock.recent(), clock.origin, "no reading yet: the origin");
        let read = clock.now();
        assert_eq!(clock.recent(), read);
        assert!(clock.recent() <= clock.now());
        assert_eq!(clock.recent_tick(), clock.tick_of(clock.recent()));
        let paused = Clock::new(true);
        paused.advance_to_tick(7);
        assert_eq!(paused.recent_tick(), 7, "paused: the virtual time itself");
    }

    #[test]
    fn a_deadline_just_after_the_last_reading_gets_a_fresh_one() {
        let clock = Clock::new(false);
        let now = clock.now();
        let (Some(tick_ago), Some(ticks_ago)) =
            (now.checked_sub(TICK / 2), now.checked_sub(TICK * 5))
        else {
            return; // the monotonic clock started less than 5 ms ago
        };
        clock.last_read.set(tick_ago);
        assert!(
            clock.has_passed(tick_ago),
            "at the last reading: passed, no read"
        );
        assert!(
            clock.has_passed(now),
            "within a tick of it: read again, passed"
        );
        assert!(clock.recent() >= now, "and the reading moved on");
        clock.last_read.set(ticks_ago);
        assert!(
            !clock.has_passed(now),
            "more than a tick after the last reading: left to the wheel"
        );
        assert!(!clock.has_passed(clock.now() + Duration::from_secs(60)));
    }

    #[test]
    fn tick_conversions_are_exact_past_u32_and_up_to_u64_max() {
        let clock = Clock::new(true);
        let sixty_days = Duration::from_secs(60 * 24 * 3600);
        let tick = whole_ticks(sixty_days);
        assert!(
            tick > u64::from(u32::MAX),
            "60 days of ticks need more than a u32"
        );
        assert_eq!(span_of_ticks(tick), sixty_days);
        assert_eq!(
            clock.instant_of_tick(tick + 100),
            Some(clock.origin + sixty_days + Duration::from_millis(100))
        );
        clock.advance_to_tick(tick + 7);
        assert_eq!(clock.now_tick(), tick + 7);
        for ticks in [0, 1, 999, 1_000, 1_001, u64::from(u32::MAX) + 1, u64::MAX] {
            assert_eq!(whole_ticks(span_of_ticks(ticks)), ticks, "{ticks} ticks");
        }
        // Past 2^64 nanoseconds (about 584 years) too: the paused clock gets there exactly.
        let far = Clock::new(true);
        let thousand_years = 1_000 * 365 * 24 * 3600 * TICKS_PER_SEC;
        far.advance_to_tick(thousand_years);
        assert_eq!(far.now_tick(), thousand_years);
    }

    #[test]
    fn a_clock_can_start_with_uptime() {
        let uptime = Duration::from_secs(60 * 24 * 3600);
        let Some(_) = StdInstant::now().checked_sub(uptime) else {
            return; // this platform's monotonic clock cannot go back 60 days
        };
        let real = Clock::with_uptime(false, uptime);
        assert!(real.now_tick() >= whole_ticks(uptime));
        let paused = Clock::with_uptime(true, uptime);
        assert_eq!(paused.now_tick(), whole_ticks(uptime));
    }

    #[test]
    fn huge_deadlines_saturate() {
        let clock = Clock::new(false);
        let far = add_saturating(clock.now(), Duration::MAX);
        assert!(far > clock.now());
        assert_eq!(clock.deadline_tick(far), NEVER);
    }
}
