//! One registered fd's state in the reactor: its readiness word and the tasks waiting on it.
//!
//! # Readiness
//! The fd is registered once, edge-triggered, so the kernel reports each change once and
//! the reactor remembers it here until an I/O call proves it stale. The word holds the
//! ready bits (low byte) and a tick (the rest) that every delivered event bumps. A task
//! that tried an operation and got `WouldBlock` clears the bits it saw only if the tick is
//! still the one it saw: an event that arrived in between (new data after the failed read)
//! has bumped the tick, so a stale `WouldBlock` cannot clear fresh readiness.
//!
//! # Waiters
//! Each waiter has an id: ids [`READ_SLOT`] and [`WRITE_SLOT`] are the single slots the
//! `poll_*` methods (the futures-io traits) use, where the last task to poll is the one
//! woken; every `async` method takes a fresh id, so any number of tasks may wait on one fd
//! at once. An event wakes every waiter whose interest it matches. The reactor counts the
//! waiters of all its sources, which the paused clock consults (see corio-executor's park
//! hook): the count changes only under the waiter lock, by exactly the entries added or
//! removed.

use crate::loom::{AtomicU64, AtomicUsize, Mutex, MutexGuard, Ordering};
use std::task::{Context, Poll, Waker};

/// The fd has data to read, or a connection to accept.
pub(crate) const READABLE: usize = 1;
/// The fd can take more bytes.
pub(crate) const WRITABLE: usize = 1 << 1;
/// The peer will send nothing more (sticky: never cleared).
pub(crate) const READ_CLOSED: usize = 1 << 2;
/// Nothing more can be written (sticky: never cleared).
pub(crate) const WRITE_CLOSED: usize = 1 << 3;
/// An error is pending on the fd (its operations will report it).
pub(crate) const ERROR: usize = 1 << 4;

const READY_MASK: usize = 0xff;
const TICK_SHIFT: u32 = 8;
const STICKY: usize = READ_CLOSED | WRITE_CLOSED;

/// The waiter slot of the futures-io `poll_read`-style methods.
pub(crate) const READ_SLOT: u64 = 0;
/// The waiter slot of the futures-io `poll_write`-style methods.
pub(crate) const WRITE_SLOT: u64 = 1;
/// The first id handed to an `async` method's waiter.
const FIRST_WAITER_ID: u64 = 2;

/// Which way a task waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    /// The ready bits that end a wait this way: an error or a close ends both, so the
    /// operation runs and reports it.
    fn mask(self) -> usize {
        match self {
            Direction::Read => READABLE | READ_CLOSED | ERROR,
            Direction::Write => WRITABLE | WRITE_CLOSED | ERROR,
        }
    }
}

/// What a wait saw: which bits were set, at which tick, to clear them if they prove stale.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadyEvent {
    ready: usize,
    tick: usize,
}

#[derive(Debug)]
struct Waiter {
    id: u64,
    direction: Direction,
    waker: Waker,
}

#[derive(Debug, Default)]
struct Waiters {
    list: Vec<Waiter>,
}

#[derive(Debug)]
pub(crate) struct Source {
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
    next_id: AtomicU64,
}

impl Source {
    pub(crate) fn new() -> Source {
        Source {
            readiness: AtomicUsize::new(0),
            waiters: Mutex::new(Waiters { list: Vec::new() }),
            next_id: AtomicU64::new(FIRST_WAITER_ID),
        }
    }

