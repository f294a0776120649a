//! [`Async<T>`]: any non-blocking fd, registered with the loop's reactor, with async
//! operations. Every socket type of this crate is built on it.

use crate::reactor::source::{Direction, READ_SLOT, WRITE_SLOT};
use crate::reactor::{Reactor, Registration};
use mio::unix::SourceFd;
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

/// An I/O object (a socket, a pipe, any fd) put in non-blocking mode and registered with
/// the current loop's reactor, so its operations wait for readiness instead of blocking.
///
/// The way to use it is [`read_with`](Async::read_with) / [`write_with`](Async::write_with):
/// give the non-blocking operation as a closure; it runs when the fd is ready, and again
/// after each new readiness event for as long as it returns `WouldBlock`.
///
/// ```
/// use corio_io::Async;
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
///
/// corio_executor::run(async {
///     let (a, b) = UnixStream::pair().unwrap();
///     let (a, b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
///     a.write_with(|s| (&*s).write(b"ping")).await.unwrap();
///     let mut buf = [0; 4];
///     let n = b.read_with(|s| (&*s).read(&mut buf)).await.unwrap();
///     assert_eq!(&buf[..n], b"ping");
/// });
/// ```
///
/// Created inside a corio runtime (a task or `block_on`), it belongs to that runtime's
/// reactor; it may be moved to other threads, but its waits complete only while that loop
/// runs. Dropping it deregisters the fd and then closes it (by dropping `T`).
#[derive(Debug)]
pub struct Async<T: AsRawFd> {
    /// `None` only after `into_inner` took it.
    io: Option<T>,
    registration: Registration,
}

impl<T: AsRawFd> Async<T> {
    /// Puts `io` in non-blocking mode and registers it with the current loop's reactor.
    ///
    /// ```
    /// use corio_io::Async;
    /// corio_executor::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let a = Async::new(a).unwrap(); // now non-blocking, and watched by the loop
    ///     let mut buf = [0; 1];
    ///     let err = std::io::Read::read(&mut a.get_ref(), &mut buf).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock, "no data: no blocking either");
    ///     // A regular file cannot be watched.
    ///     let file = std::fs::File::open("/proc/self/status").unwrap();
    ///     assert!(Async::new(file).is_err());
    /// });
    /// ```
    ///
    /// # Errors
    /// Outside a corio runtime, or if the fd cannot be made non-blocking or registered (an
    /// fd that epoll cannot watch, such as a regular file, is refused with `PermissionDenied`).
    pub fn new(io: T) -> io::Result<Async<T>> {
        let fd = io.as_raw_fd();
        set_nonblocking(fd)?;
        let registration = Reactor::current()?.register(&mut SourceFd(&fd))?;
        Ok(Async {
            io: Some(io),
            registration,
        })
    }

    /// The wrapped I/O object.
    ///
    /// ```
    /// use corio_io::Async;
    /// corio_executor::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let a = Async::new(a).unwrap();
    ///     assert!(a.get_ref().peer_addr().unwrap().is_unnamed());
    /// });
    /// ```
    pub fn get_ref(&self) -> &T {
        self.io
            .as_ref()
            .expect("the I/O object is there until into_inner")
    }

    /// Deregisters the fd and gives the I/O object back (still in non-blocking mode).
    ///
    /// ```
    /// use corio_io::Async;
    /// corio_executor::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let a = Async::new(a).unwrap();
    ///     let std_stream = a.into_inner().unwrap();
    ///     std_stream.set_nonblocking(false).unwrap(); // yours again, as you want it
    /// });
    /// ```
    pub fn into_inner(mut self) -> io::Result<T> {
        let io = self
            .io
            .take()
            .expect("the I/O object is there until into_inner");
        self.registration.deregister(&mut SourceFd(&io.as_raw_fd()));
        Ok(io)
    }

