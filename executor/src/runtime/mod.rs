//! The runtime: [`Runtime`], its [`Builder`], the [`Handle`] other threads use, [`run`],
//! and the loop itself.
//!
//! The loop, in one picture: pop the next runnable in FIFO order and poll it; every
//! [`BATCH`] polls (and whenever the local queue runs dry) move the wakes that came from
//! other threads onto the local queue and fire due timers, so a task that keeps yielding
//! cannot starve them; a task that yields (wakes itself while polled) goes behind the
//! wakes other threads sent before it did; when nothing is runnable, park until the next
//! timer deadline or a wake from another thread. With the paused clock, instead of parking,
//! jump virtual time to the next deadline, unless work from outside is pending (a blocking
//! job in flight): then park until it ends. A deadline too far to count in ticks never
//! fires (no timer at all).
//!
//! In debug mode (`debug.rs`) the loop also times each poll and reports slow polls, late
//! timers and the tasks still pending at shutdown; [`Handle::tasks`] and
//! [`Handle::dump_tree`] list the live tasks in any mode (`introspect.rs`, `tree.rs`).
//!
//! # Invariants
//! - A task is polled only on the loop's thread, at most once per wake-up batch.
//! - A task's future is dropped exactly once: when it completes, when it is cancelled, or
//!   when the runtime shuts down.
//! - A timer never fires before its deadline.

pub(crate) mod blocking;
pub(crate) mod context;
mod debug;
pub mod driver;
mod introspect;
mod owned;
pub(crate) mod park;
mod pool;
mod schedule;
pub(crate) mod shared;
pub(crate) mod spawn;
pub(crate) mod task;
mod tree;

use crate::time::clock::Clock;
use context::Core;
use debug::{DebugMode, DebugSink};
use shared::{Runnable, Shared};
use spawn::{Origin, To};
use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use task::JoinHandle;
use task::TaskSnapshot;
pub use tree::TaskTree;

/// How many runnables the loop polls between looks at timers and cross-thread wakes.
const BATCH: usize = 61;

/// Runs `future` to completion on a new runtime, then cancels every task still alive:
/// Python's `asyncio.run`.
///
/// ```
/// let answer = corio_executor::run(async {
///     let half = corio_executor::spawn(async { 21 });
///     half.await.unwrap() * 2
/// });
/// assert_eq!(answer, 42);
/// ```
///
/// # Panics
/// If called from inside a running corio runtime on the same thread.
pub fn run<F: Future>(future: F) -> F::Output {
    Runtime::new().block_on(future)
}

/// [`run`] in debug mode: slow polls, late timers, tasks still pending at the end and
/// panics nobody awaited are reported on stderr (see [`Builder::debug`]). asyncio's
/// `asyncio.run(main(), debug=True)`.
///
/// ```
/// let answer = corio_executor::run_debug(async { 42 });
/// assert_eq!(answer, 42);
/// ```
///
/// # Panics
/// If called from inside a running corio runtime on the same thread.
pub fn run_debug<F: Future>(future: F) -> F::Output {
    Runtime::builder().debug(true).build().block_on(future)
}

/// A single-threaded event loop with its timers and tasks.
///
/// Dropping the runtime cancels every task still alive: their futures are dropped, their
/// destructors run, nothing leaks. A `Runtime` stays on the thread that made it (tasks
/// spawned with [`spawn_local`](crate::spawn_local) live in it); use a [`Handle`] to reach
/// it from other threads.
///
/// ```
/// let rt = corio_executor::Runtime::new();
/// let handle = rt.handle();
/// let from_thread = std::thread::spawn(move || handle.spawn(async { 1 + 1 })).join().unwrap();
/// assert_eq!(rt.block_on(from_thread).unwrap(), 2);
/// ```
pub struct Runtime {
    core: Core,
    /// `Runtime` is neither `Send` nor `Sync`: it owns `!Send` tasks.
    _not_send: std::marker::PhantomData<*const ()>,
}

