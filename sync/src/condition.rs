//! `Condition`: asyncio's condition variable, built on a [`Mutex`].
//!
//! The condition owns its mutex (`Condition::new`), or shares one that other code, or other
//! conditions, use too (`Condition::with_lock` over an `Arc<Mutex<T>>`: asyncio's
//! `Condition(lock)`). Either way `wait` checks that the guard it is given locks this
//! condition's mutex. (One type for both, not a type parameter for how the mutex is held:
//! a trait bound there would stop rustc from proving futures that await `wait` `Send` when
//! `T` holds references.)
//!
//! `wait(guard)` queues the waiter *before* it releases the lock, so a `notify` made by the
//! next lock holder cannot be missed. A waiter that was notified and then dropped (before it
//! got the lock back) passes its wake-up to the next waiter: wake-ups are never lost.

use crate::mutex::{Mutex, MutexGuard};
use crate::state_lock::{lock, StateLock};
use crate::waiters::{Status, WaitFuture, WaitList, WaitTarget, Waiter, WakeBatch, WakerPanic};
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// A condition variable: tasks wait, with the lock released, until another task notifies.
///
/// ```
/// use corio_sync::{Condition, Mutex};
/// use std::sync::Arc;
/// futures::executor::block_on(async {
///     let cond = Arc::new(Condition::new(Mutex::new(false)));
///     let waiter = {
///         let cond = cond.clone();
///         async move {
///             let guard = cond.lock().await;
///             let ready = cond.wait_for(guard, |ready| *ready).await;
///             assert!(*ready);
///         }
///     };
///     let notifier = async {
///         let mut guard = cond.lock().await;
///         *guard = true;
///         cond.notify_all().unwrap();
///     };
///     futures::join!(waiter, notifier);
/// });
/// ```
///
/// The condition owns its mutex ([`Condition::new`]) or shares it ([`Condition::with_lock`]).
pub struct Condition<T> {
    mutex: HeldMutex<T>,
    waiters: StateLock<WaitList<()>>,
}

/// How a condition holds its mutex.
enum HeldMutex<T> {
    Owned(Mutex<T>),
    Shared(Arc<Mutex<T>>),
}

/// The error of [`Condition::notify`] and [`Condition::notify_all`]: the condition's lock is
/// not held (asyncio raises `RuntimeError`).
///
/// ```
/// use corio_sync::{Condition, Mutex, NotifyError};
/// let cond = Condition::new(Mutex::new(0));
/// let err = cond.notify(1).unwrap_err();
/// assert_eq!(err, NotifyError);
/// assert!(err.to_string().contains("hold the Condition's lock"));
/// let _guard = cond.mutex().try_lock().unwrap();
/// assert_eq!(cond.notify(1), Ok(0)); // held: fine (no one was waiting)
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifyError;

/// Says that the condition's lock must be held to notify.
impl fmt::Display for NotifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "cannot notify on an un-acquired lock: hold the Condition's lock while notifying",
        )
    }
}

impl std::error::Error for NotifyError {}

/// Which wait of a `Condition` a `WaitFuture` is: the wait for a notification.
pub(crate) struct Notified;

/// Passes a consumed notification on if `wait` is dropped while re-acquiring the lock.
struct PassOnWakeup<'a, T>(&'a Condition<T>);

impl<T> Drop for PassOnWakeup<'_, T> {
    fn drop(&mut self) {
        self.0.wake(1, WakerPanic::Contain);
    }
}

impl<T> Condition<T> {
    /// A condition whose lock is `mutex`.
    ///
    /// ```
    /// let cond = corio_sync::Condition::new(corio_sync::Mutex::new(0));
    /// assert!(!cond.locked());
    /// ```
    pub fn new(mutex: Mutex<T>) -> Self {
        Self::over(HeldMutex::Owned(mutex))
    }

