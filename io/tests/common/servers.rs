//! Scenarios the TCP and Unix forms of the streams API share: each is given how to start a
//! server and how to connect to it, and checks what a user of either would see.

use corio_executor::time::{sleep, timeout};
use corio_io::streams::{Server, StreamReader, StreamWriter};
use corio_sync::Event;
use std::future::Future;
use std::io::{self, ErrorKind, Read, Write};
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

/// A connection handler, boxed so that one scenario can hand it to either `start_*`.
pub type Handler = Rc<dyn Fn(StreamReader, StreamWriter) -> Pin<Box<dyn Future<Output = ()>>>>;

/// A handler that sends back every line it reads, until end of stream.
pub async fn echo_lines(mut reader: StreamReader, writer: StreamWriter) {
    while let Ok(line) = reader.readline().await {
        if line.is_empty() {
            break; // end of stream
        }
        writer.write(&line).unwrap();
        writer.drain().await.unwrap();
    }
}

/// `close` stops accepting at once (a new connection fails with `refused`), while
/// `wait_closed` waits for the handler still running, whose reply then arrives. Returns
/// the closed server, for checks of the caller's own.
pub async fn close_stops_accepting_and_wait_closed_waits_for_handlers<A, S, C>(
    start: impl FnOnce(Handler) -> S,
    connect: impl Fn(&Server<A>) -> C,
    refused: ErrorKind,
) -> Server<A>
where
    S: Future<Output = Server<A>>,
    C: Future<Output = io::Result<(StreamReader, StreamWriter)>>,
{
    let release = Rc::new(Event::new());
    let gate = release.clone();
    let server = start(Rc::new(move |_reader, writer| {
        let gate = gate.clone();
        Box::pin(async move {
            gate.wait().await;
            writer.write(b"bye\n").unwrap();
        })
    }))
    .await;
    let (mut reader, _writer) = connect(&server).await.unwrap();
    sleep(Duration::from_millis(10)).await; // the handler is running now
    server.close();
    assert!(server.is_closed());
    server.serve_forever().await; // returns at once: closed
    let err = connect(&server).await.unwrap_err();
    assert_eq!(err.kind(), refused);
    assert!(
        timeout(Duration::from_millis(20), server.wait_closed())
            .await
            .is_err(),
        "a handler still runs"
    );
    release.set();
    server.wait_closed().await;
    assert_eq!(reader.readline().await.unwrap(), b"bye\n");
    server
}

/// A blocking std client of an [`echo_lines`] server: sends two lines, shuts its write side
/// down and returns all it reads back.
pub fn std_client_round_trip<S>(mut conn: S, shutdown_write: impl FnOnce(&S)) -> String
where
    S: Read + Write,
{
    conn.write_all(b"one\ntwo\n").unwrap();
    shutdown_write(&conn);
    let mut back = String::new();
    conn.read_to_string(&mut back).unwrap();
    back
}
