//! [`start_server`], [`start_unix_server`] and [`Server`]: an accept loop per listening
//! socket that gives each connection to the handler in its own task, and keeps serving
//! through accept errors. TCP and Unix servers differ only in how they bind: both serve
//! through [`serve`], over anything that is a [`Listener`].

use super::{reader_and_writer, Connection, StreamReader, StreamWriter};
use crate::net::addr::{resolve, ToSocketAddrs};
use crate::net::{ListenOptions, TcpListener, TcpStream, UnixListener, UnixStream};
use corio_executor::time::sleep;
use corio_executor::JoinHandle;
use corio_sync::Event;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::net::SocketAddr as UnixSocketAddr;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long the accept loop waits after the process ran out of a resource (file
/// descriptors, memory) before it accepts again.
///
/// ```
/// use corio_io::streams::ACCEPT_RETRY_DELAY;
/// assert_eq!(ACCEPT_RETRY_DELAY, std::time::Duration::from_millis(100));
/// ```
pub const ACCEPT_RETRY_DELAY: Duration = Duration::from_millis(100);

/// Starts serving: listens on every address `addr` resolves to and runs
/// `handler(reader, writer)` in a new task for each connection (asyncio's `start_server`).
/// The server serves from now on, until [`close`](Server::close) or its drop.
///
/// ```
/// use corio_io::streams::{open_connection, start_server};
/// corio_executor::run(async {
///     let server = start_server(
///         |mut reader, writer| async move {
///             while let Ok(line) = reader.readline().await {
///                 if line.is_empty() {
///                     break; // end of stream
///                 }
///                 writer.write(&line.to_ascii_uppercase()).unwrap();
///                 let _ = writer.drain().await;
///             }
///         },
///         "127.0.0.1:0",
///     )
///     .await
///     .unwrap();
///     let (mut reader, writer) = open_connection(server.sockets()[0]).await.unwrap();
///     writer.write(b"hello\n").unwrap();
///     assert_eq!(reader.readline().await.unwrap(), b"HELLO\n");
///     server.close();
/// });
/// ```
///
/// Handlers run on the loop's thread (they need not be `Send`). An accept error never ends
/// the server: a connection aborted before it was accepted is skipped; when the process is
/// out of file descriptors or memory the loop waits [`ACCEPT_RETRY_DELAY`] and tries again,
/// so it keeps serving once descriptors are freed.
///
/// # Errors
/// The lookup's, or binding's (`AddrInUse`, ...); nothing is left listening then.
pub async fn start_server<H, F>(handler: H, addr: impl ToSocketAddrs) -> io::Result<Server>
where
    H: Fn(StreamReader, StreamWriter) -> F + 'static,
    F: Future<Output = ()> + 'static,
{
    let mut listeners = Vec::new();
    let mut last_err = None;
    for addr in resolve(&addr).await? {
        match ListenOptions::new().bind(addr).await {
            Ok(listener) => listeners.push(listener),
            // `localhost` on a host without IPv6: serve on the addresses that exist.
            Err(err) if err.kind() == io::ErrorKind::AddrNotAvailable => last_err = Some(err),
            Err(err) => return Err(err),
        }
    }
    if listeners.is_empty() {
        return Err(last_err.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no address to listen on")
        }));
    }
    serve(handler, listeners, None)
}

/// Starts serving on a Unix socket at `path`: runs `handler(reader, writer)` in a new task
/// for each connection (asyncio's `start_unix_server`). As [`start_server`] in all else;
/// [`sockets`](Server::sockets) gives the socket's address (its path).
///
/// ```
/// use corio_io::streams::{open_unix_connection, start_unix_server};
/// corio_executor::run(async {
///     let dir = std::env::temp_dir().join(format!("corio-doc-sus-{}", std::process::id()));
///     std::fs::create_dir_all(&dir).unwrap();
///     let path = dir.join("upper.sock");
///     let server = start_unix_server(
///         |mut reader, writer| async move {
///             let line = reader.readline().await.unwrap();
///             writer.write(&line.to_ascii_uppercase()).unwrap();
///             let _ = writer.drain().await;
///         },
///         &path,
///     )
///     .await
///     .unwrap();
///     assert_eq!(server.sockets()[0].as_pathname(), Some(path.as_path()));
///     let (mut reader, writer) = open_unix_connection(&path).await.unwrap();
///     writer.write(b"hello\n").unwrap();
///     assert_eq!(reader.readline().await.unwrap(), b"HELLO\n");
///     server.close();
///     assert!(!path.exists(), "closing removes the socket file");
///     std::fs::remove_dir_all(&dir).unwrap();
/// });
/// ```
///
/// As asyncio does, a socket file already at `path` (left by a server that did not clean
/// up) is removed before binding, and [`close`](Server::close) removes the file this server
/// made, unless something else has replaced it since. Anything at `path` that is not a
/// socket is left alone, and binding fails with `AddrInUse`.
///
/// # Errors
/// The binding's: `AddrInUse` if `path` is taken by something other than a socket,
/// `NotFound` if its directory does not exist, `PermissionDenied`, ...
pub async fn start_unix_server<H, F>(
    handler: H,
    path: impl AsRef<Path>,
) -> io::Result<Server<UnixSocketAddr>>
where
    H: Fn(StreamReader, StreamWriter) -> F + 'static,
    F: Future<Output = ()> + 'static,
{
    let path = path.as_ref();
    remove_stale_socket(path)?;
    let listener = UnixListener::bind(path)?;
    let socket_file = SocketFile::at(path)?;
    serve(handler, vec![listener], Some(socket_file))
}

