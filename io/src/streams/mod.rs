//! asyncio's streams API: [`open_connection`] and [`start_server`] (TCP),
//! [`open_unix_connection`] and [`start_unix_server`] (Unix sockets) give a connection as a
//! [`StreamReader`] and a [`StreamWriter`].
//!
//! | asyncio | corio-io |
//! | --- | --- |
//! | `await asyncio.open_connection(host, port)` | `open_connection((host, port)).await?` |
//! | `await asyncio.start_server(cb, host, port)` | `start_server(cb, (host, port)).await?` |
//! | `await asyncio.open_unix_connection(path)` | `open_unix_connection(path).await?` |
//! | `await asyncio.start_unix_server(cb, path)` | `start_unix_server(cb, path).await?` |
//! | `await reader.readline()` | `reader.readline().await?` |
//! | `writer.write(data); await writer.drain()` | `writer.write(data)?; writer.drain().await?` |
//!
//! ```
//! use corio_io::streams::{open_connection, start_server};
//! corio_executor::run(async {
//!     // An echo server, as in asyncio's documentation.
//!     let server = start_server(
//!         |mut reader, writer| async move {
//!             let data = reader.read(100).await.unwrap();
//!             writer.write(&data).unwrap();
//!             writer.drain().await.unwrap();
//!             writer.close();
//!         },
//!         "127.0.0.1:0",
//!     )
//!     .await
//!     .unwrap();
//!     let (mut reader, writer) = open_connection(server.sockets()[0]).await.unwrap();
//!     writer.write(b"Hello World!").unwrap();
//!     assert_eq!(reader.read(100).await.unwrap(), b"Hello World!");
//!     writer.close();
//!     server.close();
//! });
//! ```
//!
//! The TCP and Unix forms share everything but the socket: a connection (`Connection`) is
//! what a reader and a writer are made from, a listener (`Listener`) what a server accepts
//! them on.

mod error;
mod reader;
mod server;
mod writer;

pub use error::{IncompleteRead, LimitOverrun, StreamError};
pub use reader::{StreamReader, DEFAULT_LIMIT};
pub use server::{start_server, start_unix_server, Server, ACCEPT_RETRY_DELAY};
pub use writer::{StreamWriter, DEFAULT_HIGH_WATER, DEFAULT_LOW_WATER};

use crate::net::addr::ToSocketAddrs;
use crate::net::{TcpStream, UnixStream};
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::path::Path;
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
    reader_and_writer(TcpStream::connect(addr).await?)
}

/// Connects to the Unix socket at `path` and returns the connection's reader and writer
/// (asyncio's `open_unix_connection`). The writer's
/// [`peer_addr`](StreamWriter::peer_addr) is `None`: the peer has no IP address.
///
/// ```
/// use corio_io::streams::open_unix_connection;
/// corio_executor::run(async {
///     let dir = std::env::temp_dir().join(format!("corio-doc-ouc-{}", std::process::id()));
///     std::fs::create_dir_all(&dir).unwrap();
///     let path = dir.join("greeter.sock");
///     let _ = std::fs::remove_file(&path);
///     let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
///     let peer = std::thread::spawn(move || {
///         use std::io::Write;
///         listener.accept().unwrap().0.write_all(b"hello\n").unwrap();
///     });
///     let (mut reader, _writer) = open_unix_connection(&path).await.unwrap();
///     assert_eq!(reader.readline().await.unwrap(), b"hello\n");
///     peer.join().unwrap();
///     std::fs::remove_dir_all(&dir).unwrap();
/// });
/// ```
///
/// # Errors
/// As [`UnixStream::connect`]: `NotFound` if nothing is at `path`, `ConnectionRefused` if
/// nothing listens there.
pub async fn open_unix_connection(
    path: impl AsRef<Path>,
) -> io::Result<(StreamReader, StreamWriter)> {
    reader_and_writer(UnixStream::connect(path).await?)
}

/// A connected stream socket, as the streams API takes it: the writer sends through it
/// ([`WriteTransport`](writer::WriteTransport)), the reader reads from it through a shared
/// reference.
pub(crate) trait Connection: writer::WriteTransport + Sized {
    /// Readies a new connection for the streams API and returns its peer's IP address,
    /// if it has one.
    fn prepare(&self) -> io::Result<Option<SocketAddr>>;
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
}

/// A connected stream socket as a reader and a writer.
pub(crate) fn reader_and_writer(
    connection: impl Connection,
) -> io::Result<(StreamReader, StreamWriter)> {
    let peer = connection.prepare()?;
    let connection = Arc::new(connection);
    let writer = StreamWriter::new(connection.clone(), peer)?;
    Ok((StreamReader::new(ArcRead(connection)), writer))
}

/// The reader's share of a stream the writer also holds.
struct ArcRead<C>(Arc<C>);

impl<C: Connection> futures_io::AsyncRead for ArcRead<C> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_read(cx, buf)
    }
}

/// Both stream sockets have the operations the streams use as methods of their own; only
/// how a new connection is readied differs (`|stream| -> io::Result<Option<SocketAddr>>`).
macro_rules! connection {
    ($ty:ty, |$stream:ident| $prepare:expr) => {
        impl writer::WriteTransport for $ty {
            fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                <$ty>::try_write(self, buf)
            }
            fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                <$ty>::poll_write(self, cx, buf)
            }
            fn shutdown(&self, how: Shutdown) -> io::Result<()> {
                <$ty>::shutdown(self, how)
            }
        }

        impl Connection for $ty {
            fn prepare(&self) -> io::Result<Option<SocketAddr>> {
                let $stream = self;
                $prepare
            }
            fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                <$ty>::poll_read(self, cx, buf)
            }
        }
    };
}

// TCP sets `TCP_NODELAY` as asyncio does: the writer already batches what it buffers, so
// Nagle's delay would only add latency.
connection!(TcpStream, |stream| {
    stream.set_nodelay(true)?;
    Ok(stream.peer_addr().ok())
});
// A Unix peer has no IP address.
connection!(UnixStream, |_stream| Ok(None));
