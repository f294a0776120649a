//! The streams API: framed reads with their errors and limits, cancellation that loses no
//! bytes, flow control, half-close, and the faults a server meets.

mod common;

use common::{pattern, servers, watchdog};
use corio_executor::time::{sleep, timeout};
use corio_executor::{run, spawn, Runtime};
use corio_io::net::{TcpListener, TcpStream};
use corio_io::streams::{
    open_connection, start_server, StreamError, StreamReader, StreamWriter, DEFAULT_LIMIT,
};
use std::io::{ErrorKind, Write};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// A connected pair: our reader and writer, and the peer as a plain corio stream.
async fn connected() -> (StreamReader, StreamWriter, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (reader, writer) = open_connection(addr).await.unwrap();
    let (peer, _) = listener.accept().await.unwrap();
    (reader, writer, peer)
}

async fn send(peer: &TcpStream, mut data: &[u8]) {
    while !data.is_empty() {
        let n = peer.write(data).await.unwrap();
        data = &data[n..];
    }
}

fn paused() -> Runtime {
    Runtime::builder().start_paused(true).build()
}

#[test]
fn framed_reads_return_whole_frames() {
    watchdog(20, || {
        run(async {
            let (mut reader, _writer, peer) = connected().await;
            send(&peer, b"line one\nEXACT--rest;;tail").await;
            drop(peer);
            assert_eq!(reader.readline().await.unwrap(), b"line one\n");
            assert_eq!(reader.readexactly(5).await.unwrap(), b"EXACT");
            assert_eq!(reader.readuntil(b";;").await.unwrap(), b"--rest;;");
            assert!(!reader.at_eof());
            assert_eq!(reader.read(100).await.unwrap(), b"tail");
            assert_eq!(reader.read(100).await.unwrap(), b"", "end of stream");
            assert!(reader.at_eof());
        });
    });
}

#[test]
fn readexactly_at_end_of_stream_is_incomplete_read_with_the_partial_bytes() {
    watchdog(20, || {
        run(async {
            let (mut reader, _writer, peer) = connected().await;
            send(&peer, b"only7by").await;
            drop(peer);
            match reader.readexactly(10).await {
                Err(StreamError::IncompleteRead(e)) => {
                    assert_eq!(e.partial, b"only7by");
                    assert_eq!(e.expected, Some(10));
                }
                other => panic!("expected IncompleteRead, got {other:?}"),
            }
            let err: std::io::Error =
                StreamError::IncompleteRead(corio_io::streams::IncompleteRead {
                    partial: vec![],
                    expected: Some(1),
                })
                .into();
            assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
        });
    });
}

#[test]
fn a_line_longer_than_the_limit_is_limit_overrun_and_keeps_the_bytes() {
    watchdog(20, || {
        run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (server, _) = listener.accept().await.unwrap();
            let mut reader = StreamReader::with_limit(server, 16);
            let long = [b'a'; 40];
            send(&client, &long).await;
            send(&client, b"\nnext\n").await;
            match reader.readline().await {
                Err(StreamError::LimitOverrun(e)) => {
                    assert_eq!(e.limit, 16);
                    assert!(e.consumed > 16);
                }
                other => panic!("expected LimitOverrun, got {other:?}"),
            }
            // Nothing was dropped: the long line is still there to read by size.
            let mut got = Vec::new();
            while got.len() < 41 {
                got.extend(reader.read(41 - got.len()).await.unwrap());
            }
            assert_eq!(&got[..40], &long[..]);
            assert_eq!(got[40], b'\n');
            assert_eq!(reader.readline().await.unwrap(), b"next\n");
        });
    });
}

/// A source that hands out one chunk per read, then end of stream.
struct Chunks(std::collections::VecDeque<&'static [u8]>);

impl futures::AsyncRead for Chunks {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        let Some(chunk) = self.0.pop_front() else {
            return Poll::Ready(Ok(0));
        };
        buf[..chunk.len()].copy_from_slice(chunk);
        Poll::Ready(Ok(chunk.len()))
    }
}

