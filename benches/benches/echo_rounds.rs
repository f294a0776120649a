//! TCP echo on loopback, the servers of `echo.rs` interleaved: corio-io, tokio current-thread,
//! smol, and the mio loop with no runtime (the limit, not a peer), each on its own thread,
//! driven by the same single-threaded mio client (`echo_common/`, shared with `echo.rs`).
//!
//! Why interleave: criterion measures each server in a stretch of time of its own, one after
//! the other, and on a shared, noisy machine the same server's median moves by up to 2x
//! between runs, so the drift lands between servers and "corio against its fastest peer"
//! cannot be read off. Here every server runs the same fixed batch once per round, in an order
//! shuffled every round (a PRNG seeded with the round's number, so runs repeat the same
//! orders), and corio is compared with each peer round by round: a slow stretch of the
//! machine slows the batches of one round alike and cancels in their ratio.
//!
//! What it measures: all servers start once, each gets its clients once (connecting is not
//! timed) and a few untimed warm-up batches. Then, each round, every server's batch of each
//! workload, timed by wall clock from the first byte sent to the last byte echoed back:
//!
//! - ping-pong: 50 connections, each doing `PING_PONG_TRIPS` round trips of a 64-byte message
//!   (send, wait for the whole echo, send the next); the rate is requests (round trips) per
//!   second.
//! - streaming: one connection streaming `STREAM_MIB` MiB in 64 KiB writes while reading the
//!   echo back; the rate is MiB per second.
//!
//! At the end it prints a table per workload: each server's median batch time and the rate at
//! that median, and, against each peer, corio's batch time divided by the peer's in the same
//! round (below 1.00x corio is faster) as median (min-max) and the interquartile range over
//! the rounds. A row `fastest peer` takes, in each round, the faster of tokio and smol. Below
//! the ping-pong table, each server's p99 round trip over all its timed batches.
//!
//! Run it with `cargo bench -p corio-benches --bench echo_rounds`; it makes `DEFAULT_ROUNDS`
//! rounds, or as many as `-- --rounds N` or the environment variable `ECHO_ROUNDS=N` says
//! (the argument wins). `-- --test` makes one round, to check that it works. Other arguments
//! (cargo's `--bench`, criterion options from a workspace-wide `cargo bench -- ...`) are
//! ignored. A server that stops answering fails the run with a panic after 10 s.

mod echo_common;

use echo_common::{start, Client, Latencies, Server, CONNECTIONS, MESSAGE, SERVERS};
use std::time::Duration;

/// About 20 s on a 2-core machine: a round is some 0.3 s.
const DEFAULT_ROUNDS: usize = 60;
/// Round trips per connection in one ping-pong batch (50 connections: 3000 requests).
const PING_PONG_TRIPS: u64 = 60;
/// MiB streamed in one streaming batch.
const STREAM_MIB: usize = 32;
/// Untimed batches of each workload per server before the first round.
const WARM_UP_BATCHES: usize = 3;
/// The server that is the limit no runtime can beat, not a peer.
const LIMIT: &str = "mio_no_runtime";
const CORIO: &str = "corio";

/// One server as the rounds see it: its clients and its round trips' latencies.
struct Target {
    name: &'static str,
    ping: Client,
    stream: Client,
    latencies: Latencies,
}

impl Target {
    fn start((name, serve): Server) -> Self {
        let addr = start(serve);
        Target {
            name,
            ping: Client::connect(addr, CONNECTIONS),
            stream: Client::connect(addr, 1),
            latencies: Latencies::new(),
        }
    }

    fn ping_pong(&mut self) -> Duration {
        self.ping
            .ping_pong(PING_PONG_TRIPS, &[7; MESSAGE], MESSAGE, &mut self.latencies)
    }

    fn stream(&mut self) -> Duration {
        self.stream.stream(STREAM_MIB << 20)
    }

    fn warm_up(&mut self) {
        for _ in 0..WARM_UP_BATCHES {
            self.ping_pong();
            self.stream();
        }
        // Only the timed rounds count towards the p99.
        self.latencies = Latencies::new();
    }
}

fn main() {
    let rounds = rounds();
    let mut targets: Vec<Target> = SERVERS
        .iter()
        .map(|&server| Target::start(server))
        .collect();
    for target in &mut targets {
        target.warm_up();
    }
    let n = targets.len();
    let (mut ping, mut stream) = (vec![Vec::new(); n], vec![Vec::new(); n]);
    for round in 0..rounds {
        let mut rng = SplitMix(round as u64);
        for i in shuffled(n, &mut rng) {
            ping[i].push(targets[i].ping_pong());
        }
        for i in shuffled(n, &mut rng) {
            stream[i].push(targets[i].stream());
        }
    }
    let names: Vec<&str> = targets.iter().map(|t| t.name).collect();
    let requests = (CONNECTIONS as u64 * PING_PONG_TRIPS) as f64;
    println!(
        "ping-pong, rounds: {rounds}; a batch: {CONNECTIONS} connections x {PING_PONG_TRIPS} \
         round trips of {MESSAGE} B ({requests} requests)\n"
    );
    print_table(&names, &ping, requests, "req/s");
    println!();
    for target in &targets {
        if let Some(p99) = target.latencies.p99() {
            println!("{}: p99 round trip {p99:.1?}", target.name);
        }
    }
    println!(
        "\nstreaming, rounds: {rounds}; a batch: one connection, {STREAM_MIB} MiB in 64 KiB \
         writes\n"
    );
    print_table(&names, &stream, STREAM_MIB as f64, "MiB/s");
}

