//! The tasks a runtime owns: every task that has not finished, so shutdown can cancel them
//! all and a debug listing can name them. A slab with a free list: O(1) insert and remove.
//! Loop thread only.

use crate::task::raw::TaskRef;

#[derive(Debug, Default)]
pub(crate) struct OwnedTasks {
    slots: Vec<Option<TaskRef>>,
    free: Vec<u32>,
    len: usize,
}

impl OwnedTasks {
    /// Adopts `task` (one reference) and records its index in the task's header.
    pub(crate) fn insert(&mut self, task: TaskRef) {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                self.slots.push(None);
                u32::try_from(self.slots.len() - 1).expect("more than 4 billion live tasks")
            }
        };
        task.header().owned_index.set(index);
        self.slots[index as usize] = Some(task);
        self.len += 1;
    }

    /// Gives back the owned reference of a finished task.
    pub(crate) fn remove(&mut self, task: &TaskRef) -> Option<TaskRef> {
        let index = task.header().owned_index.replace(u32::MAX);
        let slot = self.slots.get_mut(index as usize)?;
        let owned = slot.take()?;
        debug_assert_eq!(
            owned.as_ptr(),
            task.as_ptr(),
            "owned-task index points at another task"
        );
        self.free.push(index);
        self.len -= 1;
        Some(owned)
    }

    /// Takes every owned task out (for shutdown).
    pub(crate) fn take_all(&mut self) -> Vec<TaskRef> {
        let tasks: Vec<TaskRef> = self.slots.drain(..).flatten().collect();
        for task in &tasks {
            task.header().owned_index.set(u32::MAX);
        }
        self.free.clear();
        self.len = 0;
        tasks
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &TaskRef> {
        self.slots.iter().flatten()
    }
}
