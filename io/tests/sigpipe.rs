//! Writing to a connection the peer closed is an error, never a `SIGPIPE` that kills the
//! process: this binary restores SIGPIPE's default action (death), which Rust programs
//! otherwise ignore, so a write that raised it would end the test run.

mod common;

use common::watchdog;
use corio_executor::run;
use corio_executor::time::sleep;
use corio_io::net::{TcpListener, TcpStream};
use corio_io::streams::open_connection;
use std::io::ErrorKind;
use std::time::Duration;

#[test]
fn writes_after_the_peer_closed_are_errors_not_sigpipe() {
    // SAFETY: setting a signal's disposition to SIG_DFL installs no handler code; this
    // binary's only test runs after it.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    watchdog(20, || {
        run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let stream = TcpStream::connect(addr).await.unwrap();
            let (_reader, writer) = open_connection(addr).await.unwrap();
            let (peer_a, _) = listener.accept().await.unwrap();
            let (peer_b, _) = listener.accept().await.unwrap();
            drop((peer_a, peer_b));
            let mut stream_err = None;
            let mut writer_err = None;
            for _ in 0..100 {
                if stream_err.is_none() {
                    stream_err = stream.write(&[1; 1024]).await.err();
                }
                if writer_err.is_none() {
                    writer_err = writer.write(&[1; 1024]).err();
                }
                if stream_err.is_some() && writer_err.is_some() {
                    break;
                }
                sleep(Duration::from_millis(2)).await;
            }
            for err in [stream_err, writer_err] {
                let err = err.expect("a write to a closed peer fails");
                assert!(
                    matches!(
                        err.kind(),
                        ErrorKind::BrokenPipe | ErrorKind::ConnectionReset
                    ),
                    "{err:?}"
                );
            }
        });
    });
}
