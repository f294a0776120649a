//! The I/O traits of other ecosystems, behind features: `tokio-io` (tokio's
//! `AsyncRead`/`AsyncWrite`/`AsyncBufRead`) and `hyper` (hyper's `rt` traits, executor and
//! timer, public as `corio_io::hyper`).

#[cfg(feature = "hyper")]
pub mod hyper;

#[cfg(feature = "tokio-io")]
mod tokio_io;
