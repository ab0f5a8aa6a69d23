//! The crate's one error type.

use std::fmt;

/// Everything that can go wrong in `tornado-escape`.
///
/// Python's `tornado.escape` raises `UnicodeDecodeError`, `ValueError`,
/// `json.JSONDecodeError` or `TypeError`; each maps to one variant here. The
/// enum is `Copy` and carries only positions, never a copy of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EscapeError {
    /// Bytes that are not valid UTF-8 (Python's `UnicodeDecodeError`).
    InvalidUtf8 {
        /// Length of the longest valid UTF-8 prefix.
        valid_up_to: usize,
    },
    /// Text that is not valid JSON (Python's `json.JSONDecodeError`).
    Json {
        /// 1-based line of the error, as serde_json reports it.
        line: usize,
        /// 1-based column of the error (0 when unknown).
        column: usize,
    },
    /// A value could not be serialized as JSON (Python's `TypeError` from
    /// `json.dumps`), e.g. a map whose keys are not strings or numbers.
    JsonSerialize,
    /// A query string holds more fields than `max_num_fields`
    /// (Python's `ValueError("Max number of fields exceeded")`).
    MaxFieldsExceeded {
        /// The configured limit.
        limit: usize,
    },
    /// A query field is empty or has no `=` while strict parsing is on
    /// (Python's `ValueError("bad query field: ...")`).
    BadQueryField {
        /// Byte offset of the field in the query string.
        offset: usize,
    },
    /// Text with a character that latin-1 cannot represent was given where
    /// bytes were expected (Python's `UnicodeEncodeError`).
    NotLatin1 {
        /// Byte offset of the offending character.
        offset: usize,
    },
}

impl fmt::Display for EscapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUtf8 { valid_up_to } => {
                write!(f, "invalid utf-8 at byte {valid_up_to}")
            }
            Self::Json { line, column } => {
                write!(f, "invalid json at line {line} column {column}")
            }
            Self::JsonSerialize => f.write_str("value cannot be serialized as json"),
            Self::MaxFieldsExceeded { .. } => f.write_str("max number of fields exceeded"),
            Self::BadQueryField { offset } => write!(f, "bad query field at byte {offset}"),
            Self::NotLatin1 { offset } => {
                write!(f, "character at byte {offset} is not latin-1")
            }
        }
    }
}

impl std::error::Error for EscapeError {}
