//! Shared helpers for the conformance suite: CPython's asyncio tests ported to corio.
//!
//! Every ported test runs its body with [`run_paused`]: on a fresh corio runtime with the
//! paused clock, on its own thread, under a real-time watchdog, so a hang fails the test
//! with a message naming it instead of stalling CI. The other helpers stand in for the
//! pieces of Python the tests lean on: shared mutable state ([`Shared`], [`Log`]), a
//! settable future ([`Promise`]), primitives that live as long as the test ([`leak`]),
//! `asyncio.sleep(seconds)` ([`sleep_s`]), `loop.time()` ([`elapsed_s`]), and a byte source
//! fed by hand for a stream reader ([`Feed`]: `feed_data`, `feed_eof`, `set_exception`).

use std::future::Future;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};
use std::time::Duration;

use corio_executor::time::Instant;
use corio_executor::Runtime;

/// How long a test may run in real time before the watchdog calls it a hang.
pub const WATCHDOG: Duration = Duration::from_secs(20);

/// Runs the future built by `make` to completion on a new paused-clock corio runtime, on
/// a thread of its own, and returns its output. Panics (failing the test) if the future
/// panics, or if it has not finished after [`WATCHDOG`] of real time; the message then
/// names the test (the harness names each test's thread after it).
///
/// ```
/// let answer = corio_conformance::run_paused(|| async {
///     corio_executor::time::sleep(std::time::Duration::from_secs(3600)).await;
///     42
/// });
/// assert_eq!(answer, 42);
/// ```
pub fn run_paused<F, Fut>(make: F) -> Fut::Output
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future,
    Fut::Output: Send + 'static,
{
    let name = std::thread::current()
        .name()
        .unwrap_or("<unnamed test>")
        .to_string();
    let (done, outcome) = mpsc::channel();
    let worker = std::thread::Builder::new()
        .name(format!("{name} (paused runtime)"))
        .spawn(move || {
            let runtime = Runtime::builder().start_paused(true).build();
            let output = runtime.block_on(make());
            // The receiver is gone only if the watchdog already failed the test.
            let _ = done.send(output);
        })
        .expect("spawning the test's runtime thread");
    match outcome.recv_timeout(WATCHDOG) {
        Ok(output) => {
            worker.join().expect("the runtime thread finished cleanly");
            output
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            // The future panicked: fail with its own message.
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the runtime thread ended without sending an output"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!(
            "watchdog: {name} hung: it did not finish within {WATCHDOG:?} of real time \
             on the paused clock (a lost wake-up or a wait that can never end)"
        ),
    }
}

/// Gives `value` the `'static` lifetime, so its guards and wait futures can move freely
/// between tasks (as a Python object shared by every coroutine of a test). The memory is
/// reclaimed when the test process exits.
///
/// ```
/// let lock: &'static corio_sync::Lock = corio_conformance::leak(corio_sync::Lock::new());
/// assert!(!lock.locked());
/// ```
pub fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

/// `asyncio.sleep(seconds)`: a corio sleep for a duration given in (fractional) seconds.
///
/// ```
/// corio_conformance::run_paused(|| async {
///     corio_conformance::sleep_s(0.25).await;
///     assert_eq!(corio_conformance::elapsed_s(corio_executor::time::Instant::now()), 0.0);
/// });
/// ```
pub fn sleep_s(seconds: f64) -> corio_executor::time::Sleep {
    corio_executor::time::sleep(Duration::from_secs_f64(seconds))
}

