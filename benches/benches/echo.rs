//! TCP echo on loopback: corio-io beside tokio (current-thread runtime, `tokio::net`), smol
//! (async-executor's `LocalExecutor` with async-io's `Async<TcpStream>`) and, as the limit no
//! runtime can beat, a hand-written mio loop with no runtime at all.
//!
//! Every server runs on its own thread, one thread each, and echoes with the same code shape:
//! a task per connection reading into a 16 KiB buffer held in the task and writing it all
//! back (the mio server: one shared buffer, a pending-bytes `Vec` per connection). Every
//! workload uses the same client, a single-threaded mio program (no runtime), so only the
//! server differs. Setup (server start, connecting) is outside the timed region.
//!
//! - `echo_ping_pong`: 50 connections, each a ping-pong of 64-byte messages (send, wait for
//!   the whole echo, send the next). One element is one round trip: criterion's throughput
//!   is round trips (requests) per second. After the group, each server's p99 round-trip
//!   latency over every sample is printed (from a histogram of 1 µs buckets allocated before
//!   timing: a growing Vec of latencies made whichever server ran first pay its page faults).
//!   Each server starts right before its own run.
//! - `echo_stream`: one connection streaming 64 KiB writes while reading the echo back;
//!   throughput in bytes per second.
//! - `hyper_hello`: hyper 1.x hello-world servers, on corio (corio-io's `hyper` feature) and
//!   on tokio current-thread (a hand-written tokio-to-hyper I/O adapter, as hyper-util's),
//!   50 keep-alive connections each sending one GET at a time; the same mio client.
//!   Throughput is requests per second.
//! - After those, `bytes per idle connection`: the growth of the process's live heap (a
//!   counting allocator) when 1000 connections are open and idle on each server, divided by
//!   1000. It counts the runtime's per-connection state and the server's 16 KiB buffer, not
//!   the kernel's socket buffers.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mio::net::TcpStream as MioStream;
use mio::{Events, Interest, Poll, Token};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Counts the live heap bytes of the whole process.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every method forwards to the system allocator unchanged; the counter is only
// arithmetic on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's layout contract is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` above with this layout, as the caller promises.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: as for `dealloc`; `new_size` is the caller's, checked by its contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const CONNECTIONS: usize = 50;
const MESSAGE: usize = 64;
const STREAM_WRITE: usize = 64 * 1024;
const STREAM_PER_ITER: usize = 1 << 20;
const IDLE_CONNECTIONS: usize = 1000;
const BUF: usize = 16 * 1024;

/// Starts `serve` on a new thread; it sends its address once it listens.
fn start(serve: fn(mpsc::Sender<SocketAddr>)) -> SocketAddr {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || serve(tx));
    rx.recv().expect("the server reports its address")
}

fn corio_server(ready: mpsc::Sender<SocketAddr>) {
    corio_executor::run(async move {
        let listener = corio_io::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        ready.send(listener.local_addr().unwrap()).unwrap();
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            stream.set_nodelay(true).unwrap();
            corio_executor::spawn(async move {
                let mut buf = [0u8; BUF];
                loop {
                    let n = match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    let mut sent = 0;
                    while sent < n {
                        match stream.write(&buf[sent..n]).await {
                            Ok(m) => sent += m,
                            Err(_) => return,
                        }
                    }
                }
            });
        }
    });
}

