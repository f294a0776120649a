//! Out of file descriptors: the accept loop backs off instead of exiting, and serves the
//! waiting connection once descriptors are freed. Alone in its binary: it lowers the
//! process's fd limit.

mod common;

use common::{open_fds, watchdog};
use corio_executor::run;
use corio_executor::time::sleep;
use corio_io::streams::start_server;
use std::io::{ErrorKind, Read, Write};
use std::time::Duration;

fn nofile() -> libc::rlimit {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the valid, exclusively borrowed struct.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(rc, 0);
    limit
}

fn set_nofile(limit: &libc::rlimit) {
    // SAFETY: setrlimit reads one rlimit from the valid struct; lowering the soft limit (or
    // restoring it up to the unchanged hard limit) is always allowed.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, limit) };
    assert_eq!(rc, 0);
}

#[test]
fn accept_backs_off_while_out_of_fds_and_serves_once_they_are_freed() {
    watchdog(30, || {
        run(async {
            let server = start_server(
                |mut reader, writer| async move {
                    let line = reader.readline().await.unwrap();
                    writer.write(&line).unwrap();
                    writer.drain().await.unwrap();
                },
                "127.0.0.1:0",
            )
            .await
            .unwrap();
            let mut client = std::net::TcpStream::connect(server.sockets()[0]).unwrap();
            client.write_all(b"ping\n").unwrap();
            client.set_nonblocking(true).unwrap();

            // Use up every descriptor under a lowered limit before the loop gets to accept.
            let original = nofile();
            set_nofile(&libc::rlimit {
                rlim_cur: (open_fds() + 16) as libc::rlim_t,
                rlim_max: original.rlim_max,
            });
            let mut hoard = Vec::new();
            loop {
                match std::fs::File::open("/dev/null") {
                    Ok(file) => hoard.push(file),
                    Err(err) => {
                        assert_eq!(err.raw_os_error(), Some(libc::EMFILE));
                        break;
                    }
                }
            }
            sleep(Duration::from_millis(300)).await; // the accept loop meets EMFILE
            let mut buf = [0; 16];
            assert_eq!(
                client.read(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock,
                "nothing can have been served without a descriptor"
            );
            assert!(!server.is_closed(), "the server did not give up");

            drop(hoard);
            set_nofile(&original);
            let mut reply = Vec::new();
            for _ in 0..300 {
                match client.read(&mut buf) {
                    Ok(n) => {
                        reply.extend_from_slice(&buf[..n]);
                        if reply.ends_with(b"\n") || n == 0 {
                            break;
                        }
                    }
                    Err(err) if err.kind() == ErrorKind::WouldBlock => {
                        sleep(Duration::from_millis(10)).await;
                    }
                    Err(err) => panic!("{err}"),
                }
            }
            assert_eq!(reply, b"ping\n", "served once descriptors were freed");
        });
    });
}
