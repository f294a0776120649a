//! The first corio program: `cargo run --example hello -p corio`.
//!
//! Three downloads that each take 100 ms overlap, so all three are done after 100 ms, not
//! 300. `main` returns a `Result`, so `?` works in it as in any `fn main`.

use corio::time::{sleep, Instant};
use std::time::Duration;

async fn download(page: u32) -> Result<String, std::io::Error> {
    sleep(Duration::from_millis(100)).await; // stands in for the network
    Ok(format!("page {page}"))
}

#[corio::main]
async fn main() -> Result<(), std::io::Error> {
    let start = Instant::now();
    let pages = corio::gather((1..=3).map(download)).await?;
    println!("{pages:?} in {} ms", start.elapsed().as_millis());
    Ok(())
}
