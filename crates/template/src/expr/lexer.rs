//! Tokenizer for the Python expression subset.

use std::rc::Rc;

use crate::error::{Error, ErrorKind};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Name(Rc<str>),
    Int(i64),
    BigInt(crate::value::BigInt),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    Op(&'static str),
    End,
}

const OPS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "**", "//", "<<", ">>", "<=", ">=", "==", "!=", "+=", "-=",
    "*=", "/=", "%=", "&=", "|=", "^=", "->", ":=", "(", ")", "[", "]", "{", "}", ",", ":", ".",
    ";", "+", "-", "*", "/", "%", "&", "|", "^", "~", "<", ">", "=", "@",
];

/// The deepest bracket nesting we accept. Python's tokenizer allows 200;
/// we stop at 100 so parsing stays well inside a 2 MiB thread stack even in
/// debug builds.
pub(crate) const MAX_NESTING: usize = 100;

pub(crate) fn tokenize(src: &str) -> Result<Vec<Tok>, Error> {
    let b = src.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    let mut depth = 0usize;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\x0c' => i += 1,
            b'\r' | b'\n' => {
                if depth == 0 {
                    return Err(Error::syntax("invalid syntax"));
                }
                i += 1;
            }
            b'\\' if matches!(b.get(i + 1), Some(b'\n')) => i += 2,
            b'#' => {
                // A comment runs to the end of the line.
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'0'..=b'9' => i = number(src, i, &mut toks)?,
            b'.' if matches!(b.get(i + 1), Some(b'0'..=b'9')) => i = number(src, i, &mut toks)?,
            b'"' | b'\'' => i = string(src, i, "", &mut toks)?,
            c if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                let start = i;
                while i < b.len() {
                    let ch = src[i..].chars().next().unwrap_or(' ');
                    if ch == '_' || ch.is_alphanumeric() {
                        i += ch.len_utf8();
                    } else {
                        break;
                    }
                }
                if i == start {
                    return Err(Error::syntax("invalid character"));
                }
                let word = &src[start..i];
                if matches!(b.get(i), Some(b'"' | b'\'')) {
                    let lower = word.to_ascii_lowercase();
                    if matches!(lower.as_str(), "r" | "u" | "b" | "br" | "rb") {
                        i = string(src, i, &lower, &mut toks)?;
                        continue;
                    }
                    if lower.contains('f') {
                        return Err(Error::syntax("f-strings are not supported in templates"));
                    }
                }
                toks.push(Tok::Name(Rc::from(word)));
            }
            _ => {
                let rest = &src[i..];
                let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) else {
                    return Err(Error::syntax("invalid syntax"));
                };
                match *op {
                    "(" | "[" | "{" => {
                        depth += 1;
                        if depth >= MAX_NESTING {
                            return Err(Error::syntax("too many nested parentheses"));
                        }
                    }
                    ")" | "]" | "}" => depth = depth.saturating_sub(1),
                    _ => {}
                }
                toks.push(Tok::Op(op));
                i += op.len();
            }
        }
    }
    toks.push(Tok::End);
    Ok(toks)
}

fn number(src: &str, start: usize, toks: &mut Vec<Tok>) -> Result<usize, Error> {
    let b = src.as_bytes();
    let mut i = start;
    let bad = || Error::syntax("invalid decimal literal");
    if b[i] == b'0' && matches!(b.get(i + 1), Some(b'x' | b'X' | b'o' | b'O' | b'b' | b'B')) {
        let radix = match b[i + 1] {
            b'x' | b'X' => 16,
            b'o' | b'O' => 8,
            _ => 2,
        };
        i += 2;
        let s = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
            i += 1;
        }
        let digits: String = src[s..i].chars().filter(|c| *c != '_').collect();
        let v = i64::from_str_radix(&digits, radix).map_err(|e| {
            if digits.is_empty() || e.kind() == &std::num::IntErrorKind::InvalidDigit {
                Error::syntax("invalid digit in literal")
            } else {
                Error::new(
                    ErrorKind::OverflowError,
                    "integer literal too large for a 64-bit int",
                )
            }
        })?;
        toks.push(Tok::Int(v));
        return Ok(i);
    }
    let mut is_float = false;
    let digits_run = |i: &mut usize| {
        while *i < b.len()
            && (b[*i].is_ascii_digit()
                || (b[*i] == b'_' && matches!(b.get(*i + 1), Some(b'0'..=b'9'))))
        {
            *i += 1;
        }
    };
    digits_run(&mut i);
    if i < b.len() && b[i] == b'.' {
        is_float = true;
        i += 1;
        digits_run(&mut i);
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            is_float = true;
            i = j;
            digits_run(&mut i);
        } else {
            return Err(bad());
        }
    }
    if i < b.len() && (b[i] == b'j' || b[i] == b'J') {
        return Err(Error::syntax(
            "complex numbers are not supported in templates",
        ));
    }
    if i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
        return Err(bad());
    }
    let text: String = src[start..i].chars().filter(|c| *c != '_').collect();
    if is_float {
        toks.push(Tok::Float(text.parse().map_err(|_| bad())?));
    } else {
        if text.len() > 1 && text.starts_with('0') && text.bytes().any(|c| c != b'0') {
            return Err(Error::syntax(
                "leading zeros in decimal integer literals are not permitted",
            ));
        }
        match text.parse::<i64>() {
            Ok(v) => toks.push(Tok::Int(v)),
            Err(_) => {
                let big = crate::value::BigInt::parse_decimal(&text).ok_or_else(bad)?;
                toks.push(Tok::BigInt(big));
            }
        }
    }
    Ok(i)
}

