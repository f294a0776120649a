//! The loom models of an fd's readiness/waiter handshake (`reactor::source`): the reactor
//! publishes an event (new ready bits and a tick) and wakes the waiters it ends, while a
//! task on another thread checks the word, registers its waker, clears readiness its
//! `WouldBlock` proved stale, or leaves the list. Each model checks what a user would see
//! go wrong: a task asleep although the fd is ready (a lost wake-up), readiness forgotten
//! although data came after the failed read, or a waiter count (the paused clock's
//! question) that does not return to zero.
//!
//! Run with `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom
//! cargo test --release -p corio-io --lib loom` (the shim they run against is `src/loom.rs`).

use crate::loom::{AtomicUsize, Ordering};
use crate::reactor::source::{Direction, ReadyEvent, Source, READABLE, WRITABLE};
use loom::sync::atomic::AtomicBool;
use loom::sync::Arc;
use loom::thread;
use std::task::{Context, Poll, Wake, Waker};

/// A waker that counts its wakes.
struct CountWakes(AtomicUsize);

impl Wake for CountWakes {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (std::sync::Arc<CountWakes>, Waker) {
    let count = std::sync::Arc::new(CountWakes(AtomicUsize::new(0)));
    (count.clone(), Waker::from(count))
}

fn poll_ready(
    source: &Source,
    waker: &Waker,
    direction: Direction,
    id: u64,
) -> (Poll<ReadyEvent>, isize) {
    source.poll_ready(&mut Context::from_waker(waker), direction, id)
}

/// The reactor's side of one event: publish `ready`, then wake (outside the lock) every
/// waiter it ended. Returns how many left the list.
fn deliver(source: &Source, ready: usize) -> usize {
    let mut wake = Vec::new();
    let left = source.set_ready(ready, &mut wake);
    for waker in wake {
        waker.wake();
    }
    left
}

/// A task polls a fresh fd while the reactor delivers its first event: it either sees the
/// event or is woken by it, and the waiter count balances.
#[test]
fn loom_event_races_a_registering_waiter() {
    loom::model(|| {
        let source = Arc::new(Source::new());
        let (woken, waker) = counting_waker();
        let reactor = {
            let source = source.clone();
            thread::spawn(move || deliver(&source, READABLE))
        };
        let id = source.waiter_id();
        let (poll, added) = poll_ready(&source, &waker, Direction::Read, id);
        let left = reactor.join().unwrap();
        if poll.is_pending() {
            assert_eq!(woken.0.load(Ordering::SeqCst), 1, "lost wake-up");
        }
        assert_eq!(added, left as isize, "every waiter added was taken out");
        assert_eq!(source.clear_waiters(), 0);
        assert!(poll_ready(&source, &waker, Direction::Read, id)
            .0
            .is_ready());
    });
}

/// A read saw readiness, found no data (`WouldBlock`) and clears what it saw, while new
/// data's event arrives: whichever comes first, the fd is still readable afterwards.
#[test]
fn loom_stale_would_block_cannot_clear_a_newer_event() {
    loom::model(|| {
        let source = Arc::new(Source::new());
        let (_, waker) = counting_waker();
        deliver(&source, READABLE);
        let Poll::Ready(seen) = poll_ready(&source, &waker, Direction::Read, 2).0 else {
            panic!("readable after the event");
        };
        let reactor = {
            let source = source.clone();
            thread::spawn(move || deliver(&source, READABLE))
        };
        source.clear_ready(seen);
        reactor.join().unwrap();
        assert!(
            poll_ready(&source, &waker, Direction::Read, 2).0.is_ready(),
            "the newer event's readiness was cleared by a stale WouldBlock"
        );
    });
}

/// The whole read loop of `Async::read_with` against a peer whose data lands (and whose
/// event is delivered) at any point: the loop either reads the data or sleeps with a wake
/// on its way, after which the fd reads as ready.
#[test]
fn loom_read_loop_never_sleeps_through_new_data() {
    loom::model(|| {
        let source = Arc::new(Source::new());
        let data = Arc::new(AtomicBool::new(false));
        let (woken, waker) = counting_waker();
        // An old event (say, the registration's): ready, but nothing to read yet.
        deliver(&source, READABLE);
        let reactor = {
            let (source, data) = (source.clone(), data.clone());
            thread::spawn(move || {
                data.store(true, Ordering::Release);
                deliver(&source, READABLE);
            })
        };
        let id = source.waiter_id();
        let got = loop {
            match poll_ready(&source, &waker, Direction::Read, id).0 {
                Poll::Ready(_) if data.load(Ordering::Acquire) => break true,
                Poll::Ready(seen) => source.clear_ready(seen), // WouldBlock
                Poll::Pending => break false,
            }
        };
        reactor.join().unwrap();
        if !got {
            assert_eq!(
                woken.0.load(Ordering::SeqCst),
                1,
                "asleep with data waiting"
            );
            assert!(poll_ready(&source, &waker, Direction::Read, id)
                .0
                .is_ready());
            assert!(data.load(Ordering::Acquire));
        }
        source.remove_waiter(id);
        assert_eq!(source.clear_waiters(), 0);
    });
}

/// A waiting task is cancelled (its future dropped) while an event ends its wait: the
/// waiter leaves the list exactly once, through one side or the other.
#[test]
fn loom_cancelled_waiter_races_an_event() {
    loom::model(|| {
        let source = Arc::new(Source::new());
        let (woken, waker) = counting_waker();
        let id = source.waiter_id();
        let (poll, added) = poll_ready(&source, &waker, Direction::Read, id);
        assert!(poll.is_pending());
        assert_eq!(added, 1);
        let reactor = {
            let source = source.clone();
            thread::spawn(move || deliver(&source, READABLE | WRITABLE))
        };
        let cancelled = source.remove_waiter(id);
        let left = reactor.join().unwrap();
        assert_eq!(cancelled + left, 1, "the waiter left the list exactly once");
        assert_eq!(woken.0.load(Ordering::SeqCst), left);
        assert_eq!(source.clear_waiters(), 0);
    });
}

/// A reader and a writer wait on one fd while an event for one direction arrives: it wakes
/// the reader, never the writer, whose waiter stays listed.
#[test]
fn loom_event_wakes_only_its_direction() {
    loom::model(|| {
        let source = Arc::new(Source::new());
        let (read_woken, read_waker) = counting_waker();
        let (write_woken, write_waker) = counting_waker();
        let reactor = {
            let source = source.clone();
            thread::spawn(move || deliver(&source, READABLE))
        };
        let (reader, writer) = (source.waiter_id(), source.waiter_id());
        let (read_poll, _) = poll_ready(&source, &read_waker, Direction::Read, reader);
        let (write_poll, _) = poll_ready(&source, &write_waker, Direction::Write, writer);
        reactor.join().unwrap();
        assert!(write_poll.is_pending());
        assert_eq!(write_woken.0.load(Ordering::SeqCst), 0);
        if read_poll.is_pending() {
            assert_eq!(read_woken.0.load(Ordering::SeqCst), 1, "lost wake-up");
        }
        assert_eq!(source.remove_waiter(writer), 1, "the writer still waits");
    });
}
