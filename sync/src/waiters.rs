//! The intrusive FIFO wait list every primitive queues its waiters on.
//!
//! A [`Waiter`] is a node that lives inside the pinned future that waits, so waiting
//! allocates nothing. A [`WaitList`] links those nodes in FIFO order. The list always lives
//! inside a primitive's state lock, and every method that touches a node takes `&mut WaitList`:
//! holding the lock is what makes touching a linked node sound.
//!
//! A waiter's life: `Idle` (not linked) -> `Queued` (linked, owns a waker) -> `Woken` (unlinked
//! by whoever granted it, never touched by the list again) or back to `Idle` (removed by its
//! own future when it is dropped). The `Woken` store is the list's last touch of the node, with
//! `Release`; the future reads it with `Acquire` and may then read the node without the lock.
//!
//! [`WaitFuture`] is the one future type that owns a waiter: primitives describe what waiting
//! means by implementing [`WaitTarget`], and all pin projection lives here. A queued waiter
//! re-polled by the task its queued waker already wakes returns `Pending` without the lock
//! (the future keeps a copy of that waker's identity, see `Waiter::queued_with`).
//!
//! This module holds all of the crate's `unsafe` except the `Mutex` data cell and the
//! `StateLock` cell.
//!
//! # The invariants every primitive keeps, on this list
//!
//! - Waiters are served in FIFO order: a new request never barges past queued waiters, nor
//!   (as in asyncio) past waiters that were granted but have not resumed yet.
//! - A wait's effect happens when its future returns `Ready` (a queue's put inserts then, a
//!   barrier's result is fixed then). Cancelling (dropping) a waiting future never loses a
//!   wake-up, a permit or an item: a waiter that was already granted what it waited for
//!   passes the grant on ([`WaitTarget::cancel_wait`]).
//! - A waker that panics never costs other waiters their wake-ups, nor leaves a lock held or
//!   a count wrong: every batch is woken in full first ([`WakeBatch`]). Calls whose effect is
//!   complete (`set`, `notify`, `add_permits`, releases, `shutdown`, `abort`, `reset`) then
//!   pass the panic on; waits being polled or dropped contain it, so they keep what they were
//!   handed ([`WakerPanic`]).
//! - Waiting allocates nothing: a waiter's node lives inside its pinned future.
//! - Each primitive's state, this list included, sits behind a `StateLock`, a lock that never
//!   parks: every critical section is a few pointer updates, and no task is woken while it is
//!   held (see `state_lock`).

use crate::loom::unmodelled::{AtomicU32 as ListId, AtomicUsize};
use crate::loom::{AtomicU8, Ordering};
use std::cell::UnsafeCell;
use std::future::Future;
use std::marker::{PhantomData, PhantomPinned};
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

const IDLE: u8 = 0;
const QUEUED: u8 = 1;
const WOKEN: u8 = 2;

/// Where a waiter is in its life (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// Not linked into any list.
    Idle,
    /// Linked into a list, waiting.
    Queued,
    /// Unlinked by the list's owner: granted or notified.
    Woken,
}

fn status_from(raw: u8) -> Status {
    match raw {
        IDLE => Status::Idle,
        QUEUED => Status::Queued,
        _ => Status::Woken,
    }
}

type Link<T> = Option<NonNull<Waiter<T>>>;

/// A bitwise copy of the waker a queued waiter's node holds, kept by the waiter's own future
/// so that a re-poll can tell, without taking the list lock, that the node's waker already
/// wakes the polling task (see `WaitFuture::poll`).
///
/// It is never woken, cloned or dropped (hence `ManuallyDrop`): it is only ever the receiver
/// of `Waker::will_wake`, which compares the two pointers and dereferences neither, so it
/// stays harmless even after the waker it copies has been woken and freed.
struct WakerId(ManuallyDrop<Waker>);

