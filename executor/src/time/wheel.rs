//! The hierarchical timer wheel: a plain data structure that keeps pending timers by deadline
//! tick and hands them back, in order, as time advances. It knows nothing of clocks,
//! milliseconds or wakers: the caller picks the tick length and the value type.
//!
//! # Layout
//! Time is a `u64` tick count, read as base-64 digits of 6 bits. Level `L` has 64 slots, slot
//! `j` of level `L` holding timers whose deadline has digit `L` equal to `j`, so a level-`L`
//! slot spans 64^L ticks. Levels 0-5 are the wheel docs/ARCHITECTURE.md describes and cover
//! 64^6 ticks (about 2.2 years of 1 ms ticks); levels 6-10 are the same structure continued as
//! overflow levels, so that every `u64` deadline up to `u64::MAX` has a place (level 10 only
//! uses 16 slots: 6 * 10 + 4 = 64 bits). They cost a few KB per wheel and nothing per
//! operation, and unlike an unordered overflow list they need no rule of their own.
//!
//! A timer lives at the level of the highest digit where its deadline and [`now`] differ, in
//! the slot of its deadline's digit there. Each level has a `u64` occupancy bitmap (bit `j`
//! set while slot `j` is non-empty), and a small bitmap says which levels are non-empty.
//! Entries live in a slab (a `Vec` plus a free list, see [`slab`]); each slot is a doubly
//! linked list threaded through the entries by `u32` index, so the wheel needs no `unsafe`
//! and, once the slab has grown to the peak number of timers, no allocation.
//!
//! # Advancing and why order is kept
//! Because a timer's level is the highest digit where deadline and `now` differ, every timer
//! at level `L` shares all digits above `L` with `now` and has a larger digit `L`, and lower
//! levels always come due before higher ones. So the earliest non-empty slot is the lowest set
//! bit of the lowest non-empty level, and its start tick is exact at level 0 and a lower bound
//! above. [`advance`] repeatedly takes that slot while its start is `<= now_tick`: it moves
//! `now` to the slot's start, then fires a level-0 slot's entries (all due exactly then) or
//! *cascades* a higher slot, re-placing each entry, front to back, by the same rule one level
//! or more lower. Empty stretches cost nothing: the next slot comes from the bitmaps with
//! `trailing_zeros`, never from stepping tick by tick.
//!
//! The placement rule depends only on (deadline, `now`), and cascading happens exactly when
//! `now` enters a slot's span, so at every moment all pending timers with the same deadline
//! sit in the same slot, whatever level they were inserted at. Inserts append at a list's
//! tail and cascades move a list front to back onto tails, so that list is always in
//! insertion order: timers due on the same tick fire in the order they were inserted.
//!
//! # Cost
//! `insert`, `remove`, `get_mut`, `next_deadline` and `len` are O(1). `advance` costs O(1)
//! per slot it visits plus O(1) per entry fired or cascaded; an entry cascades at most once
//! per level it passes through (10 at worst, 2 for deadlines within about 4 minutes of 1 ms
//! ticks).
//!
//! Memory: each pending timer is one slab entry. For `T = std::task::Waker` an entry is
//! **40 bytes** on a 64-bit target: the 16-byte waker, the 8-byte deadline, `u32` links to the
//! previous and next entry, a `u32` generation and a `u16` slot number, plus padding (the
//! test `memory_per_entry_and_per_wheel` checks this). The slab keeps its peak capacity, and
//! `Vec` growth may leave up to twice the peak allocated. The wheel itself is a fixed 5.8 KB
//! (704 slot heads of two `u32`, the bitmaps and the clock), held inline; it allocates
//! nothing until the first insert.
//!
//! A deadline at or before `now` is stored as `now`: it fires on the next `advance`, after
//! the timers already due then, in insertion order with other overdue timers.
//!
//! [`now`]: TimerWheel::now
//! [`advance`]: TimerWheel::advance

mod slab;
#[cfg(test)]
mod tests;

pub(crate) use slab::TimerKey;
use slab::{Slab, SlotList};

