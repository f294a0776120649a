//! Lesson: a [`Semaphore`] limits how many run at once.
//!
//! Five downloads, but the server allows two connections: a semaphore with two permits.
//! Each download waits for a permit, holds it while it runs, and drops it when done, which
//! hands it to the download that has waited longest.

use std::sync::Arc;
use std::time::Duration;

use corio_executor::spawn;
use corio_executor::time::sleep;
use corio_sync::Semaphore;

use crate::timeline::Timeline;

/// How long each download takes, in milliseconds: all different, so that no two events
/// of the timeline happen at the same moment.
const DOWNLOAD_MILLIS: [u64; 5] = [300, 500, 400, 300, 200];

/// One download: waits for a permit, runs while holding it.
async fn download(timeline: Timeline, number: usize, millis: u64, connections: Arc<Semaphore>) {
    let name = format!("download {number}");
    if connections.available_permits() == 0 {
        timeline.log(&name, "waits for a connection");
    }
    let _permit = connections.acquire().await;
    timeline.log(&name, format!("connected, takes {millis} ms"));
    sleep(Duration::from_millis(millis)).await;
    timeline.log(&name, "done, drops its permit");
}

/// Runs the lesson, logging to `timeline`.
///
/// ```
/// use corio_examples::{semaphore, timeline::{Sink, Timeline}};
///
/// corio_executor::run(async { semaphore::main(Timeline::start(Sink::stdout())).await });
/// ```
pub async fn main(timeline: Timeline) {
    let connections = Arc::new(Semaphore::new(2));
    timeline.log("main", "five downloads, two connections");
    let downloads: Vec<_> = DOWNLOAD_MILLIS
        .iter()
        .enumerate()
        .map(|(i, &millis)| {
            spawn(download(
                timeline.clone(),
                i + 1,
                millis,
                connections.clone(),
            ))
        })
        .collect();
    for handle in downloads {
        handle
            .await
            .expect("a download neither panics nor is cancelled");
    }
    let one_at_a_time: u64 = DOWNLOAD_MILLIS.iter().sum();
    timeline.log(
        "main",
        format!("all five done; one at a time would take {one_at_a_time} ms"),
    );
}