/// Configures a [`Runtime`]: today, whether its clock starts paused.
///
/// ```
/// use corio_executor::{Builder, Runtime};
/// let rt: Runtime = Builder::new().start_paused(true).build();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
#[derive(Debug, Default, Clone)]
pub struct Builder {
    start_paused: bool,
    uptime: std::time::Duration,
    /// `None`: as `CORIO_DEBUG` says.
    debug: Option<bool>,
    slow_poll_threshold: Option<Duration>,
    debug_sink: Option<DebugSink>,
}

impl Builder {
    /// A builder with the defaults: the real clock.
    ///
    /// ```
    /// let rt = corio_executor::Builder::new().build(); // the same as Runtime::new()
    /// assert_eq!(rt.block_on(async { "ran" }), "ran");
    /// ```
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Starts the runtime with a paused, virtual clock: time stands still while any task
    /// can run and jumps to the next timer deadline when none can, so timing tests are
    /// instant and exact.
    ///
    /// ```
    /// use corio_executor::time::{sleep, Instant};
    /// use std::time::Duration;
    /// let rt = corio_executor::Runtime::builder().start_paused(true).build();
    /// let waited = rt.block_on(async {
    ///     let start = Instant::now();
    ///     sleep(Duration::from_secs(3600)).await; // returns at once
    ///     start.elapsed()
    /// });
    /// assert_eq!(waited, Duration::from_secs(3600));
    /// ```
    pub fn start_paused(mut self, paused: bool) -> Builder {
        self.start_paused = paused;
        self
    }

    /// Testing aid, not a stable API: starts the runtime's clock as if the runtime had
    /// been up for `uptime` already, so tests can check the timer arithmetic of a loop
    /// that has run for months. `build` panics if the platform's monotonic clock cannot
    /// represent a moment `uptime` in the past.
    #[doc(hidden)]
    pub fn clock_uptime(mut self, uptime: std::time::Duration) -> Builder {
        self.uptime = uptime;
        self
    }

    /// Turns debug mode on or off, whatever `CORIO_DEBUG` says. Without this call, a
    /// runtime is in debug mode when the environment variable `CORIO_DEBUG` is set (to
    /// anything but empty or `0`) as it is built. asyncio's debug mode, in corio's terms:
    ///
    /// - a poll that holds the loop for [`slow_poll_threshold`](Self::slow_poll_threshold)
    ///   or longer is reported with the task's id, name and spawn location, and how long
    ///   it took;
    /// - timers that fire that much later than their deadline are reported, with by how
    ///   much;
    /// - each task still pending when the runtime shuts down is reported as it is
    ///   cancelled, and a panic nobody awaited is reported with the task's spawn location;
    /// - [`TaskSnapshot::busy`](crate::task::TaskSnapshot::busy) counts the time each task
    ///   spent in poll.
    ///
    /// Reports are one line each, starting `corio debug:`, on stderr unless
    /// [`debug_sink`](Self::debug_sink) says otherwise. Debug mode costs a clock read per
    /// poll; with it off the loop never reads the clock around a poll.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = corio_executor::Runtime::builder()
    ///     .debug(true)
    ///     .slow_poll_threshold(Duration::from_millis(50))
    ///     .build();
    /// rt.block_on(async { /* a poll over 50 ms here would be reported */ });
    /// ```
    pub fn debug(mut self, on: bool) -> Builder {
        self.debug = Some(on);
        self
    }

    /// How long one poll may hold the loop before debug mode reports it, and how late a
    /// timer may fire before it is reported: 100 ms unless set (asyncio's
    /// `slow_callback_duration`). Matters only in debug mode.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::builder()
    ///     .debug(true)
    ///     .slow_poll_threshold(std::time::Duration::from_millis(10))
    ///     .build();
    /// # drop(rt);
    /// ```
    pub fn slow_poll_threshold(mut self, threshold: Duration) -> Builder {
        self.slow_poll_threshold = Some(threshold);
        self
    }

