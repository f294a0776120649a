//! The blocking thread pool under `spawn_blocking`.
//!
//! Jobs go into a lock-free queue; idle worker threads sleep on a condvar and exit after
//! [`KEEP_ALIVE`] without work, or when the runtime is gone.

use super::park::Parker;
use crate::loom::{AtomicUsize, Condvar, Mutex, Ordering};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

/// At most this many blocking threads per runtime.
const MAX_THREADS: usize = 32;
/// An idle blocking thread exits after this long without a job.
const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// A job: the closure, wrapped to leave its result for the task awaiting it.
pub(crate) type Job = Box<dyn FnOnce() + Send>;

/// A runtime's blocking threads.
pub(crate) struct BlockingPool {
    inner: Arc<PoolInner>,
}

struct PoolInner {
    jobs: crossbeam_queue::SegQueue<Job>,
    state: Mutex<PoolState>,
    work_available: Condvar,
    /// Jobs submitted and not yet finished: while non-zero a paused clock must not jump,
    /// because a job's result may wake a task at any moment.
    in_flight: AtomicUsize,
    /// The loop's parker: a job's end unparks the loop, which may be waiting for it.
    loop_parker: Arc<Parker>,
}

#[derive(Debug, Default)]
struct PoolState {
    threads: usize,
    idle: usize,
    /// Wake-ups sent to idle threads and not yet taken, so each job gets its own thread.
    notified: usize,
    shutdown: bool,
}

impl BlockingPool {
    pub(crate) fn new(loop_parker: Arc<Parker>) -> Self {
        BlockingPool {
            inner: Arc::new(PoolInner {
                jobs: crossbeam_queue::SegQueue::new(),
                state: Mutex::new(PoolState::default()),
                work_available: Condvar::new(),
                in_flight: AtomicUsize::new(0),
                loop_parker,
            }),
        }
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.inner.in_flight.load(Ordering::Acquire)
    }

    /// Counts a job in, before it is queued.
    pub(crate) fn job_started(&self) {
        self.inner.in_flight.fetch_add(1, Ordering::AcqRel);
    }

    /// Counts a job out, after its result has woken whoever awaits it.
    #[cfg(all(test, loom))]
    pub(crate) fn job_done(&self) {
        self.inner.job_done();
    }

    pub(crate) fn execute(&self, job: Job) {
        let inner = &self.inner;
        self.job_started();
        inner.jobs.push(job);
        let mut state = inner.state.lock();
        if state.idle > state.notified {
            state.notified += 1;
            drop(state);
            inner.work_available.notify_one();
        } else if state.threads < MAX_THREADS {
            state.threads += 1;
            drop(state);
            let worker = inner.clone();
            let spawned = std::thread::Builder::new()
                .name("corio-blocking".into())
                .spawn(move || worker.run_worker());
            if let Err(error) = spawned {
                inner.state.lock().threads -= 1;
                eprintln!("corio: could not start a blocking thread ({error}); the job waits for a busy one");
            }
        }
        // Else every thread is busy: the job waits in the queue for the next free one.
    }
}

impl PoolInner {
    /// After the job's result has woken its task (if anyone still awaits it), so a loop
    /// that sees the count drop also sees that wake. Then unparks the loop: an idle one with
    /// a paused clock waits for the job's end to jump time.
    fn job_done(&self) {
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.loop_parker.unpark();
    }

    fn run_worker(&self) {
        loop {
            while let Some(job) = self.jobs.pop() {
                // The job catches its closure's panic itself; what is left is a result whose
                // destructor panics when nobody awaits it any more. That must not kill the
                // thread before the job is counted out (a paused loop waits for the count).
                if catch_unwind(AssertUnwindSafe(job)).is_err() {
                    eprintln!(
                        "corio: a blocking job's result panicked while being dropped \
                         (nobody awaited it any more)"
                    );
                }
                self.job_done();
            }
            let mut state = self.state.lock();
            if !self.jobs.is_empty() {
                continue;
            }
            if state.shutdown {
                state.threads -= 1;
                return;
            }
            state.idle += 1;
            let timed_out;
            (state, timed_out) = self
                .work_available
                .wait_until(state, Some(std::time::Instant::now() + KEEP_ALIVE));
            state.idle -= 1;
            if state.notified > 0 {
                state.notified -= 1;
            } else if timed_out && self.jobs.is_empty() {
                state.threads -= 1;
                return;
            }
        }
    }
}

impl std::fmt::Debug for BlockingPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingPool")
            .field("in_flight", &self.in_flight())
            .finish()
    }
}

impl Drop for BlockingPool {
    fn drop(&mut self) {
        // The runtime is gone: idle threads exit now instead of after their keep-alive.
        self.inner.state.lock().shutdown = true;
        self.inner.work_available.notify_all();
    }
}
