//! The three errands that the `taskgroup` and `gather` lessons both run, so that the only
//! difference between the two lessons is what happens when one of them fails:
//! `fetch users` succeeds at 200 ms, `fetch orders` fails at 300 ms, and `build report`
//! needs a whole second.

use std::time::Duration;

use corio_executor::time::sleep;

use crate::drop_guard::DropGuard;
use crate::timeline::Timeline;

/// The error every errand returns: a plain message, as the group error shows it.
pub type Error = String;

/// Succeeds after 200 ms with the number of users.
pub async fn fetch_users(timeline: Timeline) -> Result<u32, Error> {
    timeline.log("fetch users", "started");
    sleep(Duration::from_millis(200)).await;
    timeline.log("fetch users", "done: 42 users");
    Ok(42)
}

/// Fails after 300 ms.
pub async fn fetch_orders(timeline: Timeline) -> Result<u32, Error> {
    timeline.log("fetch orders", "started");
    sleep(Duration::from_millis(300)).await;
    timeline.log("fetch orders", "failed: connection reset");
    Err("fetch orders: connection reset".to_string())
}

/// Needs a whole second; its [`DropGuard`] shows whether it was cancelled on the way.
pub async fn build_report(timeline: Timeline) -> Result<u32, Error> {
    timeline.log("build report", "started, needs 1000 ms");
    let guard = DropGuard::new(timeline.clone(), "build report");
    sleep(Duration::from_secs(1)).await;
    guard.finish();
    timeline.log("build report", "finished");
    Ok(7)
}