    fn waiters(&self) -> MutexGuard<'_, Waiters> {
        // A panic cannot leave the list half-changed (every change is one Vec call).
        self.waiters.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh waiter id for one `async` operation.
    pub(crate) fn waiter_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Records an event from the kernel: sets `ready`, bumps the tick, and moves the wakers
    /// it ends into `wake` (woken by the caller once no lock is held). Returns how many
    /// waiters left the list.
    pub(crate) fn set_ready(&self, ready: usize, wake: &mut Vec<Waker>) -> usize {
        let mut current = self.readiness.load(Ordering::Acquire);
        loop {
            let tick = (current >> TICK_SHIFT).wrapping_add(1);
            let next = (tick << TICK_SHIFT) | (current & READY_MASK) | ready;
            match self.readiness.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        // Taken after the readiness is published: a waiter that registered before this
        // lock is woken here; one that registers after it sees the new bits on its re-check.
        let mut waiters = self.waiters();
        let before = waiters.list.len();
        let mut at = 0;
        while at < waiters.list.len() {
            if waiters.list[at].direction.mask() & ready != 0 {
                wake.push(waiters.list.swap_remove(at).waker);
            } else {
                at += 1;
            }
        }
        before - waiters.list.len()
    }

    /// Ready if the fd is ready `direction`-wise; else registers `cx`'s waker under `id`
    /// (replacing that id's earlier waker) and returns `Pending`. The `isize` is the change
    /// in the number of waiters, for the reactor's count.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        id: u64,
    ) -> (Poll<ReadyEvent>, isize) {
        if let Some(event) = self.ready_now(direction) {
            return (Poll::Ready(event), 0);
        }
        let mut waiters = self.waiters();
        // Checked again with the lock held: an event published before we took it is seen
        // here; one after it finds our waker in the list.
        if let Some(event) = self.ready_now(direction) {
            let removed = remove_id(&mut waiters, id);
            return (Poll::Ready(event), -(removed as isize));
        }
        match waiters.list.iter_mut().find(|w| w.id == id) {
            Some(waiter) => {
                if !waiter.waker.will_wake(cx.waker()) {
                    waiter.waker.clone_from(cx.waker());
                }
                waiter.direction = direction;
                (Poll::Pending, 0)
            }
            None => {
                // Most fds have one waiter at a time: room for exactly one, not Vec's four.
                waiters.list.reserve_exact(1);
                waiters.list.push(Waiter {
                    id,
                    direction,
                    waker: cx.waker().clone(),
                });
                (Poll::Pending, 1)
            }
        }
    }

    fn ready_now(&self, direction: Direction) -> Option<ReadyEvent> {
        let word = self.readiness.load(Ordering::Acquire);
        let ready = word & direction.mask();
        (ready != 0).then_some(ReadyEvent {
            ready,
            tick: word >> TICK_SHIFT,
        })
    }

    /// An operation after `event` returned `WouldBlock`: forget the bits it saw, unless an
    /// event came since (the tick moved), which the next wait must see.
    pub(crate) fn clear_ready(&self, event: ReadyEvent) {
        let clear = event.ready & !STICKY;
        let _ = self
            .readiness
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |word| {
                (word >> TICK_SHIFT == event.tick).then_some(word & !clear)
            });
    }

    /// Forgets waiter `id` (its operation finished or was cancelled). Returns how many
    /// waiters left the list (0 or 1).
    pub(crate) fn remove_waiter(&self, id: u64) -> usize {
        remove_id(&mut self.waiters(), id)
    }

    /// Moves every waiter's waker into `wake` (the reactor is shutting down). Returns how
    /// many there were.
    pub(crate) fn take_all_waiters(&self, wake: &mut Vec<Waker>) -> usize {
        let mut waiters = self.waiters();
        let count = waiters.list.len();
        wake.extend(waiters.list.drain(..).map(|waiter| waiter.waker));
        count
    }

    /// Drops every waiter (the fd is going away). Returns how many there were.
    pub(crate) fn clear_waiters(&self) -> usize {
        let mut waiters = self.waiters();
        let count = waiters.list.len();
        waiters.list.clear();
        count
    }
}

fn remove_id(waiters: &mut Waiters, id: u64) -> usize {
    match waiters.list.iter().position(|w| w.id == id) {
        Some(at) => {
            waiters.list.swap_remove(at);
            1
        }
        None => 0,
    }
}

