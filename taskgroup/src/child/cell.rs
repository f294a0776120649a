//! A child's result cell ([`OutputCell`]): where the running wrapper leaves the child's end
//! and its reader (a [`ChildHandle`](crate::ChildHandle), gather, race) finds it; and
//! [`CellSink`], the one sink for every child whose output goes to a cell.
//!
//! Two owners share a cell (a [`SharedCell`]): the wrapper and the reader. The cell also
//! holds the child's one reference to its group's core, so spawning a child clones one `Arc`
//! of the core, not two.

use std::marker::PhantomData;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::task::{Context, Poll, Waker};

use super::wrapper::{CellControl, Sink};
use crate::group_core::{WakeChild, NO_KEY};
use crate::loom::{AtomicBool, AtomicUsize, Mutex, MutexGuard};
use crate::shared_cell::SharedCell;

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
    pub(crate) group: Arc<dyn WakeChild>,
    cancel_requested: AtomicBool,
    /// The child's waker slot in its group (`NO_KEY` until it first pends); guarded by the
    /// group's lock.
    pub(crate) waker_key: AtomicUsize,
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
    pub(crate) fn settle(this: &CellRef<T>, outcome: Outcome<T>) {
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

    pub(crate) fn cancel_requested(&self) -> bool {
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
    pub(crate) fn poll_ended(&self, cx: &mut Context<'_>) -> Poll<bool> {
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

    pub(crate) fn poll_take(&self, cx: &mut Context<'_>) -> Poll<Outcome<T>> {
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

/// How a child's output splits into the value its cell keeps and the error its group
/// records: the one difference between the children of a group and those of a batch.
pub(crate) trait Split<O, E> {
    /// What the cell keeps.
    type Value;
    fn split(output: O) -> Result<Self::Value, E>;
}

/// TaskGroup children: `Ok` goes to the cell, `Err` to the group.
pub(crate) enum OkToCell {}

impl<T, E> Split<Result<T, E>, E> for OkToCell {
    type Value = T;
    fn split(output: Result<T, E>) -> Result<T, E> {
        output
    }
}

/// gather / race / as_completed children: the whole output goes to the cell.
pub(crate) enum AllToCell {}

impl<O, E> Split<O, E> for AllToCell {
    type Value = O;
    fn split(output: O) -> Result<O, E> {
        Ok(output)
    }
}

/// The sink of every child whose end goes to a result cell; `M` ([`OkToCell`] or
/// [`AllToCell`]) says how its output splits between the cell and the group.
pub(crate) struct CellSink<V, M> {
    cell: CellRef<V>,
    /// The child's position in its batch (what a batch's completion order names); 0 in a
    /// TaskGroup, which does not track completion.
    ordinal: usize,
    _split: PhantomData<fn() -> M>,
}

impl<V, M> CellSink<V, M> {
    pub(crate) fn new(cell: CellRef<V>, ordinal: usize) -> Self {
        Self {
            cell,
            ordinal,
            _split: PhantomData,
        }
    }
}

impl<V, M> CellControl for CellSink<V, M> {
    fn settle_without_output(&self, outcome: Outcome<()>) {
        OutputCell::settle(
            &self.cell,
            match outcome {
                Outcome::Failed => Outcome::Failed,
                Outcome::Panicked => Outcome::Panicked,
                _ => Outcome::Cancelled,
            },
        );
    }
    fn cancel_requested(&self) -> bool {
        self.cell.cancel_requested()
    }
    fn waker_key(&self) -> &AtomicUsize {
        &self.cell.waker_key
    }
    fn ordinal(&self) -> usize {
        self.ordinal
    }
    fn group(&self) -> &dyn WakeChild {
        &*self.cell.group
    }
}

impl<O, E, M: Split<O, E>> Sink<O, E> for CellSink<M::Value, M> {
    type Ended = ();

    fn deliver(&self, output: O) -> Result<(), E> {
        // On `Err` the wrapper records the error with the group first, then settles the cell.
        let value = M::split(output)?;
        OutputCell::settle(&self.cell, Outcome::Done(value));
        Ok(())
    }

    fn settle(&self, outcome: Outcome<()>) {
        self.settle_without_output(outcome);
    }
}