impl WakerId {
    fn of(waker: &Waker) -> Self {
        // SAFETY: a bitwise copy of a `Waker` is two pointers; wrapped in `ManuallyDrop` it
        // is never dropped, so the original's ownership (its reference count) is unaffected,
        // and the copy is only used as `will_wake`'s receiver (see the type's docs).
        WakerId(ManuallyDrop::new(unsafe { std::ptr::read(waker) }))
    }

    fn will_wake(&self, waker: &Waker) -> bool {
        self.0.will_wake(waker)
    }
}

/// The part of a waiter that only the lock holder (or the waiter's own future, when the
/// waiter is not linked) may touch.
struct Node<T> {
    prev: Link<T>,
    next: Link<T>,
    waker: Option<Waker>,
    data: T,
}

/// One waiting future's place in a [`WaitList`], carrying the primitive's per-waiter `data`
/// (permits wanted, an item to put, a result to hand over...).
///
/// `status`, `returned` and `list_id` are small fields kept side by side, so together they
/// fit in one 8-byte word: a waiter is part of every waiting future, and a smaller future is
/// cheaper for the executor to move into a task.
pub(crate) struct Waiter<T> {
    status: AtomicU8,
    /// Set by the owning [`WaitFuture`] once it returned `Ready` (only ever touched through
    /// the future's `&mut`, never by a list).
    returned: bool,
    /// The id of the one list this waiter may be used with (0: none yet).
    list_id: ListId,
    /// What the node's waker is, as of the last `push_back`/`update_waker`. Only the
    /// waiter's own future touches it: those two take `Pin<&mut Waiter>`, and the reader is
    /// `WaitFuture::poll`. A cell, so that writing it never invalidates the list's pointers
    /// to a linked waiter (they are derived from `&Waiter`).
    registered: UnsafeCell<Option<WakerId>>,
    node: UnsafeCell<Node<T>>,
    /// Linked nodes are pointed to by their neighbours: they must never move.
    _pinned: PhantomPinned,
}

// SAFETY: a `Waiter` is shared between the thread that polls its future and the threads that
// hold its list's lock. Every access to `node` happens either under that lock or, when the
// waiter is not linked, through `Pin<&mut Waiter>` (exclusive). `T` and the `Waker` move
// between threads that way, hence `T: Send`.
unsafe impl<T: Send> Send for Waiter<T> {}
// SAFETY: as above; `&Waiter` only gives access to the atomic status, or to the node under
// the list lock.
unsafe impl<T: Send> Sync for Waiter<T> {}

impl<T> Waiter<T> {
    /// A new, unlinked waiter carrying `data`.
    pub(crate) fn new(data: T) -> Self {
        Waiter {
            status: AtomicU8::new(IDLE),
            returned: false,
            list_id: ListId::new(0),
            registered: UnsafeCell::new(None),
            node: UnsafeCell::new(Node {
                prev: None,
                next: None,
                waker: None,
                data,
            }),
            _pinned: PhantomPinned,
        }
    }

    /// Where the waiter is; `Woken` is read with `Acquire`, so after it the node's data may be
    /// read through [`Waiter::unlinked_data`].
    pub(crate) fn status(&self) -> Status {
        status_from(self.status.load(Ordering::Acquire))
    }

    /// The waiter's data, if it is not linked (`Idle` or `Woken`); `None` while `Queued`.
    pub(crate) fn unlinked_data(self: Pin<&mut Self>) -> Option<&mut T> {
        if self.status() == Status::Queued {
            return None;
        }
        // The waiter is not linked: a list unlinks a node before its `Release` store of
        // `WOKEN`, which our `Acquire` load saw, and never touches it again; only this
        // waiter's future can link it again, which needs the `Pin<&mut Self>` we hold.
        // SAFETY: so no list can reach the node while the returned borrow lives.
        unsafe { Some(&mut (*self.node.get()).data) }
    }

