//! `Barrier`: asyncio's barrier. `n` tasks meet, are released together, and the barrier
//! resets for the next round once the released tasks have left.
//!
//! The barrier is in one of four phases, as asyncio's:
//! - *filling*: arrivals queue as members of the round; the `n`-th releases it.
//! - *draining*: the round was released; its tasks count as inside `wait()` until each has
//!   resumed (returned from its `wait()`) or been dropped. Arrivals meanwhile are *held*, and
//!   retry their arrival once the round has drained.
//! - *resetting*: `reset()` broke the tasks still inside; like draining, until they are out.
//! - *broken*: `abort()` broke everyone inside and every later arrival, until `reset()`.
//!
//! A released task's result is decided when it resumes: `Ok` if the round is still draining
//! then, broken if `reset()` or `abort()` came first. A released task that is dropped before it
//! resumed simply leaves: it never holds up the drain (its index goes unused).
//!
//! Waking is batched outside the lock, so a waiter may be *marked* (released, broken, refused,
//! or told to retry) while still linked; the marked waiters are always at the front of the
//! list, and one that is polled or dropped before its wake-up acts on its mark at once.

use crate::state_lock::{lock, StateGuard, StateLock};
use crate::waiters::{Status, WaitFuture, WaitList, WaitTarget, Waiter, WakeBatch, WakerPanic};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A reusable meeting point for a fixed number of tasks.
///
/// ```
/// use corio_sync::Barrier;
/// futures::executor::block_on(async {
///     let barrier = Barrier::new(2);
///     let (a, b) = futures::join!(barrier.wait(), barrier.wait());
///     let (a, b) = (a.unwrap(), b.unwrap());
///     assert_ne!(a.index(), b.index());
///     assert!(a.is_leader() != b.is_leader());
/// });
/// ```
pub struct Barrier {
    parties: usize,
    state: StateLock<BarrierState>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Filling,
    Draining,
    Resetting,
    Broken,
}

struct BarrierState {
    phase: Phase,
    /// Members queued in the filling round.
    arrived: usize,
    /// Tasks of a released or broken round that are still inside `wait()`.
    inside: usize,
    waiters: WaitList<Slot>,
}

/// A waiter's place: queued (`Member`, `Held`) or marked for its wake-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// Queued in the filling round.
    Member,
    /// Queued behind a draining or resetting round; not inside the barrier yet.
    Held,
    /// Released with this place in its round; inside until it resumes.
    Released { index: usize },
    /// A member broken by `reset()` or `abort()`; inside until it resumes.
    Broken,
    /// A held arrival refused by `abort()`.
    Refused,
    /// A held arrival whose round has drained: it arrives again when it runs.
    Retry,
}

impl Slot {
    fn is_marked(self) -> bool {
        !matches!(self, Slot::Member | Slot::Held)
    }
}

type WaitOutput = Result<BarrierWaitResult, BrokenBarrierError>;

/// What [`Barrier::wait`] returns to each task of a round: its arrival index, and whether
/// it is the round's one leader.
///
/// ```
/// use corio_sync::Barrier;
/// futures::executor::block_on(async {
///     let barrier = Barrier::new(2);
///     let (a, b) = futures::join!(barrier.wait(), barrier.wait());
///     let (a, b) = (a.unwrap(), b.unwrap());
///     assert_ne!(a.index(), b.index()); // 0 and 1, in arrival order
///     assert!(a.is_leader() != b.is_leader()); // exactly one leader per round
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult {
    index: usize,
    leader: bool,
}

impl BarrierWaitResult {
    /// This task's place in the round, `0..parties`, distinct within a round, in arrival order.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let barrier = corio_sync::Barrier::new(1);
    /// assert_eq!(barrier.wait().await.unwrap().index(), 0);
    /// # });
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// True for exactly one task per round: the last to arrive, which released the others.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let barrier = corio_sync::Barrier::new(1);
    /// assert!(barrier.wait().await.unwrap().is_leader());
    /// # });
    /// ```
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

/// The barrier was aborted or reset while waiting, or is broken (asyncio's
/// `BrokenBarrierError`).
///
/// ```
/// use corio_sync::{Barrier, BrokenBarrierError};
/// futures::executor::block_on(async {
///     let barrier = Barrier::new(2);
///     barrier.abort();
///     let err = barrier.wait().await.unwrap_err();
///     assert_eq!(err, BrokenBarrierError);
///     assert!(err.to_string().contains("call reset()"));
///     barrier.reset(); // usable again
///     assert!(!barrier.is_broken());
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokenBarrierError;

/// Says what broke the barrier, and how to use it again.
impl fmt::Display for BrokenBarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the barrier is broken: it was aborted or reset (call reset() to use it again)")
    }
}