    /// Consumes the condition, returning the data.
    ///
    /// Panics if the condition shares its mutex ([`Condition::with_lock`]) and other clones
    /// of that `Arc` are still alive: the data is theirs too.
    ///
    /// ```
    /// let cond = corio_sync::Condition::new(corio_sync::Mutex::new(7));
    /// assert_eq!(cond.into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        match self.mutex {
            HeldMutex::Owned(mutex) => mutex.into_inner(),
            HeldMutex::Shared(shared) => Arc::try_unwrap(shared)
                .unwrap_or_else(|_| {
                    panic!(
                        "Condition::into_inner: the condition's mutex is shared \
                         (Condition::with_lock) and other handles to it are alive; \
                         take the data from the mutex instead"
                    )
                })
                .into_inner(),
        }
    }

    /// A condition over a mutex shared with other code, or with other conditions (asyncio's
    /// `Condition(lock=...)`): a task holding the mutex's guard, however it locked it, may
    /// `wait` and `notify` here. Each condition has its own waiters: a notify on one wakes
    /// only the tasks waiting on that one.
    ///
    /// Two conditions on one lock, the classic bounded buffer:
    ///
    /// ```
    /// use corio_sync::{Condition, Mutex};
    /// use std::collections::VecDeque;
    /// use std::sync::Arc;
    ///
    /// futures::executor::block_on(async {
    ///     let buffer = Arc::new(Mutex::new(VecDeque::new()));
    ///     let not_empty = Condition::with_lock(buffer.clone());
    ///     let not_full = Condition::with_lock(buffer.clone());
    ///     let producer = async {
    ///         for i in 0..10 {
    ///             let guard = buffer.lock().await;
    ///             let mut guard = not_full.wait_for(guard, |b| b.len() < 2).await;
    ///             guard.push_back(i);
    ///             not_empty.notify(1).unwrap();
    ///         }
    ///     };
    ///     let consumer = async {
    ///         let mut got = Vec::new();
    ///         while got.len() < 10 {
    ///             let guard = buffer.lock().await;
    ///             let mut guard = not_empty.wait_for(guard, |b| !b.is_empty()).await;
    ///             got.push(guard.pop_front().unwrap());
    ///             not_full.notify(1).unwrap();
    ///         }
    ///         got
    ///     };
    ///     let ((), got) = futures::join!(producer, consumer);
    ///     assert_eq!(got, (0..10).collect::<Vec<_>>());
    /// });
    /// ```
    pub fn with_lock(mutex: Arc<Mutex<T>>) -> Self {
        Self::over(HeldMutex::Shared(mutex))
    }

    fn over(mutex: HeldMutex<T>) -> Self {
        Condition {
            mutex,
            waiters: StateLock::new(WaitList::new()),
        }
    }

    /// Waits for the condition's lock.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let cond = corio_sync::Condition::new(corio_sync::Mutex::new(1));
    /// assert_eq!(*cond.lock().await, 1);
    /// # });
    /// ```
    pub fn lock(&self) -> impl Future<Output = MutexGuard<'_, T>> + '_ {
        self.mutex().lock()
    }

    /// The condition's lock.
    ///
    /// ```
    /// let cond = corio_sync::Condition::new(corio_sync::Mutex::new(1));
    /// assert!(cond.mutex().try_lock().is_ok());
    /// ```
    pub fn mutex(&self) -> &Mutex<T> {
        match &self.mutex {
            HeldMutex::Owned(mutex) => mutex,
            HeldMutex::Shared(shared) => shared,
        }
    }

    /// True while the condition's lock is held (or waited for).
    ///
    /// ```
    /// let cond = corio_sync::Condition::new(corio_sync::Mutex::new(()));
    /// let _g = cond.mutex().try_lock().unwrap();
    /// assert!(cond.locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.mutex().is_locked()
    }

    /// Releases the lock, waits to be notified, then takes the lock back and returns it.
    ///
    /// Panics if `guard` locks another `Mutex` than this condition's.
    ///
    /// ```
    /// # use corio_sync::{Condition, Mutex};
    /// # futures::executor::block_on(async {
    /// let cond = Condition::new(Mutex::new(0));
    /// let waiting = async {
    ///     let guard = cond.lock().await;
    ///     let guard = cond.wait(guard).await;
    ///     assert_eq!(*guard, 1);
    /// };
    /// let notifying = async {
    ///     let mut guard = cond.lock().await;
    ///     *guard = 1;
    ///     cond.notify(1).unwrap();
    /// };
    /// futures::join!(waiting, notifying);
    /// # });
    /// ```
    pub async fn wait<'a>(&'a self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        assert!(
            std::ptr::eq(MutexGuard::mutex(&guard), self.mutex()),
            "Condition::wait: the guard belongs to a different Mutex than this Condition's"
        );
        let mut notified = pin!(WaitFuture::<Self, Notified>::new(self, ()));
        // Queue first (the first poll always queues), then release the lock.
        poll_fn(|cx| {
            let _ = notified.as_mut().poll(cx);
            Poll::Ready(())
        })
        .await;
        drop(guard);
        notified.await;
        let pass_on = PassOnWakeup(self);
        let guard = self.mutex().lock().await;
        std::mem::forget(pass_on);
        guard
    }

    /// Waits until `predicate` holds for the data, re-checking it after every wake-up, and
    /// returns the lock held. Returns at once if it holds already.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let cond = corio_sync::Condition::new(corio_sync::Mutex::new(3));
    /// let guard = cond.lock().await;
    /// let guard = cond.wait_for(guard, |n| *n == 3).await;
    /// assert_eq!(*guard, 3);
    /// # });
    /// ```
    pub async fn wait_for<'a, P>(
        &'a self,
        mut guard: MutexGuard<'a, T>,
        mut predicate: P,
    ) -> MutexGuard<'a, T>
    where
        P: FnMut(&mut T) -> bool,
    {
        while !predicate(&mut guard) {
            guard = self.wait(guard).await;
        }
        guard
    }

    /// Wakes the `n` longest-waiting tasks and returns how many it woke. The lock must be
    /// held (asyncio raises `RuntimeError` otherwise; this returns [`NotifyError`]).
    ///
    /// ```
    /// let cond = corio_sync::Condition::new(corio_sync::Mutex::new(()));
    /// assert!(cond.notify(1).is_err());
    /// let _g = cond.mutex().try_lock().unwrap();
    /// assert_eq!(cond.notify(1), Ok(0));
    /// ```
    pub fn notify(&self, n: usize) -> Result<usize, NotifyError> {
        if !self.locked() {
            return Err(NotifyError);
        }
        Ok(self.wake(n, WakerPanic::Resume))
    }

    /// Wakes every waiting task; the lock must be held.
    ///
    /// ```
    /// let cond = corio_sync::Condition::new(corio_sync::Mutex::new(()));
    /// let _g = cond.mutex().try_lock().unwrap();
    /// assert_eq!(cond.notify_all(), Ok(0));
    /// ```
    pub fn notify_all(&self) -> Result<usize, NotifyError> {
        if !self.locked() {
            return Err(NotifyError);
        }
        let n = lock(&self.waiters).len();
        Ok(self.wake(n, WakerPanic::Resume))
    }

    /// Wakes up to `n` waiters, oldest first, in batches woken outside the list lock.
    fn wake(&self, n: usize, on_panic: WakerPanic) -> usize {
        let mut woken = 0;
        let mut batch = WakeBatch::<32>::new();
        let mut waiters = lock(&self.waiters);
        loop {
            while woken < n && !batch.is_full() && !waiters.is_empty() {
                batch.push(waiters.pop_front());
                woken += 1;
            }
            let more = woken < n && !waiters.is_empty();
            drop(waiters);
            batch.wake_all();
            if !more {
                break;
            }
            waiters = lock(&self.waiters);
        }
        batch.finish(on_panic);
        woken
    }
}

