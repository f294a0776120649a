//! `cargo run --release --example queue`: a bounded Queue: a producer, two workers, task_done() and join().
//! The lesson itself is `corio_examples::queue`; this program runs it on the real clock.

use corio_examples::queue;
use corio_examples::timeline::{Sink, Timeline};

fn main() {
    corio_executor::run(async { queue::main(Timeline::start(Sink::stdout())).await });
}
