//! `as_completed` with a deadline (asyncio's `as_completed(aws, timeout=...)`): outputs in
//! completion order until the deadline, then the rest are cancelled and dropped, then one
//! `Err(TimedOut)`, then `None`.

mod common;

use std::future::{pending, Future};
use std::pin::Pin;

use common::DropFlag;
use corio_taskgroup::{as_completed_on, TimedOut};
use futures::channel::oneshot;
use futures_task::Spawn;

type Work = Pin<Box<dyn Future<Output = u8> + Send>>;

/// A deadline future: the test fires it.
async fn deadline(fired: oneshot::Receiver<()>) {
    let _ = fired.await;
}

async fn outputs_then_timed_out_then_none<S: Spawn + Clone + 'static>(spawner: S) {
    let slow = DropFlag::new();
    let guard = slow.guard();
    let (fire, fired) = oneshot::channel();
    let (release_b, b_released) = oneshot::channel::<()>();
    let works: [Work; 3] = [
        Box::pin(async { 1 }),
        Box::pin(async move {
            let _ = b_released.await;
            2
        }),
        Box::pin(async move {
            let _guard = guard;
            pending::<u8>().await
        }),
    ];
    let mut done = as_completed_on(&spawner, works).with_deadline(deadline(fired));
    assert_eq!(done.next().await, Some(Ok(1)));
    release_b.send(()).unwrap();
    assert_eq!(done.next().await, Some(Ok(2)));
    fire.send(()).unwrap();
    assert_eq!(done.next().await, Some(Err(TimedOut)));
    assert!(
        slow.is_set(),
        "the unfinished future was dropped before the timeout was given"
    );
    assert_eq!(done.next().await, None);
    assert_eq!(done.remaining(), 0);
}

/// All finished before the deadline: no timeout at all.
async fn no_timeout_when_everything_finished_first<S: Spawn + Clone + 'static>(spawner: S) {
    let (fire, fired) = oneshot::channel();
    let works: [Work; 2] = [Box::pin(async { 1 }), Box::pin(async { 2 })];
    let mut done = as_completed_on(&spawner, works).with_deadline(deadline(fired));
    let mut got = vec![
        done.next().await.unwrap().unwrap(),
        done.next().await.unwrap().unwrap(),
    ];
    got.sort();
    assert_eq!(got, [1, 2]);
    fire.send(()).unwrap();
    assert_eq!(done.next().await, None);
}

on_every_executor!(
    outputs_then_timed_out_then_none,
    no_timeout_when_everything_finished_first,
);

/// corio's timer, paused clock: the timeout passes at exactly the deadline.
#[cfg(feature = "corio")]
#[test]
fn with_timeout_on_corio_passes_at_the_deadline() {
    use corio_executor::time::{sleep, Instant};
    use std::time::Duration;
    let runtime = corio_executor::Runtime::builder()
        .start_paused(true)
        .build();
    runtime.block_on(async {
        let start = Instant::now();
        let mut done = corio_taskgroup::as_completed([30u64, 5, 3600, 10].map(|secs| async move {
            sleep(Duration::from_secs(secs)).await;
            secs
        }))
        .with_timeout(Duration::from_secs(20));
        assert_eq!(done.next().await, Some(Ok(5)));
        assert_eq!(done.next().await, Some(Ok(10)));
        assert_eq!(done.next().await, Some(Err(TimedOut)));
        assert_eq!(start.elapsed(), Duration::from_secs(20));
        assert_eq!(done.next().await, None);
    });
}
