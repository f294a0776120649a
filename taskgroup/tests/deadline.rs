//! The group-wide deadline, with a deadline future (any executor).

mod common;

use std::future::pending;

use common::DropFlag;
use corio_taskgroup::TaskGroup;
use futures::channel::oneshot;
use futures_task::Spawn;

/// When the deadline passes, the group and its body are cancelled, and the group fails with
/// a timeout error holding no child error.
async fn deadline_cancels_the_group<S: Spawn + Clone + 'static>(spawner: S) {
    let (fire, fired) = oneshot::channel::<()>();
    let child = DropFlag::new();
    let guard = child.guard();
    let group = TaskGroup::<&str, S>::with_spawner(spawner).with_deadline(async move {
        let _ = fired.await;
    });
    let outcome = group
        .run(|tg| async move {
            tg.spawn(async move {
                let _guard = guard;
                pending::<Result<(), &str>>().await
            })
            .unwrap();
            fire.send(()).unwrap();
            pending::<Result<(), &str>>().await
        })
        .await;
    let error = outcome.unwrap_err();
    assert!(error.is_timeout());
    assert!(error.errors().is_empty());
    assert_eq!(error.to_string(), "task group deadline passed");
    assert!(child.is_set());
}

/// A group that finishes before its deadline succeeds; the deadline is dropped with it.
async fn group_finishing_first_ignores_the_deadline<S: Spawn + Clone + 'static>(spawner: S) {
    let (_never_fire, never) = oneshot::channel::<()>();
    let tg = TaskGroup::<&str, S>::with_spawner(spawner).with_deadline(async move {
        let _ = never.await;
    });
    let child = tg.spawn(async { Ok(1) }).unwrap();
    tg.wait().await.unwrap();
    assert_eq!(child.result(), Ok(1));
}

on_every_executor!(
    deadline_cancels_the_group,
    group_finishing_first_ignores_the_deadline
);
