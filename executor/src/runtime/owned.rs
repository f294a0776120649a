//! The tasks a runtime owns: every task that has not finished, so shutdown can cancel them
//! all and a debug listing can name them. A slab with a free list: O(1) insert and remove.
//! Loop thread only.

use super::task::{Notified, Task};

#[derive(Debug, Default)]
pub(crate) struct OwnedTasks {
    slots: Vec<Option<Task>>,
    free: Vec<u32>,
    len: usize,
}

impl OwnedTasks {
    /// Adopts `task` (one reference) and records its index in the task's header.
    pub(crate) fn insert(&mut self, task: Task) {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                self.slots.push(None);
                u32::try_from(self.slots.len() - 1).expect("more than 4 billion live tasks")
            }
        };
        task.set_owned_index(index);
        self.slots[index as usize] = Some(task);
        self.len += 1;
    }

    /// Gives back the owned reference of the finished task of `entry`.
    pub(crate) fn remove(&mut self, entry: &Notified) -> Option<Task> {
        let index = entry.take_owned_index();
        let slot = self.slots.get_mut(index as usize)?;
        let owned = slot.take()?;
        debug_assert!(owned.is(entry), "owned-task index points at another task");
        self.free.push(index);
        self.len -= 1;
        Some(owned)
    }

    /// Takes every owned task out (for shutdown).
    pub(crate) fn take_all(&mut self) -> Vec<Task> {
        let tasks: Vec<Task> = self.slots.drain(..).flatten().collect();
        for task in &tasks {
            task.set_owned_index(u32::MAX);
        }
        self.free.clear();
        self.len = 0;
        tasks
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Task> {
        self.slots.iter().flatten()
    }
}