/// A listening socket a server accepts stream connections on.
pub(crate) trait Listener: StopListening {
    type Connection: Connection;
    /// What [`Server::sockets`] lists.
    type Addr: Clone + std::fmt::Debug + Send + Sync + 'static;
    fn accept(&self) -> impl Future<Output = io::Result<Self::Connection>>;
    fn local_addr(&self) -> io::Result<Self::Addr>;
}

/// The part of a listener `close` needs, behind a `dyn`.
pub(crate) trait StopListening: Send + Sync + 'static {
    /// Refuses new connections now, even while the accept loop still holds the listener.
    fn stop_listening(&self);
}

macro_rules! listener {
    ($listener:ty, $connection:ty, $addr:ty) => {
        impl Listener for $listener {
            type Connection = $connection;
            type Addr = $addr;
            async fn accept(&self) -> io::Result<$connection> {
                Ok(<$listener>::accept(self).await?.0)
            }
            fn local_addr(&self) -> io::Result<$addr> {
                <$listener>::local_addr(self)
            }
        }

        impl StopListening for $listener {
            fn stop_listening(&self) {
                <$listener>::stop_listening(self)
            }
        }
    };
}

listener!(TcpListener, TcpStream, SocketAddr);
listener!(UnixListener, UnixStream, UnixSocketAddr);

/// Serves on `listeners`, one accept loop each.
fn serve<L, H, F>(
    handler: H,
    listeners: Vec<L>,
    socket_file: Option<SocketFile>,
) -> io::Result<Server<L::Addr>>
where
    L: Listener,
    H: Fn(StreamReader, StreamWriter) -> F + 'static,
    F: Future<Output = ()> + 'static,
{
    let inner = Arc::new(Inner {
        addrs: listeners
            .iter()
            .map(L::local_addr)
            .collect::<io::Result<_>>()?,
        accepting: Mutex::new(Vec::new()),
        closed: Event::new(),
        connections: AtomicUsize::new(0),
        idle: Event::new(),
        socket_file: Mutex::new(socket_file),
    });
    let handler = Rc::new(handler);
    let mut accepting = inner.accepting.lock().unwrap();
    for listener in listeners {
        let listener = Arc::new(listener);
        let task = corio_executor::spawn_local(accept_loop(
            listener.clone(),
            handler.clone(),
            inner.clone(),
        ));
        accepting.push((listener as Arc<dyn StopListening>, task));
    }
    drop(accepting);
    Ok(Server { inner })
}

struct Inner<A> {
    addrs: Vec<A>,
    /// Each listener and its accept loop, until `close`.
    accepting: Mutex<Vec<Accepting>>,
    closed: Event,
    /// Connections whose handler is still running.
    connections: AtomicUsize,
    /// Set while no handler runs.
    idle: Event,
    /// A Unix server's socket file, removed by `close`.
    socket_file: Mutex<Option<SocketFile>>,
}

/// A listener and the task of its accept loop.
type Accepting = (Arc<dyn StopListening>, JoinHandle<()>);

