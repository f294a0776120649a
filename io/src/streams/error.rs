//! The errors of [`StreamReader`](super::StreamReader)'s framed reads, as asyncio names them.

use std::fmt;
use std::io;

/// End of stream came before a `readexactly`/`readuntil` was satisfied. The bytes that did
/// arrive are in [`partial`](IncompleteRead::partial): nothing is lost.
///
/// ```
/// use corio_io::streams::{IncompleteRead, StreamError, StreamReader};
/// corio_executor::run(async {
///     let mut reader = StreamReader::new(&b"12 bytes?"[..]);
///     let err = reader.readexactly(12).await.unwrap_err();
///     assert!(matches!(
///         &err,
///         StreamError::IncompleteRead(IncompleteRead { partial, expected: Some(12) })
///             if partial == b"12 bytes?"
///     ));
///     assert_eq!(
///         err.to_string(),
///         "incomplete read: 9 bytes read before end of stream, 12 expected"
///     );
/// });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncompleteRead {
    /// The bytes read before end of stream (taken out of the reader's buffer).
    pub partial: Vec<u8>,
    /// How many bytes were asked for (`None` for `readuntil`).
    pub expected: Option<usize>,
}

/// A `readuntil`/`readline` found no separator within the reader's limit. The buffered
/// bytes stay in the reader (read them with `read`); [`consumed`](LimitOverrun::consumed)
/// says how many bytes were searched.
///
/// ```
/// use corio_io::streams::{LimitOverrun, StreamError, StreamReader};
/// corio_executor::run(async {
///     let mut reader = StreamReader::with_limit(&b"no newline in sight"[..], 4);
///     match reader.readline().await {
///         Err(StreamError::LimitOverrun(LimitOverrun { limit, .. })) => assert_eq!(limit, 4),
///         other => panic!("{other:?}"),
///     }
///     // The bytes are still there.
///     assert_eq!(reader.read_to_eof().await.unwrap(), b"no newline in sight");
/// });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitOverrun {
    /// Bytes in the buffer when the limit was passed.
    pub consumed: usize,
    /// The reader's limit.
    pub limit: usize,
}

/// What a [`StreamReader`](super::StreamReader) read can fail with. Converts into
/// `io::Error` (`UnexpectedEof`, `InvalidData`) for `?` in functions returning `io::Result`.
///
/// ```
/// use corio_io::streams::StreamReader;
/// use std::io;
///
/// // `?` turns a StreamError into an io::Error.
/// async fn greeting(reader: &mut StreamReader) -> io::Result<Vec<u8>> {
///     Ok(reader.readexactly(5).await?)
/// }
///
/// corio_executor::run(async {
///     let mut reader = StreamReader::new(&b"hi"[..]);
///     let err = greeting(&mut reader).await.unwrap_err();
///     assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
/// });
/// ```
#[derive(Debug)]
pub enum StreamError {
    /// See [`IncompleteRead`].
    ///
    /// ```
    /// use corio_io::streams::{StreamError, StreamReader};
    /// corio_executor::run(async {
    ///     let mut reader = StreamReader::new(&b"abc"[..]);
    ///     let err = reader.readuntil(b";").await.unwrap_err();
    ///     assert!(matches!(err, StreamError::IncompleteRead(e) if e.expected.is_none()));
    /// });
    /// ```
    IncompleteRead(IncompleteRead),
    /// See [`LimitOverrun`].
    ///
    /// ```
    /// use corio_io::streams::{StreamError, StreamReader};
    /// corio_executor::run(async {
    ///     let mut reader = StreamReader::with_limit(&b"0123456789"[..], 4);
    ///     let err = reader.readuntil(b";").await.unwrap_err();
    ///     assert!(matches!(err, StreamError::LimitOverrun(e) if e.limit == 4));
    /// });
    /// ```
    LimitOverrun(LimitOverrun),
    /// The socket's own error.
    ///
    /// ```
    /// use corio_io::streams::StreamError;
    /// use std::io;
    /// let err = StreamError::from(io::Error::from(io::ErrorKind::ConnectionReset));
    /// assert!(matches!(&err, StreamError::Io(e) if e.kind() == io::ErrorKind::ConnectionReset));
    /// assert_eq!(io::Error::from(err).kind(), io::ErrorKind::ConnectionReset);
    /// ```
    Io(io::Error),
}

/// Says what happened, with the numbers: `incomplete read: 9 bytes read before end of
/// stream, 12 expected`, `separator not found within the stream's limit of 4 bytes (10
/// buffered)`, or the I/O error's own message.
///
/// ```
/// use corio_io::streams::{StreamError, StreamReader};
/// corio_executor::run(async {
///     let mut reader = StreamReader::with_limit(&b"0123456789"[..], 4);
///     let err = reader.readuntil(b";").await.unwrap_err();
///     assert_eq!(
///         err.to_string(),
///         "separator not found within the stream's limit of 4 bytes (10 buffered)"
///     );
/// });
/// ```
impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::IncompleteRead(e) => match e.expected {
                Some(n) => write!(
                    f,
                    "incomplete read: {} bytes read before end of stream, {n} expected",
                    e.partial.len()
                ),
                None => write!(
                    f,
                    "incomplete read: {} bytes read before end of stream, separator not found",
                    e.partial.len()
                ),
            },
            StreamError::LimitOverrun(e) => write!(
                f,
                "separator not found within the stream's limit of {} bytes ({} buffered)",
                e.limit, e.consumed
            ),
            StreamError::Io(e) => e.fmt(f),
        }
    }
}

/// The source of an `Io` error is the `io::Error`; the framing errors have none.
impl std::error::Error for StreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StreamError::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// An I/O error as a `StreamError::Io` (for `?` in functions returning `StreamError`); the
/// `Io` variant's example shows it.
impl From<io::Error> for StreamError {
    fn from(err: io::Error) -> Self {
        StreamError::Io(err)
    }
}

/// For `?` in functions returning `io::Result`: an `Io` error gives its `io::Error` back;
/// `IncompleteRead` becomes `UnexpectedEof` and `LimitOverrun` `InvalidData`, each with the
/// `StreamError`'s message (the `StreamError` example shows it).
impl From<StreamError> for io::Error {
    fn from(err: StreamError) -> Self {
        match err {
            StreamError::Io(err) => err,
            StreamError::IncompleteRead(_) => {
                io::Error::new(io::ErrorKind::UnexpectedEof, err.to_string())
            }
            StreamError::LimitOverrun(_) => {
                io::Error::new(io::ErrorKind::InvalidData, err.to_string())
            }
        }
    }
}
