//! `cargo run --release --example lock`: a Mutex held across an await: workers take turns, first come first served.
//! The lesson itself is `corio_examples::lock`; this program runs it on the real clock.

use corio_examples::lock;
use corio_examples::timeline::{Sink, Timeline};

fn main() {
    corio_executor::run(async { lock::main(Timeline::start(Sink::stdout())).await });
}
