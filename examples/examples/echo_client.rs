//! `cargo run --release --example echo_client -- 127.0.0.1:PORT [CONNECTIONS] [MESSAGES] [SIZE]`:
//! opens CONNECTIONS connections (default 10) to an echo server at once; each sends MESSAGES
//! messages (default 1000) of SIZE bytes (default 64), waits for each echo and checks it.
//! Prints the round trips per second.

use corio_examples::echo;

fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8888".to_string());
    let mut number = |default: usize| {
        args.next()
            .map_or(default, |n| n.parse().expect("a whole number"))
    };
    let (connections, messages, size) = (number(10), number(1000), number(64));
    let addr = match addr.parse() {
        Ok(addr) => addr,
        Err(_) => {
            eprintln!("echo_client: {addr:?} is not an address like 127.0.0.1:8888");
            std::process::exit(2);
        }
    };
    let report = corio_executor::run(echo::client(addr, connections, messages, size));
    match report {
        Ok(report) => println!(
            "{} round trips of {size} bytes on {connections} connections in {:.1?}: \
             {:.0} round trips/s, every byte checked",
            report.round_trips,
            report.elapsed,
            report.round_trips as f64 / report.elapsed.as_secs_f64()
        ),
        Err(err) => {
            eprintln!("echo_client: {err}");
            std::process::exit(1);
        }
    }
}
