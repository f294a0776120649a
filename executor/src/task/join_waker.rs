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
        // SAFETY: JOIN_WAKER is clear, so the slot is the handle's, and the caller is it.
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
                // SAFETY: as above.
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
        // SAFETY: the caller owns the slot.
        self.slot.with_mut(|slot| unsafe { (*slot).take() })
    }
}

#[cfg(all(test, loom))]
mod loom_models {
    use super::*;
    use crate::task::state::Detach;
    use loom::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    /// A waker that counts its wakes in a loom atomic.
    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting_waker() -> (Arc<CountingWaker>, Waker) {
        let count = Arc::new(CountingWaker(AtomicUsize::new(0)));
        (count.clone(), Waker::from(count))
    }

    /// The task's state word and slot, shared by the completing loop and the handle.
    struct Task {
        state: State,
        join_waker: JoinWaker,
    }

    /// What the loop does when the task completes: the same steps as `raw::finish`.
    /// Returns true if the loop disposed of the output (no handle interested).
    fn complete(task: &Task) -> bool {
        let before = task.state.complete();
        if !before.has_join_interest() {
            return true;
        }
        if before.has_join_waker() {
            // SAFETY: JOIN_WAKER was set at completion: the slot is the completer's.
            if let Some(waker) = unsafe { task.join_waker.take() } {
                waker.wake();
            }
        }
        false
    }

    fn new_task() -> loom::sync::Arc<Task> {
        let task = Task {
            state: State::new_scheduled(2, true),
            join_waker: JoinWaker::new(),
        };
        task.state.start_poll();
        loom::sync::Arc::new(task)
    }

    /// A handle registers twice (its awaiting task moved to another waker) while the task
    /// completes on another thread: the slot is never touched by both (loom checks the
    /// cell); a registration that returned `Ok` last has its waker woken exactly once, and
    /// a replaced waker is never woken after its replacement went in.
    #[test]
    fn loom_register_twice_racing_completion() {
        loom::model(|| {
            let task = new_task();
            let loop_thread = {
                let task = task.clone();
                loom::thread::spawn(move || complete(&task))
            };
            let (first_count, first) = counting_waker();
            let (second_count, second) = counting_waker();
            // SAFETY: this thread is the one handle.
            let first_ok = unsafe { task.join_waker.register(&task.state, &first) }.is_ok();
            // SAFETY: as above.
            let second_ok =
                first_ok && unsafe { task.join_waker.register(&task.state, &second) }.is_ok();
            let loop_disposed = loop_thread.join().unwrap();
            assert!(!loop_disposed, "the handle is still interested");
            // The waker in the slot at completion is woken once; a replaced one never.
            let woken = (
                first_count.0.load(Ordering::SeqCst),
                second_count.0.load(Ordering::SeqCst),
            );
            match (first_ok, second_ok) {
                (true, true) => assert_eq!(woken, (0, 1)),
                // Completion came during the second registration: the first waker is woken
                // if it was still in the slot, and the handle saw completion itself.
                (true, false) => assert!(woken == (1, 0) || woken == (0, 0), "{woken:?}"),
                _ => assert_eq!(woken, (0, 0)),
            }
            // SAFETY: both threads are done; the completer took any waker it owned.
            assert!(
                unsafe { task.join_waker.take() }.is_none(),
                "a waker was left behind"
            );
        });
    }

    /// A handle registers and is then dropped while the task completes: exactly one side
    /// disposes of the output, and the waker is either woken by the loop or dropped by the
    /// handle, never left in the slot.
    #[test]
    fn loom_detach_racing_completion() {
        loom::model(|| {
            let task = new_task();
            let loop_thread = {
                let task = task.clone();
                loom::thread::spawn(move || complete(&task))
            };
            let (_count, waker) = counting_waker();
            // SAFETY: this thread is the one handle.
            let registered = unsafe { task.join_waker.register(&task.state, &waker) }.is_ok();
            let handle_disposed = match task.state.detach() {
                Detach::Complete => true,
                Detach::Detached { waker_is_ours, .. } => {
                    assert_eq!(waker_is_ours, registered);
                    if waker_is_ours {
                        // SAFETY: detach gave the slot back to the handle.
                        drop(unsafe { task.join_waker.take() });
                    }
                    false
                }
            };
            let loop_disposed = loop_thread.join().unwrap();
            assert!(
                handle_disposed != loop_disposed,
                "the output must be disposed of exactly once"
            );
            // SAFETY: both threads are done.
            assert!(
                unsafe { task.join_waker.take() }.is_none(),
                "a waker was left behind"
            );
        });
    }
}
