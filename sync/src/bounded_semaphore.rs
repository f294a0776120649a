//! `BoundedSemaphore`: a [`Semaphore`] that refuses to be released above its initial value.
//!
//! With guards, a release can only go above the start through an explicit
//! [`BoundedSemaphore::release`] of permits that were not forgotten, so the semaphore counts
//! the permits its guards forgot and `release` may give back at most that many.

use crate::loom::{AtomicUsize, Ordering};
use crate::semaphore::{Semaphore, SemaphorePermit, TryAcquireError};
use std::fmt;
use std::future::Future;

/// A semaphore whose count never goes above its initial value (asyncio's
/// `BoundedSemaphore`): permits leave either by guard (given back on drop) or by
/// [`forget`](BoundedSemaphorePermit::forget), and [`release`](BoundedSemaphore::release)
/// gives back forgotten ones, refusing more.
///
/// ```
/// use corio_sync::BoundedSemaphore;
/// futures::executor::block_on(async {
///     let sem = BoundedSemaphore::new(1);
///     sem.acquire().await.forget(); // asyncio style: acquire now, release later
///     assert!(sem.locked());
///     sem.release(1).unwrap();
///     assert!(sem.release(1).is_err()); // would go above 1
/// });
/// ```
pub struct BoundedSemaphore {
    semaphore: Semaphore,
    initial: usize,
    forgotten: AtomicUsize,
}

/// The error of [`BoundedSemaphore::release`]: it would go above the initial value. Its fields
/// say by how much.
///
/// ```
/// use corio_sync::{BoundedSemaphore, ReleaseError};
/// let sem = BoundedSemaphore::new(2);
/// sem.try_acquire().unwrap().forget(); // one permit out, for `release` to give back
/// let err = sem.release(2).unwrap_err();
/// assert_eq!(
///     err,
///     ReleaseError { requested: 2, releasable: 1, initial: 2 }
/// );
/// assert!(err.to_string().contains("above its initial value 2"));
/// assert_eq!(sem.available_permits(), 1, "a refused release changes nothing");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleaseError {
    /// How many permits the caller tried to release.
    pub requested: usize,
    /// How many permits were out (forgotten) and could be released.
    pub releasable: usize,
    /// The semaphore's initial value.
    pub initial: usize,
}

/// Says how many permits were to be released, how many could be, and the bound.
impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BoundedSemaphore released too many times: releasing {} permit(s) would raise it above \
             its initial value {} (only {} are out)",
            self.requested, self.initial, self.releasable
        )
    }
}

impl std::error::Error for ReleaseError {}

impl BoundedSemaphore {
    /// A bounded semaphore holding `permits` permits, which is also its upper bound.
    ///
    /// ```
    /// assert_eq!(corio_sync::BoundedSemaphore::new(2).available_permits(), 2);
    /// ```
    pub fn new(permits: usize) -> Self {
        BoundedSemaphore {
            semaphore: Semaphore::new(permits),
            initial: permits,
            forgotten: AtomicUsize::new(0),
        }
    }

    /// Waits for one permit, in FIFO order.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let sem = corio_sync::BoundedSemaphore::new(1);
    /// let _permit = sem.acquire().await;
    /// assert!(sem.locked());
    /// # });
    /// ```
    pub fn acquire(&self) -> impl Future<Output = BoundedSemaphorePermit<'_>> + '_ {
        self.acquire_many(1)
    }

    /// Waits for `n` permits at once, in FIFO order.
    ///
    /// Panics, when called, if `n` exceeds the initial value: a bounded semaphore never holds
    /// more permits than that, so the wait could never end.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let sem = corio_sync::BoundedSemaphore::new(3);
    /// assert_eq!(sem.acquire_many(2).await.num_permits(), 2);
    /// # });
    /// ```
    pub fn acquire_many(&self, n: usize) -> impl Future<Output = BoundedSemaphorePermit<'_>> + '_ {
        assert!(
            n <= self.initial,
            "BoundedSemaphore::acquire_many({n}): more permits than this semaphore ever holds \
             (its bound is {}), so this wait could never end",
            self.initial
        );
        let acquire = self.semaphore.acquire_many(n);
        async move {
            BoundedSemaphorePermit {
                permit: acquire.await,
                forgotten: &self.forgotten,
            }
        }
    }

