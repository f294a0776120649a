//! The loom models of the executor's cross-thread handshakes, one section per handshake:
//! the task's state word (wakes against the end of a poll and against completion), the join
//! waker slot (a `JoinHandle` registering or detaching against completion), the parker (a
//! wake against the loop going to sleep, on its condvar or in a driver), the remote queue
//! against shutdown, and a blocking job's end against a paused-clock loop deciding whether
//! time may jump. A lost wake-up leaves a thread parked, which loom reports as a deadlock.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release -p corio-executor --lib loom` (the
//! shim they run against is `src/loom.rs`).

use crate::runtime::park::{Driver, Installed, Parker};
use crate::runtime::shared::{Runnable, Shared};
use crate::runtime::task::join_waker::JoinWaker;
use crate::runtime::task::state::{AfterPoll, Detach, State};
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::Arc;
use std::task::{Wake, Waker};

// ---- The state word: wakes against the end of a poll and against completion ----

/// Two threads wake a task while the loop polls it: however they interleave, the task is
/// run again exactly once, either requeued by the loop at the end of its poll or queued
/// by the first wake that came after; a wake is never lost.
#[test]
fn loom_wakes_racing_the_end_of_a_poll_queue_exactly_once() {
    loom::model(|| {
        let state = Arc::new(State::new_scheduled(2, true));
        state.start_poll();
        let wakers: Vec<_> = (0..2)
            .map(|_| {
                let state = state.clone();
                loom::thread::spawn(move || usize::from(state.schedule()))
            })
            .collect();
        let requeued = usize::from(state.end_poll() == AfterPoll::Reschedule);
        let queued: usize = wakers.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(
            requeued + queued,
            1,
            "two wakes run the task again exactly once"
        );
        assert!(state.load().is_scheduled());
    });
}

/// A wake racing with completion either comes in before it (and is absorbed by the
/// running task) or sees COMPLETE; a completed task is never queued after the fact.
#[test]
fn loom_wake_racing_completion() {
    loom::model(|| {
        let state = Arc::new(State::new_scheduled(1, true));
        state.start_poll();
        let waker = {
            let state = state.clone();
            loom::thread::spawn(move || state.schedule())
        };
        state.complete();
        let queued = waker.join().unwrap();
        assert!(
            !queued,
            "a running or completed task is never queued by a wake"
        );
    });
}

// ---- The join waker slot: a JoinHandle registering or detaching against completion ----

/// A waker that counts its wakes in a loom atomic.
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (std::sync::Arc<CountingWaker>, Waker) {
    let count = std::sync::Arc::new(CountingWaker(AtomicUsize::new(0)));
    (count.clone(), Waker::from(count))
}

/// The task's state word and slot, shared by the completing loop and the handle.
struct Task {
    state: State,
    join_waker: JoinWaker,
}

/// What the loop does when the task completes: the same steps as `raw::finish`.
/// Returns true if the loop disposed of the output (no handle interested).
fn complete(task: &Task) -> bool {
    let before = task.state.complete();
    if !before.has_join_interest() {
        return true;
    }
    if before.has_join_waker() {
        // SAFETY: [JOIN-WAKER] JOIN_WAKER was set at completion: the slot is the completer's.
        if let Some(waker) = unsafe { task.join_waker.take() } {
            waker.wake();
        }
    }
    false
}

fn new_task() -> loom::sync::Arc<Task> {
    let task = Task {
        state: State::new_scheduled(2, true),
        join_waker: JoinWaker::new(),
    };
    task.state.start_poll();
    loom::sync::Arc::new(task)
}

/// A handle registers twice (its awaiting task moved to another waker) while the task
/// completes on another thread: the slot is never touched by both (loom checks the
/// cell); a registration that returned `Ok` last has its waker woken exactly once, and
/// a replaced waker is never woken after its replacement went in.
#[test]
fn loom_register_twice_racing_completion() {
    loom::model(|| {
        let task = new_task();
        let loop_thread = {
            let task = task.clone();
            loom::thread::spawn(move || complete(&task))
        };
        let (first_count, first) = counting_waker();
        let (second_count, second) = counting_waker();
        // SAFETY: [JOIN-WAKER] this thread is the task's one handle.
        let first_ok = unsafe { task.join_waker.register(&task.state, &first) }.is_ok();
        // SAFETY: [JOIN-WAKER] this thread is the task's one handle.
        let second_ok =
            first_ok && unsafe { task.join_waker.register(&task.state, &second) }.is_ok();
        let loop_disposed = loop_thread.join().unwrap();
        assert!(!loop_disposed, "the handle is still interested");
        // The waker in the slot at completion is woken once; a replaced one never.
        let woken = (
            first_count.0.load(Ordering::SeqCst),
            second_count.0.load(Ordering::SeqCst),
        );
        match (first_ok, second_ok) {
            (true, true) => assert_eq!(woken, (0, 1)),
            // Completion came during the second registration: the first waker is woken
            // if it was still in the slot, and the handle saw completion itself.
            (true, false) => assert!(woken == (1, 0) || woken == (0, 0), "{woken:?}"),
            _ => assert_eq!(woken, (0, 0)),
        }
        // SAFETY: [JOIN-WAKER] both threads are done; the completer took any waker it owned.
        assert!(
            unsafe { task.join_waker.take() }.is_none(),
            "a waker was left behind"
        );
    });
}

