//! Placeholder until the taskgroup benchmarks land.
fn main() {}
