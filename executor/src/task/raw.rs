//! One task, one allocation: a [`Header`] followed by the future's slot, which is reused for
//! the output once the future is done.
//!
//! ```text
//! TaskCell<F> (repr(C), one Box)
//! +---------------------------------------------+
//! | Header: state word (flags + ref count)      |  <- every Waker and TaskRef points here
//! |         &'static Vtable (typed functions)   |
//! |         Arc<Shared> (the runtime's queues)  |
//! |         join waker slot (JoinHandle's waker)|
//! |         id, name, owned-list index          |
//! | Stage<F>: Running(F) | Finished(result) | Consumed |
//! +---------------------------------------------+
//! ```
//!
//! Untyped code (the run queue, wakers, `JoinHandle<T>`) holds a `NonNull<Header>` and calls
//! through the vtable, whose functions know `F`. References are counted in the state word:
//! the owned-task list holds one until the task completes, the `JoinHandle` one, each queue
//! entry one and each `Waker` one. The last reference frees the allocation.
//!
//! Thread rules, on which every `SAFETY` comment below relies:
//! - The stage is touched by the loop's thread only while the task is not complete (poll,
//!   cancel, shutdown). After COMPLETE is set the loop never touches it again, and whoever
//!   holds the join interest (the `JoinHandle`, or the loop when the handle detached before
//!   completion: the `JOIN_INTEREST` bit says which) takes or drops the output, exactly once.
//! - The join waker slot is touched only by its owner, as the `JOIN_WAKER` bit says
//!   (`join_waker`).
//! - `owned_index` is read and written on the loop's thread only.

use super::join::JoinError;
use super::join_waker::JoinWaker;
use super::state::{AfterPoll, State};
use crate::runtime::shared::{Runnable, Shared};
use std::any::Any;
use std::cell::{Cell, UnsafeCell};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

/// The type-independent start of every task allocation.
pub(crate) struct Header {
    pub(crate) state: State,
    vtable: &'static Vtable,
    /// The runtime the task belongs to: where its wakes go.
    pub(crate) shared: Arc<Shared>,
    /// The waker of whoever awaits the JoinHandle.
    pub(crate) join_waker: JoinWaker,
    /// Index in the runtime's owned-task list; `u32::MAX` until the loop adopts the task.
    /// Loop thread only.
    pub(crate) owned_index: Cell<u32>,
    pub(crate) id: u64,
    pub(crate) name: Option<Arc<str>>,
}

/// Typed operations on a task, for code that only has its header.
struct Vtable {
    /// Polls the future (or drops it if cancellation was asked), on the loop thread.
    poll: unsafe fn(NonNull<Header>, &Polling) -> RawPoll,
    /// Drops the future now and stores `Cancelled`, on the loop thread.
    cancel: unsafe fn(NonNull<Header>),
    /// Moves the output into `*mut Option<Result<T, JoinError>>`.
    take_output: unsafe fn(NonNull<Header>, *mut ()),
    /// Drops the output nobody will read; reports a panic that nobody will see otherwise.
    discard_output: unsafe fn(NonNull<Header>),
    /// Frees the allocation.
    dealloc: unsafe fn(NonNull<Header>),
}

/// What one turn of the loop did with a task, and where the run-queue entry went.
#[derive(Debug)]
pub(crate) enum PollOutcome {
    /// The future is still pending (or the task was already finished); the entry's
    /// reference is gone.
    Pending,
    /// The task woke itself during the poll (a yield): the loop queues this entry again.
    WokeItself(TaskRef),
    /// A wake came from elsewhere (another thread) during the poll: the loop queues this
    /// entry again behind the other wakes from elsewhere, which wait in the remote queue.
    WokenMeanwhile(TaskRef),
    /// The task finished in this turn (output, panic or cancellation stored); the loop
    /// releases this entry with the owned list's reference.
    Completed(TaskRef),
}

/// The loop's note of the task it is polling. A task that wakes itself during its own poll
/// on the loop's thread (a yield, say) is recorded here, with no atomic operation: the loop
/// requeues it when the poll ends, and its state word keeps `RUNNING` until it is polled
/// again, so other wakes meanwhile only set `SCHEDULED`. Loop thread only.
#[derive(Debug)]
pub(crate) struct Polling {
    task: Cell<*const Header>,
    woke_itself: Cell<bool>,
}

