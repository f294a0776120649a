//! The reactor: one per loop, installed into the runtime through corio-executor's park hook
//! the first time an fd is registered, so a loop that never touches I/O pays nothing.
//!
//! Every fd is registered once, for both directions, edge-triggered (mio's default): no
//! re-arm syscall per wait. An event's token names a slot in the reactor's table plus that
//! slot's generation, so an event still in flight for an fd that was deregistered (and its
//! slot reused) is recognised and dropped. The loop's park is `epoll_wait` with the next
//! timer's deadline as timeout; a wake from another thread writes the eventfd of a
//! `mio::Waker`, which the executor does only while the loop is parked.

pub(crate) mod source;

use corio_executor::driver::{current_or_install, Driver};
use mio::{Events, Interest, Poll, Registry, Token};
use source::{Direction, ReadyEvent, Source};
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Waker};
use std::time::Duration;

/// The token of the reactor's own eventfd.
const WAKE_TOKEN: Token = Token(usize::MAX);
/// Events taken from the kernel per `epoll_wait`.
const EVENTS_PER_POLL: usize = 1024;
/// Slot index in the token's low half, the slot's generation in the high half.
const INDEX_BITS: u32 = usize::BITS / 2;
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;

pub(crate) struct Reactor {
    /// The poller and its event buffer; only the loop's thread polls.
    poll: Mutex<(Poll, Events, Vec<Waker>)>,
    registry: Registry,
    waker: mio::Waker,
    table: Mutex<Table>,
    /// Tasks waiting on any source (see `source`): the paused clock's question.
    waiters: AtomicUsize,
    /// Set when the runtime was dropped: no loop will dispatch events any more.
    shut_down: AtomicBool,
}

/// The registered sources, by slot.
#[derive(Default)]
struct Table {
    slots: Vec<Slot>,
    free: Vec<usize>,
}

struct Slot {
    generation: usize,
    source: Option<Arc<Source>>,
}

