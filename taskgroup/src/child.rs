//! One child: `ChildTask`, the cancellable wrapper that is actually spawned, and the
//! `OutputCell` it shares with whoever wants its result ([`ChildHandle`], gather, race).
//!
//! A child of a group that spawns through corio natively has no cell: its wrapper is a corio
//! task whose output is the child's [`Outcome`], and its [`ChildHandle`] holds that task's
//! `JoinHandle` (one allocation per child, the task's own).
//!
//! Cancellation does not depend on the executor: the wrapper checks the group's and its own
//! cancel flag before every poll of the inner future, and registers its waker with the group
//! so that cancelling wakes it. A cancelled wrapper drops the inner future in place (its
//! destructors run), then reports to the group and completes.

use std::cell::UnsafeCell;
use std::future::Future;
use std::marker::{PhantomData, PhantomPinned};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::core::{Finish, GroupCore, Panic, WakeChild, NO_KEY};
use crate::error::ChildError;
use crate::shared_cell::SharedCell;
use crate::sync::{spin_wait, AtomicBool, AtomicU8, AtomicUsize, Mutex, MutexGuard};

/// Where a finished child stands, as its result cell records it.
pub(crate) enum Outcome<T> {
    Running,
    Done(T),
    Failed,
    Panicked,
    Cancelled,
    Taken,
}

struct CellState<T> {
    outcome: Outcome<T>,
    joiner: Option<Waker>,
}

/// A child's result cell, as its two owners (the running wrapper and the reader) hold it.
pub(crate) type CellRef<T> = SharedCell<OutputCell<T>>;

/// A child's result, shared between the running wrapper and its reader. It also holds the
/// child's one reference to its group's core: the wrapper and the handle both reach the group
/// through the cell, so spawning a child clones one `Arc` of the core, not two.
pub(crate) struct OutputCell<T> {
    group: Arc<dyn WakeChild>,
    cancel_requested: AtomicBool,
    /// The child's waker slot in its group (`NO_KEY` until it first pends); guarded by the
    /// group's lock.
    waker_key: AtomicUsize,
    state: Mutex<CellState<T>>,
}

