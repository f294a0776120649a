//! Load: one loop holds 10,000 concurrent loopback connections, echoes a pattern on each
//! with every byte checked, and ends with the process's fd count where it started.
//!
//! The clients run in a child process (this same test binary, re-run with
//! `CORIO_TEN_K_SERVER` set): 10,000 connections need 10,000 fds on each side, and the hard
//! fd limit of a test machine may not cover both in one process.

mod common;

use common::{open_fds, pattern, watchdog};
use corio_executor::Runtime;
use corio_io::net::TcpStream;
use corio_io::streams::start_server;
use std::cell::Cell;
use std::rc::Rc;

const CONNECTIONS: usize = 10_000;
const BYTES_EACH: usize = 1024;
const ENV: &str = "CORIO_TEN_K_SERVER";

/// Raises the soft fd limit to the hard one; returns the new soft limit.
fn raise_nofile() -> libc::rlim_t {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the valid, exclusively borrowed struct.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(rc, 0);
    limit.rlim_cur = limit.rlim_max;
    // SAFETY: setrlimit reads the valid struct; raising the soft limit up to the hard one
    // is always allowed.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    assert_eq!(rc, 0);
    limit.rlim_cur
}

#[test]
fn one_loop_holds_ten_thousand_connections_and_echoes_every_byte() {
    let limit = raise_nofile();
    if limit < (CONNECTIONS + 100) as libc::rlim_t {
        panic!(
            "the hard fd limit ({limit}) is below the {CONNECTIONS} connections this test holds"
        );
    }
    watchdog(300, || {
        let before = open_fds();
        let rt = Runtime::new();
        rt.block_on(async {
            let open = Rc::new(Cell::new(0usize));
            let peak = Rc::new(Cell::new(0usize));
            let (open_h, peak_h) = (open.clone(), peak.clone());
            let server = start_server(
                move |mut reader, writer| {
                    let (open, peak) = (open_h.clone(), peak_h.clone());
                    async move {
                        open.set(open.get() + 1);
                        peak.set(peak.get().max(open.get()));
                        loop {
                            match reader.read(64 * 1024).await {
                                Ok(data) if !data.is_empty() => {
                                    if writer.write(&data).is_err() {
                                        break;
                                    }
                                }
                                _ => break,
                            }
                        }
                        open.set(open.get() - 1);
                    }
                },
                "127.0.0.1:0",
            )
            .await
            .unwrap();
            let addr = server.sockets()[0];
            let mut child = std::process::Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "ten_thousand_clients",
                    "--ignored",
                    "--nocapture",
                ])
                .env(ENV, addr.to_string())
                .spawn()
                .unwrap();
            let status = loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break status;
                }
                corio_executor::time::sleep(std::time::Duration::from_millis(10)).await;
            };
            assert!(status.success(), "the client process failed: {status}");
            server.close();
            server.wait_closed().await;
            assert_eq!(peak.get(), CONNECTIONS, "all connections were open at once");
            assert_eq!(open.get(), 0);
        });
        drop(rt);
        assert_eq!(open_fds(), before, "an fd outlived the load");
    });
}

/// The client side, run by the test above in a child process; does nothing on its own.
#[test]
#[ignore = "run by one_loop_holds_ten_thousand_connections_and_echoes_every_byte"]
fn ten_thousand_clients() {
    let Ok(addr) = std::env::var(ENV) else {
        return;
    };
    raise_nofile();
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    corio_executor::run(async move {
        // Connect in waves, so the listener's queue is not overrun.
        let mut conns = Vec::with_capacity(CONNECTIONS);
        for wave in (0..CONNECTIONS).collect::<Vec<_>>().chunks(500) {
            let tasks: Vec<_> = wave
                .iter()
                .map(|_| corio_executor::spawn(TcpStream::connect(addr)))
                .collect();
            for task in tasks {
                conns.push(task.await.unwrap().unwrap());
            }
        }
        // Every connection is open now; each echoes its own pattern, all at once.
        let tasks: Vec<_> = conns
            .into_iter()
            .enumerate()
            .map(|(n, conn)| {
                corio_executor::spawn(async move {
                    let sent = pattern(n, BYTES_EACH);
                    let mut written = 0;
                    while written < sent.len() {
                        written += conn.write(&sent[written..]).await.unwrap();
                    }
                    let mut got = vec![0; BYTES_EACH];
                    let mut read = 0;
                    while read < got.len() {
                        let k = conn.read(&mut got[read..]).await.unwrap();
                        assert!(k > 0, "connection {n} ended early");
                        read += k;
                    }
                    assert!(got == sent, "connection {n}: echo differs");
                    conn // kept open until every connection has its echo
                })
            })
            .collect();
        let mut open = Vec::with_capacity(CONNECTIONS);
        for task in tasks {
            open.push(task.await.unwrap());
        }
        assert_eq!(open.len(), CONNECTIONS);
    });
}