    /// Where debug mode writes its reports, one line each: stderr unless set. Any
    /// `Write + Send` will do: a file, a pipe, or a buffer a test reads. Setting a sink does
    /// not turn debug mode on.
    ///
    /// ```
    /// use std::io::Write;
    /// use std::sync::{Arc, Mutex};
    ///
    /// /// Collects the reports for the assertion below.
    /// #[derive(Clone, Default)]
    /// struct Captured(Arc<Mutex<Vec<u8>>>);
    /// impl Write for Captured {
    ///     fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
    ///         self.0.lock().unwrap().write(bytes)
    ///     }
    ///     fn flush(&mut self) -> std::io::Result<()> {
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let captured = Captured::default();
    /// let rt = corio_executor::Runtime::builder()
    ///     .debug(true)
    ///     .debug_sink(captured.clone())
    ///     .build();
    /// rt.block_on(async {
    ///     corio_executor::task::TaskBuilder::new()
    ///         .name("forgotten")
    ///         .spawn(std::future::pending::<()>());
    ///     corio_executor::yield_now().await;
    /// });
    /// drop(rt); // cancels the task, which debug mode reports
    /// let reports = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    /// assert!(reports.contains("'forgotten'"), "{reports}");
    /// assert!(reports.contains("still pending when the runtime shut down"), "{reports}");
    /// ```
    pub fn debug_sink(mut self, sink: impl std::io::Write + Send + 'static) -> Builder {
        self.debug_sink = Some(DebugSink::new(sink));
        self
    }

    /// Builds the runtime.
    ///
    /// ```
    /// let builder = corio_executor::Builder::new().start_paused(true);
    /// // A builder is a value: clone it to make several runtimes alike.
    /// let (first, second) = (builder.clone().build(), builder.build());
    /// assert_eq!(first.block_on(async { 1 }) + second.block_on(async { 2 }), 3);
    /// ```
    pub fn build(self) -> Runtime {
        let debug = self
            .debug
            .unwrap_or_else(debug::env_asks_for_debug)
            .then(|| {
                DebugMode::new(
                    self.slow_poll_threshold
                        .unwrap_or(debug::DEFAULT_SLOW_POLL_THRESHOLD),
                    self.debug_sink.unwrap_or_else(DebugSink::stderr),
                )
            });
        Runtime {
            core: Core::new(Clock::with_uptime(self.start_paused, self.uptime), debug),
            _not_send: std::marker::PhantomData,
        }
    }
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime::new()
    }
}

impl Runtime {
    /// A runtime with the real clock. [`run`] makes one for a single future; make one
    /// yourself to call [`block_on`](Self::block_on) more than once, keep tasks alive
    /// between calls, or hand out its [`handle`](Self::handle).
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new();
    /// let counter = rt.block_on(async { corio_executor::spawn(async { 1 }) });
    /// assert_eq!(rt.block_on(counter).unwrap(), 1, "the task outlived the first block_on");
    /// ```
    pub fn new() -> Runtime {
        Builder::new().build()
    }

    /// A [`Builder`] to configure one.
    ///
    /// ```
    /// use corio_executor::time::{sleep, Instant};
    /// use std::time::Duration;
    /// let rt = corio_executor::Runtime::builder().start_paused(true).build();
    /// let waited = rt.block_on(async {
    ///     let start = Instant::now();
    ///     sleep(Duration::from_secs(60)).await;
    ///     start.elapsed()
    /// });
    /// assert_eq!(waited, Duration::from_secs(60));
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// A handle to spawn onto this runtime from anywhere.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new();
    /// let handle = rt.handle();
    /// let job = handle.spawn(async { "queued before the loop ran" });
    /// assert_eq!(rt.block_on(job).unwrap(), "queued before the loop ran");
    /// ```
    pub fn handle(&self) -> Handle {
        Handle {
            shared: self.core.shared.clone(),
        }
    }