impl<T> WaitTarget<Notified> for Condition<T> {
    type Data = ();
    type Output = ();

    fn poll_idle(&self, waiter: Pin<&mut Waiter<()>>, cx: &mut Context<'_>) -> Poll<()> {
        lock(&self.waiters).push_back(waiter, cx.waker());
        Poll::Pending
    }

    fn poll_woken(&self, _: Pin<&mut Waiter<()>>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }

    fn update_waker(&self, waiter: Pin<&mut Waiter<()>>, waker: &Waker) {
        lock(&self.waiters).update_waker(waiter, waker);
    }

    fn cancel_wait(&self, waiter: Pin<&mut Waiter<()>>) {
        let status = lock(&self.waiters).remove(waiter.as_ref());
        if status == Status::Woken {
            // Notified, but dropped before it could act on it: wake someone else instead.
            self.wake(1, WakerPanic::Contain);
        }
    }
}

/// Shows whether the condition's lock is held (not the data, which needs the lock).
///
/// ```
/// let cond = corio_sync::Condition::new(corio_sync::Mutex::new(5));
/// let _guard = cond.mutex().try_lock().unwrap();
/// assert_eq!(format!("{cond:?}"), "Condition { locked: true, .. }");
/// ```
impl<T> fmt::Debug for Condition<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("locked", &self.locked())
            .finish_non_exhaustive()
    }
}