/// A handle registers and is then dropped while the task completes: exactly one side
/// disposes of the output, and the waker is either woken by the loop or dropped by the
/// handle, never left in the slot.
#[test]
fn loom_detach_racing_completion() {
    loom::model(|| {
        let task = new_task();
        let loop_thread = {
            let task = task.clone();
            loom::thread::spawn(move || complete(&task))
        };
        let (_count, waker) = counting_waker();
        // SAFETY: [JOIN-WAKER] this thread is the task's one handle.
        let registered = unsafe { task.join_waker.register(&task.state, &waker) }.is_ok();
        let handle_disposed = match task.state.detach() {
            Detach::Complete => true,
            Detach::Detached { waker_is_ours, .. } => {
                assert_eq!(waker_is_ours, registered);
                if waker_is_ours {
                    // SAFETY: [JOIN-WAKER] detach gave the slot back to the handle.
                    drop(unsafe { task.join_waker.take() });
                }
                false
            }
        };
        let loop_disposed = loop_thread.join().unwrap();
        assert!(
            handle_disposed != loop_disposed,
            "the output must be disposed of exactly once"
        );
        // SAFETY: [JOIN-WAKER] both threads are done: nobody else can touch the slot.
        assert!(
            unsafe { task.join_waker.take() }.is_none(),
            "a waker was left behind"
        );
    });
}

// ---- The parker, the remote queue and the blocking pool against the idle loop ----

/// The loop parks until another thread's wake: however the two interleave, the loop wakes
/// up (a lost wake-up would be a deadlock, which loom reports).
#[test]
fn loom_unpark_is_never_lost() {
    loom::model(|| {
        let parker = Arc::new(Parker::new());
        let ready = Arc::new(AtomicBool::new(false));
        let waker = {
            let (parker, ready) = (parker.clone(), ready.clone());
            loom::thread::spawn(move || {
                ready.store(true, Ordering::Release);
                parker.unpark();
            })
        };
        while !ready.load(Ordering::Acquire) {
            parker.park(None);
        }
        waker.join().unwrap();
    });
}

/// Two wakes and one park: extra notifications are absorbed, never double-counted into a
/// hang or a panic.
#[test]
fn loom_two_unparks_one_park() {
    loom::model(|| {
        let parker = Arc::new(Parker::new());
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let parker = parker.clone();
                loom::thread::spawn(move || parker.unpark())
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        parker.park(None); // at least one notification is pending: returns at once
    });
}

/// A wake pushed from another thread while the runtime shuts down is never stranded in the
/// remote queue: either the pusher sees `closed` and drains it, or the loop's drain does.
#[test]
fn loom_remote_push_racing_shutdown_is_drained() {
    loom::model(|| {
        let shared = std::sync::Arc::new(Shared::new(None));
        let pusher = {
            let shared = shared.clone();
            loom::thread::spawn(move || shared.push_remote(Runnable::Main))
        };
        shared.close();
        shared.drain_remote();
        pusher.join().unwrap();
        assert!(
            shared.pop_remote().is_none(),
            "an entry was stranded after shutdown"
        );
    });
}

/// A blocking job ends (its result wakes a task, then it counts itself out) while an idle
/// loop with a paused clock decides whether time may jump: the loop never sleeps through the
/// job's end (loom reports that as a deadlock), and once time may jump the job's wake is
/// already in the queue, so time never jumps past it.
#[test]
fn loom_a_blocking_jobs_end_wakes_a_paused_idle_loop() {
    loom::model(|| {
        let shared = std::sync::Arc::new(Shared::new(None));
        shared.blocking.job_started();
        let worker = {
            let shared = shared.clone();
            loom::thread::spawn(move || {
                shared.push_remote(Runnable::Main); // the job's result wakes its task
                shared.blocking.job_done();
            })
        };
        // The idle loop: jump time if it may, else wait for outside work.
        let mut wakes_run = 0;
        while !shared.may_jump_time() {
            if shared.pop_remote().is_some() {
                wakes_run += 1; // the loop runs it, then comes back to idle
                continue;
            }
            shared.park(None);
        }
        assert_eq!(
            wakes_run, 1,
            "time may jump only after the job's wake has run"
        );
        worker.join().unwrap();
    });
}

/// A driver whose park sleeps on a condvar until its unpark, as an epoll wait sleeps until
/// an eventfd write: a signal sent before the park starts is kept, as an eventfd keeps it.
#[derive(Debug, Default)]
struct SignalDriver {
    signalled: crate::loom::Mutex<bool>,
    condvar: crate::loom::Condvar,
}

impl Driver for SignalDriver {
    fn park(&self, timeout: Option<std::time::Duration>) {
        let mut signalled = self.signalled.lock();
        if timeout != Some(std::time::Duration::ZERO) {
            while !*signalled {
                signalled = self.condvar.wait_until(signalled, None).0;
            }
        }
        *signalled = false;
    }
    fn unpark(&self) {
        *self.signalled.lock() = true;
        self.condvar.notify_one();
    }
    fn has_waiters(&self) -> bool {
        false
    }
}

/// The loop parks in a driver until another thread's wake: the wake reaches the driver
/// whenever the loop is in it, and is remembered when it comes first, so the loop always
/// wakes up (a lost wake-up would be a deadlock, which loom reports).
#[test]
fn loom_unpark_reaches_a_loop_parked_in_its_driver() {
    loom::model(|| {
        let parker = Arc::new(Parker::new());
        // std's Arc: the installed driver is not part of the handshake under test.
        let driver = std::sync::Arc::new(SignalDriver::default());
        parker.install_driver(Installed::new(driver.clone()));
        let ready = Arc::new(AtomicBool::new(false));
        let waker = {
            let (parker, ready) = (parker.clone(), ready.clone());
            loom::thread::spawn(move || {
                ready.store(true, Ordering::Release);
                parker.unpark();
            })
        };
        while !ready.load(Ordering::Acquire) {
            parker.park_in_driver(&*driver, None);
        }
        waker.join().unwrap();
    });
}