    /// Runs `op` once the fd is readable, and again after each new readiness event while it
    /// returns `WouldBlock`; returns its first other result.
    ///
    /// Cancel-safe when `op` is: dropping the future only stops waiting; each `op` call that
    /// ran has returned either `WouldBlock` (nothing done) or the result given back.
    ///
    /// ```
    /// use corio_io::Async;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// corio_executor::run(async {
    ///     let (a, mut b) = UnixStream::pair().unwrap();
    ///     let a = Async::new(a).unwrap();
    ///     let writer = std::thread::spawn(move || b.write_all(b"late").unwrap());
    ///     let mut buf = [0; 4];
    ///     // Runs the read; while it would block, waits for the fd and tries again.
    ///     let n = a.read_with(|mut s| s.read(&mut buf)).await.unwrap();
    ///     assert!(n > 0 && buf[..n] == b"late"[..n]);
    ///     writer.join().unwrap();
    /// });
    /// ```
    pub async fn read_with<R>(&self, op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        self.op_with(Direction::Read, op, never_used_up).await
    }

    /// [`read_with`](Async::read_with) for the write direction.
    ///
    /// ```
    /// use corio_io::Async;
    /// use std::io::Write;
    /// use std::net::UdpSocket;
    /// corio_executor::run(async {
    ///     let socket = Async::new(UdpSocket::bind("127.0.0.1:0").unwrap()).unwrap();
    ///     let to = socket.get_ref().local_addr().unwrap();
    ///     let sent = socket.write_with(|s| s.send_to(b"to myself", to)).await.unwrap();
    ///     assert_eq!(sent, 9);
    ///     let mut buf = [0; 16];
    ///     let (n, _) = socket.read_with(|s| s.recv_from(&mut buf)).await.unwrap();
    ///     assert_eq!(&buf[..n], b"to myself");
    /// });
    /// ```
    pub async fn write_with<R>(&self, op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        self.op_with(Direction::Write, op, never_used_up).await
    }

