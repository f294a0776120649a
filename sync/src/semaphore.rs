//! `Semaphore`: a FIFO counting semaphore, and the engine behind `Mutex`, `Lock` and
//! `BoundedSemaphore`.
//!
//! One atomic word holds the free permits and a `BLOCKED` bit. The wait list sits behind the
//! state lock together with the number of outstanding *grants*: a grant is a waiter that was
//! handed its permits and woken but has not returned from its `acquire` yet. Like asyncio, a
//! new `acquire` queues behind it even if permits are free, so it never runs before a task
//! that was served earlier.
//!
//! Invariants, all kept by the lock holder:
//! - `BLOCKED` is set exactly while waiters are queued or grants are outstanding. So the
//!   lock-free fast paths (acquire when permits are free and nothing blocks, release when
//!   nothing blocks) never barge, and everything else happens under the lock.
//! - While `BLOCKED` is set only the lock holder writes the word (every lock-free write is a
//!   compare-exchange from a word with `BLOCKED` clear, which then fails): under the lock a
//!   word read with `BLOCKED` set is stable, and is updated with a plain store.
//! - While waiters are queued and no grant is outstanding the free count is zero (a release
//!   hands permits to the queued waiters first, the head collecting until it has all it asked
//!   for). Permits can be free behind queued waiters only while grants are out: each grant
//!   that returns hands such permits on ("settles"), so none is stranded.
//!
//! A grant is counted under the lock the release already holds, and ends under the lock when
//! its waiter returns (or is dropped): one lock round trip, where counting it in the atomic
//! word cost two read-modify-writes on top of the release's lock.
//!
//! A `Mutex` waiter takes no part in grant counting: a mutex has one permit, which its granted
//! waiter holds, so no one can barge past that waiter anyway, and its hand-off stays as cheap
//! as before.

use crate::loom::{AtomicUsize, Ordering};
use crate::state_lock::{lock, StateGuard, StateLock};
use crate::waiters::{Status, WaitFuture, WaitList, WaitTarget, Waiter, WakeBatch, WakerPanic};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// Set while waiters are queued or grants are outstanding: the fast paths must not run.
const BLOCKED: usize = 1;
/// The free permits sit above `BLOCKED`.
const SHIFT: u32 = 1;

/// A semaphore: a count of permits, handed out in FIFO order.
///
/// Like asyncio's `Semaphore`, with Rust's ownership: `acquire().await` returns a
/// [`SemaphorePermit`] that gives the permit back when dropped. A large
/// [`acquire_many`](Semaphore::acquire_many) at the head of the queue blocks the smaller
/// requests behind it (no barging), and a waiter that is dropped never loses a permit.
///
/// ```
/// use corio_sync::Semaphore;
/// futures::executor::block_on(async {
///     let sem = Semaphore::new(2);
///     let a = sem.acquire().await;
///     let _b = sem.acquire().await;
///     assert!(sem.locked());
///     drop(a);
///     assert_eq!(sem.available_permits(), 1);
/// });
/// ```
pub struct Semaphore {
    state: AtomicUsize,
    queue: StateLock<Queue>,
}

/// What the state lock guards: the waiters, and the grants not yet returned (see the module
/// docs).
struct Queue {
    waiters: WaitList<Need>,
    grants: usize,
}

impl Queue {
    /// Whether `BLOCKED` must be set.
    fn blocks(&self) -> bool {
        !self.waiters.is_empty() || self.grants > 0
    }
}

/// A waiter's request: how many permits it wants, how many it still needs, and whether its
/// grant holds up new acquirers until it returns (see the module docs).
pub(crate) struct Need {
    wanted: usize,
    remaining: usize,
    counted: bool,
}

/// The error of [`Semaphore::try_acquire`] and friends (and of [`BoundedSemaphore`]'s): the
/// permits are not free now, or earlier waiters are queued for them.
///
/// [`BoundedSemaphore`]: crate::BoundedSemaphore
///
/// ```
/// use corio_sync::{Semaphore, TryAcquireError};
/// let sem = Semaphore::new(1);
/// assert_eq!(sem.try_acquire_many(2).unwrap_err(), TryAcquireError);
/// let err: Box<dyn std::error::Error> = Box::new(TryAcquireError);
/// assert!(err.to_string().contains("not enough free permits"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TryAcquireError;