/// `loop.time() - t0`: seconds of (virtual) time since `start`.
///
/// ```
/// corio_conformance::run_paused(|| async {
///     let t0 = corio_executor::time::Instant::now();
///     corio_conformance::sleep_s(0.5).await;
///     assert!((corio_conformance::elapsed_s(t0) - 0.5).abs() < 1e-3);
/// });
/// ```
pub fn elapsed_s(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

/// A value shared by the tasks of a test, like a Python `nonlocal` variable.
///
/// ```
/// let count = corio_conformance::Shared::new(0);
/// count.update(|n| *n += 1);
/// assert_eq!(count.get(), 1);
/// ```
#[derive(Debug, Default)]
pub struct Shared<T>(Arc<Mutex<T>>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<T> Shared<T> {
    /// A new shared value.
    ///
    /// ```
    /// assert_eq!(corio_conformance::Shared::new(3).get(), 3);
    /// ```
    pub fn new(value: T) -> Self {
        Shared(Arc::new(Mutex::new(value)))
    }

    /// Replaces the value.
    ///
    /// ```
    /// let s = corio_conformance::Shared::new(1);
    /// s.set(2);
    /// assert_eq!(s.get(), 2);
    /// ```
    pub fn set(&self, value: T) {
        *self.lock() = value;
    }

    /// Changes the value in place and returns what `change` returns.
    ///
    /// ```
    /// let s = corio_conformance::Shared::new(1);
    /// assert_eq!(s.update(|n| { *n += 1; *n }), 2);
    /// ```
    pub fn update<R>(&self, change: impl FnOnce(&mut T) -> R) -> R {
        change(&mut self.lock())
    }

    /// Takes the value out, leaving the default.
    ///
    /// ```
    /// let s = corio_conformance::Shared::new(Some(5));
    /// assert_eq!(s.take(), Some(5));
    /// assert_eq!(s.take(), None);
    /// ```
    pub fn take(&self) -> T
    where
        T: Default,
    {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, T> {
        // A panicking test task poisons nothing we care about: keep the value.
        self.0.lock().unwrap_or_else(|poison| poison.into_inner())
    }
}

impl<T: Clone> Shared<T> {
    /// A copy of the value.
    ///
    /// ```
    /// assert_eq!(corio_conformance::Shared::new("x").get(), "x");
    /// ```
    pub fn get(&self) -> T {
        self.lock().clone()
    }
}

/// A list the tasks of a test append to, like Python's `result = []`.
///
/// ```
/// let log = corio_conformance::Log::new();
/// log.push(1);
/// log.push(2);
/// assert_eq!(log.get(), [1, 2]);
/// ```
#[derive(Debug)]
pub struct Log<T>(Shared<Vec<T>>);

impl<T> Clone for Log<T> {
    fn clone(&self) -> Self {
        Log(self.0.clone())
    }
}

impl<T> Default for Log<T> {
    fn default() -> Self {
        Log(Shared::new(Vec::new()))
    }
}

impl<T> Log<T> {
    /// An empty list.
    ///
    /// ```
    /// assert!(corio_conformance::Log::<u8>::new().get().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `item`.
    ///
    /// ```
    /// let log = corio_conformance::Log::new();
    /// log.push("a");
    /// assert_eq!(log.len(), 1);
    /// ```
    pub fn push(&self, item: T) {
        self.0.update(|items| items.push(item));
    }

    /// How many items were appended.
    ///
    /// ```
    /// assert_eq!(corio_conformance::Log::<u8>::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.0.update(|items| items.len())
    }

    /// True if nothing was appended.
    ///
    /// ```
    /// assert!(corio_conformance::Log::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T: Clone> Log<T> {
    /// A copy of the items, in the order they were appended.
    ///
    /// ```
    /// let log = corio_conformance::Log::new();
    /// log.push(7);
    /// assert_eq!(log.get(), vec![7]);
    /// ```
    pub fn get(&self) -> Vec<T> {
        self.0.get()
    }
}

/// A future the test resolves by hand, like `loop.create_future()`: every waiter gets a
/// copy of the value once [`set`](Promise::set) is called.
///
/// ```
/// corio_conformance::run_paused(|| async {
///     let promise = corio_conformance::Promise::new();
///     let waiter = corio_executor::spawn({
///         let promise = promise.clone();
///         async move { promise.wait().await }
///     });
///     corio_executor::yield_now().await;
///     promise.set("ok");
///     assert_eq!(waiter.await.unwrap(), "ok");
/// });
/// ```
#[derive(Debug)]
pub struct Promise<T>(Shared<(Option<T>, Vec<Waker>)>);

impl<T> Clone for Promise<T> {
    fn clone(&self) -> Self {
        Promise(self.0.clone())
    }
}

impl<T> Default for Promise<T> {
    fn default() -> Self {
        Promise(Shared::new((None, Vec::new())))
    }
}

impl<T: Clone> Promise<T> {
    /// An unresolved promise.
    ///
    /// ```
    /// assert!(!corio_conformance::Promise::<u8>::new().is_set());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Resolves the promise and wakes every waiter (`fut.set_result(value)`).
    ///
    /// Panics if it was resolved already (asyncio raises `InvalidStateError`).
    ///
    /// ```
    /// let p = corio_conformance::Promise::new();
    /// p.set(1);
    /// assert!(p.is_set());
    /// ```
    pub fn set(&self, value: T) {
        let wakers = self.0.update(|(slot, wakers)| {
            assert!(slot.is_none(), "Promise::set called twice");
            *slot = Some(value);
            std::mem::take(wakers)
        });
        wakers.into_iter().for_each(Waker::wake);
    }

    /// True once resolved (`fut.done()`).
    ///
    /// ```
    /// assert!(!corio_conformance::Promise::<()>::new().is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.0.update(|(slot, _)| slot.is_some())
    }

    /// Waits until the promise is resolved and gives a copy of its value (`await fut`).
    ///
    /// ```
    /// corio_conformance::run_paused(|| async {
    ///     let p = corio_conformance::Promise::new();
    ///     p.set(3);
    ///     assert_eq!(p.wait().await, 3);
    /// });
    /// ```
    pub async fn wait(&self) -> T {
        std::future::poll_fn(|cx| {
            self.0.update(|(slot, wakers)| match slot {
                Some(value) => Poll::Ready(value.clone()),
                None => {
                    if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
                        wakers.push(cx.waker().clone());
                    }
                    Poll::Pending
                }
            })
        })
        .await
    }
}

