//! `Mutex<T>` (data behind a FIFO async lock) and `Lock` (asyncio's data-less lock).
//!
//! Both are a one-permit [`Semaphore`]: FIFO, no barging, a dropped waiter never loses the
//! lock. `Lock` is a `Mutex<()>`. The data cell is this module's only `unsafe`.

use crate::semaphore::Semaphore;
use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};

/// An async mutex: `lock().await` waits, in FIFO order, for exclusive access to the data.
///
/// ```
/// use corio_sync::Mutex;
/// futures::executor::block_on(async {
///     let counter = Mutex::new(0);
///     *counter.lock().await += 1;
///     assert_eq!(counter.into_inner(), 1);
/// });
/// ```
pub struct Mutex<T: ?Sized> {
    semaphore: Semaphore,
    data: UnsafeCell<T>,
}

// SAFETY: the mutex hands out access to `T` to one guard at a time, possibly on another
// thread, so `T: Send` is all it needs to be shared or sent.
/// A mutex may move to another thread when its data may.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: as above: `&Mutex<T>` only gives `&mut T` through the one live guard.
/// Tasks on different threads may share a mutex (in an `Arc`, say) when its data may move
/// between threads: the lock hands the data to one of them at a time.
///
/// ```
/// use std::sync::Arc;
/// let counter = Arc::new(corio_sync::Mutex::new(0));
/// let threads: Vec<_> = (0..4)
///     .map(|_| {
///         let counter = counter.clone();
///         std::thread::spawn(move || {
///             futures::executor::block_on(async { *counter.lock().await += 1 })
///         })
///     })
///     .collect();
/// for thread in threads {
///     thread.join().unwrap();
/// }
/// assert_eq!(*counter.try_lock().unwrap(), 4);
/// ```
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

/// The error of [`Mutex::try_lock`] and [`Lock::try_acquire`]: it is held, or others wait.
///
/// ```
/// use corio_sync::{Mutex, TryLockError};
/// let mutex = Mutex::new(1);
/// let guard = mutex.try_lock().unwrap();
/// let err = mutex.try_lock().unwrap_err();
/// assert_eq!(err, TryLockError);
/// assert!(err.to_string().contains("the lock is held"));
/// drop(guard);
/// assert!(mutex.try_lock().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryLockError;

/// Says that the lock is held, or that earlier waiters are queued for it.
impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("try_lock: the lock is held, or earlier waiters are queued for it")
    }
}

impl std::error::Error for TryLockError {}

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`.
    ///
    /// ```
    /// let m = corio_sync::Mutex::new(vec![1]);
    /// assert!(!m.is_locked());
    /// ```
    pub fn new(value: T) -> Self {
        Mutex {
            semaphore: Semaphore::new(1),
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the mutex, returning the data.
    ///
    /// ```
    /// assert_eq!(corio_sync::Mutex::new(5).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits for the lock, in FIFO order, and returns the guard that releases it on drop.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let m = corio_sync::Mutex::new(String::new());
    /// m.lock().await.push_str("hi");
    /// assert_eq!(*m.lock().await, "hi");
    /// # });
    /// ```
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        // The uncontended case never builds a waiter.
        if !self.semaphore.try_take_only_permit() {
            self.semaphore.wait_for_permits(1, false).await;
        }
        MutexGuard { mutex: self }
    }

    /// Takes the lock if it is free and no one is queued for it.
    ///
    /// ```
    /// let m = corio_sync::Mutex::new(1);
    /// let guard = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_err());
    /// drop(guard);
    /// assert!(m.try_lock().is_ok());
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        if self.semaphore.try_take_only_permit() {
            Ok(MutexGuard { mutex: self })
        } else {
            Err(TryLockError)
        }
    }

    /// The data, through `&mut self`: no locking needed, the borrow proves exclusivity.
    ///
    /// ```
    /// let mut m = corio_sync::Mutex::new(1);
    /// *m.get_mut() = 2;
    /// assert_eq!(m.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// True while a guard is alive or waiters are queued.
    ///
    /// Also true during a hand-off: a release gives the lock straight to the oldest waiter,
    /// which owns it from then on, even before its task has run. asyncio's `Lock.locked()`
    /// says `False` in that window (its lock is only marked taken when the waiter resumes);
    /// corio answers `true` because that is what a caller can act on: the lock cannot be
    /// taken, [`try_lock`](Mutex::try_lock) fails, and `lock()` queues. "Is a task inside the
    /// critical section right now" is not something the lock can tell: track it in the data.
    ///
    /// ```
    /// let m = corio_sync::Mutex::new(());
    /// let _g = m.try_lock().unwrap();
    /// assert!(m.is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        self.semaphore.locked()
    }
}

/// An unlocked mutex holding `T::default()`.
///
/// ```
/// let mutex: corio_sync::Mutex<Vec<u8>> = Default::default();
/// assert!(mutex.try_lock().unwrap().is_empty());
/// ```
impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

/// Shows whether the mutex is locked (not the data, which needs the lock).
///
/// ```
/// let mutex = corio_sync::Mutex::new(5);
/// assert_eq!(format!("{mutex:?}"), "Mutex { locked: false, .. }");
/// let _guard = mutex.try_lock().unwrap();
/// assert_eq!(format!("{mutex:?}"), "Mutex { locked: true, .. }");
/// ```
impl<T: ?Sized> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex")
            .field("locked", &self.is_locked())
            .finish_non_exhaustive()
    }
}

