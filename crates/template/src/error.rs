//! The crate's error type: parse errors and Python-style runtime exceptions.

use std::fmt;

/// The Python exception class an [`Error`] corresponds to.
///
/// Tornado templates run as Python code, so their failures are Python
/// exceptions. We keep the class name so callers (and `{% try %}` /
/// `{% except %}` blocks) can tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[doc(alias = "exception")]
pub enum ErrorKind {
    /// `tornado.template.ParseError`: malformed template structure.
    ParseError,
    /// Python `SyntaxError`: an expression or statement is not valid.
    SyntaxError,
    /// Python `NameError`: a name is not defined.
    NameError,
    /// Python `UnboundLocalError`: a template-local name read before assignment.
    UnboundLocalError,
    /// Python `KeyError`: a missing dictionary key or template name.
    KeyError,
    /// Python `IndexError`: an index out of range.
    IndexError,
    /// Python `TypeError`: an operation on the wrong type.
    TypeError,
    /// Python `ValueError`: a right type with a bad value.
    ValueError,
    /// Python `ZeroDivisionError`.
    ZeroDivisionError,
    /// Python `AttributeError`: a missing attribute or method.
    AttributeError,
    /// Python `OverflowError`: a number too large to represent.
    OverflowError,
    /// Python `MemoryError`: a value larger than the configured limit.
    MemoryError,
    /// Python `RecursionError`: recursive includes or too deeply nested code.
    RecursionError,
    /// Python `ImportError`: `{% import %}` of something not in the namespace.
    ImportError,
    /// Python `FileNotFoundError` / `OSError` from the filesystem loader.
    OsError,
    /// A render limit configured in [`Limits`](crate::Limits) was exceeded
    /// (Tornado has no such limits; reported as Python `RuntimeError`).
    LimitExceeded,
    /// Python `NotImplementedError`: `{% extends %}` somewhere Tornado's
    /// code generator cannot handle it (inside a block or an included file).
    NotImplementedError,
    /// A plain Python `Exception` (e.g. an invalid whitespace mode).
    Exception,
}

impl ErrorKind {
    /// The Python exception class name (`"KeyError"`, `"ParseError"`, ...).
    pub fn python_name(self) -> &'static str {
        match self {
            ErrorKind::ParseError => "ParseError",
            ErrorKind::SyntaxError => "SyntaxError",
            ErrorKind::NameError => "NameError",
            ErrorKind::UnboundLocalError => "UnboundLocalError",
            ErrorKind::KeyError => "KeyError",
            ErrorKind::IndexError => "IndexError",
            ErrorKind::TypeError => "TypeError",
            ErrorKind::ValueError => "ValueError",
            ErrorKind::ZeroDivisionError => "ZeroDivisionError",
            ErrorKind::AttributeError => "AttributeError",
            ErrorKind::OverflowError => "OverflowError",
            ErrorKind::MemoryError => "MemoryError",
            ErrorKind::RecursionError => "RecursionError",
            ErrorKind::ImportError => "ImportError",
            ErrorKind::OsError => "OSError",
            ErrorKind::LimitExceeded => "RuntimeError",
            ErrorKind::NotImplementedError => "NotImplementedError",
            ErrorKind::Exception => "Exception",
        }
    }

    /// Whether an `except <class_name>` clause catches this kind, following
    /// Python's exception hierarchy (`LookupError` catches `KeyError` and
    /// `IndexError`, `NameError` catches `UnboundLocalError`, and so on).
    ///
    /// Returns `None` when `class_name` is not an exception class we know.
    pub fn is_caught_by(self, class_name: &str) -> Option<bool> {
        use ErrorKind::*;
        let caught = match class_name {
            "BaseException" | "Exception" => true,
            "ArithmeticError" => matches!(self, ZeroDivisionError | OverflowError),
            "LookupError" => matches!(self, KeyError | IndexError),
            "NameError" => matches!(self, NameError | UnboundLocalError),
            "RuntimeError" => matches!(self, RecursionError | LimitExceeded | NotImplementedError),
            "NotImplementedError" => self == NotImplementedError,
            "OSError" | "IOError" | "EnvironmentError" | "FileNotFoundError" => self == OsError,
            "ParseError" => self == ParseError,
            "SyntaxError" => self == SyntaxError,
            "UnboundLocalError" => self == UnboundLocalError,
            "KeyError" => self == KeyError,
            "IndexError" => self == IndexError,
            "TypeError" => self == TypeError,
            "ValueError" => self == ValueError,
            "ZeroDivisionError" => self == ZeroDivisionError,
            "AttributeError" => self == AttributeError,
            "OverflowError" => self == OverflowError,
            "MemoryError" => self == MemoryError,
            "RecursionError" => self == RecursionError,
            "ImportError" | "ModuleNotFoundError" => self == ImportError,
            "StopIteration" | "AssertionError" | "UnicodeError" | "UnicodeDecodeError"
            | "UnicodeEncodeError" | "KeyboardInterrupt" | "GeneratorExit" | "SystemExit" => false,
            _ => return None,
        };
        Some(caught)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.python_name())
    }
}

