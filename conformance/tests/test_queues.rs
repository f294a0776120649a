//! CPython's `Lib/test/test_asyncio/test_queues.py`, ported to corio_sync's `Queue`,
//! `LifoQueue` and `PriorityQueue`.
//!
//! `put_nowait`/`get_nowait` are `try_put`/`try_get`; `QueueFull`/`QueueEmpty` are
//! `TryPutError::Full`/`TryGetError::Empty`; `QueueShutDown` is `QueueShutDown`,
//! `PutError` or `TryPutError::ShutDown`/`TryGetError::ShutDown`. `maxsize=0` is unbounded
//! in both. `loop.call_later(d, f)` is a task that sleeps `d` then calls `f`. The join and
//! shutdown mixins run once per queue kind, in modules named after the Python class.
//! Shutdown follows asyncio 3.13's released rules where the stored test text predates
//! them: after `shutdown(immediate=True)`, `join()` is unblocked (it does not raise) and a
//! surplus `task_done()` is an error; a getter waiting on an empty queue that is shut down
//! gets `QueueShutDown`.
//!
// Not applicable:
// - QueueBasicTests.test_repr: repr strings are Python's
// - QueueBasicTests.test_str: str() strings are Python's
// - QueueBasicTests.test_generic_alias: Python's typing (Queue[int])
// - QueueGetTests.test_get_with_putters: appends a future to the private q._putters
// - QueuePutTests.test_float_maxsize: a float maxsize; maxsize is a usize
// - QueueJoinTests.test_format: the private q._format() string
// - LifoQueueJoinTests.test_format: the private q._format() string
// - PriorityQueueJoinTests.test_format: the private q._format() string
// - QueueShutdownTests.test_shutdown_repr: repr strings are Python's
// - LifoQueueShutdownTests.test_shutdown_repr: repr strings are Python's
// - PriorityQueueShutdownTests.test_shutdown_repr: repr strings are Python's
// - QueueShutdownTests.test_shutdown_allowed_transitions: the private q._shutdown_state
// - LifoQueueShutdownTests.test_shutdown_allowed_transitions: the private q._shutdown_state
// - PriorityQueueShutdownTests.test_shutdown_allowed_transitions: the private q._shutdown_state
// - QueueShutdownTests.test_shutdown_put_join: sets the private q._finished and needs an except block to run in a cancelled task
// - LifoQueueShutdownTests.test_shutdown_put_join: sets the private q._finished and needs an except block to run in a cancelled task
// - PriorityQueueShutdownTests.test_shutdown_put_join: sets the private q._finished and needs an except block to run in a cancelled task
//
// Deliberate differences:
//
// Needs API:

use corio_conformance::{leak, run_paused, sleep_s, Log, Shared};
use corio_executor::time::timeout;
use corio_executor::{spawn, yield_now};
use corio_sync::{Event, LifoQueue, PriorityQueue, Queue, TryGetError, TryPutError};
use corio_taskgroup::TaskGroup;
use std::time::Duration;

// ---------------------------------------------------------------- QueueBasicTests

#[test]
fn queue_basic_test_empty() {
    run_paused(|| async {
        let q = Queue::new(0);
        assert!(q.is_empty());
        q.put(1).await.unwrap();
        assert!(!q.is_empty());
        assert_eq!(q.get().await, Ok(1));
        assert!(q.is_empty());
    });
}

#[test]
fn queue_basic_test_full() {
    run_paused(|| async {
        let q = Queue::<i32>::new(0);
        assert!(!q.is_full());

        let q = Queue::new(1);
        q.put(1).await.unwrap();
        assert!(q.is_full());
    });
}

#[test]
fn queue_basic_test_order() {
    run_paused(|| async {
        let q = Queue::new(0);
        for i in [1, 3, 2] {
            q.put(i).await.unwrap();
        }
        let mut items = Vec::new();
        for _ in 0..3 {
            items.push(q.get().await.unwrap());
        }
        assert_eq!(items, [1, 3, 2]);
    });
}

