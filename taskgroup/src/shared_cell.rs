//! `SharedCell`: one heap value owned by exactly two parties (a child's wrapper and the reader
//! of its result), freed by whichever lets go last.
//!
//! It is what `Arc` would be for a child's result cell, minus what a cell never needs: the
//! count starts at two, so making the pair takes no atomic increment, there is no `clone`,
//! and there is no weak count (freeing takes one atomic decrement, not two; none at all when
//! the other owner is seen gone already). Per child spawned that saves two or three atomic
//! read-modify-writes.

use crate::loom::{fence, AtomicUsize};
use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::atomic::Ordering;

struct Inner<V> {
    /// How many of the two owners still hold the value: 2, then 1, then it is freed.
    owners: AtomicUsize,
    value: V,
}

/// One of the two owners of a shared `V`; see the module docs.
pub(crate) struct SharedCell<V> {
    inner: NonNull<Inner<V>>,
}

// SAFETY: as for `Arc<V>`: both owners read `V` through `&V` from their own threads (so `V`
// must be `Sync`), and whichever drops last drops `V` on its thread (so `V` must be `Send`).
unsafe impl<V: Send + Sync> Send for SharedCell<V> {}
// SAFETY: `&SharedCell<V>` only gives `&V` (needs `V: Sync`); it cannot drop `V`, but a
// `SharedCell` reachable from several threads may be dropped on any of them (`V: Send`).
unsafe impl<V: Send + Sync> Sync for SharedCell<V> {}

impl<V> SharedCell<V> {
    /// Moves `value` to the heap and returns its two owners.
    pub(crate) fn pair(value: V) -> (Self, Self) {
        let inner = Box::new(Inner {
            owners: AtomicUsize::new(2),
            value,
        });
        let inner = NonNull::from(Box::leak(inner));
        (Self { inner }, Self { inner })
    }

    fn inner(&self) -> &Inner<V> {
        // SAFETY: `inner` came from a leaked `Box` in `pair` and is freed only by the last of
        // the two owners to drop. `self` is an owner that has not dropped, so it is live; the
        // value is only ever accessed through shared references.
        unsafe { self.inner.as_ref() }
    }

    /// Whether the other owner has let go (this one is the last). Once true it stays true.
    pub(crate) fn is_alone(&self) -> bool {
        // Acquire: pairs with the other owner's release in `drop`, so whatever it did with
        // the value happened before we act on its absence.
        self.inner().owners.load(Ordering::Acquire) == 1
    }
}

impl<V> Deref for SharedCell<V> {
    type Target = V;

    fn deref(&self) -> &V {
        &self.inner().value
    }
}

impl<V> Drop for SharedCell<V> {
    fn drop(&mut self) {
        // The other owner already let go (Acquire: its uses of the value happen before
        // ours): we are the last, and nobody can become an owner again, so no decrement is
        // needed. This is the common end of a child whose handle was dropped.
        if !self.is_alone() {
            // Release: our uses of the value happen before the other owner frees it.
            if self.inner().owners.fetch_sub(1, Ordering::Release) != 1 {
                return;
            }
            // Acquire: the other owner's uses of the value happen before we free it.
            fence(Ordering::Acquire);
        }
        // The count was 1 (the other owner has dropped) or went from 1 to 0 (it dropped
        // meanwhile): either way we are the last owner. No reference from `inner()` lives on.
        // SAFETY: the last use of the pointer, which `pair` made from a `Box` (so `from_raw`
        // is its matching free), by its last owner.
        drop(unsafe { Box::from_raw(self.inner.as_ptr()) });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::SharedCell;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    struct CountDrops(Arc<AtomicUsize>);

    impl Drop for CountDrops {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn the_value_is_dropped_once_after_both_owners_let_go() {
        let drops = Arc::new(AtomicUsize::new(0));
        let (a, b) = SharedCell::pair(CountDrops(Arc::clone(&drops)));
        assert!(!a.is_alone());
        drop(b);
        assert!(a.is_alone());
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        drop(a);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn owners_on_two_threads_share_the_value() {
        let (a, b) = SharedCell::pair(String::from("shared"));
        let other = std::thread::spawn(move || b.len());
        assert_eq!(other.join().unwrap(), a.len());
        assert!(a.is_alone());
    }
}

#[cfg(all(test, loom))]
mod loom_models {
    use super::SharedCell;
    use loom::sync::atomic::{AtomicUsize, Ordering};
    use loom::sync::Arc;

    struct CountDrops(Arc<AtomicUsize>);

    impl Drop for CountDrops {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The two owners let go on two threads at once, each possibly seeing the other gone
    /// already: the value is dropped exactly once, after both are done with it.
    #[test]
    fn loom_two_owners_dropping_at_once_free_once() {
        loom::model(|| {
            let drops = Arc::new(AtomicUsize::new(0));
            let (a, b) = SharedCell::pair(CountDrops(drops.clone()));
            let other = loom::thread::spawn(move || drop(b));
            drop(a);
            other.join().unwrap();
            assert_eq!(drops.load(Ordering::SeqCst), 1);
        });
    }
}