/// Says that the permits are not free, or that earlier waiters are queued for them.
impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("try_acquire: not enough free permits, or earlier waiters are queued")
    }
}

impl std::error::Error for TryAcquireError {}

impl Semaphore {
    /// The most permits a semaphore can hold: `usize::MAX >> 17` on 64-bit targets
    /// (`usize::MAX >> 9` on narrower ones). [`Semaphore::new`] and
    /// [`Semaphore::add_permits`] panic rather than go above it.
    ///
    /// ```
    /// use corio_sync::Semaphore;
    /// let sem = Semaphore::new(Semaphore::MAX_PERMITS);
    /// assert_eq!(sem.available_permits(), Semaphore::MAX_PERMITS);
    /// assert!(std::panic::catch_unwind(|| Semaphore::new(Semaphore::MAX_PERMITS + 1)).is_err());
    /// ```
    // The state word needs only its low bit now (the grant count it used to hold left room
    // for this bound), but a published bound stays put.
    pub const MAX_PERMITS: usize = usize::MAX >> if usize::BITS >= 64 { 17 } else { 9 };

    /// A semaphore holding `permits` permits.
    ///
    /// Panics if `permits` exceeds [`Semaphore::MAX_PERMITS`].
    ///
    /// ```
    /// let sem = corio_sync::Semaphore::new(3);
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    pub fn new(permits: usize) -> Self {
        assert!(
            permits <= Self::MAX_PERMITS,
            "Semaphore::new: {permits} permits exceed Semaphore::MAX_PERMITS"
        );
        Semaphore {
            state: AtomicUsize::new(permits << SHIFT),
            queue: StateLock::new(Queue {
                waiters: WaitList::new(),
                grants: 0,
            }),
        }
    }

    /// Waits for one permit, in FIFO order.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let sem = corio_sync::Semaphore::new(1);
    /// let permit = sem.acquire().await;
    /// assert_eq!(sem.available_permits(), 0);
    /// drop(permit);
    /// assert_eq!(sem.available_permits(), 1);
    /// # });
    /// ```
    pub fn acquire(&self) -> impl Future<Output = SemaphorePermit<'_>> + '_ {
        self.acquire_many(1)
    }

    /// Waits for `n` permits at once, in FIFO order: while it waits at the head of the queue,
    /// smaller requests behind it wait too. `n = 0` is granted at once.
    ///
    /// Like asyncio, a new request also waits behind earlier waiters that were already
    /// handed their permits but have not resumed yet, even if permits are free: it never
    /// runs before a task that was served earlier. (So a granted future that its owner keeps
    /// but never polls again holds up later requests until it is polled or dropped, as a
    /// granted `Mutex` waiter holds the lock.)
    ///
    /// Panics, when called, if `n` exceeds [`Semaphore::MAX_PERMITS`]: no semaphore can ever
    /// hold that many, so the wait could never end. (Below that bound a request larger than
    /// the semaphore's current total is legal: [`add_permits`](Semaphore::add_permits) may
    /// still satisfy it.)
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let sem = corio_sync::Semaphore::new(5);
    /// let permits = sem.acquire_many(3).await;
    /// assert_eq!(permits.num_permits(), 3);
    /// assert_eq!(sem.available_permits(), 2);
    /// # });
    /// ```
    pub fn acquire_many(&self, n: usize) -> impl Future<Output = SemaphorePermit<'_>> + '_ {
        check_request(n, "Semaphore::acquire_many");
        async move {
            // A free permit with no one queued never builds a waiter.
            if !self.try_take(n) {
                self.wait_for_permits(n, true).await;
            }
            SemaphorePermit {
                semaphore: self,
                permits: n,
            }
        }
    }

    /// Like [`acquire`](Semaphore::acquire), for a semaphore in an `Arc`: the permit owns a
    /// clone of the `Arc`, so it can move into a spawned task.
    ///
    /// ```
    /// use std::sync::Arc;
    /// # futures::executor::block_on(async {
    /// let sem = Arc::new(corio_sync::Semaphore::new(1));
    /// let permit = sem.clone().acquire_owned().await;
    /// std::thread::spawn(move || drop(permit)).join().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// # });
    /// ```
    pub fn acquire_owned(self: Arc<Self>) -> impl Future<Output = OwnedSemaphorePermit> {
        self.acquire_many_owned(1)
    }

