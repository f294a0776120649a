//! The typed references a scheduler holds, and the constructors that hand them out: a new
//! task comes back as its [`Task`] (the owned list's reference), its [`Notified`] (its first
//! run-queue entry) and its [`JoinHandle`], each holding one counted reference, so no caller
//! counts references by hand.

use super::meta::{Meta, TaskSnapshot, TaskState};
use super::poll_timer::PollTimer;
use super::raw::{self, Join, PollOutcome, Polling, TaskRef};
use super::site::SpawnSite;
use super::{JoinHandle, Schedule};
use std::future::Future;
use std::num::NonZeroU64;
use std::panic::Location;

/// The owned list's reference to a task: held from adoption until the task completes (or
/// the scheduler shuts down), so the scheduler can cancel every task still alive.
#[derive(Debug)]
pub(crate) struct Task(TaskRef);

/// A run-queue entry's reference to a task: the task is scheduled, and whoever pops the
/// entry runs it ([`Notified::run`]) or, at shutdown, cancels it.
#[derive(Debug)]
pub(crate) struct Notified(pub(super) TaskRef);

/// Allocates a task for `future` on `scheduler` and hands out its references: the owned
/// list's, the first queue entry's, and the `JoinHandle`'s if `join` asks for one. For a
/// spawn on the scheduler's own thread, which adopts the task at once.
pub(crate) fn new_task<F, S>(
    future: F,
    scheduler: S,
    meta: Meta,
    join: Join,
) -> (Task, Notified, Option<JoinHandle<F::Output>>)
where
    F: Future + 'static,
    S: Schedule,
{
    let handle_refs = usize::from(join == Join::Handle);
    let header = raw::allocate(future, scheduler, meta, join, 2 + handle_refs);
    // SAFETY: [LIVE, PTR] `allocate` gave us 2 + handle_refs references through the
    // allocation's pointer: one per reference made here.
    unsafe {
        let handle = (join == Join::Handle).then(|| JoinHandle::new(TaskRef::from_owned(header)));
        (
            Task(TaskRef::from_owned(header)),
            Notified(TaskRef::from_owned(header)),
            handle,
        )
    }
}

/// Like [`new_task`], for a spawn from another thread: no owned reference yet, the
/// scheduler adopts the task ([`Notified::adopt`]) when it pops the entry.
pub(crate) fn new_remote_task<F, S>(
    future: F,
    scheduler: S,
    meta: Meta,
    join: Join,
) -> (Notified, Option<JoinHandle<F::Output>>)
where
    F: Future + 'static,
    S: Schedule,
{
    let handle_refs = usize::from(join == Join::Handle);
    let header = raw::allocate(future, scheduler, meta, join, 1 + handle_refs);
    // SAFETY: [LIVE, PTR] `allocate` gave us 1 + handle_refs references through the
    // allocation's pointer: one per reference made here.
    unsafe {
        let handle = (join == Join::Handle).then(|| JoinHandle::new(TaskRef::from_owned(header)));
        (Notified(TaskRef::from_owned(header)), handle)
    }
}

impl Task {
    /// Drops the future and stores `Cancelled`, unless the task finished. Scheduler thread
    /// only.
    pub(crate) fn cancel_now(&self) {
        self.0.cancel_now();
    }

    /// Records the task's index in the owned list, `u32::MAX` for none (rule OWNED-INDEX:
    /// scheduler thread only).
    pub(crate) fn set_owned_index(&self, index: u32) {
        self.0.header().owned_index.set(index);
    }

    /// Whether `entry` is an entry of this very task.
    pub(crate) fn is(&self, entry: &Notified) -> bool {
        self.0.as_ptr() == entry.0.as_ptr()
    }

    /// Gives back this reference and a finished task's last entry in one atomic step.
    pub(crate) fn release_with(self, entry: Notified) {
        self.0.release_with(entry.0);
    }

    pub(crate) fn info(&self) -> TaskInfo {
        TaskInfo::of(self.0.header())
    }

    #[cfg(test)]
    pub(crate) fn header_for_tests(&self) -> &raw::Header {
        self.0.header()
    }

    /// The task as a listing shows it. Scheduler thread only (rule COUNTERS); `polling` is
    /// the scheduler's, to tell the task being polled.
    pub(crate) fn snapshot(&self, polling: &Polling) -> TaskSnapshot {
        let header = self.0.header();
        let state = if polling.is_polling(header) {
            TaskState::Running
        } else {
            let word = header.state.load();
            // RUNNING outside a poll: requeued after it woke itself.
            if word.is_scheduled() || word.is_running() {
                TaskState::Ready
            } else {
                TaskState::Waiting
            }
        };
        TaskSnapshot::of(header, state, polling)
    }
}

impl Notified {
    /// Runs one turn of the task, taking over this entry. Scheduler thread only.
    #[inline(always)]
    pub(crate) fn run(self, polling: &Polling) -> PollOutcome {
        self.0.run(polling)
    }

