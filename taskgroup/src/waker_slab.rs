//! `WakerSlab`: one slot per live child that has pended, addressed by a key that stays valid
//! until the child finishes: the child's latest waker, and the way for a dropped group to
//! drop the child's future itself ([`AbortRef`]). Freed keys are reused, so the slab never
//! grows past the peak live count.

use std::task::Waker;

use crate::child::AbortRef;

enum Slot {
    Occupied {
        waker: Option<Waker>,
        /// `None` once the group has claimed the child (or for a slot made by a test).
        abort: Option<AbortRef>,
    },
    Vacant {
        next_free: usize,
    },
}

/// No free slot: the end of the free list.
const NONE: usize = usize::MAX;

pub(crate) struct WakerSlab {
    slots: Vec<Slot>,
    free_head: usize,
    occupied: usize,
}

impl WakerSlab {
    pub(crate) fn new() -> Self {
        Self {
            slots: Vec::new(),
            free_head: NONE,
            occupied: 0,
        }
    }

    /// Takes a free slot (no waker yet) for a child reachable through `abort`, and returns
    /// its key.
    pub(crate) fn insert(&mut self, abort: Option<AbortRef>) -> usize {
        self.occupied += 1;
        let slot = Slot::Occupied { waker: None, abort };
        if self.free_head == NONE {
            self.slots.push(slot);
            return self.slots.len() - 1;
        }
        let key = self.free_head;
        match self.slots[key] {
            Slot::Vacant { next_free } => self.free_head = next_free,
            Slot::Occupied { .. } => unreachable!("free list points at an occupied slot"),
        }
        self.slots[key] = slot;
        key
    }

    /// Claims the next child, from slot `cursor` on, whose future may be dropped here and
    /// now (see [`AbortRef::try_claim`]), and moves `cursor` past it. A claimed child is
    /// never offered again. One at a time, so that while one child's future is dropped no
    /// other child waits for the dropping thread (its destructors may drop another child's
    /// task, whose own drop would wait for a claimed child).
    pub(crate) fn claim_next_idle(&mut self, cursor: &mut usize) -> Option<AbortRef> {
        while *cursor < self.slots.len() {
            let slot = &mut self.slots[*cursor];
            *cursor += 1;
            let Slot::Occupied {
                abort: abort @ Some(_),
                ..
            } = slot
            else {
                continue;
            };
            let child = abort.as_ref().expect("matched `Some` just above");
            // An occupied slot's child has not finished, and it frees its slot under the
            // group's lock (which our `&mut self` stands for) before its memory can go.
            // SAFETY: so the child is alive.
            if unsafe { child.try_claim() } {
                return abort.take();
            }
        }
        None
    }

    /// Stores `waker` in the slot, unless it already holds one that wakes the same task.
    pub(crate) fn set(&mut self, key: usize, waker: &Waker) {
        if let Some(Slot::Occupied { waker: slot, .. }) = self.slots.get_mut(key) {
            match slot {
                Some(old) if old.will_wake(waker) => {}
                _ => *slot = Some(waker.clone()),
            }
        }
    }

    /// A clone of the waker in the slot, if any.
    pub(crate) fn get(&self, key: usize) -> Option<Waker> {
        match self.slots.get(key) {
            Some(Slot::Occupied { waker, .. }) => waker.clone(),
            _ => None,
        }
    }

    /// Takes every stored waker.
    pub(crate) fn take_all(&mut self) -> Vec<Waker> {
        if self.occupied == 0 {
            return Vec::new();
        }
        self.slots
            .iter_mut()
            .filter_map(|slot| match slot {
                Slot::Occupied { waker, .. } => waker.take(),
                Slot::Vacant { .. } => None,
            })
            .collect()
    }

    /// Frees the slot (dropping its waker) for reuse.
    pub(crate) fn remove(&mut self, key: usize) {
        if let Some(slot @ Slot::Occupied { .. }) = self.slots.get_mut(key) {
            *slot = Slot::Vacant {
                next_free: self.free_head,
            };
            self.free_head = key;
            self.occupied -= 1;
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::WakerSlab;
    use futures_task::noop_waker;

    #[test]
    fn keys_are_reused_after_removal() {
        let mut slab = WakerSlab::new();
        let a = slab.insert(None);
        let b = slab.insert(None);
        assert_ne!(a, b);
        slab.remove(a);
        assert_eq!(slab.insert(None), a);
        assert_eq!(slab.slots.len(), 2);
    }

    #[test]
    fn take_all_empties_every_slot_but_keeps_them_occupied() {
        let mut slab = WakerSlab::new();
        let a = slab.insert(None);
        let b = slab.insert(None);
        slab.set(a, &noop_waker());
        slab.set(b, &noop_waker());
        assert!(slab.get(a).is_some());
        assert_eq!(slab.take_all().len(), 2);
        assert!(slab.get(a).is_none());
        slab.remove(a);
        slab.remove(b);
        assert_eq!(slab.occupied, 0);
    }

    #[test]
    fn removing_twice_or_unknown_keys_is_harmless() {
        let mut slab = WakerSlab::new();
        let a = slab.insert(None);
        slab.remove(a);
        slab.remove(a);
        slab.remove(99);
        assert_eq!(slab.insert(None), a);
        assert_eq!(slab.insert(None), 1);
    }
}
