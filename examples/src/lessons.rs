//! The list of lessons, in the README's order, and how to run one on the real clock (the
//! example programs and the tour) or on the paused clock (the tests).

use std::future::Future;
use std::pin::Pin;

use corio_executor::Runtime;

use crate::debug::DebugLines;
use crate::timeline::{Sink, Timeline};
use crate::{
    barrier, condition, debug, event, event_loop, gather, lock, network, queue, semaphore,
    taskgroup, tasks, timeouts, waiting,
};

/// A lesson's `main`, started: a future that logs to the timeline it was given.
pub type LessonFuture = Pin<Box<dyn Future<Output = ()>>>;

/// One lesson of the tutorial.
#[derive(Clone, Copy, Debug)]
pub struct Lesson {
    /// The example's name: `cargo run --release --example <name>`.
    pub name: &'static str,
    /// What the lesson shows, in a few words: the tour's heading.
    pub title: &'static str,
    /// Runs in corio's debug mode, its reports printed among the timeline's lines.
    pub debug: bool,
    /// Starts the lesson's `main` with the given timeline.
    pub main: fn(Timeline) -> LessonFuture,
}

/// Every lesson, in the README's order.
pub const LESSONS: &[Lesson] = &[
    Lesson {
        name: "event_loop",
        title: "run() drives a future; await waits",
        debug: false,
        main: |t| Box::pin(event_loop::main(t)),
    },
    Lesson {
        name: "tasks",
        title: "three one-second tasks take one second",
        debug: false,
        main: |t| Box::pin(tasks::main(t)),
    },
    Lesson {
        name: "taskgroup",
        title: "a failing child cancels its siblings",
        debug: false,
        main: |t| Box::pin(taskgroup::main(t)),
    },
    Lesson {
        name: "gather",
        title: "gather returns the error, the others run on",
        debug: false,
        main: |t| Box::pin(gather::main(t)),
    },
    Lesson {
        name: "timeouts",
        title: "cut a slow call off, move a deadline, a group with a deadline",
        debug: false,
        main: |t| Box::pin(timeouts::main(t)),
    },
    Lesson {
        name: "waiting",
        title: "race, as_completed, gather_settled, interval, names, select!",
        debug: false,
        main: |t| Box::pin(waiting::main(t)),
    },
    Lesson {
        name: "lock",
        title: "one at a time, first come first served",
        debug: false,
        main: |t| Box::pin(lock::main(t)),
    },
    Lesson {
        name: "semaphore",
        title: "at most two at a time",
        debug: false,
        main: |t| Box::pin(semaphore::main(t)),
    },
    Lesson {
        name: "event",
        title: "one set() wakes every waiter",
        debug: false,
        main: |t| Box::pin(event::main(t)),
    },
    Lesson {
        name: "condition",
        title: "wait until the state is right",
        debug: false,
        main: |t| Box::pin(condition::main(t)),
    },
    Lesson {
        name: "barrier",
        title: "nobody goes on until all have arrived",
        debug: false,
        main: |t| Box::pin(barrier::main(t)),
    },
    Lesson {
        name: "queue",
        title: "producer, consumers, join",
        debug: false,
        main: |t| Box::pin(queue::main(t)),
    },
    Lesson {
        name: "network",
        title: "three slow downloads overlap",
        debug: false,
        main: |t| Box::pin(network::main(t)),
    },
    Lesson {
        name: "debug",
        title: "debug mode names the slow task; the task tree",
        debug: true,
        main: |t| Box::pin(debug::main(t)),
    },
];

/// Which clock a lesson runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// The real clock, as [`corio_executor::run`] has it: what the example programs use.
    Real,
    /// corio's paused clock: time jumps to the next timer whenever no task can run, so a
    /// lesson runs in microseconds and its times are exact. What the tests use.
    Paused,
}

impl Lesson {
    /// Finds a lesson by its example name.
    ///
    /// ```
    /// assert_eq!(corio_examples::lessons::Lesson::named("tasks").unwrap().name, "tasks");
    /// ```
    pub fn named(name: &str) -> Option<&'static Lesson> {
        LESSONS.iter().find(|lesson| lesson.name == name)
    }

    /// Runs the lesson on a fresh runtime with `clock`, its timeline writing to `sink`.
    ///
    /// ```
    /// use corio_examples::lessons::{Clock, Lesson};
    /// use corio_examples::timeline::Sink;
    ///
    /// let sink = Sink::buffer();
    /// Lesson::named("tasks").unwrap().run(Clock::Paused, sink.clone());
    /// assert!(sink.lines().iter().any(|line| line == "[ 1000 ms] job 3: finished"));
    /// ```
    pub fn run(&self, clock: Clock, sink: Sink) {
        let main = self.main;
        let mut builder = Runtime::builder().start_paused(clock == Clock::Paused);
        if self.debug {
            builder = builder
                .debug(true)
                .debug_sink(DebugLines::new(sink.clone()));
        }
        let lesson = async move { main(Timeline::start(sink)).await };
        builder.build().block_on(lesson);
    }

    /// The tour's heading line for this lesson.
    ///
    /// ```
    /// let tasks = corio_examples::lessons::Lesson::named("tasks").unwrap();
    /// assert_eq!(tasks.heading(), "== tasks: three one-second tasks take one second ==");
    /// ```
    pub fn heading(&self) -> String {
        format!("== {}: {} ==", self.name, self.title)
    }
}

/// The tour: every lesson in order, each on a fresh runtime, under its heading, with a blank
/// line after it.
///
/// ```no_run
/// use corio_examples::{lessons::{tour, Clock}, timeline::Sink};
///
/// tour(Clock::Real, &Sink::stdout());
/// ```
pub fn tour(clock: Clock, sink: &Sink) {
    for lesson in LESSONS {
        sink.line(lesson.heading());
        lesson.run(clock, sink.clone());
        sink.line("");
    }
}
