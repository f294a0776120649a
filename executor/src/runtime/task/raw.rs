//! One task, one allocation: a [`Header`], the scheduler, and the future's slot, which is
//! reused for the output once the future is done.
//!
//! ```text
//! TaskCell<F, S> (repr(C), one Box)
//! +---------------------------------------------+
//! | Header: state word (flags + ref count)      |  <- every Waker and TaskRef points here
//! |         &'static Vtable (typed functions)   |
//! |         join waker slot (JoinHandle's waker)|
//! |         owned-list index, poll count (low)  |
//! |         meta (id, name, spawn location...)  |
//! | S: the scheduler (where wakes go)           |  <- at an offset that depends on S only
//! | Stage<F>: Running(F) | Finished(result) | Consumed |
//! +---------------------------------------------+
//! ```
//!
//! Untyped code (run queues, `JoinHandle<T>`) holds a [`TaskRef`] and calls through the
//! vtable, whose functions know `F` and `S`. Wakers know `S` (their vtable is the
//! scheduler's, see [`Schedule::waker_vtable`]), which is all a wake needs. The rules every
//! `SAFETY` comment here cites in brackets (`// SAFETY: [LIVE] ...`) are in the module docs
//! of `runtime::task`.

use super::counters::{Counters, PollCount};
use super::error::JoinError;
use super::join_waker::JoinWaker;
use super::meta::Meta;
use super::poll_timer::PollTimer;
use super::state::{AfterPoll, State};
use super::{Notified, Schedule, TaskInfo};
use std::alloc::{alloc, handle_alloc_error, Layout};
use std::any::Any;
use std::cell::{Cell, UnsafeCell};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

/// The type-independent start of every task allocation.
pub(crate) struct Header {
    pub(crate) state: State,
    vtable: &'static Vtable,
    /// The waker of whoever awaits the JoinHandle (rule JOIN-WAKER).
    pub(crate) join_waker: JoinWaker,
    /// Index in the runtime's owned-task list; `u32::MAX` until the task is adopted
    /// (rule OWNED-INDEX).
    pub(crate) owned_index: Cell<u32>,
    /// The low half of the poll count, in the four bytes beside `owned_index` (rule
    /// COUNTERS; the rest is in the scheduler's [`Counters`]).
    pub(crate) polls: PollCount,
    /// Id, name, spawn location, parent: fixed at the spawn.
    pub(crate) meta: Meta,
}

/// Typed operations on a task, for code that only has its header.
struct Vtable {
    /// Polls the future (or drops it if cancellation was asked), on the scheduler's thread.
    poll: unsafe fn(NonNull<Header>, &Polling) -> RawPoll,
    /// Drops the future now and stores `Cancelled`, on the scheduler's thread.
    cancel: unsafe fn(NonNull<Header>),
    /// Puts a new entry for the task on a run queue, through its scheduler.
    enqueue: unsafe fn(NonNull<Header>),
    /// Moves the output into `*mut Option<Result<T, JoinError>>`.
    take_output: unsafe fn(NonNull<Header>, *mut ()),
    /// Drops the output nobody will read; reports a panic that nobody will see otherwise.
    discard_output: unsafe fn(NonNull<Header>),
    /// Frees the allocation.
    dealloc: unsafe fn(NonNull<Header>),
}

/// The header and the scheduler: the part of a [`TaskCell`] whose layout does not depend on
/// the future, so a waker, which knows `S` but not `F`, can find the scheduler.
#[repr(C)]
struct Head<S> {
    header: Header,
    scheduler: S,
}

#[repr(C)]
struct TaskCell<F: Future, S> {
    head: Head<S>,
    stage: UnsafeCell<Stage<F>>,
}

enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

/// What one turn of the scheduler did with a task, and where the run-queue entry went.
#[derive(Debug)]
pub(crate) enum PollOutcome {
    /// The future is still pending (or the task was already finished); the entry's
    /// reference is gone.
    Pending,
    /// The task woke itself during the poll (a yield): the scheduler queues this entry
    /// again.
    WokeItself(Notified),
    /// A wake came from elsewhere (another thread) during the poll: the scheduler queues
    /// this entry again behind the other wakes from elsewhere.
    WokenMeanwhile(Notified),
    /// The task finished in this turn (output, panic or cancellation stored); the scheduler
    /// releases this entry with the owned list's reference.
    Completed(Notified),
}

