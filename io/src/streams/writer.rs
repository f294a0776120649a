//! [`StreamWriter`]: asyncio's writer. `write` never waits: it sends what the kernel takes
//! at once and buffers the rest, which a flush task of the loop sends as the socket drains;
//! `drain` is the flow control that keeps that buffer bounded.
//!
//! # States
//! Pending bytes live in `State::buf[start..]`. At most one flush task runs (`flushing`);
//! it exits when the buffer is empty. `paused` is asyncio's flow control: set when the
//! buffer passes the high-water mark, cleared when the flush task brings it down to the
//! low-water mark, and `drain` waits while it is set. Once the buffer is empty and no flush
//! runs, a requested end of stream (`write_eof`, drop) or close is carried out. The first
//! send error is kept: the buffer is dropped, and every later call reports it.

use std::future::poll_fn;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// asyncio's defaults: `drain` waits while more than 64 KiB are buffered, until 16 KiB are.
///
/// ```
/// use corio_io::streams::{DEFAULT_HIGH_WATER, DEFAULT_LOW_WATER};
/// assert_eq!((DEFAULT_HIGH_WATER, DEFAULT_LOW_WATER), (64 * 1024, 16 * 1024));
/// ```
pub const DEFAULT_HIGH_WATER: usize = 64 * 1024;
/// See [`DEFAULT_HIGH_WATER`].
///
/// ```
/// use corio_io::streams::{DEFAULT_HIGH_WATER, DEFAULT_LOW_WATER};
/// assert!(DEFAULT_LOW_WATER < DEFAULT_HIGH_WATER);
/// ```
pub const DEFAULT_LOW_WATER: usize = 16 * 1024;

/// What the writer sends through: a connected stream socket.
pub(crate) trait WriteTransport: Send + Sync + 'static {
    /// Writes some of `buf` now, or `WouldBlock`.
    fn try_write(&self, buf: &[u8]) -> io::Result<usize>;
    /// Writes some of `buf`, waiting for the socket to take it.
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
    fn shutdown(&self, how: Shutdown) -> io::Result<()>;
}

/// Where the connection's end stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Open,
    /// `write_eof` (or a drop) asked; sent once the buffer is flushed.
    EofRequested,
    EofSent,
    /// `close` asked; both directions shut down once the buffer is flushed.
    Closing,
    Closed,
}

struct State {
    buf: Vec<u8>,
    start: usize,
    flushing: bool,
    paused: bool,
    end: End,
    /// The first send error, as kind and message (an `io::Error` cannot be cloned).
    error: Option<(io::ErrorKind, String)>,
    high: usize,
    low: usize,
    /// Tasks in `drain` or `poll_flush`, woken at the low-water mark and when the buffer empties.
    drain_waiters: Vec<Waker>,
    close_waiters: Vec<Waker>,
}

impl State {
    fn pending(&self) -> usize {
        self.buf.len() - self.start
    }

    fn error(&self) -> Option<io::Error> {
        self.error
            .as_ref()
            .map(|(kind, msg)| io::Error::new(*kind, msg.clone()))
    }

    fn fail(&mut self, err: &io::Error) {
        if self.error.is_none() {
            self.error = Some((err.kind(), err.to_string()));
        }
        self.buf = Vec::new();
        self.start = 0;
        self.paused = false;
        if self.end == End::Closing {
            self.end = End::Closed;
        }
        wake_all(&mut self.drain_waiters);
        wake_all(&mut self.close_waiters);
    }

    /// The buffer is empty and no flush runs: carry out a requested end of stream or close.
    fn finish(&mut self, transport: &dyn WriteTransport) {
        debug_assert!(self.pending() == 0 && !self.flushing);
        match self.end {
            End::EofRequested => {
                self.end = End::EofSent;
                if let Err(err) = transport.shutdown(Shutdown::Write) {
                    if err.kind() != io::ErrorKind::NotConnected {
                        self.fail(&err);
                    }
                }
                wake_all(&mut self.close_waiters);
            }
            End::Closing => {
                // The peer may have gone already (NotConnected): closed all the same.
                let _ = transport.shutdown(Shutdown::Both);
                self.end = End::Closed;
                wake_all(&mut self.close_waiters);
            }
            End::Open | End::EofSent | End::Closed => {}
        }
    }
}

fn wake_all(wakers: &mut Vec<Waker>) {
    for waker in wakers.drain(..) {
        waker.wake();
    }
}