    /// Like [`acquire_many`](Semaphore::acquire_many), returning an owned permit; panics
    /// the same way on a request above [`Semaphore::MAX_PERMITS`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// # futures::executor::block_on(async {
    /// let sem = Arc::new(corio_sync::Semaphore::new(4));
    /// let permits = sem.clone().acquire_many_owned(4).await;
    /// assert!(sem.locked());
    /// drop(permits);
    /// assert_eq!(sem.available_permits(), 4);
    /// # });
    /// ```
    pub fn acquire_many_owned(
        self: Arc<Self>,
        n: usize,
    ) -> impl Future<Output = OwnedSemaphorePermit> {
        check_request(n, "Semaphore::acquire_many_owned");
        async move {
            if !self.try_take(n) {
                self.wait_for_permits(n, true).await;
            }
            OwnedSemaphorePermit {
                semaphore: self,
                permits: n,
            }
        }
    }

    /// Takes one permit if it is free and no one is queued.
    ///
    /// ```
    /// let sem = corio_sync::Semaphore::new(1);
    /// let permit = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_err());
    /// drop(permit);
    /// assert!(sem.try_acquire().is_ok());
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and no one is queued (or granted and not yet
    /// resumed).
    ///
    /// ```
    /// let sem = corio_sync::Semaphore::new(2);
    /// assert!(sem.try_acquire_many(3).is_err());
    /// assert_eq!(sem.try_acquire_many(2).unwrap().num_permits(), 2);
    /// ```
    pub fn try_acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        if self.try_take(n) {
            Ok(SemaphorePermit {
                semaphore: self,
                permits: n,
            })
        } else {
            Err(TryAcquireError)
        }
    }