/// The number of rounds: `--rounds N`, else `ECHO_ROUNDS`, else `DEFAULT_ROUNDS`; one for
/// `--test`.
fn rounds() -> usize {
    let parse = |s: &str| -> usize {
        match s.parse() {
            Ok(n) if n > 0 => n,
            _ => panic!("the number of rounds must be a whole number, at least 1 (got {s:?})"),
        }
    };
    let mut rounds = std::env::var("ECHO_ROUNDS").ok().map(|s| parse(&s));
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => rounds = Some(parse(&args.next().unwrap_or_default())),
            "--test" => return 1,
            _ => {}
        }
    }
    rounds.unwrap_or(DEFAULT_ROUNDS)
}

/// SplitMix64: a tiny PRNG whose output is well mixed even from seeds 0, 1, 2, ...
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// `0..n` in a random order (Fisher-Yates; the modulo's bias is nil for so small an `n`).
fn shuffled(n: usize, rng: &mut SplitMix) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    order
}

/// The `q` quantile of sorted `values`, interpolating between the two nearest.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let at = q * (sorted.len() - 1) as f64;
    let (low, high) = (at.floor() as usize, at.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (at - low as f64)
}

fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}

/// Prints one workload's table: `times[i]` are server `names[i]`'s batch times by round,
/// `per_batch` is how much of `unit`'s numerator one batch does.
fn print_table(names: &[&str], times: &[Vec<Duration>], per_batch: f64, unit: &str) {
    let secs: Vec<Vec<f64>> = times
        .iter()
        .map(|t| t.iter().map(Duration::as_secs_f64).collect())
        .collect();
    let corio = names.iter().position(|&n| n == CORIO).expect("corio runs");
    let peers: Vec<usize> = (0..names.len())
        .filter(|&i| i != corio && names[i] != LIMIT)
        .collect();
    let fastest_peer: Vec<f64> = (0..secs[corio].len())
        .map(|r| {
            peers
                .iter()
                .map(|&p| secs[p][r])
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    let mut rows = vec![[
        "server".to_string(),
        "median batch".to_string(),
        format!("{unit} at median"),
        "corio / server, per round: median (min-max)".to_string(),
        "IQR".to_string(),
    ]];
    let mut row = |name: String, times: &[f64], against_corio: bool| {
        let median = quantile(&sorted(times.to_vec()), 0.5);
        let mut cells = [
            name,
            format!("{:.2} ms", median * 1e3),
            grouped(per_batch / median),
            String::new(),
            String::new(),
        ];
        if against_corio {
            let ratios = sorted(secs[corio].iter().zip(times).map(|(c, p)| c / p).collect());
            cells[3] = format!(
                "{:.2}x ({:.2}-{:.2})",
                quantile(&ratios, 0.5),
                ratios[0],
                ratios[ratios.len() - 1]
            );
            cells[4] = format!(
                "{:.2}-{:.2}x",
                quantile(&ratios, 0.25),
                quantile(&ratios, 0.75)
            );
        }
        rows.push(cells);
    };
    row(CORIO.to_string(), &secs[corio], false);
    for &p in &peers {
        row(names[p].to_string(), &secs[p], true);
    }
    row("fastest peer, per round".to_string(), &fastest_peer, true);
    let limit = names
        .iter()
        .position(|&n| n == LIMIT)
        .expect("the limit runs");
    row(format!("{LIMIT} (the limit)"), &secs[limit], true);
    print_rows(&rows);
    println!(
        "\ncorio / server: corio's batch time over the server's in the same round (below 1.00x \
         corio is faster); IQR: its middle half"
    );
}

/// Prints `rows` as a markdown table with aligned columns, the first row the header.
fn print_rows(rows: &[[String; 5]]) {
    let widths: Vec<usize> = (0..5)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let line = |cells: Vec<String>| println!("| {} |", cells.join(" | "));
    for (i, row) in rows.iter().enumerate() {
        line(
            row.iter()
                .zip(&widths)
                .map(|(cell, &w)| format!("{cell:<w$}"))
                .collect(),
        );
        if i == 0 {
            line(widths.iter().map(|&w| "-".repeat(w)).collect());
        }
    }
}

/// `x` rounded to a whole number, its thousands separated by commas.
fn grouped(x: f64) -> String {
    let digits = format!("{:.0}", x);
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}
