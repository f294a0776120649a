//! What a task is, for the people debugging it: the facts fixed at its spawn ([`Meta`]: id,
//! name, spawn location, parent, tracing span), and the [`TaskSnapshot`] a listing gives
//! of one live task (with the counters of `counters.rs`).
//!
//! Cost, debug mode off: the spawn location is one `&'static Location` pointer captured by
//! `#[track_caller]`, the parent one lookup of the task being polled, the poll count one
//! non-atomic increment per poll. A clock is read around a poll only when a `PollTimer`
//! is installed (debug mode), so "time in poll" exists only there. Every field here is in
//! the header of every task, so each is kept to one word: the name and spawn location
//! share one ([`SpawnSite`]), the parent is an id with a niche.

use super::raw::{Header, Polling};
use super::site::SpawnSite;
use super::TaskInfo;
use std::num::NonZeroU64;
use std::panic::Location;
use std::time::Duration;

/// The facts a task is spawned with; they never change.
#[derive(Debug)]
pub(crate) struct Meta {
    pub(crate) id: u64,
    /// Its name, and where user code asked for the task (`#[track_caller]` on every
    /// public spawn).
    pub(crate) site: SpawnSite,
    /// The task it belongs under in the task tree: the one polled when it was spawned, or
    /// the one its spawner named (a TaskGroup names the task that owns the group). Task
    /// ids start at 1, so the niche keeps this at 8 bytes: every byte of the header is
    /// copied at each spawn.
    pub(crate) parent: Option<NonZeroU64>,
    /// The task's span, entered on each poll.
    #[cfg(feature = "tracing")]
    pub(crate) span: tracing::Span,
}

impl Meta {
    pub(crate) fn new(
        id: u64,
        name: Option<String>,
        spawned_at: &'static Location<'static>,
        parent: Option<u64>,
    ) -> Meta {
        Meta {
            #[cfg(feature = "tracing")]
            span: tracing::info_span!(
                target: "corio::task",
                "task",
                task.id = id,
                task.name = name.as_deref().unwrap_or(""),
                spawned_at = %spawned_at,
            ),
            id,
            site: SpawnSite::new(name, spawned_at),
            parent: parent.and_then(NonZeroU64::new),
        }
    }
}

/// What a live task is doing, as a listing sees it.
///
/// ```
/// use corio_executor::task::TaskState;
/// corio_executor::run(async {
///     let asker = corio_executor::spawn(async {
///         let me = corio_executor::task::current().unwrap();
///         let tasks = corio_executor::Handle::current().tasks();
///         let mine = tasks.iter().find(|task| task.info().id() == me.id()).unwrap();
///         mine.state() // the task asking is the one running
///     });
///     assert_eq!(asker.await.unwrap(), TaskState::Running);
///     assert_eq!(TaskState::Waiting.to_string(), "waiting");
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskState {
    /// Being polled right now: the task that asked for the listing, or, seen from another
    /// thread, never (the loop answers between two polls).
    Running,
    /// On the run queue, or woken: it runs at the loop's next turn.
    Ready,
    /// Waiting for a wake-up: a timer, a lock, a socket, another task.
    Waiting,
}

impl std::fmt::Display for TaskState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TaskState::Running => "running",
            TaskState::Ready => "ready",
            TaskState::Waiting => "waiting",
        })
    }
}

/// One live task, as [`Handle::tasks`](crate::Handle::tasks) saw it: who it is
/// ([`TaskInfo`]: id, name, spawn location, parent), what it is doing, how often it was
/// polled and, in debug mode, how long those polls took.
///
/// ```
/// use corio_executor::task::{TaskBuilder, TaskState};
/// corio_executor::run(async {
///     TaskBuilder::new().name("idle").spawn(std::future::pending::<()>());
///     corio_executor::yield_now().await; // let it run once
///     let tasks = corio_executor::Handle::current().tasks();
///     let idle = &tasks[0];
///     assert_eq!(idle.info().name(), Some("idle"));
///     assert_eq!(idle.state(), TaskState::Waiting);
///     assert_eq!(idle.polls(), 1);
///     assert_eq!(idle.busy(), None, "time in poll is measured in debug mode only");
/// });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSnapshot {
    info: TaskInfo,
    state: TaskState,
    polls: u64,
    busy: Option<Duration>,
}

impl TaskSnapshot {
    /// The task's id, name, spawn location and parent.
    ///
    /// ```
    /// corio_executor::run(async {
    ///     let job = corio_executor::spawn(std::future::pending::<()>());
    ///     let tasks = corio_executor::Handle::current().tasks();
    ///     assert_eq!(tasks[0].info().id(), job.id());
    ///     assert!(tasks[0].info().spawned_at().file().ends_with(".rs"));
    /// });
    /// ```
    pub fn info(&self) -> &TaskInfo {
        &self.info
    }

    /// Running, ready or waiting, at the moment of the snapshot.
    ///
    /// ```
    /// use corio_executor::task::TaskState;
    /// corio_executor::run(async {
    ///     corio_executor::spawn(std::future::pending::<()>());
    ///     let before = corio_executor::Handle::current().tasks();
    ///     assert_eq!(before[0].state(), TaskState::Ready, "spawned, not run yet");
    ///     corio_executor::yield_now().await;
    ///     let after = corio_executor::Handle::current().tasks();
    ///     assert_eq!(after[0].state(), TaskState::Waiting, "ran once, now pending");
    /// });
    /// ```
    pub fn state(&self) -> TaskState {
        self.state
    }

    /// How many times the loop has polled the task so far.
    ///
    /// ```
    /// corio_executor::run(async {
    ///     corio_executor::spawn(async {
    ///         corio_executor::yield_now().await;
    ///         std::future::pending::<()>().await
    ///     });
    ///     for _ in 0..3 {
    ///         corio_executor::yield_now().await;
    ///     }
    ///     // Once before its yield, once after it; then it waits for ever.
    ///     assert_eq!(corio_executor::Handle::current().tasks()[0].polls(), 2);
    /// });
    /// ```
    pub fn polls(&self) -> u64 {
        self.polls
    }

    /// The total time the task's polls took, in debug mode; `None` with debug mode off,
    ///
    /// ```
    /// let rt = corio_executor::Runtime::builder().debug(true).build();
    /// rt.block_on(async {
    ///     corio_executor::spawn(async {
    ///         std::thread::sleep(std::time::Duration::from_millis(2)); // a busy poll
    ///         std::future::pending::<()>().await
    ///     });
    ///     corio_executor::yield_now().await;
    ///     let busy = corio_executor::Handle::current().tasks()[0].busy().unwrap();
    ///     assert!(busy >= std::time::Duration::from_millis(1), "{busy:?}");
    /// });
    /// ```
    /// where the loop does not read the clock around a poll.
    pub fn busy(&self) -> Option<Duration> {
        self.busy
    }

    pub(crate) fn of(task: &Header, state: TaskState, polling: &Polling) -> TaskSnapshot {
        let counters = polling.counters();
        TaskSnapshot {
            info: TaskInfo::of(task),
            state,
            polls: counters.polls(task),
            busy: polling
                .timer()
                .map(|timer| timer.duration_of(counters.busy_ticks(task))),
        }
    }
}
