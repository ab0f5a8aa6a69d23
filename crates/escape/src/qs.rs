//! Query-string parsing into an ordered map of byte values.

use std::collections::HashMap;

use crate::error::EscapeError;
use crate::url::unquote_to_bytes;

/// Options for [`parse_qs_bytes`]; `Default` gives Tornado's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ParseQsOptions {
    /// Keep fields whose value is empty (`a=` or a bare `a`). Tornado
    /// default: `false`.
    pub keep_blank_values: bool,
    /// Reject empty fields and fields without `=`. Tornado default: `false`.
    pub strict_parsing: bool,
    /// Refuse query strings with more fields than this (counted as one plus
    /// the number of `&`, before parsing). Tornado default: `None` (no
    /// limit); `HTTPServerRequest` and form bodies use 1,000. Protects
    /// against hash-flooding and memory blow-up from huge argument lists.
    pub max_num_fields: Option<usize>,
}

impl ParseQsOptions {
    /// Sets [`keep_blank_values`](Self::keep_blank_values).
    pub fn keep_blank_values(mut self, keep: bool) -> Self {
        self.keep_blank_values = keep;
        self
    }

    /// Sets [`strict_parsing`](Self::strict_parsing).
    pub fn strict_parsing(mut self, strict: bool) -> Self {
        self.strict_parsing = strict;
        self
    }

    /// Sets [`max_num_fields`](Self::max_num_fields).
    pub fn max_num_fields(mut self, limit: Option<usize>) -> Self {
        self.max_num_fields = limit;
        self
    }
}

/// An insertion-ordered map from argument name to its list of byte values:
/// Python's `dict[str, list[bytes]]` as returned by `parse_qs_bytes` and
/// stored in `HTTPServerRequest.arguments`.
///
/// Names are kept in first-seen order; values in arrival order. Lookup and
/// append are O(1) on average.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryArguments {
    entries: Vec<(String, Vec<Vec<u8>>)>,
    index: HashMap<String, usize>,
}

impl QueryArguments {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `value` to the list for `name` (Python's
    /// `setdefault(name, []).append(value)`).
    pub fn push(&mut self, name: impl Into<String>, value: Vec<u8>) {
        let name = name.into();
        match self.index.get(&name) {
            Some(&i) => self.entries[i].1.push(value),
            None => {
                self.index.insert(name.clone(), self.entries.len());
                self.entries.push((name, vec![value]));
            }
        }
    }

    /// Appends every value of `other` (Python's
    /// `for k, v in other.items(): self.setdefault(k, []).extend(v)`).
    pub fn extend_from(&mut self, other: &QueryArguments) {
        for (name, values) in other.iter() {
            for value in values {
                self.push(name, value.clone());
            }
        }
    }

    /// The values for `name`, if present.
    pub fn get(&self, name: &str) -> Option<&[Vec<u8>]> {
        self.index.get(name).map(|&i| self.entries[i].1.as_slice())
    }

    /// The last value for `name`, as `RequestHandler.get_argument` uses.
    pub fn get_last(&self, name: &str) -> Option<&[u8]> {
        self.get(name).and_then(|v| v.last()).map(Vec::as_slice)
    }

    /// `true` if `name` is present.
    pub fn contains_key(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// Number of distinct names.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when there are no names.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `(name, values)` pairs in first-seen order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[Vec<u8>])> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// Names in first-seen order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }
}

/// Decodes bytes as latin-1 (each byte is the code point of the same value).
pub(crate) fn latin1_to_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Encodes text as latin-1, for Python APIs that accept `str` where bytes are
/// meant (`parse_qs_bytes("...")`).
///
/// ```
/// assert_eq!(tornado_escape::latin1_encode("é").unwrap(), vec![0xE9]);
/// assert!(tornado_escape::latin1_encode("€").is_err());
/// ```
pub fn latin1_encode(value: &str) -> Result<Vec<u8>, EscapeError> {
    value
        .char_indices()
        .map(|(offset, c)| {
            u8::try_from(u32::from(c)).map_err(|_| EscapeError::NotLatin1 { offset })
        })
        .collect()
}

fn unquote_plus(part: &[u8]) -> Vec<u8> {
    if part.contains(&b'+') {
        let spaced: Vec<u8> = part
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        unquote_to_bytes(&spaced).into_owned()
    } else {
        unquote_to_bytes(part).into_owned()
    }
}

/// Parses a query string (or `application/x-www-form-urlencoded` body) into
/// names and byte values.
///
/// Counterpart of Tornado's `tornado.escape.parse_qs_bytes`: fields are split
/// on `&` only (`;` is data), each on its first `=`; `+` means space and
/// `%XX` escapes are decoded; names are decoded as latin-1, values stay
/// bytes. Empty values are dropped unless `keep_blank_values`. The
/// `max_num_fields` check counts `&` before any parsing. Linear time.
///
/// ```
/// use tornado_escape::{parse_qs_bytes, ParseQsOptions};
/// let args = parse_qs_bytes(b"a=1&b=%41+&a=2", &ParseQsOptions::default()).unwrap();
/// assert_eq!(args.get("a").unwrap(), [b"1".to_vec(), b"2".to_vec()]);
/// assert_eq!(args.get_last("b"), Some(b"A ".as_slice()));
/// ```
pub fn parse_qs_bytes(qs: &[u8], options: &ParseQsOptions) -> Result<QueryArguments, EscapeError> {
    let mut result = QueryArguments::new();
    if qs.is_empty() {
        return Ok(result);
    }
    if let Some(limit) = options.max_num_fields {
        let fields = 1 + memchr::memchr_iter(b'&', qs).count();
        if fields > limit {
            return Err(EscapeError::MaxFieldsExceeded { limit });
        }
    }
    let mut offset = 0;
    for field in qs.split(|&b| b == b'&') {
        let field_offset = offset;
        offset += field.len() + 1;
        if field.is_empty() && !options.strict_parsing {
            continue;
        }
        let (name, value) = match memchr::memchr(b'=', field) {
            Some(eq) => (&field[..eq], &field[eq + 1..]),
            None if options.strict_parsing => {
                return Err(EscapeError::BadQueryField {
                    offset: field_offset,
                });
            }
            None => (field, &field[field.len()..]),
        };
        if !value.is_empty() || options.keep_blank_values {
            result.push(latin1_to_string(&unquote_plus(name)), unquote_plus(value));
        }
    }
    Ok(result)
}
