//! `cargo run --release --example semaphore`: a Semaphore of two: at most two downloads at a time.
//! The lesson itself is `corio_examples::semaphore`; this program runs it on the real clock.

use corio_examples::semaphore;
use corio_examples::timeline::{Sink, Timeline};

fn main() {
    corio_executor::run(async { semaphore::main(Timeline::start(Sink::stdout())).await });
}