impl Polling {
    pub(crate) fn new() -> Self {
        Polling {
            task: Cell::new(std::ptr::null()),
            woke_itself: Cell::new(false),
        }
    }

    /// Runs `f` on the header of the task being polled, if any.
    pub(crate) fn with_current<R>(&self, f: impl FnOnce(&Header) -> R) -> Option<R> {
        // SAFETY: a non-null pointer is the task `TaskRef::run` is polling right now (set
        // and cleared around the poll, further down this thread's stack), whose run-queue
        // entry reference keeps it alive until the poll returns; `f` cannot keep the borrow.
        let task = unsafe { self.task.get().as_ref() }?;
        Some(f(task))
    }

    /// Records a wake of `task` if it is the one being polled; false if it is not.
    pub(crate) fn note_wake(&self, task: NonNull<Header>) -> bool {
        let itself = std::ptr::eq(self.task.get(), task.as_ptr());
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

enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

#[repr(C)]
struct TaskCell<F: Future> {
    header: Header,
    stage: UnsafeCell<Stage<F>>,
}

/// Whether a task is spawned with a `JoinHandle` or detached from the start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Join {
    Handle,
    Detached,
}

/// Allocates a task holding `future`, with `refs` references (all owned by the caller).
pub(crate) fn allocate<F: Future + 'static>(
    future: F,
    shared: Arc<Shared>,
    id: u64,
    name: Option<Arc<str>>,
    join: Join,
    refs: usize,
) -> NonNull<Header> {
    let cell = Box::new(TaskCell {
        header: Header {
            state: State::new_scheduled(refs, join == Join::Handle),
            vtable: &Vtable {
                poll: poll::<F>,
                cancel: cancel::<F>,
                take_output: take_output_typed::<F>,
                discard_output: discard_output_typed::<F>,
                dealloc: dealloc::<F>,
            },
            shared,
            join_waker: JoinWaker::new(),
            owned_index: Cell::new(u32::MAX),
            id,
            name,
        },
        stage: UnsafeCell::new(Stage::Running(future)),
    });
    // The header is the first field of a repr(C) struct, so the pointers are the same.
    NonNull::from(Box::leak(cell)).cast()
}

/// A counted reference to a task. Dropping it releases the reference.
#[derive(Debug)]
pub(crate) struct TaskRef(NonNull<Header>);

// SAFETY: the header's shared parts (state word, Arc<Shared>) are thread-safe, and the join
// waker slot is touched only by the owner the JOIN_WAKER bit names; the parts that are not
// (stage, owned_index) are only touched on the loop's thread or by the holder of the join
// interest after completion, as the module docs say, whichever thread holds the reference.
unsafe impl Send for TaskRef {}

impl TaskRef {
    /// Takes over one reference the caller owns on `header`.
    ///
    /// # Safety
    /// The caller owns one reference to a live task and gives it to the new `TaskRef`.
    pub(crate) unsafe fn from_owned(header: NonNull<Header>) -> TaskRef {
        TaskRef(header)
    }

    /// Takes a new reference on the task at `ptr`.
    ///
    /// The pointer must be one derived from the allocation itself (a `TaskRef`'s or a
    /// waker's), never from a `&Header`: a reference's provenance covers only the header,
    /// and the last reference frees the whole cell through this pointer.
    ///
    /// # Safety
    /// `ptr` points to a live task on which the caller holds a reference.
    pub(crate) unsafe fn new_ref(ptr: NonNull<Header>) -> TaskRef {
        // SAFETY: the caller's reference keeps the task alive.
        unsafe { ptr.as_ref() }.state.ref_inc();
        TaskRef(ptr)
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: we hold a reference, so the allocation is alive.
        unsafe { self.0.as_ref() }
    }

    pub(crate) fn as_ptr(&self) -> NonNull<Header> {
        self.0
    }

