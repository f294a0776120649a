//! tokio's `AsyncRead`/`AsyncWrite` on corio-io's streams (feature `tokio-io`), each a thin
//! adapter over the type's futures-io implementation, so tokio-based crates (codecs, TLS,
//! protocol libraries) run over corio sockets.
//!
//! ```
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//! corio_executor::run(async {
//!     let (mut a, mut b) = corio_io::net::UnixStream::pair().unwrap();
//!     a.write_all(b"through tokio's traits").await.unwrap();
//!     let mut buf = [0; 22];
//!     b.read_exact(&mut buf).await.unwrap();
//!     assert_eq!(&buf, b"through tokio's traits");
//! });
//! ```

use crate::net::tcp::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::net::{TcpStream, UnixStream};
use crate::streams::{StreamReader, StreamWriter};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::ReadBuf;

/// tokio's read through the futures-io one: into the unfilled part of `buf`.
fn read_into<R: futures_io::AsyncRead + ?Sized>(
    reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    let n = ready!(reader.poll_read(cx, buf.initialize_unfilled()))?;
    buf.advance(n);
    Poll::Ready(Ok(()))
}

macro_rules! tokio_read {
    ($($ty:ty),*) => {$(
        /// tokio's `AsyncRead` (feature `tokio-io`): as futures-io's.
        impl tokio::io::AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                read_into(self, cx, buf)
            }
        }
    )*};
}

macro_rules! tokio_write {
    ($($ty:ty),*) => {$(
        /// `poll_shutdown` is futures-io's `poll_close`.
        impl tokio::io::AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                futures_io::AsyncWrite::poll_write(self, cx, buf)
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

tokio_read!(
    TcpStream,
    &TcpStream,
    ReadHalf<'_>,
    OwnedReadHalf,
    UnixStream,
    &UnixStream,
    StreamReader
);
tokio_write!(
    TcpStream,
    &TcpStream,
    WriteHalf<'_>,
    OwnedWriteHalf,
    UnixStream,
    &UnixStream,
    StreamWriter
);

/// tokio's `AsyncBufRead` (feature `tokio-io`): the reader's buffer, as futures-io's.
impl tokio::io::AsyncBufRead for StreamReader {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        futures_io::AsyncBufRead::poll_fill_buf(self, cx)
    }
    fn consume(self: Pin<&mut Self>, amt: usize) {
        futures_io::AsyncBufRead::consume(self, amt);
    }
}
