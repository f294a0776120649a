//! `cargo run --release --example tour`: every lesson of the README, in order, each on a
//! fresh event loop on the real clock, under a heading.

use corio_examples::lessons::{tour, Clock};
use corio_examples::timeline::Sink;

fn main() {
    tour(Clock::Real, &Sink::stdout());
}