    /// Makes a woken waiter idle again, so that its future may queue it anew (a barrier's
    /// arrival held behind a draining round retries once that round has drained). Woken
    /// means unlinked for good, and the `Pin<&mut Self>` proves the caller is the owner.
    pub(crate) fn rearm(self: Pin<&mut Self>) {
        debug_assert_eq!(self.status(), Status::Woken);
        self.status.store(IDLE, Ordering::Relaxed);
    }

    /// True if this waiter is queued and its node's waker will wake the task that `waker`
    /// wakes: a re-poll then has nothing to do, and needs no lock to find that out.
    fn queued_with(&self, waker: &Waker) -> bool {
        // Compare first, then check that we are still queued: if the list has meanwhile
        // taken the node's waker (woken and maybe freed it, so that its address may have been
        // reused by `waker`), it stored `Woken` before that, and this `Acquire` load sees it.
        // While we are `Queued` the node keeps its waker alive, so the copy is faithful.
        // SAFETY: only this waiter's own future touches `registered` (see the field), and it
        // is polling now (we are called from `WaitFuture::poll` through its `&mut`), so no
        // write can race this read; the borrow ends with this expression.
        let registered = unsafe { &*self.registered.get() };
        registered.as_ref().is_some_and(|id| id.will_wake(waker)) && self.status() == Status::Queued
    }

    /// Records which waker the node now holds; the `Pin<&mut Self>` proves the caller is the
    /// waiter's own future.
    fn set_registered(self: Pin<&mut Self>, waker: &Waker) {
        // SAFETY: as in `queued_with`: the owning future is the only one touching the cell,
        // and it is the caller; no borrow of the cell outlives this assignment.
        unsafe { *self.registered.get() = Some(WakerId::of(waker)) };
    }
}

impl<T> Drop for Waiter<T> {
    fn drop(&mut self) {
        if self.status.load(Ordering::Acquire) == QUEUED {
            // A linked node about to be freed would leave its list with a dangling pointer.
            // Every `WaitFuture` unlinks its waiter on drop, so this is a bug in this crate:
            // refuse to continue into undefined behaviour.
            eprintln!("corio-sync: a queued waiter was dropped without leaving its wait list");
            std::process::abort();
        }
    }
}

static NEXT_LIST_ID: AtomicUsize = AtomicUsize::new(0);

/// A FIFO list of pinned [`Waiter`]s. Lives inside a primitive's state lock.
pub(crate) struct WaitList<T> {
    id: u32,
    head: Link<T>,
    tail: Link<T>,
    len: usize,
}

// SAFETY: the list only holds pointers to waiters, which are `Send` for `T: Send`; the list
// is only used under its owner's lock.
unsafe impl<T: Send> Send for WaitList<T> {}

impl<T> Default for WaitList<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> WaitList<T> {
    /// An empty list.
    pub(crate) fn new() -> Self {
        WaitList {
            // Ids run through 1..=u32::MAX (0 means "no list"); should they ever wrap, two
            // lists share an id, which only blunts the misuse check in `claim`.
            id: (NEXT_LIST_ID.fetch_add(1, Ordering::Relaxed) % u32::MAX as usize) as u32 + 1,
            head: None,
            tail: None,
            len: 0,
        }
    }

    /// How many waiters are queued.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// True when no waiter is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Binds `waiter` to this list on first use, and refuses a waiter bound to another list:
    /// that list's lock, not ours, guards it.
    ///
    /// A load and a plain store, not a compare-exchange: every list method that calls this
    /// holds this list's lock, and a waiter's list id is only written under the lock of the
    /// list it is bound to, so the only racing writer would be another list's owner, which is
    /// exactly the bug this check exists to catch (and an atomic race is no undefined
    /// behaviour; at worst that bug goes unreported).
    fn claim(&self, waiter: &Waiter<T>) {
        let bound = waiter.list_id.load(Ordering::Relaxed);
        if bound == self.id {
            return;
        }
        assert!(
            bound == 0,
            "corio-sync bug: a waiter was used with two different wait lists"
        );
        waiter.list_id.store(self.id, Ordering::Relaxed);
    }

