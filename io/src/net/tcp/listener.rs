//! The listening socket.

use super::TcpStream;
use crate::net::addr::{resolve, ToSocketAddrs};
use crate::Async;
use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

/// The backlog of a listener unless [`ListenOptions::backlog`] says otherwise.
const DEFAULT_BACKLOG: i32 = 1024;

/// A TCP socket listening for connections.
///
/// ```
/// use corio_io::net::{TcpListener, TcpStream};
/// corio_executor::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let addr = listener.local_addr().unwrap();
///     let client = corio_executor::spawn(async move { TcpStream::connect(addr).await });
///     let (conn, peer) = listener.accept().await.unwrap();
///     assert_eq!(peer, client.await.unwrap().unwrap().local_addr().unwrap());
///     assert_eq!(conn.local_addr().unwrap(), addr);
/// });
/// ```
#[derive(Debug)]
pub struct TcpListener {
    io: Async<std::net::TcpListener>,
}

/// How to set up a listener: `SO_REUSEPORT` and the backlog.
///
/// ```
/// use corio_io::net::ListenOptions;
/// corio_executor::run(async {
///     let options = ListenOptions::new().reuse_port(true).backlog(16);
///     let first = options.bind("127.0.0.1:0").await.unwrap();
///     let addr = first.local_addr().unwrap();
///     // With SO_REUSEPORT on both, a second listener may share the port.
///     let second = options.bind(addr).await.unwrap();
///     assert_eq!(second.local_addr().unwrap(), addr);
/// });
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ListenOptions {
    reuse_port: bool,
    backlog: i32,
}

/// [`ListenOptions::new`]'s defaults.
///
/// ```
/// use corio_io::net::ListenOptions;
/// corio_executor::run(async {
///     let listener = ListenOptions::default().bind("127.0.0.1:0").await.unwrap();
///     # let _ = listener;
/// });
/// ```
impl Default for ListenOptions {
    fn default() -> Self {
        ListenOptions::new()
    }
}

impl ListenOptions {
    /// The defaults: `SO_REUSEADDR` on (a restarted server can bind its port at once, as
    /// asyncio does on Unix), `SO_REUSEPORT` off, a backlog of 1024.
    ///
    /// ```
    /// use corio_io::net::ListenOptions;
    /// corio_executor::run(async {
    ///     let listener = ListenOptions::new().bind("127.0.0.1:0").await.unwrap();
    ///     assert_ne!(listener.local_addr().unwrap().port(), 0);
    /// });
    /// ```
    pub fn new() -> ListenOptions {
        ListenOptions {
            reuse_port: false,
            backlog: DEFAULT_BACKLOG,
        }
    }

    /// Sets `SO_REUSEPORT`: several listeners (of this or other processes) may bind the
    /// same address and the kernel spreads connections among them.
    ///
    /// ```
    /// use corio_io::net::ListenOptions;
    /// corio_executor::run(async {
    ///     let options = ListenOptions::new().reuse_port(true);
    ///     let first = options.bind("127.0.0.1:0").await.unwrap();
    ///     let second = options.bind(first.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(first.local_addr().unwrap(), second.local_addr().unwrap());
    /// });
    /// ```
    pub fn reuse_port(mut self, on: bool) -> ListenOptions {
        self.reuse_port = on;
        self
    }

    /// How many connections the kernel queues before `accept` takes them.
    ///
    /// ```
    /// use corio_io::net::ListenOptions;
    /// corio_executor::run(async {
    ///     let listener = ListenOptions::new().backlog(8).bind("127.0.0.1:0").await.unwrap();
    ///     // Connections wait in the backlog until accepted.
    ///     let addr = listener.local_addr().unwrap();
    ///     let _queued = std::net::TcpStream::connect(addr).unwrap();
    ///     listener.accept().await.unwrap();
    /// });
    /// ```
    pub fn backlog(mut self, backlog: u32) -> ListenOptions {
        self.backlog = i32::try_from(backlog).unwrap_or(i32::MAX);
        self
    }

