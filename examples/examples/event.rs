//! `cargo run --release --example event`: one set() wakes every guest waiting on the Event.
//! The lesson itself is `corio_examples::event`; this program runs it on the real clock.

use corio_examples::event;
use corio_examples::timeline::{Sink, Timeline};

fn main() {
    corio_executor::run(async { event::main(Timeline::start(Sink::stdout())).await });
}
