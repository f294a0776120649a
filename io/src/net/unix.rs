//! Unix domain sockets: [`UnixListener`], [`UnixStream`], [`UnixDatagram`].

use crate::Async;
use socket2::{Domain, SockAddr, Socket, Type};
use std::io::{self, Write};
use std::net::Shutdown;
use std::os::unix::net::{self as std_unix, SocketAddr};
use std::path::Path;
use std::task::{Context, Poll};

/// A Unix stream socket listening at a path.
///
/// ```
/// use corio_io::net::{UnixListener, UnixStream};
/// corio_executor::run(async {
///     let dir = std::env::temp_dir().join(format!("corio-doc-{}", std::process::id()));
///     std::fs::create_dir_all(&dir).unwrap();
///     let path = dir.join("listener.sock");
///     let _ = std::fs::remove_file(&path);
///     let listener = UnixListener::bind(&path).unwrap();
///     let client = UnixStream::connect(&path).await.unwrap();
///     let (server, _) = listener.accept().await.unwrap();
///     client.write(b"hi").await.unwrap();
///     let mut buf = [0; 2];
///     assert_eq!(server.read(&mut buf).await.unwrap(), 2);
///     std::fs::remove_file(&path).unwrap();
/// });
/// ```
#[derive(Debug)]
pub struct UnixListener {
    io: Async<std_unix::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` (which must not exist yet) and listens.
    ///
    /// ```
    /// use corio_io::net::UnixListener;
    /// corio_executor::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-doc-{}-listener-bind", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("listener-bind.sock");
    /// # let _ = std::fs::remove_file(&path);
    ///     let _listener = UnixListener::bind(&path).unwrap();
    ///     let err = UnixListener::bind(&path).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse, "the path exists");
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// });
    /// ```
    ///
    /// # Errors
    /// `AddrInUse` if `path` exists; outside a corio runtime.
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::from_std(std_unix::UnixListener::bind(path)?)
    }

    /// Takes over a std listener (made non-blocking here).
    ///
    /// ```
    /// use corio_io::net::{UnixListener, UnixStream};
    /// corio_executor::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-doc-{}-listener-from-std", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("listener-from-std.sock");
    /// # let _ = std::fs::remove_file(&path);
    ///     let listener = UnixListener::from_std(std::os::unix::net::UnixListener::bind(&path).unwrap()).unwrap();
    ///     let _client = UnixStream::connect(&path).await.unwrap();
    ///     listener.accept().await.unwrap();
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// });
    /// ```
    ///
    /// # Errors
    /// Outside a corio runtime, or if it cannot be registered.
    pub fn from_std(listener: std_unix::UnixListener) -> io::Result<UnixListener> {
        Ok(UnixListener {
            io: Async::new(listener)?,
        })
    }

    /// Waits for the next connection. Cancel-safe: a cancelled accept took none.
    ///
    /// ```
    /// use corio_io::net::{UnixListener, UnixStream};
    /// corio_executor::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-doc-{}-listener-accept", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("listener-accept.sock");
    /// # let _ = std::fs::remove_file(&path);
    ///     let listener = UnixListener::bind(&path).unwrap();
    ///     let client = UnixStream::connect(&path).await.unwrap();
    ///     let (server, peer) = listener.accept().await.unwrap();
    ///     assert!(peer.is_unnamed(), "a connecting socket has no path of its own");
    ///     server.write(b"welcome").await.unwrap();
    ///     assert_eq!(client.read(&mut [0; 7]).await.unwrap(), 7);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// });
    /// ```
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = self.io.read_with(|listener| listener.accept()).await?;
        Ok((UnixStream::from_std(stream)?, addr))
    }

    /// The address the listener is bound to.
    ///
    /// ```
    /// use corio_io::net::UnixListener;
    /// corio_executor::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-doc-{}-listener-addr", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("listener-addr.sock");
    /// # let _ = std::fs::remove_file(&path);
    ///     let listener = UnixListener::bind(&path).unwrap();
    ///     assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Stops listening now, even while a task still holds the listener: new connections
    /// are refused (on Linux; elsewhere the drop does it), as `TcpListener`'s.
    pub(crate) fn stop_listening(&self) {
        let _ = socket2::SockRef::from(self.io.get_ref()).shutdown(Shutdown::Read);
    }
}

