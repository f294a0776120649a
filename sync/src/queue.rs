//! `Queue`, `LifoQueue` and `PriorityQueue`: asyncio's queues, one implementation over three
//! storage orders.
//!
//! Everything sits under one lock. Both kinds of waiter are served by *reservation*, so that
//! nothing barges past a woken waiter and a waiter's effect happens only when its future
//! returns `Ready`:
//! - Putters that find the queue full wait with their item in their waiter node. When a
//!   `get` frees a slot, the oldest putter is granted it (`granted_slots` counts those) and
//!   inserts its item when it runs. A granted putter that is dropped inserts nothing and
//!   passes the slot to the next putter, so a put that was cancelled never inserts.
//! - Getters that find no item wait; when an item arrives the oldest getter is granted a
//!   reservation (`reserved` counts them) and takes an item when it runs. A reserved getter
//!   that is dropped hands its reservation to the next getter, so an item is never lost or
//!   taken twice.
//!
//! After `shutdown(false)` getters keep draining: a waiting getter is failed only once no
//! item is left at all (items reserved for a getter that may yet be dropped still count).
//! `join()` waits on an [`Event`] that is set exactly while no put item is unfinished; it is
//! set and cleared under the queue lock to stay in step, and its joiners are woken once the
//! queue lock is released (`Event::set_deferring_wakes`), as every other wake-up is.

use crate::event::Event;
use crate::state_lock::{lock, StateGuard, StateLock};
use crate::waiters::{Status, WaitFuture, WaitList, WaitTarget, Waiter, WakeBatch, WakerPanic};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// The order in which a queue hands out its items: [`Fifo`], [`Lifo`] or [`Priority`], the
/// second parameter of [`BasicQueue`].
///
/// The trait is sealed: those three are the only orders (a queue's storage is its own
/// business), so it has nothing to implement or call; it names which orders exist.
///
/// ```
/// use corio_sync::{BasicQueue, Lifo, QueueOrder};
///
/// // Code generic over the three queues names the order as a parameter.
/// fn drain<T, O: QueueOrder<T>>(queue: &BasicQueue<T, O>) -> Vec<T> {
///     std::iter::from_fn(|| queue.try_get().ok()).collect()
/// }
///
/// let stack: BasicQueue<u8, Lifo> = BasicQueue::new(0);
/// stack.try_put(1).unwrap();
/// stack.try_put(2).unwrap();
/// assert_eq!(drain(&stack), [2, 1]);
/// ```
pub trait QueueOrder<T>: sealed::Order<T> {}

/// The storage behind each order, out of the public API.
mod sealed {
    pub trait Order<T> {
        /// The storage for the items.
        type Store: Default;
        /// Adds an item.
        fn push(store: &mut Self::Store, item: T);
        /// Removes the next item in this order.
        fn pop(store: &mut Self::Store) -> Option<T>;
        /// How many items are stored.
        fn len(store: &Self::Store) -> usize;
    }
}

/// First in, first out: the order of [`Queue`] (`BasicQueue<T, Fifo>`).
///
/// ```
/// let queue: corio_sync::BasicQueue<_, corio_sync::Fifo> = corio_sync::Queue::new(0);
/// queue.try_put('a').unwrap();
/// queue.try_put('b').unwrap();
/// assert_eq!(queue.try_get(), Ok('a'));
/// ```
#[derive(Debug)]
pub enum Fifo {}

/// Last in, first out: the order of [`LifoQueue`] (`BasicQueue<T, Lifo>`).
///
/// ```
/// let queue: corio_sync::BasicQueue<_, corio_sync::Lifo> = corio_sync::LifoQueue::new(0);
/// queue.try_put('a').unwrap();
/// queue.try_put('b').unwrap();
/// assert_eq!(queue.try_get(), Ok('b'));
/// ```
#[derive(Debug)]
pub enum Lifo {}

/// Smallest first, as Python's `heapq`: the order of [`PriorityQueue`]
/// (`BasicQueue<T, Priority>`).
///
/// ```
/// let queue: corio_sync::BasicQueue<_, corio_sync::Priority> = corio_sync::PriorityQueue::new(0);
/// queue.try_put('b').unwrap();
/// queue.try_put('a').unwrap();
/// assert_eq!(queue.try_get(), Ok('a'));
/// ```
#[derive(Debug)]
pub enum Priority {}

