//! A task's state word: a few flag bits and a reference count in one atomic `usize`.
//!
//! Wakes may come from any thread, so the word is atomic; everything else about a task is
//! touched only on the loop's thread or by whoever the word says owns it. One word means a
//! wake is a single `fetch_or`, and "woken N times before it runs, polled once" falls out of
//! it: only the wake that flips `SCHEDULED` from 0 to 1 puts the task on the run queue.
//!
//! The two `JOIN_*` bits are the handshake between the loop and the `JoinHandle`, without a
//! lock: who disposes of the output (`JOIN_INTEREST`, see [`State::detach`]) and who owns
//! the join waker slot (`JOIN_WAKER`, see `task::join_waker`).

use crate::loom::{AtomicUsize, Ordering};

/// The task is on a run queue (or about to be): further wakes need not queue it again.
const SCHEDULED: usize = 1 << 0;
/// The task has finished (output, panic or cancellation stored); it is never polled again.
const COMPLETE: usize = 1 << 1;
/// `JoinHandle::cancel` was called: the next time the loop picks it up, it drops the future.
const CANCELLED: usize = 1 << 2;
/// A `JoinHandle` exists and has not taken the output. If it is set when the task
/// completes, the handle disposes of the output; if not, the loop drops it at once.
const JOIN_INTEREST: usize = 1 << 3;
/// The join waker slot holds the handle's waker and belongs to the completer, who takes it
/// once `COMPLETE` is set. While clear, the slot belongs to the `JoinHandle`.
const JOIN_WAKER: usize = 1 << 4;
/// The loop is polling the task, or requeued it after it woke itself during its poll (see
/// `raw::Polling`). A wake meanwhile only sets `SCHEDULED`: the loop sees it when the poll
/// ends and queues the task again with the entry it already holds, or the task is queued.
const RUNNING: usize = 1 << 5;
/// The reference count lives above the flag bits.
const REF_SHIFT: u32 = 6;
const REF_ONE: usize = 1 << REF_SHIFT;

/// A snapshot of the state word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

impl Snapshot {
    pub(crate) fn is_scheduled(self) -> bool {
        self.0 & SCHEDULED != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    /// A wake that found the task in this state must put it on a run queue: it is not
    /// queued, not being polled (the loop requeues it then) and not finished.
    fn needs_queueing(self) -> bool {
        self.0 & (SCHEDULED | RUNNING | COMPLETE) == 0
    }
    pub(crate) fn has_join_interest(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn has_join_waker(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
}

/// How a poll that returned `Pending` ended, from [`State::end_poll`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AfterPoll {
    /// Woken while it ran: the loop queues it again, with the entry's reference.
    Reschedule,
    /// Not woken: the entry's reference was released in the same step.
    Idle,
    /// Not woken, and the entry's reference is the last one: the caller releases it.
    IdleLastRef,
}

/// What [`State::detach`] did for a `JoinHandle` being dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Detach {
    /// The task had completed first: the output is the handle's to drop.
    Complete,
    /// The interest is given up. `waker_is_ours`: the slot held the handle's waker, which
    /// the handle now owns again and drops. `ref_released`: the handle's reference was
    /// released in the same step (only when it is not the last one and the slot is empty).
    Detached {
        waker_is_ours: bool,
        ref_released: bool,
    },
}

/// What [`State::cancel`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cancel {
    /// The task had not completed: it will end cancelled.
    pub(crate) took_effect: bool,
    /// The task is idle: the caller queues it so the loop drops its future.
    pub(crate) must_queue: bool,
}

/// The atomic state word of one task.
#[derive(Debug)]
pub(crate) struct State(AtomicUsize);