/// Bits of the tick count each level resolves (64 slots per level).
const SLOT_BITS: u32 = 6;
/// Slots per level.
const SLOTS: usize = 1 << SLOT_BITS;
/// Levels needed to place any `u64` deadline: ceil(64 / 6).
const LEVELS: usize = (u64::BITS as usize).div_ceil(SLOT_BITS as usize);

/// A hierarchical timer wheel holding values of type `T` until their deadline tick.
///
/// Deadlines are ticks on the wheel's own clock, which starts at 0 and moves only through
/// [`advance`](TimerWheel::advance). Timers fire in deadline order, and in insertion order
/// among timers due on the same tick. A deadline at or before [`now`](TimerWheel::now) counts
/// as due at `now()`: it fires on the next `advance`.
pub(crate) struct TimerWheel<T> {
    /// Every pending timer, linked into the slot lists below.
    slab: Slab<T>,
    /// The slot lists, level by level: slot `j` of level `L` is `slots[L * 64 + j]`.
    slots: [SlotList; LEVELS * SLOTS],
    /// Per level, bit `j` is set while slot `j` of that level is non-empty.
    occupied: [u64; LEVELS],
    /// Bit `L` is set while level `L` has any non-empty slot.
    occupied_levels: u16,
    /// The current tick: every timer due at or before it has fired.
    now: u64,
}

impl<T> TimerWheel<T> {
    /// An empty wheel at tick 0. Allocates nothing until the first insert.
    pub(crate) const fn new() -> Self {
        TimerWheel {
            slab: Slab::new(),
            slots: [SlotList::EMPTY; LEVELS * SLOTS],
            occupied: [0; LEVELS],
            occupied_levels: 0,
            now: 0,
        }
    }

    /// The current tick: the last tick passed to [`advance`](TimerWheel::advance), or 0.
    #[cfg_attr(not(test), allow(dead_code))] // the loop asks its clock, not the wheel
    pub(crate) fn now(&self) -> u64 {
        self.now
    }

    /// Number of pending timers.
    pub(crate) fn len(&self) -> usize {
        self.slab.len()
    }

    /// Whether no timer is pending.
    #[cfg_attr(not(test), allow(dead_code))] // the loop asks its clock, not the wheel
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a timer that fires `value` once the wheel reaches `deadline_tick`. A deadline at
    /// or before [`now`](TimerWheel::now) fires on the next `advance`. O(1).
    ///
    /// # Panics
    /// If `u32::MAX - 1` timers are already pending.
    pub(crate) fn insert(&mut self, deadline_tick: u64, value: T) -> TimerKey {
        let deadline = deadline_tick.max(self.now);
        let (key, index) = self.slab.insert(deadline, value);
        self.link(index);
        key
    }

    /// Cancels the timer `key` names and returns its value; `None` if it already fired, was
    /// removed, or the key is stale. O(1).
    pub(crate) fn remove(&mut self, key: TimerKey) -> Option<T> {
        let index = self.slab.resolve(key)?;
        let slot = self.slab.slot(index);
        self.slab.unlink(&mut self.slots[usize::from(slot)], index);
        self.mark_if_empty(slot);
        Some(self.slab.take(index))
    }

    /// The value of the pending timer `key` names; `None` if it fired, was removed, or the key
    /// is stale.
    pub(crate) fn get_mut(&mut self, key: TimerKey) -> Option<&mut T> {
        let index = self.slab.resolve(key)?;
        Some(self.slab.value_mut(index))
    }