impl<T> QueueOrder<T> for Fifo {}
impl<T> QueueOrder<T> for Lifo {}
impl<T: Ord> QueueOrder<T> for Priority {}

impl<T> sealed::Order<T> for Fifo {
    type Store = VecDeque<T>;
    fn push(store: &mut VecDeque<T>, item: T) {
        store.push_back(item);
    }
    fn pop(store: &mut VecDeque<T>) -> Option<T> {
        store.pop_front()
    }
    fn len(store: &VecDeque<T>) -> usize {
        store.len()
    }
}

impl<T> sealed::Order<T> for Lifo {
    type Store = Vec<T>;
    fn push(store: &mut Vec<T>, item: T) {
        store.push(item);
    }
    fn pop(store: &mut Vec<T>) -> Option<T> {
        store.pop()
    }
    fn len(store: &Vec<T>) -> usize {
        store.len()
    }
}

impl<T: Ord> sealed::Order<T> for Priority {
    type Store = BinaryHeap<Reverse<T>>;
    fn push(store: &mut BinaryHeap<Reverse<T>>, item: T) {
        store.push(Reverse(item));
    }
    fn pop(store: &mut BinaryHeap<Reverse<T>>) -> Option<T> {
        store.pop().map(|Reverse(item)| item)
    }
    fn len(store: &BinaryHeap<Reverse<T>>) -> usize {
        store.len()
    }
}

/// A FIFO queue (asyncio's `Queue`).
///
/// ```
/// use corio_sync::Queue;
/// futures::executor::block_on(async {
///     let queue = Queue::new(2);
///     queue.put(1).await.unwrap();
///     queue.put(2).await.unwrap();
///     assert!(queue.is_full());
///     assert_eq!(queue.get().await, Ok(1));
///     assert_eq!(queue.try_get(), Ok(2));
/// });
/// ```
pub type Queue<T> = BasicQueue<T, Fifo>;

/// A LIFO queue (asyncio's `LifoQueue`): the last item put is the first out.
///
/// ```
/// let queue = corio_sync::LifoQueue::new(0);
/// queue.try_put(1).unwrap();
/// queue.try_put(2).unwrap();
/// assert_eq!(queue.try_get(), Ok(2));
/// ```
pub type LifoQueue<T> = BasicQueue<T, Lifo>;

/// A priority queue (asyncio's `PriorityQueue`): the smallest item is the first out.
///
/// ```
/// let queue = corio_sync::PriorityQueue::new(0);
/// queue.try_put((2, "b")).unwrap();
/// queue.try_put((1, "a")).unwrap();
/// assert_eq!(queue.try_get(), Ok((1, "a")));
/// ```
pub type PriorityQueue<T> = BasicQueue<T, Priority>;

/// The one implementation behind [`Queue`], [`LifoQueue`] and [`PriorityQueue`]: those three
/// are this type with its order ([`Fifo`], [`Lifo`], [`Priority`]) filled in, so they share
/// every method below. Name the three in your code; name `BasicQueue<T, O>` only to write
/// code generic over the order.
///
/// ```
/// use corio_sync::{BasicQueue, Fifo, Queue};
/// futures::executor::block_on(async {
///     let queue: Queue<&str> = Queue::new(1);
///     let same: &BasicQueue<&str, Fifo> = &queue; // the same type
///     same.put("job").await.unwrap();
///     assert_eq!(queue.get().await, Ok("job"));
/// });
/// ```
pub struct BasicQueue<T, O: QueueOrder<T>> {
    maxsize: usize,
    state: StateLock<QueueState<T, O>>,
    /// Set exactly while `unfinished == 0`; `join()` waits for it.
    finished: Event,
}

struct QueueState<T, O: QueueOrder<T>> {
    items: O::Store,
    /// Items promised to woken getters that have not taken them yet.
    reserved: usize,
    /// Free slots promised to woken putters that have not inserted yet.
    granted_slots: usize,
    unfinished: usize,
    shut_down: bool,
    getters: WaitList<Grant>,
    putters: WaitList<PutSlot<T>>,
}

/// A waiting putter's item, and whether it was granted a slot (else it was woken by a
/// shutdown).
pub(crate) struct PutSlot<T> {
    item: Option<T>,
    granted: bool,
}