    /// The permits free right now (permits being collected by a queued waiter are not free).
    ///
    /// ```
    /// let sem = corio_sync::Semaphore::new(2);
    /// let _p = sem.try_acquire().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.state.load(Ordering::Acquire) >> SHIFT
    }

    /// Adds `n` permits, handing them to queued waiters first.
    ///
    /// Panics if the total would exceed [`Semaphore::MAX_PERMITS`].
    ///
    /// ```
    /// let sem = corio_sync::Semaphore::new(0);
    /// sem.add_permits(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn add_permits(&self, n: usize) {
        self.release(n);
    }

    /// True when an `acquire` would have to wait: no permit is free, or waiters are queued,
    /// or were handed permits and have not resumed yet (asyncio's `Semaphore.locked()`).
    ///
    /// ```
    /// let sem = corio_sync::Semaphore::new(1);
    /// assert!(!sem.locked());
    /// let _p = sem.try_acquire().unwrap();
    /// assert!(sem.locked());
    /// ```
    pub fn locked(&self) -> bool {
        let state = self.state.load(Ordering::Acquire);
        state >> SHIFT == 0 || state & BLOCKED != 0
    }

    /// The wait for `n` permits, without the permit guard (used by `Mutex` too, with
    /// `counted: false`: see the module docs).
    pub(crate) fn wait_for_permits(&self, n: usize, counted: bool) -> WaitFuture<'_, Semaphore> {
        WaitFuture::new(
            self,
            Need {
                wanted: n,
                remaining: n,
                counted,
            },
        )
    }

    /// Takes `n` free permits without waiting, if no one is queued or granted.
    pub(crate) fn try_take(&self, n: usize) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & BLOCKED != 0 || state >> SHIFT < n {
                return false;
            }
            match self.state.compare_exchange_weak(
                state,
                state - (n << SHIFT),
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => state = actual,
            }
        }
    }

    /// `try_take(1)` for a one-permit semaphore (a `Mutex`), whose only free state is "one
    /// permit, no waiters": a single compare-exchange.
    /// A plain load first: when the lock is held (the contended case) a compare-exchange
    /// would fail anyway, and a failed one costs as much as a successful one.
    pub(crate) fn try_take_only_permit(&self) -> bool {
        self.state.load(Ordering::Relaxed) == 1 << SHIFT
            && self
                .state
                .compare_exchange(1 << SHIFT, 0, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
    }

    /// `release(1)` for a one-permit semaphore: one compare-exchange when no one waits,
    /// straight to the wait list (no doomed compare-exchange) when someone does.
    pub(crate) fn release_only_permit(&self) {
        let state = self.state.load(Ordering::Relaxed);
        if state & BLOCKED != 0 {
            self.release_locked(lock(&self.queue), 1, WakerPanic::Resume);
        } else if self
            .state
            .compare_exchange(0, 1 << SHIFT, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            self.release(1);
        }
    }

    /// Gives `n` permits back: to queued waiters first, the rest become free.
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut state = self.state.load(Ordering::Relaxed);
        while state & BLOCKED == 0 {
            let new = Self::add_to(state, n);
            match self
                .state
                .compare_exchange_weak(state, new, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(actual) => state = actual,
            }
        }
        self.release_locked(lock(&self.queue), n, WakerPanic::Resume);
    }

    /// `state` with `n` more free permits.
    fn add_to(state: usize, n: usize) -> usize {
        (Self::total(state >> SHIFT, n) << SHIFT) | (state & BLOCKED)
    }

    /// A counted grant has ended (its waiter returned): uncount it, and settle if that
    /// changes anything (permits left free behind queued waiters, or `BLOCKED` to clear).
    fn end_grant(&self) {
        let mut queue = lock(&self.queue);
        queue.grants -= 1;
        let settle = if queue.waiters.is_empty() {
            queue.grants == 0
        } else {
            self.state.load(Ordering::Relaxed) >> SHIFT > 0
        };
        if settle {
            self.release_locked(queue, 0, WakerPanic::Contain);
        }
    }

    /// Hands `n` permits (plus any left free behind the queue) to the queued waiters in order,
    /// frees the rest, and keeps `BLOCKED` in step with the queue. Wakes outside the lock, in
    /// batches.
    fn release_locked<'s>(
        &'s self,
        mut queue: StateGuard<'s, Queue>,
        mut n: usize,
        on_panic: WakerPanic,
    ) {
        let mut batch = WakeBatch::<4>::new();
        loop {
            let state = self.state.load(Ordering::Acquire);
            if !queue.waiters.is_empty() && state >> SHIFT > 0 {
                // Permits left free behind grants: hand them out too. Waiters are queued, so
                // `BLOCKED` is set and the word is ours alone to write.
                n = Self::total(state >> SHIFT, n);
                self.state.store(BLOCKED, Ordering::Relaxed);
            }
            n = Self::grant(&mut queue, n, &mut batch);
            if n == 0 || queue.waiters.is_empty() {
                break;
            }
            // The batch is full and permits are left: wake these, then carry on (the permits
            // in hand are nobody's until then).
            drop(queue);
            batch.wake_all();
            queue = lock(&self.queue);
        }
        self.publish(&queue, n);
        drop(queue);
        // Nearly every call wakes someone here: inline.
        batch.wake_all_inline();
        batch.finish(on_panic);
    }

    /// Hands `n` permits to the waiters at the front, in order, until the batch is full;
    /// returns what is left. Counts the grants before the lock is released, so before any
    /// granted waiter can end its grant (that takes the lock).
    fn grant(queue: &mut Queue, mut n: usize, batch: &mut WakeBatch<4>) -> usize {
        while n > 0 && !batch.is_full() {
            let Some(head) = queue.waiters.front_mut() else {
                break;
            };
            let take = n.min(head.remaining);
            head.remaining -= take;
            n -= take;
            if head.remaining == 0 {
                let counted = head.counted;
                queue.grants += usize::from(counted);
                batch.push(queue.waiters.pop_front());
            }
        }
        n
    }

    /// Frees `n` permits and sets `BLOCKED` as `queue` says, under its lock.
    fn publish(&self, queue: &Queue, n: usize) {
        let blocked = if queue.blocks() { BLOCKED } else { 0 };
        let mut state = self.state.load(Ordering::Relaxed);
        if state & BLOCKED != 0 {
            // No one else writes the word now: a store, and only if something changed.
            let new = (Self::total(state >> SHIFT, n) << SHIFT) | blocked;
            if new != state {
                self.state.store(new, Ordering::Release);
            }
            return;
        }
        // Nothing blocked: lock-free releasers and acquirers race with us (none can set
        // `BLOCKED`, that takes the lock we hold).
        loop {
            let new = (Self::total(state >> SHIFT, n) << SHIFT) | blocked;
            match self
                .state
                .compare_exchange_weak(state, new, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(actual) => state = actual,
            }
        }
    }

    /// `free + n`, refusing to go above [`Semaphore::MAX_PERMITS`].
    fn total(free: usize, n: usize) -> usize {
        free.checked_add(n)
            .filter(|&t| t <= Self::MAX_PERMITS)
            .unwrap_or_else(|| {
                panic!("Semaphore: adding {n} permits would exceed Semaphore::MAX_PERMITS")
            })
    }
}

