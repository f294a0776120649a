//! The loop-thread half of a runtime ([`Core`]) and the thread-local that says which
//! runtime, if any, is running on this thread.
//!
//! Everything in `Core` is touched only on the loop's thread, so it uses `RefCell`s, not
//! locks. The thread-local holds a pointer to the running `Core` for exactly as long as
//! `block_on` (or shutdown) runs; the guard of [`enter`] clears it, even on a panic.

use super::debug::DebugMode;
use super::owned::OwnedTasks;
use super::shared::{Runnable, Shared};
use super::task::{Notified, PollTimer, Polling, TaskAddr, TaskInfo};
use crate::time::clock::Clock;
use crate::time::driver::TimeDriver;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::sync::Arc;
use std::task::{Wake, Waker};

pub(crate) struct Core {
    pub(crate) shared: Arc<Shared>,
    /// The local run queue: FIFO in order of being woken.
    pub(crate) queue: RefCell<VecDeque<Runnable>>,
    pub(crate) owned: RefCell<OwnedTasks>,
    /// The clock and the timers: what `time/` reaches through [`with_time`].
    pub(crate) time: TimeDriver,
    /// Wakes the `block_on` future.
    pub(crate) main_waker: Waker,
    /// The task being polled, so it can wake itself without an atomic operation.
    pub(crate) polling: Polling,
    /// The `block_on` future is being polled (see [`PollingMain`]).
    polling_main: Cell<bool>,
    /// It woke itself during that poll: the loop queues it when the poll ends, behind the
    /// wakes from other threads (a yield), as it does for tasks.
    pub(crate) main_woke_itself: Cell<bool>,
    /// Task ids reserved for spawns on the loop's thread, `next_id..id_block_end`: taken from
    /// the shared counter a block at a time, so a local spawn costs no atomic for its id.
    next_id: Cell<u64>,
    id_block_end: Cell<u64>,
}

/// How many task ids the loop reserves from the shared counter at a time.
const ID_BLOCK: u64 = 1024;

/// Wakes the future given to `block_on`.
struct MainWaker(Arc<Shared>);

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        wake_main(&self.0);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        wake_main(&self.0);
    }
}

impl Core {
    pub(crate) fn new(clock: Clock, debug: Option<DebugMode>) -> Core {
        let timer = debug
            .as_ref()
            .map(|debug| PollTimer::new(debug.slow_poll_threshold));
        let shared = Arc::new(Shared::new(debug));
        Core {
            main_waker: Waker::from(Arc::new(MainWaker(shared.clone()))),
            time: TimeDriver::new(shared.id, clock),
            shared,
            queue: RefCell::new(VecDeque::with_capacity(256)),
            owned: RefCell::new(OwnedTasks::default()),
            polling: Polling::new(timer),
            polling_main: Cell::new(false),
            main_woke_itself: Cell::new(false),
            next_id: Cell::new(0),
            id_block_end: Cell::new(0),
        }
    }

    /// A new task id, unique within the runtime (ids given on other threads come from the
    /// same shared counter).
    pub(crate) fn next_task_id(&self) -> u64 {
        let mut id = self.next_id.get();
        if id == self.id_block_end.get() {
            id = self.shared.reserve_task_ids(ID_BLOCK);
            self.id_block_end.set(id + ID_BLOCK);
        }
        self.next_id.set(id + 1);
        id
    }

    pub(crate) fn push(&self, runnable: Runnable) {
        self.queue.borrow_mut().push_back(runnable);
    }

    pub(crate) fn pop(&self) -> Option<Runnable> {
        self.queue.borrow_mut().pop_front()
    }
}

/// Marks the `block_on` future as being polled until dropped (also on a panic).
pub(crate) struct PollingMain<'a>(&'a Core);

impl<'a> PollingMain<'a> {
    pub(crate) fn start(core: &'a Core) -> Self {
        core.polling_main.set(true);
        PollingMain(core)
    }
}

impl Drop for PollingMain<'_> {
    fn drop(&mut self) {
        self.0.polling_main.set(false);
    }
}

thread_local! {
    static CURRENT: Cell<*const Core> = const { Cell::new(std::ptr::null()) };
}

