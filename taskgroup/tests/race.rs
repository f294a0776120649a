//! race: the first output wins, the losers are cancelled before it returns.

mod common;

use std::future::{pending, Future};
use std::pin::Pin;

use common::DropFlag;
use corio_taskgroup::race_on;
use futures::channel::oneshot;
use futures_task::Spawn;

type Boxed = Pin<Box<dyn Future<Output = &'static str> + Send>>;

async fn first_completed_wins_and_losers_are_dropped<S: Spawn + Clone + 'static>(spawner: S) {
    let loser = DropFlag::new();
    let guard = loser.guard();
    let (go, gone) = oneshot::channel::<()>();
    let slow: Boxed = Box::pin(async move {
        let _guard = guard;
        pending::<()>().await;
        "slow"
    });
    let fast: Boxed = Box::pin(async move {
        gone.await.unwrap();
        "fast"
    });
    let racing = race_on(&spawner, vec![slow, fast]);
    go.send(()).unwrap();
    assert_eq!(racing.await, Some("fast"));
    assert!(loser.is_set(), "the loser was dropped before race returned");
}

async fn empty_race_is_none<S: Spawn + Clone + 'static>(spawner: S) {
    let none: Vec<Boxed> = Vec::new();
    assert_eq!(race_on(&spawner, none).await, None);
}

async fn dropping_race_cancels_all<S: Spawn + Clone + 'static>(spawner: S) {
    let (dropped_tx, dropped_rx) = oneshot::channel::<()>();
    struct Notify(Option<oneshot::Sender<()>>);
    impl Drop for Notify {
        fn drop(&mut self) {
            let _ = self.0.take().unwrap().send(());
        }
    }
    let notify = Notify(Some(dropped_tx));
    let mut racing = race_on(
        &spawner,
        [async move {
            let _notify = notify;
            pending::<()>().await
        }],
    );
    assert!(futures::poll!(&mut racing).is_pending());
    drop(racing);
    dropped_rx.await.unwrap();
}

on_every_executor!(
    first_completed_wins_and_losers_are_dropped,
    empty_race_is_none,
    dropping_race_cancels_all
);