/// The limit bounds the bytes before the separator, as asyncio counts it: a frame of
/// exactly `limit` bytes is read with its separator, one byte more is `LimitOverrun`, and a
/// separator that may still begin within the limit is waited for. (Found by the ported
/// CPython case `stream_test_readline_limit`: a 7-byte line and its newline, limit 7.)
#[test]
fn a_frame_of_exactly_the_limit_is_read_with_its_separator() {
    run(async {
        let mut reader = StreamReader::with_limit(&b"1234567\n12345678\n"[..], 7);
        assert_eq!(reader.readline().await.unwrap(), b"1234567\n");
        assert!(matches!(
            reader.readline().await,
            Err(StreamError::LimitOverrun(_))
        ));
        assert_eq!(reader.read(100).await.unwrap(), b"12345678\n", "kept");

        let mut reader = StreamReader::with_limit(&b"abcAAAabcdAAA"[..], 3);
        assert_eq!(reader.readuntil(b"AAA").await.unwrap(), b"abcAAA");
        assert!(matches!(
            reader.readuntil(b"AAA").await,
            Err(StreamError::LimitOverrun(_))
        ));

        // "abcAA" could still be "abcAAA": wait for the next byte instead of giving up.
        let chunks = [&b"abcAA"[..], &b"A"[..]];
        let mut reader = StreamReader::with_limit(Chunks(chunks.into()), 3);
        assert_eq!(reader.readuntil(b"AAA").await.unwrap(), b"abcAAA");
        // "abcdAA" cannot: the separator would begin after the limit.
        let chunks = [&b"abcdAA"[..], &b"A"[..]];
        let mut reader = StreamReader::with_limit(Chunks(chunks.into()), 3);
        assert!(matches!(
            reader.readuntil(b"AAA").await,
            Err(StreamError::LimitOverrun(_))
        ));
    });
}

#[test]
fn the_default_limit_is_64_kib() {
    assert_eq!(DEFAULT_LIMIT, 64 * 1024);
    let reader = StreamReader::new(&b""[..]);
    assert_eq!(reader.limit(), 64 * 1024);
}

/// An endless source of bytes with no newline that counts what it handed out.
struct Endless(Arc<AtomicUsize>);

impl futures::AsyncRead for Endless {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        let n = buf.len().min(100 << 20);
        buf[..n].fill(b'x');
        self.0.fetch_add(n, Ordering::SeqCst);
        Poll::Ready(Ok(n))
    }
}

#[test]
fn a_peer_sending_without_newline_is_read_only_up_to_the_limit() {
    run(async {
        let handed_out = Arc::new(AtomicUsize::new(0));
        let mut reader = StreamReader::new(Endless(handed_out.clone()));
        assert!(matches!(
            reader.readline().await,
            Err(StreamError::LimitOverrun(_))
        ));
        let read = handed_out.load(Ordering::SeqCst);
        assert!(
            read <= 2 * DEFAULT_LIMIT + 8 * 1024,
            "the reader took {read} bytes for a 64 KiB limit"
        );
        // Asking again reads nothing more: the buffer is over the limit already.
        assert!(matches!(
            reader.readline().await,
            Err(StreamError::LimitOverrun(_))
        ));
        assert_eq!(handed_out.load(Ordering::SeqCst), read);
    });
}

