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
    /// # Errors
    /// Outside a corio runtime, or if the socket cannot be registered.
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            io: Async::new(socket)?,
        })
    }

    /// Sets the default peer: `send` goes there and `recv` takes datagrams only from it.
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
    /// # Errors
    /// `NotConnected` before `connect`; `ConnectionRefused` when an earlier datagram got an
    /// ICMP port-unreachable back.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|socket| socket.send(buf)).await
    }

    /// Receives one datagram from the connected peer into `buf` (the rest of a longer one
    /// is dropped). Cancel-safe.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|socket| socket.recv(buf)).await
    }

    /// Sends one datagram to `target`. Cancel-safe.
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
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|socket| socket.recv_from(buf)).await
    }

    /// The polling form of [`recv_from`](UdpSocket::recv_from); only the last task to poll
    /// is woken.
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.io.poll_read_with(cx, |socket| socket.recv_from(buf))
    }

    /// The polling form of [`send_to`](UdpSocket::send_to) for a resolved address.
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
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets `SO_BROADCAST`.
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }
}
