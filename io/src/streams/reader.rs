//! [`StreamReader`]: asyncio's buffered reader, with framed reads (`readline`,
//! `readexactly`, `readuntil`) whose bytes stay in the buffer until the read completes, so
//! cancelling one loses nothing.

use super::error::{IncompleteRead, LimitOverrun, StreamError};
use futures_io::{AsyncBufRead, AsyncRead};
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// The default limit of a reader: asyncio's 64 KiB.
///
/// ```
/// use corio_io::streams::{StreamReader, DEFAULT_LIMIT};
/// assert_eq!(DEFAULT_LIMIT, 65536);
/// assert_eq!(StreamReader::new(&b""[..]).limit(), DEFAULT_LIMIT);
/// ```
pub const DEFAULT_LIMIT: usize = 64 * 1024;
/// The smallest buffer a reader reads into.
const MIN_READ: usize = 8 * 1024;

/// The reading end of a connection, as asyncio's `StreamReader`: [`read`], [`readline`],
/// [`readexactly`], [`readuntil`], [`at_eof`]. Also futures-io's `AsyncRead` and
/// `AsyncBufRead`.
///
/// The buffer holds at most about twice the limit (64 KiB by default): a `readuntil` that
/// finds no separator within the limit fails with [`LimitOverrun`] instead of reading on,
/// so a peer that never sends a newline cannot make the reader grow without bound.
///
/// Cancel safety: every method is cancel-safe. A framed read keeps what it has read in the
/// buffer until it can return the whole frame; cancelled (by a timeout or a task group),
/// it leaves those bytes for the next read.
///
/// [`read`]: StreamReader::read
/// [`readline`]: StreamReader::readline
/// [`readexactly`]: StreamReader::readexactly
/// [`readuntil`]: StreamReader::readuntil
/// [`at_eof`]: StreamReader::at_eof
///
/// ```
/// use corio_io::streams::StreamReader;
/// corio_executor::run(async {
///     let mut reader = StreamReader::new(&b"HELO mail\r\nDATA 5\r\nhello"[..]);
///     assert_eq!(reader.readuntil(b"\r\n").await.unwrap(), b"HELO mail\r\n");
///     assert_eq!(reader.readline().await.unwrap(), b"DATA 5\r\n");
///     assert_eq!(reader.readexactly(5).await.unwrap(), b"hello");
///     assert!(reader.read(100).await.unwrap().is_empty());
///     assert!(reader.at_eof());
/// });
/// ```
pub struct StreamReader {
    transport: Box<dyn AsyncRead + Send + Unpin>,
    /// `buf[start..end]` is unread data; the rest is room to read into.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    limit: usize,
    eof: bool,
}

/// Shows the bytes buffered, the limit and whether end of stream was seen.
///
/// ```
/// use corio_io::streams::StreamReader;
/// let reader = StreamReader::new(&b""[..]);
/// assert_eq!(
///     format!("{reader:?}"),
///     "StreamReader { buffered: 0, limit: 65536, eof: false, .. }"
/// );
/// ```
impl std::fmt::Debug for StreamReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamReader")
            .field("buffered", &(self.end - self.start))
            .field("limit", &self.limit)
            .field("eof", &self.eof)
            .finish_non_exhaustive()
    }
}

impl StreamReader {
    /// A reader over any byte stream, with the default limit.
    ///
    /// ```
    /// use corio_io::streams::StreamReader;
    /// corio_executor::run(async {
    ///     let mut reader = StreamReader::new(&b"first\nsecond"[..]);
    ///     assert_eq!(reader.readline().await.unwrap(), b"first\n");
    ///     assert_eq!(reader.readline().await.unwrap(), b"second", "the rest, at end of stream");
    ///     assert!(reader.at_eof());
    /// });
    /// ```
    pub fn new(transport: impl AsyncRead + Send + Unpin + 'static) -> StreamReader {
        StreamReader::with_limit(transport, DEFAULT_LIMIT)
    }

    /// A reader whose `readuntil`/`readline` give up after `limit` bytes without separator.
    ///
    /// ```
    /// use corio_io::streams::{StreamError, StreamReader};
    /// corio_executor::run(async {
    ///     let mut reader = StreamReader::with_limit(&b"a long line without end"[..], 8);
    ///     assert_eq!(reader.limit(), 8);
    ///     assert!(matches!(reader.readline().await, Err(StreamError::LimitOverrun(_))));
    /// });
    /// ```
    ///
    /// # Panics
    /// If `limit` is 0.
    pub fn with_limit(
        transport: impl AsyncRead + Send + Unpin + 'static,
        limit: usize,
    ) -> StreamReader {
        assert!(limit > 0, "a StreamReader's limit must be at least 1 byte");
        StreamReader {
            transport: Box::new(transport),
            buf: Vec::new(),
            start: 0,
            end: 0,
            limit,
            eof: false,
        }
    }

