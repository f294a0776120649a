//! Lesson: a [`Barrier`] waits until everyone has arrived.
//!
//! Three hikers reach the meeting point at different times. Each calls `wait()`; nobody
//! moves on until the third arrives, and then all three go at once. The last to arrive is
//! the round's leader; each gets a distinct index in arrival order.

use std::sync::Arc;
use std::time::Duration;

use corio_executor::spawn;
use corio_executor::time::sleep;
use corio_sync::Barrier;

use crate::timeline::Timeline;

/// One hiker: walks for `walk`, then waits at the barrier.
async fn hiker(timeline: Timeline, number: u32, walk: Duration, meeting_point: Arc<Barrier>) {
    let name = format!("hiker {number}");
    sleep(walk).await;
    timeline.log(
        &name,
        format!(
            "at the meeting point, {} of 3 there",
            meeting_point.n_waiting() + 1
        ),
    );
    let released = meeting_point
        .wait()
        .await
        .expect("nobody aborts this barrier");
    let role = if released.is_leader() {
        ", the leader"
    } else {
        ""
    };
    timeline.log(&name, format!("goes on: index {}{role}", released.index()));
}

/// Runs the lesson, logging to `timeline`.
///
/// ```
/// use corio_examples::{barrier, timeline::{Sink, Timeline}};
///
/// corio_executor::run(async { barrier::main(Timeline::start(Sink::stdout())).await });
/// ```
pub async fn main(timeline: Timeline) {
    let meeting_point = Arc::new(Barrier::new(3));
    let walks = [100, 300, 200].map(Duration::from_millis);
    let hikers: Vec<_> = (1..)
        .zip(walks)
        .map(|(n, walk)| spawn(hiker(timeline.clone(), n, walk, meeting_point.clone())))
        .collect();
    for handle in hikers {
        handle
            .await
            .expect("a hiker neither panics nor is cancelled");
    }
}