fn add_waker(wakers: &mut Vec<Waker>, waker: &Waker) {
    if !wakers.iter().any(|w| w.will_wake(waker)) {
        wakers.push(waker.clone());
    }
}

struct Shared {
    state: Mutex<State>,
    transport: Arc<dyn WriteTransport>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Every change under the lock is completed before anything can panic.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The writing end of a connection, as asyncio's `StreamWriter`: [`write`] buffers and
/// never waits, [`drain`] waits while the buffer is above the high-water mark (64 KiB, down
/// to 16 KiB), [`write_eof`] half-closes, [`close`] and [`wait_closed`] close.
///
/// Cancel safety: `write` appends the whole slice or nothing; cancelling `drain`,
/// `wait_closed` or a `poll_flush` is harmless (the bytes keep flowing in the background).
///
/// Dropping the writer sends end of stream after the buffered bytes (the reader half may
/// still read the reply). Writing to a connection the peer closed is an error
/// (`BrokenPipe` or `ConnectionReset`), never a `SIGPIPE`.
///
/// [`write`]: StreamWriter::write
/// [`drain`]: StreamWriter::drain
/// [`write_eof`]: StreamWriter::write_eof
/// [`close`]: StreamWriter::close
/// [`wait_closed`]: StreamWriter::wait_closed
///
/// ```
/// # use corio_io::net::TcpListener;
/// # use corio_io::streams::{open_connection, StreamReader};
/// # corio_executor::run(async {
/// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
/// # let (mut reader, writer) = open_connection(listener.local_addr().unwrap()).await.unwrap();
/// # let mut peer = StreamReader::new(listener.accept().await.unwrap().0);
/// # let _ = &mut reader;
/// writer.write(b"GET / HTTP/1.0\r\n\r\n").unwrap();
/// writer.drain().await.unwrap();
/// writer.write_eof().unwrap(); // half-close: the reader half still reads the reply
/// assert_eq!(peer.read_to_eof().await.unwrap(), b"GET / HTTP/1.0\r\n\r\n");
/// # });
/// ```
pub struct StreamWriter {
    shared: Arc<Shared>,
    runtime: corio_executor::Handle,
    peer: Option<SocketAddr>,
}

/// Shows the bytes buffered, whether flow control is paused and where the end stands.
///
/// ```
/// # use corio_io::streams::open_connection;
/// # corio_executor::run(async {
/// # let listener = corio_io::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let (_reader, writer) = open_connection(listener.local_addr().unwrap()).await.unwrap();
/// assert_eq!(
///     format!("{writer:?}"),
///     "StreamWriter { buffered: 0, paused: false, end: Open, .. }"
/// );
/// # });
/// ```
impl std::fmt::Debug for StreamWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("StreamWriter")
            .field("buffered", &state.pending())
            .field("paused", &state.paused)
            .field("end", &state.end)
            .finish_non_exhaustive()
    }
}

