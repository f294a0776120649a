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
    pub(crate) fn new(start_paused: bool) -> Clock {
        let origin = StdInstant::now();
        Clock {
            origin,
            paused: start_paused.then(|| Cell::new(Duration::ZERO)),
            last_read: Cell::new(origin),
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

    /// The tick at which `deadline` has passed (rounded up).
    pub(crate) fn deadline_tick(&self, deadline: StdInstant) -> u64 {
        let since = deadline.saturating_duration_since(self.origin);
        let partial = since.subsec_nanos() % TICK_NANOS != 0;
        whole_ticks(since).saturating_add(u64::from(partial))
    }

    /// The real instant at which `tick` is reached, for parking; `None` if beyond any
    /// representable instant.
    pub(crate) fn instant_of_tick(&self, tick: u64) -> Option<StdInstant> {
        self.origin
            .checked_add(TICK.checked_mul(u32::try_from(tick).ok()?)?)
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
            let target = Duration::from_nanos(tick.saturating_mul(TICK_NANOS as u64));
            elapsed.set(elapsed.get().max(target));
        }
    }
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
    fn huge_deadlines_saturate() {
        let clock = Clock::new(false);
        let far = add_saturating(clock.now(), Duration::MAX);
        assert!(far > clock.now());
        assert_eq!(clock.deadline_tick(far), u64::MAX);
        assert!(clock.instant_of_tick(u64::MAX).is_none());
    }
}
