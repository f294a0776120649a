//! TCP: [`TcpListener`] (and its [`ListenOptions`]), [`TcpStream`] and its halves.
//!
//! ```
//! use corio_io::net::tcp::{ListenOptions, TcpStream};
//! corio_executor::run(async {
//!     let listener = ListenOptions::new().backlog(64).bind("127.0.0.1:0").await.unwrap();
//!     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
//!     let (server, _) = listener.accept().await.unwrap();
//!     let (read, write) = server.into_split();
//!     client.write(b"ping").await.unwrap();
//!     let mut buf = [0; 4];
//!     let n = read.read(&mut buf).await.unwrap();
//!     write.write(&buf[..n]).await.unwrap();
//!     assert_eq!(client.read(&mut buf).await.unwrap(), n);
//! });
//! ```

mod listener;
mod split;
mod stream;

pub use listener::{ListenOptions, TcpListener};
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::TcpStream;
