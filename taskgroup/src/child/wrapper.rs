//! `ChildTask`: the future actually spawned for each child. It wraps the child's future,
//! makes it cancellable (a cancel flag checked before every poll, a waker registered with
//! the group), catches its panics, and reports its end exactly once to its group and to its
//! sink ([`CellSink`](super::CellSink), or the native sink).
//!
//! A dropping group may drop an idle child's future itself, on its own thread, through the
//! [`AbortRef`] the child registered; the `gate` says who holds the future (see `POLLING`).

use std::cell::UnsafeCell;
use std::future::Future;
use std::marker::{PhantomData, PhantomPinned};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use super::cell::Outcome;
use crate::group_core::{Finish, GroupCore, Panic, WakeChild, NO_KEY};
use crate::loom::{spin_wait, AtomicU8, AtomicUsize};

/// The part of a child's sink that does not depend on its output type.
pub(crate) trait CellControl {
    /// Records an end without a value (`Failed`, `Panicked` or `Cancelled`).
    fn settle_without_output(&self, outcome: Outcome<()>);
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
    fn report(
        core: &GroupCore<E>,
        sink: &K,
        failure: Option<Finish<E>>,
        end: Result<K::Ended, Outcome<()>>,
    ) -> K::Ended {
        if let Some(failure) = failure {
            core.record_failure(failure);
        }
        let ended = end.unwrap_or_else(|outcome| sink.settle(outcome));
        core.finish(sink.waker_key(), sink.ordinal());
        ended
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
        Poll::Ready(Self::report(core, &this.sink, failure, end))
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
            self.sink.settle_without_output(outcome);
            self.sink
                .group()
                .finish_child(self.sink.waker_key(), self.sink.ordinal());
        }
    }
}

#[cfg(all(test, not(loom)))]
pub(crate) mod tests {
    use super::*;
    use crate::child::cell::{CellRef, CellSink, OkToCell, OutputCell};
    use crate::group_core::Policy;
    use futures_task::noop_waker;
    use std::sync::Arc;

    const GROUP: Policy = Policy {
        cancel_on_failure: true,
        track_completion: false,
    };

    /// A `!Unpin` future holding a self-reference across a pending point: exercises the pin
    /// projection in `ChildTask::poll` (run under Miri).
    pub(crate) async fn self_referential(polls_before_ready: usize) -> Result<String, ()> {
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

    type TestChild<F> = Pin<Box<ChildTask<F, CellSink<String, OkToCell>, ()>>>;

    fn spawn_local_child<F: Future<Output = Result<String, ()>>>(
        core: &Arc<GroupCore<()>>,
        future: F,
    ) -> (TestChild<F>, CellRef<String>) {
        core.admit().unwrap();
        let (child_side, cell) = OutputCell::pair(Arc::clone(core) as _);
        (
            Box::pin(ChildTask::new(future, CellSink::new(child_side, 0))),
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

    /// A self-referential future that sets `dropped` when it is dropped.
    pub(crate) async fn pending_with_probe(
        dropped: Arc<std::sync::atomic::AtomicBool>,
    ) -> Result<(), ()> {
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
            CellSink::<_, OkToCell>::new(child_side, 0),
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
