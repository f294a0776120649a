//! futures-io's `AsyncRead`/`AsyncWrite` for the stream sockets and their halves, written
//! once: each impl forwards to the stream's own `poll_read`/`poll_write`, so the traits and
//! the inherent methods cannot drift apart. `poll_flush` has nothing to do (writes go straight
//! to the kernel) and `poll_close` shuts the write side down.
//!
//! Macros rather than a blanket impl: the traits are futures-io's, so the orphan rule allows
//! impls only for this crate's own types, one at a time.

/// `futures_read!(#[doc] Type => Stream, |this| stream)`: `AsyncRead` for `Type`, with the
/// given docs, reading through `stream` (an expression of `this: &Type` that derefs to
/// `&Stream`).
macro_rules! futures_read {
    ($(#[$doc:meta])* $ty:ty => $stream_ty:ty, |$this:ident| $stream:expr) => {
        $(#[$doc])*
        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = &*self;
                <$stream_ty>::poll_read($stream, cx, buf)
            }
        }
    };
}

/// `futures_write!(#[doc] Type => Stream, |this| stream)`: `AsyncWrite` for `Type`, with the
/// given docs, writing through `stream`; with `, vectored` it also forwards
/// `poll_write_vectored` to the stream's.
macro_rules! futures_write {
    (@impl [$($attr:tt)*] $ty:ty => $stream_ty:ty, |$this:ident| $stream:expr, { $($vectored:tt)* }) => {
        $($attr)*
        impl futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = &*self;
                <$stream_ty>::poll_write($stream, cx, buf)
            }
            $($vectored)*
            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }
            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $this = &*self;
                std::task::Poll::Ready(<$stream_ty>::shutdown($stream, std::net::Shutdown::Write))
            }
        }
    };
    ($(#[$doc:meta])* $ty:ty => $stream_ty:ty, |$this:ident| $stream:expr) => {
        futures_write!(@impl [$(#[$doc])*] $ty => $stream_ty, |$this| $stream, {});
    };
    ($(#[$doc:meta])* $ty:ty => $stream_ty:ty, |$this:ident| $stream:expr, vectored) => {
        futures_write!(@impl [$(#[$doc])*] $ty => $stream_ty, |$this| $stream, {
            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let $this = &*self;
                <$stream_ty>::poll_write_vectored($stream, cx, bufs)
            }
        });
    };
}
