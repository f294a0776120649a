//! `cargo run --release --example barrier`: a Barrier: hikers go on together once all three have arrived.
//! The lesson itself is `corio_examples::barrier`; this program runs it on the real clock.

use corio_examples::barrier;
use corio_examples::timeline::{Sink, Timeline};

fn main() {
    corio_executor::run(async { barrier::main(Timeline::start(Sink::stdout())).await });
}
