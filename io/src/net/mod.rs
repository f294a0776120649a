//! Networking: TCP ([`TcpListener`], [`TcpStream`]), UDP ([`UdpSocket`]), Unix sockets
//! ([`UnixListener`], [`UnixStream`], [`UnixDatagram`]) and name lookup ([`lookup_host`]).
//!
//! ```
//! use corio_io::net::{TcpListener, TcpStream, UdpSocket, UnixStream};
//! corio_executor::run(async {
//!     let listener = TcpListener::bind("localhost:0").await.unwrap();
//!     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
//!     let (server, _) = listener.accept().await.unwrap();
//!     client.write(b"tcp").await.unwrap();
//!     assert_eq!(server.read(&mut [0; 3]).await.unwrap(), 3);
//!
//!     let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
//!     udp.send_to(b"udp", udp.local_addr().unwrap()).await.unwrap();
//!     assert_eq!(udp.recv_from(&mut [0; 3]).await.unwrap().0, 3);
//!
//!     let (a, b) = UnixStream::pair().unwrap();
//!     a.write(b"unix").await.unwrap();
//!     assert_eq!(b.read(&mut [0; 4]).await.unwrap(), 4);
//! });
//! ```

#[macro_use]
mod io_traits;

pub(crate) mod addr;
pub mod tcp;
mod udp;
mod unix;

pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{ListenOptions, TcpListener, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixStream};
