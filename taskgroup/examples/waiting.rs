//! asyncio's waiting tools in corio-taskgroup: named children, `wait` with
//! `return_when`, `as_completed` with a timeout, and `shield`.
//!
//! Run with `cargo run -p corio-taskgroup --example waiting`. The clock is paused, so the
//! "slow" work takes no real time.

use std::time::Duration;

use corio_executor::time::{sleep, timeout, Instant};
use corio_taskgroup::{as_completed, shield, wait, ReturnWhen, TaskGroup};

/// Pretends to fetch `what`, taking `secs` seconds.
async fn fetch(what: &'static str, secs: u64) -> Result<String, String> {
    sleep(Duration::from_secs(secs)).await;
    Ok(format!("{what} ({secs}s)"))
}

fn main() {
    let runtime = corio_executor::Runtime::builder()
        .start_paused(true)
        .build();
    runtime.block_on(async {
        let start = Instant::now();

        // Named children, and `wait` for the first one to finish.
        let tg = TaskGroup::<String>::new();
        let children = [("users", 3), ("orders", 1), ("stock", 2)]
            .map(|(name, secs)| tg.spawn_named(name, fetch(name, secs)).unwrap());
        let (done, pending) = wait(children, ReturnWhen::FirstCompleted).await;
        for child in &done {
            println!("first done: {:?}", child.name());
        }
        println!("still running: {}", pending.len());
        tg.wait().await.unwrap();
        for child in pending {
            let name = child.name().unwrap_or("?").to_owned();
            println!("{name} -> {:?}", child.result());
        }

        // `as_completed` with a timeout: what finished within 2.5 s, then the timeout.
        let mut arrivals = as_completed([("a", 1), ("b", 5), ("c", 2)].map(|(n, s)| fetch(n, s)))
            .with_timeout(Duration::from_millis(2500));
        while let Some(arrival) = arrivals.next().await {
            match arrival {
                Ok(value) => println!("arrived: {value:?}"),
                Err(timed_out) => println!("stopped waiting: {timed_out}"),
            }
        }

        // `shield`: the caller gives up after 1 s, the shielded save still completes.
        let save = shield(async move {
            sleep(Duration::from_secs(3)).await;
            println!("saved, at {:?}", start.elapsed());
        });
        if timeout(Duration::from_secs(1), save).await.is_err() {
            println!("gave up waiting for the save at {:?}", start.elapsed());
        }
        sleep(Duration::from_secs(5)).await;
    });
}
