//! `HttpHeaders`: a case-insensitive, ordered multimap of header lines.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};

use crate::error::HttpInputError;

/// `true` for an RFC 9110 `tchar`: a byte of a header name or method.
///
/// Counterpart of Tornado's private `_ABNF.tchar` pattern in
/// `tornado.httputil`: an ASCII letter or digit, or one of the symbols
/// listed by RFC 9110.
///
/// ```
/// assert!(tornado_httputil::is_tchar(b'-'));
/// assert!(!tornado_httputil::is_tchar(b':'));
/// ```
#[doc(alias = "_ABNF.tchar")]
pub fn is_tchar(byte: u8) -> bool {
    TCHAR[usize::from(byte)]
}

/// RFC 9110 `tchar`, as a table: one lookup per byte.
static TCHAR: [bool; 256] = alphanumeric_and(b"!#$%&'*+-.^_`|~");

/// A byte-class table: ASCII letters and digits, plus the bytes of `extra`
/// (for checks that look up one table entry per byte).
///
/// No Tornado counterpart: a helper for building lookup tables that stand in
/// for Tornado's character-class regexes (such as `_ABNF.tchar`).
///
/// ```
/// static HEX_OR_DASH: [bool; 256] = tornado_httputil::alphanumeric_and(b"-");
/// assert!(HEX_OR_DASH[usize::from(b'-')] && !HEX_OR_DASH[usize::from(b' ')]);
/// ```
pub const fn alphanumeric_and(extra: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        table[extra[i] as usize] = true;
        i += 1;
    }
    table
}

/// `true` if `name` is a non-empty RFC 9110 token.
///
/// Counterpart of Tornado's private `_ABNF.token` pattern (also used as
/// `_ABNF.field_name` and `_ABNF.method`), applied with `fullmatch`.
#[doc(alias = "_ABNF.token")]
#[doc(alias = "field_name")]
pub fn is_token(name: &str) -> bool {
    is_token_bytes(name.as_bytes())
}

/// [`is_token`] over bytes; branch-free over the name.
///
/// Counterpart of Tornado's `_ABNF.token` check, applied to raw bytes
/// (Tornado matches the latin-1-decoded text instead).
#[doc(alias = "_ABNF.token")]
pub fn is_token_bytes(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().fold(true, |ok, &b| ok & is_tchar(b))
}

/// A header value character under HTTP rules, for text whose characters
/// stand for bytes (latin-1): HTAB, SP, VCHAR and obs-text (0x80–0xFF).
fn is_http_value_char(c: char) -> bool {
    matches!(c, '\t' | ' ' | '\x21'..='\x7e' | '\u{80}'..='\u{ff}')
}

/// RFC 9110 `field-value`: allowed characters, no SP/HTAB at either end.
pub(crate) fn is_valid_field_value(value: &str) -> bool {
    let allowed = if value.is_ascii() {
        value
            .bytes()
            .fold(true, |ok, b| ok & (b == b'\t' || (0x20..0x7f).contains(&b)))
    } else {
        value.chars().all(is_http_value_char)
    };
    allowed && !value.starts_with([' ', '\t']) && !value.ends_with([' ', '\t'])
}

/// The looser rule for multipart part headers (decoded as UTF-8): any
/// character except the C0 controls other than HTAB, and DEL.
fn is_valid_unicode_value(value: &str) -> bool {
    !value
        .chars()
        .any(|c| matches!(c, '\x00'..='\x08' | '\x0a'..='\x1f' | '\x7f'))
}

/// Normalizes a header name to Tornado's `Http-Header-Case`: every
/// `-`-separated word gets an upper-case first letter and lower-case rest
/// (so `ETag` becomes `Etag` and `Sec-WebSocket-Key` `Sec-Websocket-Key`).
///
/// Counterpart of Tornado's private `_normalize_header`.
///
/// ```
/// assert_eq!(tornado_httputil::normalize_header_name("content-TYPE"), "Content-Type");
/// ```
#[doc(alias = "_normalize_header")]
pub fn normalize_header_name(name: &str) -> String {
    if name.is_ascii() {
        // Header names are tokens, so this is the path taken in practice.
        let mut out = name.as_bytes().to_vec();
        let mut start_of_word = true;
        for b in &mut out {
            let dash = *b == b'-';
            if start_of_word {
                b.make_ascii_uppercase();
            } else {
                b.make_ascii_lowercase();
            }
            start_of_word = dash;
        }
        // ASCII in, ASCII out.
        return String::from_utf8(out).unwrap_or_else(|_| name.to_owned());
    }
    let mut out = String::with_capacity(name.len());
    let mut start_of_word = true;
    for c in name.chars() {
        if start_of_word {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start_of_word = c == '-';
    }
    out
}

/// How a header block is checked while parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineRules {
    /// HTTP message headers: CRLF only (unless `allow_bare_lf`), byte rules.
    Http { allow_bare_lf: bool },
    /// Multipart part headers: UTF-8 text, any non-control character.
    Multipart,
}

