//! `cargo run --release --example echo_server -- 127.0.0.1:PORT`: an echo server on
//! asyncio's streams API. Prints `listening on ADDR` once it accepts connections, then sends
//! back each connection's bytes until that connection ends. Runs until killed.

use corio_examples::echo;

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8888".to_string());
    corio_executor::run(async {
        let served = echo::serve(&addr, |bound| println!("listening on {bound}")).await;
        if let Err(err) = served {
            eprintln!("echo_server: cannot listen on {addr}: {err}");
            std::process::exit(1);
        }
    });
}
