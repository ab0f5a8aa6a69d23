//! The crate's error type.

use std::error::Error as StdError;
use std::fmt;
use std::io;

/// What went wrong while connecting, for code that needs to branch on it.
///
/// Tornado raises a different exception class for each of these; the
/// counterpart is named on each variant.
#[doc(alias = "errno")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The `timeout` passed while resolving, connecting or in the TLS
    /// handshake; the message names the phase (`TimeoutError`).
    Timeout,
    /// The host name could not be resolved (`socket.gaierror`, `IOError`
    /// from the resolver).
    Resolve,
    /// Every connection attempt failed, or a socket could not be made or
    /// bound (`OSError`, `ConnectionRefusedError`).
    Connect,
    /// The stream failed after the TCP connection was made: the TLS
    /// handshake, a certificate (`ssl.SSLError`, `StreamClosedError`).
    Stream,
    /// One connection attempt was abandoned by its connect function
    /// (`asyncio.CancelledError` on an attempt). The connector counts it as
    /// a failure but never reports it as the cause.
    Cancelled,
    /// An argument was refused before any system call (`ValueError`).
    InvalidArgument,
}

/// The error type of `tornado-tcpclient`.
///
/// Carries an [`ErrorKind`], an optional message and, where there is one,
/// the underlying error as its [`source`](std::error::Error::source).
/// Branch on [`kind`](Error::kind) or the predicates, never on the message.
#[doc(alias = "TimeoutError")]
#[doc(alias = "OSError")]
pub struct Error {
    kind: ErrorKind,
    message: Option<String>,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl Error {
    /// An error of `kind` with a message.
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: Some(message.into()),
            source: None,
        }
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        message: Option<String>,
        source: impl Into<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> Self {
        Error {
            kind,
            message,
            source: Some(source.into()),
        }
    }

    /// A timeout error whose message names the phase that timed out.
    pub(crate) fn timeout(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Timeout, message)
    }

    /// The error a connect function returns for an attempt it abandoned
    /// (Tornado: a cancelled attempt future). The
    /// [`Connector`](crate::Connector) moves on to the next address without
    /// reporting it.
    #[doc(alias = "CancelledError")]
    pub fn cancelled() -> Self {
        Error {
            kind: ErrorKind::Cancelled,
            message: None,
            source: None,
        }
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// True for [`ErrorKind::Timeout`].
    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }

    /// True for [`ErrorKind::Cancelled`].
    pub fn is_cancelled(&self) -> bool {
        self.kind == ErrorKind::Cancelled
    }

    /// True for [`ErrorKind::Resolve`].
    pub fn is_resolve(&self) -> bool {
        self.kind == ErrorKind::Resolve
    }

    /// The operating-system error behind this one, if any (for example
    /// `ConnectionRefused`).
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
        Error::with_source(ErrorKind::Connect, None, e)
    }
}

impl From<tornado_iostream::Error> for Error {
    fn from(e: tornado_iostream::Error) -> Self {
        Error::with_source(ErrorKind::Stream, None, e)
    }
}

impl From<tornado_netutil::Error> for Error {
    fn from(e: tornado_netutil::Error) -> Self {
        let kind = if e.is_resolve() {
            ErrorKind::Resolve
        } else {
            ErrorKind::Connect
        };
        Error::with_source(kind, None, e)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(message) = &self.message {
            return f.write_str(message);
        }
        f.write_str(match self.kind {
            ErrorKind::Timeout => "timeout",
            ErrorKind::Resolve => "cannot resolve host",
            ErrorKind::Connect => "connection failed",
            ErrorKind::Stream => "stream error",
            ErrorKind::Cancelled => "connection attempt cancelled",
            ErrorKind::InvalidArgument => "invalid argument",
        })
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// A shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