/// The socket file a Unix server bound, known by its inode so that `close` removes only
/// that file, not one another server has put at the same path since.
struct SocketFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl SocketFile {
    fn at(path: &Path) -> io::Result<SocketFile> {
        let meta = std::fs::symlink_metadata(path)?;
        Ok(SocketFile {
            path: path.to_owned(),
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }

    fn remove(self) {
        match std::fs::symlink_metadata(&self.path) {
            Ok(meta) if meta.dev() == self.dev && meta.ino() == self.ino => {
                // Gone already or not ours to remove: nothing to clean up either way.
                let _ = std::fs::remove_file(&self.path);
            }
            _ => {}
        }
    }
}

/// Removes a socket file left at `path`; anything else there stays (binding will fail).
fn remove_stale_socket(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => std::fs::remove_file(path),
        _ => Ok(()),
    }
}

/// A listening server from [`start_server`] (a `Server`, listing `SocketAddr`s) or
/// [`start_unix_server`] (a `Server<std::os::unix::net::SocketAddr>`):
/// [`serve_forever`](Server::serve_forever), [`close`](Server::close),
/// [`wait_closed`](Server::wait_closed), [`sockets`](Server::sockets). Dropping it closes
/// it (running handlers go on).
///
/// ```
/// # use corio_io::streams::{open_connection, start_server};
/// # corio_executor::run(async {
/// # let server = start_server(
/// #     |_reader, writer| async move { writer.write(b"hi\n").unwrap(); },
/// #     "127.0.0.1:0",
/// # ).await.unwrap();
/// let (mut reader, _writer) = open_connection(server.sockets()[0]).await.unwrap();
/// assert_eq!(reader.readline().await.unwrap(), b"hi\n");
/// server.close();
/// server.wait_closed().await;
/// # });
/// ```
pub struct Server<A = SocketAddr> {
    inner: Arc<Inner<A>>,
}

/// Shows the addresses, whether the server is closed and how many handlers run.
///
/// ```
/// use corio_io::streams::start_server;
/// corio_executor::run(async {
///     let server = start_server(|_, _| async {}, "127.0.0.1:0").await.unwrap();
///     let shown = format!("{server:?}");
///     assert!(shown.starts_with("Server { sockets: [127.0.0.1:"), "{shown}");
///     assert!(shown.ends_with("closed: false, connections: 0 }"), "{shown}");
/// });
/// ```
impl<A: std::fmt::Debug> std::fmt::Debug for Server<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("sockets", &self.inner.addrs)
            .field("closed", &self.inner.closed.is_set())
            .field(
                "connections",
                &self.inner.connections.load(Ordering::SeqCst),
            )
            .finish()
    }
}

impl<A> Server<A> {
    /// The addresses the server listens on (with the ports the kernel chose for port 0; a
    /// Unix server's one path).
    ///
    /// ```
    /// use corio_io::streams::start_server;
    /// corio_executor::run(async {
    ///     let server = start_server(|_, _| async {}, "127.0.0.1:0").await.unwrap();
    ///     let addr = server.sockets()[0];
    ///     assert!(addr.ip().is_loopback());
    ///     assert_ne!(addr.port(), 0, "the port the kernel chose");
    /// });
    /// ```
    pub fn sockets(&self) -> &[A] {
        &self.inner.addrs
    }

