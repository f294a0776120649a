//! hyper 1.x on corio (feature `hyper`): hyper's `rt::Read`/`rt::Write` on [`TcpStream`] and
//! [`UnixStream`], and [`CorioExecutor`] and [`CorioTimer`] for hyper's builders, so a
//! hyper server and client run on corio with no tokio runtime.
//!
//! ```
//! use corio_io::hyper::{CorioExecutor, CorioTimer};
//! use corio_io::net::{TcpListener, TcpStream};
//! use http_body_util::{BodyExt, Empty, Full};
//! use hyper::body::Bytes;
//!
//! corio_executor::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     corio_executor::spawn(async move {
//!         let (stream, _) = listener.accept().await.unwrap();
//!         let hello = hyper::service::service_fn(|_request| async {
//!             Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from("hello"))))
//!         });
//!         hyper::server::conn::http1::Builder::new()
//!             .timer(CorioTimer::new())
//!             .serve_connection(stream, hello)
//!             .await
//!             .unwrap();
//!     });
//!     let stream = TcpStream::connect(addr).await.unwrap();
//!     let (mut sender, connection) = hyper::client::conn::http1::handshake(stream).await.unwrap();
//!     corio_executor::spawn(connection);
//!     let request = hyper::Request::get("/").header("host", "localhost").body(Empty::<Bytes>::new()).unwrap();
//!     let response = sender.send_request(request).await.unwrap();
//!     let body = response.into_body().collect().await.unwrap().to_bytes();
//!     assert_eq!(body, "hello");
//!     let _ = CorioExecutor::current();
//! });
//! ```

use crate::net::{TcpStream, UnixStream};
use std::future::Future;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// Spawns hyper's background futures (HTTP/2 streams, a connection driven apart from its
/// handle) as corio tasks on the runtime it was made in.
///
/// ```
/// use corio_io::hyper::CorioExecutor;
/// use hyper::rt::Executor;
/// corio_executor::run(async {
///     let (tx, rx) = std::sync::mpsc::channel();
///     // hyper hands it futures to run in the background, as corio tasks.
///     CorioExecutor::current().execute(async move { tx.send("ran").unwrap() });
///     corio_executor::yield_now().await;
///     assert_eq!(rx.try_recv().unwrap(), "ran");
/// });
/// ```
#[derive(Debug, Clone)]
pub struct CorioExecutor {
    runtime: corio_executor::Handle,
}

impl CorioExecutor {
    /// An executor for the corio runtime running on this thread.
    ///
    /// ```
    /// use corio_io::hyper::CorioExecutor;
    /// corio_executor::run(async {
    ///     // For hyper's builders, e.g. `hyper::server::conn::http2::Builder::new(executor)`.
    ///     let executor = CorioExecutor::current();
    ///     let _ = executor.clone();
    /// });
    /// ```
    ///
    /// # Panics
    /// Outside a corio runtime.
    pub fn current() -> CorioExecutor {
        CorioExecutor {
            runtime: corio_executor::Handle::current(),
        }
    }

    /// An executor for the runtime of `runtime`.
    ///
    /// ```
    /// use corio_io::hyper::CorioExecutor;
    /// use hyper::rt::Executor;
    /// let runtime = corio_executor::Runtime::new();
    /// // Made outside the runtime, from its handle.
    /// let executor = CorioExecutor::new(runtime.handle());
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// executor.execute(async move { tx.send(1).unwrap() });
    /// runtime.block_on(corio_executor::yield_now());
    /// assert_eq!(rx.try_recv().unwrap(), 1);
    /// ```
    pub fn new(runtime: corio_executor::Handle) -> CorioExecutor {
        CorioExecutor { runtime }
    }
}

/// Spawns the future as a detached corio task on the executor's runtime (the type's example
/// shows it run).
impl<F> hyper::rt::Executor<F> for CorioExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        self.runtime.spawn_detached(async move {
            future.await;
        });
    }
}

/// hyper's timer (header-read timeouts, keep-alive) on corio's clock, so hyper's timeouts
/// follow the paused clock in tests too. Use it on the loop's thread.
///
/// ```
/// use corio_io::hyper::CorioTimer;
/// use hyper::rt::Timer;
/// use std::time::Duration;
/// corio_executor::Runtime::builder().start_paused(true).build().block_on(async {
///     let start = corio_executor::time::Instant::now();
///     CorioTimer::new().sleep(Duration::from_secs(30)).await; // on the paused clock: instant
///     assert_eq!(start.elapsed(), Duration::from_secs(30));
/// });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct CorioTimer {
    _private: (),
}

impl CorioTimer {
    /// The timer.
    ///
    /// ```
    /// use corio_io::hyper::CorioTimer;
    /// // For hyper's builders: `hyper::server::conn::http1::Builder::new().timer(CorioTimer::new())`.
    /// let mut builder = hyper::server::conn::http1::Builder::new();
    /// builder.timer(CorioTimer::new());
    /// ```
    pub fn new() -> CorioTimer {
        CorioTimer::default()
    }
}

/// A corio sleep as hyper's `rt::Sleep`.
struct HyperSleep(corio_executor::time::Sleep);

