//! Lesson: an [`Event`] lets many tasks wait for one thing to happen.
//!
//! Three guests wait for the doors to open. At 500 ms the host calls `set()`, which wakes
//! every waiter at once (in the order they started waiting). A guest who arrives later finds
//! the event already set, and `wait()` returns at once.

use std::sync::Arc;
use std::time::Duration;

use corio_executor::spawn;
use corio_executor::time::sleep;
use corio_sync::Event;

use crate::timeline::Timeline;

/// One guest: arrives after `arrives_after`, then waits for the doors.
async fn guest(timeline: Timeline, number: u32, arrives_after: Duration, doors_open: Arc<Event>) {
    sleep(arrives_after).await;
    let name = format!("guest {number}");
    if doors_open.is_set() {
        timeline.log(&name, "arrives, the doors are open: wait() returns at once");
    } else {
        timeline.log(&name, "arrives, waits for the doors");
    }
    doors_open.wait().await;
    timeline.log(&name, "walks in");
}

/// Runs the lesson, logging to `timeline`.
///
/// ```
/// use corio_examples::{event, timeline::{Sink, Timeline}};
///
/// corio_executor::run(async { event::main(Timeline::start(Sink::stdout())).await });
/// ```
pub async fn main(timeline: Timeline) {
    let doors_open = Arc::new(Event::new());
    let arrivals = [0, 100, 200, 700].map(Duration::from_millis);
    let guests: Vec<_> = (1..)
        .zip(arrivals)
        .map(|(n, after)| spawn(guest(timeline.clone(), n, after, doors_open.clone())))
        .collect();

    sleep(Duration::from_millis(500)).await;
    timeline.log("host", "opens the doors: set()");
    doors_open.set();

    for handle in guests {
        handle
            .await
            .expect("a guest neither panics nor is cancelled");
    }
}