    /// The limit of `readuntil`/`readline`.
    ///
    /// ```
    /// use corio_io::streams::StreamReader;
    /// let reader = StreamReader::with_limit(&b""[..], 1024);
    /// assert_eq!(reader.limit(), 1024);
    /// ```
    pub fn limit(&self) -> usize {
        self.limit
    }

    fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        let out = self.buf[self.start..self.start + n].to_vec();
        self.consume_n(n);
        out
    }

    fn consume_n(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Reads more bytes into the buffer: `Ok(0)` at end of stream.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.eof {
            return Poll::Ready(Ok(0));
        }
        if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.end == self.buf.len() {
                let grown = (self.buf.len() * 2).max(MIN_READ);
                self.buf.resize(grown, 0);
            }
        }
        let n = ready!(Pin::new(&mut self.transport).poll_read(cx, &mut self.buf[self.end..]))?;
        if n == 0 {
            self.eof = true;
        }
        self.end += n;
        Poll::Ready(Ok(n))
    }

    async fn fill(&mut self) -> io::Result<usize> {
        poll_fn(|cx| self.poll_fill(cx)).await
    }

    /// Reads up to `n` bytes: what is buffered, or else what one read brings. Empty at end of
    /// stream (or for `n == 0`). Cancel-safe.
    ///
    /// ```
    /// use corio_io::streams::StreamReader;
    /// corio_executor::run(async {
    ///     let mut reader = StreamReader::new(&b"abcdef"[..]);
    ///     assert_eq!(reader.read(4).await.unwrap(), b"abcd");
    ///     assert_eq!(reader.read(4).await.unwrap(), b"ef");
    ///     assert!(reader.read(4).await.unwrap().is_empty(), "end of stream");
    /// });
    /// ```
    pub async fn read(&mut self, n: usize) -> io::Result<Vec<u8>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        if self.start == self.end {
            self.fill().await?;
        }
        let n = n.min(self.end - self.start);
        Ok(self.take(n))
    }

    /// Reads everything up to end of stream (asyncio's `read(-1)`). Cancel-safe: what was
    /// read stays buffered.
    ///
    /// ```
    /// use corio_io::streams::StreamReader;
    /// corio_executor::run(async {
    ///     let mut reader = StreamReader::new(&b"header\nthe whole body"[..]);
    ///     reader.readline().await.unwrap();
    ///     assert_eq!(reader.read_to_eof().await.unwrap(), b"the whole body");
    /// });
    /// ```
    pub async fn read_to_eof(&mut self) -> io::Result<Vec<u8>> {
        while self.fill().await? > 0 {}
        Ok(self.take(self.end - self.start))
    }

    /// Reads one line, ending with `\n`; at end of stream, the bytes before it (possibly
    /// none, then `at_eof` is true).
    ///
    /// Cancel-safe: a cancelled `readline` leaves its bytes for the next read.
    ///
    /// ```
    /// use corio_io::streams::StreamReader;
    /// corio_executor::run(async {
    ///     let mut reader = StreamReader::new(&b"one\ntwo"[..]);
    ///     assert_eq!(reader.readline().await.unwrap(), b"one\n");
    ///     assert_eq!(reader.readline().await.unwrap(), b"two", "the last line has no newline");
    ///     assert_eq!(reader.readline().await.unwrap(), b"", "end of stream");
    /// });
    /// ```
    ///
    /// # Errors
    /// [`StreamError::LimitOverrun`] if no newline comes within the limit; unlike asyncio,
    /// which drops those bytes, they stay buffered.
    pub async fn readline(&mut self) -> Result<Vec<u8>, StreamError> {
        match self.readuntil(b"\n").await {
            Err(StreamError::IncompleteRead(incomplete)) => Ok(incomplete.partial),
            other => other,
        }
    }

    /// Reads exactly `n` bytes.
    ///
    /// Cancel-safe: the bytes of a cancelled `readexactly` stay buffered for the next read.
    ///
    /// ```
    /// use corio_io::streams::{StreamError, StreamReader};
    /// corio_executor::run(async {
    ///     let mut reader = StreamReader::new(&b"\x00\x03abc\x00\x09short"[..]);
    ///     let len = reader.readexactly(2).await.unwrap();
    ///     let n = u16::from_be_bytes([len[0], len[1]]) as usize;
    ///     assert_eq!(reader.readexactly(n).await.unwrap(), b"abc");
    ///     reader.readexactly(2).await.unwrap();
    ///     match reader.readexactly(9).await {
    ///         Err(StreamError::IncompleteRead(e)) => assert_eq!(e.partial, b"short"),
    ///         other => panic!("{other:?}"),
    ///     }
    /// });
    /// ```
    ///
    /// # Errors
    /// [`StreamError::IncompleteRead`] with the bytes that came, if the stream ends first.
    pub async fn readexactly(&mut self, n: usize) -> Result<Vec<u8>, StreamError> {
        while self.end - self.start < n {
            if self.fill().await? == 0 {
                let partial = self.take(self.end - self.start);
                return Err(StreamError::IncompleteRead(IncompleteRead {
                    partial,
                    expected: Some(n),
                }));
            }
        }
        Ok(self.take(n))
    }

    /// Reads up to and including `separator`.
    ///
    /// ```
    /// use corio_io::streams::{StreamError, StreamReader};
    /// corio_executor::run(async {
    ///     let mut reader = StreamReader::with_limit(&b"key=value;0123456789abcdef"[..], 12);
    ///     assert_eq!(reader.readuntil(b";").await.unwrap(), b"key=value;");
    ///     let Err(StreamError::LimitOverrun(overrun)) = reader.readuntil(b";").await else {
    ///         panic!("no ';' within 12 bytes");
    ///     };
    ///     assert!(overrun.consumed > 12);
    ///     // Nothing was lost: the bytes are still there.
    ///     assert_eq!(reader.read(100).await.unwrap(), b"0123456789abcdef");
    /// });
    /// ```
    ///
    /// Cancel-safe: the bytes of a cancelled `readuntil` stay buffered for the next read.
    ///
    /// # Errors
    /// [`StreamError::LimitOverrun`] if the separator is not within the limit (the bytes stay
    /// buffered); [`StreamError::IncompleteRead`] with the bytes that came if the stream
    /// ends first.
    ///
    /// # Panics
    /// If `separator` is empty.
    pub async fn readuntil(&mut self, separator: &[u8]) -> Result<Vec<u8>, StreamError> {
        assert!(
            !separator.is_empty(),
            "readuntil needs a non-empty separator"
        );
        // Where the search resumes: bytes before it were searched already.
        let mut searched = 0;
        loop {
            let data = self.buffered();
            // As asyncio counts it, the limit bounds the bytes before the separator: a
            // frame of `limit` bytes and its separator is read whole.
            if let Some(at) = find(&data[searched..], separator) {
                if searched + at > self.limit {
                    return Err(self.overrun());
                }
                return Ok(self.take(searched + at + separator.len()));
            }
            // Where a separator could still begin, once more bytes come.
            searched = data.len().saturating_sub(separator.len() - 1);
            if searched > self.limit {
                return Err(self.overrun());
            }
            if self.fill().await? == 0 {
                let partial = self.take(self.end - self.start);
                return Err(StreamError::IncompleteRead(IncompleteRead {
                    partial,
                    expected: None,
                }));
            }
        }
    }

    fn overrun(&self) -> StreamError {
        StreamError::LimitOverrun(LimitOverrun {
            consumed: self.end - self.start,
            limit: self.limit,
        })
    }

    /// True once the stream has ended and the buffer is empty.
    ///
    /// ```
    /// use corio_io::streams::StreamReader;
    /// corio_executor::run(async {
    ///     let mut reader = StreamReader::new(&b"last"[..]);
    ///     assert!(!reader.at_eof(), "nothing read yet");
    ///     reader.read(10).await.unwrap();
    ///     reader.read(10).await.unwrap(); // sees end of stream
    ///     assert!(reader.at_eof());
    /// });
    /// ```
    pub fn at_eof(&self) -> bool {
        self.eof && self.start == self.end
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() == 1 {
        return haystack.iter().position(|&b| b == needle[0]);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// futures-io's `AsyncRead`: buffered bytes first, then the connection.
///
/// ```
/// use corio_io::streams::StreamReader;
/// use futures::AsyncReadExt;
/// corio_executor::run(async {
///     let mut reader = StreamReader::new(&b"line\nrest"[..]);
///     reader.readline().await.unwrap();
///     let mut rest = String::new();
///     reader.read_to_string(&mut rest).await.unwrap();
///     assert_eq!(rest, "rest");
/// });
/// ```
impl AsyncRead for StreamReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.start == this.end {
            if out.len() >= MIN_READ && !this.eof {
                // Large reads skip the buffer.
                let n = ready!(Pin::new(&mut this.transport).poll_read(cx, out))?;
                this.eof = n == 0;
                return Poll::Ready(Ok(n));
            }
            ready!(this.poll_fill(cx))?;
        }
        let n = out.len().min(this.end - this.start);
        out[..n].copy_from_slice(&this.buf[this.start..this.start + n]);
        this.consume_n(n);
        Poll::Ready(Ok(n))
    }
}

/// futures-io's `AsyncBufRead`: the reader's own buffer.
///
/// ```
/// use corio_io::streams::StreamReader;
/// use futures::AsyncBufReadExt;
/// corio_executor::run(async {
///     let mut reader = StreamReader::new(&b"a\nb\n"[..]);
///     let lines: Vec<String> = futures::StreamExt::collect(
///         futures::StreamExt::map(reader.lines(), |line| line.unwrap()),
///     )
///     .await;
///     assert_eq!(lines, ["a", "b"]);
/// });
/// ```
impl AsyncBufRead for StreamReader {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.start == this.end {
            ready!(this.poll_fill(cx))?;
        }
        Poll::Ready(Ok(&this.buf[this.start..this.end]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        assert!(
            amt <= this.end - this.start,
            "consumed more than was buffered"
        );
        this.consume_n(amt);
    }
}