    /// Runs one turn of the task, taking over the run-queue entry's reference. Loop
    /// thread only.
    pub(crate) fn run(self, polling: &Polling) -> PollOutcome {
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
        // SAFETY: we are on the loop thread (callers are the run loop) and hold a reference.
        let polled = unsafe { (self.header().vtable.poll)(self.0, polling) };
        drop(clear);
        match polled {
            RawPoll::Completed => PollOutcome::Completed(self),
            RawPoll::WokeItself => PollOutcome::WokeItself(self),
            RawPoll::Pending(AfterPoll::Reschedule) => PollOutcome::WokenMeanwhile(self),
            RawPoll::Pending(AfterPoll::Idle) => {
                // `end_poll` released the entry's reference already.
                std::mem::forget(self);
                PollOutcome::Pending
            }
            RawPoll::Pending(AfterPoll::IdleLastRef) | RawPoll::Stale => PollOutcome::Pending,
        }
    }

    /// Drops the future and stores `Cancelled` unless already finished. Loop thread only.
    pub(crate) fn cancel_now(&self) {
        // SAFETY: as for `poll`.
        unsafe { (self.header().vtable.cancel)(self.0) }
    }

    /// Wakes the task: queues it unless it is queued or finished.
    ///
    /// # Safety
    /// As for [`new_ref`](Self::new_ref).
    pub(crate) unsafe fn schedule(ptr: NonNull<Header>) {
        // SAFETY: the caller holds a reference.
        let header = unsafe { ptr.as_ref() };
        if header.state.schedule() {
            // SAFETY: forwarded from the caller.
            let queued = unsafe { TaskRef::new_ref(ptr) };
            header
                .shared
                .schedule(crate::runtime::shared::Runnable::Task(queued));
        }
    }
}

impl TaskRef {
    /// Gives up this reference and `other` together: one atomic step when both are to the
    /// same task (the loop's queue entry and owned-list reference of a finished task).
    pub(crate) fn release_with(self, other: TaskRef) {
        if self.0 != other.0 {
            return;
        }
        let ptr = self.0;
        std::mem::forget(self);
        std::mem::forget(other);
        // SAFETY: the two forgotten TaskRefs owned one reference each on this task.
        unsafe { release_many(ptr, 2) }
    }
}

impl Drop for TaskRef {
    fn drop(&mut self) {
        // SAFETY: we hold a reference; releasing it last means no one else can touch the task.
        unsafe { release(self.0) }
    }
}

/// Releases one reference, freeing the task if it was the last.
///
/// # Safety
/// The caller owns one reference on a live task and gives it up.
pub(crate) unsafe fn release(header: NonNull<Header>) {
    // SAFETY: forwarded from the caller.
    unsafe { release_many(header, 1) }
}

/// Releases `count` references in one atomic step, freeing the task if they were the last.
///
/// # Safety
/// The caller owns `count` references on a live task and gives them up.
pub(crate) unsafe fn release_many(header: NonNull<Header>, count: usize) {
    // SAFETY: the caller's references keep the header alive until the decrement.
    let last = unsafe { header.as_ref() }.state.ref_dec_by(count);
    if last {
        // SAFETY: that was the last reference: nobody else can reach the task.
        unsafe { (header.as_ref().vtable.dealloc)(header) }
    }
}

/// Moves the output into `out` (a `*mut Option<Result<T, JoinError>>` for this task's `T`).
///
/// # Safety
/// The task is complete, the caller holds the join interest (so nobody else touches the
/// output) and `out` points to an `Option<Result<T, JoinError>>` for the task's output `T`.
pub(crate) unsafe fn take_output(header: NonNull<Header>, out: *mut ()) {
    // SAFETY: forwarded from the caller.
    unsafe { (header.as_ref().vtable.take_output)(header, out) }
}

/// Drops an output no JoinHandle will read.
///
/// # Safety
/// The task is complete and the caller holds the join interest.
pub(crate) unsafe fn discard_output(header: NonNull<Header>) {
    // SAFETY: forwarded from the caller.
    unsafe { (header.as_ref().vtable.discard_output)(header) }
}

