//! # corio-io: waiting for the network
//!
//! Sockets for the corio event loop. The loop learns to wait on file descriptors: one
//! reactor per loop (epoll through mio), installed the first time a socket is made, so a
//! plain `corio_executor::run(async { .. })` can connect, accept and serve with no setup,
//! and a loop that never touches I/O pays nothing for it.
//!
//! ```
//! use corio_io::net::{TcpListener, TcpStream};
//! use futures::{AsyncReadExt, AsyncWriteExt};
//!
//! corio_executor::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     let server = corio_executor::spawn(async move {
//!         let (mut conn, _) = listener.accept().await.unwrap();
//!         let mut buf = [0; 5];
//!         conn.read_exact(&mut buf).await.unwrap();
//!         conn.write_all(&buf).await.unwrap();
//!     });
//!     let mut client = TcpStream::connect(addr).await.unwrap();
//!     client.write_all(b"hello").await.unwrap();
//!     let mut echoed = [0; 5];
//!     client.read_exact(&mut echoed).await.unwrap();
//!     assert_eq!(&echoed, b"hello");
//!     server.await.unwrap();
//! });
//! ```
//!
//! ## Features
//! - `tokio-io`: tokio's `AsyncRead`/`AsyncWrite` (and `AsyncBufRead` on
//!   [`StreamReader`](streams::StreamReader)) on every stream, for tokio-based crates.
//! - `hyper`: hyper 1.x's `rt::Read`/`rt::Write` on TCP and Unix streams, and an executor
//!   and a timer for hyper's builders (`corio_io::hyper`): hyper servers and clients on corio.
//!
//! ## Modules
//! - `reactor`: the per-loop reactor, plugged into corio-executor's park hook
//!   ([`corio_executor::driver`]), and each fd's readiness word.
//! - [`Async`]: the generic wrapper for any non-blocking fd; the socket types are built on it.
//! - [`net`]: TCP, UDP and Unix sockets, address lookup.
//! - [`streams`]: asyncio's streams API, `open_connection`, `start_server`, `StreamReader`,
//!   `StreamWriter`.

#![deny(unsafe_op_in_unsafe_fn)]

mod async_fd;
pub(crate) mod compat;
mod loom;
#[cfg(all(test, loom))]
mod loom_models;
pub mod net;
mod reactor;
pub mod streams;

pub use async_fd::Async;
#[cfg(feature = "hyper")]
pub use compat::hyper;
