//! Debug mode's stopwatch around every poll ([`PollTimer`]), and the cheap clock it reads
//! ([`CycleClock`]).
//!
//! One clock read per poll in a busy loop: the end of one poll is the start of the next,
//! unless the loop did work of its own between them ([`PollTimer::restart`]). A read of
//! `Instant` costs about 28 ns on a virtual machine, more than a whole `yield_now` round
//! trip, so on x86_64 the stopwatch reads the CPU's time-stamp counter instead (about
//! 10 ns), converted to time by a rate measured against `Instant` when the timer is made
//! and refined at every restart; elsewhere (and under Miri) it reads `Instant`. Time in poll is kept in the
//! clock's ticks and converted only when someone looks.
//!
//! Scheduler thread only (rule COUNTERS for the task's share).

use super::raw::Header;
use super::TaskInfo;
use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

/// A poll that took longer than the threshold: the task (`None` for the future given to
/// `block_on`) and how long.
#[derive(Debug)]
pub(crate) struct SlowPoll {
    pub(crate) task: Option<TaskInfo>,
    pub(crate) took: Duration,
}

/// The stopwatch debug mode runs around every poll.
#[derive(Debug)]
pub(crate) struct PollTimer {
    clock: CycleClock,
    threshold: Duration,
    /// `threshold` in the clock's ticks, refreshed with the clock's rate.
    threshold_ticks: Cell<u64>,
    /// When the last poll ended, if nothing but the loop's bookkeeping happened since.
    mark: Cell<Option<u64>>,
    slow: RefCell<Option<SlowPoll>>,
}

impl PollTimer {
    pub(crate) fn new(threshold: Duration) -> PollTimer {
        let clock = CycleClock::new();
        PollTimer {
            threshold_ticks: Cell::new(clock.ticks_of(threshold)),
            clock,
            threshold,
            mark: Cell::new(None),
            slow: RefCell::new(None),
        }
    }

    /// The loop did work of its own (timers, I/O, parking): the next poll reads the clock
    /// when it starts. Also refines the clock's rate.
    pub(crate) fn restart(&self) {
        self.mark.set(None);
        if self.clock.refine() {
            self.threshold_ticks
                .set(self.clock.ticks_of(self.threshold));
        }
    }

    /// A poll starts now.
    pub(crate) fn start(&self) -> u64 {
        self.mark.take().unwrap_or_else(|| self.clock.now())
    }

    /// A poll (of `task`, if it is a task's) that started at `start` ended: notes it if it
    /// was slow, and returns how many ticks it took.
    pub(crate) fn stop(&self, start: u64, task: Option<&Header>) -> u64 {
        let now = self.clock.now();
        self.mark.set(Some(now));
        // A counter read on another core may lag a little: never negative.
        let ticks = now.saturating_sub(start);
        if ticks >= self.threshold_ticks.get() {
            self.note_slow(ticks, task);
        }
        ticks
    }

    #[cold]
    fn note_slow(&self, ticks: u64, task: Option<&Header>) {
        *self.slow.borrow_mut() = Some(SlowPoll {
            task: task.map(TaskInfo::of),
            took: self.clock.duration_of(ticks),
        });
    }

    /// The slow poll noted since the last call, if any.
    pub(crate) fn take_slow(&self) -> Option<SlowPoll> {
        self.slow.borrow_mut().take()
    }

    /// `ticks` of this timer's clock (a task's time in poll) as time.
    pub(crate) fn duration_of(&self, ticks: u64) -> Duration {
        self.clock.duration_of(ticks)
    }
}

/// A monotonic clock in ticks: the time-stamp counter on x86_64, nanoseconds of `Instant`
/// elsewhere.
#[derive(Debug)]
struct CycleClock {
    /// A reading of both clocks at the same moment, the base of the rate.
    origin: (Instant, u64),
    /// Nanoseconds per tick.
    rate: Cell<f64>,
}

/// How long the rate is first measured over, spinning, when a timer is made.
const CALIBRATION: Duration = Duration::from_micros(200);

impl CycleClock {
    fn new() -> CycleClock {
        let origin = (Instant::now(), read_ticks());
        let clock = CycleClock {
            origin,
            rate: Cell::new(1.0),
        };
        if cfg!(all(target_arch = "x86_64", not(miri))) {
            while origin.0.elapsed() < CALIBRATION {
                std::hint::spin_loop();
            }
            clock.refine();
        }
        clock
    }

    fn now(&self) -> u64 {
        read_ticks()
    }

    /// Measures the rate again over everything since the origin; true if it changed.
    fn refine(&self) -> bool {
        if !cfg!(all(target_arch = "x86_64", not(miri))) {
            return false;
        }
        let nanos = self.origin.0.elapsed().as_nanos() as f64;
        let ticks = read_ticks().saturating_sub(self.origin.1);
        if ticks == 0 {
            return false;
        }
        let rate = nanos / ticks as f64;
        let changed = rate != self.rate.get();
        self.rate.set(rate);
        changed
    }

    fn duration_of(&self, ticks: u64) -> Duration {
        Duration::from_secs_f64(ticks as f64 * self.rate.get() / 1e9)
    }

    fn ticks_of(&self, duration: Duration) -> u64 {
        (duration.as_nanos() as f64 / self.rate.get()) as u64
    }
}

#[cfg(all(target_arch = "x86_64", not(miri)))]
fn read_ticks() -> u64 {
    // Newer compilers consider the intrinsic safe; the minimum supported Rust does not.
    #[allow(unused_unsafe)]
    // SAFETY: RDTSC exists on every x86_64 CPU (no target feature is needed) and only reads
    // the time-stamp counter: no memory is touched.
    unsafe {
        std::arch::x86_64::_rdtsc()
    }
}

#[cfg(not(all(target_arch = "x86_64", not(miri))))]
fn read_ticks() -> u64 {
    use std::sync::OnceLock;
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    let origin = *ORIGIN.get_or_init(Instant::now);
    u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
}
