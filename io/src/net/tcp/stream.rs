//! A TCP connection.

use super::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::net::addr::{resolve, ToSocketAddrs};
use crate::Async;
use socket2::{Domain, Protocol, Socket, Type};
use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};

/// A TCP connection: connect with [`connect`](TcpStream::connect), or take one from
/// [`TcpListener::accept`](super::TcpListener::accept).
///
/// It reads and writes through `&self` ([`read`](TcpStream::read),
/// [`write`](TcpStream::write)) and implements futures-io's `AsyncRead`/`AsyncWrite` (also
/// on `&TcpStream`), so one task may read while another writes; or split it into halves
/// with [`split`](TcpStream::split) (borrowed) or [`into_split`](TcpStream::into_split)
/// (owned, to move into two tasks). Writes never raise `SIGPIPE`: writing to a closed
/// connection is a `BrokenPipe` error.
///
/// ```
/// # use corio_io::net::{TcpListener, TcpStream};
/// # corio_executor::run(async {
/// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
/// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
/// # let (server, _) = listener.accept().await.unwrap();
/// // One task may read while another writes, through `&TcpStream`.
/// let server = std::sync::Arc::new(server);
/// let reader = {
///     let server = server.clone();
///     corio_executor::spawn(async move {
///         let mut buf = [0; 4];
///         server.read(&mut buf).await.unwrap()
///     })
/// };
/// server.write(b"sent").await.unwrap();
/// client.write(b"recv").await.unwrap();
/// assert_eq!(reader.await.unwrap(), 4);
/// # });
/// ```
#[derive(Debug)]
pub struct TcpStream {
    /// Crate-visible for the hyper adapter's reads into uninitialized memory.
    pub(crate) io: Async<std::net::TcpStream>,
}