/// Sets a shared flag when dropped: how a test sees that a future was cancelled (dropped
/// before it finished), where Python's test catches `CancelledError` or runs a `finally`.
///
/// ```
/// let dropped = corio_conformance::Shared::new(false);
/// let guard = corio_conformance::DropFlag::new(&dropped);
/// drop(guard);
/// assert!(dropped.get());
/// ```
#[derive(Debug)]
pub struct DropFlag(Shared<bool>);

impl DropFlag {
    /// A guard that sets `flag` to true when it is dropped.
    ///
    /// ```
    /// let flag = corio_conformance::Shared::new(false);
    /// let _guard = corio_conformance::DropFlag::new(&flag);
    /// assert!(!flag.get());
    /// ```
    pub fn new(flag: &Shared<bool>) -> Self {
        DropFlag(flag.clone())
    }
}

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

/// Runs a closure if dropped before [`finish`](OnCancel::finish) is called: Python's
/// `except CancelledError: <record it>; raise` around an await, where cancellation is the
/// future being dropped mid-await.
///
/// ```
/// let count = corio_conformance::Shared::new(0);
/// let c = count.clone();
/// drop(corio_conformance::OnCancel::new(move || c.update(|n| *n += 1)));
/// assert_eq!(count.get(), 1);
/// let c = count.clone();
/// corio_conformance::OnCancel::new(move || c.update(|n| *n += 1)).finish();
/// assert_eq!(count.get(), 1);
/// ```
pub struct OnCancel<F: FnOnce()>(Option<F>);

impl<F: FnOnce()> OnCancel<F> {
    /// A guard that runs `on_cancel` unless finished first.
    ///
    /// ```
    /// let guard = corio_conformance::OnCancel::new(|| panic!("not cancelled"));
    /// guard.finish();
    /// ```
    pub fn new(on_cancel: F) -> Self {
        OnCancel(Some(on_cancel))
    }

    /// The guarded await completed: do not run the closure.
    ///
    /// ```
    /// corio_conformance::OnCancel::new(|| unreachable!()).finish();
    /// ```
    pub fn finish(mut self) {
        self.0 = None;
    }
}

impl<F: FnOnce()> Drop for OnCancel<F> {
    fn drop(&mut self) {
        if let Some(on_cancel) = self.0.take() {
            on_cancel();
        }
    }
}

impl<F: FnOnce()> std::fmt::Debug for OnCancel<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnCancel")
            .field("armed", &self.0.is_some())
            .finish()
    }
}

