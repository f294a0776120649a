//! Event: set wakes every waiter, even if cleared before they run.

mod common;

use common::{on_each_executor, poll_once};
use corio_sync::Event;
use std::rc::Rc;

#[test]
fn set_wakes_every_waiter() {
    on_each_executor(|exec| async move {
        let event = Rc::new(Event::new());
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let event = event.clone();
                exec.spawn(async move {
                    event.wait().await;
                    i
                })
            })
            .collect();
        exec.settle().await;
        event.set();
        let mut sum = 0;
        for task in tasks {
            sum += task.await;
        }
        assert_eq!(sum, 45);
    });
}

#[test]
fn wait_on_a_set_event_returns_at_once_and_clear_blocks_later_waits() {
    on_each_executor(|_exec| async move {
        let event = Event::new();
        event.set();
        event.set(); // harmless
        assert!(poll_once(&mut Box::pin(event.wait())).await.is_ready());
        event.clear();
        assert!(!event.is_set());
        let mut later = Box::pin(event.wait());
        assert!(poll_once(&mut later).await.is_pending());
        event.set();
        assert!(poll_once(&mut later).await.is_ready());
    });
}

#[test]
fn a_waiter_present_at_set_wakes_even_if_cleared_before_it_runs() {
    on_each_executor(|_exec| async move {
        let event = Event::new();
        let mut early = Box::pin(event.wait());
        assert!(poll_once(&mut early).await.is_pending());
        event.set();
        event.clear();
        let mut late = Box::pin(event.wait());
        assert!(poll_once(&mut late).await.is_pending());
        assert!(poll_once(&mut early).await.is_ready());
        assert!(
            poll_once(&mut late).await.is_pending(),
            "a waiter after clear() must wait"
        );
    });
}

#[test]
fn a_dropped_waiter_does_not_disturb_the_others() {
    on_each_executor(|_exec| async move {
        let event = Event::new();
        let mut a = Box::pin(event.wait());
        let mut b = Box::pin(event.wait());
        assert!(poll_once(&mut a).await.is_pending());
        assert!(poll_once(&mut b).await.is_pending());
        drop(a);
        event.set();
        assert!(poll_once(&mut b).await.is_ready());
    });
}