    /// The polling form of [`read_with`](Async::read_with): registers the task of `cx` to be
    /// woken. The fd has one read slot for this: if two tasks poll it at once, only the last
    /// one is woken (the `async` methods have no such limit).
    ///
    /// ```
    /// use corio_io::Async;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// corio_executor::run(async {
    ///     let (a, mut b) = UnixStream::pair().unwrap();
    ///     let a = Async::new(a).unwrap();
    ///     b.write_all(b"polled").unwrap();
    ///     let mut buf = [0; 6];
    ///     let n = std::future::poll_fn(|cx| a.poll_read_with(cx, |mut s| s.read(&mut buf)))
    ///         .await
    ///         .unwrap();
    ///     assert_eq!(&buf[..n], b"polled");
    /// });
    /// ```
    pub fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_op(cx, Direction::Read, READ_SLOT, op, never_used_up)
    }

    /// The polling form of [`write_with`](Async::write_with), with its own single slot.
    ///
    /// ```
    /// use corio_io::Async;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// corio_executor::run(async {
    ///     let (a, mut b) = UnixStream::pair().unwrap();
    ///     let a = Async::new(a).unwrap();
    ///     let n = std::future::poll_fn(|cx| a.poll_write_with(cx, |mut s| s.write(b"polled")))
    ///         .await
    ///         .unwrap();
    ///     let mut buf = [0; 6];
    ///     b.read_exact(&mut buf[..n]).unwrap();
    ///     assert_eq!(&buf[..n], b"polled");
    /// });
    /// ```
    pub fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_op(cx, Direction::Write, WRITE_SLOT, op, never_used_up)
    }

    /// Waits until the fd is readable: a read on it would not block (it has data, a
    /// connection to accept, end of stream or an error to report). For code that runs its
    /// own non-blocking operations (a C library's, say) and only needs to know when.
    ///
    /// ```
    /// use corio_io::Async;
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// corio_executor::run(async {
    ///     let (a, mut b) = UnixStream::pair().unwrap();
    ///     let a = Async::new(a).unwrap();
    ///     b.write_all(b"ping").unwrap();
    ///     a.readable().await.unwrap();
    ///     let mut buf = [0; 4];
    ///     assert_eq!(a.get_ref().read(&mut buf).unwrap(), 4); // does not block
    /// });
    /// ```
    ///
    /// The answer is the kernel's at the time it is given (one `poll(2)` confirms the
    /// readiness the reactor last reported), so a read that drained the fd without going
    /// on to `WouldBlock` does not make the next call return at once: it waits for new data.
    /// Another task may still read first; the operation must then handle `WouldBlock`,
    /// which [`read_with`](Async::read_with) does for you. Cancel-safe.
    ///
    /// # Errors
    /// Once the runtime the fd was registered in has been dropped, or if `poll(2)` fails.
    pub async fn readable(&self) -> io::Result<()> {
        self.read_with(|io| ready_now(io.as_raw_fd(), Direction::Read))
            .await
    }

    /// Waits until the fd is writable: a write on it would not block (it has buffer room,
    /// or an error or a closed peer to report). As [`readable`](Async::readable), for the
    /// write direction.
    ///
    /// ```
    /// use corio_io::Async;
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    ///
    /// corio_executor::run(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     let a = Async::new(a).unwrap();
    ///     a.writable().await.unwrap(); // a fresh socket has room
    ///     assert_eq!(a.get_ref().write(b"pong").unwrap(), 4);
    /// });
    /// ```
    ///
    /// # Errors
    /// As [`readable`](Async::readable).
    pub async fn writable(&self) -> io::Result<()> {
        self.write_with(|io| ready_now(io.as_raw_fd(), Direction::Write))
            .await
    }

    /// The polling form of [`readable`](Async::readable), in the read slot of
    /// [`poll_read_with`](Async::poll_read_with) (one task at a time).
    ///
    /// ```
    /// use corio_io::Async;
    /// use std::os::unix::net::UnixStream;
    ///
    /// corio_executor::run(async {
    ///     let (a, b) = UnixStream::pair().unwrap();
    ///     let a = Async::new(a).unwrap();
    ///     drop(b); // end of stream: a read would not block
    ///     std::future::poll_fn(|cx| a.poll_readable(cx)).await.unwrap();
    /// });
    /// ```
    ///
    /// # Errors
    /// As [`readable`](Async::readable).
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_read_with(cx, |io| ready_now(io.as_raw_fd(), Direction::Read))
    }

    /// The polling form of [`writable`](Async::writable), in the write slot of
    /// [`poll_write_with`](Async::poll_write_with) (one task at a time).
    ///
    /// ```
    /// use corio_io::Async;
    /// use std::os::unix::net::UnixStream;
    ///
    /// corio_executor::run(async {
    ///     let (a, _b) = UnixStream::pair().unwrap();
    ///     let a = Async::new(a).unwrap();
    ///     std::future::poll_fn(|cx| a.poll_writable(cx)).await.unwrap();
    /// });
    /// ```
    ///
    /// # Errors
    /// As [`readable`](Async::readable).
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_write_with(cx, |io| ready_now(io.as_raw_fd(), Direction::Write))
    }

    /// A stream socket's read or write of up to `len` bytes: one that moved fewer bytes
    /// than asked drained the socket's buffer (or filled it), so the readiness is used up
    /// and forgotten at once, which saves the `WouldBlock` call the next operation would
    /// make. Safe with the tick: data that arrives after the short read bumps it.
    pub(crate) fn stream_op<F>(&self, direction: Direction, len: usize, op: F) -> StreamOp<'_, T, F>
    where
        F: FnMut(&T) -> io::Result<usize> + Unpin,
    {
        StreamOp {
            io: self,
            direction,
            len,
            op,
            id: None,
            listed: false,
        }
    }

    /// The polling form of [`stream_op`](Async::stream_op), in the direction's slot.
    pub(crate) fn poll_stream_op(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        len: usize,
        op: impl FnMut(&T) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let slot = match direction {
            Direction::Read => READ_SLOT,
            Direction::Write => WRITE_SLOT,
        };
        self.poll_op(cx, direction, slot, op, |n: &usize| *n > 0 && *n < len)
    }

    async fn op_with<R>(
        &self,
        direction: Direction,
        mut op: impl FnMut(&T) -> io::Result<R>,
        used_up: impl Fn(&R) -> bool,
    ) -> io::Result<R> {
        let waiter = WaiterGuard {
            registration: &self.registration,
            id: self.registration.waiter_id(),
            listed: AtomicBool::new(false),
        };
        poll_fn(|cx| {
            let poll = self.poll_op(cx, direction, waiter.id, &mut op, &used_up);
            waiter.listed.store(poll.is_pending(), Ordering::Relaxed);
            poll
        })
        .await
    }

    /// Waits for readiness and runs `op` until it does not return `WouldBlock`; a result
    /// for which `used_up` is true forgets the readiness it used.
    fn poll_op<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        id: u64,
        mut op: impl FnMut(&T) -> io::Result<R>,
        used_up: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        loop {
            let event = match self.registration.poll_ready(cx, direction, id) {
                Poll::Ready(Ok(event)) => event,
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => return Poll::Pending,
            };
            match op(self.get_ref()) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.registration.clear_ready(event);
                }
                Ok(value) => {
                    if used_up(&value) {
                        self.registration.clear_ready(event);
                    }
                    return Poll::Ready(Ok(value));
                }
                result => return Poll::Ready(result),
            }
        }
    }
}

