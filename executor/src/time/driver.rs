//! The runtime's timers: a [`TimerWheel`] of wakers, keyed by deadline tick.

use super::clock::Clock;
use super::wheel::{TimerKey, TimerWheel};
use std::task::Waker;

pub(crate) struct TimerDriver {
    wheel: TimerWheel<Waker>,
    /// Reused buffer: fired wakers are collected first and woken after the wheel is
    /// released, so a waker's code may touch timers.
    fired: Vec<Waker>,
}

impl TimerDriver {
    pub(crate) fn new() -> Self {
        TimerDriver {
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

    /// Hands the (emptied) buffer back for reuse.
    pub(crate) fn recycle(&mut self, mut fired: Vec<Waker>) {
        fired.clear();
        if fired.capacity() > self.fired.capacity() {
            self.fired = fired;
        }
    }
}
