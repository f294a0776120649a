//! `cargo run --release --example taskgroup`: a failing child cancels its sibling; the group error lists what failed.
//! The lesson itself is `corio_examples::taskgroup`; this program runs it on the real clock.

use corio_examples::taskgroup;
use corio_examples::timeline::{Sink, Timeline};

fn main() {
    corio_executor::run(async { taskgroup::main(Timeline::start(Sink::stdout())).await });
}