impl TcpStream {
    /// Connects to the first of `addr`'s addresses that accepts.
    ///
    /// ```
    /// use corio_io::net::TcpStream;
    /// corio_executor::run(async {
    ///     // Nothing listens on a freshly closed port: refused at once.
    ///     let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    ///     let err = TcpStream::connect(port).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    /// });
    /// ```
    ///
    /// Cancel-safe in that nothing is left behind: a dropped connect closes its socket.
    ///
    /// # Errors
    /// The last address's error (`ConnectionRefused`, `TimedOut`, ...) or the lookup's.
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let mut last_err = None;
        for addr in resolve(&addr).await? {
            match TcpStream::connect_one(addr).await {
                Ok(stream) => return Ok(stream),
                Err(err) => last_err = Some(err),
            }
        }
        Err(last_err.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to")
        }))
    }

    async fn connect_one(addr: SocketAddr) -> io::Result<TcpStream> {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_nonblocking(true)?;
        match socket.connect(&addr.into()) {
            Ok(()) => {}
            Err(err) if err.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(err) => return Err(err),
        }
        let stream = TcpStream::from_std(socket.into())?;
        // Writable means the handshake ended; its outcome is the socket's pending error.
        stream
            .io
            .write_with(|socket| match socket.take_error()? {
                Some(err) => Err(err),
                None => match socket.peer_addr() {
                    Ok(_) => Ok(()),
                    Err(err) if err.kind() == io::ErrorKind::NotConnected => {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    Err(err) => Err(err),
                },
            })
            .await?;
        Ok(stream)
    }

    /// Takes over a connected std stream (made non-blocking here).
    ///
    /// ```
    /// use corio_io::net::TcpStream;
    /// corio_executor::run(async {
    ///     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let std_stream = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    ///     let stream = TcpStream::from_std(std_stream).unwrap();
    ///     use std::io::Write;
    ///     listener.accept().unwrap().0.write_all(b"hi").unwrap();
    ///     let mut buf = [0; 2];
    ///     assert_eq!(stream.read(&mut buf).await.unwrap(), 2);
    /// });
    /// ```
    ///
    /// # Errors
    /// Outside a corio runtime, or if the socket cannot be registered.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: Async::new(stream)?,
        })
    }

    /// Reads some bytes into `buf`; `Ok(0)` at end of stream (or for an empty `buf`).
    ///
    /// Cancel-safe: if the future is dropped before it completes, no bytes were read.
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// client.write(b"ping").await.unwrap();
    /// let mut buf = [0; 16];
    /// let n = server.read(&mut buf).await.unwrap();
    /// assert_eq!(&buf[..n], b"ping");
    /// drop(client);
    /// assert_eq!(server.read(&mut buf).await.unwrap(), 0, "end of stream");
    /// # });
    /// ```
    pub fn read<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        self.io.stream_read(buf)
    }

    /// Writes some of `buf`; returns how many bytes the kernel took.
    ///
    /// Cancel-safe: if the future is dropped before it completes, nothing was written.
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// let n = client.write(b"hello").await.unwrap();
    /// assert_eq!(n, 5, "a small write to an idle socket goes whole");
    /// let mut buf = [0; 5];
    /// assert_eq!(server.read(&mut buf).await.unwrap(), 5);
    /// # });
    /// ```
    pub fn write<'a>(
        &'a self,
        buf: &'a [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        self.io.stream_write(buf)
    }

    /// Writes some of `buf` if the socket takes it now, without waiting: `WouldBlock` if
    /// it is full.
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// assert_eq!(client.try_write(b"now").unwrap(), 3);
    /// let mut buf = [0; 3];
    /// assert_eq!(server.read(&mut buf).await.unwrap(), 3);
    /// # });
    /// ```
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        Write::write(&mut self.io.get_ref(), buf)
    }

    /// The polling form of [`read`](TcpStream::read); only the last task to poll is woken.
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// client.write(b"hi").await.unwrap();
    /// let mut buf = [0; 2];
    /// let n = std::future::poll_fn(|cx| server.poll_read(cx, &mut buf)).await.unwrap();
    /// assert_eq!(&buf[..n], b"hi");
    /// # });
    /// ```
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_stream_read(cx, buf)
    }

    /// The polling form of [`write`](TcpStream::write); only the last task to poll is woken.
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// let n = std::future::poll_fn(|cx| client.poll_write(cx, b"hi")).await.unwrap();
    /// assert_eq!(n, 2);
    /// # let _ = server;
    /// # });
    /// ```
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_stream_write(cx, buf)
    }

    /// Vectored write: the polling form, for the I/O traits.
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// use std::io::IoSlice;
    /// let bufs = [IoSlice::new(b"head "), IoSlice::new(b"body")];
    /// let n = std::future::poll_fn(|cx| client.poll_write_vectored(cx, &bufs)).await.unwrap();
    /// assert_eq!(n, 9);
    /// let mut buf = [0; 9];
    /// let mut got = 0;
    /// while got < 9 {
    ///     got += server.read(&mut buf[got..]).await.unwrap();
    /// }
    /// assert_eq!(&buf, b"head body");
    /// # });
    /// ```
    pub fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_stream_write_vectored(cx, bufs)
    }

    /// The local address of the connection.
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// assert_eq!(server.local_addr().unwrap(), listener.local_addr().unwrap());
    /// assert_eq!(client.local_addr().unwrap(), server.peer_addr().unwrap());
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The address of the peer.
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// assert_eq!(client.peer_addr().unwrap(), listener.local_addr().unwrap());
    /// # let _ = server;
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets `TCP_NODELAY`: send small writes at once instead of coalescing them (Nagle).
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// client.set_nodelay(true).unwrap();
    /// assert!(client.nodelay().unwrap());
    /// # let _ = server;
    /// # });
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// assert!(!server.nodelay().unwrap(), "off unless set");
    /// # let _ = client;
    /// # });
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Shuts down the read side, the write side (the peer reads end of stream: asyncio's
    /// `write_eof`) or both. The socket stays open until dropped.
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// client.write(b"last words").await.unwrap();
    /// client.shutdown(std::net::Shutdown::Write).unwrap();
    /// let mut buf = [0; 32];
    /// let mut got = 0;
    /// loop {
    ///     let n = server.read(&mut buf[got..]).await.unwrap();
    ///     if n == 0 {
    ///         break; // the peer's end of stream
    ///     }
    ///     got += n;
    /// }
    /// assert_eq!(&buf[..got], b"last words");
    /// # });
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// The pending socket error (`SO_ERROR`), if any, clearing it.
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// assert!(client.take_error().unwrap().is_none(), "a healthy connection");
    /// # let _ = server;
    /// # });
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Splits into a read half and a write half that borrow the stream, to read and write
    /// at once within one task (e.g. with `join`).
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// let mut server = server;
    /// let (read, write) = server.split();
    /// // Echo one message: read and write halves used at once in one task.
    /// client.write(b"echo").await.unwrap();
    /// let mut buf = [0; 4];
    /// let n = read.read(&mut buf).await.unwrap();
    /// write.write(&buf[..n]).await.unwrap();
    /// let mut back = [0; 4];
    /// assert_eq!(client.read(&mut back).await.unwrap(), 4);
    /// assert_eq!(&back, b"echo");
    /// # });
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (ReadHalf::new(self), WriteHalf::new(self))
    }

    /// Splits into owned halves, to move into two tasks. Dropping the write half shuts the
    /// write side down (the peer reads end of stream); [`OwnedReadHalf::reunite`] puts the
    /// two back together.
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// let (read, write) = server.into_split();
    /// let writer = corio_executor::spawn(async move {
    ///     write.write(b"from a task").await.unwrap();
    ///     // Dropping the write half shuts the write side down.
    /// });
    /// writer.await.unwrap();
    /// let mut buf = [0; 11];
    /// let mut got = 0;
    /// while got < 11 {
    ///     got += client.read(&mut buf[got..]).await.unwrap();
    /// }
    /// assert_eq!(&buf, b"from a task");
    /// assert_eq!(client.read(&mut buf).await.unwrap(), 0);
    /// # let _ = read;
    /// # });
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let stream = Arc::new(self);
        (
            OwnedReadHalf::new(stream.clone()),
            OwnedWriteHalf::new(stream),
        )
    }
}

futures_read!(
    /// futures-io's `AsyncRead`: as [`read`](TcpStream::read).
    ///
    /// ```
    /// # use corio_io::net::{TcpListener, TcpStream};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    /// # let (server, _) = listener.accept().await.unwrap();
    /// use futures::{AsyncReadExt, AsyncWriteExt};
    /// let (mut client, mut server) = (client, server);
    /// client.write_all(b"exact").await.unwrap();
    /// let mut buf = [0; 5];
    /// server.read_exact(&mut buf).await.unwrap();
    /// assert_eq!(&buf, b"exact");
    /// # });
    /// ```
    TcpStream => TcpStream, |stream| stream
);
futures_read!(
    /// futures-io's `AsyncRead` through a shared reference, so one task may read while
    /// another writes.
    &TcpStream => TcpStream, |stream| *stream
);
futures_write!(
    /// Writes go straight to the kernel: `poll_flush` has nothing to do, and `poll_close`
    /// shuts the write side down.
    TcpStream => TcpStream, |stream| stream, vectored
);
futures_write!(
    /// futures-io's `AsyncWrite` through a shared reference, as on `TcpStream`.
    &TcpStream => TcpStream, |stream| *stream, vectored
);
