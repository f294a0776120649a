//! `cargo run --release --example crawler`: a hyper server on loopback and a crawler that
//! fetches 200 pages from it, 10 at once, each with a timeout, in a TaskGroup that cancels
//! the rest at the first hard failure. Prints a timeline of both crawls.

use corio_examples::crawler;
use corio_examples::timeline::{Sink, Timeline};

fn main() {
    corio_executor::run(async {
        crawler::main(Timeline::start(Sink::stdout())).await;
    });
}
