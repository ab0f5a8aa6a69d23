//! JSON in Python's `json.dumps` format, and decoding with `json.loads`'s
//! input rules.

use std::io;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::ser::{CharEscape, Formatter};

use crate::error::EscapeError;

/// Formats a float as Python's `repr(float)` does: the shortest digits that
/// round-trip, fixed notation for exponents from -4 up to 15, otherwise
/// `1e+16` / `1.5e-07` style, and `inf`, `-inf`, `nan`.
///
/// This is also Python's `str(float)`, which templates print.
///
/// ```
/// use tornado_escape::float_repr;
/// assert_eq!(float_repr(1.0), "1.0");
/// assert_eq!(float_repr(1e16), "1e+16");
/// assert_eq!(float_repr(1e-7), "1e-07");
/// assert_eq!(float_repr(0.1 + 0.2), "0.30000000000000004");
/// ```
#[doc(alias = "repr")]
pub fn float_repr(value: f64) -> String {
    let mut out = String::new();
    push_float_repr(value, &mut out);
    out
}

/// Appends [`float_repr`] of `value` to `out`.
pub fn push_float_repr(value: f64, out: &mut String) {
    if value.is_nan() {
        out.push_str("nan");
        return;
    }
    if value.is_sign_negative() {
        out.push('-');
    }
    let magnitude = value.abs();
    if magnitude.is_infinite() {
        out.push_str("inf");
        return;
    }
    if magnitude == 0.0 {
        out.push_str("0.0");
        return;
    }
    // `{:e}` gives the shortest round-trip digits as `d[.ddd]e<exp>`.
    let sci = format!("{magnitude:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let point = exponent + 1; // position of the decimal point within `digits`
    let count = digits.len() as i32;
    if !(-4 < point && point <= 16) {
        out.push_str(&digits[..1]);
        if count > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        out.push_str(&format!("e{sign}{:02}", exponent.abs()));
    } else if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-point) as usize));
        out.push_str(&digits);
    } else if point >= count {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (point - count) as usize));
        out.push_str(".0");
    } else {
        out.push_str(&digits[..point as usize]);
        out.push('.');
        out.push_str(&digits[point as usize..]);
    }
}

/// A serde_json formatter producing Python's `json.dumps` defaults
/// (`", "` / `": "` separators, ASCII-only output, Python float repr) plus
/// Tornado's `</` → `<\/` escaping.
#[derive(Debug, Default)]
struct PythonFormatter;

fn write_u_escape<W: ?Sized + io::Write>(writer: &mut W, unit: u16) -> io::Result<()> {
    write!(writer, "\\u{unit:04x}")
}

impl Formatter for PythonFormatter {
    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        // serde_json turns NaN and infinities into `null` before calling us;
        // Python would write `NaN` / `Infinity` (not valid JSON).
        let mut text = String::new();
        push_float_repr(value, &mut text);
        writer.write_all(text.as_bytes())
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        // Python has no f32: print the f64 nearest to the f32's own shortest
        // decimal form, so `0.1f32` prints as `0.1`.
        let widened: f64 = value.to_string().parse().unwrap_or(f64::from(value));
        self.write_f64(writer, widened)
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let bytes = fragment.as_bytes();
        if bytes.iter().all(|&b| b < 0x7F) && memchr::memmem::find(bytes, b"</").is_none() {
            return writer.write_all(bytes);
        }
        let mut start = 0;
        let mut prev = 0u8;
        for (i, c) in fragment.char_indices() {
            let code = u32::from(c);
            let special = code >= 0x7F || (c == '/' && prev == b'<');
            prev = if c.is_ascii() { code as u8 } else { 0 };
            if !special {
                continue;
            }
            writer.write_all(&bytes[start..i])?;
            start = i + c.len_utf8();
            if c == '/' {
                writer.write_all(b"\\/")?;
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write_u_escape(writer, *unit)?;
                }
            }
        }
        writer.write_all(&bytes[start..])
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        char_escape: CharEscape,
    ) -> io::Result<()> {
        let text: &[u8] = match char_escape {
            CharEscape::Quote => b"\\\"",
            CharEscape::ReverseSolidus => b"\\\\",
            CharEscape::Solidus => b"\\/",
            CharEscape::Backspace => b"\\b",
            CharEscape::FormFeed => b"\\f",
            CharEscape::LineFeed => b"\\n",
            CharEscape::CarriageReturn => b"\\r",
            CharEscape::Tab => b"\\t",
            CharEscape::AsciiControl(byte) => return write_u_escape(writer, u16::from(byte)),
        };
        writer.write_all(text)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }
}

