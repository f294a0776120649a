//! With the `hyper` feature, a hyper 1.x server and client run on corio.
#![cfg(feature = "hyper")]

mod common;

use common::watchdog;
use corio_io::hyper::{CorioExecutor, CorioTimer};
use corio_io::net::{TcpListener, TcpStream};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Bytes;
use std::convert::Infallible;
use std::time::Duration;

async fn serve(listener: TcpListener) {
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        corio_executor::spawn(async move {
            let service = hyper::service::service_fn(
                |request: hyper::Request<hyper::body::Incoming>| async move {
                    let page = format!("page {}", request.uri().path());
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from(page))))
                },
            );
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(CorioTimer::new())
                .header_read_timeout(Duration::from_millis(200))
                .serve_connection(stream, service)
                .await;
        });
    }
}

#[test]
fn a_hyper_client_fetches_pages_from_a_hyper_server_over_keep_alive() {
    watchdog(30, || {
        corio_executor::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            corio_executor::spawn(serve(listener));
            let clients: Vec<_> = (0..4)
                .map(|c| {
                    corio_executor::spawn(async move {
                        let stream = TcpStream::connect(addr).await.unwrap();
                        let (mut sender, connection) =
                            hyper::client::conn::http1::handshake(stream).await.unwrap();
                        hyper::rt::Executor::execute(&CorioExecutor::current(), async move {
                            let _ = connection.await;
                        });
                        for n in 0..25 {
                            let path = format!("/{c}/{n}");
                            let request = hyper::Request::get(path.as_str())
                                .header("host", "localhost")
                                .body(Empty::<Bytes>::new())
                                .unwrap();
                            let response = sender.send_request(request).await.unwrap();
                            assert_eq!(response.status(), 200);
                            let body = response.into_body().collect().await.unwrap().to_bytes();
                            assert_eq!(body, format!("page {path}"));
                        }
                    })
                })
                .collect();
            for client in clients {
                client.await.unwrap();
            }
        });
    });
}

#[test]
fn hypers_header_timeout_runs_on_corios_timer() {
    watchdog(30, || {
        corio_executor::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            corio_executor::spawn(serve(listener));
            // A client that connects and never sends its request head: the server gives up.
            let silent = TcpStream::connect(addr).await.unwrap();
            let started = corio_executor::time::Instant::now();
            let mut buf = [0; 256];
            let n = silent.read(&mut buf).await.unwrap_or(0);
            let waited = started.elapsed();
            assert!(
                waited >= Duration::from_millis(200) && waited < Duration::from_secs(5),
                "closed after the 200 ms header timeout, not {waited:?}"
            );
            // hyper may answer 408 before closing; either way the connection ends.
            if n > 0 {
                assert!(
                    buf[..n].starts_with(b"HTTP/1.1 408"),
                    "{:?}",
                    String::from_utf8_lossy(&buf[..n])
                );
            }
        });
    });
}