    /// [`run`](Self::run) in debug mode, timed by `timer` (the one `polling` holds).
    pub(crate) fn run_timed(self, polling: &Polling, timer: &PollTimer) -> PollOutcome {
        self.0.run_timed(polling, timer)
    }

    /// The owned list's reference for a task spawned from another thread, taken when the
    /// scheduler first pops its entry.
    pub(crate) fn adopt(&self) -> Task {
        Task(self.0.clone_ref())
    }

    /// Cancels a task that never ran: at shutdown, its entry is all that is left of it.
    /// Scheduler thread only, or any thread for a `Send` task.
    pub(crate) fn cancel_now(&self) {
        self.0.cancel_now();
    }

    /// Takes the task's index in the owned list, marking it as out of the list (rule
    /// OWNED-INDEX: scheduler thread only).
    pub(crate) fn take_owned_index(&self) -> u32 {
        self.0.header().owned_index.replace(u32::MAX)
    }
}

/// What [`current`](crate::task::current) and
/// [`Runtime::live_tasks`](crate::Runtime::live_tasks) tell about one task: its id and name,
/// where it was spawned and which task it belongs under.
/// Cloning it copies a few words and a reference count.
///
/// ```
/// use corio_executor::task::{self, TaskInfo};
/// corio_executor::run(async {
///     let job = task::TaskBuilder::new().name("indexer").spawn(async {
///         let me: TaskInfo = task::current().unwrap();
///         format!("task {} ({})", me.id(), me.name().unwrap_or("unnamed"))
///     });
///     let id = job.id();
///     assert_eq!(job.await.unwrap(), format!("task {id} (indexer)"));
/// });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    id: u64,
    site: SpawnSite,
    parent: Option<u64>,
}

impl TaskInfo {
    /// The task's id, unique within its runtime: the same as its
    /// [`JoinHandle::id`](crate::JoinHandle::id).
    ///
    /// ```
    /// let rt = corio_executor::Runtime::new();
    /// let job = rt.block_on(async { corio_executor::spawn(std::future::pending::<()>()) });
    /// assert_eq!(rt.live_tasks()[0].id(), job.id());
    /// ```
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The task's name, if it was spawned with one.
    ///
    /// ```
    /// use corio_executor::task;
    /// corio_executor::run(async {
    ///     let named = task::TaskBuilder::new().name("poller").spawn(async {
    ///         task::current().unwrap().name().map(str::to_owned)
    ///     });
    ///     let plain = corio_executor::spawn(async { task::current().unwrap().name().is_none() });
    ///     assert_eq!(named.await.unwrap().as_deref(), Some("poller"));
    ///     assert!(plain.await.unwrap());
    /// });
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.site.name()
    }

    /// Where the task was spawned: the `spawn` call in the user's code (every public
    /// spawn is `#[track_caller]`).
    ///
    /// ```
    /// corio_executor::run(async {
    ///     let job = corio_executor::spawn(async {
    ///         corio_executor::task::current().unwrap().spawned_at().line()
    ///     });
    ///     assert_eq!(job.await.unwrap(), line!() - 3);
    /// });
    /// ```
    pub fn spawned_at(&self) -> &'static Location<'static> {
        self.site.spawned_at()
    }

    /// The id of the task this one belongs under in the task tree: the task that was being
    /// polled when it was spawned (for a TaskGroup's children, the task that owns the
    /// group), or the one given to [`TaskBuilder::parent`](crate::task::TaskBuilder::parent).
    /// `None` for a task spawned by the future given to `block_on` or from another thread.
    ///
    /// ```
    /// corio_executor::run(async {
    ///     let outer = corio_executor::spawn(async {
    ///         let me = corio_executor::task::current().unwrap().id();
    ///         let inner = corio_executor::spawn(async {
    ///             corio_executor::task::current().unwrap().parent()
    ///         });
    ///         (me, inner.await.unwrap())
    ///     });
    ///     let (outer_id, inner_parent) = outer.await.unwrap();
    ///     assert_eq!(inner_parent, Some(outer_id));
    /// });
    /// ```
    pub fn parent(&self) -> Option<u64> {
        self.parent
    }

    pub(crate) fn of(task: &raw::Header) -> TaskInfo {
        TaskInfo {
            id: task.meta.id,
            site: task.meta.site.clone(),
            parent: task.meta.parent.map(NonZeroU64::get),
        }
    }
}

/// `task 3 'fetcher' (spawned at src/main.rs:12:5)`, or without the name if it has none:
/// how debug mode's reports name a task.
///
/// ```
/// corio_executor::run(async {
///     let job = corio_executor::task::TaskBuilder::new().name("fetcher").spawn(async {
///         corio_executor::task::current().unwrap().to_string()
///     });
///     let id = job.id();
///     let line = job.await.unwrap();
///     assert!(line.starts_with(&format!("task {id} 'fetcher' (spawned at ")), "{line}");
/// });
/// ```
impl std::fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "task {}", self.id)?;
        if let Some(name) = self.name() {
            write!(f, " '{name}'")?;
        }
        let at = self.spawned_at();
        write!(f, " (spawned at {}:{})", at.file(), at.line())
    }
}
