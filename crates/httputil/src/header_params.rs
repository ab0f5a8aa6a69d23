//! `Content-Disposition` / `Content-Type` / extension header parameters.

use tornado_escape::python_strip;

/// Splits `value; p1; p2` on `;`, except inside double quotes. A quote
/// preceded by a backslash does not count. One pass, linear time (the
/// quadratic scan was CVE-2025-67726).
fn split_params(line: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut open_quotes = false;
    let mut prev = '\0';
    for (i, c) in line.char_indices() {
        crate::work::step();
        match c {
            '"' if prev != '\\' => open_quotes = !open_quotes,
            ';' if !open_quotes => {
                parts.push(python_strip(&line[start..i]));
                start = i + 1;
            }
            _ => {}
        }
        prev = c;
    }
    parts.push(python_strip(&line[start..]));
    parts
}

/// `email.utils.unquote`: strips one pair of `"…"` (undoing `\\` and `\"`)
/// or of `<…>`.
fn email_unquote(value: &str) -> String {
    if value.len() > 1 {
        if value.starts_with('"') && value.ends_with('"') {
            return value[1..value.len() - 1]
                .replace("\\\\", "\\")
                .replace("\\\"", "\"");
        }
        if value.starts_with('<') && value.ends_with('>') {
            return value[1..value.len() - 1].to_owned();
        }
    }
    value.to_owned()
}

/// `email.utils.quote`: escapes `\` and `"`.
fn email_quote(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// One RFC 2231 segment: continuation number, value, percent-encoded.
type Segment = (Option<u32>, String, bool);

/// Splits an RFC 2231 parameter name `name*`, `name*N` or `name*N*` into the
/// base name and the continuation number.
fn rfc2231_name(name: &str) -> Option<(&str, Option<u32>)> {
    let star = name.find('*')?;
    let (base, rest) = (&name[..star], &name[star + 1..]);
    if base.is_empty() || !base.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    if rest.is_empty() {
        return Some((base, None));
    }
    let digits = rest.strip_suffix('*').unwrap_or(rest);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((base, Some(digits.parse().unwrap_or(u32::MAX))))
}

/// Decodes bytes in a named charset, replacing errors; `None` for a charset
/// we do not know (Python's `LookupError`).
fn decode_charset(bytes: &[u8], charset: &str) -> Option<String> {
    let normalized = charset.trim().to_ascii_lowercase().replace('_', "-");
    match normalized.as_str() {
        "utf-8" | "utf8" | "u8" => Some(String::from_utf8_lossy(bytes).into_owned()),
        "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "l1" => {
            Some(bytes.iter().map(|&b| char::from(b)).collect())
        }
        "us-ascii" | "ascii" => Some(
            bytes
                .iter()
                .map(|&b| {
                    if b.is_ascii() {
                        char::from(b)
                    } else {
                        '\u{FFFD}'
                    }
                })
                .collect(),
        ),
        _ => None,
    }
}

