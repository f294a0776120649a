//! Readiness-only waits on the generic wrapper: `Async::readable`/`writable` and their
//! polling forms answer what the kernel says now, wait for the peer otherwise, and leave no
//! waiter behind when cancelled.

mod common;

use common::watchdog;
use corio_executor::{run, spawn, yield_now};
use corio_io::Async;
use std::future::{poll_fn, Future};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::pin::pin;
use std::task::{Context, Poll};

/// Polls `fut` once with a waker that does nothing: is it ready now?
fn poll_once<F: Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(futures::task::noop_waker_ref()))
}

#[test]
fn readable_waits_for_the_peer_to_write() {
    watchdog(20, || {
        run(async {
            let (a, mut b) = UnixStream::pair().unwrap();
            let a = Async::new(a).unwrap();
            let waiter = spawn(async move {
                a.readable().await.unwrap();
                let mut buf = [0; 8];
                a.get_ref().read(&mut buf).unwrap()
            });
            for _ in 0..10 {
                yield_now().await;
            }
            assert!(!waiter.is_finished(), "readable before any data");
            b.write_all(b"data").unwrap();
            assert_eq!(waiter.await.unwrap(), 4);
        })
    });
}

#[test]
fn readable_after_a_drain_that_never_saw_would_block_waits_for_new_data() {
    watchdog(20, || {
        run(async {
            let (a, mut b) = UnixStream::pair().unwrap();
            let a = Async::new(a).unwrap();
            b.write_all(b"1234").unwrap();
            a.readable().await.unwrap();
            // Drained with the fd's own read: the reactor's readiness is now stale.
            let mut buf = [0; 4];
            assert_eq!(a.get_ref().read(&mut buf).unwrap(), 4);
            let mut readable = pin!(a.readable());
            assert!(
                poll_once(readable.as_mut()).is_pending(),
                "readable() returned with nothing to read"
            );
            b.write_all(b"5").unwrap();
            readable.await.unwrap();
            assert_eq!(a.get_ref().read(&mut buf).unwrap(), 1);
        })
    });
}

#[test]
fn readable_reports_end_of_stream_and_hang_up() {
    watchdog(20, || {
        run(async {
            let (a, b) = UnixStream::pair().unwrap();
            let a = Async::new(a).unwrap();
            drop(b);
            a.readable().await.unwrap();
            assert_eq!(a.get_ref().read(&mut [0; 4]).unwrap(), 0, "end of stream");
            a.writable().await.unwrap();
            let err = a.get_ref().write(b"x").unwrap_err();
            assert_eq!(err.kind(), ErrorKind::BrokenPipe);
        })
    });
}

#[test]
fn writable_waits_for_room_in_a_full_buffer() {
    watchdog(20, || {
        run(async {
            let (a, mut b) = UnixStream::pair().unwrap();
            let a = Async::new(a).unwrap();
            a.writable().await.unwrap();
            let chunk = [7u8; 4096];
            let mut sent = 0;
            loop {
                match a.get_ref().write(&chunk) {
                    Ok(n) => sent += n,
                    Err(err) if err.kind() == ErrorKind::WouldBlock => break,
                    Err(err) => panic!("{err}"),
                }
            }
            let mut writable = pin!(a.writable());
            assert!(
                poll_once(writable.as_mut()).is_pending(),
                "full, yet writable"
            );
            // The peer drains everything on a thread; room appears and the wait ends.
            let reader = std::thread::spawn(move || {
                let mut buf = vec![0; sent];
                b.read_exact(&mut buf).unwrap();
                (b, buf.iter().all(|&byte| byte == 7))
            });
            writable.await.unwrap();
            assert!(a.get_ref().write(b"more").unwrap() > 0);
            let (_b, intact) = reader.join().unwrap();
            assert!(intact);
        })
    });
}

#[test]
fn the_polling_forms_wait_and_wake_like_the_async_ones() {
    watchdog(20, || {
        run(async {
            let (a, mut b) = UnixStream::pair().unwrap();
            let a = std::sync::Arc::new(Async::new(a).unwrap());
            poll_fn(|cx| a.poll_writable(cx)).await.unwrap();
            let waiter = {
                let a = a.clone();
                spawn(async move { poll_fn(|cx| a.poll_readable(cx)).await })
            };
            for _ in 0..10 {
                yield_now().await;
            }
            assert!(!waiter.is_finished());
            b.write_all(b"x").unwrap();
            waiter.await.unwrap().unwrap();
        })
    });
}

#[test]
fn many_tasks_can_wait_for_readability_of_one_fd() {
    watchdog(20, || {
        run(async {
            let (a, mut b) = UnixStream::pair().unwrap();
            let a = std::sync::Arc::new(Async::new(a).unwrap());
            let waiters: Vec<_> = (0..5)
                .map(|_| {
                    let a = a.clone();
                    spawn(async move { a.readable().await })
                })
                .collect();
            for _ in 0..10 {
                yield_now().await;
            }
            b.write_all(b"x").unwrap();
            for waiter in waiters {
                waiter.await.unwrap().unwrap();
            }
        })
    });
}

/// A cancelled wait takes its waiter out of the fd's list: the paused clock, which does not
/// jump while a task waits on I/O, jumps again once the only I/O wait is dropped.
#[test]
fn a_cancelled_readable_leaves_no_waiter_behind() {
    watchdog(20, || {
        corio_executor::Runtime::builder()
            .start_paused(true)
            .build()
            .block_on(async {
                let (a, _b) = UnixStream::pair().unwrap();
                let a = Async::new(a).unwrap();
                {
                    let mut readable = pin!(a.readable());
                    assert!(poll_once(readable.as_mut()).is_pending());
                } // dropped: the wait is cancelled
                  // An hour of virtual time: instant if no waiter is left, else an hour of
                  // real time, which the watchdog reports.
                corio_executor::time::sleep(std::time::Duration::from_secs(3600)).await;
            })
    });
}
