//! Lesson: waiting for the network. Three downloads from a slow server overlap: while one
//! task waits for its bytes, the loop runs the others, so three one-second downloads take one
//! second.
//!
//! The server runs in the same program, on loopback, with asyncio's streams API
//! (`start_server`); each page takes it one second to send. The downloads connect with
//! `open_connection`, send a request line, and read the page to the end of the stream.

use std::time::Duration;

use corio_executor::spawn;
use corio_executor::time::{sleep, Instant};
use corio_io::streams::{open_connection, start_server, StreamReader, StreamWriter};

use crate::timeline::Timeline;

/// How long the server takes to send each page.
const PAGE_DELAY: Duration = Duration::from_secs(1);

/// The server's side of one connection: read the request line, think for a second, send
/// the page, close.
async fn serve_page(mut reader: StreamReader, writer: StreamWriter) {
    let Ok(request) = reader.readline().await else {
        return;
    };
    let page = String::from_utf8_lossy(&request).trim().replace("GET ", "");
    sleep(PAGE_DELAY).await;
    let body = format!("<html>the contents of {page}</html>");
    if writer.write(body.as_bytes()).is_ok() {
        writer.close();
        let _ = writer.wait_closed().await;
    }
}

/// One download: connect, ask for `page`, read until the server closes.
async fn download(timeline: Timeline, addr: std::net::SocketAddr, page: &'static str) -> usize {
    let (mut reader, writer) = open_connection(addr).await.expect("the local server is up");
    writer
        .write(format!("GET {page}\n").as_bytes())
        .expect("a fresh connection takes the request");
    timeline.log(page, "request sent, waiting for the server");
    let body = reader
        .read_to_eof()
        .await
        .expect("the server sends the page");
    timeline.log(page, format!("got {} bytes", body.len()));
    body.len()
}

/// Runs the lesson, logging to `timeline`.
///
/// ```
/// use corio_examples::{network, timeline::{Sink, Timeline}};
///
/// corio_executor::run(async { network::main(Timeline::start(Sink::stdout())).await });
/// ```
pub async fn main(timeline: Timeline) {
    let server = start_server(serve_page, "127.0.0.1:0")
        .await
        .expect("a loopback port is free");
    let addr = server.sockets()[0];
    timeline.log("main", "a local server that takes one second per page");
    let started = Instant::now();
    let downloads: Vec<_> = ["/a.html", "/b.html", "/c.html"]
        .into_iter()
        .map(|page| spawn(download(timeline.clone(), addr, page)))
        .collect();
    let mut total = 0;
    for download in downloads {
        total += download
            .await
            .expect("a download neither panics nor is cancelled");
    }
    let seconds = started.elapsed().as_secs_f64().floor();
    timeline.log(
        "main",
        format!("three downloads, {total} bytes, in {seconds} s, not 3 s: they overlapped"),
    );
    server.close();
}
