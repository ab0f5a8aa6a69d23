//! Small text helpers: `squeeze`, `utf8`, `to_unicode`.

use std::borrow::Cow;

use crate::error::EscapeError;

/// `true` for the characters Python's `str.isspace()` accepts (and so
/// `str.strip()` removes): ASCII whitespace, the separators U+001C–U+001F,
/// U+0085, U+00A0 and the Unicode space separators.
pub fn is_python_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\x1c'..=' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// Python's `str.strip()` with no argument.
pub fn python_strip(value: &str) -> &str {
    value.trim_matches(is_python_whitespace)
}

/// Replaces every run of characters U+0000–U+0020 with one space, then strips
/// whitespace from both ends.
///
/// Counterpart of Tornado's `tornado.escape.squeeze`. As in Python, the final
/// strip removes *Unicode* whitespace (NBSP, U+3000…) at the ends, while such
/// characters inside the text are kept.
///
/// ```
/// assert_eq!(tornado_escape::squeeze("  a \t\n b  "), "a b");
/// ```
pub fn squeeze(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut in_run = false;
    for c in value.chars() {
        if c <= ' ' {
            if !in_run {
                out.push(' ');
                in_run = true;
            }
        } else {
            out.push(c);
            in_run = false;
        }
    }
    let stripped = python_strip(&out);
    if stripped.len() == out.len() {
        out
    } else {
        stripped.to_owned()
    }
}

/// Returns the UTF-8 bytes of a string.
///
/// Counterpart of Tornado's `tornado.escape.utf8`; Rust strings are already
/// UTF-8, so this is free. Python's `None` pass-through is `Option::map`, and
/// its `TypeError` for other types cannot happen in Rust.
///
/// ```
/// assert_eq!(tornado_escape::utf8("é"), b"\xc3\xa9");
/// ```
pub fn utf8(value: &str) -> &[u8] {
    value.as_bytes()
}

/// Decodes UTF-8 bytes to a string, failing on invalid input.
///
/// Counterpart of Tornado's `tornado.escape.to_unicode` (also
/// `to_basestring`, `native_str`). A UTF-8 BOM is kept as U+FEFF.
///
/// ```
/// assert_eq!(tornado_escape::to_unicode(b"\xc3\xa9").unwrap(), "é");
/// assert!(tornado_escape::to_unicode(b"\xff").is_err());
/// ```
#[doc(alias = "to_basestring")]
#[doc(alias = "native_str")]
pub fn to_unicode(value: &[u8]) -> Result<&str, EscapeError> {
    std::str::from_utf8(value).map_err(|e| EscapeError::InvalidUtf8 {
        valid_up_to: e.valid_up_to(),
    })
}

/// Decodes bytes as UTF-8, replacing invalid sequences with U+FFFD.
///
/// ```
/// assert_eq!(tornado_escape::to_unicode_lossy(b"a\xffb"), "a\u{FFFD}b");
/// ```
#[doc(alias = "to_unicode")]
pub fn to_unicode_lossy(value: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(value)
}
