//! The counters a task's polls keep: how many polls so far and, in debug mode, the time
//! spent in them.
//!
//! Contract: [`Counters::record_poll`] counts every poll exactly, up to `u64::MAX`, and
//! [`Counters::add_busy`] adds debug mode's measured ticks; [`Counters::polls`] and
//! [`Counters::busy_ticks`] read them back for a listing. Scheduler thread only (rule
//! COUNTERS of `runtime::task`).
//!
//! Layout, and why: every byte of the task header is allocated at each spawn and sits in
//! cache while the task lives, so the header keeps only the low 32 bits of the poll count,
//! in the four bytes beside `owned_index` that were padding. Whatever does not fit, the
//! carry of a count past `u32::MAX` and debug mode's time in poll, lives in a side table
//! the scheduler holds, one slot per owned-list index, which stays empty unless a task
//! wraps its count or debug mode measures a poll. A slot remembers the id of the task it
//! counts for, so a slot reused by a later task starts again from zero without any hook at
//! adoption or completion.

use super::raw::Header;
use std::cell::{Cell, RefCell};

/// The low 32 bits of a task's poll count: the part kept in its header.
#[derive(Debug, Default)]
pub(crate) struct PollCount(Cell<u32>);

/// What a task's header cannot hold, for one owned-list slot.
#[derive(Debug, Default, Clone, Copy)]
struct Overflow {
    /// The task these counts belong to (ids start at 1, so 0 is "none").
    task_id: u64,
    /// Poll count bits 32 to 63.
    polls_high: u32,
    /// Time in poll, in the ticks of debug mode's stopwatch.
    busy_ticks: u64,
}

/// The scheduler's side table of [`Overflow`] slots, indexed by owned-list index.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    overflow: RefCell<Vec<Overflow>>,
}

impl Counters {
    /// Counts one poll of `task`. The carry into the side table is taken once every 2^32
    /// polls of a task, so the poll pays one add and one well-predicted branch.
    #[inline]
    pub(crate) fn record_poll(&self, task: &Header) {
        let low = task.polls.0.get().wrapping_add(1);
        task.polls.0.set(low);
        if low == 0 {
            self.carry(task);
        }
    }

    #[cold]
    #[inline(never)]
    fn carry(&self, task: &Header) {
        self.with_slot(task, |slot| slot.polls_high += 1);
    }

    /// Adds `ticks` of debug mode's stopwatch to `task`'s time in poll (once per poll in
    /// debug mode).
    #[inline]
    pub(crate) fn add_busy(&self, task: &Header, ticks: u64) {
        self.with_slot(task, |slot| {
            slot.busy_ticks = slot.busy_ticks.saturating_add(ticks);
        });
    }

    /// How many times `task` was polled.
    pub(crate) fn polls(&self, task: &Header) -> u64 {
        let high = self.read_slot(task).polls_high;
        (u64::from(high) << 32) | u64::from(task.polls.0.get())
    }

    /// `task`'s time in poll so far, in debug mode's ticks (0 with debug mode off).
    pub(crate) fn busy_ticks(&self, task: &Header) -> u64 {
        self.read_slot(task).busy_ticks
    }

    /// The slot of `task`, started afresh if it counted for another task until now. A task
    /// outside the owned list (not adopted yet, or taken out at shutdown) has no slot: it
    /// is not polled, so nothing is lost. Inline for debug mode's every poll, where the
    /// task already has its slot; making one is the cold path.
    #[inline]
    fn with_slot(&self, task: &Header, change: impl FnOnce(&mut Overflow)) {
        let Some(index) = Self::index_of(task) else {
            return;
        };
        let mut table = self.overflow.borrow_mut();
        let id = task.meta.id;
        if let Some(slot) = table.get_mut(index).filter(|slot| slot.task_id == id) {
            return change(slot);
        }
        Self::start_slot(&mut table, index, id);
        change(&mut table[index]);
    }

    #[cold]
    #[inline(never)]
    fn start_slot(table: &mut Vec<Overflow>, index: usize, task_id: u64) {
        if table.len() <= index {
            table.resize(index + 1, Overflow::default());
        }
        table[index] = Overflow {
            task_id,
            ..Overflow::default()
        };
    }

    fn read_slot(&self, task: &Header) -> Overflow {
        let table = self.overflow.borrow();
        Self::index_of(task)
            .and_then(|index| table.get(index))
            .filter(|slot| slot.task_id == task.meta.id)
            .copied()
            .unwrap_or_default()
    }

    fn index_of(task: &Header) -> Option<usize> {
        // [OWNED-INDEX] scheduler thread, as every caller here.
        let index = task.owned_index.get();
        (index != u32::MAX).then_some(index as usize)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::runtime::context;

    /// Sets the poll count in the header of the one task the running loop owns.
    fn set_low_polls(low: u32) {
        context::with_current(|core| {
            let owned = core.expect("inside block_on").owned.borrow();
            let mut tasks = owned.iter();
            let task = tasks.next().expect("one task");
            assert!(tasks.next().is_none(), "exactly one task");
            task.header_for_tests().polls.0.set(low);
        });
    }

    /// A count past 2^32 polls is carried, not wrapped: set just below the wrap before its
    /// first poll, a task polled three times reads 2^32 + 1, and 2^32 + 2 after a fourth.
    #[test]
    fn a_poll_count_past_u32_max_carries_into_the_side_table() {
        crate::run(async {
            let task = crate::spawn(async {
                for _ in 0..3 {
                    crate::yield_now().await;
                }
                std::future::pending::<()>().await
            });
            set_low_polls(u32::MAX - 1);
            let polls = || crate::Handle::current().tasks()[0].polls();
            crate::yield_now().await;
            crate::yield_now().await;
            crate::yield_now().await;
            assert_eq!(polls(), (1 << 32) + 1, "{:#x}", polls());
            crate::yield_now().await;
            assert_eq!(polls(), (1 << 32) + 2);
            task.cancel();
        });
    }

    /// A slot left by a finished task does not leak its count into the next task that
    /// takes its owned-list index.
    #[test]
    fn a_reused_slot_starts_from_zero() {
        crate::run(async {
            let first = crate::spawn(async {
                crate::yield_now().await;
            });
            set_low_polls(u32::MAX);
            first.await.unwrap(); // its second poll wraps and carries
            let second = crate::spawn(std::future::pending::<()>());
            crate::yield_now().await;
            assert_eq!(crate::Handle::current().tasks()[0].polls(), 1);
            second.cancel();
        });
    }
}
