//! The crate's error type.

use std::error::Error as StdError;
use std::fmt;

/// What went wrong on an HTTP/1 connection.
///
/// Stands in for the exception classes Tornado's `http1connection` raises
/// or catches: `HTTPInputError` ([`BadRequest`](Self::BadRequest) and the
/// size limits), `HTTPOutputError` ([`BadResponse`](Self::BadResponse)) and
/// `StreamClosedError` ([`StreamClosed`](Self::StreamClosed)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[doc(alias("HTTPInputError", "HTTPOutputError"))]
pub enum ErrorKind {
    /// The peer sent something that is not valid HTTP/1.x; a server answers
    /// with [`Error::status`] and closes (`tornado.httputil.HTTPInputError`).
    BadRequest,
    /// The request head passed `max_header_size` or the header-count limit
    /// (answered with 431).
    HeadTooLarge,
    /// The body passed `max_body_size` (answered with 413).
    BodyTooLarge,
    /// A handler wrote a response that breaks HTTP framing: more or fewer
    /// bytes than its Content-Length, a body on a HEAD/204/304 response,
    /// headers twice, CR or LF in a header (`tornado.httputil.HTTPOutputError`).
    BadResponse,
    /// A deadline passed (header or body timeout).
    Timeout,
    /// The stream closed (`tornado.iostream.StreamClosedError`).
    StreamClosed,
    /// An error from the stream underneath.
    Io,
}

/// The error type of `tornado-http1connection`.
///
/// Branch on [`kind`](Error::kind) or [`status`](Error::status), never on
/// the message. `Display` never repeats bytes from the peer.
///
/// Counterpart of Tornado's `tornado.httputil.HTTPInputError` and
/// `HTTPOutputError` (and the stream errors that reach the connection),
/// folded into one type whose [`ErrorKind`] tells them apart.
#[derive(Debug)]
#[doc(alias("HTTPInputError", "HTTPOutputError"))]
pub struct Error {
    /// Boxed: errors are rare, and a `Result` of one pointer keeps every
    /// future that holds one small (an idle connection holds several).
    repr: Box<Repr>,
}

#[derive(Debug)]
struct Repr {
    kind: ErrorKind,
    message: &'static str,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: &'static str) -> Self {
        Error {
            repr: Box::new(Repr {
                kind,
                message,
                source: None,
            }),
        }
    }

    pub(crate) fn bad_request(message: &'static str) -> Self {
        Error::new(ErrorKind::BadRequest, message)
    }

    pub(crate) fn bad_response(message: &'static str) -> Self {
        Error::new(ErrorKind::BadResponse, message)
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.repr.kind
    }

    /// The status a server answers this error with, if any.
    pub fn status(&self) -> Option<u16> {
        match self.repr.kind {
            ErrorKind::BadRequest => Some(400),
            ErrorKind::HeadTooLarge => Some(431),
            ErrorKind::BodyTooLarge => Some(413),
            _ => None,
        }
    }

    /// A short description, never holding peer data.
    pub fn message(&self) -> &'static str {
        self.repr.message
    }

    /// True when the stream closed.
    pub fn is_closed(&self) -> bool {
        self.repr.kind == ErrorKind::StreamClosed
    }
}

impl From<tornado_iostream::Error> for Error {
    fn from(e: tornado_iostream::Error) -> Self {
        let kind = if e.is_closed() {
            ErrorKind::StreamClosed
        } else {
            ErrorKind::Io
        };
        Error {
            repr: Box::new(Repr {
                kind,
                message: "stream error",
                source: Some(Box::new(e)),
            }),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.repr.message)
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
