//! `cargo run --release --example network`: three downloads from a slow local server overlap.
//! The lesson itself is `corio_examples::network`; this program runs it on the real clock.

use corio_examples::network;
use corio_examples::timeline::{Sink, Timeline};

fn main() {
    corio_executor::run(async { network::main(Timeline::start(Sink::stdout())).await });
}