fn tokio_server(ready: mpsc::Sender<SocketAddr>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        ready.send(listener.local_addr().unwrap()).unwrap();
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            stream.set_nodelay(true).unwrap();
            tokio::spawn(async move {
                let mut buf = [0u8; BUF];
                loop {
                    let n = match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    if stream.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
}

fn smol_server(ready: mpsc::Sender<SocketAddr>) {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    let executor = async_executor::LocalExecutor::new();
    futures_lite::future::block_on(executor.run(async {
        let listener = async_io::Async::<std::net::TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
        ready
            .send(listener.get_ref().local_addr().unwrap())
            .unwrap();
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            stream.get_ref().set_nodelay(true).unwrap();
            executor
                .spawn(async move {
                    let mut buf = [0u8; BUF];
                    loop {
                        let n = match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => n,
                        };
                        if stream.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                })
                .detach();
        }
    }));
}

/// The limit: one mio loop, no tasks, no wakers.
fn mio_server(ready: mpsc::Sender<SocketAddr>) {
    struct Conn {
        stream: MioStream,
        pending: Vec<u8>,
    }
    const LISTENER: Token = Token(usize::MAX);
    let mut poll = Poll::new().unwrap();
    let mut listener = mio::net::TcpListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)
        .unwrap();
    ready.send(listener.local_addr().unwrap()).unwrap();
    let mut conns: Vec<Option<Conn>> = Vec::new();
    let mut events = Events::with_capacity(1024);
    let mut buf = vec![0u8; BUF];
    loop {
        poll.poll(&mut events, None).unwrap();
        for event in &events {
            if event.token() == LISTENER {
                while let Ok((mut stream, _)) = listener.accept() {
                    stream.set_nodelay(true).unwrap();
                    let token = Token(conns.len());
                    poll.registry()
                        .register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)
                        .unwrap();
                    conns.push(Some(Conn {
                        stream,
                        pending: Vec::new(),
                    }));
                }
                continue;
            }
            let slot = &mut conns[event.token().0];
            let Some(conn) = slot else { continue };
            let mut closed = false;
            'io: loop {
                // Flush what is pending first, then read more.
                while !conn.pending.is_empty() {
                    match conn.stream.write(&conn.pending) {
                        Ok(n) => {
                            conn.pending.drain(..n);
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break 'io,
                        Err(_) => {
                            closed = true;
                            break 'io;
                        }
                    }
                }
                match conn.stream.read(&mut buf) {
                    Ok(0) => {
                        closed = true;
                        break;
                    }
                    Ok(n) => conn.pending.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => {
                        closed = true;
                        break;
                    }
                }
            }
            if closed {
                *slot = None;
            }
        }
    }
}

/// Round-trip latencies in 1 µs buckets up to 100 ms (and one overflow bucket), allocated
/// once before timing, so recording a latency allocates nothing inside the timed loop.
struct Latencies {
    counts: Vec<u64>,
}

const LATENCY_BUCKETS: usize = 100_000;

impl Latencies {
    fn new() -> Latencies {
        Latencies {
            counts: vec![0; LATENCY_BUCKETS + 1],
        }
    }

    fn record(&mut self, latency: Duration) {
        let micros = usize::try_from(latency.as_micros()).unwrap_or(usize::MAX);
        self.counts[micros.min(LATENCY_BUCKETS)] += 1;
    }

    /// The 99th percentile, to the microsecond (100 ms if it is beyond the buckets);
    /// `None` if nothing was recorded (the benchmark was filtered out).
    fn p99(&self) -> Option<Duration> {
        let total: u64 = self.counts.iter().sum();
        let mut seen = 0;
        for (micros, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen * 100 >= total * 99 && total > 0 {
                return Some(Duration::from_micros(micros as u64));
            }
        }
        None
    }
}

/// The one client every server gets: single-threaded mio, no runtime.
struct Client {
    poll: Poll,
    events: Events,
    conns: Vec<MioStream>,
}

impl Client {
    fn connect(addr: SocketAddr, connections: usize) -> Client {
        let poll = Poll::new().unwrap();
        let conns = (0..connections)
            .map(|i| {
                let std = std::net::TcpStream::connect(addr).unwrap();
                std.set_nodelay(true).unwrap();
                std.set_nonblocking(true).unwrap();
                let mut stream = MioStream::from_std(std);
                poll.registry()
                    .register(
                        &mut stream,
                        Token(i),
                        Interest::READABLE | Interest::WRITABLE,
                    )
                    .unwrap();
                stream
            })
            .collect();
        Client {
            poll,
            events: Events::with_capacity(1024),
            conns,
        }
    }