/// Parses a `Content-Type`-like header into its main value and parameters.
///
/// Counterpart of Tornado's private `_parse_header` (used for multipart
/// `Content-Disposition` and WebSocket extension headers). Parameters are
/// split on `;` outside double quotes; names are lower-cased; quoted values
/// are unquoted; RFC 2231/5987 forms (`filename*=utf-8''%E2%82%AC`, and
/// `name*0`, `name*1` continuations) are decoded and take precedence over the
/// plain form. Parameters without `=` are skipped. Linear time.
///
/// ```
/// use tornado_httputil::parse_header;
/// let (value, params) = parse_header(r#"form-data; name="f"; filename*=utf-8''T%C3%A4st"#);
/// assert_eq!(value, "form-data");
/// assert_eq!(params, [("name".to_owned(), "f".to_owned()), ("filename".to_owned(), "Täst".to_owned())]);
/// ```
#[doc(alias = "_parse_header")]
pub fn parse_header(line: &str) -> (String, Vec<(String, String)>) {
    let parts = split_params(line);
    let key = parts.first().copied().unwrap_or("").to_owned();
    let mut plain: Vec<(String, String)> = Vec::new();
    // name → its RFC 2231 segments, in first-seen order.
    let mut extended: Vec<(String, Vec<Segment>)> = Vec::new();
    for part in parts.iter().skip(1) {
        let Some((name, value)) = part.split_once('=') else {
            continue;
        };
        let name = python_strip(name).to_lowercase();
        let value = email_unquote(python_strip(value));
        match rfc2231_name(&name) {
            Some((base, number)) => {
                let encoded = name.ends_with('*');
                let segment = (number, value, encoded);
                match extended.iter_mut().find(|(n, _)| n == base) {
                    Some((_, list)) => list.push(segment),
                    None => extended.push((base.to_owned(), vec![segment])),
                }
            }
            None => plain.push((name, value)),
        }
    }
    let mut params: Vec<(String, String)> = Vec::with_capacity(plain.len() + extended.len());
    let mut set = |name: String, value: String| {
        let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            Some(inner) => inner.to_owned(),
            None => value,
        };
        match params.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => params.push((name, value)),
        }
    };
    for (name, value) in plain {
        set(name, value);
    }
    for (name, mut segments) in extended {
        segments.sort_by_key(|segment| segment.0);
        let any_encoded = segments.iter().any(|s| s.2);
        let mut joined = String::new();
        for (_, value, encoded) in &segments {
            if *encoded {
                let bytes = tornado_escape::unquote_to_bytes(value.as_bytes());
                joined.extend(bytes.iter().map(|&b| char::from(b)));
            } else {
                joined.push_str(value);
            }
        }
        let quoted = email_quote(&joined);
        let value = if any_encoded {
            decode_extended(&quoted)
        } else {
            joined
        };
        set(name, value);
    }
    (key, params)
}

/// The `charset'language'text` form (already quoted with `email_quote`).
fn decode_extended(quoted: &str) -> String {
    let mut pieces = quoted.splitn(3, '\'');
    let (charset, text) = match (pieces.next(), pieces.next(), pieces.next()) {
        (Some(charset), Some(_language), Some(text)) => (charset, text),
        _ => ("us-ascii", quoted),
    };
    // Characters stand for bytes (they came from latin-1 decoding); any
    // beyond latin-1 are written as `\uXXXX`, as Python's raw-unicode-escape.
    let mut bytes = Vec::with_capacity(text.len());
    for c in text.chars() {
        match u8::try_from(u32::from(c)) {
            Ok(b) => bytes.push(b),
            Err(_) => bytes.extend(format!("\\u{:04x}", u32::from(c)).bytes()),
        }
    }
    match decode_charset(&bytes, charset) {
        // Python decodes the value still wrapped in quotes; the caller strips
        // one pair.
        Some(decoded) => format!("\"{decoded}\""),
        None => email_unquote(&format!("\"{text}\"")),
    }
}

/// Formats a value and parameters as `key; a=1; flag` (parameters sorted by
/// name; `None` values are written as a bare name).
///
/// Counterpart of Tornado's private `_encode_header`, the inverse of
/// [`parse_header`] for simple values (no quoting is added).
///
/// ```
/// let header = tornado_httputil::encode_header(
///     "permessage-deflate",
///     &[("client_max_window_bits", Some("15")), ("client_no_context_takeover", None)],
/// );
/// assert_eq!(header, "permessage-deflate; client_max_window_bits=15; client_no_context_takeover");
/// ```
#[doc(alias = "_encode_header")]
pub fn encode_header(key: &str, params: &[(&str, Option<&str>)]) -> String {
    let mut sorted: Vec<&(&str, Option<&str>)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = key.to_owned();
    for (name, value) in sorted {
        out.push_str("; ");
        out.push_str(name);
        if let Some(value) = value {
            out.push('=');
            out.push_str(value);
        }
    }
    out
}
