//! Lesson: when something is slow or stuck, ask the loop.
//!
//! The lesson runs in debug mode (`Runtime::builder().debug(true)`, `corio_executor::run_debug`
//! or `CORIO_DEBUG=1`). A supervisor task runs a TaskGroup: a `fetch` child waiting on the
//! network (a long sleep here) and a `parse` child that runs a nested group of two parsers
//! and a `checksum` that makes a blocking 250 ms call inside a poll: the mistake that stalls
//! every other task and timer. Debug mode names it, with where it was spawned. Then main
//! prints the task tree (`Handle::dump_tree`): each task under the task that owns its
//! group. Last, main leaves one task behind; debug mode names it as the runtime shuts down.

use std::io::Write;
use std::time::Duration;

use corio_executor::task::TaskBuilder;
use corio_executor::time::sleep;
use corio_executor::{yield_now, Handle};
use corio_taskgroup::TaskGroup;

use crate::timeline::{Sink, Timeline};

/// Longer than the lesson: the children are still waiting when main looks.
const LONG: Duration = Duration::from_secs(10);

/// Runs the lesson, logging to `timeline`. Debug mode is the runtime's: run it on a
/// runtime built with `.debug(true)` to see the reports.
///
/// ```
/// use corio_examples::{debug, timeline::{Sink, Timeline}};
///
/// corio_executor::run_debug(async { debug::main(Timeline::start(Sink::stdout())).await });
/// ```
pub async fn main(timeline: Timeline) {
    timeline.log(
        "main",
        "a supervisor runs a TaskGroup; one child makes a blocking call",
    );
    TaskBuilder::new()
        .name("forgotten")
        .spawn(std::future::pending::<()>());
    let supervisor = TaskBuilder::new().name("supervisor").spawn(supervise());
    sleep(Duration::from_millis(500)).await;
    timeline.log("main", "the task tree, from Handle::current().dump_tree():");
    for line in Handle::current().dump_tree().to_string().lines() {
        timeline.sink().line(format!("    {line}"));
    }
    supervisor.cancel();
    let _ = supervisor.await;
    yield_now().await; // the group's children finish being cancelled
    timeline.log(
        "main",
        "cancelled the supervisor; returning with one task left behind",
    );
}

/// The supervisor's group: a fetcher, and a parser with a nested group.
async fn supervise() -> Result<(), ()> {
    TaskGroup::<()>::scope(|tg| async move {
        tg.spawn_named("fetch", async {
            sleep(LONG).await;
            Ok(())
        })
        .expect("the group is open");
        tg.spawn_named("parse", parse()).expect("the group is open");
        Ok(())
    })
    .await
    .map_err(|_| ())
}

/// Two parsers and a checksum in a nested group.
async fn parse() -> Result<(), ()> {
    TaskGroup::<()>::scope(|inner| async move {
        for name in ["parse-1", "parse-2"] {
            inner
                .spawn_named(name, async {
                    sleep(LONG).await;
                    Ok(())
                })
                .expect("the group is open");
        }
        inner
            .spawn_named("checksum", async {
                // The mistake: a blocking call inside a task holds the whole loop.
                std::thread::sleep(Duration::from_millis(250));
                sleep(LONG).await;
                Ok(())
            })
            .expect("the group is open");
        Ok(())
    })
    .await
    .map_err(|_| ())
}

/// Debug mode's sink for the lessons: each report becomes one line of `sink`, so the
/// reports and the timeline print in order.
///
/// ```
/// use corio_examples::{debug::DebugLines, timeline::Sink};
/// use std::io::Write;
///
/// let sink = Sink::buffer();
/// let mut lines = DebugLines::new(sink.clone());
/// write!(lines, "corio debug: one\ncorio debug: two\n").unwrap();
/// assert_eq!(sink.lines(), ["corio debug: one", "corio debug: two"]);
/// ```
#[derive(Debug)]
pub struct DebugLines {
    sink: Sink,
    partial: Vec<u8>,
}

impl DebugLines {
    /// Writes complete lines to `sink`.
    pub fn new(sink: Sink) -> DebugLines {
        DebugLines {
            sink,
            partial: Vec::new(),
        }
    }
}

impl Write for DebugLines {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.partial.extend_from_slice(bytes);
        while let Some(end) = self.partial.iter().position(|&byte| byte == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            self.sink
                .line(String::from_utf8_lossy(&line[..end]).into_owned());
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
