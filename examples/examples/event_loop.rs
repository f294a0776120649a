//! `cargo run --release --example event_loop`: run() drives one future; each await waits before the next line runs.
//! The lesson itself is `corio_examples::event_loop`; this program runs it on the real clock.

use corio_examples::event_loop;
use corio_examples::timeline::{Sink, Timeline};

fn main() {
    corio_executor::run(async { event_loop::main(Timeline::start(Sink::stdout())).await });
}