// Unit tests of the readiness word and the waiter list: no syscalls, so they run under
// Miri too (`cargo +nightly miri test -p corio-io --lib reactor::source`). Under loom the
// models in `loom_models` replace them (loom's types work only inside a model).
#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn poll(source: &Source, direction: Direction, id: u64) -> (Poll<ReadyEvent>, isize) {
        let mut cx = Context::from_waker(futures::task::noop_waker_ref());
        source.poll_ready(&mut cx, direction, id)
    }

    #[test]
    fn a_stale_would_block_cannot_clear_readiness_from_a_newer_event() {
        let source = Source::new();
        let mut wake = Vec::new();
        source.set_ready(READABLE, &mut wake);
        let (Poll::Ready(seen), _) = poll(&source, Direction::Read, READ_SLOT) else {
            panic!("readable after the event");
        };
        // New data arrives between the read and its WouldBlock being handled.
        source.set_ready(READABLE, &mut wake);
        source.clear_ready(seen);
        assert!(poll(&source, Direction::Read, READ_SLOT).0.is_ready());
        // With no event in between, the WouldBlock clears it.
        let (Poll::Ready(seen), _) = poll(&source, Direction::Read, READ_SLOT) else {
            unreachable!()
        };
        source.clear_ready(seen);
        assert_eq!(poll(&source, Direction::Read, READ_SLOT).1, 1, "now waits");
    }

    #[test]
    fn closed_bits_stay_and_end_waits_of_their_direction() {
        let source = Source::new();
        source.set_ready(READ_CLOSED, &mut Vec::new());
        let (Poll::Ready(seen), _) = poll(&source, Direction::Read, READ_SLOT) else {
            panic!("a closed read side ends a read wait");
        };
        source.clear_ready(seen);
        assert!(poll(&source, Direction::Read, READ_SLOT).0.is_ready());
        assert!(poll(&source, Direction::Write, WRITE_SLOT).0.is_pending());
    }

    #[test]
    fn an_event_wakes_every_waiter_of_its_direction_and_only_those() {
        let source = Source::new();
        let (a, b) = (source.waiter_id(), source.waiter_id());
        assert_eq!(poll(&source, Direction::Read, a).1, 1);
        assert_eq!(poll(&source, Direction::Read, b).1, 1);
        assert_eq!(poll(&source, Direction::Write, WRITE_SLOT).1, 1);
        assert_eq!(poll(&source, Direction::Read, a).1, 0, "same id: replaced");
        let mut wake = Vec::new();
        assert_eq!(source.set_ready(READABLE, &mut wake), 2);
        assert_eq!(wake.len(), 2);
        assert_eq!(source.remove_waiter(a), 0, "already gone");
        assert_eq!(source.clear_waiters(), 1, "the writer is still there");
    }

    /// The loom model `loom_event_races_a_registering_waiter` as a plain threaded test, so
    /// Miri's data-race checker and the sanitizers see the handshake on real threads.
    #[test]
    fn an_event_from_another_thread_is_seen_or_wakes_the_waiter() {
        use std::sync::atomic::AtomicUsize as Count;
        use std::sync::Arc;
        struct CountWakes(Count);
        impl std::task::Wake for CountWakes {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        for _ in 0..if cfg!(miri) { 20 } else { 2000 } {
            let source = Arc::new(Source::new());
            let woken = Arc::new(CountWakes(Count::new(0)));
            let waker = Waker::from(woken.clone());
            let reactor = {
                let source = source.clone();
                std::thread::spawn(move || {
                    let mut wake = Vec::new();
                    let left = source.set_ready(READABLE, &mut wake);
                    wake.into_iter().for_each(Waker::wake);
                    left
                })
            };
            let id = source.waiter_id();
            let (poll, added) =
                source.poll_ready(&mut Context::from_waker(&waker), Direction::Read, id);
            let left = reactor.join().unwrap();
            if poll.is_pending() {
                assert_eq!(woken.0.load(Ordering::SeqCst), 1, "lost wake-up");
            }
            assert_eq!(added, left as isize);
        }
    }
}
