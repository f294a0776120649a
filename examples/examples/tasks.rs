//! `cargo run --release --example tasks`: three one-second tasks finish together, in one second.
//! The lesson itself is `corio_examples::tasks`; this program runs it on the real clock.

use corio_examples::tasks;
use corio_examples::timeline::{Sink, Timeline};

fn main() {
    corio_executor::run(async { tasks::main(Timeline::start(Sink::stdout())).await });
}