impl State {
    /// A new task: `refs` references, scheduled (it goes straight onto a run queue), with a
    /// `JoinHandle` interested in its output if `joined`.
    pub(crate) fn new_scheduled(refs: usize, joined: bool) -> Self {
        let interest = if joined { JOIN_INTEREST } else { 0 };
        State(AtomicUsize::new(SCHEDULED | interest | (refs * REF_ONE)))
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Ordering::Acquire))
    }

    /// Marks the task scheduled. True if the caller must put it on a run queue: it was
    /// not queued, not running and not complete.
    pub(crate) fn schedule(&self) -> bool {
        let prev = Snapshot(self.0.fetch_or(SCHEDULED, Ordering::AcqRel));
        prev.needs_queueing()
    }

    /// The loop took the task off the queue to poll it: clears `SCHEDULED` (later wakes
    /// count) and sets `RUNNING`. Returns the snapshot from before.
    pub(crate) fn start_poll(&self) -> Snapshot {
        let prev = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| {
                Some((word & !SCHEDULED) | RUNNING)
            });
        Snapshot(prev.unwrap_or_else(|word| word))
    }

    /// The poll returned `Pending`: clears `RUNNING`, and says whether a wake came in
    /// meanwhile. If none did, the loop's entry reference is released in the same step.
    pub(crate) fn end_poll(&self) -> AfterPoll {
        let mut after = AfterPoll::Idle;
        let _ = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| {
                let now = Snapshot(word);
                let word = word & !RUNNING;
                after = if now.is_scheduled() {
                    AfterPoll::Reschedule
                } else if now.ref_count() > 1 {
                    AfterPoll::Idle
                } else {
                    AfterPoll::IdleLastRef
                };
                Some(match after {
                    AfterPoll::Idle => word - REF_ONE,
                    _ => word,
                })
            });
        after
    }

    /// Asks for cancellation. Says whether it took effect (the task had not completed) and
    /// whether the caller must queue the task (see [`schedule`]).
    ///
    /// [`schedule`]: State::schedule
    pub(crate) fn cancel(&self) -> Cancel {
        let prev = Snapshot(self.0.fetch_or(CANCELLED | SCHEDULED, Ordering::AcqRel));
        Cancel {
            took_effect: !prev.is_complete(),
            must_queue: prev.needs_queueing(),
        }
    }

    /// Records completion (after the output is stored, which `Release` publishes); `RUNNING`
    /// may stay set, as `COMPLETE` alone keeps the task off the queues. The
    /// previous snapshot tells the completer what the handle left it: no `JOIN_INTEREST`,
    /// drop the output; `JOIN_WAKER`, take and wake the join waker.
    pub(crate) fn complete(&self) -> Snapshot {
        Snapshot(self.0.fetch_or(COMPLETE, Ordering::AcqRel))
    }

    /// Applies `change` unless the task is complete; `Err` with the complete snapshot if so.
    fn update_unless_complete(
        &self,
        mut change: impl FnMut(Snapshot) -> usize,
    ) -> Result<Snapshot, Snapshot> {
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| {
                let now = Snapshot(word);
                (!now.is_complete()).then(|| change(now))
            })
            .map(Snapshot)
            .map_err(Snapshot)
    }

    /// The handle has written its waker into the slot and hands the slot to the completer.
    /// `Err` if the task completed first: then the slot is still the handle's.
    pub(crate) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.update_unless_complete(|now| now.0 | JOIN_WAKER)
    }

    /// The handle takes the slot back to put another waker in. `Err` if the task completed
    /// first: then the slot stays the completer's.
    pub(crate) fn unset_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.update_unless_complete(|now| now.0 & !JOIN_WAKER)
    }

    /// The `JoinHandle` is dropped without having read the output: gives up the interest
    /// (and the slot) in one step unless the task completed first.
    pub(crate) fn detach(&self) -> Detach {
        let mut waker_is_ours = false;
        let mut ref_released = false;
        let result = self.update_unless_complete(|now| {
            waker_is_ours = now.has_join_waker();
            // The slot's waker must be dropped while the handle still holds its reference.
            ref_released = !waker_is_ours && now.ref_count() > 1;
            let word = now.0 & !(JOIN_INTEREST | JOIN_WAKER);
            if ref_released {
                word - REF_ONE
            } else {
                word
            }
        });
        match result {
            Ok(_) => Detach::Detached {
                waker_is_ours,
                ref_released,
            },
            Err(_) => Detach::Complete,
        }
    }

    pub(crate) fn ref_inc(&self) {
        let prev = self.0.fetch_add(REF_ONE, Ordering::Relaxed);
        // Like Arc: a count this high means references are being leaked in a loop.
        if prev > usize::MAX / 2 {
            std::process::abort();
        }
    }

    /// Drops `count` references at once; true if they were the last, and the task must be
    /// freed.
    pub(crate) fn ref_dec_by(&self, count: usize) -> bool {
        let prev = Snapshot(self.0.fetch_sub(count * REF_ONE, Ordering::AcqRel));
        debug_assert!(prev.ref_count() >= count, "task reference count underflow");
        prev.ref_count() == count
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// The loop's side of one turn: take the task off the queue, poll it (pending).
    fn idle_after_one_poll(refs: usize) -> State {
        let state = State::new_scheduled(refs, true);
        assert!(state.start_poll().is_scheduled());
        assert_eq!(state.end_poll(), AfterPoll::Idle);
        state
    }

    #[test]
    fn only_the_first_wake_queues() {
        let state = State::new_scheduled(2, true);
        assert!(!state.schedule(), "already scheduled at creation");
        let state = idle_after_one_poll(2);
        assert!(state.schedule());
        assert!(!state.schedule());
        assert!(!state.schedule());
    }

    #[test]
    fn a_wake_while_running_is_kept_for_the_end_of_the_poll() {
        let state = State::new_scheduled(2, true);
        let before = state.start_poll();
        assert!(before.is_scheduled() && !before.is_running());
        assert!(state.load().is_running());
        assert!(
            !state.schedule(),
            "the running task is not queued by a wake"
        );
        assert!(!state.schedule());
        assert_eq!(state.end_poll(), AfterPoll::Reschedule);
        assert_eq!(state.load().ref_count(), 2, "the entry keeps its reference");
        assert!(!state.load().is_running());
    }

    #[test]
    fn an_idle_end_of_poll_releases_the_entry_reference() {
        let state = idle_after_one_poll(2);
        assert_eq!(state.load().ref_count(), 1);
        // The entry's reference is never freed by end_poll itself: the caller frees it.
        let last = State::new_scheduled(1, true);
        last.start_poll();
        assert_eq!(last.end_poll(), AfterPoll::IdleLastRef);
        assert_eq!(last.load().ref_count(), 1);
    }

    #[test]
    fn complete_tasks_are_never_queued() {
        let state = State::new_scheduled(1, true);
        state.start_poll();
        state.complete();
        assert!(!state.schedule());
        assert!(!state.cancel().must_queue);
        assert!(!state.cancel().took_effect, "too late: it completed");
        assert!(state.load().is_complete());
    }

    #[test]
    fn cancel_queues_an_idle_task_once() {
        let state = idle_after_one_poll(2);
        let first = state.cancel();
        assert!(first.must_queue && first.took_effect);
        let again = state.cancel();
        assert!(!again.must_queue && again.took_effect);
        let snapshot = state.start_poll();
        assert!(snapshot.is_cancelled() && snapshot.is_scheduled());
    }

    #[test]
    fn detach_gives_up_interest_and_reference_in_one_step() {
        let state = idle_after_one_poll(3);
        assert_eq!(
            state.detach(),
            Detach::Detached {
                waker_is_ours: false,
                ref_released: true
            }
        );
        let now = state.load();
        assert!(!now.has_join_interest());
        assert_eq!(now.ref_count(), 1);
        // After completion, the output is the detaching handle's.
        let done = State::new_scheduled(2, true);
        done.complete();
        assert_eq!(done.detach(), Detach::Complete);
    }

    #[test]
    fn join_waker_bit_is_refused_once_complete() {
        let state = idle_after_one_poll(2);
        assert!(state.set_join_waker().is_ok());
        assert!(state.unset_join_waker().is_ok());
        assert!(state.set_join_waker().is_ok());
        assert!(state.complete().has_join_waker());
        assert!(state.unset_join_waker().is_err());
        assert!(state.set_join_waker().is_err());
    }

    #[test]
    fn reference_counting() {
        let state = State::new_scheduled(2, true);
        state.ref_inc();
        assert_eq!(state.load().ref_count(), 3);
        assert!(!state.ref_dec_by(1));
        assert!(state.ref_dec_by(2));
    }
}