/// Restores the thread-local when `block_on` or shutdown ends.
pub(crate) struct EnterGuard {
    previous: *const Core,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        CURRENT.with(|current| current.set(self.previous));
    }
}

/// Makes `core` the running runtime of this thread until the guard drops.
///
/// # Panics
/// If a corio runtime is already running on this thread: a loop cannot block on itself.
pub(crate) fn enter(core: &Core) -> EnterGuard {
    CURRENT.with(|current| {
        assert!(
            current.get().is_null(),
            "Runtime::block_on called from inside a running corio runtime on the same thread: \
             the loop would wait for itself. `.await` the future or `spawn` it instead"
        );
        current.set(core);
    });
    EnterGuard {
        previous: std::ptr::null(),
    }
}

/// Makes `core` current for its shutdown, even inside another running runtime (a runtime
/// dropped inside a task); the other one is current again when the guard drops.
pub(crate) fn enter_for_shutdown(core: &Core) -> EnterGuard {
    let previous = CURRENT.with(|current| current.replace(core));
    EnterGuard { previous }
}

/// Runs `f` with the runtime running on this thread, if any.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Core>) -> R) -> R {
    let ptr = CURRENT.try_with(Cell::get).unwrap_or(std::ptr::null());
    // SAFETY: a non-null pointer was set by `enter` from a `&Core` that outlives the guard,
    // and the guard clears it before that borrow ends; only this thread reads it.
    f(unsafe { ptr.as_ref() })
}

/// The time driver (clock and timers) of the runtime running on this thread, if any: the
/// one way `time/` reaches it.
pub(crate) fn with_time<R>(f: impl FnOnce(Option<&TimeDriver>) -> R) -> R {
    with_current(|core| f(core.map(|core| &core.time)))
}

/// The task this thread's loop is polling right now, if any.
pub(crate) fn current_task() -> Option<TaskInfo> {
    with_current(|core| core?.polling.current())
}

/// Records a wake of the task this thread's loop is polling right now; false if `task` is
/// not that task (see `task::Polling`).
pub(crate) fn note_self_wake(task: TaskAddr) -> bool {
    with_current(|core| core.is_some_and(|core| core.polling.note_wake(task)))
}

/// Puts `runnable` on a run queue of `shared`'s runtime: the loop's own queue when called on
/// its thread while it runs (no locks, no atomics), else the cross-thread queue plus an
/// unpark.
pub(crate) fn schedule(shared: &Shared, runnable: Runnable) {
    if let Err(runnable) = push_local(shared, runnable) {
        shared.push_remote(runnable);
    }
}

/// Wakes the `block_on` future of `shared`'s runtime.
pub(crate) fn wake_main(shared: &Shared) {
    if shared.schedule_main() && !note_main_self_wake(shared) {
        schedule(shared, Runnable::Main);
    }
}

/// Records a wake of the `block_on` future of `shared`'s loop made during its own poll on
/// the loop's thread; false if this wake is not that.
fn note_main_self_wake(shared: &Shared) -> bool {
    with_current(|core| match core {
        Some(core)
            if core.polling_main.get() && std::ptr::eq(Arc::as_ptr(&core.shared), shared) =>
        {
            core.main_woke_itself.set(true);
            true
        }
        _ => false,
    })
}

/// Pushes onto the local queue if `shared`'s loop is the one running on this thread.
fn push_local(shared: &Shared, runnable: Runnable) -> Result<(), Runnable> {
    with_current(|core| match core {
        Some(core) if std::ptr::eq(Arc::as_ptr(&core.shared), shared) => {
            core.push(runnable);
            Ok(())
        }
        _ => Err(runnable),
    })
}

/// Queues a woken task on the local queue if `shared`'s loop is the one running on this
/// thread; else gives it back.
pub(crate) fn push_local_task(shared: &Shared, task: Notified) -> Result<(), Notified> {
    with_current(|core| match core {
        Some(core) if std::ptr::eq(Arc::as_ptr(&core.shared), shared) => {
            core.push(Runnable::Task(task));
            Ok(())
        }
        _ => Err(task),
    })
}