    /// The node behind a linked pointer.
    ///
    /// # Safety
    /// `ptr` is linked into `self` (so it is pinned and alive: its future unlinks it, under
    /// our lock, before it can be freed); the node is borrowed for as long as `&mut self`.
    unsafe fn node(&mut self, ptr: NonNull<Waiter<T>>) -> &mut Node<T> {
        // SAFETY: by the contract above the waiter is alive, and `&mut self` (the lock) makes
        // us the only one touching its node.
        unsafe { &mut *ptr.as_ref().node.get() }
    }

    /// Links `waiter` at the back of the list, to be woken through `waker`.
    ///
    /// Panics if the waiter is already queued (a bug in this crate). Takes
    /// `Pin<&mut Waiter>`: only the waiter's own future queues it.
    pub(crate) fn push_back(&mut self, mut waiter: Pin<&mut Waiter<T>>, waker: &Waker) {
        self.claim(&waiter);
        assert_eq!(
            waiter.status.load(Ordering::Relaxed),
            IDLE,
            "corio-sync bug: waiter queued twice"
        );
        let waker = waker.clone();
        waiter.as_mut().set_registered(&waker);
        let ptr = NonNull::from(&*waiter);
        let old_tail = self.tail;
        // SAFETY: the waiter is not linked, so no one else touches its node, and it is pinned,
        // so the pointer we store stays valid until it is unlinked (its future's drop does
        // that under our lock).
        let node = unsafe { &mut *waiter.node.get() };
        node.prev = old_tail;
        node.next = None;
        node.waker = Some(waker);
        match old_tail {
            // SAFETY: `tail` is linked into this list and we hold `&mut self`.
            Some(tail) => unsafe { self.node(tail).next = Some(ptr) },
            None => self.head = Some(ptr),
        }
        self.tail = Some(ptr);
        self.len += 1;
        waiter.status.store(QUEUED, Ordering::Relaxed);
    }

    /// Replaces a queued waiter's waker if `waker` would wake a different task. Takes
    /// `Pin<&mut Waiter>`: only the waiter's own future updates it.
    pub(crate) fn update_waker(&mut self, mut waiter: Pin<&mut Waiter<T>>, waker: &Waker) {
        self.claim(&waiter);
        if waiter.status.load(Ordering::Relaxed) != QUEUED {
            return;
        }
        // SAFETY: the waiter is linked into this list (claimed, `QUEUED`) and we hold the lock;
        // the shared borrow ends before anything else touches the node.
        let same = unsafe { &*waiter.node.get() }
            .waker
            .as_ref()
            .is_some_and(|old| old.will_wake(waker));
        if !same {
            let waker = waker.clone();
            waiter.as_mut().set_registered(&waker);
            // SAFETY: as above; `set_registered` only wrote a field outside the node. The old
            // waker is dropped here, under the lock.
            unsafe { (*waiter.node.get()).waker = Some(waker) };
        }
    }

    /// The data of a waiter of this list, whatever its status (the lock is held).
    pub(crate) fn data_mut<'s>(&'s mut self, waiter: Pin<&'s Waiter<T>>) -> &'s mut T {
        self.claim(&waiter);
        // SAFETY: if linked, it is linked here and we hold the lock; if not, only its own
        // future touches it, and that future is the caller (it holds the pinned waiter). A
        // `Woken` waiter's list no longer touches it.
        unsafe { &mut (*waiter.node.get()).data }
    }

    /// Unlinks `waiter` if it is queued and returns the status it had: `Queued` (now `Idle`),
    /// `Woken` (it was granted before it could leave) or `Idle`.
    pub(crate) fn remove(&mut self, waiter: Pin<&Waiter<T>>) -> Status {
        self.claim(&waiter);
        let status = status_from(waiter.status.load(Ordering::Relaxed));
        if status == Status::Queued {
            self.unlink(NonNull::from(&*waiter));
            waiter.status.store(IDLE, Ordering::Relaxed);
        }
        status
    }