/// Serializes `value` as JSON in Python's `json.dumps` format, with `</`
/// written as `<\/` so the output can sit inside an HTML `<script>`.
///
/// Counterpart of Tornado's `tornado.escape.json_encode`. Output details:
/// separators `", "` and `": "`; everything outside printable ASCII
/// (including DEL, U+2028 and U+2029) as `\uXXXX`, astral characters as
/// surrogate pairs; floats as Python's `repr` (`1.0`, `1e+16`, `1e-07`);
/// map keys in the value's own order.
///
/// A value that serde cannot represent as JSON (a map with non-scalar keys,
/// or a `Serialize` impl that fails) is written as `null`; use
/// [`try_json_encode`] to get the error instead. NaN and infinities are
/// written as `null` (Python writes the invalid tokens `NaN`/`Infinity`).
///
/// ```
/// use serde_json::json;
/// let out = tornado_escape::json_encode(&json!({"x": "é</", "f": 1.0, "l": [1, 2]}));
/// assert_eq!(out, r#"{"x": "\u00e9<\/", "f": 1.0, "l": [1, 2]}"#);
/// ```
pub fn json_encode<T: Serialize + ?Sized>(value: &T) -> String {
    try_json_encode(value).unwrap_or_else(|_| String::from("null"))
}

/// [`json_encode`], reporting values that cannot be serialized.
///
/// ```
/// use std::collections::BTreeMap;
/// let mut bad = BTreeMap::new();
/// bad.insert(vec![1], 2);
/// assert!(tornado_escape::try_json_encode(&bad).is_err());
/// ```
#[doc(alias = "json_encode")]
pub fn try_json_encode<T: Serialize + ?Sized>(value: &T) -> Result<String, EscapeError> {
    let mut out = Vec::with_capacity(128);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    value
        .serialize(&mut serializer)
        .map_err(|_| EscapeError::JsonSerialize)?;
    // The formatter writes ASCII only.
    String::from_utf8(out).map_err(|_| EscapeError::JsonSerialize)
}

fn json_error(error: &serde_json::Error) -> EscapeError {
    EscapeError::Json {
        line: error.line(),
        column: error.column(),
    }
}

/// Parses JSON text into a [`serde_json::Value`] (objects keep key order).
///
/// Counterpart of Tornado's `tornado.escape.json_decode` for `str` input
/// (Python's `json.loads`): a leading U+FEFF is an error, duplicate keys keep
/// the last value, `1e2` is a float.
///
/// ```
/// let v = tornado_escape::json_decode(r#"{"a": [1, 2.5, null]}"#).unwrap();
/// assert_eq!(v["a"][1], 2.5);
/// assert!(tornado_escape::json_decode("'a'").is_err());
/// ```
pub fn json_decode(value: &str) -> Result<serde_json::Value, EscapeError> {
    json_decode_as(value)
}

/// Parses JSON text into any deserializable type.
///
/// ```
/// let v: Vec<u8> = tornado_escape::json_decode_as("[1, 2]").unwrap();
/// assert_eq!(v, [1, 2]);
/// ```
#[doc(alias = "json_decode")]
pub fn json_decode_as<T: DeserializeOwned>(value: &str) -> Result<T, EscapeError> {
    if value.starts_with('\u{FEFF}') {
        return Err(EscapeError::Json { line: 1, column: 1 });
    }
    serde_json::from_str(value).map_err(|e| json_error(&e))
}

