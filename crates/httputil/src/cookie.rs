//! `Cookie` request header parsing.

use std::collections::HashMap;

use tornado_escape::python_strip;

/// Undoes cookie-value quoting: a value wrapped in `"…"` loses the quotes,
/// `\ooo` octal escapes (`\000`–`\377`) become that character and any other
/// backslash just drops itself. One pass, linear time (CVE-2024-7592 was a
/// quadratic version of this).
fn unquote_cookie_value(value: &str) -> String {
    let inner = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) if value.len() >= 2 => inner,
        _ => return value.to_owned(),
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        crate::work::step();
        if c != '\\' {
            out.push(c);
            continue;
        }
        let octal = &inner.as_bytes()[i + 1..];
        if octal.len() >= 3
            && (b'0'..=b'3').contains(&octal[0])
            && (b'0'..=b'7').contains(&octal[1])
            && (b'0'..=b'7').contains(&octal[2])
        {
            let code = u32::from(octal[0] - b'0') * 64
                + u32::from(octal[1] - b'0') * 8
                + u32::from(octal[2] - b'0');
            out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            chars.next();
            chars.next();
            chars.next();
        } else {
            match chars.peek() {
                // `\X` → `X`, except before a newline (Python's `.`).
                Some(&(_, escaped)) if escaped != '\n' => {
                    out.push(escaped);
                    chars.next();
                }
                // A backslash at the end or before a newline stays.
                _ => out.push('\\'),
            }
        }
    }
    out
}

/// Parses a `Cookie` header into `(name, value)` pairs the way browsers do.
///
/// Counterpart of Tornado's `tornado.httputil.parse_cookie` (Django 1.9.10's
/// algorithm): split on every `;` (even inside quotes), split each piece on
/// its first `=` (a piece without `=` gets the empty name), strip both sides,
/// skip empty pieces, unquote `"…"` values. A later duplicate replaces the
/// value but keeps the first position. Never fails; linear time.
///
/// ```
/// let cookies = tornado_httputil::parse_cookie(r#"a=1; b="x\"y"; a=2"#);
/// assert_eq!(cookies, [("a".to_owned(), "2".to_owned()), ("b".to_owned(), "x\"y".to_owned())]);
/// ```
pub fn parse_cookie(cookie: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut positions: HashMap<String, usize> = HashMap::new();
    for chunk in cookie.split(';') {
        crate::work::step();
        let (key, value) = chunk.split_once('=').unwrap_or(("", chunk));
        let (key, value) = (python_strip(key), python_strip(value));
        if key.is_empty() && value.is_empty() {
            continue;
        }
        let value = unquote_cookie_value(value);
        match positions.get(key) {
            Some(&i) => pairs[i].1 = value,
            None => {
                positions.insert(key.to_owned(), pairs.len());
                pairs.push((key.to_owned(), value));
            }
        }
    }
    pairs
}

/// `true` if Python's `http.cookies.SimpleCookie` accepts `name` as a cookie
/// name: non-empty, only ``A-Za-z0-9!#$%&'*+-.^_`|~:``, and not a reserved
/// attribute name (`path`, `expires`, `domain`, … in any case).
///
/// Counterpart of the key check in Python's `http.cookies.Morsel.set`
/// (`http.cookies._is_legal_key` plus the reserved-name test), which makes
/// Tornado's `HTTPServerRequest.cookies` drop cookies with such names.
#[doc(alias = "_is_legal_key")]
pub fn is_legal_cookie_name(name: &str) -> bool {
    const RESERVED: [&str; 9] = [
        "expires", "path", "comment", "domain", "max-age", "secure", "httponly", "version",
        "samesite",
    ];
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~:".contains(&b))
        && !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_escapes() {
        assert_eq!(unquote_cookie_value(r#""\134\042""#), "\\\"");
        assert_eq!(unquote_cookie_value(r#""\400""#), "400");
        assert_eq!(unquote_cookie_value(r#""a\""#), "a\\");
        assert_eq!(unquote_cookie_value("\""), "\"");
    }
}