/// What a woken getter was granted.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Grant {
    Nothing,
    Item,
    ShutDown,
}

/// The error of [`BasicQueue::get`]: the queue is shut down (and, unless it was shut down
/// immediately, empty).
///
/// ```
/// use corio_sync::{Queue, QueueShutDown};
/// futures::executor::block_on(async {
///     let queue = Queue::new(0);
///     queue.put(1).await.unwrap();
///     queue.shutdown(false);
///     assert_eq!(queue.get().await, Ok(1)); // what is left is still drained
///     let err = queue.get().await.unwrap_err();
///     assert_eq!(err, QueueShutDown);
///     assert!(err.to_string().contains("shut down"));
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueShutDown;

/// Says that the queue is shut down and has nothing left to get.
impl fmt::Display for QueueShutDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is shut down (and has no items left to get)")
    }
}

impl std::error::Error for QueueShutDown {}

/// The error of [`BasicQueue::put`]: the queue is shut down. Holds the item back (its `Debug`
/// form leaves the item out, so `T` need not be `Debug`).
///
/// ```
/// use corio_sync::{PutError, Queue};
/// futures::executor::block_on(async {
///     let queue = Queue::new(0);
///     queue.shutdown(false);
///     let err = queue.put(String::from("job")).await.unwrap_err();
///     assert!(err.to_string().contains("shut-down queue"));
///     let PutError(item) = err;
///     assert_eq!(item, "job"); // handed back, not lost
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PutError<T>(pub T);

/// Leaves the item out, so that `T` need not be `Debug` for `unwrap()` and `?` to work.
///
/// ```
/// let err = corio_sync::PutError(std::time::Instant::now());
/// assert_eq!(format!("{err:?}"), "PutError(..)");
/// ```
impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PutError(..)")
    }
}

/// Says that the queue is shut down and the item was not added.
impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("put on a shut-down queue: the item was not added")
    }
}

impl<T> std::error::Error for PutError<T> {}

/// The error of [`BasicQueue::try_put`]. Holds the item back (its `Debug` form leaves the
/// item out, so `T` need not be `Debug`).
///
/// ```
/// use corio_sync::{Queue, TryPutError};
/// let queue = Queue::new(1);
/// queue.try_put(1).unwrap();
/// match queue.try_put(2) {
///     Err(TryPutError::Full(item)) => assert_eq!(item, 2),
///     other => panic!("expected Full, got {other:?}"),
/// }
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TryPutError<T> {
    /// The queue is full (asyncio's `QueueFull`): no free slot, or earlier putters are
    /// waiting for one.
    ///
    /// ```
    /// let queue = corio_sync::Queue::new(1);
    /// queue.try_put('a').unwrap();
    /// let err = queue.try_put('b').unwrap_err();
    /// assert_eq!(err, corio_sync::TryPutError::Full('b'));
    /// assert!(err.to_string().contains("full queue"));
    /// ```
    Full(T),
    /// The queue is shut down (asyncio's `QueueShutDown`).
    ///
    /// ```
    /// let queue = corio_sync::Queue::new(0);
    /// queue.shutdown(false);
    /// let err = queue.try_put('a').unwrap_err();
    /// assert_eq!(err, corio_sync::TryPutError::ShutDown('a'));
    /// assert!(err.to_string().contains("shut-down queue"));
    /// ```
    ShutDown(T),
}

impl<T> TryPutError<T> {
    /// The item that was not put.
    ///
    /// ```
    /// let queue = corio_sync::Queue::new(1);
    /// queue.try_put(1).unwrap();
    /// assert_eq!(queue.try_put(2).unwrap_err().into_inner(), 2);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TryPutError::Full(item) | TryPutError::ShutDown(item) => item,
        }
    }
}

/// Leaves the item out, so that `T` need not be `Debug` for `unwrap()` and `?` to work.
///
/// ```
/// let queue = corio_sync::Queue::new(1);
/// queue.try_put(1).unwrap();
/// assert_eq!(format!("{:?}", queue.try_put(2).unwrap_err()), "Full(..)");
/// ```
impl<T> fmt::Debug for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("Full(..)"),
            TryPutError::ShutDown(_) => f.write_str("ShutDown(..)"),
        }
    }
}

