//! gather behaviour (docs/SEMANTICS.md, "gather"), on every executor.

mod common;

use std::future::{pending, Future};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::Poll;

use common::{Counter, DropFlag};
use corio_taskgroup::{gather, gather_on, gather_settled_on};
use futures::channel::oneshot;
use futures::FutureExt;
use futures_task::Spawn;

type BoxedResult<T> = Pin<Box<dyn Future<Output = Result<T, &'static str>> + Send>>;

/// `n` futures that finish in reverse argument order: future `i` waits for future `i + 1`.
fn finishing_in_reverse(n: usize, finished: &Counter) -> Vec<BoxedResult<(usize, usize)>> {
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..n).map(|_| oneshot::channel::<()>()).unzip();
    let mut senders: Vec<Option<oneshot::Sender<()>>> = senders.into_iter().map(Some).collect();
    let mut futures = Vec::new();
    for (i, rx) in receivers.into_iter().enumerate() {
        // Future i releases future i - 1 when it finishes.
        let release_previous = if i > 0 { senders[i - 1].take() } else { None };
        let is_last = i == n - 1;
        let finished = finished.clone();
        futures.push(Box::pin(async move {
            if !is_last {
                rx.await.unwrap();
            }
            let rank = finished.get();
            finished.bump();
            if let Some(tx) = release_previous {
                tx.send(()).unwrap();
            }
            Ok((i, rank))
        }) as BoxedResult<_>);
    }
    futures
}

/// Outputs come back in argument order, whatever the completion order.
async fn outputs_in_argument_order<S: Spawn + Clone + 'static>(spawner: S) {
    let finished = Counter::new();
    let outputs = gather_on(&spawner, finishing_in_reverse(5, &finished))
        .await
        .unwrap();
    // (argument position, completion rank): ranks run backwards.
    assert_eq!(outputs, vec![(0, 4), (1, 3), (2, 2), (3, 1), (4, 0)]);
}

/// The first error is returned at once, and the others are NOT cancelled: they run on to
/// completion in the background.
async fn first_error_returns_and_leaves_others_running<S: Spawn + Clone + 'static>(spawner: S) {
    let (release, released) = oneshot::channel::<()>();
    let (done_tx, done_rx) = oneshot::channel::<&str>();
    let slow: BoxedResult<()> = Box::pin(async move {
        released.await.unwrap();
        done_tx.send("slow one finished").unwrap();
        Ok(())
    });
    let failing: BoxedResult<()> = Box::pin(async { Err("fast failure") });
    assert_eq!(
        gather_on(&spawner, vec![slow, failing]).await,
        Err("fast failure")
    );
    // gather has returned, yet the slow future is still alive and finishes when released.
    release.send(()).expect("the slow future was not cancelled");
    assert_eq!(done_rx.await, Ok("slow one finished"));
}

/// The settled form waits for all and returns every outcome in argument order.
async fn settled_returns_every_outcome<S: Spawn + Clone + 'static>(spawner: S) {
    let (release, released) = oneshot::channel::<()>();
    let late_ok: BoxedResult<u8> = Box::pin(async move {
        released.await.unwrap();
        Ok(1)
    });
    let early_err: BoxedResult<u8> = Box::pin(async move {
        release.send(()).unwrap();
        Err("two")
    });
    let ok: BoxedResult<u8> = Box::pin(async { Ok(3) });
    let outcomes = gather_settled_on(&spawner, vec![late_ok, early_err, ok]).await;
    assert_eq!(outcomes, vec![Ok(1), Err("two"), Ok(3)]);
}

/// Dropping the gather future before it finished cancels the futures it still runs.
async fn dropping_gather_cancels_children<S: Spawn + Clone + 'static>(spawner: S) {
    let (dropped_tx, dropped_rx) = oneshot::channel::<()>();
    struct Notify(Option<oneshot::Sender<()>>);
    impl Drop for Notify {
        fn drop(&mut self) {
            let _ = self.0.take().unwrap().send(());
        }
    }
    let notify = Notify(Some(dropped_tx));
    let mut gathering = gather_on(
        &spawner,
        [async move {
            let _notify = notify;
            pending::<Result<(), ()>>().await
        }],
    );
    assert!(futures::poll!(&mut gathering).is_pending());
    drop(gathering);
    dropped_rx
        .await
        .expect("the gathered future was dropped, not leaked");
}

/// An empty gather is ready at once with an empty result.
async fn empty_gather_is_ready_at_once<S: Spawn + Clone + 'static>(spawner: S) {
    let none: Vec<BoxedResult<u8>> = Vec::new();
    assert_eq!(
        futures::poll!(gather_on(&spawner, none)),
        Poll::Ready(Ok(vec![]))
    );
    let none: Vec<BoxedResult<u8>> = Vec::new();
    assert_eq!(
        futures::poll!(gather_settled_on(&spawner, none)),
        Poll::Ready(vec![])
    );
}

/// A gathered future's panic is resumed by the gather future; the others run on.
async fn panic_is_resumed_others_run_on<S: Spawn + Clone + 'static>(spawner: S) {
    let (release, released) = oneshot::channel::<()>();
    let (done_tx, done_rx) = oneshot::channel::<()>();
    let survivor: BoxedResult<()> = Box::pin(async move {
        released.await.unwrap();
        done_tx.send(()).unwrap();
        Ok(())
    });
    let panicking: BoxedResult<()> = Box::pin(async { panic!("gathered future exploded") });
    let payload = AssertUnwindSafe(gather_on(&spawner, vec![survivor, panicking]))
        .catch_unwind()
        .await
        .unwrap_err();
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"gathered future exploded")
    );
    release.send(()).unwrap();
    done_rx.await.unwrap();
}

/// `gather!` takes futures of different types: outputs as a tuple in argument order, or
/// the first error (leaving the others running).
async fn gather_macro_mixes_types<S: Spawn + Clone + 'static>(spawner: S) {
    let (release, released) = oneshot::channel::<()>();
    let both = gather!(on spawner.clone();
        async move { released.await.unwrap(); Ok::<_, &str>(1u8) },
        async move { release.send(()).unwrap(); Ok::<_, &str>("two") },
        async { Ok::<_, &str>(vec![3]) },
    )
    .await;
    assert_eq!(both, Ok((1u8, "two", vec![3])));

    let still_running = DropFlag::new();
    let guard = still_running.guard();
    let (release, released) = oneshot::channel::<()>();
    let (done_tx, done_rx) = oneshot::channel::<()>();
    let failed = gather!(on spawner;
        async move {
            let _guard = guard;
            released.await.unwrap();
            done_tx.send(()).unwrap();
            Ok::<_, &str>(1u8)
        },
        async { Err::<&str, _>("mixed failure") },
    )
    .await;
    assert_eq!(failed, Err("mixed failure"));
    assert!(
        !still_running.is_set(),
        "gather! does not cancel the others"
    );
    release.send(()).unwrap();
    done_rx.await.unwrap();
}

on_every_executor!(
    outputs_in_argument_order,
    first_error_returns_and_leaves_others_running,
    settled_returns_every_outcome,
    dropping_gather_cancels_children,
    empty_gather_is_ready_at_once,
    panic_is_resumed_others_run_on,
    gather_macro_mixes_types,
);

/// The corio-default forms need a runtime and say so.
#[cfg(feature = "corio")]
#[test]
#[should_panic(expected = "outside a corio runtime")]
fn gather_outside_a_runtime_names_the_mistake() {
    drop(gather([async { Ok::<(), ()>(()) }]));
}

#[cfg(not(feature = "corio"))]
#[allow(unused_imports)]
use gather as _;
