//! TCP on loopback: connect, accept, echo with every byte checked, halves, cancellation,
//! and the paused clock around real sockets.

mod common;

use common::{pattern, watchdog};
use corio_executor::time::{timeout, Instant};
use corio_executor::{run, spawn, Runtime};
use corio_io::net::{TcpListener, TcpStream};
use futures::{AsyncReadExt, AsyncWriteExt};
use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;
use std::time::Duration;

async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[test]
fn fifty_connections_echo_256_kib_each_with_every_byte_checked() {
    watchdog(60, || {
        run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = spawn(async move {
                for _ in 0..50 {
                    let (conn, _) = listener.accept().await.unwrap();
                    spawn(async move {
                        let (mut reader, mut writer) = conn.into_split();
                        futures::io::copy(&mut reader, &mut writer).await.unwrap();
                    });
                }
            });
            let clients: Vec<_> = (0..50)
                .map(|n| {
                    spawn(async move {
                        let mut conn = TcpStream::connect(addr).await.unwrap();
                        // The inherent split (futures' AsyncReadExt::split would win `conn.split()`).
                        let (mut reader, mut writer) = TcpStream::split(&mut conn);
                        let sent = pattern(n, 256 << 10);
                        let mut got = Vec::new();
                        let write = async {
                            writer.write_all(&sent).await.unwrap();
                            writer.close().await.unwrap();
                        };
                        let read = reader.read_to_end(&mut got);
                        let ((), read) = futures::join!(write, read);
                        read.unwrap();
                        assert!(got == sent, "connection {n}: echoed bytes differ");
                    })
                })
                .collect();
            for client in clients {
                client.await.unwrap();
            }
            server.await.unwrap();
        });
    });
}

#[test]
fn connecting_to_a_closed_port_is_refused_promptly() {
    watchdog(20, || {
        run(async {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap();
            let started = std::time::Instant::now();
            let err = TcpStream::connect(port).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
            assert!(started.elapsed() < Duration::from_secs(2));
        });
    });
}

#[test]
fn many_tasks_accept_on_one_listener_at_once() {
    watchdog(20, || {
        run(async {
            let listener = std::rc::Rc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
            let addr = listener.local_addr().unwrap();
            let acceptors: Vec<_> = (0..8)
                .map(|_| {
                    let listener = listener.clone();
                    corio_executor::spawn_local(async move { listener.accept().await.unwrap() })
                })
                .collect();
            corio_executor::yield_now().await; // all eight wait now
            let mut clients = Vec::new();
            for _ in 0..8 {
                clients.push(TcpStream::connect(addr).await.unwrap());
            }
            for acceptor in acceptors {
                let (conn, peer) = acceptor.await.unwrap();
                assert!(clients.iter().any(|c| c.local_addr().unwrap() == peer));
                drop(conn);
            }
        });
    });
}

#[test]
fn a_cancelled_read_loses_no_bytes() {
    watchdog(20, || {
        let rt = Runtime::builder().start_paused(true).build();
        rt.block_on(async {
            let (client, server) = pair().await;
            let mut buf = [0; 16];
            // Nothing sent yet: the read is cancelled by its timeout.
            let cancelled = timeout(Duration::from_millis(5), server.read(&mut buf)).await;
            assert!(cancelled.is_err());
            client.write(b"after the timeout").await.unwrap();
            let mut got = Vec::new();
            while got.len() < 17 {
                let n = server.read(&mut buf).await.unwrap();
                got.extend_from_slice(&buf[..n]);
            }
            assert_eq!(got, b"after the timeout");
        });
    });
}

#[test]
fn a_timeout_on_a_loopback_read_answered_after_10ms_real_time_does_not_fire() {
    watchdog(20, || {
        let rt = Runtime::builder().start_paused(true).build();
        rt.block_on(async {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let peer = std::thread::spawn(move || {
                let (mut conn, _) = listener.accept().unwrap();
                std::thread::sleep(Duration::from_millis(10));
                conn.write_all(b"late but in time").unwrap();
                let mut rest = Vec::new();
                conn.read_to_end(&mut rest).unwrap();
            });
            let conn = TcpStream::connect(addr).await.unwrap();
            let start = Instant::now();
            let mut buf = [0; 64];
            let read = timeout(Duration::from_secs(1), conn.read(&mut buf)).await;
            let n = read
                .expect("the 1 s timeout fired over a 10 ms answer")
                .unwrap();
            assert_eq!(&buf[..n], b"late but in time");
            assert!(start.elapsed() < Duration::from_secs(1));
            drop(conn);
            peer.join().unwrap();
        });
    });
}

