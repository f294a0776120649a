//! `cargo run --release --example timeouts`: a slow call cut off, a deadline moved while it runs, a TaskGroup with a deadline.
//! The lesson itself is `corio_examples::timeouts`; this program runs it on the real clock.

use corio_examples::timeline::{Sink, Timeline};
use corio_examples::timeouts;

fn main() {
    corio_executor::run(async { timeouts::main(Timeline::start(Sink::stdout())).await });
}