impl std::fmt::Debug for Reactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reactor")
            .field("waiters", &self.waiters.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing under these locks can be left half-done by a panic.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Reactor {
    fn new() -> io::Result<Reactor> {
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = mio::Waker::new(&registry, WAKE_TOKEN)?;
        Ok(Reactor {
            poll: Mutex::new((poll, Events::with_capacity(EVENTS_PER_POLL), Vec::new())),
            registry,
            waker,
            table: Mutex::new(Table::default()),
            waiters: AtomicUsize::new(0),
            shut_down: AtomicBool::new(false),
        })
    }

    /// The reactor of the loop running on this thread, installed on first use.
    pub(crate) fn current() -> io::Result<Arc<Reactor>> {
        current_or_install(Reactor::new)
    }

    /// Registers `io` for both directions, once, edge-triggered.
    pub(crate) fn register(
        self: &Arc<Self>,
        io: &mut impl mio::event::Source,
    ) -> io::Result<Registration> {
        let source = Arc::new(Source::new());
        let token = {
            let mut table = lock(&self.table);
            let index = match table.free.pop() {
                Some(index) => index,
                None => {
                    table.slots.push(Slot {
                        generation: 0,
                        source: None,
                    });
                    table.slots.len() - 1
                }
            };
            assert!(index < INDEX_MASK, "more registered fds than tokens");
            let slot = &mut table.slots[index];
            slot.source = Some(source.clone());
            Token(index | (slot.generation << INDEX_BITS))
        };
        if let Err(err) = self
            .registry
            .register(io, token, Interest::READABLE | Interest::WRITABLE)
        {
            self.release(token);
            return Err(err);
        }
        Ok(Registration {
            reactor: self.clone(),
            source,
            token,
        })
    }

    /// Frees `token`'s slot; its generation moves on so late events for it are dropped.
    fn release(&self, token: Token) {
        let mut table = lock(&self.table);
        let index = token.0 & INDEX_MASK;
        let slot = &mut table.slots[index];
        slot.source = None;
        slot.generation = (slot.generation + 1) & (usize::MAX >> INDEX_BITS);
        table.free.push(index);
    }

    fn add_waiters(&self, delta: isize) {
        if delta > 0 {
            self.waiters.fetch_add(delta as usize, Ordering::Relaxed);
        } else if delta < 0 {
            self.waiters
                .fetch_sub(delta.unsigned_abs(), Ordering::Relaxed);
        }
    }
}

impl Driver for Reactor {
    fn park(&self, timeout: Option<Duration>) {
        let mut guard = lock(&self.poll);
        let (poll, events, wake) = &mut *guard;
        match poll.poll(events, timeout) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::Interrupted => return,
            Err(err) => panic!("corio-io: waiting for I/O events failed: {err}"),
        }
        let mut left = 0;
        {
            let table = lock(&self.table);
            for event in events.iter() {
                let token = event.token();
                if token == WAKE_TOKEN {
                    continue;
                }
                let Some(slot) = table.slots.get(token.0 & INDEX_MASK) else {
                    continue;
                };
                let source = match &slot.source {
                    Some(source) if slot.generation == token.0 >> INDEX_BITS => source,
                    _ => continue, // deregistered since: a late event
                };
                let mut ready = 0;
                if event.is_readable() {
                    ready |= source::READABLE;
                }
                if event.is_writable() {
                    ready |= source::WRITABLE;
                }
                if event.is_read_closed() {
                    ready |= source::READ_CLOSED;
                }
                if event.is_write_closed() {
                    ready |= source::WRITE_CLOSED;
                }
                if event.is_error() {
                    ready |= source::ERROR;
                }
                left += source.set_ready(ready, wake);
            }
        }
        self.add_waiters(-(left as isize));
        if wake.is_empty() {
            return;
        }
        // Woken with the poller unlocked: a waker may do anything, even deregister an fd.
        let mut woken = std::mem::take(wake);
        drop(guard);
        for waker in woken.drain(..) {
            waker.wake();
        }
        lock(&self.poll).2 = woken; // the emptied buffer, for reuse
    }

    fn unpark(&self) {
        if let Err(err) = self.waker.wake() {
            panic!("corio-io: waking the loop out of its I/O wait failed: {err}");
        }
    }

    fn has_waiters(&self) -> bool {
        self.waiters.load(Ordering::Relaxed) > 0
    }

    /// The runtime is gone: sockets still open (held outside it) fail from now on, and the
    /// tasks of other runtimes waiting on them are woken to see that.
    fn shutdown(&self) {
        self.shut_down.store(true, Ordering::SeqCst);
        let sources: Vec<Arc<Source>> = lock(&self.table)
            .slots
            .iter()
            .filter_map(|slot| slot.source.clone())
            .collect();
        let mut wake = Vec::new();
        for source in sources {
            let left = source.take_all_waiters(&mut wake);
            self.add_waiters(-(left as isize));
        }
        for waker in wake {
            waker.wake();
        }
    }
}

/// An fd's place in the reactor; deregisters on [`deregister`](Registration::deregister)
/// (the owner calls it with the fd before closing it).
#[derive(Debug)]
pub(crate) struct Registration {
    reactor: Arc<Reactor>,
    source: Arc<Source>,
    token: Token,
}

impl Registration {
    /// `Ready` once the fd is ready `direction`-wise, else registers the waker under `id`.
    ///
    /// # Errors
    /// Once the runtime the fd was registered in has been dropped: no loop will ever report
    /// its readiness again.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        id: u64,
    ) -> std::task::Poll<io::Result<ReadyEvent>> {
        if self.reactor.shut_down.load(Ordering::SeqCst) {
            return std::task::Poll::Ready(Err(io::Error::other(
                "the corio runtime this socket was created in has been dropped; \
                 create sockets inside the runtime that uses them",
            )));
        }
        let (poll, delta) = self.source.poll_ready(cx, direction, id);
        self.reactor.add_waiters(delta);
        poll.map(Ok)
    }

    pub(crate) fn clear_ready(&self, event: ReadyEvent) {
        self.source.clear_ready(event);
    }

    pub(crate) fn waiter_id(&self) -> u64 {
        self.source.waiter_id()
    }

    pub(crate) fn remove_waiter(&self, id: u64) {
        let removed = self.source.remove_waiter(id);
        self.reactor.add_waiters(-(removed as isize));
    }

    /// Takes `io` out of the reactor: no more events, no more waiters.
    pub(crate) fn deregister(&self, io: &mut impl mio::event::Source) {
        // An error here means the fd was never (or is no longer) in the epoll set; either
        // way nothing more can arrive for it, and the slot's generation guards the rest.
        let _ = self.reactor.registry.deregister(io);
        self.reactor.release(self.token);
        let removed = self.source.clear_waiters();
        self.reactor.add_waiters(-(removed as isize));
    }
}