/// Says whether the queue was full or shut down.
impl<T> fmt::Display for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => {
                f.write_str("try_put on a full queue: no free slot (or putters are waiting)")
            }
            TryPutError::ShutDown(_) => {
                f.write_str("try_put on a shut-down queue: the item was not added")
            }
        }
    }
}

impl<T> std::error::Error for TryPutError<T> {}

/// The error of [`BasicQueue::try_get`].
///
/// ```
/// use corio_sync::{Queue, TryGetError};
/// let queue = Queue::<u8>::new(0);
/// assert_eq!(queue.try_get(), Err(TryGetError::Empty));
/// queue.shutdown(false);
/// assert_eq!(queue.try_get(), Err(TryGetError::ShutDown));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryGetError {
    /// No item is available (asyncio's `QueueEmpty`): the queue is empty, or its items are
    /// promised to getters that were waiting for them.
    ///
    /// ```
    /// let queue = corio_sync::Queue::<u8>::new(0);
    /// let err = queue.try_get().unwrap_err();
    /// assert_eq!(err, corio_sync::TryGetError::Empty);
    /// assert!(err.to_string().contains("empty queue"));
    /// ```
    Empty,
    /// The queue is shut down and has no items left.
    ///
    /// ```
    /// let queue = corio_sync::Queue::<u8>::new(0);
    /// queue.shutdown(false);
    /// let err = queue.try_get().unwrap_err();
    /// assert_eq!(err, corio_sync::TryGetError::ShutDown);
    /// assert!(err.to_string().contains("no items left"));
    /// ```
    ShutDown,
}

/// Says whether the queue was empty or shut down.
impl fmt::Display for TryGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryGetError::Empty => {
                f.write_str("try_get on an empty queue: no item available (or getters are waiting)")
            }
            TryGetError::ShutDown => f.write_str("try_get on a shut-down queue with no items left"),
        }
    }
}

impl std::error::Error for TryGetError {}

/// The error of [`BasicQueue::task_done`]: called more times than items were put (asyncio
/// raises `ValueError`).
///
/// ```
/// use corio_sync::{Queue, TaskDoneError};
/// let queue = Queue::new(0);
/// queue.try_put(1).unwrap();
/// queue.try_get().unwrap();
/// queue.task_done().unwrap();
/// let err = queue.task_done().unwrap_err();
/// assert_eq!(err, TaskDoneError);
/// assert!(err.to_string().contains("more times"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskDoneError;

/// Says that `task_done()` was called once too often.
impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called more times than there were items put")
    }
}

impl std::error::Error for TaskDoneError {}

/// Which wait of a queue a `WaitFuture` is.
pub(crate) struct Put;
/// See [`Put`].
pub(crate) struct Get;

type Wakes = WakeBatch<2>;

impl<T, O: QueueOrder<T>> QueueState<T, O> {
    fn len(&self) -> usize {
        O::len(&self.items)
    }

    fn is_full(&self, maxsize: usize) -> bool {
        maxsize > 0 && self.len() >= maxsize
    }

    /// True when a new item may go in now: a free slot that is not promised to a putter.
    fn has_room(&self, maxsize: usize) -> bool {
        maxsize == 0 || self.len() + self.granted_slots < maxsize
    }

    /// Adds an item and reserves it for the oldest waiting getter, if any.
    ///
    /// Inline down to the getter check, which usually finds no getter: the hand-over is a
    /// call of its own, so the common path pays for no waking code.
    #[inline]
    fn push(&mut self, item: T, wakes: &mut Wakes, finished: &Event) {
        O::push(&mut self.items, item);
        self.unfinished += 1;
        if self.unfinished == 1 {
            finished.clear();
        }
        if !self.getters.is_empty() {
            self.grant_item(wakes);
        }
    }

    /// Reserves an item that no getter has claimed for the oldest waiting getter.
    #[inline(never)]
    fn grant_item(&mut self, wakes: &mut Wakes) {
        if self.len() > self.reserved {
            if let Some(grant) = self.getters.front_mut() {
                *grant = Grant::Item;
                self.reserved += 1;
                wakes.push(self.getters.pop_front());
            }
        }
    }

    /// Takes the next item, then grants the freed slot to the oldest waiting putter.
    fn pop(&mut self, maxsize: usize, wakes: &mut Wakes) -> Option<T> {
        let item = O::pop(&mut self.items)?;
        self.grant_slot(maxsize, wakes);
        Some(item)
    }

