//! The timer wheel's storage: every pending timer is an [`Entry`] in one `Vec`, vacant
//! entries are reused through a free list, and the wheel's slot lists are doubly linked
//! through the entries by index ([`SlotList`]). Indices instead of pointers keep the wheel
//! free of `unsafe`; a generation counter per entry makes a [`TimerKey`] that outlived its
//! timer harmless.

/// The "no entry" index: ends a list, or the free list.
const NIL: u32 = u32::MAX;

/// Names one timer in a [`TimerWheel`](super::TimerWheel), as returned by `insert`.
///
/// A key is an entry index plus the entry's generation at insertion. The generation is bumped
/// whenever the entry is freed (fired or removed), so a key whose timer is gone no longer
/// matches and `remove`/`get_mut` answer `None`, even after the index was reused. (A key
/// would only alias again after its entry was reused 2^32 times.)
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct TimerKey {
    /// Position of the entry in the slab.
    index: u32,
    /// The entry's generation when the key was made.
    generation: u32,
}

/// One slab entry: a pending timer when `value` is `Some`, a free-list node otherwise.
pub(super) struct Entry<T> {
    /// The caller's value; `None` while the entry is vacant.
    value: Option<T>,
    /// The tick the timer is due (already raised to `now()` if it was in the past).
    deadline: u64,
    /// Previous entry in the same slot list, or `NIL`.
    prev: u32,
    /// Next entry in the same slot list; for a vacant entry, the next free entry. `NIL` ends.
    next: u32,
    /// Bumped each time the entry is freed; see [`TimerKey`].
    generation: u32,
    /// Which of the wheel's slot lists holds the entry (`level * 64 + slot`).
    slot: u16,
}

/// Head and tail of one slot's doubly linked list of entries (indices into the slab).
#[derive(Clone, Copy)]
pub(super) struct SlotList {
    /// First entry, or `NIL` when the list is empty.
    head: u32,
    /// Last entry, or `NIL` when the list is empty.
    tail: u32,
}

impl SlotList {
    /// A list with no entries.
    pub(super) const EMPTY: SlotList = SlotList {
        head: NIL,
        tail: NIL,
    };

    /// Whether the list holds no entry.
    pub(super) fn is_empty(&self) -> bool {
        self.head == NIL
    }
}

/// All entries of one wheel, occupied and vacant, with the free list threaded through the
/// vacant ones. It never shrinks: its capacity stays at the peak number of pending timers, so
/// a warm wheel allocates nothing.
pub(super) struct Slab<T> {
    /// Every entry ever allocated.
    entries: Vec<Entry<T>>,
    /// First vacant entry, or `NIL`.
    free_head: u32,
    /// Number of occupied entries.
    len: usize,
}

impl<T> Slab<T> {
    /// An empty slab; allocates nothing until the first insert.
    pub(super) const fn new() -> Self {
        Slab {
            entries: Vec::new(),
            free_head: NIL,
            len: 0,
        }
    }

    /// Number of occupied entries.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Stores `value` in a vacant entry (or a new one) that is not yet in any list; the
    /// caller links it with [`Slab::push_back`] right away.
    ///
    /// # Panics
    /// If `u32::MAX - 1` timers are already pending (indices are `u32`).
    pub(super) fn insert(&mut self, deadline: u64, value: T) -> (TimerKey, u32) {
        let index = if self.free_head != NIL {
            let index = self.free_head;
            let entry = &mut self.entries[index as usize];
            self.free_head = entry.next;
            entry.value = Some(value);
            entry.deadline = deadline;
            entry.prev = NIL;
            entry.next = NIL;
            index
        } else {
            let index = u32::try_from(self.entries.len())
                .ok()
                .filter(|&index| index != NIL)
                .expect("TimerWheel is full: at most u32::MAX - 1 timers can be pending at once");
            self.entries.push(Entry {
                value: Some(value),
                deadline,
                prev: NIL,
                next: NIL,
                generation: 0,
                slot: 0,
            });
            index
        };
        self.len += 1;
        let generation = self.entries[index as usize].generation;
        (TimerKey { index, generation }, index)
    }

    /// Entries the slab can hold without growing.
    #[cfg(test)]
    pub(super) fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    /// The index of the occupied entry `key` names, or `None` if its timer is gone.
    pub(super) fn resolve(&self, key: TimerKey) -> Option<u32> {
        let entry = self.entries.get(key.index as usize)?;
        (entry.generation == key.generation && entry.value.is_some()).then_some(key.index)
    }