impl std::error::Error for BrokenBarrierError {}

/// The error of [`Barrier::try_new`]: a barrier needs at least one party.
///
/// ```
/// use corio_sync::{Barrier, ZeroPartiesError};
/// assert_eq!(Barrier::try_new(0).unwrap_err(), ZeroPartiesError);
/// let err: Box<dyn std::error::Error> = Box::new(ZeroPartiesError);
/// assert!(err.to_string().contains("at least one party"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZeroPartiesError;

/// Says what was refused.
impl fmt::Display for ZeroPartiesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Barrier needs at least one party; Barrier::new(0) is refused")
    }
}

impl std::error::Error for ZeroPartiesError {}

impl Barrier {
    /// A barrier for `parties` tasks.
    ///
    /// Panics if `parties` is 0 (asyncio raises `ValueError`); see [`Barrier::try_new`].
    ///
    /// ```
    /// assert_eq!(corio_sync::Barrier::new(3).parties(), 3);
    /// ```
    pub fn new(parties: usize) -> Self {
        Self::try_new(parties).unwrap_or_else(|e| panic!("Barrier::new(0): {e}"))
    }

    /// A barrier for `parties` tasks, or an error if `parties` is 0.
    ///
    /// ```
    /// assert!(corio_sync::Barrier::try_new(0).is_err());
    /// ```
    pub fn try_new(parties: usize) -> Result<Self, ZeroPartiesError> {
        if parties == 0 {
            return Err(ZeroPartiesError);
        }
        let state = BarrierState {
            phase: Phase::Filling,
            arrived: 0,
            inside: 0,
            waiters: WaitList::new(),
        };
        Ok(Barrier {
            parties,
            state: StateLock::new(state),
        })
    }

