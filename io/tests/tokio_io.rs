//! With the `tokio-io` feature, tokio's I/O traits work on corio-io's streams.
#![cfg(feature = "tokio-io")]

mod common;

use common::{pattern, watchdog};
use corio_io::net::TcpListener;
use corio_io::streams::open_connection;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

#[test]
fn tokio_copy_and_read_line_run_over_corio_sockets() {
    watchdog(20, || {
        corio_executor::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let echo = corio_executor::spawn(async move {
                let (conn, _) = listener.accept().await.unwrap();
                let (mut reader, mut writer) = conn.into_split();
                tokio::io::copy(&mut reader, &mut writer).await.unwrap();
                AsyncWriteExt::shutdown(&mut writer).await.unwrap();
            });
            let (mut reader, mut writer) = open_connection(addr).await.unwrap();
            let body = pattern(5, 100_000);
            writer.write_all(b"first line\n").await.unwrap();
            writer.write_all(&body).await.unwrap();
            writer.shutdown().await.unwrap();
            let mut line = String::new();
            reader.read_line(&mut line).await.unwrap();
            assert_eq!(line, "first line\n");
            let mut rest = Vec::new();
            reader.read_to_end(&mut rest).await.unwrap();
            assert!(rest == body);
            echo.await.unwrap();
        });
    });
}