#[test]
fn queue_basic_test_maxsize() {
    run_paused(|| async {
        let q = leak(Queue::new(2));
        assert_eq!(q.maxsize(), 2);
        let have_been_put = Log::new();

        let t = spawn({
            let have_been_put = have_been_put.clone();
            async move {
                for i in 0..3 {
                    q.put(i).await.unwrap();
                    have_been_put.push(i);
                }
                true
            }
        });
        for _ in 0..2 {
            yield_now().await;
        }

        // The putter is blocked after putting two items.
        assert_eq!(have_been_put.get(), [0, 1]);
        assert_eq!(q.get().await, Ok(0));

        // Let the putter resume and put the last item.
        yield_now().await;
        assert_eq!(have_been_put.get(), [0, 1, 2]);
        assert_eq!(q.get().await, Ok(1));
        assert_eq!(q.get().await, Ok(2));

        assert!(t.is_finished());
        assert!(t.await.unwrap());
    });
}

// ---------------------------------------------------------------- QueueGetTests

#[test]
fn queue_get_test_blocking_get() {
    run_paused(|| async {
        let q = Queue::new(0);
        q.try_put(1).unwrap();
        assert_eq!(q.get().await, Ok(1));
    });
}

#[test]
fn queue_get_test_blocking_get_wait() {
    run_paused(|| async {
        let q = leak(Queue::new(0));
        let started = leak(Event::new());
        let finished = Shared::new(false);

        let queue_get_task = spawn({
            let finished = finished.clone();
            async move {
                started.set();
                let res = q.get().await;
                finished.set(true);
                res
            }
        });
        started.wait().await;
        assert!(!finished.get());
        // loop.call_later(0.01, q.put_nowait, 1)
        spawn(async move {
            sleep_s(0.01).await;
            q.try_put(1).unwrap();
        });
        let res = queue_get_task.await.unwrap();
        assert!(finished.get());
        assert_eq!(res, Ok(1));
    });
}

#[test]
fn queue_get_test_nonblocking_get() {
    let q = Queue::new(0);
    q.try_put(1).unwrap();
    assert_eq!(q.try_get(), Ok(1));
}

#[test]
fn queue_get_test_nonblocking_get_exception() {
    let q = Queue::<i32>::new(0);
    assert_eq!(q.try_get(), Err(TryGetError::Empty));
}

#[test]
fn queue_get_test_get_cancelled_race() {
    run_paused(|| async {
        let q = leak(Queue::new(0));

        let t1 = spawn(q.get());
        let t2 = spawn(q.get());

        yield_now().await;
        t1.cancel();
        yield_now().await;
        assert!(t1.is_finished());
        q.put("a").await.unwrap();
        yield_now().await;
        assert_eq!(t2.await.unwrap(), Ok("a"));
    });
}

#[test]
fn queue_get_test_get_with_waiting_putters() {
    run_paused(|| async {
        let q = leak(Queue::new(1));
        spawn(q.put("a"));
        spawn(q.put("b"));
        assert_eq!(q.get().await, Ok("a"));
        assert_eq!(q.get().await, Ok("b"));
    });
}

#[test]
fn queue_get_test_why_are_getters_waiting() {
    run_paused(|| async {
        let q = leak(Queue::new(1));
        let producer_num_items = 5;
        TaskGroup::<()>::scope(|tg| async move {
            tg.spawn(async move {
                for i in 0..producer_num_items {
                    q.put(i).await.unwrap();
                }
                Ok(())
            })
            .unwrap();
            tg.spawn(async move {
                for _ in 0..producer_num_items {
                    q.get().await.unwrap();
                }
                Ok(())
            })
            .unwrap();
            Ok(())
        })
        .await
        .unwrap();
    });
}

#[test]
fn queue_get_test_cancelled_getters_not_being_held_in_self_getters() {
    run_paused(|| async {
        let queue = Queue::new(5);
        assert!(timeout(Duration::from_secs_f64(0.1), queue.get())
            .await
            .is_err());
        // No getter is left behind: an item put now stays in the queue for us.
        queue.try_put(1).unwrap();
        assert_eq!(queue.try_get(), Ok(1));
    });
}

// ---------------------------------------------------------------- QueuePutTests

