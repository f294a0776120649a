//! Queue, LifoQueue, PriorityQueue: orders, bounded waits served FIFO, try forms, task_done
//! and join, shutdown, cancellation never loses or duplicates an item.

mod common;

use common::{on_each_executor, poll_once};
use corio_sync::{
    LifoQueue, PriorityQueue, PutError, Queue, QueueShutDown, TryGetError, TryPutError,
};
use std::rc::Rc;
use std::task::Poll;

#[test]
fn the_three_orders() {
    let fifo = Queue::new(0);
    let lifo = LifoQueue::new(0);
    let prio = PriorityQueue::new(0);
    for x in [3, 1, 2] {
        fifo.try_put(x).unwrap();
        lifo.try_put(x).unwrap();
        prio.try_put(x).unwrap();
    }
    let drain = |get: &dyn Fn() -> Result<i32, TryGetError>| {
        (0..3).map(|_| get().unwrap()).collect::<Vec<_>>()
    };
    assert_eq!(drain(&|| fifo.try_get()), [3, 1, 2]);
    assert_eq!(drain(&|| lifo.try_get()), [2, 1, 3]);
    assert_eq!(drain(&|| prio.try_get()), [1, 2, 3]);
}

#[test]
fn try_forms_report_full_and_empty() {
    let q = Queue::new(1);
    assert_eq!(q.try_get(), Err(TryGetError::Empty));
    q.try_put('a').unwrap();
    assert!(q.is_full());
    let err = q.try_put('b').unwrap_err();
    assert!(matches!(err, TryPutError::Full('b')));
    assert!(err.to_string().contains("full"), "{err}");
    assert!(TryGetError::Empty.to_string().contains("empty"));
    assert_eq!(q.len(), 1);
    assert!(!q.is_empty());
}

#[test]
fn producer_and_consumer_through_a_bounded_queue() {
    on_each_executor(|exec| async move {
        let q = Rc::new(Queue::new(2));
        let producer = {
            let q = q.clone();
            exec.spawn(async move {
                for i in 0..50 {
                    q.put(i).await.unwrap();
                    assert!(q.len() <= 2);
                }
            })
        };
        let mut got = Vec::new();
        for _ in 0..50 {
            got.push(q.get().await.unwrap());
        }
        producer.await;
        assert_eq!(got, (0..50).collect::<Vec<_>>());
    });
}

#[test]
fn blocked_putters_are_served_fifo_and_never_barged() {
    on_each_executor(|_exec| async move {
        let q = Queue::new(1);
        q.put(0).await.unwrap();
        let mut p1 = Box::pin(q.put(1));
        let mut p2 = Box::pin(q.put(2));
        assert!(poll_once(&mut p1).await.is_pending());
        assert!(poll_once(&mut p2).await.is_pending());
        assert_eq!(q.get().await, Ok(0));
        assert!(
            matches!(q.try_put(9), Err(TryPutError::Full(9))),
            "try_put barged into a freed slot"
        );
        assert_eq!(poll_once(&mut p1).await, Poll::Ready(Ok(())));
        assert!(poll_once(&mut p2).await.is_pending());
        assert_eq!(q.get().await, Ok(1));
        assert_eq!(poll_once(&mut p2).await, Poll::Ready(Ok(())));
        assert_eq!(q.get().await, Ok(2));
    });
}

#[test]
fn blocked_getters_are_served_fifo() {
    on_each_executor(|_exec| async move {
        let q = Queue::new(0);
        let mut g1 = Box::pin(q.get());
        let mut g2 = Box::pin(q.get());
        assert!(poll_once(&mut g1).await.is_pending());
        assert!(poll_once(&mut g2).await.is_pending());
        q.put('a').await.unwrap();
        assert_eq!(
            q.try_get(),
            Err(TryGetError::Empty),
            "try_get barged past a waiting getter"
        );
        assert!(
            poll_once(&mut g2).await.is_pending(),
            "the second getter jumped the queue"
        );
        q.put('b').await.unwrap();
        assert_eq!(poll_once(&mut g1).await, Poll::Ready(Ok('a')));
        assert_eq!(poll_once(&mut g2).await, Poll::Ready(Ok('b')));
    });
}