    /// Calls `f` on the data of every queued waiter, front to back.
    pub(crate) fn for_each_mut(&mut self, mut f: impl FnMut(&mut T)) {
        let mut cursor = self.head;
        while let Some(ptr) = cursor {
            // SAFETY: `ptr` is linked into this list (it is the head or a linked node's
            // `next`) and we hold `&mut self`.
            let node = unsafe { self.node(ptr) };
            cursor = node.next;
            f(&mut node.data);
        }
    }

    /// The data of the waiter at the front, if any.
    pub(crate) fn front_mut(&mut self) -> Option<&mut T> {
        let head = self.head?;
        // SAFETY: `head` is linked into this list and we hold `&mut self`.
        Some(unsafe { &mut self.node(head).data })
    }

    /// Unlinks the front waiter, marks it `Woken` and returns its waker, for the caller to
    /// wake once it has released the lock.
    pub(crate) fn pop_front(&mut self) -> Option<Waker> {
        let head = self.head?;
        self.unlink(head);
        // SAFETY: `head` was linked into this list until just now and it cannot have been
        // freed since: its future must take our lock (held via `&mut self`) to leave.
        let waker = unsafe { self.node(head).waker.take() };
        // SAFETY: as above. This `Release` store is our last touch of the node.
        unsafe { head.as_ref() }
            .status
            .store(WOKEN, Ordering::Release);
        waker
    }

    fn unlink(&mut self, ptr: NonNull<Waiter<T>>) {
        // SAFETY: `ptr` is linked into this list (callers check) and we hold `&mut self`.
        let (prev, next) = unsafe {
            let node = self.node(ptr);
            (node.prev.take(), node.next.take())
        };
        match prev {
            // SAFETY: a neighbour of a linked node is linked into the same list.
            Some(prev) => unsafe { self.node(prev).next = next },
            None => self.head = next,
        }
        match next {
            // SAFETY: as above.
            Some(next) => unsafe { self.node(next).prev = prev },
            None => self.tail = prev,
        }
        self.len -= 1;
    }
}

impl<T> Drop for WaitList<T> {
    fn drop(&mut self) {
        // A list can only be dropped while no future borrows its primitive, and every
        // waiting future borrows it: an emptied list is the only possible one here.
        debug_assert!(
            self.is_empty(),
            "corio-sync bug: wait list dropped with waiters"
        );
    }
}

/// Wakers collected under a lock, woken after it is released (a waker may run arbitrary
/// code; it must never find our lock held). Holds at most `N`: callers that may wake more
/// release the lock, wake the batch and come back.
///
/// A waker that panics is its owner's bug, and must not cost anyone else a wake-up: `wake_all`
/// catches the panic, wakes the rest, and keeps the first panic for [`WakeBatch::finish`],
/// which callers run once their whole operation is done (state updated, lock released, every
/// batch woken), so a panicking waker never leaves a primitive half-updated. `finish` then
/// passes the panic on or contains it (see [`WakerPanic`]).
pub(crate) struct WakeBatch<const N: usize> {
    /// Only `wakers[..len]` ever holds a waker. Both fields that own something are dropped by
    /// hand (see `Drop`), so that dropping a finished batch, empty, is two inline checks
    /// rather than a call into drop glue that visits all `N` slots.
    wakers: ManuallyDrop<[Option<Waker>; N]>,
    len: usize,
    panic: ManuallyDrop<Option<Box<dyn std::any::Any + Send>>>,
}

impl<const N: usize> WakeBatch<N> {
    /// An empty batch.
    pub(crate) fn new() -> Self {
        WakeBatch {
            wakers: ManuallyDrop::new(std::array::from_fn(|_| None)),
            len: 0,
            panic: ManuallyDrop::new(None),
        }
    }

    /// True when one more waker would not fit.
    pub(crate) fn is_full(&self) -> bool {
        self.len == N
    }