impl<T> OutputCell<T> {
    /// A cell linked to `group`, and its two owners: the first for the child's wrapper, the
    /// second for the reader.
    pub(crate) fn pair(group: Arc<dyn WakeChild>) -> (CellRef<T>, CellRef<T>) {
        SharedCell::pair(Self {
            group,
            cancel_requested: AtomicBool::new(false),
            waker_key: AtomicUsize::new(NO_KEY),
            state: Mutex::new(CellState {
                outcome: Outcome::Running,
                joiner: None,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, CellState<T>> {
        // Only plain moves happen under this lock; poisoning cannot leave it inconsistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the child's end, called by the wrapper through its owner `this`.
    fn settle(this: &CellRef<T>, outcome: Outcome<T>) {
        // The reader let go (only the running child holds the cell): nobody can read the
        // outcome any more, so skip the lock. A cell never gains an owner.
        if this.is_alone() {
            return;
        }
        let joiner = {
            let mut state = this.lock();
            state.outcome = outcome;
            state.joiner.take()
        };
        if let Some(joiner) = joiner {
            joiner.wake();
        }
    }

    pub(crate) fn request_cancel(&self) {
        self.cancel_requested.store(true, Ordering::Release);
    }

    fn cancel_requested(&self) -> bool {
        self.cancel_requested.load(Ordering::Acquire)
    }

    /// Takes the outcome if the child has finished (leaves `Taken` behind).
    pub(crate) fn take(&self) -> Outcome<T> {
        let mut state = self.lock();
        match state.outcome {
            Outcome::Running => Outcome::Running,
            _ => std::mem::replace(&mut state.outcome, Outcome::Taken),
        }
    }

    /// Waits until the child has finished, leaving its outcome in place: `true` if it
    /// failed or panicked.
    fn poll_ended(&self, cx: &mut Context<'_>) -> Poll<bool> {
        let mut state = self.lock();
        match state.outcome {
            Outcome::Running => {
                match &state.joiner {
                    Some(old) if old.will_wake(cx.waker()) => {}
                    _ => state.joiner = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            Outcome::Failed | Outcome::Panicked => Poll::Ready(true),
            Outcome::Done(_) | Outcome::Cancelled | Outcome::Taken => Poll::Ready(false),
        }
    }

    fn poll_take(&self, cx: &mut Context<'_>) -> Poll<Outcome<T>> {
        let mut state = self.lock();
        if let Outcome::Running = state.outcome {
            match &state.joiner {
                Some(old) if old.will_wake(cx.waker()) => {}
                _ => state.joiner = Some(cx.waker().clone()),
            }
            return Poll::Pending;
        }
        Poll::Ready(std::mem::replace(&mut state.outcome, Outcome::Taken))
    }
}

/// The part of a child's cell that does not depend on its output type.
pub(crate) trait CellControl {
    /// Records an end without a value (`Failed`, `Panicked` or `Cancelled`).
    fn cell_settle_without_output(&self, outcome: Outcome<()>);
    fn cancel_requested(&self) -> bool;
    fn waker_key(&self) -> &AtomicUsize;
    /// The child's position in its batch (what a batch's completion order names); 0 in a
    /// TaskGroup, which does not track completion.
    fn ordinal(&self) -> usize {
        0
    }
    /// The group this child belongs to (its core, type-erased).
    fn group(&self) -> &dyn WakeChild;
}

/// How a child's output is split between its cell and its group.
pub(crate) trait Sink<O, E>: CellControl {
    /// What the wrapper's future returns once the child has ended: `()` when the outcome
    /// went into a cell, the outcome itself for a native corio child.
    type Ended;

    /// Takes the output: `Ok` once the value is stored (in the cell, or in `Ended`), or
    /// `Err` with the error the group must record (then [`settle`](Self::settle) follows).
    fn deliver(&self, output: O) -> Result<Self::Ended, E>;

    /// Records an end without a value (`Failed`, `Panicked` or `Cancelled`).
    fn settle(&self, outcome: Outcome<()>) -> Self::Ended;

    /// The typed core of the child's group.
    fn core(&self) -> &GroupCore<E>
    where
        E: 'static,
    {
        self.group()
            .as_any()
            .downcast_ref()
            .expect("a child's cell links to a core of the child's error type")
    }
}

/// TaskGroup children: `Ok` goes to the cell, `Err` to the group.
pub(crate) struct GroupSink<T>(pub(crate) CellRef<T>);

/// gather / race / as_completed children: the whole output goes to the cell. The second
/// field is the child's ordinal in its batch.
pub(crate) struct PlainSink<O>(pub(crate) CellRef<O>, pub(crate) usize);

fn settle_without_output<T>(cell: &CellRef<T>, outcome: Outcome<()>) {
    OutputCell::settle(
        cell,
        match outcome {
            Outcome::Failed => Outcome::Failed,
            Outcome::Panicked => Outcome::Panicked,
            _ => Outcome::Cancelled,
        },
    );
}

impl<T, E> Sink<Result<T, E>, E> for GroupSink<T> {
    type Ended = ();

    fn deliver(&self, output: Result<T, E>) -> Result<(), E> {
        // On `Err` the caller records the error with the group first, then settles the cell.
        let value = output?;
        OutputCell::settle(&self.0, Outcome::Done(value));
        Ok(())
    }

    fn settle(&self, outcome: Outcome<()>) {
        settle_without_output(&self.0, outcome);
    }
}

impl<T> CellControl for GroupSink<T> {
    fn cell_settle_without_output(&self, outcome: Outcome<()>) {
        settle_without_output(&self.0, outcome);
    }
    fn cancel_requested(&self) -> bool {
        self.0.cancel_requested()
    }
    fn waker_key(&self) -> &AtomicUsize {
        &self.0.waker_key
    }
    fn group(&self) -> &dyn WakeChild {
        &*self.0.group
    }
}

impl<O, E> Sink<O, E> for PlainSink<O> {
    type Ended = ();

    fn deliver(&self, output: O) -> Result<(), E> {
        OutputCell::settle(&self.0, Outcome::Done(output));
        Ok(())
    }

    fn settle(&self, outcome: Outcome<()>) {
        settle_without_output(&self.0, outcome);
    }
}

impl<O> CellControl for PlainSink<O> {
    fn cell_settle_without_output(&self, outcome: Outcome<()>) {
        settle_without_output(&self.0, outcome);
    }
    fn cancel_requested(&self) -> bool {
        self.0.cancel_requested()
    }
    fn waker_key(&self) -> &AtomicUsize {
        &self.0.waker_key
    }
    fn ordinal(&self) -> usize {
        self.1
    }
    fn group(&self) -> &dyn WakeChild {
        &*self.0.group
    }
}

/// TaskGroup children spawned as native corio tasks: no cell. `Ok` and every other end
/// become the task's output (an [`Outcome`], read through the task's `JoinHandle`), `Err`
/// goes to the group. The sink holds the group's core itself, typed, and the child's waker
/// slot key; a handle cancels the child through the `JoinHandle`, so there is no cancel flag
/// of its own.
#[cfg(feature = "corio")]
pub(crate) struct NativeSink<E> {
    /// Not a counted reference: the child is live in its group from its admit to its
    /// finish, and while any child is live the core holds a reference to itself
    /// (`GroupCore::admit`). The sink is used only until its child's finish.
    core: NonNull<GroupCore<E>>,
    /// The child's waker slot in its group (`NO_KEY` until it first pends); guarded by the
    /// group's lock.
    waker_key: AtomicUsize,
}

#[cfg(feature = "corio")]
impl<E> NativeSink<E> {
    /// The sink of a child that `core` has just admitted.
    pub(crate) fn new(core: &Arc<GroupCore<E>>) -> Self {
        Self {
            core: NonNull::new(Arc::as_ptr(core).cast_mut()).expect("an Arc is never null"),
            waker_key: AtomicUsize::new(NO_KEY),
        }
    }

    fn typed_core(&self) -> &GroupCore<E> {
        // The child was admitted before this sink was made and has not finished (after its
        // finish the wrapper never reaches the sink's core again: `Reported`), so the core
        // holds a reference to itself (`GroupCore::admit`).
        // SAFETY: so the core is alive; the pointer is an `Arc`'s, used for shared access.
        unsafe { self.core.as_ref() }
    }
}

// SAFETY: the sink gives only shared access to the core, which is `Send + Sync` when `E:
// Send` (its state sits behind a lock), and keeps it alive as long as it is used (above).
#[cfg(feature = "corio")]
unsafe impl<E: Send> Send for NativeSink<E> {}
// SAFETY: as above.
#[cfg(feature = "corio")]
unsafe impl<E: Send> Sync for NativeSink<E> {}

#[cfg(feature = "corio")]
impl<E: Send + 'static> CellControl for NativeSink<E> {
    /// No cell: the outcome of a child dropped unfinished is the task's own (corio reports
    /// such a task cancelled).
    fn cell_settle_without_output(&self, _: Outcome<()>) {}
    fn cancel_requested(&self) -> bool {
        false
    }
    fn waker_key(&self) -> &AtomicUsize {
        &self.waker_key
    }
    fn group(&self) -> &dyn WakeChild {
        self.typed_core()
    }
}

#[cfg(feature = "corio")]
impl<T, E: Send + 'static> Sink<Result<T, E>, E> for NativeSink<E> {
    type Ended = Outcome<T>;

    fn deliver(&self, output: Result<T, E>) -> Result<Outcome<T>, E> {
        output.map(Outcome::Done)
    }

    fn settle(&self, outcome: Outcome<()>) -> Outcome<T> {
        match outcome {
            Outcome::Failed => Outcome::Failed,
            Outcome::Panicked => Outcome::Panicked,
            _ => Outcome::Cancelled,
        }
    }

    fn core(&self) -> &GroupCore<E> {
        self.typed_core()
    }
}

/// The future actually handed to the executor for each child.
///
/// It reaches its group through its sink (`K`), whose core must be a `GroupCore<E>`.
///
/// Its future may be dropped by two parties: the wrapper itself (when it ends, is cancelled
/// or is dropped by its executor) and, once the child has pended, a group whose owner drops
/// it ([`GroupCore::drop_children`]), through the [`AbortRef`] the child registered. The
/// `gate` says which one holds the future at any moment (see [`POLLING`]).
pub(crate) struct ChildTask<F, K: CellControl, E> {
    /// Shared with a dropping group through a raw pointer, hence the `UnsafeCell`; the gate
    /// says who may touch it.
    stage: UnsafeCell<Stage<F>>,
    gate: AtomicU8,
    /// A `!Send` child: a group may drop its future only on the thread it runs on.
    local: bool,
    sink: K,
    _error: PhantomData<fn(E)>,
    /// The group keeps a pointer into the pinned wrapper: `&mut ChildTask` must not claim
    /// to be the only way to it.
    _pinned: PhantomPinned,
}

/// The child's gate: who holds its future. A child is offered to a dropping group (it has
/// an [`AbortRef`] in the group's slab) from its first pending poll until it finishes.
///
/// - `POLLING`: the wrapper is polling it (also the state before the first poll ends, when
///   no group can reach the child yet).
/// - `IDLE`: between polls; a dropping group may claim it (`IDLE -> ABORTING`, under the
///   group's lock).
/// - `ABORTING`: a group claimed it and is dropping the future on its own thread; the
///   wrapper's poll and drop wait until it is done.
/// - `ABORTED`: the group dropped the future (its stage is `Ended`); the wrapper reports the
///   child cancelled at its next poll or drop. Also set by the wrapper's own drop, so that no
///   group claims a future the wrapper is dropping.
const POLLING: u8 = 0;
const IDLE: u8 = 1;
const ABORTING: u8 = 2;
const ABORTED: u8 = 3;

/// Where a wrapper stands. One enum rather than an `Option<F>` and a flag: the wrapper is
/// part of every child's task allocation, so its size counts.
enum Stage<F> {
    /// The inner future, not finished yet.
    Running(F),
    /// The inner future finished or was dropped by cancellation; the end is not reported yet.
    Ended,
    /// The end was reported to the group (exactly once).
    Reported,
}

/// How a dropping group reaches one idle child: a type-erased pointer to the pinned
/// wrapper, with the two functions that know its type.
pub(crate) struct AbortRef {
    task: NonNull<()>,
    claim: unsafe fn(NonNull<()>) -> bool,
    drop_future: unsafe fn(NonNull<()>) -> Result<(), Panic>,
    /// A `!Send` child's thread: its future may be dropped there only.
    home: Option<std::thread::ThreadId>,
}

// SAFETY: the pointer is used only while the child is alive (see `try_claim`), only through
// the gate's atomic protocol, and a `!Send` child's future is dropped only on its own thread
// (`home`); the rest of the wrapper is never touched through it.
unsafe impl Send for AbortRef {}

impl AbortRef {
    /// Claims the child for dropping its future here, if it is idle and may be dropped on
    /// this thread.
    ///
    /// # Safety
    /// The child must be alive: registered in its group's slab, with the group's lock held
    /// (a child unregisters under that lock before its memory can go).
    pub(crate) unsafe fn try_claim(&self) -> bool {
        if self
            .home
            .is_some_and(|home| home != std::thread::current().id())
        {
            return false;
        }
        // SAFETY: the caller guarantees the child is alive.
        unsafe { (self.claim)(self.task) }
    }

    /// Drops the claimed child's future, then releases the child. Returns the panic its
    /// destructors raised, if any.
    ///
    /// # Safety
    /// `try_claim` returned true for this child.
    pub(crate) unsafe fn drop_claimed(self) -> Result<(), Panic> {
        // SAFETY: a claimed child stays alive until released, which this call does last.
        unsafe { (self.drop_future)(self.task) }
    }
}

/// The `claim` of a `ChildTask<F, K, E>`'s [`AbortRef`].
///
/// # Safety
/// `task` points to a live `ChildTask<F, K, E>`.
unsafe fn claim_task<F, K: CellControl, E>(task: NonNull<()>) -> bool {
    let task = task.cast::<ChildTask<F, K, E>>().as_ptr();
    // SAFETY: the task is alive (caller); only its atomic gate is borrowed.
    let gate = unsafe { &*std::ptr::addr_of!((*task).gate) };
    // Acquire: the wrapper's last use of the future (its poll) happens before our drop.
    gate.compare_exchange(IDLE, ABORTING, Ordering::Acquire, Ordering::Relaxed)
        .is_ok()
}

/// The `drop_future` of a `ChildTask<F, K, E>`'s [`AbortRef`].
///
/// # Safety
/// `task` points to a `ChildTask<F, K, E>` this thread claimed (`ABORTING`).
unsafe fn drop_claimed_task<F, K: CellControl, E>(task: NonNull<()>) -> Result<(), Panic> {
    let task = task.cast::<ChildTask<F, K, E>>().as_ptr();
    // Claimed, so alive, and its stage is ours until the gate says `ABORTED`: the wrapper
    // waits for that before it touches the stage again. Only the stage's cell and the gate
    // are reached through the pointer.
    // SAFETY: as above.
    let (stage, gate) = unsafe {
        (
            &mut *UnsafeCell::raw_get(std::ptr::addr_of!((*task).stage)),
            &*std::ptr::addr_of!((*task).gate),
        )
    };
    let dropped = drop_future(stage);
    // Release: our drop of the future happens before the wrapper goes on.
    gate.store(ABORTED, Ordering::Release);
    dropped
}

impl<F, K, E> ChildTask<F, K, E>
where
    F: Future,
    K: Sink<F::Output, E>,
    E: 'static,
{
    /// The wrapper of a `Send` child.
    pub(crate) fn new(future: F, sink: K) -> Self {
        Self::with_home(future, sink, false)
    }

    /// The wrapper of a `!Send` child (spawned with `LocalSpawn`).
    pub(crate) fn new_local(future: F, sink: K) -> Self {
        Self::with_home(future, sink, true)
    }

    fn with_home(future: F, sink: K, local: bool) -> Self {
        Self {
            stage: UnsafeCell::new(Stage::Running(future)),
            gate: AtomicU8::new(POLLING),
            local,
            sink,
            _error: PhantomData,
            _pinned: PhantomPinned,
        }
    }

    /// These helpers take fields, not `&self`: a shared borrow of the whole task would also
    /// cover the pinned future, which may hold references into itself (Miri flags that as
    /// aliasing). `core` is the sink's, looked up once per poll.
    fn cancelled(core: &GroupCore<E>, sink: &K) -> bool {
        core.is_cancelling() || sink.cancel_requested()
    }

    /// Reports the end of the child. Order matters: a failure reaches the group before the
    /// cell says so (a failed handle implies a group shutting down), and the cell is settled
    /// before the group stops counting the child (a finished group implies settled handles).
    ///
    /// Also returns the core's own reference if this was its last live child: the caller
    /// drops it after its last use of `core` (see [`GroupCore::finish`]).
    fn report(
        core: &GroupCore<E>,
        sink: &K,
        failure: Option<Finish<E>>,
        end: Result<K::Ended, Outcome<()>>,
    ) -> (K::Ended, Option<Arc<GroupCore<E>>>) {
        if let Some(failure) = failure {
            core.record_failure(failure);
        }
        let ended = end.unwrap_or_else(|outcome| sink.settle(outcome));
        let keepalive = core.finish(sink.waker_key(), sink.ordinal());
        (ended, keepalive)
    }
}

impl<F, K: CellControl, E> ChildTask<F, K, E> {
    /// Takes the gate for the wrapper (to poll, or to drop), from a child that has been
    /// offered to its group. Returns false if the group dropped the future already.
    fn take_gate(gate: &AtomicU8, to: u8) -> bool {
        loop {
            // Acquire: a group's drop of the future happens before we go on.
            match gate.compare_exchange(IDLE, to, Ordering::Acquire, Ordering::Acquire) {
                Ok(_) => return true,
                // The group is dropping the future on another thread: a short wait.
                Err(ABORTING) => spin_wait(),
                Err(ABORTED) => return false,
                // A poll that unwound left the gate taken: it is still the wrapper's.
                Err(_) => return true,
            }
        }
    }

    /// The [`AbortRef`] of this wrapper, for its first registration.
    fn abort_ref(task: NonNull<Self>, local: bool) -> AbortRef {
        AbortRef {
            task: task.cast(),
            claim: claim_task::<F, K, E>,
            drop_future: drop_claimed_task::<F, K, E>,
            home: local.then(|| std::thread::current().id()),
        }
    }
}

/// Drops the inner future in place (if it is still there), catching a panic from its
/// destructors: a child that panics while it is dropped has panicked, and the panic must
/// reach its group, not unwind into the executor.
fn drop_future<F>(stage: &mut Stage<F>) -> Result<(), Panic> {
    if !matches!(stage, Stage::Running(_)) {
        return Ok(());
    }
    // An assignment whose drop unwinds still stores the new value, so `Ended` is in place
    // either way.
    catch_unwind(AssertUnwindSafe(|| *stage = Stage::Ended))
}

/// The end of a cancelled child: its future dropped (a panic from its destructors is the
/// child's panic), and what `report` needs to record it.
fn end_by_cancel<F, E, T>(stage: &mut Stage<F>) -> (Option<Finish<E>>, Result<T, Outcome<()>>) {
    match drop_future(stage) {
        Ok(()) => (None, Err(Outcome::Cancelled)),
        Err(payload) => (Some(Finish::Panicked(payload)), Err(Outcome::Panicked)),
    }
}

impl<F, K, E> Future for ChildTask<F, K, E>
where
    F: Future,
    K: Sink<F::Output, E>,
    E: 'static,
{
    type Output = K::Ended;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<K::Ended> {
        // The future in `Stage::Running` is structurally pinned: never moved out of `self`,
        // only polled through the pin below and dropped in place (by assigning another stage,
        // here, in `Drop`, or by a dropping group through the registered pointer). Other
        // fields are plain data, never pinned. SAFETY: by the above, nothing pinned moves
        // through `this`.
        let this = unsafe { self.get_unchecked_mut() };
        // Made before any borrow of the stage: the pointer a dropping group will use.
        let me = NonNull::from(&mut *this);
        let core = this.sink.core();
        // From here on the child reports exactly once, or stays pending. `end` is the value
        // the sink took (`Ok`), or the end without a value it must still record (`Err`).
        let (failure, end) = 'ended: {
            // Offered to the group since its first pending poll: take the gate first.
            if this.sink.waker_key().load(Ordering::Relaxed) != NO_KEY
                && !Self::take_gate(&this.gate, POLLING)
            {
                // A dropping group dropped the future (and kept any panic of its own).
                break 'ended (None, Err(Outcome::Cancelled));
            }
            // The gate is ours (`POLLING`): no group touches the stage until we open it
            // again, and nothing else holds a reference into it.
            // SAFETY: as above.
            let stage = unsafe { &mut *this.stage.get() };
            if Self::cancelled(core, &this.sink) {
                // Dropped in place: its destructors run now.
                break 'ended end_by_cancel(stage);
            }
            let Stage::Running(future) = stage else {
                // Executors never poll a completed task; its outcome was handed over already.
                panic!("a child task was polled after it completed");
            };
            // SAFETY: see above: the future lives in the pinned `ChildTask` and is never moved.
            let future = unsafe { Pin::new_unchecked(future) };
            match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
                Ok(Poll::Ready(output)) => {
                    if let Err(payload) = drop_future(stage) {
                        // The finished future's own destructor panicked: the child panicked.
                        drop(output);
                        break 'ended (Some(Finish::Panicked(payload)), Err(Outcome::Panicked));
                    }
                    match this.sink.deliver(output) {
                        Ok(ended) => (None, Ok(ended)),
                        Err(error) => (Some(Finish::Failed(error)), Err(Outcome::Failed)),
                    }
                }
                Ok(Poll::Pending) => {
                    let local = this.local;
                    core.register_child_waker(this.sink.waker_key(), cx.waker(), || {
                        Some(Self::abort_ref(me, local))
                    });
                    // A cancel that raced with the poll set its flag before looking for our
                    // waker; check again now that the waker is registered, so no wake-up is
                    // lost.
                    if !Self::cancelled(core, &this.sink) {
                        // Release: our use of the future happens before a group's drop of it.
                        this.gate.store(IDLE, Ordering::Release);
                        return Poll::Pending;
                    }
                    end_by_cancel(stage)
                }
                Err(payload) => {
                    // A second panic from the destructors of the future that just panicked
                    // adds nothing: the first one is the child's.
                    let _ = drop_future(stage);
                    (Some(Finish::Panicked(payload)), Err(Outcome::Panicked))
                }
            }
        };
        // Marked first: if a destructor run by `report` unwinds, `Drop` must not report again.
        // The gate is still ours (or the group is done with the stage), and `report`
        // unregisters the child under the group's lock, so no group claims it again.
        // SAFETY: as above: the stage is ours.
        unsafe { *this.stage.get() = Stage::Reported };
        let (ended, keepalive) = Self::report(core, &this.sink, failure, end);
        // The last use of the core is behind us: its own reference may go now.
        drop(keepalive);
        Poll::Ready(ended)
    }
}

impl<F, K: CellControl, E> Drop for ChildTask<F, K, E> {
    fn drop(&mut self) {
        // Not `Sink::core`: `Drop` cannot add the `E: 'static` bound, and finishing needs no
        // `E`. The executor dropped the task before it finished (it shut down, refused the
        // spawn, or corio cancelled it through its handle): count it as cancelled so the group
        // does not wait for it forever.
        //
        // A child offered to its group closes its gate first (if a group is dropping its
        // future right now, that ends first). Until it unregisters below, a group finds the
        // gate closed and leaves the child alone.
        if self.sink.waker_key().load(Ordering::Relaxed) != NO_KEY {
            Self::take_gate(&self.gate, ABORTED);
        }
        // SAFETY: the gate is closed: nobody else touches the stage any more.
        let stage = unsafe { &mut *self.stage.get() };
        if !matches!(stage, Stage::Reported) {
            // A destructor that panics while the executor drops the child is the child's
            // panic, reported to its group like any other: never unwound into the executor.
            let outcome = match drop_future(stage) {
                Ok(()) => Outcome::Cancelled,
                Err(payload) => {
                    self.sink.group().record_panic(payload);
                    Outcome::Panicked
                }
            };
            *stage = Stage::Reported;
            self.sink.cell_settle_without_output(outcome);
            let keepalive = self
                .sink
                .group()
                .finish_child(self.sink.waker_key(), self.sink.ordinal());
            // The last use of the core is behind us: its own reference may go now.
            drop(keepalive);
        }
    }
}

/// A handle to one child of a [`TaskGroup`](crate::TaskGroup): cancel it, await it, or take
/// its value once the group has finished.
///
/// Awaiting a handle waits for that child only and gives `Ok(value)`, or why there is no
/// value ([`ChildError`]); a child's error itself goes to the group's
/// [`GroupError`](crate::GroupError).
///
/// ```
/// use corio_taskgroup::TaskGroup;
/// # let mut pool = futures::executor::LocalPool::new();
/// # let spawner = pool.spawner();
/// pool.run_until(async move {
///     let tg = TaskGroup::<(), _>::with_spawner(spawner);
///     let answer = tg.spawn(async { Ok(42) }).unwrap();
///     tg.wait().await.unwrap();
///     assert_eq!(answer.result(), Ok(42));
/// });
/// ```
pub struct ChildHandle<T> {
    source: Source<T>,
    /// The name the child was spawned with ([`GroupHandle::spawn_named`]).
    ///
    /// [`GroupHandle::spawn_named`]: crate::GroupHandle::spawn_named
    name: Option<Box<str>>,
}

/// Where a handle finds its child's outcome.
enum Source<T> {
    /// The result cell the child's wrapper settles (any `Spawn`/`LocalSpawn` executor).
    Cell(CellRef<T>),
    /// The native corio task whose output is the child's outcome; `None` once the handle
    /// has handed that outcome out.
    #[cfg(feature = "corio")]
    Task(Option<corio_executor::JoinHandle<Outcome<T>>>),
    /// The native task's result, read from its `JoinHandle` by [`ChildHandle::poll_finished`]
    /// and kept until the handle hands it out (`AlreadyTaken` after that).
    #[cfg(feature = "corio")]
    Joined(Result<T, ChildError>),
}

/// How a child ended, for [`wait`](crate::wait)'s `FirstException`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    /// Returned a value, was cancelled, or its value was taken already.
    Normally,
    /// Failed (its error went to the group) or panicked.
    Exceptionally,
}

impl<T> ChildHandle<T> {
    pub(crate) fn new(cell: CellRef<T>) -> Self {
        Self {
            source: Source::Cell(cell),
            name: None,
        }
    }

    /// The handle of a child spawned as the corio task `task` (a `ChildTask` with a
    /// [`NativeSink`]).
    #[cfg(feature = "corio")]
    pub(crate) fn native(task: corio_executor::JoinHandle<Outcome<T>>) -> Self {
        Self {
            source: Source::Task(Some(task)),
            name: None,
        }
    }

    /// The same handle, carrying the child's name.
    pub(crate) fn named(mut self, name: Option<Box<str>>) -> Self {
        self.name = name;
        self
    }

    /// The name the child was spawned with, if any (asyncio's `Task.get_name`).
    ///
    /// ```
    /// use corio_taskgroup::TaskGroup;
    /// let mut pool = futures::executor::LocalPool::new();
    /// let tg = TaskGroup::<(), _>::with_spawner(pool.spawner());
    /// let fetch = tg.spawn_named("fetch", async { Ok(1) }).unwrap();
    /// let other = tg.spawn(async { Ok(2) }).unwrap();
    /// assert_eq!(fetch.name(), Some("fetch"));
    /// assert_eq!(other.name(), None);
    /// pool.run_until(tg.wait()).unwrap();
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Cancels this child only: its future is dropped at its next poll. This is not an error:
    /// its siblings and the group go on. Cancelling a finished child does nothing.
    ///
    /// ```
    /// use corio_taskgroup::{ChildError, TaskGroup};
    /// # let mut pool = futures::executor::LocalPool::new();
    /// # let spawner = pool.spawner();
    /// pool.run_until(async move {
    ///     let tg = TaskGroup::<(), _>::with_spawner(spawner);
    ///     let stuck = tg.spawn(std::future::pending::<Result<(), ()>>()).unwrap();
    ///     let fine = tg.spawn(async { Ok("fine") }).unwrap();
    ///     stuck.cancel();
    ///     tg.wait().await.unwrap();
    ///     assert_eq!(stuck.result(), Err(ChildError::Cancelled));
    ///     assert_eq!(fine.result(), Ok("fine"));
    /// });
    /// ```
    pub fn cancel(&self) {
        match &self.source {
            Source::Cell(cell) => {
                cell.request_cancel();
                cell.group.wake_child(&cell.waker_key);
            }
            // corio drops the task's future (the wrapper) at its next turn; the wrapper's
            // `Drop` reports the child cancelled to its group. A finished task keeps its
            // outcome.
            #[cfg(feature = "corio")]
            Source::Task(Some(task)) => {
                task.cancel();
            }
            #[cfg(feature = "corio")]
            Source::Task(None) | Source::Joined(_) => {}
        }
    }

    /// The child's value, without waiting: `Err(ChildError::Unfinished)` if it is still
    /// running. After the group finished, every child has finished.
    ///
    /// ```
    /// use corio_taskgroup::{ChildError, TaskGroup};
    /// # let mut pool = futures::executor::LocalPool::new();
    /// # let spawner = pool.spawner();
    /// pool.run_until(async move {
    ///     let tg = TaskGroup::<(), _>::with_spawner(spawner);
    ///     let child = tg.spawn(async { Ok(1) }).unwrap();
    ///     // Spawned, but the executor has not run it yet.
    ///     let child = match child.result() {
    ///         Err(ChildError::Unfinished) => tg.spawn(async { Ok(2) }).unwrap(),
    ///         other => panic!("unexpected {other:?}"),
    ///     };
    ///     tg.wait().await.unwrap();
    ///     assert_eq!(child.result(), Ok(2));
    /// });
    /// ```
    pub fn result(self) -> Result<T, ChildError> {
        match self.source {
            Source::Cell(cell) => outcome_to_result(cell.take()),
            #[cfg(feature = "corio")]
            Source::Task(Some(mut task)) => {
                // Checked first so that an unfinished task does not get a join waker.
                if !task.is_finished() {
                    return Err(ChildError::Unfinished);
                }
                let mut cx = Context::from_waker(futures_task::noop_waker_ref());
                match Pin::new(&mut task).poll(&mut cx) {
                    Poll::Ready(joined) => joined_to_result(joined),
                    Poll::Pending => Err(ChildError::Unfinished),
                }
            }
            #[cfg(feature = "corio")]
            Source::Task(None) => Err(ChildError::AlreadyTaken),
            #[cfg(feature = "corio")]
            Source::Joined(result) => result,
        }
    }

    /// Waits until the child has finished, without taking its value: whether it ended
    /// normally or with an error or panic. For [`wait`](crate::wait).
    pub(crate) fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<Ended> {
        let ended = |failed: bool| {
            if failed {
                Ended::Exceptionally
            } else {
                Ended::Normally
            }
        };
        match &mut self.source {
            Source::Cell(cell) => cell.poll_ended(cx).map(ended),
            #[cfg(feature = "corio")]
            Source::Task(slot) => {
                let Some(task) = slot else {
                    return Poll::Ready(Ended::Normally);
                };
                let joined = std::task::ready!(Pin::new(task).poll(cx));
                let result = joined_to_result(joined);
                let failed = matches!(result, Err(ChildError::Failed | ChildError::Panicked));
                self.source = Source::Joined(result);
                Poll::Ready(ended(failed))
            }
            #[cfg(feature = "corio")]
            Source::Joined(result) => Poll::Ready(ended(matches!(
                result,
                Err(ChildError::Failed | ChildError::Panicked)
            ))),
        }
    }
}

/// A native child task's output: its outcome, or corio's word that the task was dropped
/// unfinished (cancelled through its handle, or the runtime shut down) or that the wrapper
/// itself unwound (it catches the child's own panics).
#[cfg(feature = "corio")]
fn joined_to_result<T>(
    joined: Result<Outcome<T>, corio_executor::JoinError>,
) -> Result<T, ChildError> {
    match joined {
        Ok(outcome) => outcome_to_result(outcome),
        Err(error) if error.is_cancelled() => Err(ChildError::Cancelled),
        Err(_) => Err(ChildError::Panicked),
    }
}

fn outcome_to_result<T>(outcome: Outcome<T>) -> Result<T, ChildError> {
    match outcome {
        Outcome::Running => Err(ChildError::Unfinished),
        Outcome::Done(value) => Ok(value),
        Outcome::Failed => Err(ChildError::Failed),
        Outcome::Panicked => Err(ChildError::Panicked),
        Outcome::Cancelled => Err(ChildError::Cancelled),
        Outcome::Taken => Err(ChildError::AlreadyTaken),
    }
}

// Nothing in a handle is pinned structurally: a value it keeps is only ever moved out.
impl<T> Unpin for ChildHandle<T> {}

impl<T> Future for ChildHandle<T> {
    type Output = Result<T, ChildError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().source {
            Source::Cell(cell) => cell.poll_take(cx).map(outcome_to_result),
            #[cfg(feature = "corio")]
            Source::Task(slot) => {
                // Polled again after it gave the result: as a cell does, say it was taken.
                let Some(task) = slot else {
                    return Poll::Ready(Err(ChildError::AlreadyTaken));
                };
                let joined = std::task::ready!(Pin::new(task).poll(cx));
                *slot = None;
                Poll::Ready(joined_to_result(joined))
            }
            #[cfg(feature = "corio")]
            Source::Joined(result) => {
                Poll::Ready(std::mem::replace(result, Err(ChildError::AlreadyTaken)))
            }
        }
    }
}

impl<T> std::fmt::Debug for ChildHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildHandle")
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::core::Policy;
    use futures_task::noop_waker;

    const GROUP: Policy = Policy {
        cancel_on_failure: true,
        track_completion: false,
    };

    /// A `!Unpin` future holding a self-reference across a pending point: exercises the pin
    /// projection in `ChildTask::poll` (run under Miri).
    async fn self_referential(polls_before_ready: usize) -> Result<String, ()> {
        let text = String::from("pinned");
        let borrowed = &text;
        for _ in 0..polls_before_ready {
            let mut yielded = false;
            std::future::poll_fn(|cx| {
                if yielded {
                    Poll::Ready(())
                } else {
                    yielded = true;
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
            })
            .await;
        }
        Ok(borrowed.clone())
    }

    type TestChild<F> = Pin<Box<ChildTask<F, GroupSink<String>, ()>>>;

    fn spawn_local_child<F: Future<Output = Result<String, ()>>>(
        core: &Arc<GroupCore<()>>,
        future: F,
    ) -> (TestChild<F>, CellRef<String>) {
        core.admit().unwrap();
        let (child_side, cell) = OutputCell::pair(Arc::clone(core) as _);
        (
            Box::pin(ChildTask::new(future, GroupSink(child_side))),
            cell,
        )
    }

    #[test]
    fn a_pinned_child_runs_to_completion_and_settles_its_cell() {
        let core = Arc::new(GroupCore::new(GROUP));
        let (mut task, cell) = spawn_local_child(&core, self_referential(3));
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut polls = 1;
        while task.as_mut().poll(&mut cx).is_pending() {
            polls += 1;
        }
        assert_eq!(polls, 4);
        assert!(matches!(cell.take(), Outcome::Done(ref s) if s == "pinned"));
        assert!(core.poll_finished(&mut cx, false).is_ready());
    }

    #[test]
    fn a_cancelled_child_drops_its_future_in_place_at_the_next_poll() {
        let core = Arc::new(GroupCore::new(GROUP));
        let (mut task, cell) = spawn_local_child(&core, self_referential(10));
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(task.as_mut().poll(&mut cx).is_pending());
        cell.request_cancel();
        assert!(task.as_mut().poll(&mut cx).is_ready());
        assert!(matches!(cell.take(), Outcome::Cancelled));
        assert!(
            core.poll_finished(&mut cx, false).is_ready(),
            "cancellation was reported"
        );
    }

    #[test]
    fn a_child_dropped_by_its_executor_counts_as_cancelled() {
        let core = Arc::new(GroupCore::new(GROUP));
        let (mut task, cell) = spawn_local_child(&core, self_referential(10));
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(task.as_mut().poll(&mut cx).is_pending());
        drop(task);
        assert!(matches!(cell.take(), Outcome::Cancelled));
        assert!(core.poll_finished(&mut cx, false).is_ready());
    }

    #[cfg(feature = "corio")]
    #[test]
    fn a_native_child_returns_its_outcome_and_sends_its_error_to_the_group() {
        let core = Arc::new(GroupCore::<&str>::new(GROUP));
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        core.admit().unwrap();
        let mut ok = Box::pin(ChildTask::new(
            async { Ok::<_, &str>(self_referential(2).await.unwrap()) },
            NativeSink::new(&core),
        ));
        let outcome = loop {
            if let Poll::Ready(outcome) = ok.as_mut().poll(&mut cx) {
                break outcome;
            }
        };
        assert!(matches!(outcome, Outcome::Done(ref s) if s == "pinned"));
        core.admit().unwrap();
        let mut failing = Box::pin(ChildTask::new(
            async { Err::<(), _>("no") },
            NativeSink::new(&core),
        ));
        assert!(matches!(
            failing.as_mut().poll(&mut cx),
            Poll::Ready(Outcome::Failed)
        ));
        let Poll::Ready(summary) = core.poll_finished(&mut cx, false) else {
            panic!("not finished")
        };
        assert_eq!(summary.errors, ["no"]);
    }

    #[cfg(feature = "corio")]
    #[test]
    fn a_native_child_dropped_unfinished_is_reported_cancelled() {
        let core = Arc::new(GroupCore::<()>::new(GROUP));
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        core.admit().unwrap();
        let mut task = Box::pin(ChildTask::new(
            async { self_referential(10).await.map(drop) },
            NativeSink::new(&core),
        ));
        assert!(task.as_mut().poll(&mut cx).is_pending());
        drop(task);
        assert!(core.poll_finished(&mut cx, false).is_ready());
    }

    /// A self-referential future that sets `dropped` when it is dropped.
    async fn pending_with_probe(dropped: Arc<std::sync::atomic::AtomicBool>) -> Result<(), ()> {
        struct Probe(Arc<std::sync::atomic::AtomicBool>);
        impl Drop for Probe {
            fn drop(&mut self) {
                self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let probe = Probe(dropped);
        let borrowed = &probe;
        std::future::pending::<()>().await;
        assert!(!borrowed.0.load(std::sync::atomic::Ordering::SeqCst));
        Ok(())
    }

    #[test]
    fn a_dropped_group_drops_an_idle_childs_future_in_place() {
        let dropped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let core = Arc::new(GroupCore::<()>::new(GROUP));
        core.admit().unwrap();
        let (child_side, cell) = OutputCell::<()>::pair(Arc::clone(&core) as _);
        let mut task = Box::pin(ChildTask::new(
            pending_with_probe(Arc::clone(&dropped)),
            GroupSink(child_side),
        ));
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(task.as_mut().poll(&mut cx).is_pending());
        assert!(core.drop_children().is_none());
        assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));
        // The wrapper reports the child cancelled at its next poll.
        assert!(task.as_mut().poll(&mut cx).is_ready());
        assert!(matches!(cell.take(), Outcome::Cancelled));
        assert!(core.poll_finished(&mut cx, false).is_ready());
    }

    #[cfg(feature = "corio")]
    #[test]
    fn a_dropped_group_drops_an_idle_native_child_which_its_executor_drops_later() {
        let dropped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let core = Arc::new(GroupCore::<()>::new(GROUP));
        core.admit().unwrap();
        let mut task = Box::pin(ChildTask::new(
            pending_with_probe(Arc::clone(&dropped)),
            NativeSink::new(&core),
        ));
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(task.as_mut().poll(&mut cx).is_pending());
        assert!(core.drop_children().is_none());
        assert!(dropped.load(std::sync::atomic::Ordering::SeqCst));
        drop(task);
        assert!(core.poll_finished(&mut cx, false).is_ready());
    }

    #[test]
    fn a_dropped_group_returns_the_panic_of_a_childs_destructor() {
        struct Bomb;
        impl Drop for Bomb {
            fn drop(&mut self) {
                panic!("bomb");
            }
        }
        let core = Arc::new(GroupCore::<()>::new(GROUP));
        let (mut task, _cell) = spawn_local_child(&core, async {
            let _bomb = Bomb;
            std::future::pending::<Result<String, ()>>().await
        });
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(task.as_mut().poll(&mut cx).is_pending());
        let panic = core.drop_children().expect("the destructor's panic");
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"bomb"));
        drop(task);
        assert!(core.poll_finished(&mut cx, false).is_ready());
    }