/// One header name with all its values, in arrival order.
#[derive(Clone, PartialEq, Eq)]
struct Entry {
    name: String,
    values: Vec<String>,
}

/// Feeds the ASCII-lower-cased bytes of a name to a hasher, in chunks, so
/// that lookups hash case-insensitively without allocating.
struct CaseInsensitive<'a>(&'a str);

impl Hash for CaseInsensitive<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut buf = [0u8; 64];
        for chunk in self.0.as_bytes().chunks(buf.len()) {
            let lowered = &mut buf[..chunk.len()];
            lowered.copy_from_slice(chunk);
            lowered.make_ascii_lowercase();
            state.write(lowered);
        }
        state.write_u8(0xff);
    }
}

/// Past this many distinct names, lookups go through the hash index.
const INDEXED_FROM: usize = 8;

/// A case-insensitive, insertion-ordered multimap of HTTP headers.
///
/// Counterpart of Tornado's `tornado.httputil.HTTPHeaders`. Names are stored
/// in `Http-Header-Case` ([`normalize_header_name`]); iteration yields names
/// in the order they first appeared, each with its values in arrival order
/// (so `A: 1`, `B: 2`, `A: 3` iterate as `A 1`, `A 3`, `B 2`, like Tornado).
///
/// Costs: appending a value to a name already present is O(1); lookups hash
/// the name case-insensitively without allocating; [`get`](Self::get) joins
/// repeated values with `,` (no space) only when there is more than one.
///
/// ```
/// use tornado_httputil::HttpHeaders;
/// let mut h = HttpHeaders::new();
/// h.add("Set-Cookie", "a=1").unwrap();
/// h.add("set-cookie", "b=2").unwrap();
/// assert_eq!(h.get("SET-COOKIE").unwrap(), "a=1,b=2");
/// assert_eq!(h.get_list("Set-Cookie"), ["a=1", "b=2"]);
/// ```
#[derive(Clone, Default)]
#[doc(alias = "HTTPHeaders")]
pub struct HttpHeaders {
    entries: Vec<Entry>,
    /// Case-insensitive hash of a name → indices into `entries` with that
    /// hash (almost always one); built only past `INDEXED_FROM` names.
    index: HashMap<u64, Vec<usize>>,
    hasher: RandomState,
}

impl HttpHeaders {
    /// An empty header map.
    pub fn new() -> Self {
        Self::default()
    }

    fn hash_name(&self, name: &str) -> u64 {
        self.hasher.hash_one(CaseInsensitive(name))
    }

    fn find(&self, name: &str) -> Option<usize> {
        if self.entries.len() <= INDEXED_FROM {
            // A handful of names: a scan beats hashing (and the index stays
            // unallocated).
            return self.entries.iter().position(|e| {
                crate::work::step();
                e.name.eq_ignore_ascii_case(name)
            });
        }
        self.index
            .get(&self.hash_name(name))?
            .iter()
            .copied()
            .inspect(|_| crate::work::step())
            .find(|&i| self.entries[i].name.eq_ignore_ascii_case(name))
    }

    fn rebuild_index(&mut self) {
        self.index.clear();
        if self.entries.len() <= INDEXED_FROM {
            return;
        }
        for i in 0..self.entries.len() {
            let hash = self.hash_name(&self.entries[i].name);
            self.index.entry(hash).or_default().push(i);
        }
    }

    fn push_value(&mut self, name: &str, value: String) {
        match self.find(name) {
            Some(i) => self.entries[i].values.push(value),
            None => {
                self.entries.push(Entry {
                    name: normalize_header_name(name),
                    values: vec![value],
                });
                let count = self.entries.len();
                if count == INDEXED_FROM + 1 {
                    self.rebuild_index();
                } else if count > INDEXED_FROM + 1 {
                    let hash = self.hash_name(name);
                    self.index.entry(hash).or_default().push(count - 1);
                }
            }
        }
    }