    /// Adds a waker; panics if the batch is full (callers check [`WakeBatch::is_full`]).
    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        if let Some(waker) = waker {
            self.wakers[self.len] = Some(waker);
            self.len += 1;
        }
    }

    /// Wakes and empties the batch. A panicking waker is caught (the first panic is kept for
    /// [`WakeBatch::finish`]) and the rest are still woken. Out of line: most callers seldom
    /// wake anyone.
    #[inline(never)]
    pub(crate) fn wake_all(&mut self) {
        self.wake_all_inline();
    }

    /// [`WakeBatch::wake_all`] inline, for a caller that wakes on nearly every call (a
    /// semaphore's or mutex's hand-off): there the out-of-line call cost ~30 instructions a
    /// hand-off, its own prologue and epilogue.
    #[inline(always)]
    pub(crate) fn wake_all_inline(&mut self) {
        for slot in &mut self.wakers[..self.len] {
            if let Some(waker) = slot.take() {
                // `catch_unwind` costs nothing unless a waker does panic.
                let woken = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| waker.wake()));
                if let Err(panic) = woken {
                    self.panic.get_or_insert(panic);
                }
            }
        }
        self.len = 0;
    }

    /// Wakes what is left, then deals with the first panic a waker raised, if any, as
    /// `on_panic` says (it is always dropped if this thread is already unwinding: a second
    /// panic would abort).
    #[inline]
    pub(crate) fn finish(&mut self, on_panic: WakerPanic) {
        // Most calls wake nobody (an empty batch), and no waker ever panics: both checks
        // are inline, so those calls pay for neither. By reference, not by value: moving
        // the batch into the call copied it on every queue operation.
        if self.len > 0 {
            self.wake_all();
        }
        if self.panic.is_some() {
            self.pass_on_panic(on_panic);
        }
    }

    /// The end of [`WakeBatch::finish`] when a waker panicked (`panic` is set).
    #[cold]
    #[inline(never)]
    fn pass_on_panic(&mut self, on_panic: WakerPanic) {
        if let Some(panic) = self.panic.take() {
            if on_panic == WakerPanic::Resume && !std::thread::panicking() {
                std::panic::resume_unwind(panic);
            }
        }
    }
}

/// Drops what a batch still holds: only a batch whose operation a panic cut short holds
/// anything.
impl<const N: usize> Drop for WakeBatch<N> {
    #[inline]
    fn drop(&mut self) {
        if self.len > 0 || self.panic.is_some() {
            self.drop_held();
        }
    }
}

impl<const N: usize> WakeBatch<N> {
    /// The rare part of `Drop`: wakers never woken, and a panic never passed on.
    #[cold]
    #[inline(never)]
    fn drop_held(&mut self) {
        for slot in &mut self.wakers[..self.len] {
            drop(slot.take());
        }
        drop(self.panic.take());
    }
}

/// What a finished [`WakeBatch`] does with a panic one of its wakers raised (after every
/// other waker was woken and the state is consistent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WakerPanic {
    /// Pass it on to the caller, whose call has had its whole effect and returns nothing the
    /// panic could lose: `set`, `notify`, `add_permits`, a guard's release, `shutdown`,
    /// `abort`, `reset`.
    Resume,
    /// Keep it from the caller (the panic hook has reported it already): the caller is a wait
    /// future being polled or dropped, or a call that hands over an item or permits, and the
    /// panic would lose what it was handed (or unwind out of a `drop`).
    Contain,
}

/// What waiting on one primitive means: implemented by each primitive, once per kind of wait
/// (`Kind` tells apart, say, a queue's put from its get).
///
/// [`WaitFuture::poll`] reads the waiter's status and calls the method for it, so each
/// primitive writes only what is its own: how to try and queue (`poll_idle`), what a grant
/// gives (`poll_woken`), and which list to update a waker on (`update_waker`).
pub(crate) trait WaitTarget<Kind = ()> {
    /// The per-waiter data.
    type Data;
    /// What the wait resolves to.
    type Output;