impl StreamWriter {
    pub(crate) fn new(
        transport: Arc<dyn WriteTransport>,
        peer: Option<SocketAddr>,
    ) -> io::Result<StreamWriter> {
        let runtime = corio_executor::Handle::try_current().ok_or_else(|| {
            io::Error::other("a StreamWriter is made inside a corio runtime, which flushes it")
        })?;
        Ok(StreamWriter {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    buf: Vec::new(),
                    start: 0,
                    flushing: false,
                    paused: false,
                    end: End::Open,
                    error: None,
                    high: DEFAULT_HIGH_WATER,
                    low: DEFAULT_LOW_WATER,
                    drain_waiters: Vec::new(),
                    close_waiters: Vec::new(),
                }),
                transport,
            }),
            runtime,
            peer,
        })
    }

    /// Queues `data` to be sent: sends what the socket takes now and buffers the rest for
    /// the loop to send. Never waits; call [`drain`](StreamWriter::drain) to respect flow
    /// control.
    ///
    /// ```
    /// # use corio_io::net::TcpListener;
    /// # use corio_io::streams::{open_connection, StreamReader};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let (mut reader, writer) = open_connection(listener.local_addr().unwrap()).await.unwrap();
    /// # let mut peer = StreamReader::new(listener.accept().await.unwrap().0);
    /// # let _ = &mut reader;
    /// writer.write(b"one ").unwrap();
    /// writer.write(b"two").unwrap(); // never waits
    /// writer.close();
    /// assert_eq!(peer.read_to_eof().await.unwrap(), b"one two");
    /// assert_eq!(writer.write(b"late").unwrap_err().kind(), std::io::ErrorKind::BrokenPipe);
    /// # });
    /// ```
    ///
    /// # Errors
    /// After `close`/`write_eof` (`BrokenPipe`), or once a send has failed (that error: the
    /// peer reset or closed the connection). Nothing of `data` is queued then.
    pub fn write(&self, data: &[u8]) -> io::Result<()> {
        let mut state = self.shared.lock();
        if let Some(err) = state.error() {
            return Err(err);
        }
        if state.end != End::Open {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "write on a StreamWriter after close() or write_eof()",
            ));
        }
        if data.is_empty() {
            return Ok(());
        }
        let mut rest = data;
        if state.pending() == 0 && !state.flushing {
            match self.shared.transport.try_write(data) {
                Ok(n) => rest = &data[n..],
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => {
                    state.fail(&err);
                    return Err(err);
                }
            }
        }
        if rest.is_empty() {
            return Ok(());
        }
        if state.start > 0 && state.start >= state.buf.len() / 2 {
            let start = state.start;
            state.buf.drain(..start);
            state.start = 0;
        }
        state.buf.extend_from_slice(rest);
        if state.pending() > state.high {
            state.paused = true;
        }
        if !state.flushing {
            state.flushing = true;
            drop(state);
            self.runtime.spawn_detached(flush(self.shared.clone()));
        }
        Ok(())
    }

    /// Waits until the buffer is at or below the low-water mark, if it went above the high
    /// one; returns at once otherwise. Cancelling it is harmless.
    ///
    /// ```
    /// # use corio_io::net::TcpListener;
    /// # use corio_io::streams::{open_connection, StreamReader};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let (mut reader, writer) = open_connection(listener.local_addr().unwrap()).await.unwrap();
    /// # let mut peer = StreamReader::new(listener.accept().await.unwrap().0);
    /// # let _ = &mut reader;
    /// let chunk = vec![0u8; 1 << 20];
    /// writer.write(&chunk).unwrap(); // far above the high-water mark
    /// let consumer = corio_executor::spawn(async move { peer.readexactly(1 << 20).await.unwrap().len() });
    /// writer.drain().await.unwrap(); // waits for the peer to take most of it
    /// assert!(writer.buffered() <= corio_io::streams::DEFAULT_LOW_WATER);
    /// assert_eq!(consumer.await.unwrap(), 1 << 20);
    /// # });
    /// ```
    ///
    /// # Errors
    /// The send error that ended the connection, if one did.
    pub async fn drain(&self) -> io::Result<()> {
        poll_fn(|cx| {
            let mut state = self.shared.lock();
            if let Some(err) = state.error() {
                return Poll::Ready(Err(err));
            }
            if state.paused {
                add_waker(&mut state.drain_waiters, cx.waker());
                return Poll::Pending;
            }
            Poll::Ready(Ok(()))
        })
        .await
    }

    /// Sends end of stream once the buffered bytes are out (the peer reads EOF; this side
    /// can still read the reply). Later writes are errors.
    ///
    /// ```
    /// # use corio_io::net::TcpListener;
    /// # use corio_io::streams::{open_connection, StreamReader};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let (mut reader, writer) = open_connection(listener.local_addr().unwrap()).await.unwrap();
    /// # let mut peer = StreamReader::new(listener.accept().await.unwrap().0);
    /// # let _ = &mut reader;
    /// writer.write(b"question").unwrap();
    /// writer.write_eof().unwrap();
    /// assert_eq!(peer.read_to_eof().await.unwrap(), b"question", "then end of stream");
    /// # });
    /// ```
    ///
    /// # Errors
    /// The send error that ended the connection, if one did.
    pub fn write_eof(&self) -> io::Result<()> {
        let mut state = self.shared.lock();
        if let Some(err) = state.error() {
            return Err(err);
        }
        if state.end == End::Open {
            state.end = End::EofRequested;
            if state.pending() == 0 && !state.flushing {
                state.finish(&*self.shared.transport);
            }
        }
        state.error().map_or(Ok(()), Err)
    }

    /// Closes the connection once the buffered bytes are out (both directions are shut
    /// down; the socket itself is freed when reader and writer are dropped).
    ///
    /// ```
    /// # use corio_io::net::TcpListener;
    /// # use corio_io::streams::{open_connection, StreamReader};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let (mut reader, writer) = open_connection(listener.local_addr().unwrap()).await.unwrap();
    /// # let mut peer = StreamReader::new(listener.accept().await.unwrap().0);
    /// # let _ = &mut reader;
    /// writer.write(b"bye").unwrap();
    /// writer.close();
    /// assert!(writer.is_closing());
    /// writer.wait_closed().await.unwrap();
    /// assert_eq!(peer.read_to_eof().await.unwrap(), b"bye", "buffered bytes go first");
    /// # });
    /// ```
    pub fn close(&self) {
        let mut state = self.shared.lock();
        if matches!(state.end, End::Closing | End::Closed) {
            return;
        }
        state.end = End::Closing;
        if state.error.is_some() {
            state.end = End::Closed;
            wake_all(&mut state.close_waiters);
        } else if state.pending() == 0 && !state.flushing {
            state.finish(&*self.shared.transport);
        }
    }

    /// True once [`close`](StreamWriter::close) was called.
    ///
    /// ```
    /// # use corio_io::net::TcpListener;
    /// # use corio_io::streams::{open_connection, StreamReader};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let (mut reader, writer) = open_connection(listener.local_addr().unwrap()).await.unwrap();
    /// # let mut peer = StreamReader::new(listener.accept().await.unwrap().0);
    /// # let _ = &mut reader;
    /// assert!(!writer.is_closing());
    /// writer.close();
    /// assert!(writer.is_closing());
    /// # let _ = peer;
    /// # });
    /// ```
    pub fn is_closing(&self) -> bool {
        matches!(self.shared.lock().end, End::Closing | End::Closed)
    }

    /// Waits until the connection is closed after [`close`](StreamWriter::close).
    ///
    /// ```
    /// # use corio_io::net::TcpListener;
    /// # use corio_io::streams::{open_connection, StreamReader};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let (mut reader, writer) = open_connection(listener.local_addr().unwrap()).await.unwrap();
    /// # let mut peer = StreamReader::new(listener.accept().await.unwrap().0);
    /// # let _ = &mut reader;
    /// writer.write(&[1; 100_000]).unwrap();
    /// writer.close();
    /// let consumer = corio_executor::spawn(async move { peer.read_to_eof().await.unwrap().len() });
    /// writer.wait_closed().await.unwrap(); // every byte was handed to the kernel
    /// assert_eq!(consumer.await.unwrap(), 100_000);
    /// # });
    /// ```
    ///
    /// # Errors
    /// The send error that ended the connection, if one did (buffered bytes were lost).
    pub async fn wait_closed(&self) -> io::Result<()> {
        poll_fn(|cx| {
            let mut state = self.shared.lock();
            if state.end == End::Closed {
                return Poll::Ready(state.error().map_or(Ok(()), Err));
            }
            add_waker(&mut state.close_waiters, cx.waker());
            Poll::Pending
        })
        .await
    }

    /// Bytes written but not yet taken by the kernel.
    ///
    /// ```
    /// # use corio_io::net::TcpListener;
    /// # use corio_io::streams::{open_connection, StreamReader};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let (mut reader, writer) = open_connection(listener.local_addr().unwrap()).await.unwrap();
    /// # let mut peer = StreamReader::new(listener.accept().await.unwrap().0);
    /// # let _ = &mut reader;
    /// assert_eq!(writer.buffered(), 0);
    /// writer.write(b"small").unwrap();
    /// assert_eq!(writer.buffered(), 0, "the socket took it at once");
    /// # let _ = peer;
    /// # });
    /// ```
    pub fn buffered(&self) -> usize {
        self.shared.lock().pending()
    }

    /// Sets the flow-control marks (asyncio's `set_write_buffer_limits`): `drain` waits
    /// once more than `high` bytes are buffered, until `low` or fewer are.
    ///
    /// ```
    /// # use corio_io::net::TcpListener;
    /// # use corio_io::streams::{open_connection, StreamReader};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let (mut reader, writer) = open_connection(listener.local_addr().unwrap()).await.unwrap();
    /// # let mut peer = StreamReader::new(listener.accept().await.unwrap().0);
    /// # let _ = &mut reader;
    /// // Wait for the peer after every 1 KiB instead of every 64 KiB.
    /// writer.set_write_buffer_limits(1024, 0);
    /// writer.write(&[7; 4096]).unwrap();
    /// let consumer = corio_executor::spawn(async move { peer.readexactly(4096).await.unwrap() });
    /// writer.drain().await.unwrap();
    /// assert_eq!(writer.buffered(), 0);
    /// assert_eq!(consumer.await.unwrap(), vec![7; 4096]);
    /// # });
    /// ```
    ///
    /// # Panics
    /// If `low > high`.
    pub fn set_write_buffer_limits(&self, high: usize, low: usize) {
        assert!(
            low <= high,
            "low-water mark {low} above high-water mark {high}"
        );
        let mut state = self.shared.lock();
        state.high = high;
        state.low = low;
        if state.pending() > high {
            state.paused = true;
        } else if state.pending() <= low && state.paused {
            state.paused = false;
            wake_all(&mut state.drain_waiters);
        }
    }

    /// The address of the peer (asyncio's `get_extra_info('peername')`).
    ///
    /// ```
    /// # use corio_io::net::TcpListener;
    /// # use corio_io::streams::{open_connection, StreamReader};
    /// # corio_executor::run(async {
    /// # let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// # let (mut reader, writer) = open_connection(listener.local_addr().unwrap()).await.unwrap();
    /// # let mut peer = StreamReader::new(listener.accept().await.unwrap().0);
    /// # let _ = &mut reader;
    /// assert_eq!(writer.peer_addr(), Some(listener.local_addr().unwrap()));
    /// # let _ = peer;
    /// # });
    /// ```
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }
}