/// The scheduler's note of the task it is polling. A task that wakes itself during its own
/// poll on the scheduler's thread (a yield, say) is recorded here, with no atomic operation:
/// the scheduler requeues it when the poll ends, and its state word keeps `RUNNING` until it
/// is polled again, so other wakes meanwhile only set `SCHEDULED`. Scheduler thread only
/// (rule POLLING).
#[derive(Debug)]
pub(crate) struct Polling {
    task: Cell<*const Header>,
    woke_itself: Cell<bool>,
    /// Debug mode's stopwatch around each poll; `None` with debug mode off.
    timer: Option<PollTimer>,
    /// The tasks' poll counts and times in poll, beyond what their headers hold.
    counters: Counters,
}

/// A task's address, for [`Schedule::note_self_wake`] to compare: never dereferenced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TaskAddr(*const Header);

impl Polling {
    pub(crate) fn new(timer: Option<PollTimer>) -> Self {
        Polling {
            task: Cell::new(std::ptr::null()),
            woke_itself: Cell::new(false),
            timer,
            counters: Counters::default(),
        }
    }

    /// Debug mode's stopwatch, if debug mode is on.
    pub(crate) fn timer(&self) -> Option<&PollTimer> {
        self.timer.as_ref()
    }

    /// The tasks' counters (poll count, time in poll).
    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Whether `task` is the task being polled right now.
    pub(crate) fn is_polling(&self, task: &Header) -> bool {
        std::ptr::eq(self.task.get(), task)
    }

    /// The id of the task being polled, if any.
    pub(crate) fn current_id(&self) -> Option<u64> {
        // SAFETY: [POLLING] as in `current`.
        let task = unsafe { self.task.get().as_ref() }?;
        Some(task.meta.id)
    }

    /// The id and name of the task being polled, if any.
    pub(crate) fn current(&self) -> Option<TaskInfo> {
        // SAFETY: [POLLING] a non-null pointer is the task `TaskRef::run` is polling right
        // now, further down this thread's stack, whose entry's reference keeps it alive
        // (LIVE) until the poll returns; the borrow ends before this function does.
        let task = unsafe { self.task.get().as_ref() }?;
        Some(TaskInfo::of(task))
    }

    /// Records a wake of `task` if it is the one being polled; false if it is not.
    pub(crate) fn note_wake(&self, task: TaskAddr) -> bool {
        let itself = std::ptr::eq(self.task.get(), task.0);
        if itself {
            self.woke_itself.set(true);
        }
        itself
    }
}

/// What the typed poll reports to [`TaskRef::run`].
enum RawPoll {
    /// The task was already complete: nothing ran.
    Stale,
    /// Pending, and it woke itself during the poll; the state word still says RUNNING.
    WokeItself,
    Pending(AfterPoll),
    Completed,
}

/// Whether a task is spawned with a `JoinHandle` or detached from the start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Join {
    Handle,
    Detached,
}

/// Allocates a task holding `future`, scheduled (its first entry is among the references),
/// with `refs` references, all owned by the caller.
pub(crate) fn allocate<F, S>(
    future: F,
    scheduler: S,
    meta: Meta,
    join: Join,
    refs: usize,
) -> NonNull<Header>
where
    F: Future + 'static,
    S: Schedule,
{
    // Allocate first, then write the cell into the fresh memory: `Box::new(value)` builds
    // the value on the stack and copies it over, which for a cell past 128 bytes is a call
    // to `memcpy` on every spawn. `dealloc` frees it as the `Box` this layout makes.
    let layout = Layout::new::<TaskCell<F, S>>();
    // SAFETY: `alloc` needs a layout of non-zero size: the header alone is not empty.
    let cell = unsafe { alloc(layout) }.cast::<TaskCell<F, S>>();
    let Some(cell) = NonNull::new(cell) else {
        handle_alloc_error(layout)
    };
    let value = TaskCell {
        head: Head {
            header: Header {
                state: State::new_scheduled(refs, join == Join::Handle),
                vtable: &Vtable {
                    poll: poll::<F, S>,
                    cancel: cancel::<F, S>,
                    enqueue: enqueue::<S>,
                    take_output: take_output_typed::<F, S>,
                    discard_output: discard_output_typed::<F, S>,
                    dealloc: dealloc::<F, S>,
                },
                join_waker: JoinWaker::new(),
                owned_index: Cell::new(u32::MAX),
                meta,
                polls: PollCount::default(),
            },
            scheduler,
        },
        stage: UnsafeCell::new(Stage::Running(future)),
    };
    // SAFETY: `cell` is a fresh allocation of `TaskCell<F, S>`'s own layout (so valid and
    // aligned for it) that nothing else points to; `write` fills it without reading or
    // dropping the uninitialised contents.
    unsafe { cell.as_ptr().write(value) };
    // The header is the first field of repr(C) structs, so the pointers are the same; the
    // pointer keeps the provenance of the whole allocation (rule PTR).
    cell.cast()
}

