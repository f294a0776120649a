//! Dropping a runtime with open sockets closes them, and after a load of connections the
//! process's fd count is back where it started. Alone in its binary, so no other test's fds
//! are counted.

mod common;

use common::{open_fds, watchdog};
use corio_executor::Runtime;
use corio_io::net::TcpStream;
use corio_io::streams::{open_connection, start_server};

#[test]
fn every_fd_is_closed_after_the_connections_end_and_the_runtime_is_dropped() {
    watchdog(60, || {
        let before = open_fds();
        let rt = Runtime::new();
        rt.block_on(async {
            let server = start_server(
                |mut reader, writer| async move {
                    while let Ok(line) = reader.readline().await {
                        if line.is_empty() {
                            break;
                        }
                        writer.write(&line).unwrap();
                    }
                },
                "127.0.0.1:0",
            )
            .await
            .unwrap();
            let addr = server.sockets()[0];
            // 200 connections that each echo a line and close.
            let clients: Vec<_> = (0..200)
                .map(|n| {
                    corio_executor::spawn(async move {
                        let (mut reader, writer) = open_connection(addr).await.unwrap();
                        let line = format!("connection {n}\n");
                        writer.write(line.as_bytes()).unwrap();
                        assert_eq!(reader.readline().await.unwrap(), line.as_bytes());
                    })
                })
                .collect();
            for client in clients {
                client.await.unwrap();
            }
            // 50 more left open, mid-conversation, in tasks, when the runtime is dropped.
            for _ in 0..50 {
                let stream = TcpStream::connect(addr).await.unwrap();
                corio_executor::spawn(async move {
                    let mut buf = [0; 1];
                    let _ = stream.read(&mut buf).await;
                });
            }
            // The server too stays open, served by a task the runtime's drop cancels.
            corio_executor::spawn_local(async move { server.serve_forever().await });
            corio_executor::yield_now().await;
        });
        assert!(
            open_fds() > before,
            "sockets are open while the runtime lives"
        );
        drop(rt);
        assert_eq!(open_fds(), before, "an fd outlived the runtime");
    });
}
