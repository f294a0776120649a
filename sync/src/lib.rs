//! # corio-sync: asyncio's synchronization primitives
//!
//! Lock/Mutex, Semaphore, BoundedSemaphore, Event, Condition, Barrier and Queue, with the
//! semantics of Python's asyncio, for any executor: they use nothing but
//! [`std::task::Waker`], so they work under corio, tokio, smol or any other runtime, and
//! across threads.
//!
//! ## Invariants
//! - Waiters are served in FIFO order; a new request never barges past queued waiters, nor
//!   (as in asyncio) past waiters that were granted but have not resumed yet.
//! - A wait's effect happens when its future returns `Ready` (a queue put inserts then, a
//!   barrier's result is fixed then). Cancelling (dropping) a waiting future never loses a
//!   wake-up, a permit or an item: a waiter that was already granted what it waited for
//!   passes the grant on.
//! - A waker that panics never costs other waiters their wake-ups, nor leaves a lock held or
//!   a count wrong: every batch is woken in full first. Calls whose effect is complete (`set`,
//!   `notify`, `add_permits`, releases, `shutdown`, `abort`, `reset`) then pass the panic on;
//!   waits being polled or dropped contain it, so they keep what they were handed.
//! - Waiting allocates nothing: a waiter's queue node lives inside its pinned future
//!   (`waiters`, the only module with `unsafe` besides the `Mutex` data cell and the
//!   `state_lock` cell).
//! - Each primitive's state sits behind a `StateLock`, a lock that never parks (every
//!   critical section is a few pointer updates; no task is woken while it is held).
//!
//! ```
//! use corio_sync::{Mutex, Semaphore};
//! futures::executor::block_on(async {
//!     let sem = Semaphore::new(1);
//!     let data = Mutex::new(Vec::new());
//!     let _permit = sem.acquire().await;
//!     data.lock().await.push(1);
//!     assert_eq!(data.into_inner(), [1]);
//! });
//! ```

mod barrier;
mod bounded_semaphore;
mod condition;
mod event;
mod loom;
#[cfg(all(test, loom))]
mod loom_models;
#[cfg(all(test, not(loom)))]
mod miri_tests;
mod mutex;
mod queue;
mod semaphore;
mod state_lock;
mod waiters;

pub use barrier::{Barrier, BarrierWaitResult, BrokenBarrierError, ZeroPartiesError};
pub use bounded_semaphore::{BoundedSemaphore, BoundedSemaphorePermit, ReleaseError};
pub use condition::{Condition, NotifyError};
pub use event::Event;
pub use queue::{
    BasicQueue, Fifo, Lifo, LifoQueue, Priority, PriorityQueue, PutError, Queue, QueueOrder,
    QueueShutDown, TaskDoneError, TryGetError, TryPutError,
};

pub use mutex::{Lock, LockGuard, Mutex, MutexGuard, TryLockError};
pub use semaphore::{OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError};