#[test]
fn queue_put_test_blocking_put() {
    run_paused(|| async {
        let q = Queue::new(0);
        // No maxsize, won't block.
        q.put(1).await.unwrap();
        assert_eq!(q.get().await, Ok(1));
    });
}

#[test]
fn queue_put_test_blocking_put_wait() {
    run_paused(|| async {
        let q = leak(Queue::new(1));
        let started = leak(Event::new());
        let finished = Shared::new(false);

        // loop.call_later(0.01, q.get_nowait)
        spawn(async move {
            sleep_s(0.01).await;
            q.try_get().unwrap();
        });
        let queue_put_task = spawn({
            let finished = finished.clone();
            async move {
                started.set();
                q.put(1).await.unwrap();
                q.put(2).await.unwrap();
                finished.set(true);
            }
        });
        started.wait().await;
        assert!(!finished.get());
        queue_put_task.await.unwrap();
        assert!(finished.get());
    });
}

#[test]
fn queue_put_test_nonblocking_put() {
    let q = Queue::new(0);
    q.try_put(1).unwrap();
    assert_eq!(q.try_get(), Ok(1));
}

#[test]
fn queue_put_test_get_cancel_drop_one_pending_reader() {
    run_paused(|| async {
        let q = leak(Queue::new(0));

        let mut reader = spawn(q.get());

        yield_now().await;

        q.try_put(1).unwrap();
        q.try_put(2).unwrap();
        reader.cancel();

        let result = match reader.await {
            Ok(got) => got,
            Err(_) => {
                // try again
                reader = spawn(q.get());
                reader.await.unwrap()
            }
        };
        // If we get 2, 1 was dropped.
        assert_eq!(result, Ok(1));
    });
}

#[test]
fn queue_put_test_get_cancel_drop_many_pending_readers() {
    run_paused(|| async {
        let q = leak(Queue::new(0));
        let (r2, r3) = TaskGroup::<()>::scope(|tg| async move {
            let reader1 = tg.spawn(async move { Ok(q.get().await.unwrap()) }).unwrap();
            let reader2 = tg.spawn(async move { Ok(q.get().await.unwrap()) }).unwrap();
            let reader3 = tg.spawn(async move { Ok(q.get().await.unwrap()) }).unwrap();

            yield_now().await;

            q.try_put(1).unwrap();
            q.try_put(2).unwrap();
            reader1.cancel();

            assert_eq!(reader1.await, Err(corio_taskgroup::ChildError::Cancelled));

            let r3 = reader3.await.unwrap();
            Ok((reader2, r3))
        })
        .await
        .unwrap();

        // It is undefined in which order concurrent readers receive results.
        let mut got = [r2.result().unwrap(), r3];
        got.sort();
        assert_eq!(got, [1, 2]);
    });
}

#[test]
fn queue_put_test_put_cancel_drop() {
    run_paused(|| async {
        let q = leak(Queue::new(1));

        q.try_put(1).unwrap();

        // Putting a second item has to block (qsize=1).
        let mut writer = spawn(q.put(2));
        yield_now().await;

        let value1 = q.try_get().unwrap();
        assert_eq!(value1, 1);

        writer.cancel();
        if writer.await.is_err() {
            // try again
            writer = spawn(q.put(2));
            writer.await.unwrap().unwrap();
        }

        let value2 = q.try_get().unwrap();
        assert_eq!(value2, 2);
        assert_eq!(q.len(), 0);
    });
}

#[test]
fn queue_put_test_nonblocking_put_exception() {
    let q = Queue::new(1);
    q.try_put(1).unwrap();
    assert!(matches!(q.try_put(2), Err(TryPutError::Full(2))));
}

#[test]
fn queue_put_test_put_cancelled() {
    run_paused(|| async {
        let q = leak(Queue::new(0));
        let t = spawn(async move {
            q.put(1).await.unwrap();
            true
        });
        assert_eq!(q.get().await, Ok(1));
        assert!(t.is_finished());
        assert!(t.await.unwrap());
    });
}

