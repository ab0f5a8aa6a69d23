//! `Range` / `Content-Range` helpers for static files.

use tornado_escape::python_strip;

/// Python's `int()` on a string: surrounding whitespace, an optional sign,
/// decimal digits (any Unicode decimal digits) with single `_` between them.
/// `None` when invalid or beyond `i64`.
pub(crate) fn python_int(text: &str) -> Option<i64> {
    let text = python_strip(text);
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut value: i64 = 0;
    let mut seen_digit = false;
    let mut prev_underscore = false;
    for c in digits.chars() {
        if c == '_' {
            if !seen_digit || prev_underscore {
                return None;
            }
            prev_underscore = true;
            continue;
        }
        let digit = crate::util::decimal_digit_value(c)?;
        value = value.checked_mul(10)?.checked_add(i64::from(digit))?;
        seen_digit = true;
        prev_underscore = false;
    }
    if !seen_digit || prev_underscore {
        return None;
    }
    Some(if negative { -value } else { value })
}

fn int_or_none(text: &str) -> Result<Option<i64>, ()> {
    if python_strip(text).is_empty() {
        return Ok(None);
    }
    python_int(text).map(Some).ok_or(())
}

/// Parses a `Range: bytes=…` header into `(start, end)` in Python slice
/// terms (`end` exclusive; a negative `start` counts from the end).
///
/// Counterpart of Tornado's private `_parse_request_range`: `bytes=1-2` →
/// `(Some(1), Some(3))`, `bytes=-6` → `(Some(-6), None)`, `bytes=` →
/// `(None, None)`; another unit, several ranges or non-numbers → `None`.
///
/// ```
/// use tornado_httputil::parse_request_range;
/// assert_eq!(parse_request_range("bytes=0-499"), Some((Some(0), Some(500))));
/// assert_eq!(parse_request_range("bytes=-6"), Some((Some(-6), None)));
/// assert_eq!(parse_request_range("bytes=1-2,6-10"), None);
/// ```
#[doc(alias = "_parse_request_range")]
pub fn parse_request_range(range_header: &str) -> Option<(Option<i64>, Option<i64>)> {
    let (unit, value) = range_header.split_once('=').unwrap_or((range_header, ""));
    if python_strip(unit) != "bytes" {
        return None;
    }
    let value = python_strip(value);
    let (start, end) = value.split_once('-').unwrap_or((value, ""));
    let mut start = int_or_none(start).ok()?;
    let mut end = int_or_none(end).ok()?;
    if let Some(e) = end {
        match start {
            None if e != 0 => {
                start = Some(e.checked_neg()?);
                end = None;
            }
            None => {}
            Some(_) => end = Some(e.checked_add(1)?),
        }
    }
    Some((start, end))
}

/// Formats a `Content-Range` value: `bytes start-(end-1)/total`, where a
/// missing (or zero) `start` is 0 and a missing (or zero) `end` is `total`.
///
/// Counterpart of Tornado's private `_get_content_range`.
///
/// ```
/// assert_eq!(tornado_httputil::get_content_range(Some(1), Some(3), 4), "bytes 1-2/4");
/// ```
#[doc(alias = "_get_content_range")]
pub fn get_content_range(start: Option<u64>, end: Option<u64>, total: u64) -> String {
    let start = start.unwrap_or(0);
    let end = end.filter(|&e| e != 0).unwrap_or(total);
    format!("bytes {start}-{}/{total}", i128::from(end) - 1)
}