#[test]
fn a_server_meeting_100_mb_without_newline_drops_that_client_and_keeps_serving() {
    watchdog(60, || {
        run(async {
            let overruns = Arc::new(AtomicUsize::new(0));
            let seen = overruns.clone();
            let server = start_server(
                move |mut reader, writer| {
                    let seen = seen.clone();
                    async move {
                        match reader.readline().await {
                            Ok(line) => writer.write(&line).unwrap(),
                            Err(StreamError::LimitOverrun(e)) => {
                                assert!(e.consumed <= 2 * DEFAULT_LIMIT + 8 * 1024);
                                seen.fetch_add(1, Ordering::SeqCst);
                                writer.close();
                            }
                            Err(e) => panic!("{e}"),
                        }
                    }
                },
                "127.0.0.1:0",
            )
            .await
            .unwrap();
            let addr = server.sockets()[0];
            let flood = TcpStream::connect(addr).await.unwrap();
            let chunk = vec![b'x'; 1 << 20];
            let mut sent = 0usize;
            let err = loop {
                match flood.write(&chunk).await {
                    Ok(n) => sent += n,
                    Err(err) => break Some(err),
                }
                if sent >= 100 << 20 {
                    break None;
                }
            };
            let err = err.expect("the server closed the connection long before 100 MB");
            assert!(
                matches!(
                    err.kind(),
                    ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
                ),
                "{err:?}"
            );
            assert!(sent < 100 << 20);
            assert_eq!(overruns.load(Ordering::SeqCst), 1);
            // The server still serves.
            let (mut reader, writer) = open_connection(addr).await.unwrap();
            writer.write(b"still here\n").unwrap();
            assert_eq!(reader.readline().await.unwrap(), b"still here\n");
        });
    });
}

#[test]
fn cancelled_framed_reads_lose_no_bytes() {
    watchdog(20, || {
        paused().block_on(async {
            let (mut reader, _writer, peer) = connected().await;
            // readline: half a line, cancelled by a timeout, then the rest.
            send(&peer, b"half a ").await;
            assert!(timeout(Duration::from_millis(50), reader.readline())
                .await
                .is_err());
            send(&peer, b"line\n").await;
            assert_eq!(reader.readline().await.unwrap(), b"half a line\n");
            // readexactly: 3 of 8 bytes, cancelled, then the rest.
            send(&peer, b"123").await;
            assert!(timeout(Duration::from_millis(50), reader.readexactly(8))
                .await
                .is_err());
            send(&peer, b"45678").await;
            assert_eq!(reader.readexactly(8).await.unwrap(), b"12345678");
            // readuntil: cancelled by dropping its future mid-way (as a task group does).
            send(&peer, b"key=").await;
            {
                let mut until = std::pin::pin!(reader.readuntil(b";"));
                let polled = futures::poll!(until.as_mut());
                assert!(polled.is_pending());
                sleep(Duration::from_millis(1)).await;
                assert!(futures::poll!(until.as_mut()).is_pending());
            }
            send(&peer, b"value;").await;
            assert_eq!(reader.readuntil(b";").await.unwrap(), b"key=value;");
            // A plain read after a cancelled readline gets those bytes too.
            send(&peer, b"no newline yet").await;
            assert!(timeout(Duration::from_millis(50), reader.readline())
                .await
                .is_err());
            assert_eq!(reader.read(100).await.unwrap(), b"no newline yet");
        });
    });
}

#[test]
fn write_never_waits_and_drain_waits_above_the_high_water_mark() {
    watchdog(30, || {
        run(async {
            let (_reader, writer, peer) = connected().await;
            let data = pattern(1, 8 << 20);
            // 8 MiB in one write: the kernel takes a part, the rest is buffered.
            writer.write(&data).unwrap();
            assert!(
                writer.buffered() > 64 * 1024,
                "the socket cannot take 8 MiB at once"
            );
            // Nobody reads yet: drain waits (cancelling it is harmless).
            assert!(timeout(Duration::from_millis(20), writer.drain())
                .await
                .is_err());
            let reading = spawn(async move {
                let mut got = Vec::new();
                let mut buf = vec![0; 64 * 1024];
                while got.len() < 8 << 20 {
                    let n = peer.read(&mut buf).await.unwrap();
                    assert!(n > 0);
                    got.extend_from_slice(&buf[..n]);
                }
                got
            });
            writer.drain().await.unwrap();
            assert!(
                writer.buffered() <= 16 * 1024,
                "drained to the low-water mark"
            );
            assert!(reading.await.unwrap() == data, "every byte, in order");
        });
    });
}

