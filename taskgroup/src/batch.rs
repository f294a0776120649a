//! `Batch`: the machinery under `gather`, `gather_settled`, `race`, `as_completed` and
//! `gather!`: spawn a fixed list of futures as cancellable children, then learn which ones
//! finished, in completion order, through the shared `GroupCore`.
//!
//! Unlike a `TaskGroup`, a batch never cancels on a child's failure by itself; its owner
//! decides ([`Tracker::cancel_rest`] or [`Tracker::detach`]). Dropping an unfinished batch
//! that was not detached cancels the children still running.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::panic::resume_unwind;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_task::Spawn;

use crate::child::cell::AllToCell;
use crate::child::{CellRef, CellSink, ChildTask, Outcome, OutputCell};
use crate::group_core::{GroupCore, Policy};
use crate::spawner;

const BATCH_POLICY: Policy = Policy {
    cancel_on_failure: false,
    track_completion: true,
};

/// Completion bookkeeping shared by every batch form (typed or, for `gather!`, mixed).
pub(crate) struct Tracker {
    core: Arc<GroupCore<Infallible>>,
    /// Ordinals of finished children not yet handed out.
    ready: VecDeque<usize>,
    spawned: usize,
    handed_out: usize,
    /// The owner cancelled the rest: `Cancelled` outcomes are expected, not a runtime shutdown.
    cancelling: bool,
    /// The owner returned early and leaves the rest running (gather's first error).
    detached: bool,
    /// On a child's panic, leave the others running (gather) instead of cancelling them.
    leave_running_on_panic: bool,
    /// The name of the public function, for panic messages.
    what: &'static str,
}

impl Tracker {
    pub(crate) fn new(what: &'static str, leave_running_on_panic: bool) -> Self {
        Self {
            core: Arc::new(GroupCore::new(BATCH_POLICY)),
            ready: VecDeque::new(),
            spawned: 0,
            handed_out: 0,
            cancelling: false,
            detached: false,
            leave_running_on_panic,
            what,
        }
    }

    /// Spawns `future` as the next child; returns the cell its output will land in.
    ///
    /// # Panics
    /// If the executor refuses the task (it has shut down); the children spawned so far are
    /// cancelled when the batch is dropped during the unwind.
    #[track_caller]
    pub(crate) fn spawn<S, F>(&mut self, spawner: &S, future: F) -> CellRef<F::Output>
    where
        S: Spawn + ?Sized,
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.core
            .admit()
            .expect("a batch accepts children until it is complete");
        let (child_side, cell) = OutputCell::pair(Arc::clone(&self.core) as _);
        let ordinal = self.spawned;
        self.spawned += 1;
        let task = ChildTask::<_, _, Infallible>::new(
            future,
            CellSink::<_, AllToCell>::new(child_side, ordinal),
        );
        if let Err(error) = spawner::spawn_send(spawner, task) {
            panic!("{}: {error}", self.what);
        }
        cell
    }

    /// No more children will be spawned.
    pub(crate) fn seal(&self) {
        self.core.close();
    }

    /// The ordinal of the next child that finished, or `None` when all have been handed out.
    pub(crate) fn poll_next_ordinal(&mut self, cx: &mut Context<'_>) -> Poll<Option<usize>> {
        loop {
            if let Some(ordinal) = self.ready.pop_front() {
                self.handed_out += 1;
                return Poll::Ready(Some(ordinal));
            }
            if self.handed_out == self.spawned {
                return Poll::Ready(None);
            }
            if self.core.poll_completed(cx, &mut self.ready).is_pending() {
                return Poll::Pending;
            }
        }
    }

    /// Turns a finished child's outcome into its value. `None` for a child the owner
    /// cancelled. Resumes a child's panic.
    pub(crate) fn value_of<O>(&mut self, outcome: Outcome<O>) -> Option<O> {
        match outcome {
            Outcome::Done(value) => Some(value),
            Outcome::Panicked => {
                if self.leave_running_on_panic {
                    self.detach();
                }
                let panic = self
                    .core
                    .take_panic()
                    .expect("a panicked child leaves its payload");
                resume_unwind(panic)
            }
            Outcome::Cancelled if self.cancelling => None,
            Outcome::Cancelled => panic!(
                "{}: a child task was dropped by its executor before it finished \
                 (did the runtime shut down?)",
                self.what
            ),
            Outcome::Running | Outcome::Failed | Outcome::Taken => {
                unreachable!("a finished batch child holds its outcome once")
            }
        }
    }

    /// Leaves the children still running alone: they run to completion in the background.
    pub(crate) fn detach(&mut self) {
        self.detached = true;
    }

    /// Cancels every child still running; their outcomes become `None` in `value_of`.
    pub(crate) fn cancel_rest(&mut self) {
        self.cancelling = true;
        self.core.cancel_all();
    }

    /// How many children were spawned so far (the next child's ordinal).
    pub(crate) fn spawned(&self) -> usize {
        self.spawned
    }

    /// How many children have not been handed out yet.
    pub(crate) fn remaining(&self) -> usize {
        self.spawned - self.handed_out
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        // Dropped before every child was handed out (the owner was cancelled): cancel them.
        // As a dropped group does, the idle ones are dropped before this returns.
        if !self.detached && self.handed_out < self.spawned {
            if let Some(panic) = self.core.drop_children() {
                if !std::thread::panicking() {
                    resume_unwind(panic);
                }
            }
        }
    }
}

/// A batch whose children all have the output type `O`.
pub(crate) struct Batch<O> {
    pub(crate) tracker: Tracker,
    cells: Vec<CellRef<O>>,
}

impl<O: Send + 'static> Batch<O> {
    /// Spawns every future of `futures` on `spawner`, in order.
    #[track_caller]
    pub(crate) fn spawn_all<S, I>(
        what: &'static str,
        leave_running_on_panic: bool,
        spawner: &S,
        futures: I,
    ) -> Self
    where
        S: Spawn + ?Sized,
        I: IntoIterator,
        I::Item: Future<Output = O> + Send + 'static,
    {
        let mut batch = Self {
            tracker: Tracker::new(what, leave_running_on_panic),
            cells: Vec::new(),
        };
        for future in futures {
            let cell = batch.tracker.spawn(spawner, future);
            batch.cells.push(cell);
        }
        batch.tracker.seal();
        batch
    }
}

impl<O> Batch<O> {
    /// The next child to finish: its argument position and its output (`None` if the owner
    /// cancelled it). `None` once every child was handed out.
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, Option<O>)>> {
        self.tracker.poll_next_ordinal(cx).map(|next| {
            next.map(|ordinal| {
                let outcome = self.cells[ordinal].take();
                (ordinal, self.tracker.value_of(outcome))
            })
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.cells.len()
    }
}
