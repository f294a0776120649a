//! Mutex and Lock: FIFO, no barging, cancellation never loses the lock.

mod common;

use common::{on_each_executor, poll_once};
use corio_sync::{Lock, Mutex};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;

#[test]
fn waiters_get_the_lock_in_the_order_they_queued() {
    on_each_executor(|exec| async move {
        let mutex = Arc::new(Mutex::new(Vec::new()));
        let guard = mutex.lock().await;
        let mut tasks = Vec::new();
        for id in 0..5 {
            let mutex = mutex.clone();
            let exec2 = exec.clone();
            tasks.push(exec.spawn(async move {
                let mut data = mutex.lock().await;
                data.push(id);
                exec2.settle().await; // hold across yields: the others must keep waiting
            }));
            exec.settle().await;
        }
        assert!(guard.is_empty());
        drop(guard);
        for task in tasks {
            task.await;
        }
        assert_eq!(*mutex.lock().await, [0, 1, 2, 3, 4]);
    });
}

#[test]
fn a_new_lock_call_queues_behind_a_waiter_even_when_unlocked() {
    on_each_executor(|_exec| async move {
        let mutex = Mutex::new(0);
        let guard = mutex.lock().await;
        let mut first = Box::pin(mutex.lock());
        assert!(poll_once(&mut first).await.is_pending());
        drop(guard); // the lock goes to `first`, not to whoever asks next
        assert!(
            mutex.try_lock().is_err(),
            "try_lock barged past a queued waiter"
        );
        let mut second = Box::pin(mutex.lock());
        assert!(poll_once(&mut second).await.is_pending());
        let Poll::Ready(mut g) = poll_once(&mut first).await else {
            panic!("first waiter not granted")
        };
        *g = 1;
        drop(g);
        let Poll::Ready(g) = poll_once(&mut second).await else {
            panic!("second waiter not granted")
        };
        assert_eq!(*g, 1);
    });
}

#[test]
fn a_dropped_waiter_leaves_the_queue() {
    on_each_executor(|_exec| async move {
        let mutex = Mutex::new(());
        let guard = mutex.lock().await;
        let mut a = Box::pin(mutex.lock());
        let mut b = Box::pin(mutex.lock());
        assert!(poll_once(&mut a).await.is_pending());
        assert!(poll_once(&mut b).await.is_pending());
        drop(a);
        drop(guard);
        assert!(
            poll_once(&mut b).await.is_ready(),
            "b should be next after a left"
        );
    });
}

#[test]
fn a_granted_waiter_that_is_dropped_passes_the_lock_on() {
    on_each_executor(|_exec| async move {
        let mutex = Mutex::new(());
        let guard = mutex.lock().await;
        let mut a = Box::pin(mutex.lock());
        let mut b = Box::pin(mutex.lock());
        assert!(poll_once(&mut a).await.is_pending());
        assert!(poll_once(&mut b).await.is_pending());
        drop(guard); // granted to a
        drop(a); // ... which is cancelled before it ran
        assert!(
            poll_once(&mut b).await.is_ready(),
            "the lock was lost with the cancelled waiter"
        );
        drop(b);
        assert!(!mutex.is_locked());
        assert!(mutex.try_lock().is_ok());
    });
}

#[test]
fn cancelling_the_last_waiter_unlocks_the_fast_path_again() {
    on_each_executor(|_exec| async move {
        let mutex = Mutex::new(());
        let guard = mutex.lock().await;
        let mut a = Box::pin(mutex.lock());
        assert!(poll_once(&mut a).await.is_pending());
        drop(a);
        drop(guard);
        assert!(!mutex.is_locked());
        assert!(mutex.try_lock().is_ok());
    });
}

#[test]
fn tasks_contending_through_yields_never_overlap() {
    on_each_executor(|exec| async move {
        let mutex = Rc::new(Mutex::new(0u32));
        let inside = Rc::new(RefCell::new(false));
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let (mutex, inside, exec2) = (mutex.clone(), inside.clone(), exec.clone());
            tasks.push(exec.spawn(async move {
                for _ in 0..20 {
                    let mut guard = mutex.lock().await;
                    assert!(!inside.replace(true), "two tasks inside the mutex");
                    common::yield_now().await;
                    *guard += 1;
                    inside.replace(false);
                    drop(guard);
                    exec2.settle().await;
                }
            }));
        }
        for task in tasks {
            task.await;
        }
        assert_eq!(*mutex.lock().await, 200);
    });
}

#[test]
fn into_inner_get_mut_and_try_lock() {
    let mut mutex = Mutex::new(String::from("a"));
    mutex.get_mut().push('b');
    {
        let mut guard = mutex.try_lock().unwrap();
        guard.push('c');
        let err = mutex.try_lock().unwrap_err();
        assert!(err.to_string().contains("held"), "{err}");
    }
    assert_eq!(mutex.into_inner(), "abc");
}

#[test]
fn lock_is_the_same_fifo_lock_without_data() {
    on_each_executor(|_exec| async move {
        let lock = Lock::new();
        assert!(!lock.locked());
        let guard = lock.acquire().await;
        assert!(lock.locked());
        assert!(lock.try_acquire().is_err());
        let mut waiter = Box::pin(lock.acquire());
        assert!(poll_once(&mut waiter).await.is_pending());
        drop(guard);
        assert!(lock.locked(), "handed to the waiter, still locked");
        assert!(lock.try_acquire().is_err());
        let Poll::Ready(g) = poll_once(&mut waiter).await else {
            panic!("waiter not granted")
        };
        drop(g);
        assert!(!lock.locked());
    });
}

#[test]
fn a_waiter_gets_the_lock_exactly_when_the_holder_releases_it_paused_clock() {
    use corio_executor::time::{sleep, Instant};
    use std::time::Duration;
    let runtime = corio_executor::Runtime::builder()
        .start_paused(true)
        .build();
    runtime.block_on(async {
        let mutex = Rc::new(Mutex::new(0));
        let start = Instant::now();
        let holder = {
            let mutex = mutex.clone();
            corio_executor::spawn_local(async move {
                let mut guard = mutex.lock().await;
                sleep(Duration::from_millis(100)).await;
                *guard = 1;
            })
        };
        corio_executor::yield_now().await;
        let guard = mutex.lock().await;
        assert_eq!(start.elapsed(), Duration::from_millis(100));
        assert_eq!(*guard, 1);
        drop(guard);
        holder.await.unwrap();
    });
}
