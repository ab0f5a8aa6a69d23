//! HTML escaping and HTML5 character-reference unescaping.

use std::borrow::Cow;

use crate::entities::ENTITIES;

/// `true` for the five bytes that `xhtml_escape` rewrites.
const NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\'' as usize] = true;
    table
};

fn replacement(byte: u8) -> &'static str {
    match byte {
        b'&' => "&amp;",
        b'<' => "&lt;",
        b'>' => "&gt;",
        b'"' => "&quot;",
        _ => "&#x27;",
    }
}

/// Escapes `&`, `<`, `>`, `"` and `'` so that the text is safe inside HTML or
/// XML, both in element content and in quoted attribute values.
///
/// Counterpart of Tornado's `tornado.escape.xhtml_escape` (Python's
/// `html.escape`): `'` becomes `&#x27;`, `"` becomes `&quot;`.
///
/// ```
/// assert_eq!(tornado_escape::xhtml_escape("<a href='x'>"), "&lt;a href=&#x27;x&#x27;&gt;");
/// ```
pub fn xhtml_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + value.len() / 8);
    xhtml_escape_into(value, &mut out);
    out
}

/// Like [`xhtml_escape`], but borrows the input when nothing needs escaping.
///
/// ```
/// use std::borrow::Cow;
/// assert!(matches!(tornado_escape::xhtml_escape_cow("plain"), Cow::Borrowed("plain")));
/// ```
#[doc(alias = "xhtml_escape")]
pub fn xhtml_escape_cow(value: &str) -> Cow<'_, str> {
    let bytes = value.as_bytes();
    let special = memchr::memchr3(b'&', b'<', b'>', bytes).is_some()
        || memchr::memchr2(b'"', b'\'', bytes).is_some();
    if special {
        Cow::Owned(xhtml_escape(value))
    } else {
        Cow::Borrowed(value)
    }
}

/// Appends the escaped form of `value` to `out` (the template engine's fast
/// path: no intermediate allocation).
///
/// Same output as [`xhtml_escape`] (Tornado's `xhtml_escape`). Runs of bytes
/// without special characters are copied in bulk.
///
/// ```
/// let mut out = String::from("x=");
/// tornado_escape::xhtml_escape_into("a&b", &mut out);
/// assert_eq!(out, "x=a&amp;b");
/// ```
#[doc(alias = "xhtml_escape")]
pub fn xhtml_escape_into(value: &str, out: &mut String) {
    /// How far a byte-by-byte look goes before handing over to memchr.
    const LOCAL_WINDOW: usize = 16;
    let bytes = value.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        // Dense text: the next special byte is usually close, and a short
        // table scan beats starting two memchr searches. Sparse text: after
        // the window, memchr skips long clean runs quickly.
        let window_end = (start + LOCAL_WINDOW).min(bytes.len());
        let local = bytes[start..window_end]
            .iter()
            .position(|&b| NEEDS_ESCAPE[usize::from(b)])
            .map(|i| i + start);
        let at = match local {
            Some(at) => at,
            None => {
                let rest = &bytes[window_end..];
                let a = memchr::memchr3(b'&', b'<', b'>', rest);
                let b = memchr::memchr2(b'"', b'\'', rest);
                match a.into_iter().chain(b).min() {
                    Some(i) => window_end + i,
                    None => break,
                }
            }
        };
        // The special characters are ASCII, so `start..at` lies on
        // character boundaries.
        out.push_str(&value[start..at]);
        out.push_str(replacement(bytes[at]));
        start = at + 1;
    }
    out.push_str(&value[start..]);
}

/// Replaces HTML5 named and numeric character references with the characters
/// they stand for.
///
/// Counterpart of Tornado's `tornado.escape.xhtml_unescape` (Python's
/// `html.unescape`), following the HTML Standard's rules for both valid and
/// invalid references:
///
/// * all 2,231 named references; the legacy ones also without `;`
///   (`&copy 2024`), and the longest legacy prefix of an unknown name
///   (`&notit;` → `¬it;`);
/// * numeric references in decimal or hex (`&#65`, `&#x41;`), where 0x80–0x9F
///   map through windows-1252 (`&#x80;` → `€`), NUL, surrogates and values
///   beyond U+10FFFF become U+FFFD, and other non-characters vanish;
/// * anything that is not a reference is kept as is.
///
/// ```
/// use tornado_escape::xhtml_unescape;
/// assert_eq!(xhtml_unescape("&lt;p&gt; &amp;amp; &#x27;"), "<p> &amp; '");
/// assert_eq!(xhtml_unescape("&copy 2024 &#128512;"), "© 2024 😀");
/// ```
pub fn xhtml_unescape(value: &str) -> Cow<'_, str> {
    let Some(first) = memchr::memchr(b'&', value.as_bytes()) else {
        return Cow::Borrowed(value);
    };
    let mut out = String::with_capacity(value.len());
    out.push_str(&value[..first]);
    let mut pos = first;
    while pos < value.len() {
        // `pos` is at an `&`.
        let consumed = replace_reference(&value[pos + 1..], &mut out);
        pos += 1 + consumed;
        match memchr::memchr(b'&', &value.as_bytes()[pos..]) {
            Some(next) => {
                out.push_str(&value[pos..pos + next]);
                pos += next;
            }
            None => {
                out.push_str(&value[pos..]);
                break;
            }
        }
    }
    Cow::Owned(out)
}

