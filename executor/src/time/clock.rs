//! The runtime's clock: the real monotonic clock, or a paused virtual one for tests.
//!
//! Timers count in ticks of [`TICK`] from the clock's origin. A deadline becomes the first
//! tick at or after it (rounded up), and the wheel fires a tick once the clock has reached
//! it, so a timer never fires early.

use std::cell::Cell;
use std::time::{Duration, Instant as StdInstant};

/// The timer resolution.
pub(crate) const TICK: Duration = Duration::from_millis(1);
const TICK_NANOS: u128 = TICK.as_nanos();

#[derive(Debug)]
pub(crate) struct Clock {
    origin: StdInstant,
    /// `Some(elapsed)` while paused: virtual time, moved only by [`advance_to_tick`].
    ///
    /// [`advance_to_tick`]: Clock::advance_to_tick
    paused: Option<Cell<Duration>>,
}

impl Clock {
    pub(crate) fn new(start_paused: bool) -> Clock {
        Clock {
            origin: StdInstant::now(),
            paused: start_paused.then(|| Cell::new(Duration::ZERO)),
        }
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused.is_some()
    }

    pub(crate) fn now(&self) -> StdInstant {
        match &self.paused {
            Some(elapsed) => add_saturating(self.origin, elapsed.get()),
            None => StdInstant::now(),
        }
    }

    /// The tick the clock has reached: whole ticks since the origin (rounded down).
    pub(crate) fn now_tick(&self) -> u64 {
        ticks_saturating(self.now().saturating_duration_since(self.origin).as_nanos() / TICK_NANOS)
    }

    /// The tick at which `deadline` has passed (rounded up).
    pub(crate) fn deadline_tick(&self, deadline: StdInstant) -> u64 {
        ticks_saturating(
            deadline
                .saturating_duration_since(self.origin)
                .as_nanos()
                .div_ceil(TICK_NANOS),
        )
    }

    /// The real instant at which `tick` is reached, for parking; `None` if beyond any
    /// representable instant.
    pub(crate) fn instant_of_tick(&self, tick: u64) -> Option<StdInstant> {
        self.origin
            .checked_add(TICK.checked_mul(u32::try_from(tick).ok()?)?)
    }

    /// Moves paused time forward to `tick` (never backwards).
    pub(crate) fn advance_to_tick(&self, tick: u64) {
        if let Some(elapsed) = &self.paused {
            let target = Duration::from_nanos(tick.saturating_mul(TICK_NANOS as u64));
            elapsed.set(elapsed.get().max(target));
        }
    }
}

fn ticks_saturating(ticks: u128) -> u64 {
    u64::try_from(ticks).unwrap_or(u64::MAX)
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
    fn huge_deadlines_saturate() {
        let clock = Clock::new(false);
        let far = add_saturating(clock.now(), Duration::MAX);
        assert!(far > clock.now());
        assert_eq!(clock.deadline_tick(far), u64::MAX);
        assert!(clock.instant_of_tick(u64::MAX).is_none());
    }
}
