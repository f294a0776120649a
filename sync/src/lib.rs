//! # corio-sync: asyncio's synchronization primitives, for any executor
//!
//! Tasks that share something have to take turns, wait for one another, or hand work along.
//! This crate gives them Python asyncio's tools for that, with asyncio's behaviour:
//!
//! | you want to | use |
//! |---|---|
//! | let one task at a time touch some data | [`Mutex`] (or [`Lock`], without data) |
//! | let at most `n` tasks in at once | [`Semaphore`] (or [`BoundedSemaphore`], which catches extra releases) |
//! | let tasks wait until something has happened | [`Event`] |
//! | let tasks wait until a condition on shared data holds | [`Condition`] |
//! | let `n` tasks meet before any goes on | [`Barrier`] |
//! | pass items from producers to consumers | [`Queue`], [`LifoQueue`], [`PriorityQueue`] |
//!
//! They depend on nothing but [`std::task::Waker`], so they work under corio's event loop,
//! tokio, smol, the futures crate's executors or any other runtime, and they are `Send` and
//! `Sync`: tasks on different threads may share them.
//!
//! ## Adding it to your project
//!
//! corio is not on crates.io yet: depend on a clone of the corio repository by path (or by
//! `git`, with the URL you cloned it from):
//!
//! ```toml
//! [dependencies]
//! corio-sync = { path = "../corio/sync" }
//! ```
//!
//! ## A first program
//!
//! A producer hands numbers to a consumer through a queue that holds at most two: `put`
//! waits while the queue is full, `get` while it is empty, and `join` until every item has
//! been marked done. It runs on corio's event loop; any other executor would do.
//!
//! ```
//! use corio_executor::{run, spawn};
//! use corio_sync::Queue;
//! use std::sync::Arc;
//!
//! run(async {
//!     let queue = Arc::new(Queue::new(2));
//!     let consumer = spawn({
//!         let queue = queue.clone();
//!         async move {
//!             let mut total = 0;
//!             while let Ok(n) = queue.get().await {
//!                 total += n;
//!                 queue.task_done().unwrap();
//!             }
//!             total // `get` failed: the queue was shut down and is empty
//!         }
//!     });
//!     for n in 1..=5 {
//!         queue.put(n).await.unwrap(); // waits while two items are queued
//!     }
//!     queue.join().await; // every item was taken and marked done
//!     queue.shutdown(false);
//!     assert_eq!(consumer.await.unwrap(), 15);
//! });
//! ```
//!
//! The same primitives under another executor, here the futures crate's `block_on`:
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
//!
//! ## Learning more
//!
//! The README at the root of the corio repository teaches each primitive in a lesson (Lock,
//! Semaphore, Event, Condition, Barrier, Queue): what it is for, a program, and that
//! program's output, which you can run yourself (`cargo run --release --example lock`, and so
//! on). Each type's page here has the details, with an example for every method.
//!
//! ## What you can count on
//!
//! - **First come, first served.** Waiters are served in the order they started waiting; a
//!   new request never jumps ahead of them.
//! - **Cancelling is safe.** Dropping a waiting future (a timeout, a cancelled task) never
//!   loses a wake-up, a permit or an item: what it was already given passes to the next
//!   waiter. A wait takes effect only when its future returns `Ready` (a cancelled `put`
//!   never inserted its item).
//! - **A buggy waker costs no one else.** A waker that panics never stops the other waiters
//!   from being woken, nor leaves a lock held or a count wrong.
//! - **Waiting allocates nothing.**
//!
//! (How each of these is kept is written at the top of the source file that keeps it.)

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