    /// Takes one permit if it is free and no one is queued.
    ///
    /// ```
    /// let sem = corio_sync::BoundedSemaphore::new(1);
    /// let _p = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_err());
    /// ```
    pub fn try_acquire(&self) -> Result<BoundedSemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and no one is queued.
    ///
    /// ```
    /// let sem = corio_sync::BoundedSemaphore::new(2);
    /// assert!(sem.try_acquire_many(2).is_ok());
    /// ```
    pub fn try_acquire_many(
        &self,
        n: usize,
    ) -> Result<BoundedSemaphorePermit<'_>, TryAcquireError> {
        let permit = self.semaphore.try_acquire_many(n)?;
        Ok(BoundedSemaphorePermit {
            permit,
            forgotten: &self.forgotten,
        })
    }

    /// Gives back `n` permits that guards [forgot](BoundedSemaphorePermit::forget); refuses,
    /// changing nothing, if that would take the semaphore above its initial value.
    ///
    /// ```
    /// let sem = corio_sync::BoundedSemaphore::new(1);
    /// let err = sem.release(1).unwrap_err();
    /// assert!(err.to_string().contains("above its initial value 1"));
    /// ```
    pub fn release(&self, n: usize) -> Result<(), ReleaseError> {
        let mut out = self.forgotten.load(Ordering::Relaxed);
        loop {
            if n > out {
                return Err(ReleaseError {
                    requested: n,
                    releasable: out,
                    initial: self.initial,
                });
            }
            match self.forgotten.compare_exchange_weak(
                out,
                out - n,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => out = actual,
            }
        }
        self.semaphore.add_permits(n);
        Ok(())
    }

    /// The permits free right now.
    ///
    /// ```
    /// assert_eq!(corio_sync::BoundedSemaphore::new(4).available_permits(), 4);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.semaphore.available_permits()
    }

    /// The initial value, which is also the bound.
    ///
    /// ```
    /// assert_eq!(corio_sync::BoundedSemaphore::new(4).initial_permits(), 4);
    /// ```
    pub fn initial_permits(&self) -> usize {
        self.initial
    }

    /// True when an `acquire` would have to wait.
    ///
    /// ```
    /// assert!(corio_sync::BoundedSemaphore::new(0).locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.semaphore.locked()
    }
}

/// Shows the free permits and the initial value (the bound).
///
/// ```
/// let sem = corio_sync::BoundedSemaphore::new(2);
/// let _permit = sem.try_acquire().unwrap();
/// assert_eq!(
///     format!("{sem:?}"),
///     "BoundedSemaphore { available_permits: 1, initial: 2 }"
/// );
/// ```
impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("available_permits", &self.available_permits())
            .field("initial", &self.initial)
            .finish()
    }
}

/// Permits of a [`BoundedSemaphore`]; dropping it gives them back.
///
/// ```
/// let sem = corio_sync::BoundedSemaphore::new(1);
/// drop(sem.try_acquire().unwrap());
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "the permit is given back as soon as it is dropped"]
#[derive(Debug)]
pub struct BoundedSemaphorePermit<'a> {
    permit: SemaphorePermit<'a>,
    forgotten: &'a AtomicUsize,
}

impl BoundedSemaphorePermit<'_> {
    /// How many permits this guard holds.
    ///
    /// ```
    /// let sem = corio_sync::BoundedSemaphore::new(2);
    /// assert_eq!(sem.try_acquire().unwrap().num_permits(), 1);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permit.num_permits()
    }

    /// Keeps the permits out; [`BoundedSemaphore::release`] may give them back later.
    ///
    /// ```
    /// let sem = corio_sync::BoundedSemaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// sem.release(1).unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn forget(self) {
        self.forgotten
            .fetch_add(self.permit.num_permits(), Ordering::Relaxed);
        self.permit.forget();
    }
}