    /// Grants a free slot, if there is one, to the oldest waiting putter.
    ///
    /// Inline down to the putter check, which usually finds no putter (see `push`).
    #[inline]
    fn grant_slot(&mut self, maxsize: usize, wakes: &mut Wakes) {
        if !self.putters.is_empty() {
            self.grant_slot_to_putter(maxsize, wakes);
        }
    }

    /// `grant_slot`'s work once a putter is known to be waiting.
    #[inline(never)]
    fn grant_slot_to_putter(&mut self, maxsize: usize, wakes: &mut Wakes) {
        if self.shut_down || !self.has_room(maxsize) {
            return;
        }
        if let Some(slot) = self.putters.front_mut() {
            slot.granted = true;
            self.granted_slots += 1;
            wakes.push(self.putters.pop_front());
        }
    }

    /// After a shutdown, waiting getters are failed once no item is left at all.
    fn getters_are_done(&self) -> bool {
        self.shut_down && self.len() == 0 && !self.getters.is_empty()
    }
}

impl<T, O: QueueOrder<T>> BasicQueue<T, O> {
    /// A queue holding at most `maxsize` items; `0` means unbounded.
    ///
    /// ```
    /// let queue: corio_sync::Queue<u8> = corio_sync::Queue::new(0);
    /// assert_eq!(queue.maxsize(), 0);
    /// assert!(!queue.is_full());
    /// ```
    pub fn new(maxsize: usize) -> Self {
        let state = QueueState {
            items: O::Store::default(),
            reserved: 0,
            granted_slots: 0,
            unfinished: 0,
            shut_down: false,
            getters: WaitList::new(),
            putters: WaitList::new(),
        };
        let finished = Event::new();
        finished.set();
        BasicQueue {
            maxsize,
            state: StateLock::new(state),
            finished,
        }
    }