/// A counted reference to a task, untyped. Dropping it releases the reference. The typed
/// kinds ([`Task`](super::Task), [`Notified`], [`JoinHandle`](super::JoinHandle)) wrap one.
#[derive(Debug)]
pub(crate) struct TaskRef(NonNull<Header>);

// SAFETY: [SEND] the header's shared parts (state word, meta) are thread-safe; the join
// waker slot is touched only by its owner (JOIN-WAKER); the stage, owned_index and counters
// only on the scheduler's thread or by the holder of the join interest after completion
// (STAGE, OWNED-INDEX, COUNTERS), whichever thread holds the reference.
unsafe impl Send for TaskRef {}

impl TaskRef {
    /// Takes over one reference the caller owns on `header`.
    ///
    /// # Safety
    /// The caller owns one reference to a live task (LIVE), through a pointer that came from
    /// the allocation (PTR), and gives it to the new `TaskRef`.
    pub(crate) unsafe fn from_owned(header: NonNull<Header>) -> TaskRef {
        TaskRef(header)
    }

    /// Takes a new reference on the task at `ptr`.
    ///
    /// # Safety
    /// `ptr` points to a live task on which the caller holds a reference (LIVE) and came
    /// from the allocation (PTR).
    pub(crate) unsafe fn new_ref(ptr: NonNull<Header>) -> TaskRef {
        // SAFETY: [LIVE] the caller's reference keeps the task alive.
        unsafe { ptr.as_ref() }.state.ref_inc();
        TaskRef(ptr)
    }

    /// Another reference on the same task.
    pub(crate) fn clone_ref(&self) -> TaskRef {
        // SAFETY: [LIVE, PTR] we hold a reference, and our pointer came from the allocation.
        unsafe { TaskRef::new_ref(self.0) }
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: [LIVE] we hold a reference, so the allocation is alive.
        unsafe { self.0.as_ref() }
    }

    pub(crate) fn as_ptr(&self) -> NonNull<Header> {
        self.0
    }

    /// Runs one turn of the task, taking over the run-queue entry's reference. Scheduler
    /// thread only.
    #[inline(always)]
    pub(crate) fn run(self, polling: &Polling) -> PollOutcome {
        self.run_with(polling, None)
    }

    /// [`run`](Self::run) under debug mode's stopwatch: the poll's time is counted to the
    /// task, and a slow poll noted in `timer`. A function of its own so that `run` reads no
    /// clock and tests nothing for it.
    pub(crate) fn run_timed(self, polling: &Polling, timer: &PollTimer) -> PollOutcome {
        self.run_with(polling, Some(timer))
    }

