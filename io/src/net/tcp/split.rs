//! A [`TcpStream`]'s halves: borrowed ([`TcpStream::split`]) and owned
//! ([`TcpStream::into_split`]). The read half waits in the stream's read slot and the write
//! half in its write slot, so the two never take each other's wake-ups.

use super::TcpStream;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::sync::Arc;

/// The read half of [`TcpStream::split`].
///
/// ```
/// # use corio_io::net::{TcpListener, TcpStream};
/// # corio_executor::run(async {
/// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
/// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
/// # let (server, _) = listener.accept().await.unwrap();
/// let mut server = server;
/// let (read, _write) = server.split();
/// client.write(b"x").await.unwrap();
/// assert_eq!(read.read(&mut [0; 1]).await.unwrap(), 1);
/// # });
/// ```
#[derive(Debug)]
pub struct ReadHalf<'a>(&'a TcpStream);

/// The write half of [`TcpStream::split`].
///
/// ```
/// # use corio_io::net::{TcpListener, TcpStream};
/// # corio_executor::run(async {
/// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
/// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
/// # let (server, _) = listener.accept().await.unwrap();
/// let mut server = server;
/// let (_read, write) = server.split();
/// write.write(b"x").await.unwrap();
/// assert_eq!(client.read(&mut [0; 1]).await.unwrap(), 1);
/// # });
/// ```
#[derive(Debug)]
pub struct WriteHalf<'a>(&'a TcpStream);

impl<'a> ReadHalf<'a> {
    pub(super) fn new(stream: &'a TcpStream) -> Self {
        ReadHalf(stream)
    }

    /// As [`TcpStream::read`] (cancel-safe).
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// let mut server = server;
    /// let (read, _write) = server.split();
    /// client.write(b"abc").await.unwrap();
    /// assert_eq!(read.read(&mut [0; 3]).await.unwrap(), 3);
    /// # });
    /// ```
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).await
    }
}

impl<'a> WriteHalf<'a> {
    pub(super) fn new(stream: &'a TcpStream) -> Self {
        WriteHalf(stream)
    }

    /// As [`TcpStream::write`] (cancel-safe).
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// let mut server = server;
    /// let (_read, write) = server.split();
    /// assert_eq!(write.write(b"abc").await.unwrap(), 3);
    /// assert_eq!(client.read(&mut [0; 3]).await.unwrap(), 3);
    /// # });
    /// ```
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).await
    }
}

/// The read half of [`TcpStream::into_split`].
///
/// ```
/// use corio_io::net::{TcpListener, TcpStream};
/// use futures::{AsyncReadExt, AsyncWriteExt};
/// corio_executor::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
///     let (server, _) = listener.accept().await.unwrap();
///     let (mut reader, mut writer) = server.into_split();
///     let echo = corio_executor::spawn(async move {
///         let mut line = [0; 3];
///         reader.read_exact(&mut line).await.unwrap();
///         writer.write_all(&line).await.unwrap();
///     });
///     (&client).write_all(b"abc").await.unwrap();
///     let mut back = [0; 3];
///     (&client).read_exact(&mut back).await.unwrap();
///     assert_eq!(&back, b"abc");
///     echo.await.unwrap();
/// });
/// ```
#[derive(Debug)]
pub struct OwnedReadHalf(Arc<TcpStream>);

/// The write half of [`TcpStream::into_split`]; dropping it shuts the write side down.
///
/// ```
/// # use corio_io::net::{TcpListener, TcpStream};
/// # corio_executor::run(async {
/// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
/// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
/// # let (server, _) = listener.accept().await.unwrap();
/// let (_read, write) = server.into_split();
/// corio_executor::spawn(async move {
///     write.write(b"bye").await.unwrap();
/// }) // the half is dropped at the task's end: the peer reads end of stream
/// .await
/// .unwrap();
/// let mut buf = [0; 8];
/// let mut got = 0;
/// loop {
///     let n = client.read(&mut buf[got..]).await.unwrap();
///     if n == 0 {
///         break;
///     }
///     got += n;
/// }
/// assert_eq!(&buf[..got], b"bye");
/// # });
/// ```
#[derive(Debug)]
pub struct OwnedWriteHalf {
    stream: Arc<TcpStream>,
    /// False once `reunite` took the stream back: no shutdown on drop then.
    shutdown_on_drop: bool,
}

/// [`OwnedReadHalf::reunite`] was given halves of two different streams; they are returned.
///
/// ```
/// use corio_io::net::{TcpListener, TcpStream};
/// corio_executor::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let addr = listener.local_addr().unwrap();
///     let (_a, _b) = (TcpStream::connect(addr).await.unwrap(), TcpStream::connect(addr).await.unwrap());
///     let (first, _) = listener.accept().await.unwrap();
///     let (second, _) = listener.accept().await.unwrap();
///     let (read, _) = first.into_split();
///     let (_, write) = second.into_split();
///     let err = read.reunite(write).unwrap_err();
///     assert_eq!(err.to_string(), "tried to reunite halves that are not from the same TcpStream");
///     let (_read, _write) = (err.0, err.1); // both halves come back
/// });
/// ```
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

