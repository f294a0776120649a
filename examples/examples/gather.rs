//! `cargo run --release --example gather`: gather returns the first error; the sibling runs on and finishes later.
//! The lesson itself is `corio_examples::gather`; this program runs it on the real clock.

use corio_examples::gather;
use corio_examples::timeline::{Sink, Timeline};

fn main() {
    corio_executor::run(async { gather::main(Timeline::start(Sink::stdout())).await });
}