fn string(src: &str, start: usize, prefix: &str, toks: &mut Vec<Tok>) -> Result<usize, Error> {
    let raw = prefix.contains('r');
    let bytes = prefix.contains('b');
    let b = src.as_bytes();
    let q = b[start];
    let triple = b.len() >= start + 3 && b[start + 1] == q && b[start + 2] == q;
    let mut i = start + if triple { 3 } else { 1 };
    let mut out = String::new();
    let unterminated = || Error::syntax("unterminated string literal");
    loop {
        if i >= b.len() {
            return Err(unterminated());
        }
        let c = b[i];
        if c == q && (!triple || (b.len() >= i + 3 && b[i + 1] == q && b[i + 2] == q)) {
            i += if triple { 3 } else { 1 };
            break;
        }
        if (c == b'\n' || c == b'\r') && !triple {
            return Err(unterminated());
        }
        if c == b'\\' {
            let Some(&n) = b.get(i + 1) else {
                return Err(unterminated());
            };
            if raw {
                out.push('\\');
                let ch = src[i + 1..].chars().next().unwrap_or('\\');
                out.push(ch);
                i += 1 + ch.len_utf8();
                continue;
            }
            i += 2;
            match n {
                b'\n' => {}
                b'\\' => out.push('\\'),
                b'\'' => out.push('\''),
                b'"' => out.push('"'),
                b'n' => out.push('\n'),
                b't' => out.push('\t'),
                b'r' => out.push('\r'),
                b'a' => out.push('\x07'),
                b'b' => out.push('\x08'),
                b'f' => out.push('\x0c'),
                b'v' => out.push('\x0b'),
                b'0'..=b'7' => {
                    let mut v = (n - b'0') as u32;
                    let mut k = 0;
                    while k < 2 && matches!(b.get(i), Some(b'0'..=b'7')) {
                        v = v * 8 + (b[i] - b'0') as u32;
                        i += 1;
                        k += 1;
                    }
                    push_code(&mut out, v, bytes)?;
                }
                b'x' | b'u' | b'U' if !(bytes && n != b'x') => {
                    let len = match n {
                        b'x' => 2,
                        b'u' => 4,
                        _ => 8,
                    };
                    let hex = src
                        .get(i..i + len)
                        .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
                    let Some(hex) = hex else {
                        return Err(Error::syntax("(unicode error) truncated escape"));
                    };
                    let v = u32::from_str_radix(hex, 16).map_err(|_| unterminated())?;
                    i += len;
                    push_code(&mut out, v, bytes)?;
                }
                b'N' if !bytes => {
                    return Err(Error::syntax(
                        "\\N{...} escapes are not supported in templates",
                    ));
                }
                _ => {
                    out.push('\\');
                    i -= 1;
                    let ch = src[i..].chars().next().unwrap_or('\\');
                    out.push(ch);
                    i += ch.len_utf8();
                }
            }
            continue;
        }
        let ch = src[i..].chars().next().unwrap_or('\0');
        if bytes && !ch.is_ascii() {
            return Err(Error::syntax(
                "bytes can only contain ASCII literal characters",
            ));
        }
        out.push(ch);
        i += ch.len_utf8();
    }
    // Adjacent literals concatenate.
    match (toks.last_mut(), bytes) {
        (Some(Tok::Str(prev)), false) => prev.push_str(&out),
        (Some(Tok::Bytes(prev)), true) => prev.extend(out.chars().map(|c| c as u32 as u8)),
        (Some(Tok::Str(_)), true) | (Some(Tok::Bytes(_)), false) => {
            return Err(Error::syntax("cannot mix bytes and nonbytes literals"));
        }
        _ => toks.push(if bytes {
            Tok::Bytes(out.chars().map(|c| c as u32 as u8).collect())
        } else {
            Tok::Str(out)
        }),
    }
    Ok(i)
}

fn push_code(out: &mut String, v: u32, bytes: bool) -> Result<(), Error> {
    if bytes && v > 0xff {
        return Err(Error::value_error("bytes escape out of range"));
    }
    match char::from_u32(v) {
        Some(c) => {
            out.push(c);
            Ok(())
        }
        None => Err(Error::syntax("(unicode error) illegal Unicode character")),
    }
}
