//! Percent-encoding (`url_escape`) and decoding (`url_unescape`).

use std::borrow::Cow;

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Bytes that are never percent-encoded: `A-Z a-z 0-9 _ . - ~`.
const fn is_always_safe(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-' | b'~')
}

/// Percent-encodes `value` (its UTF-8 bytes) for use in a URL.
///
/// Counterpart of Tornado's `tornado.escape.url_escape`. With `plus` (the
/// Tornado default) this is Python's `quote_plus`: space becomes `+` and `/`
/// is encoded, which suits query strings. Without it this is `quote`: space
/// becomes `%20` and `/` is kept, which suits paths. `A-Z a-z 0-9 _ . - ~`
/// are never encoded; hex digits are upper case.
///
/// ```
/// use tornado_escape::url_escape;
/// assert_eq!(url_escape("a b/é", true), "a+b%2F%C3%A9");
/// assert_eq!(url_escape("a b/é", false), "a%20b/%C3%A9");
/// ```
pub fn url_escape(value: &str, plus: bool) -> String {
    url_escape_bytes(value.as_bytes(), plus)
}

/// Percent-encodes raw bytes; [`url_escape`] for Python `bytes` input.
///
/// ```
/// assert_eq!(tornado_escape::url_escape_bytes(b"\xe9 ", true), "%E9+");
/// ```
#[doc(alias = "url_escape")]
pub fn url_escape_bytes(value: &[u8], plus: bool) -> String {
    let mut out = String::with_capacity(value.len() + value.len() / 2);
    for &byte in value {
        if is_always_safe(byte) || (!plus && byte == b'/') {
            out.push(char::from(byte));
        } else if plus && byte == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX_UPPER[usize::from(byte >> 4)]));
            out.push(char::from(HEX_UPPER[usize::from(byte & 0x0F)]));
        }
    }
    out
}

/// How [`url_unescape_to`] turns decoded bytes back into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UrlEncoding {
    /// UTF-8; each undecodable byte becomes U+FFFD (Python's
    /// `errors="replace"`). Tornado's default.
    #[default]
    Utf8,
    /// ISO-8859-1: each byte is the code point of the same value.
    Latin1,
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes (two hex digits, either case) into bytes; anything
/// else, including a `%` not followed by two hex digits, is kept as is.
///
/// Counterpart of Python's `urllib.parse.unquote_to_bytes` (and Tornado's
/// private fast `_unquote_to_bytes`). Linear time, one output buffer.
///
/// ```
/// assert_eq!(tornado_escape::unquote_to_bytes(b"%41%zz%4"), b"A%zz%4".as_slice());
/// ```
#[doc(alias = "_unquote_to_bytes")]
pub fn unquote_to_bytes(value: &[u8]) -> Cow<'_, [u8]> {
    let Some(first) = memchr::memchr(b'%', value) else {
        return Cow::Borrowed(value);
    };
    let mut out = Vec::with_capacity(value.len());
    out.extend_from_slice(&value[..first]);
    let mut i = first;
    while i < value.len() {
        if value[i] == b'%' {
            if let (Some(hi), Some(lo)) = (
                value.get(i + 1).copied().and_then(hex_value),
                value.get(i + 2).copied().and_then(hex_value),
            ) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
            out.push(b'%');
            i += 1;
        }
        let next = memchr::memchr(b'%', &value[i..]).map_or(value.len(), |n| i + n);
        out.extend_from_slice(&value[i..next]);
        i = next;
    }
    Cow::Owned(out)
}

/// Decodes a URL-encoded value to bytes: `url_unescape(value, encoding=None)`.
///
/// Counterpart of Tornado's `tornado.escape.url_unescape` with
/// `encoding=None`. With `plus`, `+` means space (query strings and form
/// bodies); without it `+` stays. Python `str` input is UTF-8 encoded first,
/// which is what passing `value.as_bytes()` does.
///
/// ```
/// assert_eq!(tornado_escape::url_unescape_bytes(b"a+b%20c", true), b"a b c");
/// ```
#[doc(alias = "url_unescape")]
pub fn url_unescape_bytes(value: &[u8], plus: bool) -> Vec<u8> {
    if plus && value.contains(&b'+') {
        let spaced: Vec<u8> = value
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        unquote_to_bytes(&spaced).into_owned()
    } else {
        unquote_to_bytes(value).into_owned()
    }
}

/// Decodes a URL-encoded value to text as UTF-8: `url_unescape(value)`.
///
/// Counterpart of Tornado's `tornado.escape.url_unescape` with the default
/// `encoding="utf-8"`. Bytes that are not valid UTF-8 become U+FFFD, one per
/// maximal invalid sequence, as in Python's `errors="replace"`.
///
/// ```
/// use tornado_escape::url_unescape;
/// assert_eq!(url_unescape("%C3%A9+x", true), "é x");
/// assert_eq!(url_unescape("%C3%A9+x", false), "é+x");
/// ```
pub fn url_unescape(value: &str, plus: bool) -> String {
    url_unescape_to(value, UrlEncoding::Utf8, plus)
}

/// [`url_unescape`] with an explicit text encoding for the decoded bytes.
///
/// As in Python's `unquote`, only ASCII runs of the input are
/// percent-decoded; non-ASCII characters are copied through, and the bytes of
/// each ASCII run are decoded on their own.
///
/// ```
/// use tornado_escape::{url_unescape_to, UrlEncoding};
/// assert_eq!(url_unescape_to("%C3%A9", UrlEncoding::Latin1, true), "Ã©");
/// ```
#[doc(alias = "url_unescape")]
pub fn url_unescape_to(value: &str, encoding: UrlEncoding, plus: bool) -> String {
    let spaced: Cow<'_, str> = if plus && value.contains('+') {
        Cow::Owned(value.replace('+', " "))
    } else {
        Cow::Borrowed(value)
    };
    if !spaced.contains('%') {
        return spaced.into_owned();
    }
    let mut out = String::with_capacity(spaced.len());
    let mut rest: &str = &spaced;
    while !rest.is_empty() {
        let ascii_len = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        let (ascii, tail) = rest.split_at(ascii_len);
        decode_into(&unquote_to_bytes(ascii.as_bytes()), encoding, &mut out);
        let other_len = tail
            .bytes()
            .position(|b| b.is_ascii())
            .unwrap_or(tail.len());
        out.push_str(&tail[..other_len]);
        rest = &tail[other_len..];
    }
    out
}

fn decode_into(bytes: &[u8], encoding: UrlEncoding, out: &mut String) {
    match encoding {
        UrlEncoding::Utf8 => out.push_str(&String::from_utf8_lossy(bytes)),
        UrlEncoding::Latin1 => out.extend(bytes.iter().map(|&b| char::from(b))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquote_edge_cases() {
        let cases: [(&[u8], &[u8]); 7] = [
            (b"", b""),
            (b"%%41", b"%A"),
            (b"%%%", b"%%%"),
            (b"a%", b"a%"),
            (b"%\r\nb", b"%\r\nb"),
            (b"=%41=", b"=A="),
            (b"a \r\n%20\t", b"a \r\n \t"),
        ];
        for (input, expected) in cases {
            assert_eq!(unquote_to_bytes(input).as_ref(), expected);
        }
    }

    #[test]
    fn non_ascii_splits_decoding_runs() {
        assert_eq!(url_unescape("%C3é%A9", false), "\u{FFFD}é\u{FFFD}");
    }
}
