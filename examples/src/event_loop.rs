//! Lesson: the event loop and `await`.
//!
//! [`corio_executor::run`] starts a loop and polls one future, `main`, until it is done. A
//! spawned task waits in the run queue until `main` reaches an `await` that is not ready:
//! only then does the loop get the thread back and poll the next task. Two awaits in a row
//! take the sum of their times, because `main` waits for the first before it starts the
//! second.

use std::time::Duration;

use corio_executor::spawn;
use corio_executor::time::sleep;

use crate::timeline::Timeline;

/// Runs the lesson, logging to `timeline`.
///
/// ```
/// use corio_examples::{event_loop, timeline::{Sink, Timeline}};
///
/// corio_executor::run(async { event_loop::main(Timeline::start(Sink::stdout())).await });
/// ```
pub async fn main(timeline: Timeline) {
    timeline.log("main", "the loop polls my future for the first time");

    let greeter_timeline = timeline.clone();
    let greeter = spawn(async move {
        greeter_timeline.log("greeter", "main reached an await, so the loop polled me");
    });
    timeline.log("main", "spawned a greeter task: it waits in the run queue");

    sleep(Duration::from_millis(300)).await;
    timeline.log("main", "sleep(300 ms) is over: the timer woke me");

    sleep(Duration::from_millis(200)).await;
    timeline.log(
        "main",
        "sleep(200 ms) is over: one after the other, 300 + 200 = 500 ms",
    );

    greeter
        .await
        .expect("the greeter only logs a line, it cannot fail");
    timeline.log(
        "main",
        "done: run() returns my output and drops any task left",
    );
}
