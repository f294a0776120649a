//! What echo.rs and echo_rounds.rs share, so both measure the same servers with the same
//! client: the four echo servers (corio, tokio current-thread, smol, and the mio loop that is
//! the limit), each started on a thread of its own, and the single-threaded mio client.
//!
//! The client never waits on a silent server for more than `STALL`: it panics instead, so a
//! server that stops echoing fails the bench rather than hanging it.

use mio::net::TcpStream as MioStream;
use mio::{Events, Interest, Poll, Token};
use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const CONNECTIONS: usize = 50;
pub const MESSAGE: usize = 64;
const STREAM_WRITE: usize = 64 * 1024;
const BUF: usize = 16 * 1024;
/// How long the client waits for any readiness before it declares the server stuck.
const STALL: Duration = Duration::from_secs(10);

/// Starts `serve` on a new thread; it sends its address once it listens.
pub fn start(serve: fn(mpsc::Sender<SocketAddr>)) -> SocketAddr {
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
pub struct Latencies {
    counts: Vec<u64>,
}

const LATENCY_BUCKETS: usize = 100_000;

impl Latencies {
    pub fn new() -> Latencies {
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
    pub fn p99(&self) -> Option<Duration> {
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
pub struct Client {
    poll: Poll,
    events: Events,
    conns: Vec<MioStream>,
}

impl Client {
    pub fn connect(addr: SocketAddr, connections: usize) -> Client {
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
    pub fn ping_pong(
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
            wait(&mut self.poll, &mut self.events);
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
    pub fn stream(&mut self, bytes: usize) -> Duration {
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
                wait(&mut self.poll, &mut self.events);
            }
        }
        start.elapsed()
    }
}

/// Waits for readiness on any connection; a server silent for `STALL` fails the bench.
fn wait(poll: &mut Poll, events: &mut Events) {
    poll.poll(events, Some(STALL)).unwrap();
    assert!(
        !events.is_empty(),
        "no answer from the server for {STALL:?}: it stopped echoing"
    );
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

pub type Server = (&'static str, fn(mpsc::Sender<SocketAddr>));

pub const SERVERS: [Server; 4] = [
    ("corio", corio_server),
    ("tokio", tokio_server),
    ("smol", smol_server),
    ("mio_no_runtime", mio_server),
];
