//! The crawler: a hyper HTTP server on loopback and a client that fetches 200 pages from it,
//! at most 10 at once (a [`Semaphore`]), each with a timeout, all children of one
//! [`TaskGroup`] that cancels the rest at the first hard failure.
//!
//! Two crawls: in the first, one page is too slow and times out (a soft failure: logged and
//! skipped, the crawl goes on); in the second, the server answers one page with a 500 (a
//! hard failure: the group cancels every page still waiting or in flight, and the crawl
//! returns the error).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use corio_executor::time::{sleep, timeout, Instant};
use corio_io::hyper::CorioTimer;
use corio_io::net::{TcpListener, TcpStream};
use corio_sync::Semaphore;
use corio_taskgroup::TaskGroup;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};

use crate::timeline::Timeline;

/// Pages per crawl.
pub const PAGES: usize = 200;
/// Pages fetched at once, at most.
pub const AT_ONCE: usize = 10;
/// How long a page may take.
pub const PAGE_TIMEOUT: Duration = Duration::from_millis(500);
/// The page the server takes two seconds to send: it times out.
pub const SLOW_PAGE: usize = 77;

/// What the server does wrong, if anything, besides the slow page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Every other page is fine.
    None,
    /// This page answers 500 Internal Server Error.
    ServerError(usize),
}

/// How a crawl ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrawlReport {
    /// Pages fetched whole.
    pub fetched: usize,
    /// Pages that timed out (skipped).
    pub timed_out: Vec<usize>,
    /// The most pages in flight at once.
    pub peak_in_flight: usize,
    /// The hard failure that ended the crawl early, if one did.
    pub failure: Option<String>,
}

/// A hard failure: the crawl cannot go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardFailure(pub String);

impl std::fmt::Display for HardFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How long the server takes for page `n`: 20 to 79 ms, or two seconds for the slow page.
fn page_delay(n: usize) -> Duration {
    if n == SLOW_PAGE {
        Duration::from_secs(2)
    } else {
        Duration::from_millis(20 + (n as u64 * 37) % 60)
    }
}

/// The server: `/page/N` answers after `page_delay(N)`.
pub async fn serve(listener: TcpListener, fault: Fault) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        corio_executor::spawn(async move {
            let service =
                hyper::service::service_fn(move |request: Request<Incoming>| async move {
                    let n: usize = request
                        .uri()
                        .path()
                        .trim_start_matches("/page/")
                        .parse()
                        .unwrap_or(0);
                    sleep(page_delay(n)).await;
                    let mut response = Response::new(Full::new(Bytes::from(format!(
                        "<html><h1>page {n}</h1><a href=\"/page/{}\">next</a></html>",
                        n + 1
                    ))));
                    if fault == Fault::ServerError(n) {
                        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    Ok::<_, Infallible>(response)
                });
            // A connection the crawl cancelled mid-request just ends.
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(CorioTimer::new())
                .serve_connection(stream, service)
                .await;
        });
    }
}

/// One page: a GET on a fresh connection; the body's length, or a hard failure.
async fn get(addr: SocketAddr, n: usize) -> Result<usize, HardFailure> {
    let hard =
        |what: &str, err: &dyn std::fmt::Display| HardFailure(format!("page {n}: {what}: {err}"));
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| hard("connect", &e))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(stream)
        .await
        .map_err(|e| hard("handshake", &e))?;
    corio_executor::spawn(connection);
    let request = Request::get(format!("/page/{n}"))
        .header("host", addr.to_string())
        .body(Empty::<Bytes>::new())
        .expect("a valid request");
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| hard("request", &e))?;
    if response.status() != StatusCode::OK {
        return Err(HardFailure(format!(
            "page {n}: the server answered {}",
            response.status()
        )));
    }
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| hard("body", &e))?
        .to_bytes();
    Ok(body.len())
}

/// Crawls `PAGES` pages from the server at `addr`, logging to `timeline`.
pub async fn crawl(timeline: &Timeline, addr: SocketAddr) -> CrawlReport {
    let permits = Arc::new(Semaphore::new(AT_ONCE));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let fetched = Arc::new(AtomicUsize::new(0));
    let timed_out = Arc::new(std::sync::Mutex::new(Vec::new()));
    let outcome = TaskGroup::<HardFailure>::scope(|tg| {
        let (permits, in_flight, peak) = (permits.clone(), in_flight.clone(), peak.clone());
        let (fetched, timed_out, timeline) = (fetched.clone(), timed_out.clone(), timeline.clone());
        async move {
            for n in 1..=PAGES {
                let (permits, in_flight, peak) = (permits.clone(), in_flight.clone(), peak.clone());
                let (fetched, timed_out, timeline) =
                    (fetched.clone(), timed_out.clone(), timeline.clone());
                tg.spawn(async move {
                    let _permit = permits.acquire().await;
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    let result = timeout(PAGE_TIMEOUT, get(addr, n)).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    match result {
                        Ok(Ok(_bytes)) => {
                            let done = fetched.fetch_add(1, Ordering::SeqCst) + 1;
                            if done % 50 == 0 {
                                timeline.log("crawler", format!("{done} pages fetched"));
                            }
                            Ok(())
                        }
                        Err(_elapsed) => {
                            timeline.log(
                                format!("page {n}"),
                                "timed out after 500 ms: skipped, the crawl goes on",
                            );
                            timed_out.lock().unwrap().push(n);
                            Ok(())
                        }
                        Ok(Err(failure)) => {
                            timeline.log(
                                "crawler",
                                format!("{failure}: a hard failure, the group cancels the rest"),
                            );
                            Err(failure)
                        }
                    }
                })
                .expect("the group is open while the crawl spawns");
            }
            Ok(())
        }
    })
    .await;
    let timed_out = timed_out.lock().unwrap().clone();
    CrawlReport {
        fetched: fetched.load(Ordering::SeqCst),
        timed_out,
        peak_in_flight: peak.load(Ordering::SeqCst),
        failure: outcome.err().map(|error| error.to_string()),
    }
}

/// Runs both crawls, logging to `timeline`.
///
/// ```no_run
/// use corio_examples::{crawler, timeline::{Sink, Timeline}};
///
/// corio_executor::run(async { crawler::main(Timeline::start(Sink::stdout())).await });
/// ```
pub async fn main(timeline: Timeline) -> [CrawlReport; 2] {
    let mut reports = Vec::new();
    for fault in [Fault::None, Fault::ServerError(120)] {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("bound");
        let server = corio_executor::spawn(serve(listener, fault));
        match fault {
            Fault::None => timeline.log(
                "main",
                format!("crawl {PAGES} pages, {AT_ONCE} at once, 500 ms per page at most"),
            ),
            Fault::ServerError(n) => {
                timeline.log("main", format!("again, with a server that fails page {n}"))
            }
        }
        let started = Instant::now();
        let report = crawl(&timeline, addr).await;
        let took = started.elapsed().as_millis();
        match &report.failure {
            None => timeline.log(
                "main",
                format!(
                    "done in {took} ms: {} fetched, {} timed out, never more than {} at once",
                    report.fetched,
                    report.timed_out.len(),
                    report.peak_in_flight
                ),
            ),
            Some(failure) => timeline.log(
                "main",
                format!(
                    "the crawl failed after {took} ms ({failure}); {} pages were fetched, the rest cancelled",
                    report.fetched
                ),
            ),
        }
        server.cancel();
        reports.push(report);
    }
    let second = reports.pop().expect("two crawls");
    let first = reports.pop().expect("two crawls");
    [first, second]
}
