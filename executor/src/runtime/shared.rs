//! The part of a runtime that other threads may reach: the cross-thread run queue, the
//! parker (and the driver it may park in), the closed flag and the blocking pool. Tasks and
//! `Handle`s hold it in an `Arc`. What depends on the thread a call comes from (the loop's
//! own queue) is `context`'s: [`context::schedule`](super::context::schedule) puts a
//! runnable on the local queue or, from elsewhere, here.

use super::debug::DebugMode;
use super::introspect::SnapshotRequest;
use super::park::{Driver, Installed, Parker};
use super::pool::BlockingPool;
use super::task::Notified;
use crate::loom::{fence, AtomicBool, Ordering, RemoteQueue};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

/// An entry of a run queue.
#[derive(Debug)]
pub(crate) enum Runnable {
    /// A task to poll (a wake, or a task spawned on the loop's thread).
    Task(Notified),
    /// A task spawned from another thread: the loop adopts it into its owned list first.
    Spawned(Notified),
    /// The future given to `block_on` was woken.
    Main,
}

/// Runtime ids, so timers and wakes can tell runtimes apart.
static NEXT_RUNTIME_ID: AtomicU64 = AtomicU64::new(1);

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) id: u64,
    remote: RemoteQueue<Runnable>,
    /// Shared with the blocking pool, whose workers unpark the loop when a job ends. It
    /// also holds the driver the loop parks in, once one is installed (`runtime::driver`).
    parker: Arc<Parker>,
    /// Set when the runtime shuts down: nothing runs any more, spawns are refused.
    closed: AtomicBool,
    /// The `block_on` future is on a run queue already.
    main_scheduled: AtomicBool,
    next_task_id: AtomicU64,
    pub(crate) blocking: BlockingPool,
    /// Listings of the live tasks other threads asked for (`Handle::tasks`): the loop
    /// answers them when it looks at the cross-thread queue. Apart from that queue, so the
    /// loop's run queues carry tasks only.
    snapshot_requests: RemoteQueue<Arc<SnapshotRequest>>,
    /// Debug mode's threshold and sink; `None` with debug mode off.
    pub(crate) debug: Option<DebugMode>,
    /// The thread that made the runtime, the only one its loop can run on (`Runtime` is
    /// not `Send`).
    pub(crate) owner: std::thread::ThreadId,
}

impl Shared {
    pub(crate) fn new(debug: Option<DebugMode>) -> Self {
        let parker = Arc::new(Parker::new());
        Shared {
            id: NEXT_RUNTIME_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            remote: RemoteQueue::new(),
            blocking: BlockingPool::new(parker.clone()),
            parker,
            closed: AtomicBool::new(false),
            main_scheduled: AtomicBool::new(false),
            next_task_id: AtomicU64::new(1),
            snapshot_requests: RemoteQueue::new(),
            debug,
            owner: std::thread::current().id(),
        }
    }

    pub(crate) fn next_task_id(&self) -> u64 {
        self.reserve_task_ids(1)
    }

    /// Reserves `count` consecutive task ids and returns the first.
    pub(crate) fn reserve_task_ids(&self, count: u64) -> u64 {
        self.next_task_id
            .fetch_add(count, std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Puts `runnable` on the cross-thread queue and unparks the loop: for callers off the
    /// loop's thread (see `context::schedule`).
    pub(crate) fn push_remote(&self, runnable: Runnable) {
        self.remote.push(runnable);
        self.after_push();
    }

    /// After a push to one of the loop's cross-thread queues: unpark the loop, or, if the
    /// runtime has closed, drain the queues ourselves. Pairs with the fence in `close`:
    /// either we see `closed`, or the loop's final drain sees our entry. Without it an entry
    /// could sit in a queue forever.
    fn after_push(&self) {
        fence(Ordering::SeqCst);
        if self.closed.load(Ordering::SeqCst) {
            self.drain_remote();
        } else {
            self.parker.unpark();
        }
    }

    /// The loop puts `runnable` on its own cross-thread queue (no unpark: it is running).
    pub(crate) fn requeue_remote(&self, runnable: Runnable) {
        self.remote.push(runnable);
    }

    /// Marks the `block_on` future scheduled; true if it was not (the caller queues it).
    pub(crate) fn schedule_main(&self) -> bool {
        !self.main_scheduled.swap(true, Ordering::AcqRel)
    }

    /// The loop is about to poll the `block_on` future: later wakes queue it again.
    pub(crate) fn unschedule_main(&self) {
        self.main_scheduled.store(false, Ordering::Release);
    }

    pub(crate) fn pop_remote(&self) -> Option<Runnable> {
        self.remote.pop()
    }

    /// Whether the cross-thread queue may hold anything: two plain loads, cheaper than a
    /// `pop` of an empty queue (which fences), for the loop's look at it on every yield.
    pub(crate) fn has_remote(&self) -> bool {
        !self.remote.is_empty()
    }

    /// With a paused clock and nothing runnable: whether virtual time may jump to the next
    /// deadline. Not while work from outside is pending: a blocking job in flight (its end
    /// unparks the loop) or a wake a job sent as it ended, still in the cross-thread queue
    /// (the job counts itself out after that wake, so seeing the count at zero means seeing
    /// the wake).
    pub(crate) fn may_jump_time(&self) -> bool {
        self.blocking.in_flight() == 0 && !self.has_remote()
    }

    pub(crate) fn park(&self, deadline: Option<std::time::Instant>) {
        self.parker.park(deadline);
    }

    /// Parks in `driver` (the installed one) for at most `timeout`.
    pub(crate) fn park_in_driver(&self, driver: &dyn Driver, timeout: Option<Duration>) {
        self.parker.park_in_driver(driver, timeout);
    }

    pub(crate) fn driver(&self) -> Option<&Installed> {
        self.parker.driver()
    }

    /// Installs `driver` unless one is there already; returns the one in place. Called on
    /// the loop's thread only, so the loop never sleeps on its condvar while this runs.
    pub(crate) fn install_driver(&self, driver: Installed) -> &Installed {
        self.parker.install_driver(driver)
    }

    /// Marks the runtime closed. Afterwards every entry pushed to the remote queue is
    /// drained by its pusher or by the loop's own final drain.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
    }

    /// Empties the remote queue after close. Tasks spawned from other threads that never
    /// ran are cancelled here (their futures are `Send`, so any thread may drop them); other
    /// entries only give back their reference: the loop cancels the tasks it owns itself.
    pub(crate) fn drain_remote(&self) -> usize {
        let mut drained = 0;
        while let Some(runnable) = self.remote.pop() {
            drained += 1;
            if let Runnable::Spawned(task) = runnable {
                task.cancel_now();
            }
        }
        // The runtime is gone: no task is alive any more.
        while let Some(request) = self.snapshot_requests.pop() {
            request.answer(Vec::new());
        }
        drained
    }

    /// Asks the loop for a listing of the live tasks, from another thread; the loop answers
    /// when it next looks at the cross-thread queue ([`Shared::take_snapshot_request`]),
    /// and a closed runtime at once, with an empty list.
    pub(crate) fn request_snapshot(&self, request: Arc<SnapshotRequest>) {
        self.snapshot_requests.push(request);
        self.after_push();
    }

    /// A listing another thread asked for, if any. Loop thread.
    pub(crate) fn take_snapshot_request(&self) -> Option<Arc<SnapshotRequest>> {
        if self.snapshot_requests.is_empty() {
            return None;
        }
        self.snapshot_requests.pop()
    }
}
