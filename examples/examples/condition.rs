//! `cargo run --release --example condition`: a Condition: diners wait until a dish is on the counter.
//! The lesson itself is `corio_examples::condition`; this program runs it on the real clock.

use corio_examples::condition;
use corio_examples::timeline::{Sink, Timeline};

fn main() {
    corio_executor::run(async { condition::main(Timeline::start(Sink::stdout())).await });
}
