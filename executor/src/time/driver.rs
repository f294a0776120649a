//! A runtime's time: its [`Clock`] and its [`Timers`], a [`TimerWheel`] of wakers keyed by
//! deadline tick. The runtime's loop owns the [`TimeDriver`]; the rest of `time/` reaches
//! it through `runtime::context::with_time`.

use super::clock::Clock;
use super::wheel::{TimerKey, TimerWheel};
use std::cell::RefCell;
use std::task::Waker;

/// One runtime's clock and timers. Loop thread only.
pub(crate) struct TimeDriver {
    /// The runtime's id, so a `Sleep` registered with one runtime knows it from another.
    runtime_id: u64,
    pub(crate) clock: Clock,
    pub(crate) timers: RefCell<Timers>,
}

impl TimeDriver {
    pub(crate) fn new(runtime_id: u64, clock: Clock) -> Self {
        TimeDriver {
            runtime_id,
            clock,
            timers: RefCell::new(Timers::new()),
        }
    }

    pub(crate) fn runtime_id(&self) -> u64 {
        self.runtime_id
    }
}

/// The timer wheel of wakers the loop fires.
pub(crate) struct Timers {
    wheel: TimerWheel<Waker>,
    /// Reused buffer: fired wakers are collected first and woken after the wheel is
    /// released, so a waker's code may touch timers.
    fired: Vec<Waker>,
}

impl Timers {
    pub(crate) fn new() -> Self {
        Timers {
            wheel: TimerWheel::new(),
            fired: Vec::new(),
        }
    }

    /// Adds a timer. The loop skips `expire` (and the clock read) while no timer is
    /// pending, so an empty wheel is first brought up to the clock's tick.
    pub(crate) fn insert(&mut self, clock: &Clock, deadline_tick: u64, waker: Waker) -> TimerKey {
        if self.wheel.is_empty() {
            // Bring the idle wheel up to date; the last clock reading is recent enough, as
            // a wheel that is behind only stores overdue deadlines as its `now`.
            self.wheel.advance(clock.recent_tick(), |_| {});
        }
        self.wheel.insert(deadline_tick, waker)
    }

    pub(crate) fn remove(&mut self, key: TimerKey) -> Option<Waker> {
        self.wheel.remove(key)
    }

    pub(crate) fn get_mut(&mut self, key: TimerKey) -> Option<&mut Waker> {
        self.wheel.get_mut(key)
    }

    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.wheel.next_deadline()
    }

    pub(crate) fn len(&self) -> usize {
        self.wheel.len()
    }

    /// Takes every timer due at `clock`'s current tick out of the wheel; returns their
    /// wakers to be woken by the caller once the driver is no longer borrowed.
    pub(crate) fn expire(&mut self, clock: &Clock) -> Vec<Waker> {
        let mut fired = std::mem::take(&mut self.fired);
        self.wheel
            .advance(clock.now_tick(), |waker| fired.push(waker));
        fired
    }

    /// [`expire`](Self::expire), also telling how late the earliest timer it fired is, in
    /// ticks (debug mode's late-timer report). The wheel is first advanced step by step to
    /// the earliest due deadline, which makes that deadline exact (see
    /// `TimerWheel::next_deadline`), then to the clock's tick.
    pub(crate) fn expire_noting_lateness(&mut self, clock: &Clock) -> (Vec<Waker>, Option<u64>) {
        let now = clock.now_tick();
        let mut fired = std::mem::take(&mut self.fired);
        let mut earliest = None;
        while let Some(next) = self.wheel.next_deadline() {
            if next > now {
                break;
            }
            self.wheel.advance(next, |waker| fired.push(waker));
            if !fired.is_empty() {
                earliest = Some(next);
                break;
            }
        }
        self.wheel.advance(now, |waker| fired.push(waker));
        (fired, earliest.map(|tick| now - tick))
    }

    /// Hands the (emptied) buffer back for reuse.
    pub(crate) fn recycle(&mut self, mut fired: Vec<Waker>) {
        fired.clear();
        if fired.capacity() > self.fired.capacity() {
            self.fired = fired;
        }
    }
}
