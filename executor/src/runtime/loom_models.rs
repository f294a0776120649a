//! loom models of the loop's cross-thread handshakes: a wake from another thread against
//! the loop going to sleep (on its condvar or in a driver), a push to the remote queue
//! against shutdown, and a blocking job's end against a paused-clock loop deciding whether
//! time may jump.

use super::driver::{Driver, Installed};
use super::park::Parker;
use super::shared::{Runnable, Shared};
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::Arc;

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
        let shared = std::sync::Arc::new(Shared::new());
        let pusher = {
            let shared = shared.clone();
            loom::thread::spawn(move || shared.schedule(Runnable::Main))
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
        let shared = std::sync::Arc::new(Shared::new());
        shared.blocking.job_started();
        let worker = {
            let shared = shared.clone();
            loom::thread::spawn(move || {
                shared.schedule(Runnable::Main); // the job's result wakes its task
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
