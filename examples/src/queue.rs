//! Lesson: a [`Queue`] connects producers and consumers.
//!
//! A producer puts five jobs into a queue that holds at most two: when it is full, `put`
//! waits for room. Two workers of different speeds `get` jobs and call `task_done()` after
//! each one. The producer's `join()` returns when every job put has been marked done; then
//! `shutdown()` makes the workers' next `get` fail, and they stop.

use std::sync::Arc;
use std::time::Duration;

use corio_executor::spawn;
use corio_executor::time::sleep;
use corio_sync::Queue;

use crate::timeline::Timeline;

/// One worker: takes jobs until the queue is shut down.
async fn worker(timeline: Timeline, name: &'static str, per_job: Duration, jobs: Arc<Queue<u32>>) {
    while let Ok(job) = jobs.get().await {
        timeline.log(name, format!("got job {job}"));
        sleep(per_job).await;
        timeline.log(name, format!("finished job {job}, task_done()"));
        jobs.task_done().expect("one task_done per job taken");
    }
    timeline.log(name, "the queue is shut down: stops");
}

/// Runs the lesson, logging to `timeline`.
///
/// ```
/// use corio_examples::{queue, timeline::{Sink, Timeline}};
///
/// corio_executor::run(async { queue::main(Timeline::start(Sink::stdout())).await });
/// ```
pub async fn main(timeline: Timeline) {
    let jobs = Arc::new(Queue::new(2));
    let workers = [
        spawn(worker(
            timeline.clone(),
            "fast worker",
            Duration::from_millis(300),
            jobs.clone(),
        )),
        spawn(worker(
            timeline.clone(),
            "slow worker",
            Duration::from_millis(500),
            jobs.clone(),
        )),
    ];

    for job in 1..=5 {
        if jobs.is_full() {
            timeline.log("producer", format!("queue full, put(job {job}) waits"));
        }
        jobs.put(job).await.expect("the queue is open");
        timeline.log("producer", format!("put job {job}"));
    }
    timeline.log(
        "producer",
        "all jobs queued, join() waits until all are done",
    );
    jobs.join().await;
    timeline.log("producer", "join() returned: every job is done; shutdown()");
    jobs.shutdown(false);

    for handle in workers {
        handle
            .await
            .expect("a worker neither panics nor is cancelled");
    }
}