/// A byte source the test feeds by hand, for a `corio_io::streams::StreamReader` built over
/// it: asyncio's tests call `feed_data`, `feed_eof` and `set_exception` on a reader that
/// has no socket, and corio's reader reads whatever `AsyncRead` it is given, so the test
/// feeds this source instead. Bytes fed and not yet read by the reader are
/// [`pending`](Feed::pending).
///
/// ```
/// use corio_io::streams::StreamReader;
/// corio_conformance::run_paused(|| async {
///     let feed = corio_conformance::Feed::new();
///     let mut reader = StreamReader::new(feed.clone());
///     feed.feed_data(b"line1\nline2");
///     feed.feed_eof();
///     assert_eq!(reader.readline().await.unwrap(), b"line1\n");
///     assert_eq!(reader.readline().await.unwrap(), b"line2");
/// });
/// ```
#[derive(Debug, Clone, Default)]
pub struct Feed(Shared<FeedState>);

#[derive(Debug, Default)]
struct FeedState {
    data: std::collections::VecDeque<u8>,
    eof: bool,
    /// The error set, as kind and message (an `io::Error` cannot be cloned).
    error: Option<(std::io::ErrorKind, String)>,
    waker: Option<Waker>,
}

impl Feed {
    /// A source with nothing fed yet.
    ///
    /// ```
    /// assert!(corio_conformance::Feed::new().pending().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// `stream.feed_data(data)`: the bytes become readable and a waiting read wakes. Empty
    /// data changes nothing (an empty read would mean end of stream).
    ///
    /// Panics after [`feed_eof`](Feed::feed_eof), as asyncio asserts.
    ///
    /// ```
    /// let feed = corio_conformance::Feed::new();
    /// feed.feed_data(b"ab");
    /// feed.feed_data(b"");
    /// feed.feed_data(b"c");
    /// assert_eq!(feed.pending(), b"abc");
    /// ```
    pub fn feed_data(&self, data: &[u8]) {
        let waker = self.0.update(|state| {
            assert!(!state.eof, "feed_data after feed_eof");
            if data.is_empty() {
                return None;
            }
            state.data.extend(data);
            state.waker.take()
        });
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// `stream.feed_eof()`: once the bytes fed are read, reads give end of stream.
    ///
    /// ```
    /// use futures::AsyncReadExt;
    /// let feed = corio_conformance::Feed::new();
    /// feed.feed_data(b"x");
    /// feed.feed_eof();
    /// let mut all = Vec::new();
    /// futures::executor::block_on(feed.clone().read_to_end(&mut all)).unwrap();
    /// assert_eq!(all, b"x");
    /// ```
    pub fn feed_eof(&self) {
        let waker = self.0.update(|state| {
            state.eof = true;
            state.waker.take()
        });
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// `stream.set_exception(exc)`: once the bytes fed are read, every read fails with an
    /// error of `err`'s kind and message, as a connection that failed reports its error.
    ///
    /// ```
    /// use futures::AsyncReadExt;
    /// let feed = corio_conformance::Feed::new();
    /// feed.set_exception(std::io::Error::other("ValueError"));
    /// let err = futures::executor::block_on(feed.clone().read(&mut [0; 4])).unwrap_err();
    /// assert_eq!(err.to_string(), "ValueError");
    /// ```
    pub fn set_exception(&self, err: std::io::Error) {
        let waker = self.0.update(|state| {
            state.error = Some((err.kind(), err.to_string()));
            state.waker.take()
        });
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// The bytes fed that no read has taken yet.
    ///
    /// ```
    /// let feed = corio_conformance::Feed::new();
    /// feed.feed_data(b"abc");
    /// assert_eq!(feed.pending(), b"abc");
    /// ```
    pub fn pending(&self) -> Vec<u8> {
        self.0.update(|state| state.data.iter().copied().collect())
    }
}

/// Hands out the bytes fed, then the error set, then end of stream once `feed_eof` was
/// called; waits otherwise.
impl futures_io::AsyncRead for Feed {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        self.0.update(|state| {
            if !state.data.is_empty() {
                let n = buf.len().min(state.data.len());
                for (slot, byte) in buf.iter_mut().zip(state.data.drain(..n)) {
                    *slot = byte;
                }
                return Poll::Ready(Ok(n));
            }
            if let Some((kind, msg)) = &state.error {
                return Poll::Ready(Err(std::io::Error::new(*kind, msg.clone())));
            }
            if state.eof {
                return Poll::Ready(Ok(0));
            }
            state.waker = Some(cx.waker().clone());
            Poll::Pending
        })
    }
}
