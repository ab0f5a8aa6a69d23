//! HTTP/1.x request and status lines.

use std::fmt;

use crate::error::HttpInputError;
use crate::headers::is_token;

/// A parsed request line: `method SP target SP version`.
///
/// Counterpart of Tornado's `tornado.httputil.RequestStartLine`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestStartLine {
    /// The method token, e.g. `GET`.
    pub method: String,
    /// The request target as sent (path and query, `*`, or an absolute URL).
    pub path: String,
    /// The version, e.g. `HTTP/1.1`.
    pub version: String,
}

/// A parsed status line: `version SP code SP [reason]`.
///
/// Counterpart of Tornado's `tornado.httputil.ResponseStartLine`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseStartLine {
    /// The version, e.g. `HTTP/1.1`.
    pub version: String,
    /// The three-digit status code.
    pub code: u16,
    /// The reason phrase; `None` when the line ends right after the code's
    /// space.
    pub reason: Option<String>,
}

/// `HTTP/d.d`
fn is_http_version(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 8
        && b.starts_with(b"HTTP/")
        && b[5].is_ascii_digit()
        && b[6] == b'.'
        && b[7].is_ascii_digit()
}

/// Parses an HTTP/1.x request line (without its CRLF).
///
/// Counterpart of Tornado's `parse_request_start_line`: exactly one space
/// between the parts, the method a token, the version `HTTP/d.d` and then
/// `HTTP/1.x`. The target must be visible ASCII (0x21–0x7E): unlike Tornado,
/// raw bytes ≥ 0x80 are refused (our `SECURITY.md`).
///
/// ```
/// use tornado_httputil::parse_request_start_line;
/// let line = parse_request_start_line("GET /foo?x=1 HTTP/1.1").unwrap();
/// assert_eq!((line.method.as_str(), line.path.as_str()), ("GET", "/foo?x=1"));
/// assert!(parse_request_start_line("GET  /foo HTTP/1.1").is_err());
/// ```
pub fn parse_request_start_line(line: &str) -> Result<RequestStartLine, HttpInputError> {
    let malformed = HttpInputError::MalformedRequestLine;
    let mut parts = line.split(' ');
    let (Some(method), Some(path), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed);
    };
    if !is_token(method)
        || path.is_empty()
        || !path.bytes().all(|b| (0x21..=0x7e).contains(&b))
        || !is_http_version(version)
    {
        return Err(malformed);
    }
    if !version.starts_with("HTTP/1") {
        return Err(HttpInputError::UnexpectedVersion);
    }
    Ok(RequestStartLine {
        method: method.to_owned(),
        path: path.to_owned(),
        version: version.to_owned(),
    })
}

/// Parses an HTTP/1.x status line (without its CRLF).
///
/// Counterpart of Tornado's `parse_response_start_line`: `HTTP/d.d`, one
/// space, three digits, one space, then an optional reason of HTAB, SP,
/// visible ASCII and latin-1 obs-text. `"HTTP/1.1 200"` (no space after the
/// code) is an error; `"HTTP/1.1 200 "` has no reason.
///
/// ```
/// use tornado_httputil::parse_response_start_line;
/// let line = parse_response_start_line("HTTP/1.1 404 Not Found").unwrap();
/// assert_eq!((line.code, line.reason.as_deref()), (404, Some("Not Found")));
/// ```
pub fn parse_response_start_line(line: &str) -> Result<ResponseStartLine, HttpInputError> {
    let malformed = HttpInputError::MalformedResponseLine;
    let version = line
        .get(..8)
        .filter(|v| is_http_version(v))
        .ok_or(malformed)?;
    let rest = line[8..].strip_prefix(' ').ok_or(malformed)?;
    let code = rest
        .get(..3)
        .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))
        .ok_or(malformed)?;
    let reason = rest[3..].strip_prefix(' ').ok_or(malformed)?;
    let reason_ok = reason
        .chars()
        .all(|c| matches!(c, '\t' | ' ' | '\x21'..='\x7e' | '\u{80}'..='\u{ff}'));
    if !reason_ok {
        return Err(malformed);
    }
    if !version.starts_with("HTTP/1") {
        return Err(HttpInputError::UnexpectedVersion);
    }
    Ok(ResponseStartLine {
        version: version.to_owned(),
        code: code.parse().map_err(|_| malformed)?,
        reason: (!reason.is_empty()).then(|| reason.to_owned()),
    })
}

/// `GET /path HTTP/1.1`
impl fmt::Display for RequestStartLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.method, self.path, self.version)
    }
}

/// `HTTP/1.1 200 OK` (a missing reason leaves the trailing space).
impl fmt::Display for ResponseStartLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {:03} {}",
            self.version,
            self.code,
            self.reason.as_deref().unwrap_or("")
        )
    }
}