    fn state(&self) -> StateGuard<'_, QueueState<T, O>> {
        lock(&self.state)
    }

    /// The bound given to `new` (0: unbounded).
    ///
    /// ```
    /// assert_eq!(corio_sync::Queue::<()>::new(3).maxsize(), 3);
    /// ```
    pub fn maxsize(&self) -> usize {
        self.maxsize
    }

    /// Puts `item`, waiting (FIFO among putters) while the queue is full. Fails, giving the
    /// item back, if the queue is or gets shut down.
    ///
    /// The item is inserted exactly when this future returns `Ready(Ok(()))`, never earlier:
    /// a put that is cancelled (dropped) has not inserted, even if a slot had already been
    /// granted to it (the slot then passes to the next waiting putter), so retrying after a
    /// timeout never duplicates the item (as asyncio's `put`).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let queue = corio_sync::Queue::new(1);
    /// queue.put("a").await.unwrap();
    /// assert_eq!(queue.len(), 1);
    /// # });
    /// ```
    pub async fn put(&self, item: T) -> Result<(), PutError<T>> {
        // Room now: no waiter to build.
        match self.try_put(item) {
            Ok(()) => Ok(()),
            Err(TryPutError::ShutDown(item)) => Err(PutError(item)),
            Err(TryPutError::Full(item)) => {
                let slot = PutSlot {
                    item: Some(item),
                    granted: false,
                };
                WaitFuture::<Self, Put>::new(self, slot).await
            }
        }
    }

    /// Puts `item` if there is room now: a free slot that is not already granted to a waiting
    /// putter, and no putter waiting.
    ///
    /// ```
    /// let queue = corio_sync::Queue::new(1);
    /// assert!(queue.try_put(1).is_ok());
    /// assert!(matches!(queue.try_put(2), Err(corio_sync::TryPutError::Full(2))));
    /// ```
    pub fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
        let mut wakes = Wakes::new();
        let mut state = self.state();
        if state.shut_down {
            return Err(TryPutError::ShutDown(item));
        }
        if !state.has_room(self.maxsize) || !state.putters.is_empty() {
            return Err(TryPutError::Full(item));
        }
        state.push(item, &mut wakes, &self.finished);
        drop(state);
        wakes.finish(WakerPanic::Contain);
        Ok(())
    }

    /// Takes the next item, waiting (FIFO among getters) while the queue is empty. After
    /// `shutdown(false)` it still drains every item left, whatever order other getters are
    /// cancelled in, then fails.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let queue = corio_sync::Queue::new(0);
    /// queue.try_put(5).unwrap();
    /// assert_eq!(queue.get().await, Ok(5));
    /// # });
    /// ```
    pub async fn get(&self) -> Result<T, QueueShutDown> {
        // An item free now: no waiter to build.
        match self.try_get() {
            Ok(item) => Ok(item),
            Err(TryGetError::ShutDown) => Err(QueueShutDown),
            Err(TryGetError::Empty) => WaitFuture::<Self, Get>::new(self, Grant::Nothing).await,
        }
    }

    /// Takes the next item if one is available now and no getter is waiting for it.
    ///
    /// ```
    /// let queue = corio_sync::Queue::<u8>::new(0);
    /// assert_eq!(queue.try_get(), Err(corio_sync::TryGetError::Empty));
    /// ```
    pub fn try_get(&self) -> Result<T, TryGetError> {
        let mut wakes = Wakes::new();
        let mut state = self.state();
        let item = if state.len() > state.reserved && state.getters.is_empty() {
            state.pop(self.maxsize, &mut wakes)
        } else {
            None
        };
        // Items reserved for waiting getters are not ours, but they are not gone either.
        let drained = state.shut_down && state.len() == 0;
        drop(state);
        wakes.finish(WakerPanic::Contain);
        match item {
            Some(item) => Ok(item),
            None if drained => Err(TryGetError::ShutDown),
            None => Err(TryGetError::Empty),
        }
    }

    /// How many items are in the queue.
    ///
    /// ```
    /// let queue = corio_sync::Queue::new(0);
    /// queue.try_put(()).unwrap();
    /// assert_eq!(queue.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.state().len()
    }

    /// True when the queue holds no items.
    ///
    /// ```
    /// assert!(corio_sync::Queue::<()>::new(0).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when a bounded queue holds `maxsize` items (never for an unbounded one).
    ///
    /// ```
    /// let queue = corio_sync::Queue::new(1);
    /// queue.try_put(()).unwrap();
    /// assert!(queue.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.state().is_full(self.maxsize)
    }

    /// Marks one item that was got as processed, for [`join`](BasicQueue::join).
    ///
    /// ```
    /// let queue = corio_sync::Queue::new(0);
    /// queue.try_put(1).unwrap();
    /// queue.try_get().unwrap();
    /// assert!(queue.task_done().is_ok());
    /// assert!(queue.task_done().is_err()); // more than were put
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut state = self.state();
        if state.unfinished == 0 {
            return Err(TaskDoneError);
        }
        state.unfinished -= 1;
        self.unlock_and_wake_joiners(state);
        Ok(())
    }

    /// Waits until every item put so far has been marked done with
    /// [`task_done`](BasicQueue::task_done).
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let queue = corio_sync::Queue::<u8>::new(0);
    /// queue.join().await; // nothing unfinished
    /// # });
    /// ```
    pub fn join(&self) -> impl Future<Output = ()> + '_ {
        self.finished.wait()
    }

    /// Shuts the queue down: waiting and later puts fail; gets drain what is left, then fail.
    /// With `immediate`, the items left are dropped (and marked done) at once, so waiting
    /// gets fail too.
    ///
    /// ```
    /// let queue = corio_sync::Queue::new(0);
    /// queue.try_put(1).unwrap();
    /// queue.shutdown(false);
    /// assert!(queue.try_put(2).is_err());
    /// assert_eq!(queue.try_get(), Ok(1));
    /// assert_eq!(queue.try_get(), Err(corio_sync::TryGetError::ShutDown));
    /// ```
    pub fn shutdown(&self, immediate: bool) {
        let mut state = self.state();
        state.shut_down = true;
        let dropped = if immediate {
            let count = state.len();
            state.unfinished = state.unfinished.saturating_sub(count);
            state.reserved = 0;
            std::mem::take(&mut state.items)
        } else {
            O::Store::default()
        };
        let finished = state.unfinished == 0;
        // No putter can queue any more: fail them all. Getters wait on while items are left.
        let mut failed = self.fail_waiters(state);
        if finished {
            self.unlock_and_wake_joiners(self.state());
        }
        drop(dropped);
        // Only now, the shutdown done (joiners included), may a waker's panic be passed on.
        failed.finish(WakerPanic::Resume);
    }

    /// Sets `finished` if no item is unfinished, then releases the queue lock and wakes the
    /// joiners. The set happens under the lock, so `finished` stays in step with `unfinished`;
    /// the wake-ups after it, so no joiner's waker runs under the lock (it may call into the
    /// queue).
    fn unlock_and_wake_joiners<'s>(&'s self, state: StateGuard<'s, QueueState<T, O>>) {
        let set = if state.unfinished == 0 {
            self.finished.set_deferring_wakes()
        } else {
            None
        };
        drop(state);
        if let Some(set) = set {
            self.finished.wake_deferred(set);
        }
    }

    /// Fails every waiting putter, and every waiting getter once no item is left, a batch at a
    /// time (no new waiter can queue on a shut-down queue that has nothing left for it).
    /// Returns the batch, every waker woken, for the caller to `finish` once its whole
    /// operation is done: a waker's panic is kept in it until then.
    fn fail_waiters<'s>(&'s self, mut state: StateGuard<'s, QueueState<T, O>>) -> WakeBatch<32> {
        let mut batch = WakeBatch::<32>::new();
        loop {
            while !batch.is_full() && !state.putters.is_empty() {
                batch.push(state.putters.pop_front());
            }
            while !batch.is_full() && state.getters_are_done() {
                if let Some(grant) = state.getters.front_mut() {
                    *grant = Grant::ShutDown;
                }
                batch.push(state.getters.pop_front());
            }
            let more = !state.putters.is_empty() || state.getters_are_done();
            drop(state);
            batch.wake_all();
            if !more {
                break;
            }
            state = self.state();
        }
        batch
    }

    /// Takes an item for a getter granted a reservation.
    fn take_reserved(&self) -> Result<T, QueueShutDown> {
        let mut wakes = Wakes::new();
        let mut state = self.state();
        // `shutdown(true)` drops reserved items too.
        let item = if state.reserved > 0 {
            state.reserved -= 1;
            state.pop(self.maxsize, &mut wakes)
        } else {
            None
        };
        self.after_get(state, wakes);
        item.ok_or(QueueShutDown)
    }

    /// Ends a get that took an item: if that drained a shut-down queue, the getters still
    /// waiting are failed.
    fn after_get<'s>(&'s self, state: StateGuard<'s, QueueState<T, O>>, mut wakes: Wakes) {
        if state.getters_are_done() {
            self.fail_waiters(state).finish(WakerPanic::Contain);
        } else {
            drop(state);
        }
        wakes.finish(WakerPanic::Contain);
    }
}

