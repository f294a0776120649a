//! `cargo run --release --example waiting`: race, as_completed with a timeout, gather_settled, interval, task names, select!.
//! The lesson itself is `corio_examples::waiting`; this program runs it on the real clock.

use corio_examples::timeline::{Sink, Timeline};
use corio_examples::waiting;

fn main() {
    corio_executor::run(async { waiting::main(Timeline::start(Sink::stdout())).await });
}