#[test]
fn cancelling_a_waiting_get_never_loses_an_item() {
    on_each_executor(|_exec| async move {
        let q = Queue::new(0);
        let mut g1 = Box::pin(q.get());
        let mut g2 = Box::pin(q.get());
        assert!(poll_once(&mut g1).await.is_pending());
        assert!(poll_once(&mut g2).await.is_pending());
        q.put(1).await.unwrap(); // reserved for g1
        drop(g1); // ... which is cancelled: g2 gets it
        assert_eq!(poll_once(&mut g2).await, Poll::Ready(Ok(1)));
        let mut g3 = Box::pin(q.get());
        assert!(poll_once(&mut g3).await.is_pending());
        q.put(2).await.unwrap();
        drop(g3); // no one else waits: the item stays in the queue
        assert_eq!(q.try_get(), Ok(2));
        assert!(q.is_empty());
    });
}

#[test]
fn cancelling_a_waiting_put_never_duplicates_or_loses_an_item() {
    on_each_executor(|_exec| async move {
        let q = Queue::new(1);
        q.put(0).await.unwrap();
        let mut p1 = Box::pin(q.put(1));
        let mut p2 = Box::pin(q.put(2));
        assert!(poll_once(&mut p1).await.is_pending());
        assert!(poll_once(&mut p2).await.is_pending());
        drop(p1); // cancelled while queued: 1 is never put
        assert_eq!(q.get().await, Ok(0)); // the freed slot is granted to p2
        drop(p2); // ... which is cancelled before it ran: 2 is never put either
        assert_eq!(q.try_get(), Err(TryGetError::Empty));
        q.try_put(3).unwrap(); // the slot is free again
        assert_eq!(q.try_get(), Ok(3));
    });
}

/// CPython's `test_put_cancel_drop`: a put that was granted a slot and then cancelled has
/// not inserted, so retrying it puts the item exactly once.
#[test]
fn a_cancelled_put_never_inserts_so_a_retry_does_not_duplicate() {
    on_each_executor(|_exec| async move {
        let q = Queue::new(1);
        q.try_put(1).unwrap();
        let mut writer = Box::pin(q.put(2));
        assert!(poll_once(&mut writer).await.is_pending());
        assert_eq!(q.try_get(), Ok(1)); // grants the slot to the writer...
        drop(writer); // ... which is cancelled before it ran
        assert!(q.is_empty(), "a cancelled put inserted its item");
        q.put(2).await.unwrap(); // the retry
        assert_eq!(q.try_get(), Ok(2));
        assert_eq!(q.len(), 0);
        assert_eq!(q.try_get(), Err(TryGetError::Empty));
    });
}

#[test]
fn a_granted_then_cancelled_slot_passes_to_the_next_putter() {
    on_each_executor(|_exec| async move {
        let q = Queue::new(1);
        q.try_put(0).unwrap();
        let mut p1 = Box::pin(q.put(1));
        let mut p2 = Box::pin(q.put(2));
        assert!(poll_once(&mut p1).await.is_pending());
        assert!(poll_once(&mut p2).await.is_pending());
        assert_eq!(q.try_get(), Ok(0)); // slot granted to p1
        assert!(
            matches!(q.try_put(9), Err(TryPutError::Full(9))),
            "try_put took a slot granted to a putter"
        );
        assert!(q.is_empty(), "p1 inserted before it ran");
        drop(p1);
        assert_eq!(poll_once(&mut p2).await, Poll::Ready(Ok(())));
        assert_eq!(q.try_get(), Ok(2));
    });
}

#[test]
fn a_granted_put_that_runs_after_a_shutdown_hands_its_item_back() {
    on_each_executor(|_exec| async move {
        let q = Queue::new(1);
        q.try_put(0).unwrap();
        let mut p = Box::pin(q.put(1));
        assert!(poll_once(&mut p).await.is_pending());
        assert_eq!(q.try_get(), Ok(0)); // slot granted to p
        q.shutdown(false);
        assert_eq!(poll_once(&mut p).await, Poll::Ready(Err(PutError(1))));
        assert_eq!(q.try_get(), Err(TryGetError::ShutDown));
    });
}

