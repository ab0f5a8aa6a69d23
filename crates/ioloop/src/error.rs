//! The crate's error type.

use std::fmt;
use std::panic::Location;

/// What went wrong, for code that needs to branch on it.
///
/// Tornado raises a different exception class for each of these; the
/// counterpart is named on each variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A deadline passed (`tornado.util.TimeoutError`).
    Timeout,
    /// A task panicked; the panic was caught and the loop kept running.
    Panicked,
    /// A task was aborted through its `JoinHandle` (`asyncio.CancelledError`).
    Aborted,
    /// The loop is already running on this thread (`RuntimeError`).
    AlreadyRunning,
    /// The loop was closed (`RuntimeError`).
    Closed,
    /// `put_nowait` on a full queue (`tornado.queues.QueueFull`).
    QueueFull,
    /// `get_nowait` on an empty queue (`tornado.queues.QueueEmpty`).
    QueueEmpty,
    /// A bounded semaphore released more times than acquired, or
    /// `task_done` called too many times (`ValueError`).
    TooManyReleases,
    /// A lock released while unlocked (`RuntimeError`).
    NotLocked,
    /// An operating-system error (`OSError`).
    Io,
}

/// The error type of `tornado-ioloop`.
///
/// Carries an [`ErrorKind`], a message, and for I/O errors the underlying
/// [`std::io::Error`] as its [`source`](std::error::Error::source).
/// Match on [`kind`](Error::kind) or the predicates, never on the message.
#[doc(alias = "TimeoutError")]
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: Option<String>,
    location: Option<&'static Location<'static>>,
    source: Option<std::io::Error>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Error {
            kind,
            message: None,
            location: None,
            source: None,
        }
    }

    pub(crate) fn with_message(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            message: Some(message.into()),
            ..Error::new(kind)
        }
    }

    pub(crate) fn panicked(message: String, location: &'static Location<'static>) -> Self {
        Error {
            location: Some(location),
            ..Error::with_message(ErrorKind::Panicked, message)
        }
    }

    /// A timeout error, optionally carrying a message (Tornado 6.6's
    /// `with_timeout(..., message=...)`).
    pub fn timeout(message: Option<String>) -> Self {
        Error {
            message,
            ..Error::new(ErrorKind::Timeout)
        }
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// True when a deadline passed.
    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }

    /// True when a task panicked.
    pub fn is_panic(&self) -> bool {
        self.kind == ErrorKind::Panicked
    }

    /// True when a task was aborted.
    pub fn is_aborted(&self) -> bool {
        self.kind == ErrorKind::Aborted
    }

    /// True when the loop was closed.
    pub fn is_closed(&self) -> bool {
        self.kind == ErrorKind::Closed
    }

    /// The message: the panic payload, the timeout message, or the detail.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Where the panicking task was spawned, for [`ErrorKind::Panicked`].
    pub fn location(&self) -> Option<&'static Location<'static>> {
        self.location
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error {
            source: Some(e),
            ..Error::new(ErrorKind::Io)
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ErrorKind::Timeout => "timeout",
            ErrorKind::Panicked => "task panicked",
            ErrorKind::Aborted => "task aborted",
            ErrorKind::AlreadyRunning => "the loop is already running",
            ErrorKind::Closed => "the loop is closed",
            ErrorKind::QueueFull => "queue full",
            ErrorKind::QueueEmpty => "queue empty",
            ErrorKind::TooManyReleases => "released too many times",
            ErrorKind::NotLocked => "release of an unlocked lock",
            ErrorKind::Io => "i/o error",
        };
        f.write_str(what)?;
        if let Some(location) = self.location {
            write!(f, " (spawned at {location})")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// `put_nowait` on a full queue: the item is handed back, never lost.
///
/// Tornado's `tornado.queues.QueueFull`.
pub struct QueueFull<T>(pub T);

impl<T> QueueFull<T> {
    /// Takes the rejected item back.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueFull(..)")
    }
}

impl<T> fmt::Display for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue full")
    }
}

impl<T> std::error::Error for QueueFull<T> {}

impl<T> From<QueueFull<T>> for Error {
    fn from(_: QueueFull<T>) -> Self {
        Error::new(ErrorKind::QueueFull)
    }
}

/// A shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