    /// Adds a value for `name`, keeping any existing values.
    ///
    /// Counterpart of `HTTPHeaders.add`. The name must be an RFC 9110 token
    /// and the value an RFC 9110 `field-value` (no CR, LF, NUL or other
    /// controls; no leading or trailing whitespace), read as latin-1 text.
    ///
    /// ```
    /// let mut h = tornado_httputil::HttpHeaders::new();
    /// assert!(h.add("X-Ok", "v").is_ok());
    /// assert!(h.add("X-Bad", "a\r\nInjected: yes").is_err());
    /// ```
    pub fn add(&mut self, name: &str, value: &str) -> Result<(), HttpInputError> {
        if !is_token(name) {
            return Err(HttpInputError::InvalidHeaderName);
        }
        if !is_valid_field_value(value) {
            return Err(HttpInputError::InvalidHeaderValue);
        }
        self.push_value(name, value.to_owned());
        Ok(())
    }

    /// [`add`](Self::add) for raw bytes from the wire (e.g. `httparse`
    /// output): the name must be a token, the value is checked with the same
    /// byte rules and stored as latin-1 text, as Tornado decodes headers.
    ///
    /// ```
    /// let mut h = tornado_httputil::HttpHeaders::new();
    /// h.add_bytes(b"X-Name", b"caf\xe9").unwrap();
    /// assert_eq!(h.get("x-name").unwrap(), "café");
    /// ```
    pub fn add_bytes(&mut self, name: &[u8], value: &[u8]) -> Result<(), HttpInputError> {
        let name = std::str::from_utf8(name).map_err(|_| HttpInputError::InvalidHeaderName)?;
        let value: String = match std::str::from_utf8(value) {
            Ok(ascii) if ascii.is_ascii() => ascii.to_owned(),
            _ => value.iter().map(|&b| char::from(b)).collect(),
        };
        if !is_token(name) {
            return Err(HttpInputError::InvalidHeaderName);
        }
        if !is_valid_field_value(&value) {
            return Err(HttpInputError::InvalidHeaderValue);
        }
        self.push_value(name, value);
        Ok(())
    }