/// The race: two getters wait, an item is put (reserved for the first),
/// `shutdown(false)` runs, then the first getter is cancelled: the second still gets the
/// item, and `join()` finishes once it is marked done.
#[test]
fn shutdown_racing_a_cancelled_getter_still_drains_the_item() {
    on_each_executor(|_exec| async move {
        let q = Queue::new(0);
        let mut g1 = Box::pin(q.get());
        let mut g2 = Box::pin(q.get());
        assert!(poll_once(&mut g1).await.is_pending());
        assert!(poll_once(&mut g2).await.is_pending());
        q.try_put(7).unwrap(); // reserved for g1
        q.shutdown(false);
        assert!(
            poll_once(&mut g2).await.is_pending(),
            "g2 failed while an item was still queued"
        );
        drop(g1);
        assert_eq!(poll_once(&mut g2).await, Poll::Ready(Ok(7)));
        let mut join = Box::pin(q.join());
        assert!(poll_once(&mut join).await.is_pending());
        q.task_done().unwrap();
        assert!(poll_once(&mut join).await.is_ready());
        assert_eq!(q.get().await, Err(QueueShutDown));
    });
}

#[test]
fn shutdown_fails_the_waiting_getters_once_the_reserved_item_is_taken() {
    on_each_executor(|_exec| async move {
        let q = Queue::new(0);
        let mut g1 = Box::pin(q.get());
        let mut g2 = Box::pin(q.get());
        let mut g3 = Box::pin(q.get());
        assert!(poll_once(&mut g1).await.is_pending());
        assert!(poll_once(&mut g2).await.is_pending());
        assert!(poll_once(&mut g3).await.is_pending());
        q.try_put(7).unwrap(); // reserved for g1
        q.shutdown(false);
        assert_eq!(
            q.try_get(),
            Err(TryGetError::Empty),
            "an item is left, reserved for g1: not shut-down-and-drained yet"
        );
        assert!(poll_once(&mut g3).await.is_pending());
        assert_eq!(poll_once(&mut g1).await, Poll::Ready(Ok(7)));
        assert_eq!(poll_once(&mut g2).await, Poll::Ready(Err(QueueShutDown)));
        assert_eq!(poll_once(&mut g3).await, Poll::Ready(Err(QueueShutDown)));
    });
}

#[test]
fn join_waits_for_every_task_done() {
    on_each_executor(|exec| async move {
        let q = Rc::new(Queue::new(0));
        q.join().await; // nothing put yet
        for i in 0..3 {
            q.try_put(i).unwrap();
        }
        let mut join = Box::pin(q.join());
        assert!(poll_once(&mut join).await.is_pending());
        let worker = {
            let q = q.clone();
            exec.spawn(async move {
                for _ in 0..3 {
                    q.get().await.unwrap();
                    q.task_done().unwrap();
                }
            })
        };
        join.await;
        worker.await;
        let err = q.task_done().unwrap_err();
        assert!(err.to_string().contains("more times"), "{err}");
    });
}

#[test]
fn shutdown_fails_puts_and_drains_gets() {
    on_each_executor(|_exec| async move {
        let q = Queue::new(1);
        q.put(1).await.unwrap();
        let mut blocked_put = Box::pin(q.put(2));
        assert!(poll_once(&mut blocked_put).await.is_pending());
        q.shutdown(false);
        let Poll::Ready(Err(PutError(item))) = poll_once(&mut blocked_put).await else {
            panic!("put not failed")
        };
        assert_eq!(item, 2, "the refused item is handed back");
        assert!(matches!(q.try_put(3), Err(TryPutError::ShutDown(3))));
        assert!(q
            .put(4)
            .await
            .unwrap_err()
            .to_string()
            .contains("shut-down"));
        assert_eq!(q.get().await, Ok(1), "items left are still drained");
        assert_eq!(q.get().await, Err(QueueShutDown));
        assert_eq!(q.try_get(), Err(TryGetError::ShutDown));
    });
}