/// Says what went wrong: `tried to reunite halves that are not from the same TcpStream`
/// (the type's example shows it).
impl std::fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("tried to reunite halves that are not from the same TcpStream")
    }
}

/// A plain error, with no source.
impl std::error::Error for ReuniteError {}

impl OwnedReadHalf {
    pub(super) fn new(stream: Arc<TcpStream>) -> Self {
        OwnedReadHalf(stream)
    }

    /// As [`TcpStream::read`] (cancel-safe).
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// let (read, _write) = server.into_split();
    /// client.write(b"hey").await.unwrap();
    /// assert_eq!(read.read(&mut [0; 3]).await.unwrap(), 3);
    /// # });
    /// ```
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).await
    }

    /// The peer's address.
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// let (read, _write) = server.into_split();
    /// assert_eq!(read.peer_addr().unwrap(), client.local_addr().unwrap());
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }

    /// The local address.
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// let (read, _write) = server.into_split();
    /// assert_eq!(read.local_addr().unwrap(), listener.local_addr().unwrap());
    /// # let _ = client;
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }

    /// Puts the two halves of one stream back together.
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// let (read, write) = server.into_split();
    /// let server = read.reunite(write).unwrap();
    /// server.write(b"whole again").await.unwrap();
    /// # let _ = client;
    /// # });
    /// ```
    ///
    /// # Errors
    /// [`ReuniteError`], holding both halves, if they come from different streams.
    pub fn reunite(self, mut write: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        if !Arc::ptr_eq(&self.0, &write.stream) {
            return Err(ReuniteError(self, write));
        }
        write.shutdown_on_drop = false;
        let stream = write.stream.clone();
        drop((self, write));
        Ok(Arc::into_inner(stream).expect("both halves were given back"))
    }
}

impl OwnedWriteHalf {
    pub(super) fn new(stream: Arc<TcpStream>) -> Self {
        OwnedWriteHalf {
            stream,
            shutdown_on_drop: true,
        }
    }

    /// As [`TcpStream::write`] (cancel-safe).
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// let (_read, write) = server.into_split();
    /// assert_eq!(write.write(b"hey").await.unwrap(), 3);
    /// assert_eq!(client.read(&mut [0; 3]).await.unwrap(), 3);
    /// # });
    /// ```
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf).await
    }

    /// Sends end of stream to the peer now (the drop would do it too).
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// let (_read, write) = server.into_split();
    /// write.shutdown().unwrap();
    /// assert_eq!(client.read(&mut [0; 8]).await.unwrap(), 0, "end of stream");
    /// # });
    /// ```
    pub fn shutdown(&self) -> io::Result<()> {
        self.stream.shutdown(Shutdown::Write)
    }

    /// The peer's address.
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// let (_read, write) = server.into_split();
    /// assert_eq!(write.peer_addr().unwrap(), client.local_addr().unwrap());
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// Sets `TCP_NODELAY`.
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// let (_read, write) = server.into_split();
    /// write.set_nodelay(true).unwrap();
    /// # let _ = client;
    /// # });
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.stream.set_nodelay(nodelay)
    }
}

/// Shuts the write side down (the peer reads end of stream), unless
/// [`reunite`](OwnedReadHalf::reunite) took the stream back; the read half still reads.
///
/// ```
/// # use corio_io::net::{TcpListener, TcpStream};
/// # corio_executor::run(async {
/// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
/// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
/// # let (server, _) = listener.accept().await.unwrap();
/// let (read, write) = server.into_split();
/// drop(write);
/// assert_eq!(client.read(&mut [0; 4]).await.unwrap(), 0, "end of stream");
/// client.write(b"still").await.unwrap();
/// assert_eq!(read.read(&mut [0; 5]).await.unwrap(), 5);
/// # });
/// ```
impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // The peer may be gone already (NotConnected): nothing to tell it then.
            let _ = self.stream.shutdown(Shutdown::Write);
        }
    }
}

futures_read!(
    /// futures-io's `AsyncRead`: as the half's `read`.
    ReadHalf<'_> => TcpStream, |half| half.0
);
futures_read!(
    /// futures-io's `AsyncRead`: as the half's `read`.
    OwnedReadHalf => TcpStream, |half| &half.0
);
futures_write!(
    /// futures-io's `AsyncWrite`: as the half's `write`; `poll_flush` has nothing to do
    /// (writes go straight to the kernel) and `poll_close` shuts the write side down.
    WriteHalf<'_> => TcpStream, |half| half.0, vectored
);
futures_write!(
    /// futures-io's `AsyncWrite`: as the half's `write`; `poll_flush` has nothing to do
    /// (writes go straight to the kernel) and `poll_close` shuts the write side down.
    OwnedWriteHalf => TcpStream, |half| &half.stream, vectored
);