    /// Each connection does `rounds` exchanges: sends `message`, waits for `reply_len`
    /// bytes back; records each round trip's latency in `latencies`. Returns the wall time.
    fn ping_pong(
        &mut self,
        rounds: u64,
        message: &[u8],
        reply_len: usize,
        latencies: &mut Latencies,
    ) -> Duration {
        let n = self.conns.len();
        let mut left = vec![rounds; n];
        let mut got = vec![0usize; n];
        let mut sent_at = vec![Instant::now(); n];
        let mut active = 0;
        let start = Instant::now();
        for (i, conn) in self.conns.iter_mut().enumerate() {
            if left[i] > 0 {
                write_all(conn, message);
                sent_at[i] = Instant::now();
                active += 1;
            }
        }
        let mut buf = vec![0u8; reply_len];
        while active > 0 {
            self.poll.poll(&mut self.events, None).unwrap();
            for event in &self.events {
                let i = event.token().0;
                if left[i] == 0 {
                    continue;
                }
                loop {
                    match self.conns[i].read(&mut buf[got[i]..]) {
                        Ok(0) => panic!("the server closed a connection"),
                        Ok(k) => {
                            got[i] += k;
                            if got[i] == reply_len {
                                got[i] = 0;
                                latencies.record(sent_at[i].elapsed());
                                left[i] -= 1;
                                if left[i] == 0 {
                                    active -= 1;
                                    break;
                                }
                                write_all(&mut self.conns[i], message);
                                sent_at[i] = Instant::now();
                            }
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(e) => panic!("{e}"),
                    }
                }
            }
        }
        start.elapsed()
    }

    /// Streams `bytes` through the first connection in `STREAM_WRITE` writes while reading
    /// the echo back; returns the wall time until the last byte is back.
    fn stream(&mut self, bytes: usize) -> Duration {
        let chunk = vec![3u8; STREAM_WRITE];
        let mut buf = vec![0u8; STREAM_WRITE];
        let (mut sent, mut received) = (0, 0);
        let start = Instant::now();
        let conn = &mut self.conns[0];
        while received < bytes {
            let mut progress = false;
            while sent < bytes {
                let end = (bytes - sent).min(STREAM_WRITE);
                match conn.write(&chunk[..end]) {
                    Ok(k) => {
                        sent += k;
                        progress = true;
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => panic!("{e}"),
                }
            }
            loop {
                match conn.read(&mut buf) {
                    Ok(0) => panic!("the server closed the connection"),
                    Ok(k) => {
                        received += k;
                        progress = true;
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => panic!("{e}"),
                }
            }
            if !progress {
                self.poll.poll(&mut self.events, None).unwrap();
            }
        }
        start.elapsed()
    }
}

/// Writes a small message whole (a 64-byte write to an idle loopback socket always fits).
fn write_all(conn: &mut MioStream, mut data: &[u8]) {
    while !data.is_empty() {
        match conn.write(data) {
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::yield_now(),
            Err(e) => panic!("{e}"),
        }
    }
}

type Server = (&'static str, fn(mpsc::Sender<SocketAddr>));

const SERVERS: [Server; 4] = [
    ("corio", corio_server),
    ("tokio", tokio_server),
    ("smol", smol_server),
    ("mio_no_runtime", mio_server),
];

fn echo(c: &mut Criterion) {
    let mut addrs = Vec::new();

    let mut group = c.benchmark_group("echo_ping_pong");
    group.throughput(Throughput::Elements(CONNECTIONS as u64));
    let mut p99s = Vec::new();
    for (name, serve) in SERVERS {
        // Each server starts right before its own run, so none is the odd one started long
        // before the client.
        let addr = start(serve);
        addrs.push((name, addr));
        let mut client = Client::connect(addr, CONNECTIONS);
        let mut latencies = Latencies::new();
        group.bench_function(name, |b| {
            b.iter_custom(|iters| client.ping_pong(iters, &[7; MESSAGE], MESSAGE, &mut latencies));
        });
        p99s.push((name, latencies.p99()));
    }
    group.finish();
    for (name, p99) in p99s {
        if let Some(p99) = p99 {
            println!("echo_ping_pong/{name}: p99 round trip {p99:.1?}");
        }
    }

    let mut group = c.benchmark_group("echo_stream");
    group.throughput(Throughput::Bytes(STREAM_PER_ITER as u64));
    for (name, addr) in &addrs {
        let mut client = Client::connect(*addr, 1);
        group.bench_function(*name, |b| {
            b.iter_custom(|iters| client.stream(STREAM_PER_ITER * iters as usize));
        });
    }
    group.finish();

    for (name, addr) in &addrs {
        println!(
            "echo_idle/{name}: {} bytes of heap per idle connection",
            idle_bytes(*addr)
        );
    }
}

/// Live heap growth per connection while `IDLE_CONNECTIONS` connections sit idle on the
/// server at `addr` (each made to echo one byte first, so the server holds its state).
fn idle_bytes(addr: SocketAddr) -> isize {
    let mut conns = Vec::with_capacity(IDLE_CONNECTIONS);
    std::thread::sleep(Duration::from_millis(50));
    let before = LIVE.load(Ordering::SeqCst);
    for _ in 0..IDLE_CONNECTIONS {
        let mut conn = std::net::TcpStream::connect(addr).unwrap();
        conn.write_all(b"x").unwrap();
        let mut byte = [0u8; 1];
        conn.read_exact(&mut byte).unwrap();
        conns.push(conn);
    }
    std::thread::sleep(Duration::from_millis(50));
    let grown = LIVE.load(Ordering::SeqCst) - before;
    drop(conns);
    std::thread::sleep(Duration::from_millis(50));
    grown / IDLE_CONNECTIONS as isize
}

const HELLO: &str = "Hello, World!";
const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n";

type HelloBody = http_body_util::Full<hyper::body::Bytes>;

async fn hello(
    _: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<HelloBody>, std::convert::Infallible> {
    Ok(hyper::Response::new(HelloBody::new(
        hyper::body::Bytes::from_static(HELLO.as_bytes()),
    )))
}

fn corio_hyper_server(ready: mpsc::Sender<SocketAddr>) {
    corio_executor::run(async move {
        let listener = corio_io::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        ready.send(listener.local_addr().unwrap()).unwrap();
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            stream.set_nodelay(true).unwrap();
            corio_executor::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(stream, hyper::service::service_fn(hello))
                    .await;
            });
        }
    });
}

/// tokio's `TcpStream` as hyper's I/O, the way hyper-util's `TokioIo` does it.
struct TokioIo(tokio::net::TcpStream);

impl hyper::rt::Read for TokioIo {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        // SAFETY: tokio's ReadBuf over the cursor's unfilled part only writes into it and
        // reports how much it initialized (ReadBufCursor::as_mut's contract).
        let unfilled = unsafe { buf.as_mut() };
        let mut read_buf = tokio::io::ReadBuf::uninit(unfilled);
        let stream = std::pin::Pin::new(&mut self.get_mut().0);
        match tokio::io::AsyncRead::poll_read(stream, cx, &mut read_buf) {
            std::task::Poll::Ready(Ok(())) => {
                let n = read_buf.filled().len();
                // SAFETY: tokio initialized (filled) the first `n` bytes of the cursor.
                unsafe { buf.advance(n) };
                std::task::Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl hyper::rt::Write for TokioIo {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        tokio::io::AsyncWrite::poll_write(std::pin::Pin::new(&mut self.get_mut().0), cx, buf)
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        tokio::io::AsyncWrite::poll_flush(std::pin::Pin::new(&mut self.get_mut().0), cx)
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        tokio::io::AsyncWrite::poll_shutdown(std::pin::Pin::new(&mut self.get_mut().0), cx)
    }
}

fn tokio_hyper_server(ready: mpsc::Sender<SocketAddr>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        ready.send(listener.local_addr().unwrap()).unwrap();
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            stream.set_nodelay(true).unwrap();
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo(stream), hyper::service::service_fn(hello))
                    .await;
            });
        }
    });
}