    /// The waiter is `Idle` (first poll): take what it waits for if it is free now, else
    /// queue it and return `Pending`. Must never return `Ready` with the waiter queued.
    fn poll_idle(
        &self,
        waiter: Pin<&mut Waiter<Self::Data>>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output>;

    /// The waiter is `Woken`: it was granted (or failed) by whoever unlinked it; act on that.
    /// Must never return `Ready` with the waiter queued.
    fn poll_woken(
        &self,
        waiter: Pin<&mut Waiter<Self::Data>>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output>;

    /// Replaces the waker of a queued waiter (`WaitList::update_waker`, under the lock of the
    /// list it is queued on).
    fn update_waker(&self, waiter: Pin<&mut Waiter<Self::Data>>, waker: &Waker);

    /// The waiter is `Queued` and was re-polled by a task its queued waker may not wake:
    /// update the waker, then act on a grant that came in meanwhile (between the status check
    /// and the lock). A primitive whose queued waiters can be granted without being unlinked
    /// (a barrier's marked round) overrides this.
    fn poll_queued(
        &self,
        mut waiter: Pin<&mut Waiter<Self::Data>>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        self.update_waker(waiter.as_mut(), cx.waker());
        if waiter.status() == Status::Woken {
            self.poll_woken(waiter, cx)
        } else {
            Poll::Pending
        }
    }

    /// The future was dropped before it returned `Ready` and its waiter is not `Idle`: leave
    /// the queue, and pass on whatever was already granted.
    fn cancel_wait(&self, waiter: Pin<&mut Waiter<Self::Data>>);
}

/// The future of one wait on `target`: owns the pinned [`Waiter`] node.
pub(crate) struct WaitFuture<'a, Q: WaitTarget<K> + ?Sized, K = ()> {
    target: &'a Q,
    waiter: Waiter<Q::Data>,
    _kind: PhantomData<fn() -> K>,
}

impl<'a, Q: WaitTarget<K> + ?Sized, K> WaitFuture<'a, Q, K> {
    /// A wait on `target` whose waiter starts with `data`.
    pub(crate) fn new(target: &'a Q, data: Q::Data) -> Self {
        WaitFuture {
            target,
            waiter: Waiter::new(data),
            _kind: PhantomData,
        }
    }
}

impl<Q: WaitTarget<K> + ?Sized, K> Future for WaitFuture<'_, Q, K> {
    type Output = Q::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Q::Output> {
        // SAFETY: pin projection. `waiter` is structurally pinned: it is never moved out of
        // `self` and our `Drop` does not move it. `target` is not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        assert!(
            !this.waiter.returned,
            "a corio-sync wait future was polled after it completed"
        );
        // Re-polled while queued, by the task the queued waker already wakes (a spurious
        // wake, or a first poll before an `.await`): nothing to update, no lock to take.
        if this.waiter.queued_with(cx.waker()) {
            return Poll::Pending;
        }
        // SAFETY: see above.
        let waiter = unsafe { Pin::new_unchecked(&mut this.waiter) };
        let result = match waiter.status() {
            Status::Idle => this.target.poll_idle(waiter, cx),
            Status::Queued => this.target.poll_queued(waiter, cx),
            Status::Woken => this.target.poll_woken(waiter, cx),
        };
        if result.is_ready() {
            debug_assert_ne!(this.waiter.status(), Status::Queued);
            this.waiter.returned = true;
        }
        result
    }
}