    #[inline(always)]
    fn run_with(self, polling: &Polling, timer: Option<&PollTimer>) -> PollOutcome {
        /// Clears the note of the polled task however the poll ends.
        struct Clear<'a>(&'a Polling);
        impl Drop for Clear<'_> {
            fn drop(&mut self) {
                self.0.task.set(std::ptr::null());
            }
        }
        polling.task.set(self.0.as_ptr());
        polling.woke_itself.set(false);
        let clear = Clear(polling);
        let header = self.header();
        // [COUNTERS] scheduler thread.
        polling.counters.record_poll(header);
        let started = timer.map(PollTimer::start);
        #[cfg(feature = "tracing")]
        let entered = header.meta.span.enter();
        // SAFETY: [STAGE] we are on the scheduler's thread (the run loop is the caller) and
        // hold a reference (LIVE).
        let polled = unsafe { (header.vtable.poll)(self.0, polling) };
        #[cfg(feature = "tracing")]
        drop(entered);
        if let (Some(timer), Some(started)) = (timer, started) {
            let ticks = timer.stop(started, Some(header));
            polling.counters.add_busy(header, ticks);
        }
        drop(clear);
        match polled {
            RawPoll::Completed => PollOutcome::Completed(Notified(self)),
            RawPoll::WokeItself => PollOutcome::WokeItself(Notified(self)),
            RawPoll::Pending(AfterPoll::Reschedule) => PollOutcome::WokenMeanwhile(Notified(self)),
            RawPoll::Pending(AfterPoll::Idle) => {
                // `end_poll` released the entry's reference already.
                std::mem::forget(self);
                PollOutcome::Pending
            }
            RawPoll::Pending(AfterPoll::IdleLastRef) | RawPoll::Stale => PollOutcome::Pending,
        }
    }

    /// Drops the future and stores `Cancelled` unless already finished. Scheduler thread
    /// only, or any thread for a `Send` task no scheduler has seen yet.
    pub(crate) fn cancel_now(&self) {
        // SAFETY: [STAGE] the caller is the scheduler's thread or the only one that can
        // reach the stage (the task was never queued), and holds a reference (LIVE).
        unsafe { (self.header().vtable.cancel)(self.0) }
    }

    /// Puts a new entry for the task on a run queue (after `State::cancel` said so).
    pub(crate) fn enqueue(&self) {
        // SAFETY: [LIVE, PTR] we hold a reference, and our pointer came from the allocation.
        unsafe { (self.header().vtable.enqueue)(self.0) }
    }

    /// Gives up this reference and `other` together: one atomic step when both are to the
    /// same task (a finished task's queue entry and owned-list reference).
    pub(crate) fn release_with(self, other: TaskRef) {
        if self.0 != other.0 {
            return;
        }
        let ptr = self.0;
        std::mem::forget(self);
        std::mem::forget(other);
        // SAFETY: [LIVE] the two forgotten TaskRefs owned one reference each on this task.
        unsafe { release_many(ptr, 2) }
    }
}

impl Drop for TaskRef {
    fn drop(&mut self) {
        // SAFETY: [LIVE] we own a reference and give it up.
        unsafe { release(self.0) }
    }
}

/// Releases one reference, freeing the task if it was the last.
///
/// # Safety
/// The caller owns one reference on a live task and gives it up (LIVE).
pub(crate) unsafe fn release(header: NonNull<Header>) {
    // SAFETY: [LIVE] the caller's reference is the one released.
    unsafe { release_many(header, 1) }
}

/// Releases `count` references in one atomic step, freeing the task if they were the last.
///
/// # Safety
/// The caller owns `count` references on a live task and gives them up (LIVE), through a
/// pointer that came from the allocation (PTR).
pub(crate) unsafe fn release_many(header: NonNull<Header>, count: usize) {
    // SAFETY: [LIVE] the caller's references keep the header alive until the decrement.
    let last = unsafe { header.as_ref() }.state.ref_dec_by(count);
    if last {
        // SAFETY: [LIVE, PTR] that was the last reference, so nobody else can reach the
        // task, and the pointer may free the whole allocation.
        unsafe { (header.as_ref().vtable.dealloc)(header) }
    }
}

/// Moves the output into `out` (a `*mut Option<Result<T, JoinError>>` for this task's `T`).
///
/// # Safety
/// The task is complete and the caller holds the join interest (STAGE); `out` points to an
/// `Option<Result<T, JoinError>>` for the task's output `T` (TYPES).
pub(crate) unsafe fn take_output(header: NonNull<Header>, out: *mut ()) {
    // SAFETY: [STAGE, TYPES] the caller's guarantees are the typed function's.
    unsafe { (header.as_ref().vtable.take_output)(header, out) }
}

/// Drops an output no JoinHandle will read.
///
/// # Safety
/// The task is complete and the caller holds the join interest (STAGE).
pub(crate) unsafe fn discard_output(header: NonNull<Header>) {
    // SAFETY: [STAGE] the caller's guarantee is the typed function's.
    unsafe { (header.as_ref().vtable.discard_output)(header) }
}

