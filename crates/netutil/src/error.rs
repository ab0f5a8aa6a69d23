//! The crate's error type.

use std::error::Error as StdError;
use std::fmt;
use std::io;

/// What went wrong, for code that needs to branch on it.
///
/// Tornado raises a different exception class for each of these; the
/// counterpart is named on each variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[doc(alias = "gaierror")]
pub enum ErrorKind {
    /// A system call failed (`OSError`): binding, listening, accepting,
    /// reading a certificate file.
    Io,
    /// An argument was refused before any system call (`ValueError`), for
    /// example a zero backlog or `reuse_port` on a platform without
    /// `SO_REUSEPORT`.
    InvalidArgument,
    /// `bind_unix_socket` found a file at the path that is not a socket and
    /// refused to replace it (`ValueError("File ... exists and is not a
    /// socket")`).
    NotASocket,
    /// A name could not be resolved (`IOError` from `Resolver.resolve`,
    /// `socket.gaierror`).
    Resolve,
    /// A TLS configuration could not be built: unreadable or malformed PEM,
    /// a key that does not match its certificate (`ssl.SSLError`).
    Tls,
}

/// The error type of `tornado-netutil`.
///
/// Carries an [`ErrorKind`], a short message and, where there is one, the
/// underlying error as its [`source`](std::error::Error::source). Match on
/// [`kind`](Error::kind) or the predicates, never on the message.
#[doc(alias = "OSError")]
#[doc(alias = "ValueError")]
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        message: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> Self {
        Error {
            kind,
            message: message.into(),
            source: Some(source.into()),
        }
    }

    pub(crate) fn io(message: impl Into<String>, source: io::Error) -> Self {
        Error::with_source(ErrorKind::Io, message, source)
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// True for a failed system call ([`ErrorKind::Io`]).
    pub fn is_io(&self) -> bool {
        self.kind == ErrorKind::Io
    }

    /// True when a name could not be resolved ([`ErrorKind::Resolve`]).
    pub fn is_resolve(&self) -> bool {
        self.kind == ErrorKind::Resolve
    }

    /// True for a TLS configuration error ([`ErrorKind::Tls`]).
    pub fn is_tls(&self) -> bool {
        self.kind == ErrorKind::Tls
    }

    /// The operating-system error behind this one, if any.
    pub fn io_error(&self) -> Option<&io::Error> {
        self.source.as_ref()?.downcast_ref::<io::Error>()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_ref()
            .map(|e| &**e as &(dyn StdError + 'static))
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::io("i/o error", e)
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> Self {
        let kind = match e.kind {
            ErrorKind::Io => e.io_error().map_or(io::ErrorKind::Other, io::Error::kind),
            ErrorKind::InvalidArgument | ErrorKind::Tls => io::ErrorKind::InvalidInput,
            ErrorKind::NotASocket => io::ErrorKind::AlreadyExists,
            ErrorKind::Resolve => io::ErrorKind::NotFound,
        };
        io::Error::new(kind, e)
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
