//! UDP sockets.

use crate::net::addr::{resolve, ToSocketAddrs};
use crate::Async;
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

/// A UDP socket: datagrams to and from any peer ([`send_to`](UdpSocket::send_to),
/// [`recv_from`](UdpSocket::recv_from)) or, once [`connect`](UdpSocket::connect)ed, to and
/// from one ([`send`](UdpSocket::send), [`recv`](UdpSocket::recv)).
///
/// ```
/// use corio_io::net::UdpSocket;
/// corio_executor::run(async {
///     let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     a.send_to(b"datagram", b.local_addr().unwrap()).await.unwrap();
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await.unwrap();
///     assert_eq!((&buf[..n], from), (&b"datagram"[..], a.local_addr().unwrap()));
/// });
/// ```
///
/// Any number of tasks may send and receive on one socket at once (share it in an `Arc`
/// or `Rc`). Cancel safety: a cancelled `recv`/`recv_from` received nothing; a cancelled
/// `send`/`send_to` sent nothing (a datagram goes whole or not at all).
#[derive(Debug)]
pub struct UdpSocket {
    io: Async<std::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to the first of `addr`'s addresses that works.
    ///
    /// ```
    /// use corio_io::net::UdpSocket;
    /// corio_executor::run(async {
    ///     let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     assert_ne!(socket.local_addr().unwrap().port(), 0);
    /// });
    /// ```
    ///
    /// # Errors
    /// The last address's error (`AddrInUse`, ...) or the lookup's.
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        let mut last_err = None;
        for addr in resolve(&addr).await? {
            match std::net::UdpSocket::bind(addr) {
                Ok(socket) => return UdpSocket::from_std(socket),
                Err(err) => last_err = Some(err),
            }
        }
        Err(last_err.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no address to bind to")
        }))
    }

    /// Takes over a std socket (made non-blocking here).
    ///
    /// ```
    /// use corio_io::net::UdpSocket;
    /// corio_executor::run(async {
    ///     let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     let socket = UdpSocket::from_std(std_socket).unwrap();
    ///     socket.send_to(b"to myself", socket.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(socket.recv_from(&mut [0; 16]).await.unwrap().0, 9);
    /// });
    /// ```
    ///
    /// # Errors
    /// Outside a corio runtime, or if the socket cannot be registered.
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            io: Async::new(socket)?,
        })
    }

    /// Sets the default peer: `send` goes there and `recv` takes datagrams only from it.
    ///
    /// ```
    /// # use corio_io::net::UdpSocket;
    /// # corio_executor::run(async {
    /// # let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.connect(b.local_addr().unwrap()).await.unwrap();
    /// assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
    /// a.send(b"hi").await.unwrap();
    /// assert_eq!(b.recv_from(&mut [0; 2]).await.unwrap().1, a.local_addr().unwrap());
    /// # });
    /// ```
    ///
    /// # Errors
    /// The lookup's, or the kernel's for the last address.
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let mut last_err = None;
        for addr in resolve(&addr).await? {
            match self.io.get_ref().connect(addr) {
                Ok(()) => return Ok(()),
                Err(err) => last_err = Some(err),
            }
        }
        Err(last_err.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to")
        }))
    }

    /// Sends one datagram to the connected peer. Cancel-safe.
    ///
    /// ```
    /// # use corio_io::net::UdpSocket;
    /// # corio_executor::run(async {
    /// # let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.connect(b.local_addr().unwrap()).await.unwrap();
    /// assert_eq!(a.send(b"one datagram").await.unwrap(), 12);
    /// let mut buf = [0; 32];
    /// assert_eq!(b.recv_from(&mut buf).await.unwrap().0, 12);
    /// # });
    /// ```
    ///
    /// # Errors
    /// `NotConnected` before `connect`; `ConnectionRefused` when an earlier datagram got an
    /// ICMP port-unreachable back.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|socket| socket.send(buf)).await
    }

    /// Receives one datagram from the connected peer into `buf` (the rest of a longer one
    /// is dropped). Cancel-safe.
    ///
    /// ```
    /// # use corio_io::net::UdpSocket;
    /// # corio_executor::run(async {
    /// # let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// b.connect(a.local_addr().unwrap()).await.unwrap();
    /// a.send_to(b"abcdef", b.local_addr().unwrap()).await.unwrap();
    /// let mut short = [0; 3];
    /// assert_eq!(b.recv(&mut short).await.unwrap(), 3, "the rest of the datagram is dropped");
    /// assert_eq!(&short, b"abc");
    /// # });
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|socket| socket.recv(buf)).await
    }

    /// Sends one datagram to `target`. Cancel-safe.
    ///
    /// ```
    /// # use corio_io::net::UdpSocket;
    /// # corio_executor::run(async {
    /// # let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert_eq!(a.send_to(b"ping", b.local_addr().unwrap()).await.unwrap(), 4);
    /// assert_eq!(b.recv_from(&mut [0; 4]).await.unwrap().0, 4);
    /// # });
    /// ```
    ///
    /// # Errors
    /// The lookup's, or the kernel's.
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target =
            resolve(&target).await?.into_iter().next().ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "no address to send to")
            })?;
        self.io
            .write_with(|socket| socket.send_to(buf, target))
            .await
    }

    /// Receives one datagram and its sender's address. Cancel-safe.
    ///
    /// ```
    /// # use corio_io::net::UdpSocket;
    /// # corio_executor::run(async {
    /// # let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.send_to(b"ping", b.local_addr().unwrap()).await.unwrap();
    /// let mut buf = [0; 8];
    /// let (n, from) = b.recv_from(&mut buf).await.unwrap();
    /// assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr().unwrap()));
    /// # });
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|socket| socket.recv_from(buf)).await
    }

    /// The polling form of [`recv_from`](UdpSocket::recv_from); only the last task to poll
    /// is woken.
    ///
    /// ```
    /// # use corio_io::net::UdpSocket;
    /// # corio_executor::run(async {
    /// # let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.send_to(b"ping", b.local_addr().unwrap()).await.unwrap();
    /// let mut buf = [0; 8];
    /// let (n, _) = std::future::poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await.unwrap();
    /// assert_eq!(&buf[..n], b"ping");
    /// # });
    /// ```
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.io.poll_read_with(cx, |socket| socket.recv_from(buf))
    }

    /// The polling form of [`send_to`](UdpSocket::send_to) for a resolved address.
    ///
    /// ```
    /// # use corio_io::net::UdpSocket;
    /// # corio_executor::run(async {
    /// # let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// let to = b.local_addr().unwrap();
    /// let n = std::future::poll_fn(|cx| a.poll_send_to(cx, b"ping", to)).await.unwrap();
    /// assert_eq!(n, 4);
    /// # });
    /// ```
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_write_with(cx, |socket| socket.send_to(buf, target))
    }

    /// The local address.
    ///
    /// ```
    /// # use corio_io::net::UdpSocket;
    /// # corio_executor::run(async {
    /// # let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert!(a.local_addr().unwrap().ip().is_loopback());
    /// assert_ne!(a.local_addr().unwrap(), b.local_addr().unwrap());
    /// # });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// ```
    /// # use corio_io::net::UdpSocket;
    /// # corio_executor::run(async {
    /// # let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// assert_eq!(a.peer_addr().unwrap_err().kind(), std::io::ErrorKind::NotConnected);
    /// a.connect(b.local_addr().unwrap()).await.unwrap();
    /// assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
    /// # });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets `SO_BROADCAST`.
    ///
    /// ```
    /// # use corio_io::net::UdpSocket;
    /// # corio_executor::run(async {
    /// # let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// # let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    /// a.set_broadcast(true).unwrap();
    /// # let _ = b;
    /// # });
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }
}
