//! The join waker slot: where a pending `JoinHandle` leaves its waker for the loop to wake
//! when the task completes. No lock: the `JOIN_WAKER` bit of the state word says who owns
//! the slot, and only the owner touches it.
//!
//! - `JOIN_WAKER` clear: the slot is the handle's. It writes its waker, then sets the bit
//!   with a compare-exchange that fails if the task completed meanwhile (then the completer
//!   never looked, and the handle takes its waker back).
//! - `JOIN_WAKER` set: the slot is the completer's. Nobody touches it until `COMPLETE` is
//!   set; then the completer takes the waker and wakes it. A handle that wants to put
//!   another waker in first clears the bit, which fails once the task is complete.
//!
//! So the slot never holds a waker after its task completed, and a finished task cannot keep
//! another task alive through it.

use super::state::{Snapshot, State};
use crate::loom::UnsafeCell;
use std::task::Waker;

#[derive(Debug, Default)]
pub(crate) struct JoinWaker {
    slot: UnsafeCell<Option<Waker>>,
}

impl JoinWaker {
    pub(crate) fn new() -> Self {
        Self {
            slot: UnsafeCell::new(None),
        }
    }

    /// Leaves `waker` for the completer. `Err` if the task is complete: read the output.
    ///
    /// # Safety
    /// Called only by the task's one `JoinHandle` (the slot's other party is the completer).
    pub(crate) unsafe fn register(&self, state: &State, waker: &Waker) -> Result<(), Snapshot> {
        if state.load().has_join_waker() {
            state.unset_join_waker()?;
        }
        // SAFETY: [JOIN-WAKER] JOIN_WAKER is clear, so the slot is the handle's, and the
        // caller is it.
        self.slot.with_mut(|slot| unsafe {
            match &*slot {
                Some(old) if old.will_wake(waker) => {}
                _ => *slot = Some(waker.clone()),
            }
        });
        match state.set_join_waker() {
            Ok(_) => Ok(()),
            Err(complete) => {
                // The completer saw no JOIN_WAKER, so the slot is still ours: empty it.
                // SAFETY: [JOIN-WAKER] the handle's still, as the failed `set` says.
                drop(unsafe { self.take() });
                Err(complete)
            }
        }
    }

    /// Takes the waker out of the slot.
    ///
    /// # Safety
    /// The caller owns the slot: the handle while `JOIN_WAKER` is clear (or just cleared by
    /// its own `detach`), the completer after its `complete` saw `JOIN_WAKER` set.
    pub(crate) unsafe fn take(&self) -> Option<Waker> {
        // SAFETY: [JOIN-WAKER] the caller owns the slot.
        self.slot.with_mut(|slot| unsafe { (*slot).take() })
    }
}