#[test]
fn queue_put_test_put_cancelled_race() {
    run_paused(|| async {
        let q = leak(Queue::new(1));

        let put_a = spawn(q.put("a"));
        let put_b = spawn(q.put("b"));
        let put_c = spawn(q.put("X"));

        yield_now().await;
        assert!(put_a.is_finished());
        assert!(!put_b.is_finished());

        put_c.cancel();
        yield_now().await;
        assert!(put_c.is_finished());
        assert_eq!(q.try_get(), Ok("a"));
        yield_now().await;
        assert_eq!(q.try_get(), Ok("b"));

        put_b.await.unwrap().unwrap();
    });
}

#[test]
fn queue_put_test_put_with_waiting_getters() {
    run_paused(|| async {
        let q = leak(Queue::new(0));
        let t = spawn(q.get());
        yield_now().await;
        q.put("a").await.unwrap();
        assert_eq!(t.await.unwrap(), Ok("a"));
    });
}

#[test]
fn queue_put_test_why_are_putters_waiting() {
    run_paused(|| async {
        let queue = leak(Queue::new(2));
        TaskGroup::<()>::scope(|tg| async move {
            tg.spawn(async move {
                yield_now().await;
                let num = queue.len();
                for _ in 0..num {
                    queue.try_get().unwrap();
                }
                Ok(())
            })
            .unwrap();
            for item in 0..4 {
                tg.spawn(async move {
                    queue.put(item).await.unwrap();
                    Ok(())
                })
                .unwrap();
            }
            Ok(())
        })
        .await
        .unwrap();
    });
}

#[test]
fn queue_put_test_cancelled_puts_not_being_held_in_self_putters() {
    run_paused(|| async {
        // Full queue.
        let queue = leak(Queue::new(1));
        queue.try_put(1).unwrap();

        // A task waiting for space to put an item.
        let put_task = spawn(queue.put(1));
        yield_now().await;

        put_task.cancel();
        assert!(put_task.await.unwrap_err().is_cancelled());
        // The cancelled putter is gone: one get empties the queue and nothing moves in.
        assert_eq!(queue.try_get(), Ok(1));
        yield_now().await;
        assert!(queue.is_empty());
    });
}

#[test]
fn queue_put_test_cancelled_put_silence_value_error_exception() {
    run_paused(|| async {
        // Full queue.
        let queue = leak(Queue::new(1));
        queue.try_put(1).unwrap();

        // A task waiting for space to put an item.
        let put_task = spawn(queue.put(1));
        yield_now().await;

        queue.try_get().unwrap();
        put_task.cancel();

        assert!(put_task.await.unwrap_err().is_cancelled());
    });
}

// ---------------------------------------------------------------- LifoQueueTests, PriorityQueueTests

#[test]
fn lifo_queue_test_order() {
    run_paused(|| async {
        let q = LifoQueue::new(0);
        for i in [1, 3, 2] {
            q.put(i).await.unwrap();
        }
        let mut items = Vec::new();
        for _ in 0..3 {
            items.push(q.get().await.unwrap());
        }
        assert_eq!(items, [2, 3, 1]);
    });
}

#[test]
fn priority_queue_test_order() {
    run_paused(|| async {
        let q = PriorityQueue::new(0);
        for i in [1, 3, 2] {
            q.put(i).await.unwrap();
        }
        let mut items = Vec::new();
        for _ in 0..3 {
            items.push(q.get().await.unwrap());
        }
        assert_eq!(items, [1, 2, 3]);
    });
}

// ---------------------------------------------------------------- the join and shutdown mixins

