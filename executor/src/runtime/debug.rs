//! Debug mode: what it reports and where the reports go.
//!
//! A runtime is in debug mode when built with `Builder::debug(true)`, by
//! [`run_debug`](crate::run_debug), or when the environment variable `CORIO_DEBUG` is set to anything
//! but empty or `0` as the runtime is built. Then it reports, one line each, to its sink
//! ([`DebugSink`], stderr unless `Builder::debug_sink` gave another):
//! - a poll that held the loop for `slow_poll_threshold` or longer (the loop's
//!   `PollTimer` measures it);
//! - timers that fired later than their deadline by the threshold or more;
//! - each task still pending when the runtime shut down (it is cancelled);
//! - a panic nobody will receive (a detached task's, or its output destructor's). Outside
//!   debug mode that one goes to stderr, without the spawn location.
//!
//! The config lives in `Shared` (a panic may be reported from any thread); writing a line
//! takes the sink's lock, which no poll waits on unless it is reporting too.

use super::task::{SlowPoll, TaskInfo};
use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// asyncio's `slow_callback_duration`.
pub(crate) const DEFAULT_SLOW_POLL_THRESHOLD: Duration = Duration::from_millis(100);

/// The environment variable that turns debug mode on for every runtime built.
pub(crate) const ENV_VAR: &str = "CORIO_DEBUG";

/// Whether `CORIO_DEBUG` asks for debug mode: set, not empty and not `0`.
pub(crate) fn env_asks_for_debug() -> bool {
    std::env::var_os(ENV_VAR).is_some_and(|value| !value.is_empty() && value != "0")
}

/// Where debug mode's lines go: a writer shared by every clone, stderr by default.
#[derive(Clone)]
pub(crate) struct DebugSink(Arc<Mutex<Box<dyn Write + Send>>>);

impl DebugSink {
    pub(crate) fn new(writer: impl Write + Send + 'static) -> DebugSink {
        DebugSink(Arc::new(Mutex::new(Box::new(writer))))
    }

    pub(crate) fn stderr() -> DebugSink {
        DebugSink::new(std::io::stderr())
    }

    /// Writes `corio debug: <line>\n`. A failing sink loses the line: a report must not
    /// break the program it reports on.
    fn line(&self, line: fmt::Arguments<'_>) {
        let mut writer = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = writeln!(writer, "corio debug: {line}");
        let _ = writer.flush();
    }
}

impl fmt::Debug for DebugSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DebugSink")
    }
}

/// A runtime's debug mode: its threshold and its sink.
#[derive(Debug)]
pub(crate) struct DebugMode {
    pub(crate) slow_poll_threshold: Duration,
    sink: DebugSink,
}

impl DebugMode {
    pub(crate) fn new(slow_poll_threshold: Duration, sink: DebugSink) -> DebugMode {
        DebugMode {
            slow_poll_threshold,
            sink,
        }
    }

    pub(crate) fn slow_poll(&self, slow: &SlowPoll) {
        let threshold = self.slow_poll_threshold;
        let took = Ms(slow.took);
        match &slow.task {
            Some(task) => self.sink.line(format_args!(
                "{task} held the loop for {took} in one poll (slow_poll_threshold {})",
                Ms(threshold)
            )),
            None => self.sink.line(format_args!(
                "the future given to block_on held the loop for {took} in one poll \
                 (slow_poll_threshold {})",
                Ms(threshold)
            )),
        }
    }

    pub(crate) fn late_timers(&self, fired: usize, late: Duration) {
        let timers = if fired == 1 { "a timer" } else { "timers" };
        self.sink.line(format_args!(
            "{timers} fired {} late (slow_poll_threshold {}): something held the loop",
            Ms(late),
            Ms(self.slow_poll_threshold)
        ));
    }

    pub(crate) fn pending_at_shutdown(&self, task: &TaskInfo, polls: u64) {
        self.sink.line(format_args!(
            "{task} was still pending when the runtime shut down, after {polls} poll{}: \
             cancelled",
            if polls == 1 { "" } else { "s" }
        ));
    }

    pub(crate) fn unobserved_panic(&self, task: &TaskInfo, what: &str, message: &str) {
        self.sink.line(format_args!(
            "{task} {what} and nobody awaited it: {message}"
        ));
    }
}

/// A duration for a report: whole milliseconds from 10 ms up, else a tenth of a
/// millisecond.
struct Ms(Duration);

impl fmt::Display for Ms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 >= Duration::from_millis(10) {
            write!(f, "{} ms", self.0.as_millis())
        } else {
            write!(f, "{:.1} ms", self.0.as_secs_f64() * 1000.0)
        }
    }
}

/// The report outside debug mode of a panic nobody will receive: on stderr, as always.
pub(crate) fn unobserved_panic_to_stderr(task: &TaskInfo, what: &str, message: &str) {
    match task.name() {
        Some(name) => eprintln!(
            "corio: detached task {} ('{name}') {what}: {message}",
            task.id()
        ),
        None => eprintln!("corio: detached task {} {what}: {message}", task.id()),
    }
}