/// The reads and writes of a stream socket (`TcpStream`, `UnixStream`), written once for both:
/// each is a [`stream_op`](Async::stream_op) in its direction's slot, so a short read or
/// write forgets the readiness it used up.
impl<T: AsRawFd> Async<T>
where
    for<'a> &'a T: Read + Write,
{
    /// Reads some bytes into `buf`, waiting for readiness; `Ok(0)` at end of stream.
    #[inline]
    pub(crate) fn stream_read<'a>(
        &'a self,
        buf: &'a mut [u8],
    ) -> StreamOp<'a, T, impl FnMut(&T) -> io::Result<usize> + Unpin + 'a> {
        let len = buf.len();
        self.stream_op(Direction::Read, len, move |mut io| io.read(buf))
    }

    /// Writes some of `buf`, waiting for readiness.
    #[inline]
    pub(crate) fn stream_write<'a>(
        &'a self,
        buf: &'a [u8],
    ) -> StreamOp<'a, T, impl FnMut(&T) -> io::Result<usize> + Unpin + 'a> {
        self.stream_op(Direction::Write, buf.len(), move |mut io| io.write(buf))
    }

    /// The polling form of [`stream_read`](Async::stream_read).
    #[inline]
    pub(crate) fn poll_stream_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        self.poll_stream_op(cx, Direction::Read, len, |mut io| io.read(buf))
    }

    /// The polling form of [`stream_write`](Async::stream_write).
    #[inline]
    pub(crate) fn poll_stream_write(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_stream_op(cx, Direction::Write, buf.len(), |mut io| io.write(buf))
    }

    /// A vectored [`poll_stream_write`](Async::poll_stream_write): `writev(2)` of `bufs`.
    #[inline]
    pub(crate) fn poll_stream_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|b| b.len()).sum();
        self.poll_stream_op(cx, Direction::Write, len, |mut io| io.write_vectored(bufs))
    }
}

impl<T: AsRawFd> Async<T> {
    /// Reads into possibly uninitialized memory (`read(2)` on the fd), for readers such as
    /// hyper's that hand out uninitialized buffers. Returns how many bytes were written
    /// to the front of `buf`.
    #[cfg(feature = "hyper")]
    pub(crate) fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [std::mem::MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        let (ptr, len) = (buf.as_mut_ptr().cast::<libc::c_void>(), buf.len());
        self.poll_stream_op(cx, Direction::Read, len, |io| {
            // SAFETY: `ptr..ptr+len` is the caller's exclusively borrowed buffer, valid for
            // writes of `len` bytes for this call; read(2) writes at most `len` bytes there
            // and needs them neither initialized nor aligned.
            let n = unsafe { libc::read(io.as_raw_fd(), ptr, len) };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            }
        })
    }
}

/// The future of a stream socket's `read`/`write`: written out by hand rather than as an
/// `async fn`, because it sits in every connection's task while the connection is idle and
/// this form is a fraction of the size. Its waiter id is taken on the first poll; dropping
/// it takes its waiter out of the fd's list.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub(crate) struct StreamOp<'a, T: AsRawFd, F> {
    io: &'a Async<T>,
    direction: Direction,
    len: usize,
    op: F,
    id: Option<u64>,
    /// Whether the last poll left the waiter in the list.
    listed: bool,
}

impl<T: AsRawFd, F> std::future::Future for StreamOp<'_, T, F>
where
    F: FnMut(&T) -> io::Result<usize> + Unpin,
{
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let id = *this
            .id
            .get_or_insert_with(|| this.io.registration.waiter_id());
        let len = this.len;
        let poll = this
            .io
            .poll_op(cx, this.direction, id, &mut this.op, |n: &usize| {
                *n > 0 && *n < len
            });
        this.listed = poll.is_pending();
        poll
    }
}

