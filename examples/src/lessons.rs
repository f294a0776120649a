//! The list of lessons, in the README's order, and how to run one on the real clock (the
//! example programs and the tour) or on the paused clock (the tests).

use std::future::Future;
use std::pin::Pin;

use corio_executor::Runtime;

use crate::timeline::{Sink, Timeline};
use crate::{
    barrier, condition, event, event_loop, gather, lock, network, queue, semaphore, taskgroup,
    tasks, timeouts, waiting,
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
    /// Starts the lesson's `main` with the given timeline.
    pub main: fn(Timeline) -> LessonFuture,
}

/// Every lesson, in the README's order.
pub const LESSONS: &[Lesson] = &[
    Lesson {
        name: "event_loop",
        title: "run() drives a future; await waits",
        main: |t| Box::pin(event_loop::main(t)),
    },
    Lesson {
        name: "tasks",
        title: "three one-second tasks take one second",
        main: |t| Box::pin(tasks::main(t)),
    },
    Lesson {
        name: "taskgroup",
        title: "a failing child cancels its siblings",
        main: |t| Box::pin(taskgroup::main(t)),
    },
    Lesson {
        name: "gather",
        title: "gather returns the error, the others run on",
        main: |t| Box::pin(gather::main(t)),
    },
    Lesson {
        name: "timeouts",
        title: "cut a slow call off, move a deadline, a group with a deadline",
        main: |t| Box::pin(timeouts::main(t)),
    },
    Lesson {
        name: "waiting",
        title: "race, as_completed, gather_settled, interval, names, select!",
        main: |t| Box::pin(waiting::main(t)),
    },
    Lesson {
        name: "lock",
        title: "one at a time, first come first served",
        main: |t| Box::pin(lock::main(t)),
    },
    Lesson {
        name: "semaphore",
        title: "at most two at a time",
        main: |t| Box::pin(semaphore::main(t)),
    },
    Lesson {
        name: "event",
        title: "one set() wakes every waiter",
        main: |t| Box::pin(event::main(t)),
    },
    Lesson {
        name: "condition",
        title: "wait until the state is right",
        main: |t| Box::pin(condition::main(t)),
    },
    Lesson {
        name: "barrier",
        title: "nobody goes on until all have arrived",
        main: |t| Box::pin(barrier::main(t)),
    },
    Lesson {
        name: "queue",
        title: "producer, consumers, join",
        main: |t| Box::pin(queue::main(t)),
    },
    Lesson {
        name: "network",
        title: "three slow downloads overlap",
        main: |t| Box::pin(network::main(t)),
    },
];

/// Which clock a lesson runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// The real clock, through [`corio_executor::run`]: what the example programs use.
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
        let lesson = async move { main(Timeline::start(sink)).await };
        match clock {
            Clock::Real => corio_executor::run(lesson),
            Clock::Paused => Runtime::builder()
                .start_paused(true)
                .build()
                .block_on(lesson),
        }
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