/// A connected Unix stream socket. Reads and writes through `&self`, and implements
/// futures-io's `AsyncRead`/`AsyncWrite` (also on `&UnixStream`).
///
/// ```
/// # use corio_io::net::UnixStream;
/// # corio_executor::run(async {
/// # let (a, b) = UnixStream::pair().unwrap();
/// use futures::{AsyncReadExt, AsyncWriteExt};
/// let (mut a, mut b) = (a, b);
/// a.write_all(b"through futures-io").await.unwrap();
/// a.close().await.unwrap(); // shuts the write side down
/// let mut all = Vec::new();
/// b.read_to_end(&mut all).await.unwrap();
/// assert_eq!(all, b"through futures-io");
/// # });
/// ```
#[derive(Debug)]
pub struct UnixStream {
    /// Crate-visible for the hyper adapter's reads into uninitialized memory.
    pub(crate) io: Async<std_unix::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket at `path`.
    ///
    /// ```
    /// use corio_io::net::{UnixListener, UnixStream};
    /// corio_executor::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-doc-{}-stream-connect", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("stream-connect.sock");
    /// # let _ = std::fs::remove_file(&path);
    ///     let err = UnixStream::connect(&path).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    ///     let listener = UnixListener::bind(&path).unwrap();
    ///     let client = UnixStream::connect(&path).await.unwrap();
    ///     let (server, _) = listener.accept().await.unwrap();
    ///     client.write(b"hi").await.unwrap();
    ///     assert_eq!(server.read(&mut [0; 2]).await.unwrap(), 2);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// });
    /// ```
    ///
    /// # Errors
    /// `NotFound` if nothing is there, `ConnectionRefused` if nothing listens.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        socket.set_nonblocking(true)?;
        match socket.connect(&SockAddr::unix(path)?) {
            Ok(()) => {}
            Err(err) if err.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(err) => return Err(err),
        }
        let stream = UnixStream::from_std(std_unix::UnixStream::from(std::os::fd::OwnedFd::from(
            socket,
        )))?;
        stream
            .io
            .write_with(|s| match s.take_error()? {
                Some(err) => Err(err),
                None => Ok(()),
            })
            .await?;
        Ok(stream)
    }

    /// Two connected sockets (`socketpair`).
    ///
    /// ```
    /// use corio_io::net::UnixStream;
    /// corio_executor::run(async {
    ///     let (a, b) = UnixStream::pair().unwrap();
    ///     b.write(b"pong").await.unwrap();
    ///     assert_eq!(a.read(&mut [0; 4]).await.unwrap(), 4);
    /// });
    /// ```
    ///
    /// # Errors
    /// Outside a corio runtime, or the kernel's.
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = std_unix::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Takes over a std stream (made non-blocking here).
    ///
    /// ```
    /// use corio_io::net::UnixStream;
    /// use std::io::Write;
    /// corio_executor::run(async {
    ///     let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let a = UnixStream::from_std(a).unwrap();
    ///     b.write_all(b"std").unwrap();
    ///     assert_eq!(a.read(&mut [0; 3]).await.unwrap(), 3);
    /// });
    /// ```
    ///
    /// # Errors
    /// Outside a corio runtime, or if it cannot be registered.
    pub fn from_std(stream: std_unix::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: Async::new(stream)?,
        })
    }

    // `read`, `write` and the `poll_*` forms are `TcpStream`'s too, one line each over the
    // `Async::stream_*` methods both share: each type keeps its own for its docs and examples.

    /// Reads some bytes; `Ok(0)` at end of stream. Cancel-safe.
    ///
    /// ```
    /// # use corio_io::net::UnixStream;
    /// # corio_executor::run(async {
    /// # let (a, b) = UnixStream::pair().unwrap();
    /// a.write(b"hello").await.unwrap();
    /// let mut buf = [0; 16];
    /// let n = b.read(&mut buf).await.unwrap();
    /// assert_eq!(&buf[..n], b"hello");
    /// drop(a);
    /// assert_eq!(b.read(&mut buf).await.unwrap(), 0, "end of stream");
    /// # });
    /// ```
    pub fn read<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        self.io.stream_read(buf)
    }

    /// Writes some of `buf`. Cancel-safe.
    ///
    /// ```
    /// # use corio_io::net::UnixStream;
    /// # corio_executor::run(async {
    /// # let (a, b) = UnixStream::pair().unwrap();
    /// assert_eq!(a.write(b"hello").await.unwrap(), 5);
    /// assert_eq!(b.read(&mut [0; 5]).await.unwrap(), 5);
    /// # });
    /// ```
    pub fn write<'a>(
        &'a self,
        buf: &'a [u8],
    ) -> impl std::future::Future<Output = io::Result<usize>> + 'a {
        self.io.stream_write(buf)
    }

    /// Shuts down reading, writing or both.
    ///
    /// ```
    /// # use corio_io::net::UnixStream;
    /// # corio_executor::run(async {
    /// # let (a, b) = UnixStream::pair().unwrap();
    /// a.shutdown(std::net::Shutdown::Write).unwrap();
    /// assert_eq!(b.read(&mut [0; 4]).await.unwrap(), 0, "end of stream");
    /// # });
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// The local address.
    ///
    /// ```
    /// # use corio_io::net::UnixStream;
    /// # corio_executor::run(async {
    /// # let (a, b) = UnixStream::pair().unwrap();
    /// assert!(a.local_addr().unwrap().is_unnamed(), "a socketpair has no paths");
    /// # let _ = b;
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address.
    ///
    /// ```
    /// use corio_io::net::{UnixListener, UnixStream};
    /// corio_executor::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-doc-{}-stream-peer", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("stream-peer.sock");
    /// # let _ = std::fs::remove_file(&path);
    ///     let listener = UnixListener::bind(&path).unwrap();
    ///     let client = UnixStream::connect(&path).await.unwrap();
    ///     assert_eq!(client.peer_addr().unwrap().as_pathname(), Some(path.as_path()));
    /// # drop(listener);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Writes what the socket takes of `buf` now, without waiting: `WouldBlock` if it
    /// takes nothing.
    ///
    /// ```
    /// use corio_io::net::UnixStream;
    /// corio_executor::run(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     assert_eq!(a.try_write(b"now").unwrap(), 3);
    /// });
    /// ```
    ///
    /// # Errors
    /// `WouldBlock` when the socket's buffer is full; the kernel's otherwise.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        Write::write(&mut self.io.get_ref(), buf)
    }

    /// The polling form of [`read`](UnixStream::read); only the last task to poll is woken.
    ///
    /// ```
    /// use corio_io::net::UnixStream;
    /// corio_executor::run(async {
    ///     let (a, b) = UnixStream::pair().unwrap();
    ///     b.write(b"hi").await.unwrap();
    ///     let mut buf = [0; 2];
    ///     let n = std::future::poll_fn(|cx| a.poll_read(cx, &mut buf)).await.unwrap();
    ///     assert_eq!(&buf[..n], b"hi");
    /// });
    /// ```
    ///
    /// # Errors
    /// The kernel's, e.g. `ConnectionReset`.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_stream_read(cx, buf)
    }

    /// The polling form of [`write`](UnixStream::write); only the last task to poll is
    /// woken.
    ///
    /// ```
    /// use corio_io::net::UnixStream;
    /// corio_executor::run(async {
    ///     let (a, b) = UnixStream::pair().unwrap();
    ///     let n = std::future::poll_fn(|cx| a.poll_write(cx, b"hi")).await.unwrap();
    ///     assert_eq!(n, 2);
    ///     let mut buf = [0; 2];
    ///     b.read(&mut buf).await.unwrap();
    /// });
    /// ```
    ///
    /// # Errors
    /// The kernel's, e.g. `BrokenPipe` once the peer is gone.
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_stream_write(cx, buf)
    }
}