impl<T: AsRawFd, F> Drop for StreamOp<'_, T, F> {
    fn drop(&mut self) {
        if let (true, Some(id)) = (self.listed, self.id) {
            self.io.registration.remove_waiter(id);
        }
    }
}

/// For operations whose result says nothing about the readiness left.
fn never_used_up<R>(_: &R) -> bool {
    false
}

/// Takes an `async` operation's waiter out of the fd's list when the operation ends or is
/// cancelled, so a dropped future leaves no waker behind (nor a waiter the paused clock
/// would wait for).
struct WaiterGuard<'a> {
    registration: &'a Registration,
    id: u64,
    /// Whether the last poll left the waiter in the list (an atomic only so the future
    /// stays `Send`; it is touched by one task at a time).
    listed: AtomicBool,
}

impl Drop for WaiterGuard<'_> {
    fn drop(&mut self) {
        if *self.listed.get_mut() {
            self.registration.remove_waiter(self.id);
        }
    }
}

/// Deregisters the fd from the reactor, then closes it (by dropping `T`), so no event can
/// arrive for a closed (and perhaps reused) fd number.
///
/// ```
/// use corio_io::Async;
/// corio_executor::run(async {
///     let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
///     drop(Async::new(a).unwrap());
///     // The fd is closed: the peer sees end of stream.
///     assert_eq!(std::io::Read::read(&mut b, &mut [0; 1]).unwrap(), 0);
/// });
/// ```
impl<T: AsRawFd> Drop for Async<T> {
    fn drop(&mut self) {
        if let Some(io) = self.io.take() {
            self.registration.deregister(&mut SourceFd(&io.as_raw_fd()));
            drop(io); // closes the fd, now that epoll no longer watches it
        }
    }
}

/// The wrapped object's fd (the `Async` still owns it).
impl<T: AsRawFd> AsRawFd for Async<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_raw_fd()
    }
}

/// The wrapped object's fd, borrowed.
impl<T: AsRawFd + AsFd> AsFd for Async<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

/// Reads through `&T`, as sockets, pipes and `UnixStream`s allow.
impl<T: AsRawFd> futures_io::AsyncRead for Async<T>
where
    for<'a> &'a T: Read,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_with(cx, |mut io| io.read(buf))
    }
}

/// Writes through `&T`; `poll_flush` flushes `T`, and so does `poll_close` (closing the fd
/// is the drop's job).
impl<T: AsRawFd> futures_io::AsyncWrite for Async<T>
where
    for<'a> &'a T: Write,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, |mut io| io.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_write_with(cx, |mut io| io.flush())
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

/// Whether `fd` is ready `direction`-wise right now, by `poll(2)` with no timeout: `Ok(())`
/// if so (an error or hang-up counts: the operation will report it), else `WouldBlock`, so
/// that `poll_op` forgets the readiness the reactor reported and waits for the next event.
fn ready_now(fd: RawFd, direction: Direction) -> io::Result<()> {
    let events = match direction {
        Direction::Read => libc::POLLIN,
        Direction::Write => libc::POLLOUT,
    };
    let mut pollfd = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    loop {
        // SAFETY: `pollfd` is one valid, exclusively borrowed `struct pollfd` for the call
        // (nfds = 1); poll(2) only reads `fd` and `events` and writes `revents`. The fd is
        // kept open by the `Async` the caller borrows; a closed one is reported as POLLNVAL.
        let n = unsafe { libc::poll(&mut pollfd, 1, 0) };
        if n >= 0 {
            break;
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    if pollfd.revents & (events | libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
        Ok(())
    } else {
        Err(io::ErrorKind::WouldBlock.into())
    }
}

/// Sets `O_NONBLOCK` on `fd`.
fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    // SAFETY: F_GETFL only reads the status flags of `fd`, which the caller's I/O object
    // owns and keeps open for this call; an invalid fd is reported as EBADF, not UB.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    if flags & libc::O_NONBLOCK == 0 {
        // SAFETY: as above; F_SETFL changes only the status flags of that same fd.
        if unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}