/// The task's scheduler.
///
/// # Safety
/// `header` is a live `TaskCell<_, S>` (LIVE, TYPES), reached through a pointer that came
/// from the allocation (PTR); the borrow must not outlive the caller's reference
/// (SCHEDULER).
unsafe fn scheduler<'a, S>(header: NonNull<Header>) -> &'a S {
    // SAFETY: [TYPES] `Head<S>` starts every `TaskCell<_, S>` (repr(C)); [LIVE] the caller
    // holds a reference; [PTR] the pointer covers the whole allocation.
    unsafe { &header.cast::<Head<S>>().as_ref().scheduler }
}

/// Runs `f` on a task's stage.
///
/// # Safety
/// `header` is a live `TaskCell<F, S>` (LIVE, TYPES) and the caller has the right to the
/// stage (STAGE).
unsafe fn with_stage<F: Future, S, R>(
    header: NonNull<Header>,
    f: impl FnOnce(&mut Stage<F>) -> R,
) -> R {
    let cell = header.cast::<TaskCell<F, S>>();
    // SAFETY: [STAGE] the caller guarantees exclusive access to the stage; the cell is alive.
    f(unsafe { &mut *cell.as_ref().stage.get() })
}

unsafe fn poll<F: Future, S: Schedule>(header: NonNull<Header>, polling: &Polling) -> RawPoll {
    // SAFETY: [LIVE] the caller holds a reference.
    let task = unsafe { header.as_ref() };
    let snapshot = task.state.start_poll();
    if snapshot.is_complete() {
        return RawPoll::Stale;
    }
    if snapshot.is_cancelled() {
        // SAFETY: [STAGE] scheduler thread, task not complete.
        unsafe { cancel::<F, S>(header) };
        return RawPoll::Completed;
    }
    // A borrowed waker: the entry's reference keeps the task alive during the poll, so the
    // waker costs no reference until the future clones it. ManuallyDrop keeps it from
    // releasing one.
    // SAFETY: [LIVE, PTR, TYPES] a live task of scheduler `S`, through the allocation's
    // pointer.
    let waker = ManuallyDrop::new(unsafe { Waker::from_raw(raw_waker::<S>(header)) });
    let mut cx = Context::from_waker(&waker);
    // SAFETY: [STAGE] scheduler thread and not complete, so the stage is ours; the future is
    // never moved out of its heap slot until it is dropped in place, so pinning it is sound.
    let polled = unsafe {
        with_stage::<F, S, _>(header, |stage| match stage {
            Stage::Running(future) => {
                let future = Pin::new_unchecked(future);
                Some(catch_unwind(AssertUnwindSafe(|| future.poll(&mut cx))))
            }
            _ => None,
        })
    };
    let result = match polled {
        // A task that woke itself stays RUNNING until its next poll (see `Polling`).
        None | Some(Ok(Poll::Pending)) if polling.woke_itself.get() => return RawPoll::WokeItself,
        None | Some(Ok(Poll::Pending)) => return RawPoll::Pending(task.state.end_poll()),
        // Cancelled during its own last poll (say, through its own JoinHandle): it ends
        // cancelled, as `JoinHandle::cancel` promises for a task not finished yet.
        Some(Ok(Poll::Ready(output))) if task.state.load().is_cancelled() => {
            match catch_unwind(AssertUnwindSafe(move || drop(output))) {
                Ok(()) => Err(JoinError::cancelled()),
                Err(payload) => Err(JoinError::panicked(payload)),
            }
        }
        Some(Ok(Poll::Ready(output))) => Ok(output),
        Some(Err(payload)) => Err(JoinError::panicked(payload)),
    };
    // SAFETY: [STAGE] scheduler thread, not complete.
    unsafe { finish::<F, S>(header, result) };
    RawPoll::Completed
}

unsafe fn cancel<F: Future, S: Schedule>(header: NonNull<Header>) {
    // SAFETY: [LIVE] the caller holds a reference.
    if unsafe { header.as_ref() }.state.load().is_complete() {
        return;
    }
    // SAFETY: [STAGE] the caller's right to the stage, and the task is not complete.
    unsafe { finish::<F, S>(header, Err(JoinError::cancelled())) };
}

