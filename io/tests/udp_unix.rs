//! UDP and Unix sockets on loopback / the local filesystem.

mod common;

use common::watchdog;
use corio_executor::time::timeout;
use corio_executor::{run, Runtime};
use corio_io::net::{UdpSocket, UnixDatagram, UnixListener, UnixStream};
use futures::{AsyncReadExt, AsyncWriteExt};
use std::io::ErrorKind;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("corio-io-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn udp_datagrams_go_both_ways_unconnected_and_connected() {
    watchdog(20, || {
        run(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
            assert_eq!(a.send_to(b"ping", b_addr).await.unwrap(), 4);
            let mut buf = [0; 64];
            assert_eq!(b.recv_from(&mut buf).await.unwrap(), (4, a_addr));
            a.connect(b_addr).await.unwrap();
            b.connect(a_addr).await.unwrap();
            assert_eq!(a.peer_addr().unwrap(), b_addr);
            b.send(b"pong!").await.unwrap();
            assert_eq!(a.recv(&mut buf).await.unwrap(), 5);
            assert_eq!(&buf[..5], b"pong!");
        });
    });
}

#[test]
fn many_tasks_receive_on_one_udp_socket_at_once() {
    watchdog(20, || {
        run(async {
            let socket = Rc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
            let addr = socket.local_addr().unwrap();
            let receivers: Vec<_> = (0..8)
                .map(|_| {
                    let socket = socket.clone();
                    corio_executor::spawn_local(async move {
                        let mut buf = [0; 8];
                        let (n, _) = socket.recv_from(&mut buf).await.unwrap();
                        buf[..n].to_vec()
                    })
                })
                .collect();
            corio_executor::yield_now().await;
            let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            for i in 0..8u8 {
                sender.send_to(&[i], addr).await.unwrap();
            }
            let mut got: Vec<u8> = Vec::new();
            for receiver in receivers {
                got.extend(receiver.await.unwrap());
            }
            got.sort_unstable();
            assert_eq!(
                got,
                (0..8).collect::<Vec<u8>>(),
                "each datagram to one task"
            );
        });
    });
}

#[test]
fn a_cancelled_recv_loses_no_datagram() {
    watchdog(20, || {
        Runtime::builder()
            .start_paused(true)
            .build()
            .block_on(async {
                let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
                let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
                let mut buf = [0; 16];
                assert!(timeout(Duration::from_millis(10), b.recv_from(&mut buf))
                    .await
                    .is_err());
                a.send_to(b"kept", b.local_addr().unwrap()).await.unwrap();
                let (n, _) = b.recv_from(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], b"kept");
            });
    });
}

#[test]
fn a_connected_udp_socket_hears_that_nobody_listens() {
    watchdog(20, || {
        run(async {
            let closed = std::net::UdpSocket::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap();
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            socket.connect(closed).await.unwrap();
            socket.send(b"anyone?").await.unwrap();
            let mut buf = [0; 8];
            let err = socket.recv(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        });
    });
}

#[test]
fn unix_streams_connect_echo_and_half_close() {
    watchdog(20, || {
        run(async {
            let path = temp_path("echo.sock");
            let listener = UnixListener::bind(&path).unwrap();
            let server = corio_executor::spawn(async move {
                let (mut conn, _) = listener.accept().await.unwrap();
                let mut got = Vec::new();
                conn.read_to_end(&mut got).await.unwrap();
                conn.write_all(&got).await.unwrap();
            });
            let mut client = UnixStream::connect(&path).await.unwrap();
            client.write_all(b"over a unix socket").await.unwrap();
            client.close().await.unwrap(); // end of stream, reading still works
            let mut back = Vec::new();
            client.read_to_end(&mut back).await.unwrap();
            assert_eq!(back, b"over a unix socket");
            server.await.unwrap();
            std::fs::remove_file(&path).unwrap();
        });
    });
}

#[test]
fn connecting_to_a_missing_unix_socket_is_not_found() {
    watchdog(20, || {
        run(async {
            let err = UnixStream::connect(temp_path("missing.sock"))
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound);
        });
    });
}

#[test]
fn unix_datagrams_by_pair_and_by_path() {
    watchdog(20, || {
        run(async {
            let (a, b) = UnixDatagram::pair().unwrap();
            a.send(b"paired").await.unwrap();
            let mut buf = [0; 16];
            assert_eq!(b.recv(&mut buf).await.unwrap(), 6);
            let path = temp_path("dgram.sock");
            let bound = UnixDatagram::bind(&path).unwrap();
            let sender = UnixDatagram::unbound().unwrap();
            sender.send_to(b"by path", &path).await.unwrap();
            let (n, _) = bound.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"by path");
            std::fs::remove_file(&path).unwrap();
        });
    });
}
