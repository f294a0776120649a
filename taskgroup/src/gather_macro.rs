//! Support for the [`gather!`](crate::gather!) macro: a batch whose children have different
//! output types. Each child gets a typed `MixedSlot`; the macro polls them through the
//! object-safe `AcceptOutput` trait. Not public API: only the macro names these items.

use std::future::Future;
use std::task::{Context, Poll};

use futures_task::Spawn;

use crate::batch::Tracker;
use crate::child::CellRef;

/// The shared bookkeeping of one `gather!` call.
pub struct MixedBatch {
    tracker: Tracker,
}

impl MixedBatch {
    /// An empty batch; children are added with [`MixedSlot::spawn`].
    pub fn new() -> Self {
        Self {
            tracker: Tracker::new("gather!", true),
        }
    }

    /// No more children will be added.
    pub fn seal(&self) {
        self.tracker.seal();
    }

    /// Hands each finished child's output to its slot, in completion order. Ready with the
    /// first error (leaving the others running), or with `Ok(())` when all succeeded.
    pub fn poll_slots<E>(
        &mut self,
        cx: &mut Context<'_>,
        slots: &mut [&mut dyn AcceptOutput<E>],
    ) -> Poll<Result<(), E>> {
        loop {
            let Some(ordinal) = std::task::ready!(self.tracker.poll_next_ordinal(cx)) else {
                return Poll::Ready(Ok(()));
            };
            for slot in slots.iter_mut() {
                if let Err(error) = slot.accept(ordinal, self) {
                    self.tracker.detach();
                    return Poll::Ready(Err(error));
                }
            }
        }
    }
}

impl Default for MixedBatch {
    fn default() -> Self {
        Self::new()
    }
}

/// One child of a `gather!` call and, once it succeeded, its value.
pub struct MixedSlot<T, E> {
    cell: CellRef<Result<T, E>>,
    ordinal: usize,
    value: Option<T>,
}

impl<T: Send + 'static, E: Send + 'static> MixedSlot<T, E> {
    /// Spawns `future` into `batch` with `spawner`.
    pub fn spawn<S, F>(batch: &mut MixedBatch, spawner: &S, future: F) -> Self
    where
        S: Spawn + ?Sized,
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        let ordinal = batch.tracker.spawned();
        let cell = batch.tracker.spawn(spawner, future);
        Self {
            cell,
            ordinal,
            value: None,
        }
    }
}

impl<T, E> MixedSlot<T, E> {
    /// The value, once [`MixedBatch::poll_slots`] returned `Ok(())`.
    pub fn into_value(self) -> T {
        self.value
            .expect("gather! takes values only after every child succeeded")
    }
}

/// A slot that takes its child's output when told that child finished.
pub trait AcceptOutput<E> {
    /// If `ordinal` is this slot's child: takes its output; `Err` if it failed.
    fn accept(&mut self, ordinal: usize, batch: &mut MixedBatch) -> Result<(), E>;
}

impl<T, E> AcceptOutput<E> for MixedSlot<T, E> {
    fn accept(&mut self, ordinal: usize, batch: &mut MixedBatch) -> Result<(), E> {
        if ordinal != self.ordinal {
            return Ok(());
        }
        match batch.tracker.value_of(self.cell.take()) {
            Some(Ok(value)) => {
                self.value = Some(value);
                Ok(())
            }
            Some(Err(error)) => Err(error),
            None => unreachable!("gather! never cancels its children"),
        }
    }
}

/// The spawner `gather!` uses when none is given.
#[cfg(feature = "corio")]
pub fn default_spawner() -> corio_executor::Handle {
    crate::spawner::current_runtime("gather!")
}