/// Runs `f` on a task's stage.
///
/// # Safety
/// `header` is a live `TaskCell<F>` and the caller has the right to the stage (module docs).
unsafe fn with_stage<F: Future, R>(
    header: NonNull<Header>,
    f: impl FnOnce(&mut Stage<F>) -> R,
) -> R {
    let cell = header.cast::<TaskCell<F>>();
    // SAFETY: the caller guarantees exclusive access to the stage; the cell is alive.
    f(unsafe { &mut *cell.as_ref().stage.get() })
}

unsafe fn poll<F: Future>(header: NonNull<Header>, polling: &Polling) -> RawPoll {
    // SAFETY: the caller holds a reference.
    let task = unsafe { header.as_ref() };
    let snapshot = task.state.start_poll();
    if snapshot.is_complete() {
        return RawPoll::Stale;
    }
    if snapshot.is_cancelled() {
        // SAFETY: loop thread, task not complete.
        unsafe { cancel::<F>(header) };
        return RawPoll::Completed;
    }
    // A borrowed waker: the loop's reference keeps the task alive during the poll, so the
    // waker costs no reference until the future clones it.
    // SAFETY: `header` is a live task; ManuallyDrop keeps the borrowed waker from releasing.
    let waker = ManuallyDrop::new(unsafe { Waker::from_raw(raw_waker(header)) });
    let mut cx = Context::from_waker(&waker);
    // SAFETY: loop thread and not complete, so the stage is ours; the future is never moved
    // out of its heap slot until it is dropped in place, so pinning it is sound.
    let polled = unsafe {
        with_stage::<F, _>(header, |stage| match stage {
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
    // SAFETY: loop thread, not complete.
    unsafe { finish::<F>(header, result) };
    RawPoll::Completed
}

unsafe fn cancel<F: Future>(header: NonNull<Header>) {
    // SAFETY: the caller holds a reference.
    if unsafe { header.as_ref() }.state.load().is_complete() {
        return;
    }
    // SAFETY: loop thread, not complete.
    unsafe { finish::<F>(header, Err(JoinError::cancelled())) };
}

/// Drops the future, stores the result and completes the task. Loop thread, not complete.
unsafe fn finish<F: Future>(header: NonNull<Header>, mut result: Result<F::Output, JoinError>) {
    // The future's destructor may panic too; that must not unwind through the loop.
    // SAFETY: loop thread, not complete: the stage is ours.
    let dropped = catch_unwind(AssertUnwindSafe(|| unsafe {
        with_stage::<F, _>(header, |stage| *stage = Stage::Consumed);
    }));
    if let Err(payload) = dropped {
        // Keep the first panic if the poll already panicked.
        if !matches!(&result, Err(e) if e.is_panic()) {
            let output = std::mem::replace(&mut result, Err(JoinError::panicked(payload)));
            // The output nobody will get is user code too; its panic is already superseded.
            drop(catch_unwind(AssertUnwindSafe(move || drop(output))));
        }
    }
    // SAFETY: as above.
    unsafe { with_stage::<F, _>(header, |stage| *stage = Stage::Finished(result)) };

    // SAFETY: the caller holds a reference.
    let task = unsafe { header.as_ref() };
    let before = task.state.complete();
    // The output's destructor and the joiner's waker are user code too: a panic in them must
    // not unwind through the loop either. Nobody is left to receive it, so it is reported.
    let after_completion = catch_unwind(AssertUnwindSafe(|| {
        if !before.has_join_interest() {
            // Detached: nobody will read the output, so it is dropped here, on the loop
            // thread.
            // SAFETY: complete, and with no JoinHandle interested the loop holds the
            // interest.
            unsafe { discard_output_typed::<F>(header) };
        } else if before.has_join_waker() {
            // SAFETY: JOIN_WAKER was set when we completed, so the slot is ours (join_waker).
            if let Some(waker) = unsafe { task.join_waker.take() } {
                waker.wake();
            }
        }
    }));
    if let Err(payload) = after_completion {
        report_panic(
            task,
            "panicked after it finished (dropping its output or waking its joiner)",
            &*payload,
        );
    }
}

unsafe fn take_output_typed<F: Future>(header: NonNull<Header>, out: *mut ()) {
    // SAFETY: complete and the caller holds the join interest: the stage is the caller's.
    let stage =
        unsafe { with_stage::<F, _>(header, |stage| std::mem::replace(stage, Stage::Consumed)) };
    let Stage::Finished(result) = stage else {
        panic!("a JoinHandle read its task's output twice");
    };
    // SAFETY: the caller passes a pointer to the right Option type.
    unsafe { *out.cast::<Option<Result<F::Output, JoinError>>>() = Some(result) };
}

unsafe fn discard_output_typed<F: Future>(header: NonNull<Header>) {
    // SAFETY: complete and the caller holds the join interest.
    let stage =
        unsafe { with_stage::<F, _>(header, |stage| std::mem::replace(stage, Stage::Consumed)) };
    if let Stage::Finished(Err(error)) = stage {
        if let Some(payload) = error.panic_payload() {
            // SAFETY: the caller holds a reference.
            report_panic(unsafe { header.as_ref() }, "panicked", payload);
        }
    }
}

/// A panic in a task nobody awaits is reported once, so it is not lost.
fn report_panic(task: &Header, what: &str, payload: &(dyn Any + Send)) {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("<non-string panic payload>");
    match &task.name {
        Some(name) => eprintln!(
            "corio: detached task {} ('{name}') {what}: {message}",
            task.id
        ),
        None => eprintln!("corio: detached task {} {what}: {message}", task.id),
    }
}

unsafe fn dealloc<F: Future>(header: NonNull<Header>) {
    // SAFETY: the last reference is gone; the allocation came from `Box<TaskCell<F>>`.
    drop(unsafe { Box::from_raw(header.cast::<TaskCell<F>>().as_ptr()) });
}

// ---- The waker: a raw waker whose data pointer is the task header. ----

static WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(waker_clone, waker_wake, waker_wake_by_ref, waker_drop);

fn raw_waker(header: NonNull<Header>) -> RawWaker {
    RawWaker::new(header.as_ptr().cast_const().cast(), &WAKER_VTABLE)
}

/// A waker's data pointer as the task pointer, keeping the allocation-wide provenance it
/// was made with (going through `&Header` would narrow it to the header).
fn task_ptr(data: *const ()) -> NonNull<Header> {
    NonNull::new(data.cast_mut().cast()).expect("a corio waker with a null task pointer")
}

unsafe fn waker_clone(data: *const ()) -> RawWaker {
    let ptr = task_ptr(data);
    // SAFETY: `data` is the header of a live task (the waker being cloned holds a reference).
    unsafe { ptr.as_ref() }.state.ref_inc();
    raw_waker(ptr)
}

unsafe fn waker_wake(data: *const ()) {
    let ptr = task_ptr(data);
    // SAFETY: this waker owns a reference, so the task is alive.
    let task = unsafe { ptr.as_ref() };
    if crate::runtime::context::note_self_wake(ptr) || !task.state.schedule() {
        // Woke itself while polled, already queued or finished: only the waker's
        // reference goes.
        // SAFETY: the waker owns one reference and gives it up.
        unsafe { release(ptr) };
        return;
    }
    // A by-value wake hands the waker's own reference to the queue entry, which saves the
    // increment and decrement that `wake_by_ref` plus a drop would cost.
    // SAFETY: the waker owns one reference and gives it to the queue entry.
    let entry = Runnable::Task(unsafe { TaskRef::from_owned(ptr) });
    if let Err(entry) = crate::runtime::context::push_local(&task.shared, entry) {
        // Off the loop's thread the entry may be dropped inside `schedule` (runtime closed),
        // so hold a reference of our own across the call: `task` must outlive it.
        // SAFETY: the entry's reference keeps the task alive until this new one is taken.
        let _alive = unsafe { TaskRef::new_ref(ptr) };
        task.shared.schedule(entry);
    }
}

unsafe fn waker_wake_by_ref(data: *const ()) {
    let ptr = task_ptr(data);
    if crate::runtime::context::note_self_wake(ptr) {
        return;
    }
    // SAFETY: the waker holds a reference, and its pointer came from the allocation.
    unsafe { TaskRef::schedule(ptr) };
}

unsafe fn waker_drop(data: *const ()) {
    // SAFETY: the waker owns one reference and gives it up.
    unsafe { release(task_ptr(data)) }
}