/// Parses JSON bytes, detecting UTF-8 (with or without a BOM), UTF-16 and
/// UTF-32 as Python's `json.loads(bytes)` does.
///
/// Counterpart of Tornado's `tornado.escape.json_decode` for `bytes` input.
///
/// ```
/// let utf16 = b"\xff\xfe\"\x00a\x00\"\x00";
/// assert_eq!(tornado_escape::json_decode_bytes(utf16).unwrap(), "a");
/// ```
#[doc(alias = "json_decode")]
pub fn json_decode_bytes(value: &[u8]) -> Result<serde_json::Value, EscapeError> {
    let text = decode_json_bytes(value)?;
    serde_json::from_str(&text).map_err(|e| json_error(&e))
}

/// Python's `json.detect_encoding` followed by the decode.
fn decode_json_bytes(b: &[u8]) -> Result<String, EscapeError> {
    #[derive(Clone, Copy)]
    enum Enc {
        Utf8,
        Utf16(bool),
        Utf32(bool),
    }
    let (enc, skip) = if b.starts_with(b"\x00\x00\xfe\xff") {
        (Enc::Utf32(true), 4)
    } else if b.starts_with(b"\xff\xfe\x00\x00") {
        (Enc::Utf32(false), 4)
    } else if b.starts_with(b"\xfe\xff") {
        (Enc::Utf16(true), 2)
    } else if b.starts_with(b"\xff\xfe") {
        (Enc::Utf16(false), 2)
    } else if b.starts_with(b"\xef\xbb\xbf") {
        (Enc::Utf8, 3)
    } else if b.len() >= 4 && b[0] == 0 {
        (
            if b[1] != 0 {
                Enc::Utf16(true)
            } else {
                Enc::Utf32(true)
            },
            0,
        )
    } else if b.len() >= 4 && b[1] == 0 {
        (
            if b[2] != 0 || b[3] != 0 {
                Enc::Utf16(false)
            } else {
                Enc::Utf32(false)
            },
            0,
        )
    } else if b.len() == 2 && b[0] == 0 {
        (Enc::Utf16(true), 0)
    } else if b.len() == 2 && b[1] == 0 {
        (Enc::Utf16(false), 0)
    } else {
        (Enc::Utf8, 0)
    };
    let body = &b[skip..];
    let bad = |valid_up_to| EscapeError::InvalidUtf8 { valid_up_to };
    match enc {
        Enc::Utf8 => std::str::from_utf8(body)
            .map(str::to_owned)
            .map_err(|e| bad(skip + e.valid_up_to())),
        Enc::Utf16(big) => {
            if body.len() % 2 != 0 {
                return Err(bad(skip + body.len() - 1));
            }
            let units = body.chunks_exact(2).map(|p| {
                if big {
                    u16::from_be_bytes([p[0], p[1]])
                } else {
                    u16::from_le_bytes([p[0], p[1]])
                }
            });
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .map_err(|_| bad(skip))
        }
        Enc::Utf32(big) => {
            if body.len() % 4 != 0 {
                return Err(bad(skip + body.len() - body.len() % 4));
            }
            body.chunks_exact(4)
                .enumerate()
                .map(|(i, p)| {
                    let word = [p[0], p[1], p[2], p[3]];
                    let code = if big {
                        u32::from_be_bytes(word)
                    } else {
                        u32::from_le_bytes(word)
                    };
                    char::from_u32(code).ok_or(bad(skip + 4 * i))
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (0.1, "0.1"),
            (-0.0, "-0.0"),
            (1e-5, "1e-05"),
            (1e-4, "0.0001"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (1234567890123456.0, "1234567890123456.0"),
            (1e22, "1e+22"),
            (1.5e300, "1.5e+300"),
            (5e-324, "5e-324"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (2.5, "2.5"),
            (100.0, "100.0"),
        ];
        for (value, expected) in cases {
            assert_eq!(float_repr(value), expected, "{value:e}");
        }
        assert_eq!(float_repr(f64::NAN), "nan");
    }

    #[test]
    fn utf32_is_detected() {
        let text = b"\"\x00\x00\x00a\x00\x00\x00\"\x00\x00\x00";
        assert_eq!(json_decode_bytes(text).unwrap(), "a");
    }
}