    /// Binds a listener to the first of `addr`'s addresses that works.
    ///
    /// ```
    /// use corio_io::net::ListenOptions;
    /// corio_executor::run(async {
    ///     let taken = ListenOptions::new().bind("127.0.0.1:0").await.unwrap();
    ///     let err = ListenOptions::new().bind(taken.local_addr().unwrap()).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    /// });
    /// ```
    ///
    /// # Errors
    /// The last address's error if none can be bound (e.g. `AddrInUse`), or the lookup's.
    pub async fn bind(&self, addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let mut last_err = None;
        for addr in resolve(&addr).await? {
            match self.bind_one(addr) {
                Ok(listener) => return Ok(listener),
                Err(err) => last_err = Some(err),
            }
        }
        Err(last_err.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no address to bind to")
        }))
    }

    fn bind_one(&self, addr: SocketAddr) -> io::Result<TcpListener> {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_reuse_address(true)?;
        if self.reuse_port {
            socket.set_reuse_port(true)?;
        }
        socket.bind(&addr.into())?;
        socket.listen(self.backlog)?;
        TcpListener::from_std(socket.into())
    }
}

impl TcpListener {
    /// Binds to `addr` with the default [`ListenOptions`].
    ///
    /// ```
    /// use corio_io::net::TcpListener;
    /// corio_executor::run(async {
    ///     let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    ///     assert!(listener.local_addr().unwrap().ip().is_loopback());
    /// });
    /// ```
    ///
    /// # Errors
    /// As [`ListenOptions::bind`].
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        ListenOptions::new().bind(addr).await
    }

    /// Takes over a listening std socket (made non-blocking here).
    ///
    /// ```
    /// use corio_io::net::TcpListener;
    /// corio_executor::run(async {
    ///     let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let addr = std_listener.local_addr().unwrap();
    ///     let listener = TcpListener::from_std(std_listener).unwrap();
    ///     let _client = std::net::TcpStream::connect(addr).unwrap();
    ///     let (_conn, _peer) = listener.accept().await.unwrap();
    /// });
    /// ```
    ///
    /// # Errors
    /// Outside a corio runtime, or if the socket cannot be registered.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: Async::new(listener)?,
        })
    }

    /// Waits for the next connection.
    ///
    /// Cancel-safe: if the future is dropped, no connection was taken from the queue; the
    /// next `accept` gets it. Any number of tasks may accept on one listener at once.
    ///
    /// ```
    /// use corio_io::net::{TcpListener, TcpStream};
    /// corio_executor::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let (conn, peer) = listener.accept().await.unwrap();
    ///     assert_eq!(peer, client.local_addr().unwrap());
    ///     assert_eq!(conn.peer_addr().unwrap(), peer);
    /// });
    /// ```
    ///
    /// # Errors
    /// The kernel's, e.g. `EMFILE` when the process is out of file descriptors (the
    /// connection stays queued: retry later).
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, peer) = self.io.read_with(|listener| listener.accept()).await?;
        Ok((TcpStream::from_std(stream)?, peer))
    }

    /// The polling form of [`accept`](TcpListener::accept); only the last task to poll is
    /// woken.
    ///
    /// ```
    /// use corio_io::net::{TcpListener, TcpStream};
    /// corio_executor::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let (_conn, peer) = std::future::poll_fn(|cx| listener.poll_accept(cx)).await.unwrap();
    ///     assert_eq!(peer, client.local_addr().unwrap());
    /// });
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        self.io
            .poll_read_with(cx, |listener| listener.accept())
            .map(|accepted| {
                let (stream, peer) = accepted?;
                Ok((TcpStream::from_std(stream)?, peer))
            })
    }

    /// Stops listening now, even while a task still holds the listener: new connections
    /// are refused and a waiting `accept` fails. (On Linux, `shutdown` of a listening
    /// socket closes its queue; elsewhere this does nothing and the drop does it.)
    pub(crate) fn stop_listening(&self) {
        let _ = socket2::SockRef::from(self.io.get_ref()).shutdown(std::net::Shutdown::Read);
    }

    /// The address the listener is bound to (with the port the kernel chose for port 0).
    ///
    /// ```
    /// use corio_io::net::TcpListener;
    /// corio_executor::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     assert_eq!(addr.ip(), std::net::Ipv4Addr::LOCALHOST);
    ///     assert_ne!(addr.port(), 0, "the port the kernel chose");
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}