/// Takes a new reference for a queue entry and hands it to the scheduler.
unsafe fn enqueue<S: Schedule>(header: NonNull<Header>) {
    // SAFETY: [LIVE, PTR] the caller holds a reference, through the allocation's pointer.
    let entry = Notified(unsafe { TaskRef::new_ref(header) });
    // SAFETY: [SCHEDULER, TYPES] the caller's reference outlives the call, also if the
    // scheduler drops `entry`.
    unsafe { scheduler::<S>(header) }.schedule(entry);
}

/// Drops the future, stores the result and completes the task.
///
/// # Safety
/// The caller has the right to the stage and the task is not complete (STAGE).
unsafe fn finish<F: Future, S: Schedule>(
    header: NonNull<Header>,
    mut result: Result<F::Output, JoinError>,
) {
    // The future's destructor may panic too; that must not unwind through the loop.
    // SAFETY: [STAGE] the caller's right to the stage.
    let dropped = catch_unwind(AssertUnwindSafe(|| unsafe {
        with_stage::<F, S, _>(header, |stage| *stage = Stage::Consumed);
    }));
    if let Err(payload) = dropped {
        // Keep the first panic if the poll already panicked.
        if !matches!(&result, Err(e) if e.is_panic()) {
            let output = std::mem::replace(&mut result, Err(JoinError::panicked(payload)));
            // The output nobody will get is user code too; its panic is already superseded.
            drop(catch_unwind(AssertUnwindSafe(move || drop(output))));
        }
    }
    // SAFETY: [STAGE] the caller's right to the stage, until COMPLETE is set below.
    unsafe { with_stage::<F, S, _>(header, |stage| *stage = Stage::Finished(result)) };

    // SAFETY: [LIVE] the caller holds a reference.
    let task = unsafe { header.as_ref() };
    let before = task.state.complete();
    // The output's destructor and the joiner's waker are user code too: a panic in them must
    // not unwind through the loop either. Nobody is left to receive it, so it is reported.
    let after_completion = catch_unwind(AssertUnwindSafe(|| {
        if !before.has_join_interest() {
            // Detached: nobody will read the output, so it is dropped here, on the
            // scheduler's thread.
            // SAFETY: [STAGE] complete, and with no JoinHandle interested the completer
            // holds the join interest.
            unsafe { discard_output_typed::<F, S>(header) };
        } else if before.has_join_waker() {
            // SAFETY: [JOIN-WAKER] JOIN_WAKER was set when we completed: the slot is ours.
            if let Some(waker) = unsafe { task.join_waker.take() } {
                waker.wake();
            }
        }
    }));
    if let Err(payload) = after_completion {
        // SAFETY: [SCHEDULER, TYPES] the caller's reference outlives the call.
        let scheduler = unsafe { scheduler::<S>(header) };
        report_panic(
            scheduler,
            task,
            "panicked after it finished (dropping its output or waking its joiner)",
            &*payload,
        );
    }
}

unsafe fn take_output_typed<F: Future, S>(header: NonNull<Header>, out: *mut ()) {
    // SAFETY: [STAGE] complete and the caller holds the join interest.
    let stage =
        unsafe { with_stage::<F, S, _>(header, |stage| std::mem::replace(stage, Stage::Consumed)) };
    let Stage::Finished(result) = stage else {
        panic!("a JoinHandle read its task's output twice");
    };
    // SAFETY: [TYPES] the caller passes a pointer to this task's output type.
    unsafe { *out.cast::<Option<Result<F::Output, JoinError>>>() = Some(result) };
}

unsafe fn discard_output_typed<F: Future, S: Schedule>(header: NonNull<Header>) {
    // SAFETY: [STAGE] complete and the caller holds the join interest.
    let stage =
        unsafe { with_stage::<F, S, _>(header, |stage| std::mem::replace(stage, Stage::Consumed)) };
    if let Stage::Finished(Err(error)) = stage {
        if let Some(payload) = error.panic_payload() {
            // SAFETY: [LIVE] the caller holds a reference; [SCHEDULER, TYPES] it outlives
            // the borrow of the scheduler.
            let (task, scheduler) = unsafe { (header.as_ref(), scheduler::<S>(header)) };
            report_panic(scheduler, task, "panicked", payload);
        }
    }
}

