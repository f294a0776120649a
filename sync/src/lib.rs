//! # corio-sync: asyncio's synchronization primitives
//!
//! Lock/Mutex, Semaphore, BoundedSemaphore, Event, Condition, Barrier and Queue, with the
//! semantics of Python's asyncio, for any executor: they use nothing but
//! [`std::task::Waker`], so they work under corio, tokio, smol or any other runtime, and
//! across threads.
//!
//! ## Invariants
//! - Waiters are served in FIFO order; a new request never barges past queued waiters.
//! - Cancelling (dropping) a waiting future never loses a wake-up, a permit or an item: a
//!   waiter that was already granted what it waited for passes the grant on.
