//! Stress test (run under ThreadSanitizer in CI): children of one native corio group finish
//! on two threads at once while the group's owner lets go of it.
//!
//! The runtime's thread drops the runtime, which cancels the group's children (each child's
//! wrapper reports itself finished from its destructor, on that thread). Meanwhile another
//! thread spawns into the same group (the shutting-down runtime refuses, so those children
//! are dropped and report finished on that thread) and then drops the group. Whichever
//! finish leaves no child live may free the group's shared state; no other finish may touch
//! it after its own decrement.
#![cfg(feature = "corio")]

use std::future::pending;
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::Duration;

use corio_executor::Runtime;
use corio_taskgroup::TaskGroup;

const ROUNDS: usize = 300;
const CHILDREN: usize = 4;
const LATE_SPAWNS: usize = 8;

/// One round: a group with pending children, torn down from two threads at once.
fn round() {
    let runtime = Runtime::new();
    let group = runtime.block_on(async {
        let group = TaskGroup::<()>::new();
        for _ in 0..CHILDREN {
            group.spawn(pending::<Result<(), ()>>()).unwrap();
        }
        // Let every child pend once, so each holds a waker slot in the group.
        corio_executor::yield_now().await;
        group
    });
    let start = Arc::new(Barrier::new(2));
    let spawner = {
        let start = Arc::clone(&start);
        thread::spawn(move || {
            start.wait();
            for _ in 0..LATE_SPAWNS {
                // Refused or dropped unpolled by the runtime shutting down: both are fine,
                // what matters is that every such child reports to the group exactly once.
                let _ = group.spawn(pending::<Result<(), ()>>());
            }
            drop(group);
        })
    };
    start.wait();
    drop(runtime);
    spawner.join().expect("the spawning thread panicked");
}

#[test]
fn children_finishing_on_two_threads_while_the_group_is_dropped() {
    let (done, finished) = mpsc::channel();
    thread::spawn(move || {
        for _ in 0..ROUNDS {
            round();
        }
        done.send(()).unwrap();
    });
    finished
        .recv_timeout(Duration::from_secs(60))
        .expect("the stress rounds hung (or panicked)");
}