/// Handles the text after one `&`: writes the replacement (or the literal
/// `&` and whatever was consumed) to `out` and returns how many bytes after
/// the `&` were consumed.
fn replace_reference(rest: &str, out: &mut String) -> usize {
    let bytes = rest.as_bytes();
    if bytes.first() == Some(&b'#') {
        return replace_numeric(bytes, out);
    }
    // A name is 1 to 32 characters that are not tab, LF, FF, space, `<`,
    // `&`, `#` or `;`, then an optional `;`.
    let mut end = 0;
    for (count, (i, c)) in rest.char_indices().enumerate() {
        if count == 32 || matches!(c, '\t' | '\n' | '\x0c' | ' ' | '<' | '&' | '#' | ';') {
            break;
        }
        end = i + c.len_utf8();
    }
    if end == 0 {
        out.push('&');
        return 0;
    }
    if bytes.get(end) == Some(&b';') {
        end += 1;
    }
    let name = &rest[..end];
    if let Some(value) = lookup_entity(name) {
        out.push_str(value);
        return end;
    }
    // The longest prefix (at least two characters, shorter than the whole)
    // that is a known name wins; only legacy names without `;` can match.
    let boundaries: Vec<usize> = name.char_indices().map(|(i, _)| i).skip(2).collect();
    for &cut in boundaries.iter().rev() {
        if let Some(value) = lookup_entity(&name[..cut]) {
            out.push_str(value);
            out.push_str(&name[cut..]);
            return end;
        }
    }
    out.push('&');
    out.push_str(name);
    end
}

fn lookup_entity(name: &str) -> Option<&'static str> {
    ENTITIES
        .binary_search_by(|(candidate, _)| candidate.as_bytes().cmp(name.as_bytes()))
        .ok()
        .map(|index| ENTITIES[index].1)
}

/// `bytes` starts with `#`.
fn replace_numeric(bytes: &[u8], out: &mut String) -> usize {
    let hex = matches!(bytes.get(1), Some(b'x' | b'X'));
    let digits_start = if hex { 2 } else { 1 };
    let radix: u32 = if hex { 16 } else { 10 };
    let mut value: u32 = 0;
    let mut end = digits_start;
    while let Some(digit) = bytes.get(end).and_then(|&b| char::from(b).to_digit(radix)) {
        // Saturate above the Unicode range: any such number means U+FFFD.
        value = value
            .saturating_mul(radix)
            .saturating_add(digit)
            .min(0x11_0000);
        end += 1;
    }
    if end == digits_start {
        out.push('&');
        return 0;
    }
    if bytes.get(end) == Some(&b';') {
        end += 1;
    }
    push_code_point(value, out);
    end
}

/// The HTML Standard's numeric character reference end state.
fn push_code_point(value: u32, out: &mut String) {
    if let Some(mapped) = windows_1252_override(value) {
        out.push(mapped);
        return;
    }
    if (0xD800..=0xDFFF).contains(&value) || value > 0x10_FFFF {
        out.push('\u{FFFD}');
        return;
    }
    if is_dropped_code_point(value) {
        return;
    }
    // Surrogates and out-of-range values were handled above.
    out.push(char::from_u32(value).unwrap_or('\u{FFFD}'));
}

/// Replacements for NUL, CR and the C1 range (read as windows-1252).
fn windows_1252_override(value: u32) -> Option<char> {
    const C1: [char; 32] = [
        '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}',
        '\u{8F}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}',
        '\u{2014}', '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}',
        '\u{178}',
    ];
    match value {
        0 => Some('\u{FFFD}'),
        0x0D => Some('\r'),
        0x80..=0x9F => Some(C1[(value - 0x80) as usize]),
        _ => None,
    }
}

/// Control characters and non-characters that a numeric reference drops.
fn is_dropped_code_point(value: u32) -> bool {
    matches!(value, 0x01..=0x08 | 0x0B | 0x0E..=0x1F | 0x7F..=0x9F | 0xFDD0..=0xFDEF)
        || (value & 0xFFFE) == 0xFFFE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_table_is_sorted_for_binary_search() {
        assert!(
            ENTITIES
                .windows(2)
                .all(|w| w[0].0.as_bytes() < w[1].0.as_bytes())
        );
        assert_eq!(ENTITIES.len(), 2231);
    }

    #[test]
    fn dropped_code_points() {
        assert_eq!(xhtml_unescape("a&#1;b&#xFFFE;c&#x10FFFF;d"), "abcd");
        assert_eq!(xhtml_unescape("&#13;"), "\r");
        assert_eq!(xhtml_unescape("&#0;"), "\u{FFFD}");
        assert_eq!(xhtml_unescape("&#x9F;"), "\u{178}");
    }

    #[test]
    fn long_names_stop_at_32_characters() {
        let name = "a".repeat(40);
        let text = format!("&{name};");
        assert_eq!(xhtml_unescape(&text), text);
    }

    #[test]
    fn escape_cow_borrows_clean_input() {
        assert!(matches!(xhtml_escape_cow("abc"), Cow::Borrowed(_)));
        assert_eq!(xhtml_escape_cow("a'b"), "a&#x27;b");
    }
}