/// Where in a template an error happened: the file, the line, and the chain
/// of `{% include %}` / `{% block %}` sites that led there (innermost first),
/// like the `# sub.html:1 (via base.html:1)` comments in Tornado's generated
/// code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[doc(alias = "lineno")]
pub struct Location {
    /// The template name.
    pub name: String,
    /// The 1-based line number.
    pub line: u32,
    /// The sites that included this one, innermost first, as `(name, line)`.
    pub via: Vec<(String, u32)>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.name, self.line)?;
        if !self.via.is_empty() {
            f.write_str(" (via ")?;
            for (i, (name, line)) in self.via.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{name}:{line}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// The error type of this crate: Tornado's `ParseError` and the Python
/// exceptions a template can raise while loading or rendering.
///
/// `Display` prints `<Class>: <message> at <name>:<line>`, e.g.
/// `ParseError: Missing {% end %} block for if at index.html:12` or
/// `NameError: name 'x' is not defined at sub.html:1 (via base.html:1)`.
#[doc(alias = "ParseError")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    // Boxed so that `Result<Value, Error>` stays as small as a `Value`: the
    // renderer returns results on every expression.
    inner: Box<ErrorInner>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ErrorInner {
    kind: ErrorKind,
    message: String,
    location: Option<Location>,
}

impl Error {
    /// Creates an error of the given kind with a message (Python's
    /// `str(exception)`) and no location.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(ErrorInner {
                kind,
                message: message.into(),
                location: None,
            }),
        }
    }

    /// A `ParseError` at `name:line`, as Tornado's `ParseError(msg, filename, lineno)`.
    #[doc(alias = "ParseError")]
    pub fn parse(message: impl Into<String>, name: &str, line: u32) -> Self {
        Error::new(ErrorKind::ParseError, message).with_location(Location {
            name: name.to_owned(),
            line,
            via: Vec::new(),
        })
    }

    /// The Python exception class this error corresponds to.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message, as Python's `str(exception)` would give it (for a
    /// `ParseError`, without the ` at <file>:<line>` suffix).
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The template location, when known.
    pub fn location(&self) -> Option<&Location> {
        self.inner.location.as_ref()
    }

    /// Tornado's `ParseError.filename`.
    pub fn filename(&self) -> Option<&str> {
        self.inner.location.as_ref().map(|l| l.name.as_str())
    }

    /// Tornado's `ParseError.lineno` (0 when unknown).
    pub fn lineno(&self) -> u32 {
        self.inner.location.as_ref().map_or(0, |l| l.line)
    }

    /// Returns the error with its location set (replacing any earlier one).
    pub fn with_location(mut self, location: Location) -> Self {
        self.inner.location = Some(location);
        self
    }

    pub(crate) fn has_location(&self) -> bool {
        self.inner.location.is_some()
    }

    pub(crate) fn type_error(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::TypeError, message)
    }

    pub(crate) fn value_error(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::ValueError, message)
    }

    pub(crate) fn syntax(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::SyntaxError, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.inner.kind, self.inner.message)?;
        if let Some(loc) = &self.inner.location {
            write!(f, " at {loc}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
