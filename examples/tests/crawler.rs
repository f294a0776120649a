//! The crawler example: 200 pages, at most 10 at once, a timeout per page, and a TaskGroup
//! that stops at the first hard failure.

use corio_examples::crawler::{self, AT_ONCE, PAGES, SLOW_PAGE};
use corio_examples::timeline::{Sink, Timeline};

#[test]
fn the_crawl_fetches_every_page_but_the_slow_one_then_stops_at_a_server_error() {
    let sink = Sink::buffer();
    let [first, second] =
        corio_executor::run(async { crawler::main(Timeline::start(sink.clone())).await });
    assert_eq!(first.failure, None);
    assert_eq!(
        first.timed_out,
        vec![SLOW_PAGE],
        "only the slow page timed out"
    );
    assert_eq!(first.fetched, PAGES - 1);
    assert!(first.peak_in_flight <= AT_ONCE && first.peak_in_flight >= AT_ONCE / 2);

    let failure = second.failure.expect("the 500 ends the second crawl");
    assert!(
        failure.contains("page 120") && failure.contains("500"),
        "{failure}"
    );
    assert!(
        second.fetched < PAGES - 1,
        "the rest were cancelled: {}",
        second.fetched
    );
    assert!(second.peak_in_flight <= AT_ONCE);
    let lines = sink.lines();
    assert!(lines
        .iter()
        .any(|l| l.contains("hard failure, the group cancels the rest")));
    assert!(lines.iter().any(|l| l.contains("timed out after 500 ms")));
}