    /// Waits until `parties` tasks are waiting, then releases them all together.
    ///
    /// A task that calls `wait()` while the previous round is still draining (some of its
    /// released tasks have not resumed yet) is held until it has, then joins the next round.
    /// The result of a released task is fixed when it resumes: a `reset()` or `abort()`
    /// before that breaks it.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let barrier = corio_sync::Barrier::new(1);
    /// assert!(barrier.wait().await.is_ok());
    /// # });
    /// ```
    pub fn wait(&self) -> impl Future<Output = WaitOutput> + '_ {
        WaitFuture::<Barrier>::new(self, Slot::Member)
    }

    /// Breaks the barrier: current waits (including released tasks that have not resumed
    /// yet, and arrivals held while a round drains) and later waits fail with
    /// [`BrokenBarrierError`] until [`reset`](Barrier::reset).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let barrier = corio_sync::Barrier::new(2);
    /// barrier.abort();
    /// assert!(barrier.is_broken());
    /// assert!(barrier.wait().await.is_err());
    /// # });
    /// ```
    pub fn abort(&self) {
        self.break_round(true);
    }

    /// Returns the barrier to its empty, unbroken state; tasks waiting now, and released
    /// tasks that have not resumed yet, fail with [`BrokenBarrierError`]. Until those have
    /// left, new arrivals are held (the barrier is *resetting*).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let barrier = corio_sync::Barrier::new(1);
    /// barrier.abort();
    /// barrier.reset();
    /// assert!(barrier.wait().await.is_ok());
    /// # });
    /// ```
    pub fn reset(&self) {
        self.break_round(false);
    }

    /// How many tasks a round needs.
    ///
    /// ```
    /// assert_eq!(corio_sync::Barrier::new(4).parties(), 4);
    /// ```
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// How many tasks are waiting in the filling round (0 while a round drains or resets, as
    /// asyncio's `n_waiting`).
    ///
    /// ```
    /// assert_eq!(corio_sync::Barrier::new(4).n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> usize {
        let state = lock(&self.state);
        if state.phase == Phase::Filling {
            state.arrived
        } else {
            0
        }
    }

    /// True when the barrier is broken.
    ///
    /// ```
    /// assert!(!corio_sync::Barrier::new(4).is_broken());
    /// ```
    pub fn is_broken(&self) -> bool {
        lock(&self.state).phase == Phase::Broken
    }

    fn break_round(&self, abort: bool) {
        let mut state = lock(&self.state);
        let state_ref = &mut *state;
        if abort {
            state_ref.phase = Phase::Broken;
            let mut broken = 0;
            state_ref.waiters.for_each_mut(|slot| match slot {
                Slot::Member => {
                    *slot = Slot::Broken;
                    broken += 1;
                }
                Slot::Held => *slot = Slot::Refused,
                _ => {}
            });
            state_ref.inside += broken;
            state_ref.arrived = 0;
        } else {
            match state_ref.phase {
                Phase::Filling if state_ref.arrived > 0 => {
                    state_ref.waiters.for_each_mut(|slot| {
                        if *slot == Slot::Member {
                            *slot = Slot::Broken;
                        }
                    });
                    state_ref.inside += state_ref.arrived;
                    state_ref.arrived = 0;
                    state_ref.phase = Phase::Resetting;
                }
                Phase::Filling | Phase::Resetting => {}
                Phase::Draining => state_ref.phase = Phase::Resetting,
                Phase::Broken if state_ref.inside > 0 => state_ref.phase = Phase::Resetting,
                Phase::Broken => state_ref.phase = Phase::Filling,
            }
        }
        self.wake_marked(state, WakerPanic::Resume);
    }

    /// A task of a released or broken round left `wait()`; the last one ends the drain.
    fn leave(state: &mut BarrierState) {
        state.inside -= 1;
        if state.inside == 0 && matches!(state.phase, Phase::Draining | Phase::Resetting) {
            state.phase = Phase::Filling;
            // The held arrivals retry when they run (a reset or a new arrival may come first,
            // as in asyncio).
            state.waiters.for_each_mut(|slot| {
                if *slot == Slot::Held {
                    *slot = Slot::Retry;
                }
            });
        }
    }

    /// What a marked waiter's `wait()` returns (or `None`: it arrives again); updates the
    /// counts. The waiter is no longer linked.
    fn resolve(state: &mut BarrierState, slot: Slot) -> Option<WaitOutput> {
        match slot {
            Slot::Released { index } => {
                let result = if state.phase == Phase::Draining {
                    Ok(BarrierWaitResult {
                        index,
                        leader: false,
                    })
                } else {
                    Err(BrokenBarrierError)
                };
                Self::leave(state);
                Some(result)
            }
            Slot::Broken => {
                Self::leave(state);
                Some(Err(BrokenBarrierError))
            }
            Slot::Refused => Some(Err(BrokenBarrierError)),
            Slot::Retry => None,
            Slot::Member | Slot::Held => {
                unreachable!("corio-sync bug: an unmarked barrier waiter was woken")
            }
        }
    }

    /// Acts on the slot a woken or marked waiter was left (it is no longer linked): resumes
    /// with the round's result, or arrives again if it was told to retry.
    fn act_on_slot<'s>(
        &'s self,
        mut state: StateGuard<'s, BarrierState>,
        mut waiter: Pin<&mut Waiter<Slot>>,
        slot: Option<Slot>,
        cx: &mut Context<'_>,
    ) -> Poll<WaitOutput> {
        let slot = slot.expect("corio-sync bug: a woken barrier waiter has no slot");
        if let Some(data) = waiter.as_mut().unlinked_data() {
            // Acted on once: a later drop of this future has nothing left to undo.
            *data = Slot::Refused;
        }
        match Self::resolve(&mut state, slot) {
            Some(result) => {
                self.wake_marked(state, WakerPanic::Contain);
                Poll::Ready(result)
            }
            None => {
                if waiter.status() == Status::Woken {
                    waiter.as_mut().rearm();
                }
                self.arrive(state, waiter, cx)
            }
        }
    }

    /// Arrives at the barrier (the waiter is idle).
    fn arrive<'s>(
        &'s self,
        mut state: StateGuard<'s, BarrierState>,
        mut waiter: Pin<&mut Waiter<Slot>>,
        cx: &mut Context<'_>,
    ) -> Poll<WaitOutput> {
        match state.phase {
            Phase::Broken => {
                self.wake_marked(state, WakerPanic::Contain);
                Poll::Ready(Err(BrokenBarrierError))
            }
            Phase::Draining | Phase::Resetting => {
                *state.waiters.data_mut(waiter.as_ref()) = Slot::Held;
                state.waiters.push_back(waiter.as_mut(), cx.waker());
                drop(state);
                Poll::Pending
            }
            Phase::Filling if state.arrived + 1 < self.parties => {
                state.arrived += 1;
                *state.waiters.data_mut(waiter.as_ref()) = Slot::Member;
                state.waiters.push_back(waiter.as_mut(), cx.waker());
                self.wake_marked(state, WakerPanic::Contain);
                Poll::Pending
            }
            Phase::Filling => {
                // The last party: release the round, in arrival order; this task leads.
                let state_ref = &mut *state;
                let mut index = 0;
                state_ref.waiters.for_each_mut(|slot| {
                    if *slot == Slot::Member {
                        *slot = Slot::Released { index };
                        index += 1;
                    }
                });
                state_ref.inside += index;
                state_ref.arrived = 0;
                if index > 0 {
                    state_ref.phase = Phase::Draining;
                }
                self.wake_marked(state, WakerPanic::Contain);
                Poll::Ready(Ok(BarrierWaitResult {
                    index,
                    leader: true,
                }))
            }
        }
    }

    /// Pops and wakes the marked waiters at the front of the list, a batch at a time.
    fn wake_marked<'s>(&'s self, mut state: StateGuard<'s, BarrierState>, on_panic: WakerPanic) {
        let mut batch = WakeBatch::<32>::new();
        loop {
            while !batch.is_full()
                && state
                    .waiters
                    .front_mut()
                    .is_some_and(|slot| slot.is_marked())
            {
                batch.push(state.waiters.pop_front());
            }
            let more = state
                .waiters
                .front_mut()
                .is_some_and(|slot| slot.is_marked());
            drop(state);
            batch.wake_all();
            if !more {
                break;
            }
            state = lock(&self.state);
        }
        batch.finish(on_panic);
    }
}

