//! TCP echo on loopback: corio-io beside tokio (current-thread runtime, `tokio::net`), smol
//! (async-executor's `LocalExecutor` with async-io's `Async<TcpStream>`) and, as the limit no
//! runtime can beat, a hand-written mio loop with no runtime at all.
//!
//! Every server runs on its own thread, one thread each, and echoes with the same code shape:
//! a task per connection reading into a 16 KiB buffer held in the task and writing it all
//! back (the mio server: one shared buffer, a pending-bytes `Vec` per connection). Every
//! workload uses the same client, a single-threaded mio program (no runtime), so only the
//! server differs. Setup (server start, connecting) is outside the timed region. The servers
//! and the client live in `echo_common/`, shared with `echo_rounds.rs`, which runs the same
//! servers interleaved round by round so that the machine's drift cancels between them.
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

mod echo_common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use echo_common::{start, Client, Latencies, Server, CONNECTIONS, MESSAGE, SERVERS};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

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

const STREAM_PER_ITER: usize = 1 << 20;
const IDLE_CONNECTIONS: usize = 1000;

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