    /// Runs the loop until `future` completes, and returns its output. Tasks spawned
    /// meanwhile run alongside it; the ones still alive at the end stay in the runtime (for
    /// the next `block_on`, or until the runtime is dropped).
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let got = rt.block_on(async move {
    ///     corio_executor::spawn(async move { tx.send("from a task").unwrap() });
    ///     corio_executor::yield_now().await; // the task runs meanwhile
    ///     rx.try_recv().unwrap()
    /// });
    /// assert_eq!(got, "from a task");
    /// ```
    ///
    /// # Panics
    /// If a corio runtime is already running on this thread (the loop cannot block on
    /// itself); and, after the loop has been left cleanly, if `future` panicked.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _entered = context::enter(&self.core);
        let future = pin!(future);
        // Two loops, so the one without debug mode tests nothing for it at each poll.
        match self.core.polling.timer() {
            None => drive::<F, false>(&self.core, future),
            Some(_) => drive::<F, true>(&self.core, future),
        }
    }

    /// The tasks alive in this runtime, for debugging: id and name of each (and spawn
    /// location and parent). From inside the loop, or from another thread, use
    /// [`Handle::tasks`], which also tells what each task is doing.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new();
    /// rt.block_on(async {
    ///     corio_executor::task::TaskBuilder::new().name("worker").spawn(std::future::pending::<()>());
    /// });
    /// let tasks = rt.live_tasks();
    /// assert_eq!(tasks.len(), 1);
    /// assert_eq!(tasks[0].name(), Some("worker"));
    /// ```
    pub fn live_tasks(&self) -> Vec<task::TaskInfo> {
        self.core
            .owned
            .borrow()
            .iter()
            .map(task::Task::info)
            .collect()
    }
}

/// The loop of [`Runtime::block_on`], until `future` completes. `TIMED`: debug mode, each
/// poll timed by the `PollTimer` of `core.polling`.
fn drive<F: Future, const TIMED: bool>(core: &Core, mut future: Pin<&mut F>) -> F::Output {
    let main_waker = core.main_waker.clone();
    let mut cx = Context::from_waker(&main_waker);
    // A previous `block_on` may have ended in a panic with its future's wake pending.
    core.main_woke_itself.set(false);
    core.shared.unschedule_main();
    context::wake_main(&core.shared);
    // The last poll of an earlier `block_on` is no start for this one's first.
    restart_poll_timer::<TIMED>(core);
    let mut polls_since_maintenance = 0;
    // Counted apart from the above, which restarts whenever the queue runs dry: a loop
    // fed one remote wake at a time still looks at its I/O driver every BATCH polls.
    let mut polls_since_io: usize = 0;
    loop {
        while let Some(runnable) = core.pop() {
            match runnable {
                Runnable::Main => {
                    core.shared.unschedule_main();
                    let polled = {
                        let _polling = context::PollingMain::start(core);
                        match core.polling.timer().filter(|_| TIMED) {
                            None => future.as_mut().poll(&mut cx),
                            Some(timer) => {
                                let started = timer.start();
                                let polled = future.as_mut().poll(&mut cx);
                                timer.stop(started, None);
                                report_slow_poll(core);
                                polled
                            }
                        }
                    };
                    if let Poll::Ready(output) = polled {
                        return output;
                    }
                    if core.main_woke_itself.replace(false) {
                        // A yield of the `block_on` future: as for a task's.
                        take_remote_wakes(core);
                        core.push(Runnable::Main);
                    }
                }
                Runnable::Task(task) => run_task::<TIMED>(core, task),
                Runnable::Spawned(task) => {
                    core.owned.borrow_mut().insert(task.adopt());
                    run_task::<TIMED>(core, task);
                }
            }
            polls_since_io += 1;
            if polls_since_io == BATCH {
                polls_since_io = 0;
                driver::poll_now(core);
                restart_poll_timer::<TIMED>(core);
            }
            polls_since_maintenance += 1;
            if polls_since_maintenance == BATCH {
                polls_since_maintenance = 0;
                maintain(core);
                restart_poll_timer::<TIMED>(core);
            }
        }
        polls_since_maintenance = 0;
        if maintain(core) == 0 {
            idle(core);
        }
        restart_poll_timer::<TIMED>(core);
    }
}

/// Polls one task; queues it again if it was woken while it ran and, if it finished,
/// gives back the owned list's reference.
fn run_task<const TIMED: bool>(core: &Core, task: task::Notified) {
    let outcome = match core.polling.timer().filter(|_| TIMED) {
        None => task.run(&core.polling),
        Some(timer) => {
            let outcome = task.run_timed(&core.polling, timer);
            report_slow_poll(core);
            outcome
        }
    };
    match outcome {
        task::PollOutcome::Pending => {}
        task::PollOutcome::WokeItself(task) => {
            // A yield: wakes that came from other threads before it run first, as asyncio
            // runs `call_soon_threadsafe` callbacks ahead of a `sleep(0)`'s reschedule.
            take_remote_wakes(core);
            core.push(Runnable::Task(task));
        }
        // Where that wake would have gone had the task not been running: FIFO with the
        // other wakes from other threads.
        task::PollOutcome::WokenMeanwhile(task) => core.shared.requeue_remote(Runnable::Task(task)),
        task::PollOutcome::Completed(task) => {
            let owned = core.owned.borrow_mut().remove(&task);
            if let Some(owned) = owned {
                owned.release_with(task);
            }
        }
    }
}

/// Debug mode: reports the poll that just ended if it was slow.
fn report_slow_poll(core: &Core) {
    let slow = core.polling.timer().and_then(task::PollTimer::take_slow);
    if let (Some(slow), Some(debug)) = (slow, &core.shared.debug) {
        debug.slow_poll(&slow);
    }
}

/// Debug mode: the loop did work of its own since the last poll, which the next poll's
/// time must not include.
fn restart_poll_timer<const TIMED: bool>(core: &Core) {
    if let Some(timer) = core.polling.timer().filter(|_| TIMED) {
        timer.restart();
    }
}

/// Moves cross-thread wakes onto the local queue, answers the listings other threads asked
/// for, and fires due timers. Returns how many runnables that made ready.
fn maintain(core: &Core) -> usize {
    let mut ready = take_remote_wakes(core);
    while let Some(request) = core.shared.take_snapshot_request() {
        request.answer(introspect::snapshot(core));
    }
    // With no timer pending there is nothing to fire: skip reading the clock (the driver
    // brings an empty wheel up to date when the next timer arrives).
    if core.time.timers.borrow().len() > 0 {
        let mut fired = match &core.shared.debug {
            None => core.time.timers.borrow_mut().expire(&core.time.clock),
            Some(debug) => {
                let (fired, late) = core
                    .time
                    .timers
                    .borrow_mut()
                    .expire_noting_lateness(&core.time.clock);
                // Ticks are milliseconds.
                let late = Duration::from_millis(late.unwrap_or(0));
                if late >= debug.slow_poll_threshold && !fired.is_empty() {
                    debug.late_timers(fired.len(), late);
                }
                fired
            }
        };
        ready += fired.len();
        let panicked = wake_all(&mut fired);
        core.time.timers.borrow_mut().recycle(fired);
        if let Some(payload) = panicked {
            // The waker's owner's bug: surfaced from `block_on` once the batch is done.
            std::panic::resume_unwind(payload);
        }
    }
    ready + core.queue.borrow().len()
}

/// Wakes every waker in `batch` (emptying it), even if some of them panic: one waker's
/// panic must not cost the others their wake-up. Returns the first panic, for the caller to
/// resume once the batch is done.
fn wake_all(batch: &mut Vec<Waker>) -> Option<Box<dyn Any + Send>> {
    let mut wakers = batch.drain(..);
    let mut first_panic = None;
    // One `catch_unwind` per batch, plus one more per panicking waker.
    while let Err(payload) =
        catch_unwind(AssertUnwindSafe(|| wakers.by_ref().for_each(Waker::wake)))
    {
        first_panic.get_or_insert(payload);
    }
    first_panic
}

/// Moves the wakes and spawns that came from other threads onto the local queue, in the
/// order they came. Returns how many.
fn take_remote_wakes(core: &Core) -> usize {
    if !core.shared.has_remote() {
        return 0;
    }
    let mut taken = 0;
    while let Some(runnable) = core.shared.pop_remote() {
        core.push(runnable);
        taken += 1;
    }
    taken
}

/// Nothing is runnable: wait for a timer or a wake from another thread.
fn idle(core: &Core) {
    if let Some(installed) = core.shared.driver() {
        return driver::idle(core, &*installed.driver);
    }
    let next_deadline = core.time.timers.borrow().next_deadline();
    if core.time.clock.is_paused() {
        // Virtual time jumps to the next deadline unless work from outside is pending; then
        // (or with no deadline) wait for that work: every push to the cross-thread queue and
        // every blocking job's end unparks us.
        if let (Some(tick), true) = (next_deadline, core.shared.may_jump_time()) {
            core.time.clock.advance_to_tick(tick);
            return;
        }
        core.shared.park(None);
        return;
    }
    match next_deadline {
        Some(tick) => core.shared.park(core.time.clock.instant_of_tick(tick)),
        None => core.shared.park(None),
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Shutdown runs with the runtime entered, so destructors that touch timers or spawn
        // find it. Spawns now are refused: their tasks are cancelled at once.
        let _entered = context::enter_for_shutdown(&self.core);
        let core = &self.core;
        core.shared.close();
        loop {
            let tasks = core.owned.borrow_mut().take_all();
            if let Some(debug) = &core.shared.debug {
                for task in &tasks {
                    let pending = task.snapshot(&core.polling);
                    debug.pending_at_shutdown(pending.info(), pending.polls());
                }
            }
            let mut queued = 0;
            while let Some(runnable) = core.pop() {
                queued += 1;
                if let Runnable::Spawned(task) = runnable {
                    task.cancel_now();
                }
            }
            queued += core.shared.drain_remote();
            if tasks.is_empty() && queued == 0 {
                break;
            }
            for task in tasks {
                task.cancel_now();
            }
        }
        if let Some(installed) = core.shared.driver() {
            installed.driver.shutdown();
        }
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("id", &self.core.shared.id)
            .field("paused_clock", &self.core.time.clock.is_paused())
            .field("live_tasks", &self.core.owned.borrow().len())
            .field("pending_timers", &self.core.time.timers.borrow().len())
            .finish()
    }
}

/// A cheap, cloneable, thread-safe reference to a runtime, to spawn onto it from anywhere.
///
/// It also implements [`futures_task::Spawn`] (and [`futures_task::LocalSpawn`] on the
/// loop's own thread), so runtime-agnostic crates can spawn onto corio.
///
/// ```
/// corio_executor::run(async {
///     let handle = corio_executor::Handle::current();
///     let task = handle.spawn(async { "spawned through a handle" });
///     assert_eq!(task.await.unwrap(), "spawned through a handle");
/// });
/// ```
#[derive(Clone)]
pub struct Handle {
    shared: Arc<Shared>,
}

impl Handle {
    /// The handle of the runtime running on this thread.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new();
    /// // Inside the loop, fetch the handle and give it to a thread.
    /// let answer = rt.block_on(async {
    ///     let handle = corio_executor::Handle::current();
    ///     let job = std::thread::spawn(move || handle.spawn(async { 6 * 7 })).join().unwrap();
    ///     job.await.unwrap()
    /// });
    /// assert_eq!(answer, 42);
    /// ```
    ///
    /// # Panics
    /// Outside a running corio runtime; see [`try_current`](Self::try_current).
    pub fn current() -> Handle {
        Handle::try_current().expect(
            "Handle::current called outside a corio runtime: call it from inside \
             corio_executor::run / Runtime::block_on, or pass a Handle from Runtime::handle",
        )
    }

