//! `WakerSlab`: one waker slot per live child, addressed by a key that stays valid until the
//! child finishes. Freed keys are reused, so the slab never grows past the peak live count.

use std::task::Waker;

enum Slot {
    Occupied(Option<Waker>),
    Vacant { next_free: usize },
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

    /// Takes a free slot (empty) and returns its key.
    pub(crate) fn insert(&mut self) -> usize {
        self.occupied += 1;
        if self.free_head == NONE {
            self.slots.push(Slot::Occupied(None));
            return self.slots.len() - 1;
        }
        let key = self.free_head;
        match self.slots[key] {
            Slot::Vacant { next_free } => self.free_head = next_free,
            Slot::Occupied(_) => unreachable!("free list points at an occupied slot"),
        }
        self.slots[key] = Slot::Occupied(None);
        key
    }

    /// Stores `waker` in the slot, unless it already holds one that wakes the same task.
    pub(crate) fn set(&mut self, key: usize, waker: &Waker) {
        if let Some(Slot::Occupied(slot)) = self.slots.get_mut(key) {
            match slot {
                Some(old) if old.will_wake(waker) => {}
                _ => *slot = Some(waker.clone()),
            }
        }
    }

    /// A clone of the waker in the slot, if any.
    pub(crate) fn get(&self, key: usize) -> Option<Waker> {
        match self.slots.get(key) {
            Some(Slot::Occupied(slot)) => slot.clone(),
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
                Slot::Occupied(waker) => waker.take(),
                Slot::Vacant { .. } => None,
            })
            .collect()
    }

    /// Frees the slot (dropping its waker) for reuse.
    pub(crate) fn remove(&mut self, key: usize) {
        if let Some(slot @ Slot::Occupied(_)) = self.slots.get_mut(key) {
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
        let a = slab.insert();
        let b = slab.insert();
        assert_ne!(a, b);
        slab.remove(a);
        assert_eq!(slab.insert(), a);
        assert_eq!(slab.slots.len(), 2);
    }

    #[test]
    fn take_all_empties_every_slot_but_keeps_them_occupied() {
        let mut slab = WakerSlab::new();
        let a = slab.insert();
        let b = slab.insert();
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
        let a = slab.insert();
        slab.remove(a);
        slab.remove(a);
        slab.remove(99);
        assert_eq!(slab.insert(), a);
        assert_eq!(slab.insert(), 1);
    }
}
