//! The park hook: an installed driver is where the idle loop sleeps, wakes from other
//! threads reach it only while the loop is parked, a busy loop still polls it, and the
//! paused clock does not jump over a task waiting on it.

use corio_executor::driver::{current_or_install, Driver};
use corio_executor::time::{sleep, timeout, Instant};
use corio_executor::{run, yield_now, Runtime};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// A fake reactor: an "event" is a flag a std thread sets; one task may wait for it.
#[derive(Default)]
struct FakeReactor {
    state: Mutex<State>,
    condvar: Condvar,
    parks: AtomicUsize,
    zero_parks: AtomicUsize,
    unparks: AtomicUsize,
}

#[derive(Default)]
struct State {
    unparked: bool,
    event: bool,
    waiter: Option<Waker>,
}

impl Driver for FakeReactor {
    fn park(&self, timeout: Option<Duration>) {
        if timeout == Some(Duration::ZERO) {
            self.zero_parks.fetch_add(1, Ordering::SeqCst);
        } else {
            self.parks.fetch_add(1, Ordering::SeqCst);
        }
        let mut state = self.state.lock().unwrap();
        let deadline = timeout.map(|t| std::time::Instant::now() + t);
        while !state.unparked && !state.event {
            match deadline {
                Some(at) => {
                    let left = at.saturating_duration_since(std::time::Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    state = self.condvar.wait_timeout(state, left).unwrap().0;
                }
                None => state = self.condvar.wait(state).unwrap(),
            }
        }
        state.unparked = false;
        if state.event {
            if let Some(waker) = state.waiter.take() {
                drop(state);
                waker.wake(); // on the loop's thread, as a reactor dispatches
            }
        }
    }

    fn unpark(&self) {
        self.unparks.fetch_add(1, Ordering::SeqCst);
        self.state.lock().unwrap().unparked = true;
        self.condvar.notify_one();
    }

    fn has_waiters(&self) -> bool {
        self.state.lock().unwrap().waiter.is_some()
    }
}

impl FakeReactor {
    /// What an outside event source does: mark the event and interrupt the park.
    fn fire(&self) {
        self.state.lock().unwrap().event = true;
        self.condvar.notify_one();
    }
}

/// Waits for the fake event, as a socket read waits for readiness.
struct WaitEvent(Arc<FakeReactor>);

impl Future for WaitEvent {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.0.state.lock().unwrap();
        if state.event {
            return Poll::Ready(());
        }
        state.waiter = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for WaitEvent {
    fn drop(&mut self) {
        self.0.state.lock().unwrap().waiter = None;
    }
}

fn install() -> Arc<FakeReactor> {
    current_or_install(|| Ok(FakeReactor::default())).unwrap()
}

/// Runs `f` on a thread and fails if it does not finish within 20 s.
fn watchdog(f: impl FnOnce() + Send + 'static) {
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        f();
        let _ = done_tx.send(());
    });
    if done_rx.recv_timeout(Duration::from_secs(20)).is_err() {
        panic!("the test hung for 20 s");
    }
    thread.join().unwrap();
}

#[test]
fn outside_a_runtime_installing_is_an_error_that_says_so() {
    let err = current_or_install(|| Ok(FakeReactor::default()))
        .err()
        .unwrap();
    assert!(err.to_string().contains("no corio runtime"), "{err}");
}

#[test]
fn a_runtime_keeps_one_driver_and_refuses_another_kind() {
    struct Other;
    impl Driver for Other {
        fn park(&self, _: Option<Duration>) {}
        fn unpark(&self) {}
        fn has_waiters(&self) -> bool {
            false
        }
    }
    run(async {
        let first = install();
        assert!(Arc::ptr_eq(&first, &install()));
        let err = current_or_install(|| Ok(Other)).err().unwrap();
        assert!(err.to_string().contains("another kind of driver"), "{err}");
    });
}

#[test]
fn the_idle_loop_sleeps_in_the_driver_and_a_thread_wakes_it_there() {
    watchdog(|| {
        let rt = Runtime::new();
        let handle = rt.handle();
        let reactor = rt.block_on(async { install() });
        let answer = rt.block_on(async move {
            let thread = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                handle.spawn(async { 7 })
            });
            // Nothing runnable: the loop parks in the driver until the spawn unparks it.
            let task = corio_executor::spawn_blocking(move || thread.join().unwrap())
                .await
                .unwrap();
            task.await.unwrap()
        });
        assert_eq!(answer, 7);
        assert!(
            reactor.parks.load(Ordering::SeqCst) >= 1,
            "parked in the driver"
        );
        assert!(
            reactor.unparks.load(Ordering::SeqCst) >= 1,
            "woken through it"
        );
    });
}

