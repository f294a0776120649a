//! `GroupCore`: the state a group shares with its children. It counts live children, keeps a
//! waker per child so that cancelling the group can wake every child, collects errors and the
//! first panic, and wakes the one task that waits for the group.
//!
//! Lock discipline: user code (futures, destructors, wakers' `wake`) never runs while the lock
//! is held; wakers are taken out under the lock and woken after it is released.

use std::any::Any;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::PoisonError;
use std::task::{Context, Poll, Waker};

use crate::child::AbortRef;
use crate::error::SpawnError;
use crate::loom::{AtomicBool, AtomicUsize, Mutex, MutexGuard};
use crate::waker_slab::WakerSlab;

/// The value of a child's key slot before it has a waker slot (and after it finished).
pub(crate) const NO_KEY: usize = usize::MAX;

/// A panic payload, as `catch_unwind` hands it over.
pub(crate) type Panic = Box<dyn Any + Send + 'static>;

/// How a group reacts to its children.
#[derive(Clone, Copy)]
pub(crate) struct Policy {
    /// A child's error or panic cancels every other child (TaskGroup), or not (gather).
    pub(crate) cancel_on_failure: bool,
    /// Record which children finished, in order, and wake the waiter after each one.
    pub(crate) track_completion: bool,
}

/// How a child (or a group's body) failed.
pub(crate) enum Finish<E> {
    Failed(E),
    Panicked(Panic),
}

/// The group's phase and live-child count, packed in one atomic word (`live << 2 | phase`)
/// so that admitting and finishing a child need no lock: a child is admitted only while the
/// group is open, and the group is marked finished only while no child is live.
const OPEN: usize = 0;
const SHUTTING_DOWN: usize = 1;
const FINISHED: usize = 2;
const PHASE_MASK: usize = 0b11;
const ONE_CHILD: usize = 1 << 2;

fn phase(word: usize) -> usize {
    word & PHASE_MASK
}

fn live(word: usize) -> usize {
    word >> 2
}

/// What the waiter takes away once every child has finished.
pub(crate) struct Summary<E> {
    pub(crate) errors: Vec<E>,
    pub(crate) panic: Option<Panic>,
    pub(crate) timed_out: bool,
}

struct CoreState<E> {
    wakers: WakerSlab,
    errors: Vec<E>,
    panic: Option<Panic>,
    timed_out: bool,
    completed: VecDeque<usize>,
    waiter: Option<Waker>,
}

pub(crate) struct GroupCore<E> {
    /// Set once, when the group starts cancelling its children. Children read it at every
    /// poll without taking the lock.
    cancelling: AtomicBool,
    /// Phase and live count; see [`OPEN`].
    counts: AtomicUsize,
    policy: Policy,
    state: Mutex<CoreState<E>>,
}

