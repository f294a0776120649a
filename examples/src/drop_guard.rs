//! [`DropGuard`]: makes cancellation visible. In Rust, cancelling a task means dropping its
//! future, and dropping a future drops everything it holds, so a guard held by the future
//! prints a line when that happens.

use crate::timeline::Timeline;

/// Logs `cancelled: its future was dropped` when dropped before [`DropGuard::finish`].
///
/// ```
/// use corio_examples::{drop_guard::DropGuard, timeline::{Sink, Timeline}};
///
/// let sink = Sink::buffer();
/// corio_executor::Runtime::builder().start_paused(true).build().block_on(async {
///     let timeline = Timeline::start(sink.clone());
///     let finished = DropGuard::new(timeline.clone(), "finisher");
///     finished.finish();
///     let _dropped = DropGuard::new(timeline, "dropped");
/// });
/// assert_eq!(sink.lines(), ["[    0 ms] dropped: cancelled: its future was dropped"]);
/// ```
#[derive(Debug)]
pub struct DropGuard {
    timeline: Timeline,
    who: String,
    armed: bool,
}

impl DropGuard {
    /// A guard that speaks for `who`.
    pub fn new(timeline: Timeline, who: impl Into<String>) -> Self {
        DropGuard {
            timeline,
            who: who.into(),
            armed: true,
        }
    }

    /// The work finished: dropping the guard now prints nothing.
    pub fn finish(mut self) {
        self.armed = false;
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if self.armed {
            self.timeline
                .log(&self.who, "cancelled: its future was dropped");
        }
    }
}