    /// A child's future owns a sibling's task (as a future owning the executor of its
    /// siblings would): the group drops them one at a time, so the sibling's drop, run by
    /// the first one's destructor, does not wait for a claim that only this thread could
    /// release.
    #[test]
    fn a_dropped_group_drops_children_one_at_a_time() {
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let core = Arc::new(GroupCore::<()>::new(GROUP));
            let (mut sibling, _sibling_cell) =
                spawn_local_child(&core, std::future::pending::<Result<String, ()>>());
            let (mut owner, _owner_cell) = spawn_local_child(&core, async move {
                // First poll: pend, so the owner registers before its sibling.
                self_referential(1).await?;
                // Second poll: the sibling's first poll registers it.
                std::future::poll_fn(|cx| {
                    let _ = sibling.as_mut().poll(cx);
                    Poll::Ready(())
                })
                .await;
                std::future::pending::<()>().await;
                drop(sibling);
                Ok(String::new())
            });
            let waker = noop_waker();
            let mut cx = Context::from_waker(&waker);
            assert!(owner.as_mut().poll(&mut cx).is_pending());
            assert!(owner.as_mut().poll(&mut cx).is_pending());
            assert!(core.drop_children().is_none());
            drop(owner);
            assert!(core.poll_finished(&mut cx, false).is_ready());
            done.send(()).unwrap();
        });
        finished
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("dropping the group hung");
    }

    #[test]
    fn a_panicking_child_is_caught_and_reported() {
        let core = Arc::new(GroupCore::<()>::new(GROUP));
        let (mut task, cell) = spawn_local_child(&core, async { panic!("inside a child") });
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(task.as_mut().poll(&mut cx).is_ready());
        assert!(matches!(cell.take(), Outcome::Panicked));
        let Poll::Ready(summary) = core.poll_finished(&mut cx, false) else {
            panic!("not finished")
        };
        assert_eq!(
            summary.panic.unwrap().downcast_ref::<&str>(),
            Some(&"inside a child")
        );
    }
}