/// Refuses a request no semaphore could ever satisfy (see [`Semaphore::acquire_many`]).
fn check_request(n: usize, what: &str) {
    assert!(
        n <= Semaphore::MAX_PERMITS,
        "{what}({n}): more permits than any semaphore can hold (Semaphore::MAX_PERMITS is {}), \
         so this wait could never end",
        Semaphore::MAX_PERMITS
    );
}

impl WaitTarget for Semaphore {
    type Data = Need;
    type Output = ();

    // Inline into `WaitFuture::poll`, its only caller: the call cost every acquire that
    // queues ~27 instructions.
    #[inline]
    fn poll_idle(&self, mut waiter: Pin<&mut Waiter<Need>>, cx: &mut Context<'_>) -> Poll<()> {
        let wanted = waiter
            .as_mut()
            .unlinked_data()
            .map_or(0, |need| need.wanted);
        if wanted == 0 || self.try_take(wanted) {
            return Poll::Ready(());
        }
        let mut queue = lock(&self.queue);
        let mut state = self.state.load(Ordering::Acquire);
        let collected = loop {
            if state & BLOCKED != 0 {
                // Queue behind the waiters and grants; permits free now are handed on when a
                // grant returns. The word is stable under our lock: nothing to write.
                break 0;
            }
            // Nothing blocks: take what we want, or collect what is free and queue.
            let free = state >> SHIFT;
            let (new, collected) = if free >= wanted {
                (state - (wanted << SHIFT), wanted)
            } else {
                (BLOCKED, free)
            };
            match self
                .state
                .compare_exchange_weak(state, new, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) if collected == wanted => return Poll::Ready(()),
                Ok(_) => break collected,
                Err(actual) => state = actual,
            }
        };
        queue.waiters.data_mut(waiter.as_ref()).remaining = wanted - collected;
        queue.waiters.push_back(waiter.as_mut(), cx.waker());
        Poll::Pending
    }

    fn poll_woken(&self, waiter: Pin<&mut Waiter<Need>>, _: &mut Context<'_>) -> Poll<()> {
        self.granted(waiter)
    }

    fn update_waker(&self, waiter: Pin<&mut Waiter<Need>>, waker: &Waker) {
        lock(&self.queue).waiters.update_waker(waiter, waker);
    }

    fn cancel_wait(&self, waiter: Pin<&mut Waiter<Need>>) {
        let mut queue = lock(&self.queue);
        let need = queue.waiters.data_mut(waiter.as_ref());
        let (wanted, remaining, counted) = (need.wanted, need.remaining, need.counted);
        match queue.waiters.remove(waiter.as_ref()) {
            // Give back what it collected (and clear `BLOCKED` if it was all that blocked).
            Status::Queued => self.release_locked(queue, wanted - remaining, WakerPanic::Contain),
            // It was granted everything but never returned: end its grant, pass the permits on.
            Status::Woken => {
                queue.grants -= usize::from(counted);
                self.release_locked(queue, wanted, WakerPanic::Contain);
            }
            Status::Idle => {}
        }
    }
}

impl Semaphore {
    /// A waiter found itself granted: it returns now, ending its grant if it was counted.
    fn granted(&self, mut waiter: Pin<&mut Waiter<Need>>) -> Poll<()> {
        let need = waiter.as_mut().unlinked_data();
        if let Some(need) = need.filter(|need| need.counted) {
            // Ended once: a later drop of this future must not end it again.
            need.counted = false;
            self.end_grant();
        }
        Poll::Ready(())
    }
}

