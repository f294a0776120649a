//! `Barrier`: asyncio's barrier. `n` tasks meet, are released together, and the barrier
//! resets for the next round.
//!
//! Waiters carry the round (generation) they joined; releasing a round wakes exactly the
//! waiters of that round and hands each a distinct index, in arrival order, so tasks that
//! arrive while a round is still leaving belong to the next round.

use crate::state_lock::{lock, StateGuard, StateLock};
use crate::waiters::{Status, WaitFuture, WaitList, WaitTarget, Waiter, WakeBatch};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

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

struct BarrierState {
    generation: u64,
    arrived: usize,
    broken: bool,
    waiters: WaitList<Slot>,
}

/// A waiter's round and, once released, its result.
pub(crate) struct Slot {
    generation: u64,
    result: Result<BarrierWaitResult, BrokenBarrierError>,
}

/// What [`Barrier::wait`] returns to each task of a round.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokenBarrierError;

impl fmt::Display for BrokenBarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the barrier is broken: it was aborted or reset (call reset() to use it again)")
    }
}

impl std::error::Error for BrokenBarrierError {}

/// The error of [`Barrier::try_new`]: a barrier needs at least one party.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZeroPartiesError;

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
            generation: 0,
            arrived: 0,
            broken: false,
            waiters: WaitList::new(),
        };
        Ok(Barrier {
            parties,
            state: StateLock::new(state),
        })
    }

    /// Waits until `parties` tasks are waiting, then releases them all together.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let barrier = corio_sync::Barrier::new(1);
    /// assert!(barrier.wait().await.is_ok());
    /// # });
    /// ```
    pub fn wait(&self) -> impl Future<Output = Result<BarrierWaitResult, BrokenBarrierError>> + '_ {
        WaitFuture::<Barrier>::new(
            self,
            Slot {
                generation: 0,
                result: Err(BrokenBarrierError),
            },
        )
    }

    /// Breaks the barrier: current and later waits fail with [`BrokenBarrierError`] until
    /// [`reset`](Barrier::reset).
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

    /// Returns the barrier to its empty, unbroken state; tasks waiting now fail with
    /// [`BrokenBarrierError`].
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

    /// How many tasks are waiting in the current round.
    ///
    /// ```
    /// assert_eq!(corio_sync::Barrier::new(4).n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> usize {
        lock(&self.state).arrived
    }

    /// True when the barrier is broken.
    ///
    /// ```
    /// assert!(!corio_sync::Barrier::new(4).is_broken());
    /// ```
    pub fn is_broken(&self) -> bool {
        lock(&self.state).broken
    }

    /// Fails the current round's waiters and starts a new round, broken or not.
    fn break_round(&self, broken: bool) {
        let mut state = lock(&self.state);
        state.broken = broken;
        self.release_round(state, |_| Err(BrokenBarrierError));
    }

    /// Wakes every waiter of the current round with `result(arrival index)`, then starts the
    /// next round. Returns the number of waiters released.
    fn release_round<'s>(
        &'s self,
        mut state: StateGuard<'s, BarrierState>,
        result: impl Fn(usize) -> Result<BarrierWaitResult, BrokenBarrierError>,
    ) -> usize {
        let round = state.generation;
        state.generation += 1;
        state.arrived = 0;
        let mut released = 0;
        let mut batch = WakeBatch::<32>::new();
        loop {
            while !batch.is_full() {
                let Some(slot) = state.waiters.front_mut() else {
                    break;
                };
                if slot.generation != round {
                    break;
                }
                slot.result = result(released);
                released += 1;
                batch.push(state.waiters.pop_front());
            }
            let more = state
                .waiters
                .front_mut()
                .is_some_and(|slot| slot.generation == round);
            drop(state);
            batch.wake_all();
            if !more {
                break;
            }
            state = lock(&self.state);
        }
        batch.finish();
        released
    }
}

impl WaitTarget for Barrier {
    type Data = Slot;
    type Output = Result<BarrierWaitResult, BrokenBarrierError>;

    fn poll_wait(
        &self,
        mut waiter: Pin<&mut Waiter<Slot>>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        match waiter.status() {
            Status::Woken => {
                return Poll::Ready(
                    waiter
                        .as_mut()
                        .unlinked_data()
                        .map_or(Err(BrokenBarrierError), |s| s.result),
                )
            }
            Status::Queued => {
                lock(&self.state)
                    .waiters
                    .update_waker(waiter.as_mut(), cx.waker());
                if waiter.status() == Status::Woken {
                    return Poll::Ready(
                        waiter
                            .as_mut()
                            .unlinked_data()
                            .map_or(Err(BrokenBarrierError), |s| s.result),
                    );
                }
                return Poll::Pending;
            }
            Status::Idle => {}
        }
        let mut state = lock(&self.state);
        if state.broken {
            return Poll::Ready(Err(BrokenBarrierError));
        }
        state.arrived += 1;
        if state.arrived == self.parties {
            let released = self.release_round(state, |index| {
                Ok(BarrierWaitResult {
                    index,
                    leader: false,
                })
            });
            return Poll::Ready(Ok(BarrierWaitResult {
                index: released,
                leader: true,
            }));
        }
        let generation = state.generation;
        state.waiters.data_mut(waiter.as_ref()).generation = generation;
        state.waiters.push_back(waiter.as_mut(), cx.waker());
        Poll::Pending
    }

    fn cancel_wait(&self, waiter: Pin<&mut Waiter<Slot>>) {
        let mut state = lock(&self.state);
        // A waiter that leaves before its round is complete no longer counts; one that was
        // already released has nothing to give back.
        if state.waiters.remove(waiter.as_ref()) == Status::Queued {
            state.arrived -= 1;
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("n_waiting", &self.n_waiting())
            .finish()
    }
}