    /// Serves until the server is closed. The server already serves from `start_server`
    /// on; this is what a program awaits to keep running. Cancelling it closes the server,
    /// as in asyncio.
    ///
    /// ```
    /// # use corio_io::streams::{open_connection, start_server};
    /// # corio_executor::run(async {
    /// # let server = start_server(
    /// #     |_reader, writer| async move { writer.write(b"hi\n").unwrap(); },
    /// #     "127.0.0.1:0",
    /// # ).await.unwrap();
    /// let server = std::rc::Rc::new(server);
    /// let serving = corio_executor::spawn_local({
    ///     let server = server.clone();
    ///     async move { server.serve_forever().await }
    /// });
    /// let (mut reader, _writer) = open_connection(server.sockets()[0]).await.unwrap();
    /// assert_eq!(reader.readline().await.unwrap(), b"hi\n");
    /// serving.cancel(); // cancelling serve_forever closes the server
    /// let _ = serving.await;
    /// assert!(server.is_closed());
    /// # });
    /// ```
    pub async fn serve_forever(&self) {
        struct CloseOnCancel<'a, A>(&'a Server<A>);
        impl<A> Drop for CloseOnCancel<'_, A> {
            fn drop(&mut self) {
                self.0.close();
            }
        }
        let guard = CloseOnCancel(self);
        self.inner.closed.wait().await;
        std::mem::forget(guard); // closed already
    }

    /// Stops listening: the listening sockets are closed at once (a Unix server's socket
    /// file is removed); connections being handled go on.
    ///
    /// ```
    /// # use corio_io::streams::{open_connection, start_server};
    /// # corio_executor::run(async {
    /// # let server = start_server(
    /// #     |_reader, writer| async move { writer.write(b"hi\n").unwrap(); },
    /// #     "127.0.0.1:0",
    /// # ).await.unwrap();
    /// let addr = server.sockets()[0];
    /// server.close();
    /// let err = open_connection(addr).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    /// # });
    /// ```
    pub fn close(&self) {
        let accepting = std::mem::take(&mut *self.inner.accepting.lock().unwrap());
        for (listener, task) in accepting {
            // Refuse new connections at once; the fd closes when the cancelled loop drops.
            listener.stop_listening();
            task.cancel();
        }
        if let Some(file) = self.inner.socket_file.lock().unwrap().take() {
            file.remove();
        }
        self.inner.closed.set();
    }

    /// True once [`close`](Server::close) was called.
    ///
    /// ```
    /// # use corio_io::streams::{open_connection, start_server};
    /// # corio_executor::run(async {
    /// # let server = start_server(
    /// #     |_reader, writer| async move { writer.write(b"hi\n").unwrap(); },
    /// #     "127.0.0.1:0",
    /// # ).await.unwrap();
    /// assert!(!server.is_closed());
    /// server.close();
    /// assert!(server.is_closed());
    /// # });
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.closed.is_set()
    }

    /// Waits until the server is closed and every connection's handler has returned.
    ///
    /// ```
    /// use corio_io::streams::{open_connection, start_server};
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    /// corio_executor::run(async {
    ///     let finished = Arc::new(AtomicBool::new(false));
    ///     let flag = finished.clone();
    ///     let server = start_server(
    ///         move |mut reader, _writer| {
    ///             let flag = flag.clone();
    ///             async move {
    ///                 let _ = reader.read_to_eof().await; // until the client hangs up
    ///                 flag.store(true, Ordering::SeqCst);
    ///             }
    ///         },
    ///         "127.0.0.1:0",
    ///     )
    ///     .await
    ///     .unwrap();
    ///     let (_reader, writer) = open_connection(server.sockets()[0]).await.unwrap();
    ///     corio_executor::time::sleep(std::time::Duration::from_millis(10)).await;
    ///     server.close(); // the running handler goes on
    ///     writer.close();
    ///     server.wait_closed().await;
    ///     assert!(finished.load(Ordering::SeqCst), "wait_closed waited for the handler");
    /// });
    /// ```
    pub async fn wait_closed(&self) {
        self.inner.closed.wait().await;
        while self.inner.connections.load(Ordering::SeqCst) > 0 {
            self.inner.idle.wait().await;
        }
    }
}

/// [`close`](Server::close)s the server: it stops listening (a Unix server's socket file is
/// removed); handlers still running go on.
///
/// ```
/// use corio_io::streams::{open_connection, start_server};
/// corio_executor::run(async {
///     let server = start_server(|_, _| async {}, "127.0.0.1:0").await.unwrap();
///     let addr = server.sockets()[0];
///     drop(server);
///     assert!(open_connection(addr).await.is_err(), "nothing listens any more");
/// });
/// ```
impl<A> Drop for Server<A> {
    fn drop(&mut self) {
        self.close();
    }
}

/// Counts a connection while its handler runs.
struct ConnectionGuard<A>(Arc<Inner<A>>);

impl<A> ConnectionGuard<A> {
    fn new(inner: Arc<Inner<A>>) -> Self {
        inner.connections.fetch_add(1, Ordering::SeqCst);
        inner.idle.clear();
        ConnectionGuard(inner)
    }
}

impl<A> Drop for ConnectionGuard<A> {
    fn drop(&mut self) {
        if self.0.connections.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.set();
        }
    }
}

async fn accept_loop<L, H, F>(listener: Arc<L>, handler: Rc<H>, inner: Arc<Inner<L::Addr>>)
where
    L: Listener,
    H: Fn(StreamReader, StreamWriter) -> F + 'static,
    F: Future<Output = ()> + 'static,
{
    loop {
        match listener.accept().await {
            Ok(stream) => {
                let Ok((reader, writer)) = reader_and_writer(stream) else {
                    continue; // the connection is dropped: nothing to serve it with
                };
                let guard = ConnectionGuard::new(inner.clone());
                let connection = handler(reader, writer);
                corio_executor::spawn_local(async move {
                    connection.await;
                    drop(guard);
                });
            }
            Err(err) if is_out_of_resources(&err) => sleep(ACCEPT_RETRY_DELAY).await,
            // The peer gave up before we accepted (ECONNABORTED), a signal, and the like:
            // that connection is gone, the next one is fine.
            Err(_) => corio_executor::yield_now().await,
        }
    }
}

fn is_out_of_resources(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}
