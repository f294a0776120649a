//! `Event`: asyncio's one-bit broadcast. `set()` wakes every waiter queued at that moment.
//!
//! Each waiter records the event's epoch (how many times it has been set) when it queues;
//! `set()` bumps the epoch and wakes the waiters with an older one. So a waiter that was
//! queued when `set()` ran is woken even if `clear()` runs before it is polled, and a
//! waiter that queues after a `clear()` is not woken by the older `set()`.

use crate::loom::{AtomicBool, Ordering};
use crate::state_lock::{lock, StateGuard, StateLock};
use crate::waiters::{WaitFuture, WaitList, WaitTarget, Waiter, WakeBatch, WakerPanic};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// An event flag tasks can wait for.
///
/// ```
/// use corio_sync::Event;
/// futures::executor::block_on(async {
///     let event = Event::new();
///     assert!(!event.is_set());
///     event.set();
///     event.wait().await; // returns at once: the event is set
///     event.clear();
///     assert!(!event.is_set());
/// });
/// ```
pub struct Event {
    is_set: AtomicBool,
    state: StateLock<EventState>,
}

/// A set whose wake-ups are still to come: the epoch it made (see
/// [`Event::set_deferring_wakes`]).
#[must_use = "the waiters of a set event must be woken with `Event::wake_deferred`"]
pub(crate) struct DeferredWake(u64);

struct EventState {
    /// How many times the event went from clear to set.
    epoch: u64,
    /// Each waiter's data: the epoch when it queued.
    waiters: WaitList<u64>,
}

impl Event {
    /// A new, clear event.
    ///
    /// ```
    /// assert!(!corio_sync::Event::new().is_set());
    /// ```
    pub fn new() -> Self {
        Event {
            is_set: AtomicBool::new(false),
            state: StateLock::new(EventState {
                epoch: 0,
                waiters: WaitList::new(),
            }),
        }
    }

    /// True when the event is set.
    ///
    /// ```
    /// let event = corio_sync::Event::new();
    /// event.set();
    /// assert!(event.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.is_set.load(Ordering::Acquire)
    }

    /// Sets the event and wakes every task waiting for it. Setting a set event does nothing.
    ///
    /// ```
    /// let event = corio_sync::Event::new();
    /// event.set();
    /// event.set();
    /// assert!(event.is_set());
    /// ```
    pub fn set(&self) {
        if self.is_set() {
            return;
        }
        let mut state = lock(&self.state);
        if let Some(set) = self.mark_set(&mut state) {
            self.wake_waiters_of(set, state);
        }
    }

    /// Sets the event but wakes no one yet, for a caller that sets it under a lock of its own
    /// (a queue's `join()` event, kept in step with its count under the queue lock): once that
    /// lock is released, the caller passes the result to [`Event::wake_deferred`], so no waker
    /// runs while the caller's lock is held. `None` if the event was set already.
    pub(crate) fn set_deferring_wakes(&self) -> Option<DeferredWake> {
        if self.is_set() {
            return None;
        }
        self.mark_set(&mut lock(&self.state))
    }

    /// Wakes the tasks that were waiting when [`Event::set_deferring_wakes`] set the event
    /// (even if it has been cleared since, as `set()` would have).
    pub(crate) fn wake_deferred(&self, set: DeferredWake) {
        self.wake_waiters_of(set, lock(&self.state));
    }

    /// Sets the event under its lock; returns the new epoch, or `None` if it was set already.
    fn mark_set(&self, state: &mut EventState) -> Option<DeferredWake> {
        if self.is_set.load(Ordering::Relaxed) {
            return None;
        }
        self.is_set.store(true, Ordering::Release);
        state.epoch += 1;
        Some(DeferredWake(state.epoch))
    }

    /// Wakes every waiter queued before the set that made epoch `set`, a batch at a time.
    fn wake_waiters_of<'s>(&'s self, set: DeferredWake, mut state: StateGuard<'s, EventState>) {
        let DeferredWake(epoch) = set;
        let mut batch = WakeBatch::<32>::new();
        loop {
            while !batch.is_full()
                && state
                    .waiters
                    .front_mut()
                    .is_some_and(|queued_at| *queued_at < epoch)
            {
                batch.push(state.waiters.pop_front());
            }
            let more = state
                .waiters
                .front_mut()
                .is_some_and(|queued_at| *queued_at < epoch);
            drop(state);
            batch.wake_all();
            if !more {
                break;
            }
            state = lock(&self.state);
        }
        batch.finish(WakerPanic::Resume);
    }

    /// Clears the event: later waits block until the next `set()`.
    ///
    /// ```
    /// let event = corio_sync::Event::new();
    /// event.set();
    /// event.clear();
    /// assert!(!event.is_set());
    /// ```
    pub fn clear(&self) {
        let _state = lock(&self.state);
        self.is_set.store(false, Ordering::Release);
    }

    /// Waits until the event is set; returns at once if it is set already.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let event = corio_sync::Event::new();
    /// event.set();
    /// event.wait().await;
    /// # });
    /// ```
    pub fn wait(&self) -> impl Future<Output = ()> + '_ {
        WaitFuture::<Event>::new(self, 0)
    }
}

impl WaitTarget for Event {
    type Data = u64;
    type Output = ();

    fn poll_idle(&self, mut waiter: Pin<&mut Waiter<u64>>, cx: &mut Context<'_>) -> Poll<()> {
        if self.is_set() {
            return Poll::Ready(());
        }
        let mut state = lock(&self.state);
        if self.is_set.load(Ordering::Relaxed) {
            return Poll::Ready(());
        }
        let epoch = state.epoch;
        *state.waiters.data_mut(waiter.as_ref()) = epoch;
        state.waiters.push_back(waiter.as_mut(), cx.waker());
        Poll::Pending
    }

    fn poll_woken(&self, _: Pin<&mut Waiter<u64>>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }

    fn update_waker(&self, waiter: Pin<&mut Waiter<u64>>, waker: &Waker) {
        lock(&self.state).waiters.update_waker(waiter, waker);
    }

    fn cancel_wait(&self, waiter: Pin<&mut Waiter<u64>>) {
        // A woken waiter has nothing to pass on: every other waiter was woken too.
        lock(&self.state).waiters.remove(waiter.as_ref());
    }
}

/// A new, clear event, as [`Event::new`].
///
/// ```
/// let event = corio_sync::Event::default();
/// assert!(!event.is_set());
/// ```
impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

/// Shows whether the event is set.
///
/// ```
/// let event = corio_sync::Event::new();
/// event.set();
/// assert_eq!(format!("{event:?}"), "Event { is_set: true }");
/// ```
impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("is_set", &self.is_set())
            .finish()
    }
}
