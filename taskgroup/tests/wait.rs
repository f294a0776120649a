//! `wait` (asyncio's `wait(tasks, return_when=..., timeout=...)`): returns the handles split
//! into done and pending, for first-completed, first-exception and all-completed, and at a
//! deadline; it cancels nothing.

mod common;

use std::future::pending;

use common::wait_for;
use corio_taskgroup::{wait, ChildError, ReturnWhen, TaskGroup};
use futures::channel::oneshot;
use futures_task::Spawn;

async fn first_completed_returns_the_finished_one<S: Spawn + Clone + 'static>(spawner: S) {
    let tg = TaskGroup::<(), _>::with_spawner(spawner);
    let (release, released) = oneshot::channel();
    let slow = tg
        .spawn(async move {
            wait_for(released).await;
            Ok("slow")
        })
        .unwrap();
    let fast = tg.spawn(async { Ok("fast") }).unwrap();
    let (done, pending) = wait([slow, fast], ReturnWhen::FirstCompleted).await;
    assert_eq!(done.len(), 1);
    assert_eq!(pending.len(), 1);
    release.send(()).unwrap();
    tg.wait().await.unwrap();
    let mut done = done.into_iter();
    assert_eq!(done.next().unwrap().result(), Ok("fast"));
    let mut pending = pending.into_iter();
    assert_eq!(
        pending.next().unwrap().result(),
        Ok("slow"),
        "a pending child ran on"
    );
}

async fn first_exception_returns_at_the_first_failure<S: Spawn + Clone + 'static>(spawner: S) {
    let tg = TaskGroup::<&str, _>::with_spawner(spawner);
    let (release, released) = oneshot::channel();
    let ok = tg.spawn(async { Ok(1) }).unwrap();
    let failing = tg
        .spawn(async move {
            wait_for(released).await;
            Err::<i32, _>("failed")
        })
        .unwrap();
    // `ok` finishes first (a child that finished well is no exception).
    let (mut done, _) = wait([ok], ReturnWhen::AllCompleted).await;
    let ok = done.pop().unwrap();
    let waiting = wait([ok, failing], ReturnWhen::FirstException);
    release.send(()).unwrap();
    let (done, pending) = waiting.await;
    assert!(pending.is_empty());
    let results: Vec<_> = done.into_iter().map(|child| child.result()).collect();
    assert!(results.contains(&Ok(1)));
    assert!(results.contains(&Err(ChildError::Failed)));
    assert_eq!(tg.wait().await.unwrap_err().errors(), ["failed"]);
}

/// Without any failure, first-exception waits for all (and a child that finished is not
/// an exception).
async fn first_exception_without_failure_waits_for_all<S: Spawn + Clone + 'static>(spawner: S) {
    let tg = TaskGroup::<(), _>::with_spawner(spawner);
    let (release, released) = oneshot::channel();
    let first = tg.spawn(async { Ok(1) }).unwrap();
    let second = tg
        .spawn(async move {
            wait_for(released).await;
            Ok(2)
        })
        .unwrap();
    let waiting = wait([first, second], ReturnWhen::FirstException);
    release.send(()).unwrap();
    let (done, pending) = waiting.await;
    assert_eq!((done.len(), pending.len()), (2, 0));
    let values: Vec<_> = done.into_iter().map(|c| c.result().unwrap()).collect();
    assert_eq!(values, [1, 2], "argument order");
    tg.wait().await.unwrap();
}

async fn all_completed_waits_for_every_child<S: Spawn + Clone + 'static>(spawner: S) {
    let tg = TaskGroup::<(), _>::with_spawner(spawner);
    let (release, released) = oneshot::channel();
    let handles = vec![
        tg.spawn(async move {
            wait_for(released).await;
            Ok(1)
        })
        .unwrap(),
        tg.spawn(async { Ok(2) }).unwrap(),
    ];
    let waiting = wait(handles, ReturnWhen::AllCompleted);
    release.send(()).unwrap();
    let (done, pending) = waiting.await;
    assert!(pending.is_empty());
    let values: Vec<_> = done.into_iter().map(|c| c.result().unwrap()).collect();
    assert_eq!(values, [1, 2], "argument order");
    tg.wait().await.unwrap();
}

/// The deadline passes first: everything is pending, and keeps running.
async fn a_deadline_returns_the_running_ones_as_pending<S: Spawn + Clone + 'static>(spawner: S) {
    let tg = TaskGroup::<(), _>::with_spawner(spawner);
    let (release, released) = oneshot::channel();
    let (fire, fired) = oneshot::channel::<()>();
    let slow = tg
        .spawn(async move {
            wait_for(released).await;
            Ok("ran on")
        })
        .unwrap();
    let waiting = wait([slow], ReturnWhen::AllCompleted).with_deadline(wait_for(fired));
    fire.send(()).unwrap();
    let (done, pending) = waiting.await;
    assert!(done.is_empty());
    assert_eq!(pending.len(), 1);
    release.send(()).unwrap();
    tg.wait().await.unwrap();
    assert_eq!(pending.into_iter().next().unwrap().result(), Ok("ran on"));
}

async fn no_handles_returns_at_once<S: Spawn + Clone + 'static>(_spawner: S) {
    let (done, pending) = wait(
        Vec::<corio_taskgroup::ChildHandle<()>>::new(),
        ReturnWhen::AllCompleted,
    )
    .with_deadline(pending::<()>())
    .await;
    assert!(done.is_empty() && pending.is_empty());
}

on_every_executor!(
    first_completed_returns_the_finished_one,
    first_exception_returns_at_the_first_failure,
    first_exception_without_failure_waits_for_all,
    all_completed_waits_for_every_child,
    a_deadline_returns_the_running_ones_as_pending,
    no_handles_returns_at_once,
);

/// Native corio handles (`TaskGroup::new`): a done handle gives its value, once, whether
/// read or awaited; a timeout on corio's paused clock.
#[cfg(feature = "corio")]
#[test]
fn native_handles_and_a_timeout_on_the_paused_clock() {
    use corio_executor::time::{sleep, Instant};
    use std::time::Duration;
    let runtime = corio_executor::Runtime::builder()
        .start_paused(true)
        .build();
    runtime.block_on(async {
        let start = Instant::now();
        let tg = TaskGroup::<&str>::new();
        let quick = tg
            .spawn(async {
                sleep(Duration::from_secs(1)).await;
                Ok("quick")
            })
            .unwrap();
        let failing = tg
            .spawn(async {
                sleep(Duration::from_secs(2)).await;
                Err::<&str, _>("failed")
            })
            .unwrap();
        let (done, pending) = wait([quick, failing], ReturnWhen::FirstCompleted).await;
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        let mut quick = done.into_iter().next().unwrap();
        assert_eq!((&mut quick).await, Ok("quick"));
        assert_eq!(quick.result(), Err(ChildError::AlreadyTaken));
        let (done, pending) = wait(pending, ReturnWhen::AllCompleted)
            .with_timeout(Duration::from_millis(500))
            .await;
        assert_eq!((done.len(), pending.len()), (0, 1));
        assert_eq!(start.elapsed(), Duration::from_millis(1500));
        let (done, _) = wait(pending, ReturnWhen::FirstException).await;
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        let failing = done.into_iter().next().unwrap();
        assert_eq!(failing.result(), Err(ChildError::Failed));
        assert_eq!(tg.wait().await.unwrap_err().errors(), ["failed"]);
    });
}