// No `vectored`: `UnixStream` has no `poll_write_vectored` of its own, so futures-io's
// default (the first non-empty buffer) stands, as it always has.
futures_read!(
    /// futures-io's `AsyncRead`: as [`read`](UnixStream::read) (the type's example uses it).
    UnixStream => UnixStream, |stream| stream
);
futures_read!(
    /// futures-io's `AsyncRead`: as [`read`](UnixStream::read) (the type's example uses it).
    &UnixStream => UnixStream, |stream| *stream
);
futures_write!(
    /// `poll_close` shuts the write side down.
    UnixStream => UnixStream, |stream| stream
);
futures_write!(
    /// `poll_close` shuts the write side down.
    &UnixStream => UnixStream, |stream| *stream
);

/// A Unix datagram socket.
///
/// ```
/// use corio_io::net::UnixDatagram;
/// corio_executor::run(async {
///     let (a, b) = UnixDatagram::pair().unwrap();
///     a.send(b"one datagram").await.unwrap();
///     let mut buf = [0; 32];
///     let n = b.recv(&mut buf).await.unwrap();
///     assert_eq!(&buf[..n], b"one datagram");
/// });
/// ```
///
/// Cancel safety: a cancelled receive received nothing; a cancelled send sent nothing.
#[derive(Debug)]
pub struct UnixDatagram {
    io: Async<std_unix::UnixDatagram>,
}

