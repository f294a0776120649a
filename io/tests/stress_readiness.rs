//! Stress tests of an fd's readiness/waiter handshake (the loom models in src/loom_models.rs
//! check it exhaustively on a small scale): a peer thread writes while tasks wait for
//! readiness, on the fd's own loop and from a task of another runtime on another thread,
//! whose waiter registrations race the events the fd's loop delivers. A lost wake-up hangs,
//! which the watchdog reports; every byte must arrive. Each runs in a few seconds in a
//! debug build, for the sanitizer runs.

mod common;

use common::watchdog;
use corio_executor::Runtime;
use corio_io::Async;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::Arc;

const ROUNDS: usize = 1000;
const BYTES: usize = 64;

/// Writes `BYTES` bytes one at a time, yielding now and then so that events and reads
/// interleave differently each round.
fn trickle(mut peer: UnixStream, round: usize) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for i in 0..BYTES {
            peer.write_all(&[i as u8]).unwrap();
            if (i + round) % 5 == 0 {
                std::thread::yield_now();
            }
        }
    })
}

#[test]
fn readable_on_the_fds_own_loop_never_misses_a_byte() {
    watchdog(60, || {
        corio_executor::run(async {
            for round in 0..ROUNDS {
                let (a, b) = UnixStream::pair().unwrap();
                let a = Async::new(a).unwrap();
                let writer = trickle(b, round);
                let mut got = Vec::new();
                while got.len() < BYTES {
                    a.readable().await.unwrap();
                    let mut buf = [0; BYTES];
                    match a.get_ref().read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                        Err(err) if err.kind() == ErrorKind::WouldBlock => {}
                        Err(err) => panic!("{err}"),
                    }
                }
                writer.join().unwrap();
                assert_eq!(got, (0..BYTES as u8).collect::<Vec<_>>(), "round {round}");
            }
        });
    });
}

#[test]
fn a_task_of_another_runtime_waiting_on_the_fd_is_always_woken() {
    watchdog(60, || {
        // The fd's loop: registers the fds and delivers their events until told to stop.
        let (fds_tx, fds_rx) = std::sync::mpsc::channel();
        let done = Arc::new(corio_sync::Event::new());
        let owner = {
            let done = done.clone();
            std::thread::spawn(move || {
                Runtime::new().block_on(async move {
                    for _ in 0..ROUNDS {
                        let (a, b) = UnixStream::pair().unwrap();
                        fds_tx.send((Arc::new(Async::new(a).unwrap()), b)).unwrap();
                    }
                    done.wait().await;
                });
            })
        };
        // Another runtime's task waits on each fd: its waiter registrations happen on this
        // thread while the owner's loop sets readiness on its own.
        Runtime::new().block_on(async move {
            for round in 0..ROUNDS {
                let (a, b) = fds_rx.recv().unwrap();
                let writer = trickle(b, round);
                let mut got = Vec::new();
                while got.len() < BYTES {
                    let mut buf = [0; BYTES];
                    let n = a.read_with(|mut s| s.read(&mut buf)).await.unwrap();
                    assert_ne!(n, 0, "end of stream before every byte came");
                    got.extend_from_slice(&buf[..n]);
                }
                writer.join().unwrap();
                assert_eq!(got, (0..BYTES as u8).collect::<Vec<_>>(), "round {round}");
            }
        });
        done.set();
        owner.join().unwrap();
    });
}