/// The flush task: sends the buffer as the socket takes it, then carries out a requested
/// end or close and exits.
async fn flush(shared: Arc<Shared>) {
    loop {
        let sent = poll_fn(|cx| {
            let state = shared.lock();
            if state.pending() == 0 {
                return Poll::Ready(Ok(0));
            }
            shared.transport.poll_write(cx, &state.buf[state.start..])
        })
        .await;
        let mut state = shared.lock();
        match sent {
            Ok(n) => {
                state.start += n;
                if state.pending() == 0 {
                    state.buf.clear();
                    state.start = 0;
                }
                if state.paused && state.pending() <= state.low {
                    state.paused = false;
                    wake_all(&mut state.drain_waiters);
                }
                if state.pending() == 0 {
                    state.flushing = false;
                    wake_all(&mut state.drain_waiters);
                    state.finish(&*shared.transport);
                    return;
                }
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => {
                state.flushing = false;
                state.fail(&err);
                return;
            }
        }
    }
}

/// Sends end of stream once the buffered bytes are out (the loop goes on sending them); the
/// reader half may still read the reply.
///
/// ```
/// # use corio_io::streams::{open_connection, StreamReader};
/// # corio_executor::run(async {
/// # let listener = corio_io::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let (_reader, writer) = open_connection(listener.local_addr().unwrap()).await.unwrap();
/// let mut peer = StreamReader::new(listener.accept().await.unwrap().0);
/// writer.write(b"last words").unwrap();
/// drop(writer);
/// assert_eq!(peer.read_to_eof().await.unwrap(), b"last words");
/// # });
/// ```
impl Drop for StreamWriter {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        if state.end == End::Open && state.error.is_none() {
            state.end = End::EofRequested;
            if state.pending() == 0 && !state.flushing {
                state.finish(&*self.shared.transport);
            }
        }
    }
}

