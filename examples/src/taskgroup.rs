//! Lesson: a [`TaskGroup`] fails together.
//!
//! Three errands run as children of one group. When `fetch orders` fails at 300 ms, the
//! group cancels `build report` at once (its future is dropped: its drop guard prints),
//! waits until that is done, and returns a [`GroupError`](corio_taskgroup::GroupError)
//! listing what failed. The whole thing takes 300 ms: the time to the first failure.

use corio_taskgroup::TaskGroup;

use crate::errands::{build_report, fetch_orders, fetch_users, Error};
use crate::timeline::Timeline;

/// Runs the lesson, logging to `timeline`.
///
/// ```
/// use corio_examples::{taskgroup, timeline::{Sink, Timeline}};
///
/// corio_executor::run(async { taskgroup::main(Timeline::start(Sink::stdout())).await });
/// ```
pub async fn main(timeline: Timeline) {
    timeline.log("main", "a TaskGroup runs the three errands");
    let outcome = TaskGroup::<Error>::scope(|tg| {
        let timeline = timeline.clone();
        async move {
            tg.spawn(fetch_users(timeline.clone()))
                .expect("the group is open");
            tg.spawn(fetch_orders(timeline.clone()))
                .expect("the group is open");
            tg.spawn(build_report(timeline.clone()))
                .expect("the group is open");
            Ok(())
        }
    })
    .await;
    match outcome {
        Ok(()) => timeline.log("main", "the group succeeded"),
        Err(error) => timeline.log("main", format!("the group returned Err: {error}")),
    }
}