impl<E> GroupCore<E> {
    pub(crate) fn new(policy: Policy) -> Self {
        Self {
            cancelling: AtomicBool::new(false),
            counts: AtomicUsize::new(OPEN),
            policy,
            state: Mutex::new(CoreState {
                wakers: WakerSlab::new(),
                errors: Vec::new(),
                panic: None,
                timed_out: false,
                completed: VecDeque::new(),
                waiter: None,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, CoreState<E>> {
        // No user code runs under the lock, so a poisoned lock still holds consistent state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn is_cancelling(&self) -> bool {
        self.cancelling.load(Ordering::Acquire)
    }

    /// Admits one more child, or refuses it.
    pub(crate) fn admit(&self) -> Result<(), SpawnError> {
        self.count_in().map(drop)
    }

    /// Counts one more child in, unless the group no longer admits any. Returns the word
    /// from before.
    fn count_in(&self) -> Result<usize, SpawnError> {
        let mut word = self.counts.load(Ordering::Acquire);
        loop {
            match phase(word) {
                OPEN => {}
                SHUTTING_DOWN => return Err(SpawnError::ShuttingDown),
                _ => return Err(SpawnError::Finished),
            }
            match self.counts.compare_exchange_weak(
                word,
                word + ONE_CHILD,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(before) => return Ok(before),
                Err(actual) => word = actual,
            }
        }
    }

    /// Moves the phase from `from` to `to`, if it is `from`. Returns whether it did.
    fn advance_phase(&self, from: usize, to: usize, only_if_idle: bool) -> bool {
        self.counts
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| {
                let idle = live(word) == 0;
                (phase(word) == from && (idle || !only_if_idle)).then_some(word - from + to)
            })
            .is_ok()
    }

    /// Remembers the waker of a pending child, so cancellation can wake it. A child gets a
    /// waker slot (its key, kept in `key_slot`) on its first pending poll only: children that
    /// finish on their first poll never touch the slab.
    ///
    /// `key_slot` is read and written only under the lock, which orders it with
    /// [`wake_child`](Self::wake_child).
    ///
    /// The first registration also records how a dropped group can drop the child's future
    /// itself (`abort`; see [`drop_idle_children`](Self::drop_idle_children)).
    pub(crate) fn register_child_waker(
        &self,
        key_slot: &AtomicUsize,
        waker: &Waker,
        abort: impl FnOnce() -> Option<AbortRef>,
    ) {
        let mut state = self.lock();
        match key_slot.load(Ordering::Relaxed) {
            NO_KEY => {
                let key = state.wakers.insert(abort());
                state.wakers.set(key, waker);
                key_slot.store(key, Ordering::Relaxed);
            }
            key => state.wakers.set(key, waker),
        }
    }

    /// Wakes one child (after its own cancel flag was set), if it has registered a waker; if
    /// not, it re-checks its flag after registering. The waker stays registered, so a later
    /// group cancellation still reaches the child.
    pub(crate) fn wake_child(&self, key_slot: &AtomicUsize) {
        let waker = {
            let state = self.lock();
            match key_slot.load(Ordering::Relaxed) {
                NO_KEY => None,
                key => state.wakers.get(key),
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Records a child's error or panic (before its result cell says so, so that whoever
    /// sees a failed child also finds its group shutting down). Cancels the other children
    /// if the policy says so. The child still counts as live until [`finish`](Self::finish).
    pub(crate) fn record_failure(&self, how: Finish<E>) {
        if self.policy.cancel_on_failure {
            self.fail(how);
        } else {
            self.store_failure(&mut self.lock(), how);
        }
    }

    /// A child has finished (and settled its result cell): it is no longer live.
    ///
    /// The lock is taken only if needed: to free the child's waker slot, to record the
    /// completion order, or when this may be the last live child. The waker slot is freed
    /// before the count drops, so a group that sees no live child finds no slot either.
    ///
    /// Every child holds a counted reference to its core (through its result cell, or its
    /// native sink), so the core outlives every finish.
    pub(crate) fn finish(&self, key_slot: &AtomicUsize, ordinal: usize) {
        let track_completion = self.policy.track_completion;
        // Only this child writes its own slot (under the lock); reading it here is ordered.
        if key_slot.load(Ordering::Relaxed) != NO_KEY {
            let mut state = self.lock();
            let key = key_slot.swap(NO_KEY, Ordering::Relaxed);
            state.wakers.remove(key);
        }
        if !track_completion {
            // Not the last live child: count it out without the lock.
            let mut word = self.counts.load(Ordering::Acquire);
            while live(word) > 1 {
                match self.counts.compare_exchange_weak(
                    word,
                    word - ONE_CHILD,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => return,
                    Err(actual) => word = actual,
                }
            }
        }
        // Maybe the last live child (or a batch, whose waiter hears of every finish): count
        // it out under the lock, with the waiter taken at once.
        let waiter = {
            let mut state = self.lock();
            if track_completion {
                state.completed.push_back(ordinal);
            }
            let last = live(self.counts.fetch_sub(ONE_CHILD, Ordering::AcqRel)) == 1;
            if last || track_completion {
                state.waiter.take()
            } else {
                None
            }
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }

    fn store_failure(&self, state: &mut CoreState<E>, how: Finish<E>) {
        match how {
            Finish::Failed(error) => state.errors.push(error),
            Finish::Panicked(payload) => {
                state.panic.get_or_insert(payload);
            }
        }
    }

    /// Records an error or panic (of a child or of the group's body) and cancels the children.
    pub(crate) fn fail(&self, how: Finish<E>) {
        let mut state = self.lock();
        self.store_failure(&mut state, how);
        let wakers = self.start_cancelling(&mut state);
        drop(state);
        wakers.into_iter().for_each(Waker::wake);
    }

    /// The group's deadline passed: cancel, unless the group is already winding down.
    pub(crate) fn time_out(&self) {
        let mut state = self.lock();
        if phase(self.counts.load(Ordering::Acquire)) != OPEN {
            return;
        }
        state.timed_out = true;
        let wakers = self.start_cancelling(&mut state);
        drop(state);
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Cancels every child (the group was dropped, or a race was won). Not an error.
    /// Returns false if the group had finished already (there was nothing to cancel).
    pub(crate) fn cancel_all(&self) -> bool {
        let word = self.counts.load(Ordering::Acquire);
        if phase(word) == FINISHED && live(word) == 0 {
            return false;
        }
        let mut state = self.lock();
        let wakers = self.start_cancelling(&mut state);
        drop(state);
        wakers.into_iter().for_each(Waker::wake);
        true
    }

    /// The group's owner dropped it: cancels every child, then drops here, on this thread,
    /// the future of every child that is idle (has pended and is not being polled), so that
    /// they are gone when the owner's drop returns. Returns the first panic their
    /// destructors raised.
    ///
    /// A child being polled on another thread right now drops its own future at the end of
    /// that poll (it finds the group cancelling); a child never polled yet is dropped
    /// unpolled by its executor; a `!Send` child is dropped here only on its own thread.
    /// The drop never waits for another thread's poll: that could deadlock.
    pub(crate) fn drop_children(&self) -> Option<Panic> {
        if !self.cancel_all() {
            return None;
        }
        let mut first_panic = None;
        let mut cursor = 0;
        // A child that registers behind the cursor meanwhile started its poll after the
        // cancellation: it drops its own future at the end of that poll.
        loop {
            // Its own statement: the lock is released before the child's future is dropped.
            let next = self.lock().wakers.claim_next_idle(&mut cursor);
            let Some(child) = next else { break };
            // Claimed under the lock while registered (so alive); a claimed child's poll
            // and drop wait until we release it (`drop_claimed`), so it stays alive and
            // nobody else touches its future meanwhile.
            // SAFETY: as above.
            if let Err(panic) = unsafe { child.drop_claimed() } {
                first_panic.get_or_insert(panic);
            }
        }
        first_panic
    }

    /// Moves to `ShuttingDown` and collects the wakers to wake once the lock is released:
    /// every pending child's, and the waiter's (a group body must be cancelled too).
    fn start_cancelling(&self, state: &mut CoreState<E>) -> Vec<Waker> {
        self.advance_phase(OPEN, SHUTTING_DOWN, false);
        // Release: a child that sees the flag also sees everything recorded before it.
        self.cancelling.store(true, Ordering::Release);
        let mut wakers = state.wakers.take_all();
        wakers.extend(state.waiter.take());
        wakers
    }

    /// Waits until no child is live. With `body_running`, the caller only registers its waker
    /// (it is woken when the group starts cancelling or a child finishes).
    pub(crate) fn poll_finished(
        &self,
        cx: &mut Context<'_>,
        body_running: bool,
    ) -> Poll<Summary<E>> {
        let mut state = self.lock();
        if !body_running && self.try_finish() {
            return Poll::Ready(Summary {
                errors: std::mem::take(&mut state.errors),
                panic: state.panic.take(),
                timed_out: state.timed_out,
            });
        }
        register(&mut state.waiter, cx.waker());
        Poll::Pending
    }

    /// For groups that track completion: moves the ordinals of children that finished since
    /// the last call into `into`; registers the waker if there were none.
    pub(crate) fn poll_completed(
        &self,
        cx: &mut Context<'_>,
        into: &mut VecDeque<usize>,
    ) -> Poll<()> {
        let mut state = self.lock();
        if state.completed.is_empty() {
            register(&mut state.waiter, cx.waker());
            return Poll::Pending;
        }
        into.append(&mut state.completed);
        Poll::Ready(())
    }

    /// Takes the first panic a child raised, if any.
    pub(crate) fn take_panic(&self) -> Option<Panic> {
        self.lock().panic.take()
    }

    /// Refuses any further child: used when a batch is complete or detached.
    pub(crate) fn close(&self) {
        self.advance_phase(OPEN, FINISHED, false);
    }

    /// Marks the group finished if no child is live (from any phase). Whoever sees `true`
    /// may collect the summary: no child can be admitted any more.
    fn try_finish(&self) -> bool {
        self.counts
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| {
                (live(word) == 0).then_some(FINISHED)
            })
            .is_ok()
    }
}

fn register(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(old) if old.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

/// A child's link to its group, without the group's error type: what a handle needs
/// (`wake_child`), and the way back to the typed core for the child itself (`as_any`).
/// A child's result cell holds its group's core as this, so that one reference count serves
/// both the running child and its handle.
pub(crate) trait WakeChild: Send + Sync {
    fn wake_child(&self, key_slot: &AtomicUsize);
    /// [`GroupCore::finish`], for a child dropped unfinished (where its `E` is not at hand).
    fn finish_child(&self, key_slot: &AtomicUsize, ordinal: usize);
    fn as_any(&self) -> &dyn Any;
    /// Records a child's panic (a child dropped unfinished whose destructors panicked,
    /// where its `E` is not at hand).
    fn record_panic(&self, payload: Panic);
}

impl<E: Send + 'static> WakeChild for GroupCore<E> {
    fn wake_child(&self, key_slot: &AtomicUsize) {
        GroupCore::wake_child(self, key_slot);
    }
    fn finish_child(&self, key_slot: &AtomicUsize, ordinal: usize) {
        self.finish(key_slot, ordinal);
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn record_panic(&self, payload: Panic) {
        self.record_failure(Finish::Panicked(payload));
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::{Finish, GroupCore, Policy, NO_KEY};
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    fn slot() -> AtomicUsize {
        AtomicUsize::new(NO_KEY)
    }
    use crate::error::SpawnError;
    use futures_task::noop_waker;
    use std::task::{Context, Poll};

    const GROUP: Policy = Policy {
        cancel_on_failure: true,
        track_completion: false,
    };

    fn finished<E>(core: &GroupCore<E>) -> Option<super::Summary<E>> {
        let waker = noop_waker();
        match core.poll_finished(&mut Context::from_waker(&waker), false) {
            Poll::Ready(summary) => Some(summary),
            Poll::Pending => None,
        }
    }

    #[test]
    fn errors_are_kept_in_the_order_they_happened() {
        let core = Arc::new(GroupCore::new(GROUP));
        let keys: Vec<_> = (0..3)
            .map(|_| core.admit().map(|()| slot()).unwrap())
            .collect();
        core.record_failure(Finish::Failed("third child, first error"));
        core.finish(&keys[2], 0);
        assert!(core.is_cancelling());
        core.record_failure(Finish::Failed("first child, second error"));
        core.finish(&keys[0], 0);
        assert!(finished(&core).is_none(), "one child is still live");
        core.finish(&keys[1], 0);
        let summary = finished(&core).unwrap();
        assert_eq!(
            summary.errors,
            ["third child, first error", "first child, second error"]
        );
        assert!(summary.panic.is_none());
    }

    #[test]
    fn a_failure_refuses_new_children_and_finishing_refuses_them_for_good() {
        let core = Arc::new(GroupCore::<()>::new(GROUP));
        core.admit().unwrap();
        core.record_failure(Finish::Failed(()));
        core.finish(&slot(), 0);
        assert_eq!(core.admit(), Err(SpawnError::ShuttingDown));
        assert!(finished(&core).is_some());
        assert_eq!(core.admit(), Err(SpawnError::Finished));
    }

    #[test]
    fn only_the_first_panic_is_kept() {
        let core = Arc::new(GroupCore::<()>::new(GROUP));
        core.admit().unwrap();
        core.admit().unwrap();
        core.record_failure(Finish::Panicked(Box::new("first")));
        core.finish(&slot(), 0);
        core.record_failure(Finish::Panicked(Box::new("second")));
        core.finish(&slot(), 0);
        let panic = finished(&core).unwrap().panic.unwrap();
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"first"));
    }

    #[test]
    fn waking_one_child_keeps_its_waker_for_a_later_group_cancel() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        struct CountWakes(AtomicUsize);
        impl futures_task::ArcWake for CountWakes {
            fn wake_by_ref(arc_self: &Arc<Self>) {
                arc_self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let core = Arc::new(GroupCore::<()>::new(GROUP));
        core.admit().unwrap();
        let key = slot();
        let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
        core.register_child_waker(&key, &futures_task::waker(wakes.clone()), || None);
        // The child's handle cancels it (a wake)...
        core.wake_child(&key);
        // ...and the group's cancellation must still reach it.
        core.cancel_all();
        assert_eq!(wakes.0.load(Ordering::SeqCst), 2);
        // Every admitted child finishes (a live child keeps its group alive).
        core.finish(&key, 0);
    }

    #[test]
    fn time_out_after_a_failure_is_not_a_timeout() {
        let core = Arc::new(GroupCore::<()>::new(GROUP));
        core.admit().unwrap();
        core.record_failure(Finish::Failed(()));
        core.finish(&slot(), 0);
        core.time_out();
        assert!(!finished(&core).unwrap().timed_out);
    }
}
