//! `Sleep`: a future that completes once its deadline has passed.

use super::clock::NEVER;
use super::driver::TimeDriver;
use super::wheel::TimerKey;
use super::Instant;
use crate::runtime::context;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Waits until `duration` has passed, like `asyncio.sleep`.
///
/// Never completes early. `sleep(Duration::ZERO)` yields to the loop once, like
/// `asyncio.sleep(0)`. Very long durations (years, `Duration::MAX`) are accepted: deadlines
/// saturate, and one too far away to count in the clock's 1 ms ticks (about 584 million
/// years) is never reached, so it never fires.
///
/// ```
/// use corio_executor::time::{sleep, Instant};
/// use std::time::Duration;
/// // On the paused clock the test does not wait; on the real one it would take 20 ms.
/// let rt = corio_executor::Runtime::builder().start_paused(true).build();
/// rt.block_on(async {
///     let start = Instant::now();
///     sleep(Duration::from_millis(20)).await;
///     assert_eq!(start.elapsed(), Duration::from_millis(20));
/// });
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now() + duration)
}

/// Waits until `deadline`. A deadline in the past yields to the loop once, then completes.
///
/// ```
/// use corio_executor::time::{sleep_until, Instant};
/// use std::time::Duration;
/// let rt = corio_executor::Runtime::builder().start_paused(true).build();
/// rt.block_on(async {
///     let deadline = Instant::now() + Duration::from_millis(250);
///     sleep_until(deadline).await;
///     assert_eq!(Instant::now(), deadline);
/// });
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        timer: None,
        yielded: false,
    }
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// It registers with the runtime's timer wheel on its first poll and deregisters when
/// dropped, so an abandoned sleep costs nothing once gone.
///
/// ```
/// use corio_executor::time::{sleep, Sleep};
/// use std::time::Duration;
/// let rt = corio_executor::Runtime::builder().start_paused(true).build();
/// rt.block_on(async {
///     // A `Sleep` is a value: keep it in a struct, await it later, or drop it.
///     let nap: Sleep = sleep(Duration::from_secs(1));
///     let deadline = nap.deadline();
///     nap.await;
///     assert!(corio_executor::time::Instant::now() >= deadline);
/// });
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    deadline: Instant,
    /// The wheel entry: (runtime id, key), while registered.
    timer: Option<(u64, TimerKey)>,
    /// A sleep whose deadline had already passed on its first poll yields once.
    yielded: bool,
}

impl Sleep {
    /// The instant this sleep completes at.
    ///
    /// ```
    /// use corio_executor::time::{sleep, Instant};
    /// use std::time::Duration;
    /// let rt = corio_executor::Runtime::builder().start_paused(true).build();
    /// rt.block_on(async {
    ///     let nap = sleep(Duration::from_secs(3));
    ///     assert_eq!(nap.deadline(), Instant::now() + Duration::from_secs(3));
    /// });
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True once the deadline has passed.
    ///
    /// ```
    /// use corio_executor::time::sleep;
    /// use std::time::Duration;
    /// let rt = corio_executor::Runtime::builder().start_paused(true).build();
    /// rt.block_on(async {
    ///     let short = sleep(Duration::from_millis(10));
    ///     assert!(!short.is_elapsed());
    ///     sleep(Duration::from_millis(10)).await;
    ///     assert!(short.is_elapsed(), "its deadline passed, though nobody awaited it");
    /// });
    /// ```
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Moves the deadline (earlier or later); the sleep waits anew.
    ///
    /// ```
    /// use corio_executor::time::{sleep, Instant};
    /// use std::time::Duration;
    /// let rt = corio_executor::Runtime::builder().start_paused(true).build();
    /// rt.block_on(async {
    ///     let start = Instant::now();
    ///     let mut nap = std::pin::pin!(sleep(Duration::from_secs(60)));
    ///     nap.as_mut().reset(start + Duration::from_secs(1));
    ///     nap.await;
    ///     assert_eq!(start.elapsed(), Duration::from_secs(1));
    /// });
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.get_mut();
        this.deregister();
        this.deadline = deadline;
        this.yielded = false;
    }

    fn deregister(&mut self) {
        let Some((runtime, key)) = self.timer.take() else {
            return;
        };
        context::with_time(|time| {
            if let Some(time) = time.filter(|time| time.runtime_id() == runtime) {
                // A sleep dropped from inside the wheel's own processing cannot borrow it;
                // its entry then simply fires later, waking nobody who cares.
                if let Ok(mut timers) = time.timers.try_borrow_mut() {
                    timers.remove(key);
                }
            }
        });
    }

    fn poll_registered(&mut self, time: &TimeDriver, cx: &mut Context<'_>) -> Poll<()> {
        if let Some((runtime, key)) = self.timer {
            if runtime == time.runtime_id() {
                let mut timers = time.timers.borrow_mut();
                return match timers.get_mut(key) {
                    Some(waker) => {
                        if !waker.will_wake(cx.waker()) {
                            waker.clone_from(cx.waker());
                        }
                        Poll::Pending
                    }
                    // Fired: the wheel only fires an entry once its deadline has passed.
                    None => {
                        self.timer = None;
                        Poll::Ready(())
                    }
                };
            }
            // Moved to another runtime: register afresh there.
            self.timer = None;
        }
        // Mostly without reading the clock again: `sleep` itself or the loop's last look at
        // its timers read it recently (see `Clock::has_passed`).
        if time.clock.has_passed(self.deadline.into_std()) {
            if self.yielded {
                return Poll::Ready(());
            }
            self.yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let tick = time.clock.deadline_tick(self.deadline.into_std());
        if tick == NEVER {
            // Too far away to ever be reached: no timer, so an idle loop with nothing else
            // to wait for sleeps until woken instead of chasing the deadline.
            return Poll::Pending;
        }
        let key = time
            .timers
            .borrow_mut()
            .insert(&time.clock, tick, cx.waker().clone());
        self.timer = Some((time.runtime_id(), key));
        Poll::Pending
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        context::with_time(|time| {
            let time = time.expect(
                "Sleep polled outside a corio runtime: timers need a running loop; \
                 await it inside corio_executor::run, Runtime::block_on or a spawned task",
            );
            this.poll_registered(time, cx)
        })
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.deregister();
    }
}
