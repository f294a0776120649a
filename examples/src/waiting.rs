//! Lesson: more ways to wait for several things.
//!
//! Each part is one tool, and each cancels (drops) what it no longer waits for:
//! - [`race`]: the first of three mirrors to answer wins; the other two are cancelled.
//! - [`as_completed`] with a timeout: answers in the order they come, until the deadline;
//!   then the lookup still running is cancelled and `Err(TimedOut)` comes once.
//! - [`gather_settled`]: waits for every check and gives every outcome, failures included.
//! - [`interval`]: a tick every 100 ms, the first one at once.
//! - Task names: children spawned with [`TaskGroup::spawn_named`] read their own name with
//!   [`task::current`].
//! - `futures::select!`: the first of two futures, without spawning a task: they run inside
//!   the current one (so they need be neither `Send` nor `'static`), and the loser is dropped
//!   at the end of the block around the `select!`.

use std::pin::pin;
use std::time::Duration;

use corio_executor::task;
use corio_executor::time::{interval, sleep};
use corio_taskgroup::{as_completed, gather_settled, race, TaskGroup};
use futures::{select, FutureExt};

use crate::drop_guard::DropGuard;
use crate::timeline::Timeline;

/// A mirror that answers with its name after `millis`; its drop guard shows it cancelled.
async fn mirror(timeline: Timeline, name: &'static str, millis: u64) -> &'static str {
    let guard = DropGuard::new(timeline, name);
    sleep(Duration::from_millis(millis)).await;
    guard.finish();
    name
}

/// A health check that takes 100 ms; the network one fails.
async fn check(name: &'static str) -> Result<&'static str, String> {
    sleep(Duration::from_millis(100)).await;
    match name {
        "network" => Err(format!("{name}: unreachable")),
        _ => Ok(name),
    }
}

/// Runs the lesson, logging to `timeline`.
///
/// ```
/// use corio_examples::{waiting, timeline::{Sink, Timeline}};
///
/// corio_executor::run(async { waiting::main(Timeline::start(Sink::stdout())).await });
/// ```
pub async fn main(timeline: Timeline) {
    timeline.log("main", "race: mirrors answering in 300, 100 and 200 ms");
    let mirrors = [("mirror 1", 300), ("mirror 2", 100), ("mirror 3", 200)];
    let winner = race(mirrors.map(|(name, millis)| mirror(timeline.clone(), name, millis))).await;
    timeline.log("main", format!("race gave {winner:?}"));

    timeline.log(
        "main",
        "as_completed, 300 ms timeout: lookups taking 200, 100 and 1000 ms",
    );
    let lookups = [("dns", 200), ("cache", 100), ("disk", 1000)];
    let mut answers =
        as_completed(lookups.map(|(name, millis)| mirror(timeline.clone(), name, millis)))
            .with_timeout(Duration::from_millis(300));
    while let Some(answer) = answers.next().await {
        timeline.log("main", format!("as_completed gave {answer:?}"));
    }

    timeline.log("main", "gather_settled: three checks, one fails");
    let outcomes = gather_settled(["disk", "network", "memory"].map(check)).await;
    timeline.log("main", format!("gather_settled gave {outcomes:?}"));

    let mut ticks = interval(Duration::from_millis(100));
    for n in 1..=3 {
        let due = ticks.tick().await;
        let at = timeline.millis_at(due);
        timeline.log("interval", format!("tick {n}, due at {at} ms"));
    }

    let group = TaskGroup::<String>::new();
    let mut names = Vec::new();
    for name in ["fetch:users", "fetch:orders"] {
        let timeline = timeline.clone();
        let child = group
            .spawn_named(name, async move {
                sleep(Duration::from_millis(100)).await;
                let me = task::current().expect("a child runs as a task");
                let name = me.name().unwrap_or("unnamed").to_string();
                timeline.log(&name, "task::current() knows my name");
                Ok(())
            })
            .expect("the group is open");
        names.extend(child.name().map(str::to_string));
    }
    timeline.log("main", format!("spawned children named {names:?}"));
    group.wait().await.expect("no child fails");

    timeline.log(
        "main",
        "select!: mirror A in 100 ms or mirror B in 300 ms, no spawn",
    );
    let first = {
        let mut a = pin!(mirror(timeline.clone(), "mirror A", 100).fuse());
        let mut b = pin!(mirror(timeline.clone(), "mirror B", 300).fuse());
        select! {
            name = a => name,
            name = b => name,
        }
    }; // the loser is dropped here
    timeline.log("main", format!("select! gave {first:?}"));
}
