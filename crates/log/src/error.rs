//! The one error type of this crate.

use std::fmt;
use std::path::PathBuf;

/// What went wrong while setting up logging.
///
/// Tornado raises `ValueError` for a bad `--log_rotate_mode` and an
/// `AttributeError` for an unknown `--logging` level; both are variants
/// here. Do not match on the `Display` text.
#[derive(Debug)]
#[non_exhaustive]
pub enum LogError {
    /// The log file could not be opened, written or rotated.
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// `--logging` is not one of `debug`, `info`, `warning`, `error`,
    /// `critical` or `none`.
    BadLevel(String),
    /// `--log_rotate_mode` is neither `size` nor `time`.
    BadRotateMode(String),
    /// `--log_rotate_when` is not one of `S`, `M`, `H`, `D`, `midnight` or
    /// `W0`–`W6`, or `--log_rotate_interval` is not positive.
    BadRotateWhen(String),
    /// An option has the wrong type or is missing (the parser lacks the
    /// logging options).
    Options(tornado_options::OptionsError),
    /// Another `log` logger is already installed in this process.
    OtherLoggerInstalled,
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => {
                write!(f, "cannot write log file {}: {source}", path.display())
            }
            Self::BadLevel(level) => write!(f, "unknown log level {level:?}"),
            Self::BadRotateMode(mode) => {
                write!(
                    f,
                    "log_rotate_mode should be \"size\" or \"time\", not {mode:?}"
                )
            }
            Self::BadRotateWhen(when) => write!(f, "invalid time-based rotation {when:?}"),
            Self::Options(e) => write!(f, "logging options: {e}"),
            Self::OtherLoggerInstalled => f.write_str("another logger is already installed"),
        }
    }
}

impl std::error::Error for LogError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Options(e) => Some(e),
            _ => None,
        }
    }
}

impl From<tornado_options::OptionsError> for LogError {
    fn from(e: tornado_options::OptionsError) -> Self {
        Self::Options(e)
    }
}
