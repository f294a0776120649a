//! `cargo run --release --example debug`: debug mode names the task that held the loop, the
//! task tree shows who runs what, and the task left behind is named at shutdown.
//! The lesson itself is `corio_examples::debug`; this program runs it on the real clock.

use corio_examples::lessons::{Clock, Lesson};
use corio_examples::timeline::Sink;

fn main() {
    // In debug mode, with the reports printed among the timeline's lines.
    let lesson = Lesson::named("debug").expect("the debug lesson");
    lesson.run(Clock::Real, Sink::stdout());
}