#[test]
fn shutdown_wakes_waiting_getters_with_an_error() {
    on_each_executor(|_exec| async move {
        let q = Queue::<u8>::new(0);
        let mut g = Box::pin(q.get());
        assert!(poll_once(&mut g).await.is_pending());
        q.shutdown(false);
        assert_eq!(poll_once(&mut g).await, Poll::Ready(Err(QueueShutDown)));
    });
}

#[test]
fn immediate_shutdown_drops_items_and_marks_them_done() {
    on_each_executor(|_exec| async move {
        let q = Queue::new(0);
        q.try_put(1).unwrap();
        q.try_put(2).unwrap();
        let mut join = Box::pin(q.join());
        assert!(poll_once(&mut join).await.is_pending());
        q.shutdown(true);
        assert!(q.is_empty());
        assert_eq!(q.get().await, Err(QueueShutDown));
        assert!(
            poll_once(&mut join).await.is_ready(),
            "join must finish: the dropped items count as done"
        );
    });
}

#[test]
fn a_get_cancelled_by_timeout_leaves_the_queue_intact_paused_clock() {
    use corio_executor::time::{sleep, timeout, Instant};
    use std::time::Duration;
    let runtime = corio_executor::Runtime::builder()
        .start_paused(true)
        .build();
    runtime.block_on(async {
        let q = Rc::new(Queue::new(1));
        let start = Instant::now();
        assert!(timeout(Duration::from_millis(50), q.get()).await.is_err());
        assert_eq!(start.elapsed(), Duration::from_millis(50));
        let producer = {
            let q = q.clone();
            corio_executor::spawn_local(async move {
                sleep(Duration::from_millis(10)).await;
                q.put(1).await.unwrap();
                q.put(2).await.unwrap(); // waits: the queue holds one
            })
        };
        assert_eq!(q.get().await, Ok(1));
        assert_eq!(start.elapsed(), Duration::from_millis(60));
        assert_eq!(q.get().await, Ok(2));
        producer.await.unwrap();
    });
}

/// A joiner's waker that calls back into the queue from `wake()`, as a waker that runs its
/// task inline does: `task_done()` and `shutdown()` wake joiners only once they have released
/// the queue's lock, so the call goes through instead of deadlocking on that lock.
#[test]
fn a_joiners_waker_may_call_into_the_queue() {
    use std::future::Future;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Wake, Waker};

    /// On `wake()`, reads the queue's length (taking its lock) and records it, plus one.
    struct CallsIn {
        queue: Arc<Queue<u32>>,
        len_seen: AtomicUsize,
    }
    impl Wake for CallsIn {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.len_seen.store(self.queue.len() + 1, Ordering::SeqCst);
        }
    }

    common::watchdog(|| {
        let queue = Arc::new(Queue::new(0));
        let calls_in = Arc::new(CallsIn {
            queue: queue.clone(),
            len_seen: AtomicUsize::new(0),
        });
        let waker = Waker::from(calls_in.clone());
        let mut cx = Context::from_waker(&waker);

        // Woken by the last task_done().
        queue.try_put(1).unwrap();
        queue.try_put(2).unwrap();
        assert_eq!(queue.try_get(), Ok(1));
        let mut join = Box::pin(queue.join());
        assert!(join.as_mut().poll(&mut cx).is_pending());
        queue.task_done().unwrap();
        assert_eq!(
            calls_in.len_seen.load(Ordering::SeqCst),
            0,
            "woken too early"
        );
        assert_eq!(queue.try_get(), Ok(2));
        queue.task_done().unwrap();
        assert_eq!(
            calls_in.len_seen.load(Ordering::SeqCst),
            1,
            "the joiner was not woken"
        );
        assert!(join.as_mut().poll(&mut cx).is_ready());

        // Woken by an immediate shutdown, which marks the dropped items done.
        calls_in.len_seen.store(0, Ordering::SeqCst);
        queue.try_put(3).unwrap();
        let mut join = Box::pin(queue.join());
        assert!(join.as_mut().poll(&mut cx).is_pending());
        queue.shutdown(true);
        assert_eq!(
            calls_in.len_seen.load(Ordering::SeqCst),
            1,
            "the joiner was not woken"
        );
        assert!(join.as_mut().poll(&mut cx).is_ready());
    });
}
