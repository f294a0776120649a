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

/// Counts wake-ups, to see which waker a JoinHandle left in its task.
#[derive(Default)]
struct WakeCount(AtomicUsize);

impl std::task::Wake for WakeCount {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_join_handle_polled_with_a_new_waker_wakes_only_the_new_one() {
    let rt = Runtime::new();
    let (first, second) = (
        Arc::new(WakeCount::default()),
        Arc::new(WakeCount::default()),
    );
    let mut task = rt.block_on(async { spawn(std::future::pending::<u8>()) });
    let mut poll_with = |count: &Arc<WakeCount>| {
        let waker = Waker::from(count.clone());
        Pin::new(&mut task).poll(&mut Context::from_waker(&waker))
    };
    assert!(poll_with(&first).is_pending());
    assert!(poll_with(&second).is_pending());
    assert!(
        poll_with(&second).is_pending(),
        "the same waker again is kept"
    );
    task.cancel();
    rt.block_on(yield_now()); // the loop drops the cancelled future and wakes the joiner
    assert_eq!(
        first.0.load(Ordering::SeqCst),
        0,
        "a replaced waker was woken"
    );
    assert_eq!(second.0.load(Ordering::SeqCst), 1);
    let waker = Waker::from(second.clone());
    let joined = Pin::new(&mut task).poll(&mut Context::from_waker(&waker));
    assert!(matches!(joined, Poll::Ready(Err(e)) if e.is_cancelled()));
}

#[test]
fn a_join_handle_dropped_while_waiting_gives_back_its_waker() {
    let rt = Runtime::new();
    let count = Arc::new(WakeCount::default());
    let mut task = rt.block_on(async { spawn(async { yield_now().await }) });
    let waker = Waker::from(count.clone());
    assert!(Pin::new(&mut task)
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    drop(task);
    drop(waker);
    assert_eq!(
        Arc::strong_count(&count),
        1,
        "the handle's waker was dropped with it"
    );
    rt.block_on(yield_now());
    assert_eq!(
        count.0.load(Ordering::SeqCst),
        0,
        "a dropped handle is not woken"
    );
}

#[test]
fn a_join_handle_awaited_on_another_thread() {
    let rt = Runtime::new();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<Waker>();
    let task = rt.block_on(async move {
        let task = spawn(std::future::poll_fn(move |cx| {
            // Pending once, leaving the waker for the test; ready once the test hung up.
            match release_tx.send(cx.waker().clone()) {
                Ok(()) => Poll::Pending,
                Err(_) => Poll::Ready(7),
            }
        }));
        yield_now().await;
        task
    });
    let task_waker = release_rx.recv().unwrap();
    drop(release_rx);
    let joiner = std::thread::spawn(move || futures::executor::block_on(task));
    task_waker.wake();
    rt.block_on(async {
        // Keep the loop turning until the task has completed and the joiner got its output.
        while !joiner.is_finished() {
            yield_now().await;
        }
    });
    assert_eq!(joiner.join().unwrap().unwrap(), 7);
}

#[test]
fn a_task_waking_itself_in_every_way_during_one_poll_runs_once_more() {
    let rt = Runtime::new();
    let polls = Arc::new(AtomicUsize::new(0));
    rt.block_on({
        let polls = polls.clone();
        async move {
            let task = spawn(std::future::poll_fn(move |cx| {
                if polls.fetch_add(1, Ordering::SeqCst) == 0 {
                    cx.waker().wake_by_ref();
                    let by_value = cx.waker().clone(); // the by-value wake path
                    by_value.wake();
                    let from_thread = cx.waker().clone();
                    std::thread::spawn(move || from_thread.wake())
                        .join()
                        .unwrap();
                    Poll::Pending
                } else {
                    Poll::Ready(())
                }
            }));
            task.await.unwrap();
        }
    });
    assert_eq!(
        polls.load(Ordering::SeqCst),
        2,
        "three wakes in one poll: one more poll"
    );
}

#[test]
fn a_self_woken_task_waiting_in_the_queue_absorbs_other_wakes_and_cancel() {
    let rt = Runtime::new();
    let polls = Arc::new(AtomicUsize::new(0));
    let stash = Arc::new(Mutex::new(None::<Waker>));
    let outcome = rt.block_on({
        let (polls, stash) = (polls.clone(), stash.clone());
        async move {
            let stashed = stash.clone();
            let task = spawn(std::future::poll_fn(move |cx| {
                polls.fetch_add(1, Ordering::SeqCst);
                *stashed.lock().unwrap() = Some(cx.waker().clone());
                cx.waker().wake_by_ref(); // requeued, still marked RUNNING
                Poll::<()>::Pending
            }));
            yield_now().await; // the task ran once and is queued again behind us
            let waker = stash.lock().unwrap().take().unwrap();
            std::thread::spawn(move || waker.wake()).join().unwrap();
            task.cancel();
            task.await
        }
    });
    assert!(outcome.unwrap_err().is_cancelled());
    assert_eq!(
        polls.load(Ordering::SeqCst),
        1,
        "cancelled at its next turn, not polled"
    );
}

/// Panics when dropped.
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("an output's destructor panics");
    }
}

