//! The chunk-size line of a chunked body (RFC 9112 §7.1).

/// Parses a chunk-size line without its CRLF: `1*HEXDIG`, then optional
/// extensions (`*( BWS ";" BWS token [ BWS "=" BWS ( token /
/// quoted-string ) ] )`), which are checked and ignored. Returns the size
/// and the length of the extensions, or `None` when the line is malformed
/// (no sign, prefix, underscore or space around a bare size; at most 15
/// hex digits, so the size never overflows).
pub(crate) fn parse_chunk_line(line: &[u8]) -> Option<(u64, usize)> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 || digits > 15 {
        return None;
    }
    let ext = &line[digits..];
    if !ext.is_empty() && !valid_extensions(ext) {
        return None;
    }
    let size = line[..digits].iter().fold(0u64, |n, &d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            _ => d - b'A' + 10,
        };
        n * 16 + u64::from(v)
    });
    Some((size, ext.len()))
}

fn skip_ws(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    &s[n..]
}

fn token(s: &[u8]) -> Option<&[u8]> {
    let n = s
        .iter()
        .take_while(|&&b| tornado_httputil::is_tchar(b))
        .count();
    (n > 0).then(|| &s[n..])
}

fn quoted_string(s: &[u8]) -> Option<&[u8]> {
    let mut i = 1;
    loop {
        match *s.get(i)? {
            b'"' => return Some(&s[i + 1..]),
            b'\\' => match *s.get(i + 1)? {
                c if c == b'\t' || c >= 0x20 && c != 0x7f => i += 2,
                _ => return None,
            },
            c if c == b'\t' || c >= 0x20 && c != 0x7f => i += 1,
            _ => return None,
        }
    }
}

fn valid_extensions(mut s: &[u8]) -> bool {
    while !s.is_empty() {
        let Some(rest) = skip_ws(s).strip_prefix(b";") else {
            return false;
        };
        let Some(rest) = token(skip_ws(rest)) else {
            return false;
        };
        s = rest;
        let after = skip_ws(s);
        if let Some(value) = after.strip_prefix(b"=") {
            let value = skip_ws(value);
            let rest = if value.first() == Some(&b'"') {
                quoted_string(value)
            } else {
                token(value)
            };
            let Some(rest) = rest else {
                return false;
            };
            s = rest;
        } else if after.is_empty() {
            // No whitespace may end the line.
            return s.is_empty();
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::parse_chunk_line;

    #[test]
    fn sizes_and_extensions() {
        assert_eq!(parse_chunk_line(b"1a"), Some((26, 0)));
        let quoted = b"5;name=value;q=\"a\\\"b\"";
        assert_eq!(parse_chunk_line(quoted), Some((5, quoted.len() - 1)));
        assert_eq!(parse_chunk_line(b"2 ;a=b"), Some((2, 5)));
        assert_eq!(parse_chunk_line(b"0;a"), Some((0, 2)));
        for bad in [
            &b""[..],
            b"0x2",
            b"+2",
            b"1_a",
            b"-0",
            b"   2",
            b"2 ",
            b"2;",
            b"5;a=\"abc",
            b"2 erfrferferf",
            b"5;\x00ext",
            b"2;a\rb",
            b"ffffffffffffffffff",
            b"2;a ",
        ] {
            assert_eq!(parse_chunk_line(bad), None, "{bad:?}");
        }
    }
}
