//! The crate's error type.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::sync::Arc;

/// What went wrong with a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The stream is closed; [`Error::real_error`] says why, if it was not a
    /// clean close (`tornado.iostream.StreamClosedError`).
    StreamClosed,
    /// A read's `max_bytes` was reached before the delimiter; the stream was
    /// closed (`tornado.iostream.UnsatisfiableReadError`).
    UnsatisfiableRead,
    /// A buffer would pass its cap (`tornado.iostream.StreamBufferFullError`).
    StreamBufferFull,
    /// A read was started while another was pending (Tornado asserts).
    AlreadyReading,
    /// TLS failed: handshake, certificate, or a plain-text peer on a TLS port
    /// (`ssl.SSLError`).
    Tls,
    /// The operating system reported an error (`OSError`).
    Io,
}

/// The error type of `tornado-iostream`.
///
/// Cheap to clone (the cause is shared), because one close error is given
/// to every pending operation. Branch on [`kind`](Error::kind) or the
/// predicates, never on the message.
#[derive(Clone)]
pub struct Error {
    /// Shared: one pointer, so that a `Result` or a pending write that may
    /// hold an error stays small, and clones stay cheap.
    repr: Arc<Repr>,
}

struct Repr {
    kind: ErrorKind,
    message: Option<&'static str>,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl Error {
    fn from_parts(
        kind: ErrorKind,
        message: Option<&'static str>,
        source: Option<Arc<dyn StdError + Send + Sync>>,
    ) -> Self {
        Error {
            repr: Arc::new(Repr {
                kind,
                message,
                source,
            }),
        }
    }

    pub(crate) fn new(kind: ErrorKind) -> Self {
        Error::from_parts(kind, None, None)
    }

    pub(crate) fn with_message(kind: ErrorKind, message: &'static str) -> Self {
        Error::from_parts(kind, Some(message), None)
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        Error::from_parts(kind, None, Some(Arc::from(source.into())))
    }

    /// A `StreamClosed` error carrying the cause of the close, if any.
    pub(crate) fn closed(cause: Option<&Error>) -> Self {
        match cause {
            Some(cause) if cause.repr.kind == ErrorKind::StreamClosed => cause.clone(),
            Some(cause) => {
                Error::from_parts(ErrorKind::StreamClosed, None, Some(Arc::new(cause.clone())))
            }
            None => Error::new(ErrorKind::StreamClosed),
        }
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.repr.kind
    }

    /// True for [`ErrorKind::StreamClosed`].
    pub fn is_closed(&self) -> bool {
        self.repr.kind == ErrorKind::StreamClosed
    }

    /// True for [`ErrorKind::UnsatisfiableRead`].
    pub fn is_unsatisfiable(&self) -> bool {
        self.repr.kind == ErrorKind::UnsatisfiableRead
    }

    /// True for [`ErrorKind::StreamBufferFull`].
    pub fn is_buffer_full(&self) -> bool {
        self.repr.kind == ErrorKind::StreamBufferFull
    }

    /// For a closed stream, the error that closed it (Tornado's
    /// `StreamClosedError.real_error`): `None` after a clean close.
    pub fn real_error(&self) -> Option<&(dyn StdError + Send + Sync + 'static)> {
        self.repr.source.as_deref()
    }

    /// The operating-system error behind this one, if any.
    pub fn io_error(&self) -> Option<&io::Error> {
        let mut cause: Option<&(dyn StdError + 'static)> = Some(self);
        while let Some(e) = cause {
            if let Some(io) = e.downcast_ref::<io::Error>() {
                return Some(io);
            }
            cause = e.source();
        }
        None
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::with_source(ErrorKind::Io, e)
    }
}

impl From<rustls::Error> for Error {
    fn from(e: rustls::Error) -> Self {
        Error::with_source(ErrorKind::Tls, e)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.repr.kind)
            .field("message", &self.repr.message)
            .field("source", &self.repr.source)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.repr.kind {
            ErrorKind::StreamClosed => "stream is closed",
            ErrorKind::UnsatisfiableRead => "unsatisfiable read",
            ErrorKind::StreamBufferFull => "stream buffer full",
            ErrorKind::AlreadyReading => "already reading",
            ErrorKind::Tls => "tls error",
            ErrorKind::Io => "i/o error",
        };
        f.write_str(what)?;
        if let Some(message) = self.repr.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.repr
            .source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// A shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