    /// Replaces all values of `name` with `value`, keeping the name's
    /// position (Python's `h[name] = value`). Validated like [`add`](Self::add).
    ///
    /// Counterpart of `HTTPHeaders.__setitem__` (which, unlike this method,
    /// does not validate the name or value).
    #[doc(alias = "__setitem__")]
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), HttpInputError> {
        if !is_token(name) {
            return Err(HttpInputError::InvalidHeaderName);
        }
        if !is_valid_field_value(value) {
            return Err(HttpInputError::InvalidHeaderValue);
        }
        match self.find(name) {
            Some(i) => self.entries[i].values = vec![value.to_owned()],
            None => self.push_value(name, value.to_owned()),
        }
        Ok(())
    }

    /// The values of `name` joined with `,`, or `None` when absent (Python's
    /// `h[name]` / `h.get(name)`). Borrowed when there is one value.
    pub fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        let values = &self.entries[self.find(name)?].values;
        Some(match values.as_slice() {
            [one] => Cow::Borrowed(one.as_str()),
            many => Cow::Owned(many.join(",")),
        })
    }

    /// All values of `name` in arrival order; empty when absent
    /// (`HTTPHeaders.get_list`).
    pub fn get_list(&self, name: &str) -> &[String] {
        self.find(name)
            .map_or(&[], |i| self.entries[i].values.as_slice())
    }

    /// Every `(name, value)` pair: names in first-seen order, each name's
    /// values together (`HTTPHeaders.get_all`).
    pub fn get_all(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .flat_map(|e| e.values.iter().map(move |v| (e.name.as_str(), v.as_str())))
    }

    /// The distinct names in first-seen order (Python's iteration).
    ///
    /// Counterpart of `HTTPHeaders.__iter__`.
    #[doc(alias = "__iter__")]
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.name.as_str())
    }

    /// `true` if `name` is present (`name in h`).
    ///
    /// Counterpart of `HTTPHeaders.__contains__`; the name is matched
    /// case-insensitively.
    #[doc(alias = "__contains__")]
    pub fn contains(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// Removes `name` and returns its values (`del h[name]`).
    ///
    /// Counterpart of `HTTPHeaders.__delitem__`, except that a missing name
    /// gives `None` here where Python raises `KeyError`.
    #[doc(alias = "__delitem__")]
    pub fn remove(&mut self, name: &str) -> Option<Vec<String>> {
        let i = self.find(name)?;
        let entry = self.entries.remove(i);
        self.rebuild_index();
        Some(entry.values)
    }

    /// Number of distinct names (`len(h)`).
    ///
    /// Counterpart of `HTTPHeaders.__len__`.
    #[doc(alias = "__len__")]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when there are no headers.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Parses a block of header lines (without the start line).
    ///
    /// Counterpart of `HTTPHeaders.parse`, with the rules of our
    /// `SECURITY.md`: every line must end with CRLF (the last may lack a line
    /// ending); a line starting with SP/HTAB (obs-fold), a line without `:`,
    /// whitespace before the colon, a non-token name and CR, LF, NUL or other
    /// controls in a value are errors. SP/HTAB around the value are removed.
    /// Empty lines are skipped, as in Tornado.
    ///
    /// ```
    /// use tornado_httputil::HttpHeaders;
    /// let h = HttpHeaders::parse("Content-Type: text/html\r\nContent-Length: 42\r\n").unwrap();
    /// assert_eq!(h.get("content-length").unwrap(), "42");
    /// assert!(HttpHeaders::parse("A: 1\nB: 2\r\n").is_err()); // bare LF
    /// assert!(HttpHeaders::parse("A: 1\r\n folded\r\n").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, HttpInputError> {
        Self::parse_with(
            text,
            LineRules::Http {
                allow_bare_lf: false,
            },
        )
    }

    /// [`parse`](Self::parse), but also accepting lines that end with a bare
    /// LF, as Tornado 6.6 still does (deprecated there). For lenient clients.
    pub fn parse_lenient(text: &str) -> Result<Self, HttpInputError> {
        Self::parse_with(
            text,
            LineRules::Http {
                allow_bare_lf: true,
            },
        )
    }

    /// Parses multipart part headers (UTF-8 text; any non-control character
    /// is allowed in values, CRLF line endings required).
    pub(crate) fn parse_part_headers(text: &str) -> Result<Self, HttpInputError> {
        Self::parse_with(text, LineRules::Multipart)
    }

    fn parse_with(text: &str, rules: LineRules) -> Result<Self, HttpInputError> {
        let mut headers = Self::new();
        let mut rest = text;
        while !rest.is_empty() {
            crate::work::step();
            let (line, next) = match rest.find('\n') {
                Some(lf) => {
                    let line = &rest[..lf];
                    let line = match line.strip_suffix('\r') {
                        Some(line) => line,
                        None if matches!(
                            rules,
                            LineRules::Http {
                                allow_bare_lf: true
                            }
                        ) =>
                        {
                            line
                        }
                        None => return Err(HttpInputError::BareLf),
                    };
                    (line, &rest[lf + 1..])
                }
                None => (rest, ""),
            };
            headers.parse_line_with(line, rules)?;
            rest = next;
        }
        Ok(headers)
    }

    /// Adds one header line (with or without its CRLF), as
    /// `HTTPHeaders.parse_line`. An empty line is ignored.
    ///
    /// ```
    /// let mut h = tornado_httputil::HttpHeaders::new();
    /// h.parse_line("Content-Type: text/html\r\n").unwrap();
    /// assert_eq!(h.get("content-type").unwrap(), "text/html");
    /// ```
    pub fn parse_line(&mut self, line: &str) -> Result<(), HttpInputError> {
        let line = line
            .strip_suffix('\n')
            .map_or(line, |l| l.strip_suffix('\r').unwrap_or(l));
        self.parse_line_with(
            line,
            LineRules::Http {
                allow_bare_lf: true,
            },
        )
    }

    fn parse_line_with(&mut self, line: &str, rules: LineRules) -> Result<(), HttpInputError> {
        if line.is_empty() {
            return Ok(());
        }
        if line.starts_with([' ', '\t']) {
            return Err(HttpInputError::HeaderFolding);
        }
        let (name, value) = line.split_once(':').ok_or(HttpInputError::NoColon)?;
        if !is_token(name) {
            return Err(HttpInputError::InvalidHeaderName);
        }
        let value = value.trim_matches([' ', '\t']);
        let valid = match rules {
            LineRules::Http { .. } => is_valid_field_value(value),
            LineRules::Multipart => is_valid_unicode_value(value),
        };
        if !valid {
            return Err(HttpInputError::InvalidHeaderValue);
        }
        self.push_value(name, value.to_owned());
        Ok(())
    }
}

impl PartialEq for HttpHeaders {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl Eq for HttpHeaders {}

impl fmt::Debug for HttpHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.get_all()).finish()
    }
}

/// Writes `Name: value\r\n` for every pair of [`HttpHeaders::get_all`], the
/// wire format that [`HttpHeaders::parse`] reads back. (Tornado's `str(h)`
/// uses bare `\n`.)
impl fmt::Display for HttpHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in self.get_all() {
            write!(f, "{name}: {value}\r\n")?;
        }
        Ok(())
    }
}
