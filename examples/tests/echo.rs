//! The network lesson's echo server and client, run against each other on loopback.

use corio_examples::echo;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::Duration;

/// Starts the echo server on its own thread and runtime; returns its address.
fn start_server() -> SocketAddr {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        corio_executor::run(echo::serve("127.0.0.1:0", move |addr| {
            tx.send(addr).unwrap()
        }))
        .unwrap();
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("the server reports its address")
}

#[test]
fn the_client_gets_every_message_back_from_the_server() {
    let addr = start_server();
    let report = corio_executor::run(echo::client(addr, 20, 50, 64)).unwrap();
    assert_eq!(report.round_trips, 1000);
    assert_eq!(report.bytes, 64_000);
}

#[test]
fn the_server_echoes_arbitrary_bytes_until_end_of_stream() {
    let addr = start_server();
    let sent: Vec<u8> = (0..1_000_000u32).map(|i| (i % 253) as u8).collect();
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let writer = {
        let mut conn = conn.try_clone().unwrap();
        let sent = sent.clone();
        std::thread::spawn(move || {
            conn.write_all(&sent).unwrap();
            conn.shutdown(std::net::Shutdown::Write).unwrap();
        })
    };
    let mut echoed = Vec::new();
    conn.read_to_end(&mut echoed).unwrap();
    writer.join().unwrap();
    assert!(
        echoed == sent,
        "every byte back, in order, then end of stream"
    );
}