    /// The value of the occupied entry at `index`.
    pub(super) fn value_mut(&mut self, index: u32) -> &mut T {
        self.entries[index as usize]
            .value
            .as_mut()
            .expect("timer wheel bug: value of a vacant entry")
    }

    /// The deadline of the entry at `index`.
    pub(super) fn deadline(&self, index: u32) -> u64 {
        self.entries[index as usize].deadline
    }

    /// The slot list that holds the entry at `index`.
    pub(super) fn slot(&self, index: u32) -> u16 {
        self.entries[index as usize].slot
    }

    /// Frees the entry at `index` (which must be in no list) and returns its value. The
    /// generation bump makes every key to it stale.
    pub(super) fn take(&mut self, index: u32) -> T {
        let entry = &mut self.entries[index as usize];
        let value = entry
            .value
            .take()
            .expect("timer wheel bug: freeing a vacant entry");
        entry.generation = entry.generation.wrapping_add(1);
        entry.prev = NIL;
        entry.next = self.free_head;
        self.free_head = index;
        self.len -= 1;
        value
    }

    /// Appends the entry at `index` to `list`, recording `slot` as its home.
    pub(super) fn push_back(&mut self, list: &mut SlotList, slot: u16, index: u32) {
        let old_tail = list.tail;
        {
            let entry = &mut self.entries[index as usize];
            entry.slot = slot;
            entry.prev = old_tail;
            entry.next = NIL;
        }
        if old_tail == NIL {
            list.head = index;
        } else {
            self.entries[old_tail as usize].next = index;
        }
        list.tail = index;
    }

    /// Removes the entry at `index` from `list`, which must hold it.
    pub(super) fn unlink(&mut self, list: &mut SlotList, index: u32) {
        let (prev, next) = {
            let entry = &self.entries[index as usize];
            (entry.prev, entry.next)
        };
        if prev == NIL {
            list.head = next;
        } else {
            self.entries[prev as usize].next = next;
        }
        if next == NIL {
            list.tail = prev;
        } else {
            self.entries[next as usize].prev = prev;
        }
    }

    /// Removes and returns the first entry of `list`, if any.
    pub(super) fn pop_front(&mut self, list: &mut SlotList) -> Option<u32> {
        let index = list.head;
        if index == NIL {
            return None;
        }
        self.unlink(list, index);
        Some(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects a list's indices front to back, checking the back links on the way.
    fn collect<T>(slab: &Slab<T>, list: &SlotList) -> Vec<u32> {
        let mut out = Vec::new();
        let mut prev = NIL;
        let mut at = list.head;
        while at != NIL {
            assert_eq!(slab.entries[at as usize].prev, prev, "broken back link");
            out.push(at);
            prev = at;
            at = slab.entries[at as usize].next;
        }
        assert_eq!(list.tail, prev, "tail is not the last entry");
        out
    }

    #[test]
    fn lists_keep_order_through_unlink_and_pop() {
        let mut slab = Slab::new();
        let mut list = SlotList::EMPTY;
        let indices: Vec<u32> = (0..5)
            .map(|n| {
                let (_, index) = slab.insert(0, n);
                slab.push_back(&mut list, 3, index);
                index
            })
            .collect();
        assert_eq!(collect(&slab, &list), indices);
        slab.unlink(&mut list, indices[2]);
        slab.unlink(&mut list, indices[4]);
        assert_eq!(
            collect(&slab, &list),
            vec![indices[0], indices[1], indices[3]]
        );
        assert_eq!(slab.pop_front(&mut list), Some(indices[0]));
        assert_eq!(slab.pop_front(&mut list), Some(indices[1]));
        assert_eq!(slab.pop_front(&mut list), Some(indices[3]));
        assert_eq!(slab.pop_front(&mut list), None);
        assert!(list.is_empty());
        assert_eq!(slab.slot(indices[3]), 3);
    }

    #[test]
    fn freed_entries_are_reused_and_old_keys_go_stale() {
        let mut slab = Slab::new();
        let (first, index) = slab.insert(7, "a");
        assert_eq!(slab.resolve(first), Some(index));
        assert_eq!(slab.deadline(index), 7);
        assert_eq!(slab.take(index), "a");
        assert_eq!(slab.len(), 0);
        assert_eq!(slab.resolve(first), None);
        let (second, reused) = slab.insert(9, "b");
        assert_eq!(
            reused, index,
            "a freed entry is reused before the slab grows"
        );
        assert_ne!(second, first);
        assert_eq!(slab.resolve(first), None);
        assert_eq!(slab.resolve(second), Some(index));
        assert_eq!(*slab.value_mut(index), "b");
        assert_eq!(slab.entries.len(), 1);
    }
}
