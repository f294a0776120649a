//! The I/O traits of other ecosystems, behind features: `tokio-io` (tokio's
//! `AsyncRead`/`AsyncWrite`/`AsyncBufRead`).

#[cfg(feature = "tokio-io")]
mod tokio_io;
