//! The errors of [`StreamReader`](super::StreamReader)'s framed reads, as asyncio names them.

use std::fmt;
use std::io;

/// End of stream came before a `readexactly`/`readuntil` was satisfied. The bytes that did
/// arrive are in [`partial`](IncompleteRead::partial): nothing is lost.
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitOverrun {
    /// Bytes in the buffer when the limit was passed.
    pub consumed: usize,
    /// The reader's limit.
    pub limit: usize,
}

/// What a [`StreamReader`](super::StreamReader) read can fail with. Converts into
/// `io::Error` (`UnexpectedEof`, `InvalidData`) for `?` in functions returning `io::Result`.
#[derive(Debug)]
pub enum StreamError {
    /// See [`IncompleteRead`].
    IncompleteRead(IncompleteRead),
    /// See [`LimitOverrun`].
    LimitOverrun(LimitOverrun),
    /// The socket's own error.
    Io(io::Error),
}

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

impl std::error::Error for StreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StreamError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for StreamError {
    fn from(err: io::Error) -> Self {
        StreamError::Io(err)
    }
}

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