/// A panic in a task nobody awaits is reported once, so it is not lost: the scheduler
/// says where ([`Schedule::report_unobserved_panic`]).
fn report_panic<S: Schedule>(scheduler: &S, task: &Header, what: &str, payload: &(dyn Any + Send)) {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("<non-string panic payload>");
    scheduler.report_unobserved_panic(&TaskInfo::of(task), what, message);
}

unsafe fn dealloc<F: Future, S>(header: NonNull<Header>) {
    // SAFETY: [LIVE, PTR, TYPES] the last reference is gone, and the allocation is a
    // `TaskCell<F, S>` made by `allocate` with the global allocator and that type's
    // `Layout`, which is the memory layout `Box::from_raw` requires.
    drop(unsafe { Box::from_raw(header.cast::<TaskCell<F, S>>().as_ptr()) });
}

// ---- The waker: a raw waker whose data pointer is the task header. ----

/// The waker vtable of tasks scheduled by `S`. A scheduler keeps it in one `static` of its
/// own (see [`Schedule::waker_vtable`]): one address, so `Waker::will_wake` holds between
/// all the wakers of a task.
pub(crate) const fn waker_vtable<S: Schedule>() -> RawWakerVTable {
    RawWakerVTable::new(
        waker_clone::<S>,
        waker_wake::<S>,
        waker_wake_by_ref::<S>,
        waker_drop,
    )
}

fn raw_waker<S: Schedule>(header: NonNull<Header>) -> RawWaker {
    RawWaker::new(header.as_ptr().cast_const().cast(), S::waker_vtable())
}

/// A waker's data pointer as the task pointer, keeping the allocation-wide provenance it
/// was made with (rule PTR).
fn task_ptr(data: *const ()) -> NonNull<Header> {
    NonNull::new(data.cast_mut().cast()).expect("a corio waker with a null task pointer")
}

unsafe fn waker_clone<S: Schedule>(data: *const ()) -> RawWaker {
    let ptr = task_ptr(data);
    // SAFETY: [LIVE] the waker being cloned holds a reference.
    unsafe { ptr.as_ref() }.state.ref_inc();
    raw_waker::<S>(ptr)
}

unsafe fn waker_wake<S: Schedule>(data: *const ()) {
    let ptr = task_ptr(data);
    // SAFETY: [LIVE] this waker owns a reference.
    let task = unsafe { ptr.as_ref() };
    if S::note_self_wake(TaskAddr(ptr.as_ptr())) || !task.state.schedule() {
        // Woke itself while polled, already queued or finished: only the waker's
        // reference goes.
        // SAFETY: [LIVE] the waker owns one reference and gives it up.
        unsafe { release(ptr) };
        return;
    }
    // A by-value wake hands the waker's own reference to the queue entry, which saves the
    // increment and decrement that `wake_by_ref` plus a drop would cost.
    // SAFETY: [LIVE, PTR] the waker owns one reference and gives it to the entry.
    let entry = Notified(unsafe { TaskRef::from_owned(ptr) });
    // SAFETY: [SCHEDULER, TYPES] the entry's reference keeps the task alive while
    // `schedule_local` runs (it never drops the entry).
    let scheduler = unsafe { scheduler::<S>(ptr) };
    if let Err(entry) = scheduler.schedule_local(entry) {
        // `schedule` may drop the entry (a closed scheduler), so hold a reference of our own
        // across the call: `scheduler` lives in the task (rule SCHEDULER).
        // SAFETY: [LIVE, PTR] the entry's reference keeps the task alive until this one is
        // taken.
        let _alive = unsafe { TaskRef::new_ref(ptr) };
        scheduler.schedule(entry);
    }
}

unsafe fn waker_wake_by_ref<S: Schedule>(data: *const ()) {
    let ptr = task_ptr(data);
    if S::note_self_wake(TaskAddr(ptr.as_ptr())) {
        return;
    }
    // SAFETY: [LIVE] the waker holds a reference.
    if unsafe { ptr.as_ref() }.state.schedule() {
        // SAFETY: [LIVE, PTR, TYPES] the waker's reference outlives the call, and its
        // pointer came from the allocation of a task of scheduler `S`.
        unsafe { enqueue::<S>(ptr) };
    }
}

unsafe fn waker_drop(data: *const ()) {
    // SAFETY: [LIVE] the waker owns one reference and gives it up.
    unsafe { release(task_ptr(data)) }
}