/// The length of the hello response (its date header has a fixed width), read once with a
/// plain blocking request.
fn hello_reply_len(addr: SocketAddr) -> usize {
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    conn.write_all(GET).unwrap();
    let mut reply = Vec::new();
    let mut buf = [0u8; 1024];
    while !reply.ends_with(HELLO.as_bytes()) {
        let n = conn.read(&mut buf).unwrap();
        assert!(n > 0, "the server closed before answering");
        reply.extend_from_slice(&buf[..n]);
    }
    reply.len()
}

fn hyper_hello(c: &mut Criterion) {
    let servers: [Server; 2] = [("corio", corio_hyper_server), ("tokio", tokio_hyper_server)];
    let mut group = c.benchmark_group("hyper_hello");
    group.throughput(Throughput::Elements(CONNECTIONS as u64));
    for (name, serve) in servers {
        let addr = start(serve);
        let reply_len = hello_reply_len(addr);
        let mut client = Client::connect(addr, CONNECTIONS);
        let mut latencies = Latencies::new();
        group.bench_function(name, |b| {
            b.iter_custom(|iters| client.ping_pong(iters, GET, reply_len, &mut latencies));
        });
        if let Some(p99) = latencies.p99() {
            println!("hyper_hello/{name}: p99 round trip {p99:.1?}");
        }
    }
    group.finish();
}

criterion_group!(benches, echo, hyper_hello);
criterion_main!(benches);
