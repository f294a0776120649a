//! The streams API over Unix sockets: `open_unix_connection` and `start_unix_server` serve
//! and read as their TCP forms do, and the server owns its socket file: a stale one is
//! replaced, anything else at the path is left alone, and `close` removes only its own.

mod common;

use common::{pattern, servers, watchdog};
use corio_executor::{run, spawn};
use corio_io::streams::{open_unix_connection, start_unix_server, Server, StreamError};
use std::io::ErrorKind;
use std::os::unix::net::SocketAddr as UnixSocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A fresh directory for one test's socket files, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("corio-unix-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An [`echo_lines`](servers::echo_lines) server at `path`.
async fn echo_server(path: &Path) -> Server<UnixSocketAddr> {
    start_unix_server(servers::echo_lines, path).await.unwrap()
}

#[test]
fn lines_go_round_trip_through_a_unix_server() {
    watchdog(20, || {
        let dir = TempDir::new("round-trip");
        let path = dir.path("echo.sock");
        run(async move {
            let server = echo_server(&path).await;
            assert_eq!(server.sockets().len(), 1);
            assert_eq!(server.sockets()[0].as_pathname(), Some(path.as_path()));
            let (mut reader, writer) = open_unix_connection(&path).await.unwrap();
            assert_eq!(writer.peer_addr(), None, "a Unix peer has no IP address");
            writer.write(b"one\ntwo\n").unwrap();
            writer.write_eof().unwrap();
            assert_eq!(reader.readline().await.unwrap(), b"one\n");
            assert_eq!(reader.readline().await.unwrap(), b"two\n");
            assert_eq!(reader.readline().await.unwrap(), b"", "end of stream");
            assert!(reader.at_eof());
        });
    });
}

#[test]
fn many_clients_at_once_get_their_own_bytes_back() {
    watchdog(20, || {
        let dir = TempDir::new("many");
        let path = dir.path("echo.sock");
        run(async move {
            let server = start_unix_server(
                |mut reader, writer| async move {
                    let data = reader.read_to_eof().await.unwrap();
                    writer.write(&data).unwrap();
                    writer.close();
                    writer.wait_closed().await.unwrap();
                },
                &path,
            )
            .await
            .unwrap();
            let path = Arc::new(path);
            let clients: Vec<_> = (0..50)
                .map(|conn| {
                    let path = path.clone();
                    spawn(async move {
                        let (mut reader, writer) = open_unix_connection(&*path).await.unwrap();
                        let sent = pattern(conn, 100_000);
                        writer.write(&sent).unwrap();
                        writer.write_eof().unwrap();
                        assert!(reader.read_to_eof().await.unwrap() == sent, "client {conn}");
                    })
                })
                .collect();
            for client in clients {
                client.await.unwrap();
            }
            server.close();
            server.wait_closed().await;
        });
    });
}

#[test]
fn framed_reads_and_their_errors_work_over_unix_sockets() {
    watchdog(20, || {
        let dir = TempDir::new("framed");
        let path = dir.path("partial.sock");
        run(async move {
            let _server = start_unix_server(
                |_reader, writer| async move {
                    writer.write(b"abc").unwrap();
                    writer.write_eof().unwrap();
                },
                &path,
            )
            .await
            .unwrap();
            let (mut reader, _writer) = open_unix_connection(&path).await.unwrap();
            match reader.readexactly(5).await {
                Err(StreamError::IncompleteRead(err)) => assert_eq!(err.partial, b"abc"),
                other => panic!("expected an incomplete read, got {other:?}"),
            }
        });
    });
}

#[test]
fn a_plain_std_client_talks_to_start_unix_server() {
    watchdog(20, || {
        let dir = TempDir::new("std-client");
        let path = dir.path("echo.sock");
        run(async move {
            let _server = echo_server(&path).await;
            let client = corio_executor::spawn_blocking(move || {
                let conn = std::os::unix::net::UnixStream::connect(&path).unwrap();
                servers::std_client_round_trip(conn, |c| {
                    c.shutdown(std::net::Shutdown::Write).unwrap()
                })
            });
            assert_eq!(client.await.unwrap(), "one\ntwo\n");
        });
    });
}

#[test]
fn close_removes_the_socket_file_and_wait_closed_waits_for_handlers() {
    watchdog(20, || {
        let dir = TempDir::new("close");
        let path = dir.path("server.sock");
        run(async move {
            let start_path = path.clone();
            servers::close_stops_accepting_and_wait_closed_waits_for_handlers(
                |handler| async move {
                    start_unix_server(move |r, w| handler(r, w), start_path)
                        .await
                        .unwrap()
                },
                // The socket file is gone once closed: nothing is there to refuse.
                |_| open_unix_connection(path.clone()),
                ErrorKind::NotFound,
            )
            .await;
            assert!(!path.exists(), "close removes the server's socket file");
        });
    });
}

#[test]
fn a_stale_socket_file_is_replaced() {
    watchdog(20, || {
        let dir = TempDir::new("stale");
        let path = dir.path("left-over.sock");
        // A server that exited without cleaning up leaves its socket file behind.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        assert!(path.exists());
        run(async move {
            let _server = echo_server(&path).await;
            let (mut reader, writer) = open_unix_connection(&path).await.unwrap();
            writer.write(b"fresh\n").unwrap();
            assert_eq!(reader.readline().await.unwrap(), b"fresh\n");
        });
    });
}

#[test]
fn a_path_taken_by_a_regular_file_is_addr_in_use_and_the_file_stays() {
    watchdog(20, || {
        let dir = TempDir::new("taken");
        let path = dir.path("data.txt");
        std::fs::write(&path, b"precious").unwrap();
        run(async {
            let err = start_unix_server(|_, _| async {}, &path).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AddrInUse);
        });
        assert_eq!(std::fs::read(&path).unwrap(), b"precious");
    });
}

#[test]
fn close_leaves_a_socket_file_that_replaced_its_own() {
    watchdog(20, || {
        let dir = TempDir::new("replaced");
        let path = dir.path("shared.sock");
        run(async move {
            let first = echo_server(&path).await;
            // Another server takes the path over (replacing the first's stale-looking file).
            let second = echo_server(&path).await;
            first.close();
            assert!(
                path.exists(),
                "the first server removed the second's socket file"
            );
            let (mut reader, writer) = open_unix_connection(&path).await.unwrap();
            writer.write(b"still here\n").unwrap();
            assert_eq!(reader.readline().await.unwrap(), b"still here\n");
            second.close();
            assert!(!path.exists());
        });
    });
}

#[test]
fn connecting_to_nothing_is_not_found_and_to_a_dead_socket_is_refused() {
    watchdog(20, || {
        let dir = TempDir::new("nothing");
        let path = dir.path("absent.sock");
        run(async move {
            let err = open_unix_connection(&path).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound);
            drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
            let err = open_unix_connection(&path).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        });
    });
}