impl UnixDatagram {
    /// Binds to `path` (which must not exist yet).
    ///
    /// ```
    /// use corio_io::net::UnixDatagram;
    /// corio_executor::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-doc-{}-dgram-bind", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("dgram-bind.sock");
    /// # let _ = std::fs::remove_file(&path);
    ///     let _socket = UnixDatagram::bind(&path).unwrap();
    ///     let err = UnixDatagram::bind(&path).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// });
    /// ```
    ///
    /// # Errors
    /// `AddrInUse` if `path` exists; outside a corio runtime.
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(std_unix::UnixDatagram::bind(path)?)
    }

    /// A socket bound to no path (it can send, and receive once connected).
    ///
    /// ```
    /// use corio_io::net::UnixDatagram;
    /// corio_executor::run(async {
    ///     let socket = UnixDatagram::unbound().unwrap();
    ///     assert!(socket.local_addr().unwrap().is_unnamed());
    /// });
    /// ```
    ///
    /// # Errors
    /// Outside a corio runtime, or the kernel's.
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(std_unix::UnixDatagram::unbound()?)
    }

    /// Two connected sockets.
    ///
    /// ```
    /// use corio_io::net::UnixDatagram;
    /// corio_executor::run(async {
    ///     let (a, b) = UnixDatagram::pair().unwrap();
    ///     b.send(b"back").await.unwrap();
    ///     assert_eq!(a.recv(&mut [0; 4]).await.unwrap(), 4);
    /// });
    /// ```
    ///
    /// # Errors
    /// Outside a corio runtime, or the kernel's.
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = std_unix::UnixDatagram::pair()?;
        Ok((UnixDatagram::from_std(a)?, UnixDatagram::from_std(b)?))
    }

    /// Takes over a std socket (made non-blocking here).
    ///
    /// ```
    /// use corio_io::net::UnixDatagram;
    /// corio_executor::run(async {
    ///     let (a, b) = std::os::unix::net::UnixDatagram::pair().unwrap();
    ///     let a = UnixDatagram::from_std(a).unwrap();
    ///     b.send(b"from std").unwrap();
    ///     assert_eq!(a.recv(&mut [0; 8]).await.unwrap(), 8);
    /// });
    /// ```
    ///
    /// # Errors
    /// Outside a corio runtime, or if it cannot be registered.
    pub fn from_std(socket: std_unix::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: Async::new(socket)?,
        })
    }

    /// Sets the default peer.
    ///
    /// ```
    /// use corio_io::net::UnixDatagram;
    /// corio_executor::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-doc-{}-dgram-connect", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("dgram-connect.sock");
    /// # let _ = std::fs::remove_file(&path);
    ///     let server = UnixDatagram::bind(&path).unwrap();
    ///     let client = UnixDatagram::unbound().unwrap();
    ///     client.connect(&path).unwrap();
    ///     client.send(b"hi").await.unwrap();
    ///     assert_eq!(server.recv(&mut [0; 2]).await.unwrap(), 2);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// });
    /// ```
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.io.get_ref().connect(path)
    }

    /// Sends one datagram to the connected peer. Cancel-safe.
    ///
    /// ```
    /// use corio_io::net::UnixDatagram;
    /// corio_executor::run(async {
    ///     let (a, b) = UnixDatagram::pair().unwrap();
    ///     assert_eq!(a.send(b"datagram").await.unwrap(), 8);
    ///     assert_eq!(b.recv(&mut [0; 8]).await.unwrap(), 8);
    /// });
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|s| s.send(buf)).await
    }

    /// Receives one datagram. Cancel-safe.
    ///
    /// ```
    /// use corio_io::net::UnixDatagram;
    /// corio_executor::run(async {
    ///     let (a, b) = UnixDatagram::pair().unwrap();
    ///     a.send(b"one").await.unwrap();
    ///     a.send(b"two").await.unwrap();
    ///     let mut buf = [0; 8];
    ///     let n = b.recv(&mut buf).await.unwrap();
    ///     assert_eq!(&buf[..n], b"one", "datagrams keep their boundaries");
    /// });
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|s| s.recv(buf)).await
    }

    /// Sends one datagram to the socket at `path`. Cancel-safe.
    ///
    /// ```
    /// use corio_io::net::UnixDatagram;
    /// corio_executor::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-doc-{}-dgram-send-to", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("dgram-send-to.sock");
    /// # let _ = std::fs::remove_file(&path);
    ///     let server = UnixDatagram::bind(&path).unwrap();
    ///     let client = UnixDatagram::unbound().unwrap();
    ///     assert_eq!(client.send_to(b"hello", &path).await.unwrap(), 5);
    ///     assert_eq!(server.recv(&mut [0; 8]).await.unwrap(), 5);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// });
    /// ```
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        self.io.write_with(|s| s.send_to(buf, path)).await
    }

    /// Receives one datagram and its sender's address. Cancel-safe.
    ///
    /// ```
    /// use corio_io::net::UnixDatagram;
    /// corio_executor::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-doc-{}-dgram-recv-from", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("dgram-recv-from.sock");
    /// # let _ = std::fs::remove_file(&path);
    ///     let server = UnixDatagram::bind(&path).unwrap();
    ///     let client = UnixDatagram::unbound().unwrap();
    ///     client.send_to(b"hello", &path).await.unwrap();
    ///     let mut buf = [0; 8];
    ///     let (n, from) = server.recv_from(&mut buf).await.unwrap();
    ///     assert_eq!(&buf[..n], b"hello");
    ///     assert!(from.is_unnamed(), "an unbound sender has no address to answer");
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// });
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|s| s.recv_from(buf)).await
    }

    /// The local address.
    ///
    /// ```
    /// use corio_io::net::UnixDatagram;
    /// corio_executor::run(async {
    /// # let dir = std::env::temp_dir().join(format!("corio-doc-{}-dgram-addr", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("dgram-addr.sock");
    /// # let _ = std::fs::remove_file(&path);
    ///     let socket = UnixDatagram::bind(&path).unwrap();
    ///     assert_eq!(socket.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    ///     assert!(UnixDatagram::unbound().unwrap().local_addr().unwrap().is_unnamed());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}
