//! asyncio's streams API: [`open_connection`] and [`start_server`] give a connection as a
//! [`StreamReader`] and a [`StreamWriter`].
//!
//! | asyncio | corio-io |
//! | --- | --- |
//! | `await asyncio.open_connection(host, port)` | `open_connection((host, port)).await?` |
//! | `await asyncio.start_server(cb, host, port)` | `start_server(cb, (host, port)).await?` |
//! | `await reader.readline()` | `reader.readline().await?` |
//! | `writer.write(data); await writer.drain()` | `writer.write(data)?; writer.drain().await?` |

mod error;
mod reader;
mod server;
mod writer;

pub use error::{IncompleteRead, LimitOverrun, StreamError};
pub use reader::{StreamReader, DEFAULT_LIMIT};
pub use server::{start_server, Server, ACCEPT_RETRY_DELAY};
pub use writer::{StreamWriter, DEFAULT_HIGH_WATER, DEFAULT_LOW_WATER};

use crate::net::addr::ToSocketAddrs;
use crate::net::TcpStream;
use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Connects to `addr` and returns the connection's reader and writer (asyncio's
/// `open_connection`).
///
/// ```
/// use corio_io::streams::open_connection;
/// corio_executor::run(async {
///     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
///     let addr = listener.local_addr().unwrap();
///     let peer = std::thread::spawn(move || {
///         use std::io::Write;
///         listener.accept().unwrap().0.write_all(b"220 ready\r\n").unwrap();
///     });
///     let (mut reader, _writer) = open_connection(addr).await.unwrap();
///     assert_eq!(reader.readuntil(b"\r\n").await.unwrap(), b"220 ready\r\n");
///     peer.join().unwrap();
/// });
/// ```
///
/// # Errors
/// As [`TcpStream::connect`].
pub async fn open_connection(addr: impl ToSocketAddrs) -> io::Result<(StreamReader, StreamWriter)> {
    tcp_streams(TcpStream::connect(addr).await?)
}

/// A connected TCP stream as a reader and a writer, with `TCP_NODELAY` set as asyncio sets
/// it: the writer already batches what it buffers, so Nagle's delay only adds latency.
pub(crate) fn tcp_streams(stream: TcpStream) -> io::Result<(StreamReader, StreamWriter)> {
    stream.set_nodelay(true)?;
    let peer = stream.peer_addr().ok();
    let stream = Arc::new(stream);
    let writer = StreamWriter::new(stream.clone(), peer)?;
    Ok((StreamReader::new(ArcRead(stream)), writer))
}

/// The reader's share of a stream the writer also holds.
struct ArcRead(Arc<TcpStream>);

impl futures_io::AsyncRead for ArcRead {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_read(cx, buf)
    }
}

impl writer::WriteTransport for TcpStream {
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        TcpStream::try_write(self, buf)
    }
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        TcpStream::poll_write(self, cx, buf)
    }
    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        TcpStream::shutdown(self, how)
    }
}