    /// The earliest tick at which a timer may be due, or `None` when none is pending.
    ///
    /// It is never later than the earliest pending deadline, so advancing to it never misses
    /// a timer. It is exact when that timer is within the current 64-tick span, and otherwise
    /// the start of the span holding it (advancing there cascades the timer, after which the
    /// answer sharpens). Never earlier than [`now`](TimerWheel::now). O(1).
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.next_occupied_slot().map(|(_, start)| start)
    }

    /// Moves the wheel to `now_tick`, calling `fire` with the value of every timer due at or
    /// before it: in deadline order, and in insertion order among timers due on the same tick.
    /// Afterwards [`now`](TimerWheel::now) is `now_tick`. A `now_tick` earlier than `now()`
    /// changes nothing.
    ///
    /// Only non-empty slots are visited, so advancing over any stretch with nothing due is
    /// cheap. If `fire` panics, the panic propagates with the wheel consistent: the timer
    /// `fire` was given is gone, `now()` is that timer's tick, and every other timer is still
    /// pending and fires, in order, on the next call.
    pub(crate) fn advance(&mut self, now_tick: u64, mut fire: impl FnMut(T)) {
        if now_tick < self.now {
            return;
        }
        while let Some((slot, start)) = self.next_occupied_slot() {
            if start > now_tick {
                break;
            }
            debug_assert!(
                !self.slots[usize::from(slot)].is_empty(),
                "timer wheel bug: bitmap marks an empty slot"
            );
            // Entering the slot's span: its timers now belong at a lower level, or are due.
            self.now = start;
            if usize::from(slot) < SLOTS {
                self.fire_slot(slot, &mut fire);
            } else {
                self.cascade_slot(slot);
            }
        }
        self.now = now_tick;
    }

    /// The first non-empty slot and the tick its span starts at, from the bitmaps.
    fn next_occupied_slot(&self) -> Option<(u16, u64)> {
        if self.occupied_levels == 0 {
            return None;
        }
        let level = self.occupied_levels.trailing_zeros();
        let digit = self.occupied[level as usize].trailing_zeros();
        let shift = level * SLOT_BITS;
        // `now`'s digits above this level, this slot's digit, zeros below.
        let above = u64::MAX.checked_shl(shift + SLOT_BITS).unwrap_or(0);
        let start = (self.now & above) | (u64::from(digit) << shift);
        debug_assert!(start >= self.now, "timer wheel bug: a slot behind now");
        let slot = level * SLOTS as u32 + digit;
        Some((slot as u16, start))
    }

    /// Fires a level-0 slot's timers front to back. Each is unlinked and freed before `fire`
    /// sees it, so a panicking `fire` leaves the wheel consistent.
    fn fire_slot(&mut self, slot: u16, fire: &mut impl FnMut(T)) {
        while let Some(index) = self.slab.pop_front(&mut self.slots[usize::from(slot)]) {
            self.mark_if_empty(slot);
            fire(self.slab.take(index));
        }
    }

    /// Re-places a higher slot's timers, front to back, relative to the (just moved) `now`.
    fn cascade_slot(&mut self, slot: u16) {
        while let Some(index) = self.slab.pop_front(&mut self.slots[usize::from(slot)]) {
            self.link(index);
        }
        self.mark_if_empty(slot);
    }

    /// Appends the unlinked entry at `index` to the slot its deadline belongs in now.
    fn link(&mut self, index: u32) {
        let deadline = self.slab.deadline(index);
        let (level, digit) = place(deadline, self.now);
        let slot = level * SLOTS as u32 + digit;
        self.slab
            .push_back(&mut self.slots[slot as usize], slot as u16, index);
        self.occupied[level as usize] |= 1 << digit;
        self.occupied_levels |= 1 << level;
    }

    /// Clears `slot`'s occupancy bits if its list has become empty.
    fn mark_if_empty(&mut self, slot: u16) {
        if !self.slots[usize::from(slot)].is_empty() {
            return;
        }
        let level = usize::from(slot) / SLOTS;
        self.occupied[level] &= !(1 << (usize::from(slot) % SLOTS));
        if self.occupied[level] == 0 {
            self.occupied_levels &= !(1 << level);
        }
    }
}

/// Same as [`TimerWheel::new`].
impl<T> Default for TimerWheel<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Where a timer due at `deadline` (`>= now`) belongs while the wheel is at `now`: the level
/// of the highest base-64 digit where the two differ (0 if they differ only in the lowest
/// digit, or not at all), and the deadline's digit at that level.
fn place(deadline: u64, now: u64) -> (u32, u32) {
    debug_assert!(deadline >= now, "timer wheel bug: placing a past deadline");
    // Or-ing in the lowest digit's bits makes "equal" and "differ only there" level 0.
    let differing = (deadline ^ now) | (SLOTS as u64 - 1);
    let level = (u64::BITS - 1 - differing.leading_zeros()) / SLOT_BITS;
    let digit = (deadline >> (level * SLOT_BITS)) as u32 & (SLOTS as u32 - 1);
    (level, digit)
}