impl Future for HyperSleep {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl hyper::rt::Sleep for HyperSleep {}

/// Sleeps on corio's clock: `now` is corio's `Instant::now`, paused clock included (the
/// type's example sleeps 30 s of it).
impl hyper::rt::Timer for CorioTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep(corio_executor::time::sleep(duration)))
    }

    fn sleep_until(&self, deadline: std::time::Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep(corio_executor::time::sleep_until(
            deadline.into(),
        )))
    }

    fn now(&self) -> std::time::Instant {
        corio_executor::time::Instant::now().into_std()
    }
}

// Shaped like `tokio_io`'s adapters but not the same: hyper's `rt::Read` fills an
// uninitialized buffer (tokio's path initializes it first) and its `rt::Write` is vectored.
macro_rules! hyper_io {
    ($($ty:ty),*) => {$(
        /// hyper's `rt::Read`: reads straight into hyper's (possibly uninitialized) buffer.
        impl hyper::rt::Read for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: hyper::rt::ReadBufCursor<'_>,
            ) -> Poll<io::Result<()>> {
                // SAFETY: `Async::poll_read_uninit` reads with read(2), which initializes
                // exactly the first `n` bytes of the slice it is given and returns that `n`.
                unsafe { fill_cursor(buf, |unfilled| self.io.poll_read_uninit(cx, unfilled)) }
            }
        }

        /// hyper's `rt::Write`: as futures-io's `AsyncWrite`, vectored writes included.
        impl hyper::rt::Write for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                futures_io::AsyncWrite::poll_write(self, cx, buf)
            }
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                futures_io::AsyncWrite::poll_write_vectored(self, cx, bufs)
            }
            fn is_write_vectored(&self) -> bool {
                true
            }
            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                futures_io::AsyncWrite::poll_flush(self, cx)
            }
            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                futures_io::AsyncWrite::poll_close(self, cx)
            }
        }
    )*};
}

hyper_io!(TcpStream, UnixStream);

/// Reads into the unfilled part of hyper's buffer with `read` and marks what it wrote as
/// filled. The one place corio-io touches hyper's uninitialized buffers.
///
/// # Safety
/// `read`, given a slice, must initialize the first `n` bytes of it when it returns
/// `Ready(Ok(n))` (as read(2) does), and must not de-initialize any byte.
unsafe fn fill_cursor(
    mut buf: hyper::rt::ReadBufCursor<'_>,
    read: impl FnOnce(&mut [MaybeUninit<u8>]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<()>> {
    // SAFETY: the slice is handed only to `read`, which by this function's contract never
    // de-initializes a byte: `ReadBufCursor::as_mut`'s rule.
    let unfilled = unsafe { buf.as_mut() };
    let len = unfilled.len();
    let n = ready!(read(unfilled))?;
    assert!(n <= len, "a read reported {n} bytes into a buffer of {len}");
    // SAFETY: `read` initialized the first `n` bytes of the unfilled part (this function's
    // contract), which is what `advance(n)` requires.
    unsafe { buf.advance(n) };
    Poll::Ready(Ok(()))
}

// Unit tests of the cursor filling above, with a fake read: no syscalls, so Miri checks
// the unsafe code (`cargo +nightly miri test -p corio-io --features hyper --lib
// compat::hyper`).
#[cfg(test)]
mod tests {
    use super::*;

    /// A read that writes `data` into the front of the slice it is given.
    fn fake_read(
        data: &[u8],
    ) -> impl FnOnce(&mut [MaybeUninit<u8>]) -> Poll<io::Result<usize>> + '_ {
        move |unfilled| {
            let n = data.len().min(unfilled.len());
            for (slot, byte) in unfilled.iter_mut().zip(&data[..n]) {
                slot.write(*byte);
            }
            Poll::Ready(Ok(n))
        }
    }

    #[test]
    fn reads_land_behind_what_hyper_already_filled() {
        let mut raw = [MaybeUninit::<u8>::uninit(); 8];
        let mut buf = hyper::rt::ReadBuf::uninit(&mut raw);
        // SAFETY: `fake_read` initializes the `n` bytes it reports.
        let first = unsafe { fill_cursor(buf.unfilled(), fake_read(b"hello")) };
        assert!(matches!(first, Poll::Ready(Ok(()))));
        // SAFETY: as above.
        let second = unsafe { fill_cursor(buf.unfilled(), fake_read(b" world")) };
        assert!(matches!(second, Poll::Ready(Ok(()))));
        assert_eq!(buf.filled(), b"hello wo", "the rest did not fit");
    }

    #[test]
    fn pending_and_errors_fill_nothing() {
        let mut raw = [MaybeUninit::<u8>::uninit(); 4];
        let mut buf = hyper::rt::ReadBuf::uninit(&mut raw);
        // SAFETY: a read that returns no count initializes nothing and claims nothing.
        let pending = unsafe { fill_cursor(buf.unfilled(), |_| Poll::Pending) };
        assert!(pending.is_pending());
        // SAFETY: as above.
        let failed = unsafe {
            fill_cursor(buf.unfilled(), |_| {
                Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()))
            })
        };
        assert!(
            matches!(failed, Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::ConnectionReset)
        );
        assert!(buf.filled().is_empty());
    }
}
