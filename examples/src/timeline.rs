//! The timeline every lesson prints: one line per event, stamped with the time since the
//! lesson started, read from corio's clock.
//!
//! A line looks like `[ 1000 ms] job 2: finished`. Times are rounded *down* to [`GRAIN`]
//! (100 ms). corio's timers never fire early and the work between two sleeps takes
//! microseconds, so on the real clock the rounded time is the time the lesson planned, and
//! the output you see is the output the README shows. On the paused clock (the tests) the
//! times are exact to begin with.
//!
//! Lines go to a [`Sink`]: standard output for the example programs, or a buffer that the
//! tests read back.

use std::fmt::Display;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use corio_executor::time::Instant;

/// The resolution of the printed times: elapsed time is rounded down to a multiple of it.
pub const GRAIN: Duration = Duration::from_millis(100);

/// Where timeline lines go: standard output, or a buffer that a test reads back.
///
/// ```
/// use corio_examples::timeline::Sink;
///
/// let sink = Sink::buffer();
/// sink.line("hello");
/// assert_eq!(sink.lines(), ["hello"]);
/// ```
#[derive(Clone, Debug, Default)]
pub enum Sink {
    /// Print each line to standard output as it happens.
    #[default]
    Stdout,
    /// Keep each line in memory, shared by every clone of the sink.
    Buffer(Arc<Mutex<Vec<String>>>),
}

impl Sink {
    /// A sink that prints to standard output.
    pub fn stdout() -> Self {
        Sink::Stdout
    }

    /// A sink that keeps the lines in memory; read them with [`Sink::lines`].
    pub fn buffer() -> Self {
        Sink::Buffer(Arc::default())
    }

    /// Writes one line.
    pub fn line(&self, line: impl Into<String>) {
        match self {
            Sink::Stdout => println!("{}", line.into()),
            Sink::Buffer(lines) => lines
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(line.into()),
        }
    }

    /// The lines written so far to a [`Sink::buffer`].
    ///
    /// # Panics
    /// On a [`Sink::Stdout`], which keeps nothing to read back.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Sink::Stdout => {
                panic!("Sink::lines called on Sink::Stdout, which prints and keeps nothing; use Sink::buffer() to read lines back")
            }
            Sink::Buffer(lines) => lines.lock().unwrap_or_else(PoisonError::into_inner).clone(),
        }
    }
}

/// A lesson's clock and printer: every [`log`](Timeline::log) line is stamped with the time
/// since [`Timeline::start`].
///
/// Clones share the start time and the sink, so each task of a lesson can hold its own.
///
/// ```
/// use corio_examples::timeline::{Sink, Timeline};
/// use corio_executor::{time::sleep, Runtime};
/// use std::time::Duration;
///
/// let sink = Sink::buffer();
/// Runtime::builder().start_paused(true).build().block_on(async {
///     let timeline = Timeline::start(sink.clone());
///     timeline.log("main", "started");
///     sleep(Duration::from_millis(1250)).await;
///     timeline.log("main", "woke up");
/// });
/// assert_eq!(sink.lines(), ["[    0 ms] main: started", "[ 1200 ms] main: woke up"]);
/// ```
#[derive(Clone, Debug)]
pub struct Timeline {
    start: Instant,
    sink: Sink,
}

impl Timeline {
    /// Starts the clock now, as the runtime's clock reads it (real or paused).
    ///
    /// # Panics
    /// Outside a corio runtime, because there is no runtime clock to read.
    pub fn start(sink: Sink) -> Self {
        Timeline {
            start: Instant::now(),
            sink,
        }
    }

    /// Prints `[   t ms] who: what`, with `t` the time since the start rounded down to
    /// [`GRAIN`].
    pub fn log(&self, who: impl Display, what: impl Display) {
        let line = format_line(self.start.elapsed(), &who, &what);
        self.sink.line(line);
    }

    /// The time of `instant` since the start, in ms rounded down to [`GRAIN`], as a line
    /// shows it: for lines that mention another moment, such as a deadline.
    ///
    /// ```
    /// use corio_examples::timeline::{Sink, Timeline};
    /// use corio_executor::{time::Instant, Runtime};
    /// use std::time::Duration;
    ///
    /// Runtime::builder().start_paused(true).build().block_on(async {
    ///     let timeline = Timeline::start(Sink::buffer());
    ///     assert_eq!(timeline.millis_at(Instant::now() + Duration::from_millis(1250)), 1200);
    /// });
    /// ```
    pub fn millis_at(&self, instant: Instant) -> u128 {
        round_down(instant.duration_since(self.start))
    }

    /// The sink this timeline writes to.
    pub fn sink(&self) -> &Sink {
        &self.sink
    }
}

/// Formats one timeline line; `elapsed` is rounded down to [`GRAIN`].
///
/// ```
/// use corio_examples::timeline::format_line;
/// use std::time::Duration;
///
/// assert_eq!(
///     format_line(Duration::from_millis(1003), &"job 2", &"finished"),
///     "[ 1000 ms] job 2: finished"
/// );
/// ```
pub fn format_line(elapsed: Duration, who: &dyn Display, what: &dyn Display) -> String {
    let millis = round_down(elapsed);
    format!("[{millis:>5} ms] {who}: {what}")
}

/// `elapsed` in ms, rounded down to a multiple of [`GRAIN`].
fn round_down(elapsed: Duration) -> u128 {
    let grain = GRAIN.as_millis();
    elapsed.as_millis() / grain * grain
}
