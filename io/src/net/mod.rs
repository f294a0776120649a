//! Networking: TCP ([`TcpListener`], [`TcpStream`]) and name lookup ([`lookup_host`]).

pub(crate) mod addr;
pub mod tcp;

pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{ListenOptions, TcpListener, TcpStream};