/// `_QueueJoinTestMixin` and `_QueueShutdownTestMixin`, once per queue kind.
macro_rules! queue_mixins {
    ($join:ident, $shutdown:ident, $queue:ident) => {
        mod $join {
            use super::*;

            #[test]
            fn test_task_done_underflow() {
                let q = $queue::<i32>::new(0);
                assert!(q.task_done().is_err());
            }

            #[test]
            fn test_task_done() {
                run_paused(|| async {
                    let q = leak($queue::new(0));
                    for i in 0..100 {
                        q.try_put(i).unwrap();
                    }
                    let accumulator = Shared::new(0);
                    let running = Shared::new(true);

                    let acc = accumulator.clone();
                    TaskGroup::<()>::scope(|tg| async move {
                        let workers = 2;
                        for _ in 0..workers {
                            let (accumulator, running) = (acc.clone(), running.clone());
                            tg.spawn(async move {
                                while running.get() {
                                    let item = q.get().await.unwrap();
                                    accumulator.update(|a| *a += item);
                                    q.task_done().unwrap();
                                }
                                Ok(())
                            })
                            .unwrap();
                        }

                        q.join().await;
                        assert_eq!(acc.get(), (0..100).sum::<i32>());

                        // close running workers
                        running.set(false);
                        for _ in 0..workers {
                            q.try_put(0).unwrap();
                        }
                        Ok(())
                    })
                    .await
                    .unwrap();
                    assert_eq!(accumulator.get(), (0..100).sum::<i32>());
                });
            }

            #[test]
            fn test_join_empty_queue() {
                run_paused(|| async {
                    let q = $queue::<i32>::new(0);
                    // join() returns at once, and again (done twice for insurance).
                    q.join().await;
                    q.join().await;
                });
            }
        }

        mod $shutdown {
            use super::*;
            use corio_sync::QueueShutDown;

            const DELAY: f64 = 0.001;

            type Q = &'static $queue<&'static str>;

            async fn get(
                q: Q,
                go: &Event,
                results: Log<bool>,
                shutdown: bool,
            ) -> Option<&'static str> {
                go.wait().await;
                match q.get().await {
                    Ok(msg) => {
                        results.push(!shutdown);
                        Some(msg)
                    }
                    Err(QueueShutDown) => {
                        results.push(shutdown);
                        None
                    }
                }
            }

            async fn get_nowait(
                q: Q,
                go: &Event,
                results: Log<bool>,
                shutdown: bool,
            ) -> Option<&'static str> {
                go.wait().await;
                match q.try_get() {
                    Ok(msg) => {
                        results.push(!shutdown);
                        Some(msg)
                    }
                    Err(TryGetError::ShutDown) => {
                        results.push(shutdown);
                        None
                    }
                    Err(TryGetError::Empty) => panic!("QueueEmpty raised by get_nowait"),
                }
            }

            async fn get_task_done(q: Q, go: &Event, results: Log<bool>) -> Option<&'static str> {
                go.wait().await;
                match q.get().await {
                    Ok(msg) => {
                        q.task_done().unwrap();
                        results.push(true);
                        Some(msg)
                    }
                    Err(QueueShutDown) => {
                        results.push(false);
                        None
                    }
                }
            }

            async fn put(
                q: Q,
                go: &Event,
                msg: &'static str,
                results: Log<bool>,
                shutdown: bool,
            ) -> bool {
                go.wait().await;
                match q.put(msg).await {
                    Ok(()) => {
                        results.push(!shutdown);
                        !shutdown
                    }
                    Err(_) => {
                        results.push(shutdown);
                        shutdown
                    }
                }
            }

            async fn put_nowait(
                q: Q,
                go: &Event,
                msg: &'static str,
                results: Log<bool>,
                shutdown: bool,
            ) -> bool {
                go.wait().await;
                match q.try_put(msg) {
                    Ok(()) => {
                        results.push(false);
                        !shutdown
                    }
                    Err(TryPutError::ShutDown(_)) => {
                        results.push(true);
                        shutdown
                    }
                    Err(TryPutError::Full(_)) => panic!("QueueFull raised by put_nowait"),
                }
            }

            async fn shutdown_then_go(q: Q, go: &Event, immediate: bool) {
                q.shutdown(immediate);
                sleep_s(DELAY).await;
                go.set();
                sleep_s(DELAY).await;
            }

            async fn join(q: Q, results: Log<bool>, shutdown: bool) -> bool {
                // corio's join() has no error: a shut-down queue unblocks it.
                q.join().await;
                results.push(!shutdown);
                true
            }

            #[test]
            fn test_shutdown_empty() {
                run_paused(|| async {
                    let q = $queue::new(0);
                    q.shutdown(false);
                    assert!(
                        q.put("data").await.is_err(),
                        "didn't appear to shut down the queue"
                    );
                    assert_eq!(q.get().await, Err(QueueShutDown));
                });
            }

            #[test]
            fn test_shutdown_nonempty() {
                run_paused(|| async {
                    let q = $queue::new(0);
                    q.try_put("data").unwrap();
                    q.shutdown(false);
                    q.get().await.unwrap();
                    assert_eq!(q.get().await, Err(QueueShutDown));
                });
            }

            #[test]
            fn test_shutdown_immediate() {
                run_paused(|| async {
                    let q = $queue::new(0);
                    q.try_put("data").unwrap();
                    q.shutdown(true);
                    assert_eq!(q.get().await, Err(QueueShutDown));
                });
            }

            async fn shutdown_all_methods_in_one_task(immediate: bool) {
                let q = $queue::new(0);
                q.put("L").await.unwrap();
                q.try_put("O").unwrap();
                q.shutdown(immediate);
                assert!(q.put("E").await.is_err());
                assert!(matches!(q.try_put("W"), Err(TryPutError::ShutDown("W"))));

                if immediate {
                    assert_eq!(q.get().await, Err(QueueShutDown));
                    assert_eq!(q.try_get(), Err(TryGetError::ShutDown));
                    // Both items were dropped and counted done: one more is too many.
                    assert!(q.task_done().is_err());
                    q.join().await;
                } else {
                    assert!("LO".contains(q.get().await.unwrap()));
                    q.task_done().unwrap();
                    assert!("LO".contains(q.try_get().unwrap()));
                    q.task_done().unwrap();
                    q.join().await;
                    // Shut down and empty: get raises.
                    assert_eq!(q.get().await, Err(QueueShutDown));
                    assert_eq!(q.try_get(), Err(TryGetError::ShutDown));
                }
            }

            #[test]
            fn test_shutdown_all_methods_in_one_task() {
                run_paused(|| shutdown_all_methods_in_one_task(false));
            }

            #[test]
            fn test_shutdown_immediate_all_methods_in_one_task() {
                run_paused(|| shutdown_all_methods_in_one_task(true));
            }

            async fn shutdown_putters(immediate: bool) {
                let q: Q = leak($queue::new(2));
                q.put("E").await.unwrap();
                q.put("W").await.unwrap();
                // queue full
                let t = spawn(q.put("Y"));
                sleep_s(DELAY).await;
                q.shutdown(immediate);
                assert!(
                    t.await.unwrap().is_err(),
                    "the waiting put gets QueueShutDown"
                );
            }

            #[test]
            fn test_shutdown_putters_deque() {
                run_paused(|| shutdown_putters(false));
            }

            #[test]
            fn test_shutdown_immediate_putters_deque() {
                run_paused(|| shutdown_putters(true));
            }

            async fn shutdown_getters(immediate: bool) {
                let q: Q = leak($queue::new(1));
                q.put("Y").await.unwrap();
                // queue full

                spawn(q.get());
                sleep_s(DELAY).await;
                let t = spawn(q.get());
                sleep_s(DELAY).await;
                if immediate {
                    q.shutdown(immediate);
                    assert_eq!(t.await.unwrap(), Err(QueueShutDown));
                } else {
                    // The stored test text expects `t` to stay pending; asyncio 3.13 as
                    // released unblocks getters of an empty shut-down queue with
                    // QueueShutDown (gh-117531), and so does corio.
                    q.shutdown(immediate);
                    sleep_s(DELAY).await;
                    assert_eq!(t.await.unwrap(), Err(QueueShutDown));
                }
            }

            #[test]
            fn test_shutdown_getters_deque() {
                run_paused(|| shutdown_getters(false));
            }

            #[test]
            fn test_shutdown_immediate_getters_deque() {
                run_paused(|| shutdown_getters(true));
            }

            async fn shutdown_get(immediate: bool) {
                let q: Q = leak($queue::new(2));
                let results = Log::new();
                let go = leak(Event::new());
                q.put("Y").await.unwrap();
                q.put("D").await.unwrap();
                // queue full

                let mut t = Vec::new();
                if immediate {
                    t.push(spawn(get(q, go, results.clone(), true)));
                    t.push(spawn(get_nowait(q, go, results.clone(), true)));
                } else {
                    // One of these tasks should get QueueShutDown.
                    t.push(spawn(get(q, go, results.clone(), false)));
                    t.push(spawn(get_nowait(q, go, results.clone(), false)));
                    t.push(spawn(get_nowait(q, go, results.clone(), false)));
                }
                let n = t.len();
                let s = spawn(shutdown_then_go(q, go, immediate));
                for task in t {
                    task.await.unwrap();
                }
                s.await.unwrap();
                let mut got = results.get();
                if immediate {
                    assert_eq!(got, vec![true; n]);
                } else {
                    got.sort();
                    assert_eq!(got, [false, true, true]);
                }
            }

            #[test]
            fn test_shutdown_get() {
                run_paused(|| shutdown_get(false));
            }

            #[test]
            fn test_shutdown_immediate_get() {
                run_paused(|| shutdown_get(true));
            }

            #[test]
            fn test_shutdown_get_task_done_join() {
                run_paused(|| async {
                    let q: Q = leak($queue::new(2));
                    let results = Log::new();
                    let go = leak(Event::new());
                    q.put("Y").await.unwrap();
                    q.put("D").await.unwrap();

                    let t0 = spawn(get_task_done(q, go, results.clone()));
                    let t1 = spawn(get_task_done(q, go, results.clone()));
                    let t2 = spawn(join(q, results.clone(), false));
                    let t3 = spawn(join(q, results.clone(), false));
                    let s = spawn(shutdown_then_go(q, go, false));
                    let r0 = t0.await.unwrap().unwrap();
                    let r1 = t1.await.unwrap().unwrap();
                    t2.await.unwrap();
                    t3.await.unwrap();
                    s.await.unwrap();

                    assert_eq!(results.get(), vec![true; 4]);
                    assert!("YD".contains(r0));
                    assert!("YD".contains(r1));
                    assert_ne!(r0, r1);
                    // Every item was marked done.
                    assert!(q.task_done().is_err());
                });
            }

            async fn shutdown_put(immediate: bool) {
                let q: Q = leak($queue::new(0));
                let results = Log::new();
                let go = leak(Event::new());

                let t0 = spawn(put(q, go, "Y", results.clone(), true));
                let t1 = spawn(put_nowait(q, go, "D", results.clone(), true));
                let s = spawn(shutdown_then_go(q, go, immediate));
                t0.await.unwrap();
                t1.await.unwrap();
                s.await.unwrap();

                assert_eq!(results.get(), [true, true]);
            }

            #[test]
            fn test_shutdown_put() {
                run_paused(|| shutdown_put(false));
            }

            #[test]
            fn test_shutdown_immediate_put() {
                run_paused(|| shutdown_put(true));
            }

            #[test]
            fn test_shutdown_immediate_put_and_join() {
                run_paused(|| async {
                    let q: Q = leak($queue::new(2));
                    let results = Log::new();
                    let go = leak(Event::new());
                    q.put("Y").await.unwrap();
                    q.put("D").await.unwrap();
                    // queue full

                    let t0 = spawn(put(q, go, "E", results.clone(), true));
                    let t1 = spawn(put_nowait(q, go, "W", results.clone(), true));
                    // An immediate shutdown drops both items and unblocks join().
                    let t2 = spawn(join(q, results.clone(), false));
                    let s = spawn(shutdown_then_go(q, go, true));
                    t0.await.unwrap();
                    t1.await.unwrap();
                    t2.await.unwrap();
                    s.await.unwrap();

                    assert_eq!(results.get(), [true, true, true]);
                });
            }
        }
    };
}

queue_mixins!(queue_join_tests, queue_shutdown_tests, Queue);
queue_mixins!(lifo_queue_join_tests, lifo_queue_shutdown_tests, LifoQueue);
queue_mixins!(
    priority_queue_join_tests,
    priority_queue_shutdown_tests,
    PriorityQueue
);