/// Buffers like [`write`](StreamWriter::write), but waits (returns `Pending`) while flow
/// control is paused; `poll_flush` waits for the buffer to empty; `poll_close` is
/// [`write_eof`](StreamWriter::write_eof) and waits until the end of stream is sent (as
/// closing any other writer shuts down only its write side: the reply can still be read).
impl futures_io::AsyncWrite for StreamWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        {
            let mut state = self.shared.lock();
            if state.paused && state.error.is_none() {
                add_waker(&mut state.drain_waiters, cx.waker());
                return Poll::Pending;
            }
        }
        Poll::Ready(self.write(buf).map(|()| buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = self.shared.lock();
        if let Some(err) = state.error() {
            return Poll::Ready(Err(err));
        }
        if state.pending() == 0 && !state.flushing {
            return Poll::Ready(Ok(()));
        }
        add_waker(&mut state.drain_waiters, cx.waker());
        Poll::Pending
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.write_eof()?;
        let mut state = self.shared.lock();
        if let Some(err) = state.error() {
            return Poll::Ready(Err(err));
        }
        if matches!(state.end, End::EofSent | End::Closed) {
            return Poll::Ready(Ok(()));
        }
        add_waker(&mut state.close_waiters, cx.waker());
        Poll::Pending
    }
}