/// Shows the free permits.
///
/// ```
/// let sem = corio_sync::Semaphore::new(3);
/// let _permit = sem.try_acquire().unwrap();
/// assert_eq!(format!("{sem:?}"), "Semaphore { available_permits: 2 }");
/// ```
impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available_permits", &self.available_permits())
            .finish()
    }
}

/// Permits borrowed from a [`Semaphore`]; dropping it gives them back.
///
/// ```
/// # futures::executor::block_on(async {
/// let sem = corio_sync::Semaphore::new(1);
/// {
///     let _permit = sem.acquire().await;
///     assert_eq!(sem.available_permits(), 0);
/// }
/// assert_eq!(sem.available_permits(), 1);
/// # });
/// ```
#[must_use = "the permit is given back as soon as it is dropped"]
pub struct SemaphorePermit<'a> {
    semaphore: &'a Semaphore,
    permits: usize,
}

impl SemaphorePermit<'_> {
    /// How many permits this guard holds.
    ///
    /// ```
    /// let sem = corio_sync::Semaphore::new(3);
    /// assert_eq!(sem.try_acquire_many(2).unwrap().num_permits(), 2);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// Keeps the permits out of the semaphore for good: they are not given back.
    ///
    /// ```
    /// let sem = corio_sync::Semaphore::new(2);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }
}

/// Gives the permits back, to the tasks that have waited longest first.
///
/// ```
/// let sem = corio_sync::Semaphore::new(2);
/// let permit = sem.try_acquire_many(2).unwrap();
/// assert_eq!(sem.available_permits(), 0);
/// drop(permit);
/// assert_eq!(sem.available_permits(), 2);
/// ```
impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.semaphore.release(self.permits);
    }
}

/// Shows how many permits the guard holds.
///
/// ```
/// let sem = corio_sync::Semaphore::new(2);
/// let permit = sem.try_acquire_many(2).unwrap();
/// assert_eq!(format!("{permit:?}"), "SemaphorePermit { permits: 2 }");
/// ```
impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

/// Permits of a [`Semaphore`] held through an `Arc`, so they can move into spawned tasks;
/// dropping it gives them back.
///
/// ```
/// use std::sync::Arc;
/// let sem = Arc::new(corio_sync::Semaphore::new(1));
/// let permit = futures::executor::block_on(sem.clone().acquire_owned());
/// assert_eq!(permit.num_permits(), 1);
/// ```
#[must_use = "the permit is given back as soon as it is dropped"]
pub struct OwnedSemaphorePermit {
    semaphore: Arc<Semaphore>,
    permits: usize,
}

impl OwnedSemaphorePermit {
    /// How many permits this guard holds.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(corio_sync::Semaphore::new(3));
    /// let permits = futures::executor::block_on(sem.acquire_many_owned(3));
    /// assert_eq!(permits.num_permits(), 3);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// Keeps the permits out of the semaphore for good.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(corio_sync::Semaphore::new(1));
    /// futures::executor::block_on(sem.clone().acquire_owned()).forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }
}

/// Gives the permits back, to the tasks that have waited longest first, from whichever thread
/// drops it.
///
/// ```
/// use std::sync::Arc;
/// # futures::executor::block_on(async {
/// let sem = Arc::new(corio_sync::Semaphore::new(1));
/// let permit = sem.clone().acquire_owned().await;
/// assert_eq!(sem.available_permits(), 0);
/// std::thread::spawn(move || drop(permit)).join().unwrap();
/// assert_eq!(sem.available_permits(), 1);
/// # });
/// ```
impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.semaphore.release(self.permits);
    }
}

/// Shows how many permits the guard holds.
///
/// ```
/// use std::sync::Arc;
/// # futures::executor::block_on(async {
/// let sem = Arc::new(corio_sync::Semaphore::new(2));
/// let permit = sem.acquire_many_owned(2).await;
/// assert_eq!(format!("{permit:?}"), "OwnedSemaphorePermit { permits: 2 }");
/// # });
/// ```
impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}
