//! [`start_server`] and [`Server`]: an accept loop per listening socket that gives each
//! connection to the handler in its own task, and keeps serving through accept errors.

use super::{tcp_streams, StreamReader, StreamWriter};
use crate::net::addr::{resolve, ToSocketAddrs};
use crate::net::{ListenOptions, TcpListener};
use corio_executor::time::sleep;
use corio_executor::JoinHandle;
use corio_sync::Event;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long the accept loop waits after the process ran out of a resource (file
/// descriptors, memory) before it accepts again.
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
    let inner = Arc::new(Inner {
        addrs: listeners
            .iter()
            .map(TcpListener::local_addr)
            .collect::<io::Result<_>>()?,
        accepting: Mutex::new(Vec::new()),
        closed: Event::new(),
        connections: AtomicUsize::new(0),
        idle: Event::new(),
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
        accepting.push((listener, task));
    }
    drop(accepting);
    Ok(Server { inner })
}

struct Inner {
    addrs: Vec<SocketAddr>,
    /// Each listener and its accept loop, until `close`.
    accepting: Mutex<Vec<(Arc<TcpListener>, JoinHandle<()>)>>,
    closed: Event,
    /// Connections whose handler is still running.
    connections: AtomicUsize,
    /// Set while no handler runs.
    idle: Event,
}

/// A listening server from [`start_server`]: [`serve_forever`](Server::serve_forever),
/// [`close`](Server::close), [`wait_closed`](Server::wait_closed),
/// [`sockets`](Server::sockets). Dropping it closes it (running handlers go on).
pub struct Server {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Server {
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

impl Server {
    /// The addresses the server listens on (with the ports the kernel chose for port 0).
    pub fn sockets(&self) -> &[SocketAddr] {
        &self.inner.addrs
    }

    /// Serves until the server is closed. The server already serves from `start_server`
    /// on; this is what a program awaits to keep running. Cancelling it closes the server,
    /// as in asyncio.
    pub async fn serve_forever(&self) {
        struct CloseOnCancel<'a>(&'a Server);
        impl Drop for CloseOnCancel<'_> {
            fn drop(&mut self) {
                self.0.close();
            }
        }
        let guard = CloseOnCancel(self);
        self.inner.closed.wait().await;
        std::mem::forget(guard); // closed already
    }

    /// Stops listening: the listening sockets are closed at once; connections being
    /// handled go on.
    pub fn close(&self) {
        let accepting = std::mem::take(&mut *self.inner.accepting.lock().unwrap());
        for (listener, task) in accepting {
            // Refuse new connections at once; the fd closes when the cancelled loop drops.
            listener.stop_listening();
            task.cancel();
        }
        self.inner.closed.set();
    }

    /// True once [`close`](Server::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.is_set()
    }

    /// Waits until the server is closed and every connection's handler has returned.
    pub async fn wait_closed(&self) {
        self.inner.closed.wait().await;
        while self.inner.connections.load(Ordering::SeqCst) > 0 {
            self.inner.idle.wait().await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.close();
    }
}

/// Counts a connection while its handler runs.
struct ConnectionGuard(Arc<Inner>);

impl ConnectionGuard {
    fn new(inner: Arc<Inner>) -> Self {
        inner.connections.fetch_add(1, Ordering::SeqCst);
        inner.idle.clear();
        ConnectionGuard(inner)
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        if self.0.connections.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.set();
        }
    }
}

async fn accept_loop<H, F>(listener: Arc<TcpListener>, handler: Rc<H>, inner: Arc<Inner>)
where
    H: Fn(StreamReader, StreamWriter) -> F + 'static,
    F: Future<Output = ()> + 'static,
{
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let Ok((reader, writer)) = tcp_streams(stream) else {
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