impl<T, O: QueueOrder<T>> WaitTarget<Put> for BasicQueue<T, O> {
    type Data = PutSlot<T>;
    type Output = Result<(), PutError<T>>;

    fn poll_idle(
        &self,
        mut waiter: Pin<&mut Waiter<PutSlot<T>>>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        let mut wakes = Wakes::new();
        let mut state = self.state();
        if state.shut_down {
            drop(state);
            let item = waiter.as_mut().unlinked_data().and_then(|s| s.item.take());
            return Poll::Ready(item.map_or(Ok(()), |item| Err(PutError(item))));
        }
        if !state.has_room(self.maxsize) || !state.putters.is_empty() {
            state.putters.push_back(waiter.as_mut(), cx.waker());
            return Poll::Pending;
        }
        if let Some(item) = state.putters.data_mut(waiter.as_ref()).item.take() {
            state.push(item, &mut wakes, &self.finished);
        }
        drop(state);
        wakes.finish(WakerPanic::Contain);
        Poll::Ready(Ok(()))
    }

    fn poll_woken(
        &self,
        waiter: Pin<&mut Waiter<PutSlot<T>>>,
        _: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        self.put_granted(waiter)
    }

    fn update_waker(&self, waiter: Pin<&mut Waiter<PutSlot<T>>>, waker: &Waker) {
        self.state().putters.update_waker(waiter, waker);
    }

    fn cancel_wait(&self, waiter: Pin<&mut Waiter<PutSlot<T>>>) {
        // A queued put leaves with its item (dropped with the future, never put). A granted
        // one never used its slot: pass the slot on. One woken by the shutdown has nothing to
        // give back.
        let mut wakes = Wakes::new();
        let mut state = self.state();
        let granted = state.putters.data_mut(waiter.as_ref()).granted;
        if state.putters.remove(waiter.as_ref()) == Status::Woken && granted {
            state.granted_slots -= 1;
            state.grant_slot(self.maxsize, &mut wakes);
        }
        drop(state);
        wakes.finish(WakerPanic::Contain);
    }
}

