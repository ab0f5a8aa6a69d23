//! The one error type of this crate.

use std::fmt;
use std::path::PathBuf;

/// What went wrong while defining, parsing or reading options. Every
/// variant names the option (or file) concerned.
///
/// Mirrors `tornado.options.Error` (and the `ValueError`s Python raises
/// for unparsable values). Do not match on the `Display` text.
#[derive(Debug)]
#[non_exhaustive]
#[doc(alias = "Error")]
pub enum OptionsError {
    /// `define` was called twice for one name (`-` and `_` are the same).
    Redefined {
        /// The normalised name (with dashes).
        name: String,
        /// Where the first definition was made.
        defined_in: String,
    },
    /// The command line or a lookup named an option that is not defined.
    Unknown {
        /// The name as given.
        name: String,
    },
    /// A non-boolean option was given on the command line without a value.
    MissingValue {
        /// The option.
        name: String,
    },
    /// A value could not be parsed as the option's type.
    BadValue {
        /// The option.
        name: String,
        /// The text that was given.
        value: String,
        /// What was expected, or why the value was refused.
        reason: String,
    },
    /// A typed value (from `set` or a config file) has the wrong type.
    WrongType {
        /// The option.
        name: String,
        /// What the option holds, such as "int" or "list of str".
        expected: String,
    },
    /// A typed getter found no value (the option has no default and was
    /// never set).
    Unset {
        /// The option.
        name: String,
    },
    /// A config file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A config file has a line this crate cannot read.
    Config {
        /// The file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// `--help` was given. The help text has not been printed; the
    /// process-wide [`crate::parse_command_line`] prints it and exits, as
    /// Tornado does.
    HelpRequested,
}

impl fmt::Display for OptionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Redefined { name, defined_in } => {
                write!(f, "option {name:?} already defined in {defined_in}")
            }
            Self::Unknown { name } => write!(f, "unrecognized option {name:?}"),
            Self::MissingValue { name } => write!(f, "option {name:?} requires a value"),
            Self::BadValue {
                name,
                value,
                reason,
            } => {
                write!(f, "bad value {value:?} for option {name:?}: {reason}")
            }
            Self::WrongType { name, expected } => {
                write!(f, "option {name:?} is required to be a {expected}")
            }
            Self::Unset { name } => write!(f, "option {name:?} has no value"),
            Self::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::Config {
                path,
                line,
                message,
            } => {
                write!(f, "{} line {line}: {message}", path.display())
            }
            Self::HelpRequested => f.write_str("help requested"),
        }
    }
}

impl std::error::Error for OptionsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