impl<Q: WaitTarget<K> + ?Sized, K> Drop for WaitFuture<'_, Q, K> {
    fn drop(&mut self) {
        if self.waiter.returned || self.waiter.status() == Status::Idle {
            return;
        }
        // SAFETY: the waiter is not `Idle`, so this future was polled, hence pinned, and it
        // is being dropped in place: the waiter has not moved since it was linked.
        let waiter = unsafe { Pin::new_unchecked(&mut self.waiter) };
        self.target.cancel_wait(waiter);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::pin::pin;
    use std::sync::Arc;
    use std::task::Wake;

    struct CountWakes(std::sync::atomic::AtomicUsize);
    impl Wake for CountWakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting_waker() -> (Arc<CountWakes>, Waker) {
        let counter = Arc::new(CountWakes(std::sync::atomic::AtomicUsize::new(0)));
        (counter.clone(), Waker::from(counter))
    }

    #[test]
    fn fifo_order_and_removal_from_the_middle() {
        let (_, waker) = counting_waker();
        let mut list = WaitList::new();
        let mut a = pin!(Waiter::new('a'));
        let mut b = pin!(Waiter::new('b'));
        let mut c = pin!(Waiter::new('c'));
        list.push_back(a.as_mut(), &waker);
        list.push_back(b.as_mut(), &waker);
        list.push_back(c.as_mut(), &waker);
        assert_eq!(list.len(), 3);
        assert_eq!(list.remove(b.as_ref()), Status::Queued);
        assert_eq!(b.status(), Status::Idle);
        assert_eq!(list.front_mut().copied(), Some('a'));
        assert!(list.pop_front().is_some());
        assert_eq!(a.status(), Status::Woken);
        assert_eq!(list.front_mut().copied(), Some('c'));
        assert!(list.pop_front().is_some());
        assert!(list.pop_front().is_none());
        assert!(list.is_empty());
        assert_eq!(list.remove(a.as_ref()), Status::Woken);
    }

    #[test]
    fn woken_waiter_data_is_readable_without_the_list() {
        let (counter, waker) = counting_waker();
        let mut list = WaitList::new();
        let mut w = pin!(Waiter::new(0u32));
        list.push_back(w.as_mut(), &waker);
        assert!(w.as_mut().unlinked_data().is_none());
        *list.front_mut().unwrap() = 7;
        list.pop_front().unwrap().wake();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert_eq!(w.as_mut().unlinked_data().copied(), Some(7));
    }

    #[test]
    fn update_waker_replaces_a_different_waker() {
        let (first, waker1) = counting_waker();
        let (second, waker2) = counting_waker();
        let mut list = WaitList::new();
        let mut w = pin!(Waiter::new(()));
        list.push_back(w.as_mut(), &waker1);
        list.update_waker(w.as_mut(), &waker2);
        list.pop_front().unwrap().wake();
        assert_eq!(first.0.load(Ordering::SeqCst), 0);
        assert_eq!(second.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    #[should_panic(expected = "two different wait lists")]
    fn a_waiter_is_bound_to_one_list() {
        let (_, waker) = counting_waker();
        let mut first = WaitList::new();
        let mut second = WaitList::new();
        let mut w = pin!(Waiter::new(()));
        first.push_back(w.as_mut(), &waker);
        first.remove(w.as_ref());
        second.push_back(w.as_mut(), &waker);
    }

    #[test]
    fn wake_batch_wakes_everything_once() {
        let (counter, waker) = counting_waker();
        let mut batch = WakeBatch::<2>::new();
        batch.push(Some(waker.clone()));
        batch.push(None);
        assert!(!batch.is_full());
        batch.push(Some(waker));
        assert!(batch.is_full());
        batch.wake_all();
        batch.finish(WakerPanic::Resume);
        assert_eq!(counter.0.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn for_each_mut_visits_front_to_back() {
        let (_, waker) = counting_waker();
        let mut list = WaitList::new();
        let mut a = pin!(Waiter::new(1));
        let mut b = pin!(Waiter::new(2));
        let mut c = pin!(Waiter::new(3));
        list.push_back(a.as_mut(), &waker);
        list.push_back(b.as_mut(), &waker);
        list.push_back(c.as_mut(), &waker);
        list.remove(b.as_ref());
        let mut seen = Vec::new();
        list.for_each_mut(|n| {
            seen.push(*n);
            *n *= 10;
        });
        assert_eq!(seen, [1, 3]);
        assert_eq!(list.front_mut().copied(), Some(10));
        list.pop_front();
        list.pop_front();
        assert!(list.is_empty());
    }
}
