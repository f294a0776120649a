//! TCP: [`TcpListener`] (and its [`ListenOptions`]), [`TcpStream`] and its halves.

mod listener;
mod split;
mod stream;

pub use listener::{ListenOptions, TcpListener};
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::TcpStream;