impl<T, O: QueueOrder<T>> BasicQueue<T, O> {
    /// A woken putter runs: it inserts its item into the slot it was granted, or hands the
    /// item back if it was woken by the shutdown (or the queue shut down since its grant).
    fn put_granted(&self, waiter: Pin<&mut Waiter<PutSlot<T>>>) -> Poll<Result<(), PutError<T>>> {
        let Some(slot) = waiter.unlinked_data() else {
            unreachable!("a woken putter is not linked")
        };
        let item = slot.item.take();
        // Acted on once: a later drop of this future has no slot to pass on.
        if !std::mem::take(&mut slot.granted) {
            return Poll::Ready(item.map_or(Ok(()), |item| Err(PutError(item))));
        }
        let mut wakes = Wakes::new();
        let mut state = self.state();
        state.granted_slots -= 1;
        let result = match item {
            Some(item) if state.shut_down => Err(PutError(item)),
            Some(item) => {
                state.push(item, &mut wakes, &self.finished);
                Ok(())
            }
            None => Ok(()),
        };
        drop(state);
        wakes.finish(WakerPanic::Contain);
        Poll::Ready(result)
    }
}

impl<T, O: QueueOrder<T>> WaitTarget<Get> for BasicQueue<T, O> {
    type Data = Grant;
    type Output = Result<T, QueueShutDown>;

    fn poll_idle(
        &self,
        mut waiter: Pin<&mut Waiter<Grant>>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        let mut wakes = Wakes::new();
        let mut state = self.state();
        if state.len() > state.reserved && state.getters.is_empty() {
            let item = state.pop(self.maxsize, &mut wakes);
            drop(state);
            wakes.finish(WakerPanic::Contain);
            return Poll::Ready(item.ok_or(QueueShutDown));
        }
        // Shut down: fail only once nothing is left (items reserved for getters ahead of us
        // come to us if those getters are cancelled).
        if state.shut_down && state.len() == 0 {
            return Poll::Ready(Err(QueueShutDown));
        }
        state.getters.push_back(waiter.as_mut(), cx.waker());
        Poll::Pending
    }

    fn poll_woken(
        &self,
        waiter: Pin<&mut Waiter<Grant>>,
        _: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        // Acted on once: a later drop of this future has no reservation to pass on.
        let grant = waiter
            .unlinked_data()
            .map(|g| std::mem::replace(g, Grant::Nothing));
        match grant {
            Some(Grant::Item) => Poll::Ready(self.take_reserved()),
            _ => Poll::Ready(Err(QueueShutDown)),
        }
    }

    fn update_waker(&self, waiter: Pin<&mut Waiter<Grant>>, waker: &Waker) {
        self.state().getters.update_waker(waiter, waker);
    }

    fn cancel_wait(&self, waiter: Pin<&mut Waiter<Grant>>) {
        let mut wakes = Wakes::new();
        let mut state = self.state();
        let reserved = *state.getters.data_mut(waiter.as_ref()) == Grant::Item;
        if state.getters.remove(waiter.as_ref()) == Status::Woken && reserved && state.reserved > 0
        {
            // Granted an item it will never take: pass the reservation to the next getter.
            state.reserved -= 1;
            if state.len() > state.reserved {
                if let Some(grant) = state.getters.front_mut() {
                    *grant = Grant::Item;
                    state.reserved += 1;
                    wakes.push(state.getters.pop_front());
                }
            }
        }
        drop(state);
        wakes.finish(WakerPanic::Contain);
    }
}

/// Shows how many items the queue holds and its bound (not the items).
///
/// ```
/// let queue = corio_sync::Queue::new(4);
/// queue.try_put("a").unwrap();
/// assert_eq!(format!("{queue:?}"), "Queue { len: 1, maxsize: 4, .. }");
/// ```
impl<T, O: QueueOrder<T>> fmt::Debug for BasicQueue<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("len", &self.len())
            .field("maxsize", &self.maxsize)
            .finish_non_exhaustive()
    }
}
