//! Lesson: [`gather!`](corio_taskgroup::gather!) does not cancel.
//!
//! The same three errands as the `taskgroup` lesson, gathered. `gather` returns the first
//! error, at 300 ms, just as fast; but it cancels nothing: `build report` keeps running in
//! the background and finishes at 1000 ms, after `gather` has returned and nobody waits for
//! its result. That is asyncio's `gather`, and the reason to prefer a TaskGroup.

use std::time::Duration;

use corio_executor::time::sleep;
use corio_taskgroup::gather;

use crate::errands::{build_report, fetch_orders, fetch_users};
use crate::timeline::Timeline;

/// Runs the lesson, logging to `timeline`.
///
/// ```
/// use corio_examples::{gather, timeline::{Sink, Timeline}};
///
/// corio_executor::run(async { gather::main(Timeline::start(Sink::stdout())).await });
/// ```
pub async fn main(timeline: Timeline) {
    timeline.log("main", "gather! runs the three errands");
    let outcome = gather!(
        fetch_users(timeline.clone()),
        fetch_orders(timeline.clone()),
        build_report(timeline.clone()),
    )
    .await;
    match outcome {
        Ok(results) => timeline.log("main", format!("gather returned Ok: {results:?}")),
        Err(error) => timeline.log("main", format!("gather returned Err: {error}")),
    }

    timeline.log("main", "watching for another second");
    sleep(Duration::from_secs(1)).await;
    timeline.log("main", "done");
}
