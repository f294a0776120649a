//! Lesson: a [`Mutex`] keeps a read-modify-write whole.
//!
//! Three workers each add 1 to a shared balance, but slowly: they read it, wait 100 ms (as
//! if writing to a database), then write the new value. Without a lock all three would read
//! 0 and the balance would end at 1. With the lock held across the wait, the others queue
//! (first come, first served) and the balance ends at 3.

use std::sync::Arc;
use std::time::Duration;

use corio_executor::spawn;
use corio_executor::time::sleep;
use corio_sync::Mutex;

use crate::timeline::Timeline;

/// One worker: holds the lock across its slow update.
async fn worker(timeline: Timeline, number: u32, balance: Arc<Mutex<u32>>) {
    let name = format!("worker {number}");
    timeline.log(&name, "asks for the lock");
    let mut guard = balance.lock().await;
    timeline.log(&name, format!("got the lock, reads {}", *guard));
    let read = *guard;
    sleep(Duration::from_millis(100)).await;
    *guard = read + 1;
    timeline.log(
        &name,
        format!("writes {}, drops the guard: the lock is free", *guard),
    );
}

/// Runs the lesson, logging to `timeline`.
///
/// ```
/// use corio_examples::{lock, timeline::{Sink, Timeline}};
///
/// corio_executor::run(async { lock::main(Timeline::start(Sink::stdout())).await });
/// ```
pub async fn main(timeline: Timeline) {
    let balance = Arc::new(Mutex::new(0));
    let workers: Vec<_> = (1..=3)
        .map(|n| spawn(worker(timeline.clone(), n, balance.clone())))
        .collect();
    for handle in workers {
        handle
            .await
            .expect("a worker neither panics nor is cancelled");
    }
    timeline.log(
        "main",
        format!("balance is {}: no update was lost", *balance.lock().await),
    );
}
