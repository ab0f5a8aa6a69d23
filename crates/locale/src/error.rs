//! The one error type of this crate.

use std::fmt;
use std::path::PathBuf;

/// What went wrong while loading translations or building a date.
///
/// Tornado raises `AssertionError` for an unsupported locale code, `OSError`
/// for a corrupt `.mo` file, `csv.Error` for an over-long CSV field and
/// `UnicodeDecodeError` for a badly encoded file; each maps to one variant
/// here. Do not match on the `Display` text: it is for people.
#[derive(Debug)]
#[non_exhaustive]
#[doc(alias = "AssertionError")]
pub enum LocaleError {
    /// `Locale.get(code)` was asked for a code that is not supported.
    Unsupported {
        /// The code that was asked for.
        code: String,
    },
    /// A translations directory or file could not be read.
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A CSV translations file is not valid in its encoding.
    Decode {
        /// The file.
        path: PathBuf,
        /// The encoding that was tried.
        encoding: &'static str,
    },
    /// A CSV field is longer than the configured limit (Python's
    /// `csv.field_size_limit()`, 131,072 characters by default).
    FieldTooLong {
        /// The limit in characters.
        limit: usize,
    },
    /// A compiled gettext catalogue (`.mo`) is malformed.
    Mo(&'static str),
    /// A `Plural-Forms` expression could not be parsed.
    PluralForms(String),
    /// A date lies outside the years 1 to 9999 (Python's `datetime` range)
    /// or is not a finite number.
    DateOutOfRange,
}

impl fmt::Display for LocaleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unsupported { code } => write!(f, "unsupported locale {code:?}"),
            Self::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::Decode { path, encoding } => {
                write!(f, "{} is not valid {encoding}", path.display())
            }
            Self::FieldTooLong { limit } => write!(f, "field larger than field limit ({limit})"),
            Self::Mo(what) => write!(f, "invalid .mo file: {what}"),
            Self::PluralForms(what) => write!(f, "invalid plural form: {what}"),
            Self::DateOutOfRange => f.write_str("date out of range"),
        }
    }
}

impl std::error::Error for LocaleError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
