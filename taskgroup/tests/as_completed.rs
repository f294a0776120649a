//! as_completed: outputs in completion order; dropping it cancels what still runs.

mod common;

use std::future::{pending, Future};
use std::pin::Pin;

use corio_taskgroup::as_completed_on;
use futures::channel::oneshot;
use futures_task::Spawn;

type Boxed = Pin<Box<dyn Future<Output = usize> + Send>>;

async fn outputs_in_completion_order<S: Spawn + Clone + 'static>(spawner: S) {
    // Future i waits for a signal; signals are sent in the order 2, 0, 1 and each one only
    // after the previous output arrived.
    let (senders, futures): (Vec<_>, Vec<Boxed>) = (0..3usize)
        .map(|i| {
            let (tx, rx) = oneshot::channel::<()>();
            (
                tx,
                Box::pin(async move {
                    rx.await.unwrap();
                    i
                }) as Boxed,
            )
        })
        .unzip();
    let mut senders: Vec<_> = senders.into_iter().map(Some).collect();
    let mut done = as_completed_on(&spawner, futures);
    assert_eq!(done.remaining(), 3);
    let mut order = Vec::new();
    for i in [2, 0, 1] {
        senders[i].take().unwrap().send(()).unwrap();
        order.push(done.next().await.unwrap());
    }
    assert_eq!(order, [2, 0, 1]);
    assert_eq!(done.next().await, None);
}

async fn dropping_cancels_the_rest<S: Spawn + Clone + 'static>(spawner: S) {
    let (dropped_tx, dropped_rx) = oneshot::channel::<()>();
    struct Notify(Option<oneshot::Sender<()>>);
    impl Drop for Notify {
        fn drop(&mut self) {
            let _ = self.0.take().unwrap().send(());
        }
    }
    let notify = Notify(Some(dropped_tx));
    let quick: Boxed = Box::pin(async { 1 });
    let stuck: Boxed = Box::pin(async move {
        let _notify = notify;
        pending::<usize>().await
    });
    let mut done = as_completed_on(&spawner, vec![quick, stuck]);
    assert_eq!(done.next().await, Some(1));
    drop(done);
    dropped_rx
        .await
        .expect("the unfinished future was dropped, not leaked");
}

on_every_executor!(outputs_in_completion_order, dropping_cancels_the_rest);
