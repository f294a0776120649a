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
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// Spawns hyper's background futures (HTTP/2 streams, a connection driven apart from its
/// handle) as corio tasks on the runtime it was made in.
#[derive(Debug, Clone)]
pub struct CorioExecutor {
    runtime: corio_executor::Handle,
}

impl CorioExecutor {
    /// An executor for the corio runtime running on this thread.
    ///
    /// # Panics
    /// Outside a corio runtime.
    pub fn current() -> CorioExecutor {
        CorioExecutor {
            runtime: corio_executor::Handle::current(),
        }
    }

    /// An executor for the runtime of `runtime`.
    pub fn new(runtime: corio_executor::Handle) -> CorioExecutor {
        CorioExecutor { runtime }
    }
}

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
#[derive(Debug, Clone, Copy, Default)]
pub struct CorioTimer {
    _private: (),
}

impl CorioTimer {
    /// The timer.
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

macro_rules! hyper_io {
    ($($ty:ty),*) => {$(
        impl hyper::rt::Read for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                mut buf: hyper::rt::ReadBufCursor<'_>,
            ) -> Poll<io::Result<()>> {
                // SAFETY: the slice is only written to (by read(2), through a raw pointer),
                // never read, and never de-initialized: ReadBufCursor::as_mut's contract.
                let unfilled = unsafe { buf.as_mut() };
                let n = ready!(self.poll_read_uninit(cx, unfilled))?;
                // SAFETY: read(2) initialized exactly the first `n` bytes of that slice.
                unsafe { buf.advance(n) };
                Poll::Ready(Ok(()))
            }
        }

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
