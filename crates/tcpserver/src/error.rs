//! The crate's error type.

use std::error::Error as StdError;
use std::fmt;
use std::io;

/// What went wrong while setting up a server, for code that needs to
/// branch on it.
///
/// Tornado raises a different exception class for each of these; the
/// counterpart is named on each variant.
#[doc(alias = "errno")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Binding, listening or registering a socket failed (`OSError`).
    Io,
    /// An argument was refused (`ValueError`).
    InvalidArgument,
    /// `start` was called twice (Tornado asserts).
    AlreadyStarted,
}

/// The error type of `tornado-tcpserver`.
///
/// Carries an [`ErrorKind`], a short message and, where there is one, the
/// underlying error as its [`source`](std::error::Error::source). Branch on
/// [`kind`](Error::kind), never on the message. Errors inside a
/// connection's handler never surface here: they are logged and touch no
/// other connection.
#[doc(alias = "OSError")]
pub struct Error {
    kind: ErrorKind,
    message: &'static str,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: &'static str) -> Self {
        Error {
            kind,
            message,
            source: None,
        }
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        message: &'static str,
        source: impl Into<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> Self {
        Error {
            kind,
            message,
            source: Some(source.into()),
        }
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The operating-system error behind this one, if any (for example
    /// `AddrInUse`).
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

impl From<tornado_netutil::Error> for Error {
    fn from(e: tornado_netutil::Error) -> Self {
        let kind = match e.kind() {
            tornado_netutil::ErrorKind::InvalidArgument => ErrorKind::InvalidArgument,
            _ => ErrorKind::Io,
        };
        Error::with_source(kind, "cannot listen", e)
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::with_source(ErrorKind::Io, "socket error", e)
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
        f.write_str(self.message)
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
