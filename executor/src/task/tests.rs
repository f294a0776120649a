//! Unit tests of the raw task: every path through allocation, waking, completion, the
//! join handshake and freeing. They are small on purpose, so Miri can check them:
//! `cargo +nightly miri test -p corio-executor --lib task::`.

#![allow(clippy::async_yields_async)] // some tests carry a JoinHandle out of block_on on purpose

use crate::{spawn, spawn_local, yield_now, Runtime};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// Counts drops, to see that futures and outputs are dropped exactly once.
#[derive(Debug)]
struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Pending forever, leaving its waker where the test can reach it.
struct StashWaker(Arc<Mutex<Option<Waker>>>);

impl Future for StashWaker {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        *self.0.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[test]
fn output_is_moved_out_once_and_the_task_freed() {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = Runtime::new();
    let counter = DropCounter(drops.clone());
    let output = rt.block_on(async move { spawn(async move { counter }).await.unwrap() });
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(output);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn detached_output_is_dropped_on_completion() {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = Runtime::new();
    let counter = DropCounter(drops.clone());
    rt.block_on(async move {
        drop(spawn(async move { counter }));
        yield_now().await;
    });
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn handle_dropped_after_completion_drops_the_output() {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = Runtime::new();
    let counter = DropCounter(drops.clone());
    let handle = rt.block_on(async move {
        let handle = spawn(async move { counter });
        yield_now().await;
        assert!(handle.is_finished());
        handle
    });
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(handle);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn a_waker_outliving_its_task_and_runtime_is_harmless() {
    let stash = Arc::new(Mutex::new(None));
    let rt = Runtime::new();
    rt.block_on({
        let stash = stash.clone();
        async move {
            drop(spawn(StashWaker(stash)));
            yield_now().await;
        }
    });
    drop(rt); // cancels the task; the stashed waker still holds a reference
    let waker = stash.lock().unwrap().take().unwrap();
    waker.wake_by_ref(); // a completed task: no queueing, no use of freed memory
    let clone = waker.clone();
    drop(waker);
    clone.wake(); // the last reference frees the task
}

#[test]
fn wakes_from_another_thread_while_the_task_runs() {
    let stash = Arc::new(Mutex::new(None::<Waker>));
    let rt = Runtime::new();
    rt.block_on({
        let stash = stash.clone();
        async move {
            let polls = Arc::new(AtomicUsize::new(0));
            let task = spawn({
                let (polls, stash) = (polls.clone(), stash.clone());
                std::future::poll_fn(move |cx| {
                    *stash.lock().unwrap() = Some(cx.waker().clone());
                    if polls.fetch_add(1, Ordering::SeqCst) == 2 {
                        Poll::Ready(())
                    } else {
                        Poll::Pending
                    }
                })
            });
            yield_now().await;
            for expected_polls in [2, 3] {
                let waker = stash.lock().unwrap().clone().unwrap();
                std::thread::spawn(move || waker.wake()).join().unwrap();
                // A remote wake is picked up at the loop's next check of the remote queue,
                // within a bounded number of polls, not necessarily within one yield.
                while polls.load(Ordering::SeqCst) < expected_polls {
                    yield_now().await;
                }
            }
            task.await.unwrap();
            assert_eq!(polls.load(Ordering::SeqCst), 3);
        }
    });
}

#[test]
fn cancel_drops_the_future_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = Runtime::new();
    let counter = DropCounter(drops.clone());
    rt.block_on(async move {
        let task = spawn_local(async move {
            let _counter = counter;
            std::future::pending::<()>().await;
        });
        yield_now().await;
        task.cancel();
        task.cancel();
        assert!(task.await.unwrap_err().is_cancelled());
    });
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn panics_are_stored_and_the_future_dropped() {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = Runtime::new();
    let counter = DropCounter(drops.clone());
    let error = rt.block_on(async move {
        spawn(async move {
            let _counter = counter;
            panic!("inside a task");
        })
        .await
        .unwrap_err()
    });
    assert!(error.is_panic());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn shutdown_frees_queued_and_waiting_tasks() {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = Runtime::new();
    let handle = rt.handle();
    rt.block_on({
        let drops = drops.clone();
        async move {
            let waiting = DropCounter(drops.clone());
            drop(spawn(async move {
                let _waiting = waiting;
                std::future::pending::<()>().await;
            }));
            yield_now().await;
            let queued = DropCounter(drops.clone());
            drop(spawn(async move { drop(queued) }));
        }
    });
    let remote = DropCounter(drops.clone());
    drop(handle.spawn(async move { drop(remote) }));
    drop(rt);
    assert_eq!(drops.load(Ordering::SeqCst), 3);
}