/// Exclusive access to a [`Mutex`]'s data; dropping it releases the lock to the next waiter.
///
/// ```
/// # futures::executor::block_on(async {
/// let m = corio_sync::Mutex::new(1);
/// let mut guard = m.lock().await;
/// *guard += 1;
/// drop(guard);
/// assert_eq!(*m.lock().await, 2);
/// # });
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
}

// SAFETY: a guard gives `&T` to whoever shares it, so sharing it needs `T: Sync`.
/// A guard may be shared between threads when its data may be (it gives `&T` to each).
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// The mutex this guard locks (how `Condition` checks it was given the right guard).
    pub(crate) fn mutex(guard: &Self) -> &'a Mutex<T> {
        guard.mutex
    }
}

/// Reads the data the guard locks.
///
/// ```
/// let mutex = corio_sync::Mutex::new(String::from("hi"));
/// let guard = mutex.try_lock().unwrap();
/// assert_eq!(guard.len(), 2); // a `&String` method, through the guard
/// ```
impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the mutex's only permit, so no `&mut T` exists elsewhere.
        unsafe { &*self.mutex.data.get() }
    }
}

/// Changes the data the guard locks.
///
/// ```
/// let mutex = corio_sync::Mutex::new(vec![1]);
/// mutex.try_lock().unwrap().push(2);
/// assert_eq!(mutex.into_inner(), [1, 2]);
/// ```
impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds the mutex's only permit and we borrow the guard mutably,
        // so this is the only reference to the data.
        unsafe { &mut *self.mutex.data.get() }
    }
}

/// Releases the lock, to the task that has waited longest if any waits (that task then holds
/// it: no one can take it in between).
///
/// ```
/// # futures::executor::block_on(async {
/// use std::future::Future;
/// use std::pin::pin;
/// use std::task::{Context, Poll};
/// let mutex = corio_sync::Mutex::new(0);
/// let guard = mutex.lock().await;
/// let mut waiting = pin!(mutex.lock());
/// let mut cx = Context::from_waker(futures::task::noop_waker_ref());
/// assert!(waiting.as_mut().poll(&mut cx).is_pending());
/// drop(guard); // handed to `waiting`...
/// assert!(mutex.try_lock().is_err()); // ...so no one else can take it
/// assert!(matches!(waiting.as_mut().poll(&mut cx), Poll::Ready(_)));
/// # });
/// ```
impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.semaphore.release_only_permit();
    }
}

/// Shows the data, as the data's own `Debug` does.
///
/// ```
/// let mutex = corio_sync::Mutex::new(vec![1, 2]);
/// let guard = mutex.try_lock().unwrap();
/// assert_eq!(format!("{guard:?}"), "[1, 2]");
/// ```
impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// asyncio's `Lock`: a FIFO async lock that guards no data.
///
/// ```
/// use corio_sync::Lock;
/// futures::executor::block_on(async {
///     let lock = Lock::new();
///     let guard = lock.acquire().await;
///     assert!(lock.locked());
///     drop(guard);
///     assert!(!lock.locked());
/// });
/// ```
#[derive(Debug, Default)]
pub struct Lock {
    mutex: Mutex<()>,
}

impl Lock {
    /// A new, unlocked lock.
    ///
    /// ```
    /// assert!(!corio_sync::Lock::new().locked());
    /// ```
    pub fn new() -> Self {
        Lock {
            mutex: Mutex::new(()),
        }
    }

    /// Waits for the lock, in FIFO order; dropping the guard releases it.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let lock = corio_sync::Lock::new();
    /// let _guard = lock.acquire().await;
    /// assert!(lock.try_acquire().is_err());
    /// # });
    /// ```
    pub fn acquire(&self) -> impl Future<Output = LockGuard<'_>> + '_ {
        let lock = self.mutex.lock();
        async move { LockGuard { _guard: lock.await } }
    }

    /// Takes the lock if it is free and no one is queued for it.
    ///
    /// ```
    /// let lock = corio_sync::Lock::new();
    /// assert!(lock.try_acquire().is_ok());
    /// ```
    pub fn try_acquire(&self) -> Result<LockGuard<'_>, TryLockError> {
        self.mutex
            .try_lock()
            .map(|guard| LockGuard { _guard: guard })
    }

    /// True while the lock is held or waiters are queued, including during a hand-off to a
    /// waiter that has not run yet (asyncio says unlocked there; see [`Mutex::is_locked`] for
    /// why corio does not). `!locked()` means [`try_acquire`](Lock::try_acquire) would
    /// succeed right now.
    ///
    /// ```
    /// let lock = corio_sync::Lock::new();
    /// let _g = lock.try_acquire().unwrap();
    /// assert!(lock.locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.mutex.is_locked()
    }
}

/// Holds a [`Lock`]; dropping it releases the lock to the next waiter.
///
/// ```
/// let lock = corio_sync::Lock::new();
/// drop(lock.try_acquire().unwrap());
/// assert!(!lock.locked());
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
#[derive(Debug)]
pub struct LockGuard<'a> {
    _guard: MutexGuard<'a, ()>,
}