#[test]
fn the_paused_clock_still_jumps_while_sockets_are_open_but_nobody_waits() {
    watchdog(20, || {
        let rt = Runtime::builder().start_paused(true).build();
        rt.block_on(async {
            let (_client, _server) = pair().await;
            let real = std::time::Instant::now();
            corio_executor::time::sleep(Duration::from_secs(3600)).await;
            assert!(real.elapsed() < Duration::from_secs(5));
        });
    });
}

#[test]
fn an_owned_write_half_dropped_sends_end_of_stream() {
    watchdog(20, || {
        run(async {
            let (client, server) = pair().await;
            let (_reader, writer) = client.into_split();
            writer.write(b"last words").await.unwrap();
            drop(writer);
            let mut got = Vec::new();
            (&server).read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"last words");
        });
    });
}

#[test]
fn halves_reunite_only_with_their_own_stream() {
    watchdog(20, || {
        run(async {
            let (a, b) = pair().await;
            let (a_read, a_write) = a.into_split();
            let (b_read, b_write) = b.into_split();
            let err = a_read.reunite(b_write).unwrap_err();
            assert!(err.to_string().contains("not from the same TcpStream"));
            let (a_read, b_write) = (err.0, err.1);
            let a = a_read.reunite(a_write).unwrap();
            let b = b_read.reunite(b_write).unwrap();
            // Reuniting did not shut anything down: both still talk.
            a.write(b"x").await.unwrap();
            let mut buf = [0; 1];
            assert_eq!(b.read(&mut buf).await.unwrap(), 1);
        });
    });
}

#[test]
fn half_close_then_read_the_reply() {
    watchdog(20, || {
        run(async {
            let (client, server) = pair().await;
            let echo = spawn(async move {
                let mut got = Vec::new();
                (&server).read_to_end(&mut got).await.unwrap();
                (&server).write_all(&got).await.unwrap();
            });
            (&client).write_all(b"question").await.unwrap();
            client.shutdown(Shutdown::Write).unwrap();
            let mut reply = Vec::new();
            (&client).read_to_end(&mut reply).await.unwrap();
            assert_eq!(reply, b"question");
            echo.await.unwrap();
        });
    });
}

#[test]
fn ipv6_loopback_works_where_the_host_has_it() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("no ::1 on this host: skipped");
        return;
    }
    watchdog(20, || {
        run(async {
            let listener = TcpListener::bind("[::1]:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = TcpStream::connect(addr).await.unwrap();
            let (server, peer) = listener.accept().await.unwrap();
            assert!(peer.is_ipv6());
            client.set_nodelay(true).unwrap();
            assert!(client.nodelay().unwrap());
            assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());
        });
    });
}

#[test]
fn sockets_outside_a_runtime_are_an_error_that_says_so() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let err = TcpListener::from_std(listener).unwrap_err();
    assert!(err.to_string().contains("no corio runtime"), "{err}");
}

#[test]
fn a_socket_used_after_its_runtime_was_dropped_fails_instead_of_hanging() {
    watchdog(20, || {
        let first = Runtime::new();
        let (client, server) = first.block_on(pair());
        drop(first);
        let err = run(async {
            let mut buf = [0; 8];
            server.read(&mut buf).await.unwrap_err()
        });
        assert!(err.to_string().contains("has been dropped"), "{err}");
        drop(client);
    });
}

#[test]
fn a_task_waiting_on_a_socket_of_a_runtime_that_is_dropped_gets_an_error() {
    watchdog(20, || {
        let (socket_tx, socket_rx) = std::sync::mpsc::channel();
        let (drop_tx, drop_rx) = std::sync::mpsc::channel::<()>();
        let owner = std::thread::spawn(move || {
            let rt = Runtime::new();
            let (client, server) = rt.block_on(pair());
            socket_tx.send(server).unwrap();
            drop_rx.recv().unwrap();
            drop(rt); // the socket's reactor shuts down
            drop(client);
        });
        let server = socket_rx.recv().unwrap();
        let err = run(async move {
            let reading = spawn(async move {
                let mut buf = [0; 8];
                server.read(&mut buf).await
            });
            corio_executor::time::sleep(Duration::from_millis(20)).await; // it waits now
            drop_tx.send(()).unwrap();
            reading.await.unwrap().unwrap_err()
        });
        assert!(err.to_string().contains("has been dropped"), "{err}");
        owner.join().unwrap();
    });
}