#[test]
fn many_small_writes_arrive_whole_and_in_order() {
    watchdog(30, || {
        run(async {
            let (_reader, writer, peer) = connected().await;
            let data = pattern(2, 2 << 20);
            let reading = spawn(async move {
                let mut got = Vec::new();
                let mut buf = vec![0; 4096];
                loop {
                    let n = peer.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break got;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
            });
            for chunk in data.chunks(1000) {
                writer.write(chunk).unwrap();
                writer.drain().await.unwrap();
            }
            writer.close();
            writer.wait_closed().await.unwrap();
            assert!(reading.await.unwrap() == data);
        });
    });
}

#[test]
fn write_eof_then_read_the_reply() {
    watchdog(20, || {
        run(async {
            let server = start_server(
                |mut reader, writer| async move {
                    let question = reader.read_to_eof().await.unwrap();
                    writer.write(b"you said: ").unwrap();
                    writer.write(&question).unwrap();
                    writer.close();
                },
                "127.0.0.1:0",
            )
            .await
            .unwrap();
            let (mut reader, writer) = open_connection(server.sockets()[0]).await.unwrap();
            writer.write(b"hello").unwrap();
            writer.write_eof().unwrap();
            let err = writer.write(b"more").unwrap_err();
            assert_eq!(err.kind(), ErrorKind::BrokenPipe);
            assert_eq!(reader.read_to_eof().await.unwrap(), b"you said: hello");
        });
    });
}

#[test]
fn write_after_the_peer_closed_is_an_error() {
    watchdog(20, || {
        run(async {
            let (_reader, writer, peer) = connected().await;
            drop(peer); // the peer's socket closes: our writes get a reset
            let mut outcome = Ok(());
            for _ in 0..200 {
                outcome = writer.write(&[0; 4096]);
                if outcome.is_ok() {
                    outcome = writer.drain().await;
                }
                if outcome.is_err() {
                    break;
                }
                sleep(Duration::from_millis(1)).await;
            }
            let err = outcome.expect_err("writes to a closed peer fail");
            assert!(
                matches!(
                    err.kind(),
                    ErrorKind::BrokenPipe | ErrorKind::ConnectionReset
                ),
                "{err:?}"
            );
            // Every later call reports it too.
            assert!(writer.write(b"x").is_err());
            assert!(writer.drain().await.is_err());
        });
    });
}

#[test]
fn a_peer_reset_mid_read_is_connection_reset() {
    watchdog(20, || {
        run(async {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let (mut reader, _writer) = open_connection(addr).await.unwrap();
            let (peer, _) = listener.accept().unwrap();
            (&peer).write_all(b"partial li").unwrap();
            // SO_LINGER 0: close sends RST instead of FIN.
            socket2::SockRef::from(&peer)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
            drop(peer);
            let outcome = reader.readline().await;
            match outcome {
                Err(StreamError::Io(err)) => assert_eq!(err.kind(), ErrorKind::ConnectionReset),
                other => panic!("expected a reset, got {other:?}"),
            }
        });
    });
}

#[test]
fn server_close_stops_accepting_and_wait_closed_waits_for_handlers() {
    watchdog(20, || {
        run(async {
            servers::close_stops_accepting_and_wait_closed_waits_for_handlers(
                |handler| async move {
                    start_server(move |r, w| handler(r, w), "127.0.0.1:0")
                        .await
                        .unwrap()
                },
                |server| open_connection(server.sockets()[0]),
                ErrorKind::ConnectionRefused,
            )
            .await;
        });
    });
}

#[test]
fn a_plain_std_client_talks_to_start_server() {
    watchdog(20, || {
        run(async {
            let server = start_server(servers::echo_lines, "localhost:0")
                .await
                .unwrap();
            let addr = server.sockets()[0];
            let client = corio_executor::spawn_blocking(move || {
                servers::std_client_round_trip(std::net::TcpStream::connect(addr).unwrap(), |c| {
                    c.shutdown(std::net::Shutdown::Write).unwrap()
                })
            });
            assert_eq!(client.await.unwrap(), "one\ntwo\n");
        });
    });
}