    /// The handle of the runtime running on this thread, or `None` outside one.
    ///
    /// ```
    /// assert!(corio_executor::Handle::try_current().is_none());
    /// corio_executor::run(async { assert!(corio_executor::Handle::try_current().is_some()) });
    /// ```
    pub fn try_current() -> Option<Handle> {
        context::with_current(|core| {
            core.map(|core| Handle {
                shared: core.shared.clone(),
            })
        })
    }

    /// Spawns a `Send` future onto the runtime, from any thread. It runs once the loop gets
    /// to it. If the runtime has shut down, the future is dropped unpolled and the handle
    /// reports `Cancelled`.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new();
    /// let handle = rt.handle();
    /// let from_thread = handle.clone();
    /// let job = std::thread::spawn(move || from_thread.spawn(async { 40 + 2 })).join().unwrap();
    /// assert_eq!(rt.block_on(job).unwrap(), 42);
    /// drop(rt);
    /// let late = handle.spawn(async { 0 }); // the runtime is gone: refused
    /// assert!(corio_executor::run(late).unwrap_err().is_cancelled());
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_from(future, Origin::here())
    }

    /// [`spawn`](Self::spawn) with a name and a spawn location, for `TaskBuilder::spawn_on`.
    pub(crate) fn spawn_from<F>(&self, future: F, origin: Origin) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn::spawn_joined(To::Runtime(&self.shared), future, origin)
    }

    /// Spawns a `Send` future that nobody will await, from any thread: [`spawn`] without
    /// the [`JoinHandle`], which saves the join bookkeeping (what runtime-agnostic code
    /// spawning through [`futures_task::Spawn`] gets). Its output is dropped when it
    /// finishes; a panic in it is reported on stderr. If the runtime has shut down, the
    /// future is dropped unpolled.
    ///
    /// [`spawn`]: Handle::spawn
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    /// let ran = Arc::new(AtomicBool::new(false));
    /// corio_executor::run({
    ///     let ran = ran.clone();
    ///     async move {
    ///         corio_executor::Handle::current().spawn_detached(async move {
    ///             ran.store(true, Ordering::SeqCst);
    ///         });
    ///         corio_executor::yield_now().await;
    ///     }
    /// });
    /// assert!(ran.load(Ordering::SeqCst));
    /// ```
    #[track_caller]
    pub fn spawn_detached<F>(&self, future: F)
    where
        F: Future + Send + 'static,
    {
        spawn::spawn_detached(To::Runtime(&self.shared), future, Origin::here());
    }

    /// Every live task of this runtime, in spawn order: id, name, spawn location, parent,
    /// state (running, ready, waiting), polls so far and, in debug mode, time spent in poll.
    /// asyncio's `all_tasks()`, with more detail.
    ///
    /// Takes no lock that a poll waits on. From the loop's own thread (inside a task or the
    /// future given to `block_on`) it reads the runtime's task list at once; the calling
    /// task is the one `Running`. From another thread it asks the loop, which answers
    /// between two polls: so it waits for a poll in progress to end, and, while the
    /// runtime is not running `block_on`, until it runs again (or shuts down: then the list
    /// is empty). Tasks spawned from other threads are listed once the loop has taken them
    /// in.
    ///
    /// ```
    /// use corio_executor::task::{TaskBuilder, TaskState};
    /// let rt = corio_executor::Runtime::new();
    /// let handle = rt.handle();
    /// let watcher = std::thread::spawn(move || handle.tasks());
    /// rt.block_on(async {
    ///     TaskBuilder::new().name("sleeper").spawn(std::future::pending::<()>());
    ///     // Keep the loop running until the other thread has its answer.
    ///     while !watcher.is_finished() {
    ///         corio_executor::time::sleep(std::time::Duration::from_millis(1)).await;
    ///     }
    ///     let seen = watcher.join().unwrap();
    ///     assert_eq!(seen.len(), 1);
    ///     assert_eq!(seen[0].info().name(), Some("sleeper"));
    ///     assert_eq!(seen[0].state(), TaskState::Waiting);
    /// });
    /// ```
    ///
    /// # Panics
    /// On the runtime's own thread while its loop is not running (outside `block_on`):
    /// the loop could never answer. Use [`Runtime::live_tasks`] there.
    pub fn tasks(&self) -> Vec<TaskSnapshot> {
        let here = context::with_current(|core| match core {
            Some(core) if Arc::ptr_eq(&core.shared, &self.shared) => {
                Some(introspect::snapshot(core))
            }
            _ => None,
        });
        if let Some(tasks) = here {
            return tasks;
        }
        assert!(
            std::thread::current().id() != self.shared.owner,
            "Handle::tasks called on its runtime's thread while the loop is not running: \
             nothing could answer. Call it from inside block_on, or use Runtime::live_tasks"
        );
        let request = Arc::new(introspect::SnapshotRequest::default());
        self.shared.request_snapshot(request.clone());
        request.wait()
    }

    /// The live tasks as a tree: each task under the task that spawned it (a TaskGroup's
    /// children under the task that owns the group), each line with id, name, state,
    /// polls and spawn location. Printable (`Display`); the listing comes from
    /// [`tasks`](Self::tasks), with its rules. Python 3.14's `python -m asyncio pstree`.
    ///
    /// ```
    /// corio_executor::run(async {
    ///     corio_executor::task::TaskBuilder::new()
    ///         .name("lonely")
    ///         .spawn(std::future::pending::<()>());
    ///     let tree = corio_executor::Handle::current().dump_tree();
    ///     println!("{tree}");
    ///     assert!(tree.to_string().contains("'lonely' [ready] polls: 0, spawned at "));
    /// });
    /// ```
    ///
    /// # Panics
    /// As [`tasks`](Self::tasks).
    pub fn dump_tree(&self) -> TaskTree {
        TaskTree::new(self.tasks())
    }

    /// True on the thread of this handle's runtime while its loop runs (inside its
    /// `block_on` or one of its tasks), false anywhere else.
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new();
    /// let handle = rt.handle();
    /// assert!(!handle.is_current());
    /// assert!(rt.block_on(async { corio_executor::Handle::current().is_current() }));
    /// let elsewhere = std::thread::spawn(move || handle.is_current()).join().unwrap();
    /// assert!(!elsewhere);
    /// ```
    pub fn is_current(&self) -> bool {
        context::with_current(|core| {
            core.is_some_and(|core| Arc::ptr_eq(&core.shared, &self.shared))
        })
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("runtime_id", &self.shared.id)
            .finish()
    }
}

impl futures_task::Spawn for Handle {
    #[track_caller]
    fn spawn_obj(
        &self,
        future: futures_task::FutureObj<'static, ()>,
    ) -> Result<(), futures_task::SpawnError> {
        self.status()?;
        self.spawn_detached(future);
        Ok(())
    }

    fn status(&self) -> Result<(), futures_task::SpawnError> {
        if self.shared.is_closed() {
            Err(futures_task::SpawnError::shutdown())
        } else {
            Ok(())
        }
    }
}

impl futures_task::LocalSpawn for Handle {
    /// Succeeds only on the loop's own thread while it runs: a `!Send` future cannot be
    /// handed to another thread.
    #[track_caller]
    fn spawn_local_obj(
        &self,
        future: futures_task::LocalFutureObj<'static, ()>,
    ) -> Result<(), futures_task::SpawnError> {
        self.status_local()?;
        spawn::spawn_detached(To::Runtime(&self.shared), future, Origin::here());
        Ok(())
    }

    fn status_local(&self) -> Result<(), futures_task::SpawnError> {
        if self.is_current() && !self.shared.is_closed() {
            Ok(())
        } else {
            Err(futures_task::SpawnError::shutdown())
        }
    }
}