#[test]
fn a_wake_while_the_loop_is_busy_makes_no_driver_unpark() {
    watchdog(|| {
        run(async {
            let reactor = install();
            let stop = Arc::new(AtomicBool::new(false));
            // Another thread wakes a task of ours over and over while the loop keeps busy.
            let waker_slot: Arc<Mutex<Option<Waker>>> = Arc::default();
            let thread = {
                let (stop, slot) = (stop.clone(), waker_slot.clone());
                std::thread::spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        if let Some(waker) = slot.lock().unwrap().take() {
                            waker.wake();
                        }
                        std::thread::yield_now();
                    }
                })
            };
            let woken = Arc::new(AtomicUsize::new(0));
            let task = {
                let (slot, woken) = (waker_slot.clone(), woken.clone());
                corio_executor::spawn(std::future::poll_fn(move |cx| {
                    if woken.fetch_add(1, Ordering::SeqCst) >= 50 {
                        return Poll::Ready(());
                    }
                    *slot.lock().unwrap() = Some(cx.waker().clone());
                    Poll::Pending
                }))
            };
            // The loop never runs out of work while the task is pending.
            while !task.is_finished() {
                yield_now().await;
            }
            stop.store(true, Ordering::SeqCst);
            thread.join().unwrap();
            assert_eq!(
                reactor.unparks.load(Ordering::SeqCst),
                0,
                "a busy loop is woken with no driver call"
            );
        });
    });
}

#[test]
fn a_busy_loop_still_polls_the_driver_every_batch() {
    run(async {
        let reactor = install();
        for _ in 0..1_000 {
            yield_now().await;
        }
        let polls = reactor.zero_parks.load(Ordering::SeqCst);
        assert!(
            (10..=40).contains(&polls),
            "1000 polls, one non-blocking driver poll per batch of 61: {polls}"
        );
        assert_eq!(reactor.parks.load(Ordering::SeqCst), 0, "never idle");
    });
}

#[test]
fn the_paused_clock_does_not_jump_over_a_task_waiting_on_the_driver() {
    watchdog(|| {
        let rt = Runtime::builder().start_paused(true).build();
        rt.block_on(async {
            let reactor = install();
            let firer = reactor.clone();
            let thread = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(10));
                firer.fire();
            });
            let start = Instant::now();
            let answered = timeout(Duration::from_secs(1), WaitEvent(reactor)).await;
            thread.join().unwrap();
            assert!(
                answered.is_ok(),
                "the 1 s timeout fired over a 10 ms answer"
            );
            // Virtual time ran with real time, not to the timer: how much of the 10 ms it
            // counted depends on when the loop began to park (a slow or loaded machine parks
            // later), so only the jump it must not have made is checked.
            let waited = start.elapsed();
            assert!(
                waited < Duration::from_secs(1),
                "virtual time jumped to the timer while the task waited: {waited:?}"
            );
        });
    });
}

#[test]
fn a_wait_that_is_never_answered_times_out_after_that_much_real_time() {
    watchdog(|| {
        let rt = Runtime::builder().start_paused(true).build();
        rt.block_on(async {
            let reactor = install();
            let real = std::time::Instant::now();
            let start = Instant::now();
            let answered = timeout(Duration::from_millis(100), WaitEvent(reactor)).await;
            assert!(answered.is_err());
            assert_eq!(start.elapsed(), Duration::from_millis(100));
            assert!(
                real.elapsed() >= Duration::from_millis(90),
                "waited in real time"
            );
        });
    });
}

#[test]
fn with_no_task_waiting_on_the_driver_the_paused_clock_still_jumps() {
    watchdog(|| {
        let rt = Runtime::builder().start_paused(true).build();
        rt.block_on(async {
            let _reactor = install();
            let real = std::time::Instant::now();
            sleep(Duration::from_secs(3600)).await;
            assert!(
                real.elapsed() < Duration::from_secs(5),
                "jumped, not waited"
            );
        });
    });
}