#[test]
fn a_handle_dropping_an_output_that_panics_still_frees_the_task() {
    let rt = Runtime::new();
    rt.block_on(async {
        let handle = spawn(async { PanicsOnDrop });
        yield_now().await;
        let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(handle)));
        assert!(dropped.is_err());
    });
    // Miri's leak check fails the test if the task's allocation was not freed.
}

#[test]
fn a_task_cancelling_itself_before_returning_drops_its_output_and_ends_cancelled() {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = Runtime::new();
    let own: Arc<Mutex<Option<crate::JoinHandle<DropCounter>>>> = Arc::default();
    let counter = DropCounter(drops.clone());
    let handle = rt.block_on({
        let own = own.clone();
        async move {
            let task = spawn({
                let own = own.clone();
                async move {
                    assert!(own.lock().unwrap().as_ref().unwrap().cancel());
                    counter
                }
            });
            *own.lock().unwrap() = Some(task);
            yield_now().await;
            own.lock().unwrap().take().unwrap()
        }
    });
    assert_eq!(drops.load(Ordering::SeqCst), 1, "the output was dropped");
    assert!(rt.block_on(handle).unwrap_err().is_cancelled());
}

#[test]
fn current_reads_the_polled_tasks_header() {
    let rt = Runtime::new();
    let (id, info) = rt.block_on(async {
        let task = crate::task::TaskBuilder::new()
            .name("me")
            .spawn(async { crate::task::current().unwrap() });
        (task.id(), task.await.unwrap())
    });
    assert_eq!((info.id(), info.name()), (id, Some("me")));
    drop(rt);
    assert_eq!(info.name(), Some("me"), "the name outlives the task");
}

#[test]
fn a_debug_mode_listing_reads_live_headers_and_the_parent_of_a_spawn() {
    let rt = Runtime::builder()
        .debug(true)
        .debug_sink(std::io::sink())
        .build();
    let (parent, child_parent, listed) = rt.block_on(async {
        let parent = spawn(async {
            // The parent is read from the polled task's header.
            let child = spawn(async { crate::task::current().unwrap().parent() });
            yield_now().await;
            child.await.unwrap()
        });
        yield_now().await;
        let listed = crate::Handle::current().tasks();
        let id = parent.id();
        (id, parent.await.unwrap(), listed)
    });
    assert_eq!(child_parent, Some(parent));
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|task| task.busy().is_some()));
    drop(rt);
}

/// Every byte of the header is allocated for every task and sits in cache while it lives:
/// this guards its size (debug mode's facts included) against growing unnoticed.
#[cfg(all(target_pointer_width = "64", not(feature = "tracing")))]
#[test]
fn the_header_stays_at_64_bytes() {
    assert_eq!(std::mem::size_of::<super::raw::Header>(), 64);
}