impl WaitTarget for Barrier {
    type Data = Slot;
    type Output = WaitOutput;

    fn poll_idle(&self, waiter: Pin<&mut Waiter<Slot>>, cx: &mut Context<'_>) -> Poll<WaitOutput> {
        self.arrive(lock(&self.state), waiter, cx)
    }

    fn poll_woken(
        &self,
        mut waiter: Pin<&mut Waiter<Slot>>,
        cx: &mut Context<'_>,
    ) -> Poll<WaitOutput> {
        let state = lock(&self.state);
        let slot = waiter.as_mut().unlinked_data().copied();
        self.act_on_slot(state, waiter, slot, cx)
    }

    fn update_waker(&self, waiter: Pin<&mut Waiter<Slot>>, waker: &Waker) {
        lock(&self.state).waiters.update_waker(waiter, waker);
    }

    /// A queued waiter may have been marked (its round released or broken, or told to retry)
    /// while still linked, its wake-up on its way: it acts on the mark now.
    fn poll_queued(
        &self,
        mut waiter: Pin<&mut Waiter<Slot>>,
        cx: &mut Context<'_>,
    ) -> Poll<WaitOutput> {
        let mut state = lock(&self.state);
        if waiter.status() == Status::Woken {
            // Unlinked between the future's first look and our lock.
            let slot = waiter.as_mut().unlinked_data().copied();
            return self.act_on_slot(state, waiter, slot, cx);
        }
        let slot = *state.waiters.data_mut(waiter.as_ref());
        if !slot.is_marked() {
            state.waiters.update_waker(waiter.as_mut(), cx.waker());
            return Poll::Pending;
        }
        state.waiters.remove(waiter.as_ref());
        self.act_on_slot(state, waiter, Some(slot), cx)
    }

    fn cancel_wait(&self, waiter: Pin<&mut Waiter<Slot>>) {
        let mut state = lock(&self.state);
        let slot = *state.waiters.data_mut(waiter.as_ref());
        state.waiters.remove(waiter.as_ref());
        match slot {
            // A member that leaves before its round is complete no longer counts.
            Slot::Member => state.arrived -= 1,
            // A released (or broken) task dropped before it resumed has left the barrier: it
            // must not hold up the drain.
            Slot::Released { .. } | Slot::Broken => Self::leave(&mut state),
            Slot::Held | Slot::Refused | Slot::Retry => {}
        }
        self.wake_marked(state, WakerPanic::Contain);
    }
}

/// Shows the phase (`filling`, `draining`, `resetting` or `broken`), the parties and how many
/// tasks wait in the round being filled.
///
/// ```
/// let barrier = corio_sync::Barrier::new(2);
/// assert_eq!(
///     format!("{barrier:?}"),
///     r#"Barrier { phase: "filling", parties: 2, n_waiting: 0 }"#
/// );
/// barrier.abort();
/// assert!(format!("{barrier:?}").contains(r#"phase: "broken""#));
/// ```
impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        let (phase, arrived) = (state.phase, state.arrived);
        drop(state);
        let phase = match phase {
            Phase::Filling => "filling",
            Phase::Draining => "draining",
            Phase::Resetting => "resetting",
            Phase::Broken => "broken",
        };
        f.debug_struct("Barrier")
            .field("phase", &phase)
            .field("parties", &self.parties)
            .field("n_waiting", &if phase == "filling" { arrived } else { 0 })
            .finish()
    }
}
