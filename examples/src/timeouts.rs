//! Lesson: timeouts, asyncio's `wait_for` and `timeout`.
//!
//! Three ways to put a deadline on waiting, each of which cancels (drops) what was cut off:
//! - [`timeout`] runs one call for at most a given time: a quick quote arrives in time, a
//!   slow history is cut off at 500 ms and its future dropped (`Err(Elapsed)`).
//! - A [`TimeoutHandle`] is a deadline that can be read and moved while it runs (asyncio's
//!   `async with timeout(..) as cm: cm.reschedule(..)`). A download moves its deadline 300 ms
//!   on with every chunk that arrives, an idle timeout: it expires only when the server
//!   stalls.
//! - [`TaskGroup::with_timeout`] puts one deadline on a whole group: when it passes, the
//!   children still running are cancelled and the group fails with a timeout error, while
//!   the children that finished in time keep their results.

use std::time::Duration;

use corio_executor::time::{sleep, timeout, Instant, TimeoutHandle};
use corio_taskgroup::TaskGroup;

use crate::drop_guard::DropGuard;
use crate::errands::{build_report, fetch_users, Error};
use crate::timeline::Timeline;

/// How long the download may wait for its next chunk.
const IDLE: Duration = Duration::from_millis(300);

/// A call that answers in 200 ms.
async fn fetch_quote(timeline: Timeline) -> u32 {
    timeline.log("fetch quote", "started, needs 200 ms");
    sleep(Duration::from_millis(200)).await;
    timeline.log("fetch quote", "answered");
    42
}

/// A call that needs two seconds; its drop guard shows it being cut off.
async fn fetch_history(timeline: Timeline) -> u32 {
    timeline.log("fetch history", "started, needs 2000 ms");
    let guard = DropGuard::new(timeline.clone(), "fetch history");
    sleep(Duration::from_secs(2)).await;
    guard.finish();
    7
}

/// Receives three chunks, moving the deadline `IDLE` on after each; the server stalls
/// before the third.
async fn download(timeline: Timeline, deadline: TimeoutHandle) -> usize {
    let guard = DropGuard::new(timeline.clone(), "download");
    for (chunk, takes) in [(1, 200), (2, 200), (3, 1000)] {
        if chunk == 3 {
            timeline.log("download", "waiting for chunk 3: the server stalls");
        }
        sleep(Duration::from_millis(takes)).await;
        deadline.reschedule(Some(Instant::now() + IDLE));
        let moved_to = timeline.millis_at(deadline.when().expect("a deadline is set"));
        timeline.log(
            "download",
            format!("chunk {chunk} arrived, reschedule(): deadline moved to {moved_to} ms"),
        );
    }
    guard.finish();
    3
}

/// Runs the lesson, logging to `timeline`.
///
/// ```
/// use corio_examples::{timeouts, timeline::{Sink, Timeline}};
///
/// corio_executor::run(async { timeouts::main(Timeline::start(Sink::stdout())).await });
/// ```
pub async fn main(timeline: Timeline) {
    // asyncio.wait_for(call, 0.5)
    let limit = Duration::from_millis(500);
    timeline.log("main", "timeout(500 ms, fetch quote)");
    let quote = timeout(limit, fetch_quote(timeline.clone())).await;
    timeline.log("main", format!("got {quote:?}: in time"));
    timeline.log("main", "timeout(500 ms, fetch history)");
    match timeout(limit, fetch_history(timeline.clone())).await {
        Ok(history) => timeline.log("main", format!("got Ok({history})")),
        Err(elapsed) => timeline.log("main", format!("got Err(Elapsed): {elapsed}")),
    }

    // async with asyncio.timeout(0.3) as cm: ... cm.reschedule(...)
    let deadline = TimeoutHandle::after(IDLE);
    let first = timeline.millis_at(deadline.when().expect("a deadline is set"));
    timeline.log(
        "main",
        format!("download in a TimeoutHandle scope, deadline at {first} ms"),
    );
    let outcome = deadline
        .scope(download(timeline.clone(), deadline.clone()))
        .await;
    timeline.log(
        "main",
        format!(
            "the scope gave {}, expired(): {}",
            match outcome {
                Ok(chunks) => format!("Ok({chunks})"),
                Err(_) => "Err(Elapsed)".to_string(),
            },
            deadline.expired()
        ),
    );

    // A group with a deadline.
    timeline.log(
        "main",
        "a TaskGroup with a 500 ms deadline runs two errands",
    );
    let group = TaskGroup::<Error>::new().with_timeout(limit);
    let users = group
        .spawn(fetch_users(timeline.clone()))
        .expect("the group is open");
    group
        .spawn(build_report(timeline.clone()))
        .expect("the group is open");
    match group.wait().await {
        Ok(()) => timeline.log("main", "the group succeeded"),
        Err(error) => timeline.log(
            "main",
            format!(
                "the group returned Err: {error}; is_timeout(): {}",
                error.is_timeout()
            ),
        ),
    }
    timeline.log(
        "main",
        format!(
            "fetch users finished in time, its result: {:?}",
            users.result()
        ),
    );
}
