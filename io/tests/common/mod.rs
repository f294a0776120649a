//! Helpers shared by the test files (included with `mod common;`).
#![allow(dead_code)]

use std::time::Duration;

/// Runs `f` on a thread and fails the test if it has not finished after `secs` seconds, so a
/// hang is a failure instead of a stuck run.
pub fn watchdog<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let out = f();
        let _ = done_tx.send(());
        out
    });
    if done_rx.recv_timeout(Duration::from_secs(secs)).is_err() && !thread.is_finished() {
        panic!("the test hung for {secs} s");
    }
    match thread.join() {
        Ok(out) => out,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// A byte pattern that differs per connection and per offset, so a lost, duplicated or
/// misrouted byte is caught.
pub fn pattern(conn: usize, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i.wrapping_mul(31).wrapping_add(conn.wrapping_mul(7)) % 251) as u8)
        .collect()
}

/// How many fds this process has open.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

pub mod servers;
