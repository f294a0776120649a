//! Networking: TCP ([`TcpListener`], [`TcpStream`]), UDP ([`UdpSocket`]), Unix sockets
//! ([`UnixListener`], [`UnixStream`], [`UnixDatagram`]) and name lookup ([`lookup_host`]).

pub(crate) mod addr;
pub mod tcp;
mod udp;
mod unix;

pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{ListenOptions, TcpListener, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixDatagram, UnixListener, UnixStream};
