//! Compiled gettext catalogues (`.mo` files) and lookups with Python's
//! `gettext.GNUTranslations` rules.

use std::collections::HashMap;

use crate::LocaleError;
use crate::plural::{self, PluralRule};

/// Gettext's separator between a message context and its message.
pub const CONTEXT_SEPARATOR: char = '\x04';

const LE_MAGIC: u32 = 0x9504_12de;

/// Limits applied while reading a `.mo` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[doc(alias = "c2py")]
pub struct MoLimits {
    /// The longest `plural=` expression, in characters. Python's `gettext`
    /// refuses more than 1,000; a longer one makes the file unusable.
    pub max_plural_len: usize,
    /// The deepest nesting of parentheses, `!` and `?:` in the `plural=`
    /// expression. Python's `gettext` refuses more than 20 levels; the bound
    /// keeps a hostile file from exhausting the stack.
    pub max_plural_depth: usize,
}

impl Default for MoLimits {
    fn default() -> Self {
        Self {
            max_plural_len: plural::DEFAULT_MAX_LEN,
            max_plural_depth: plural::DEFAULT_MAX_DEPTH,
        }
    }
}

/// The messages of one compiled gettext catalogue, with its plural rule
/// and the catalogue to ask when a message is missing (the language-only
/// catalogue `fr` behind `fr_FR`, as Python's `gettext.translation` chains
/// them).
///
/// Mirrors the `GNUTranslations` object behind Tornado's `GettextLocale`.
#[derive(Debug, Clone, Default)]
#[doc(alias = "GettextLocale")]
#[doc(alias = "GNUTranslations")]
pub struct GettextTranslations {
    singular: HashMap<String, String>,
    plural: HashMap<String, Vec<String>>,
    rule: PluralRule,
    fallback: Option<Box<GettextTranslations>>,
}

/// The supported `charset=` values of a catalogue's `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    Ascii,
    Utf8,
    Latin1,
}

impl Charset {
    fn from_name(name: &str) -> Result<Self, LocaleError> {
        let lower = name.trim().to_ascii_lowercase().replace('_', "-");
        match lower.as_str() {
            "ascii" | "us-ascii" | "646" => Ok(Self::Ascii),
            "utf-8" | "utf8" => Ok(Self::Utf8),
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "l1" => Ok(Self::Latin1),
            _ => Err(LocaleError::Mo("unsupported charset")),
        }
    }

    fn decode(self, bytes: &[u8]) -> Result<String, LocaleError> {
        match self {
            Self::Ascii if bytes.is_ascii() => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
            Self::Ascii => Err(LocaleError::Mo("message is not ascii")),
            Self::Utf8 => String::from_utf8(bytes.to_vec())
                .map_err(|_| LocaleError::Mo("message is not valid utf-8")),
            Self::Latin1 => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
        }
    }
}

fn read_u32(buf: &[u8], at: usize, big_endian: bool) -> Result<u32, LocaleError> {
    let bytes: [u8; 4] = at
        .checked_add(4)
        .and_then(|end| buf.get(at..end))
        .and_then(|s| s.try_into().ok())
        .ok_or(LocaleError::Mo("file is truncated"))?;
    Ok(if big_endian {
        u32::from_be_bytes(bytes)
    } else {
        u32::from_le_bytes(bytes)
    })
}

/// `(length, offset)` at `at`, checked to lie strictly inside the buffer
/// (the string is followed by its NUL terminator).
fn read_span(buf: &[u8], at: usize, big_endian: bool) -> Result<&[u8], LocaleError> {
    let len = read_u32(buf, at, big_endian)? as usize;
    let off = read_u32(buf, at + 4, big_endian)? as usize;
    match off.checked_add(len) {
        Some(end) if end < buf.len() => Ok(&buf[off..end]),
        _ => Err(LocaleError::Mo("file is corrupt")),
    }
}

impl GettextTranslations {
    /// Reads a compiled catalogue. Both byte orders are accepted; major
    /// revisions 0 and 1. The header entry (the empty message id) gives
    /// the charset and the `Plural-Forms` rule; plural entries
    /// (`msgid\0msgid_plural`) and contexts (`context\x04msgid`) are kept
    /// as gettext stores them. Truncated or corrupt input is an error.
    pub fn parse(buf: &[u8], limits: &MoLimits) -> Result<Self, LocaleError> {
        let magic = read_u32(buf, 0, false)?;
        let big_endian = match magic {
            LE_MAGIC => false,
            m if m.swap_bytes() == LE_MAGIC => true,
            _ => return Err(LocaleError::Mo("bad magic number")),
        };
        let version = read_u32(buf, 4, big_endian)?;
        if version >> 16 > 1 {
            return Err(LocaleError::Mo("bad version number"));
        }
        let count = read_u32(buf, 8, big_endian)? as usize;
        let ids = read_u32(buf, 12, big_endian)? as usize;
        let strs = read_u32(buf, 16, big_endian)? as usize;

        let mut out = Self::default();
        let mut charset = None;
        for i in 0..count {
            let step = i.checked_mul(8).ok_or(LocaleError::Mo("file is corrupt"))?;
            let id_at = ids
                .checked_add(step)
                .ok_or(LocaleError::Mo("file is corrupt"))?;
            let str_at = strs
                .checked_add(step)
                .ok_or(LocaleError::Mo("file is corrupt"))?;
            let id = read_span(buf, id_at, big_endian)?;
            let text = read_span(buf, str_at, big_endian)?;
            if id.is_empty() {
                out.read_header(text, &mut charset, limits)?;
            }
            let cs = charset.unwrap_or(Charset::Ascii);
            if let Some(nul) = id.iter().position(|&b| b == 0) {
                let (one, other) = (&id[..nul], &id[nul + 1..]);
                if other.contains(&0) {
                    return Err(LocaleError::Mo("plural message id has more than two parts"));
                }
                cs.decode(other)?;
                let forms = out.plural.entry(cs.decode(one)?).or_default();
                for (index, form) in text.split(|&b| b == 0).enumerate() {
                    let form = cs.decode(form)?;
                    if index < forms.len() {
                        forms[index] = form;
                    } else {
                        forms.push(form);
                    }
                }
            } else {
                out.singular.insert(cs.decode(id)?, cs.decode(text)?);
            }
        }
        Ok(out)
    }

    /// The header: `Key: value` lines; we need `Content-Type`'s charset
    /// and `Plural-Forms`' `plural=` expression.
    fn read_header(
        &mut self,
        text: &[u8],
        charset: &mut Option<Charset>,
        limits: &MoLimits,
    ) -> Result<(), LocaleError> {
        let text =
            std::str::from_utf8(text).map_err(|_| LocaleError::Mo("header is not valid utf-8"))?;
        for line in text.split('\n') {
            let item = line.trim();
            let Some((key, value)) = item.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key.trim().to_ascii_lowercase().as_str() {
                "content-type" => {
                    let (_, name) = value
                        .split_once("charset=")
                        .ok_or(LocaleError::Mo("content-type without charset"))?;
                    let name = name.split("charset=").next().unwrap_or(name);
                    *charset = Some(Charset::from_name(name)?);
                }
                "plural-forms" => {
                    let expr = value
                        .split(';')
                        .nth(1)
                        .and_then(|part| part.split("plural=").nth(1))
                        .ok_or(LocaleError::Mo("plural-forms without plural="))?;
                    self.rule =
                        PluralRule::parse(expr, limits.max_plural_len, limits.max_plural_depth)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Sets the catalogue consulted for messages this one lacks.
    pub fn set_fallback(&mut self, fallback: GettextTranslations) {
        match &mut self.fallback {
            Some(existing) => existing.set_fallback(fallback),
            None => self.fallback = Some(Box::new(fallback)),
        }
    }

    /// The number of entries (singular and plural).
    pub fn len(&self) -> usize {
        self.singular.len() + self.plural.len()
    }

    /// True when the catalogue holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `gettext(message)`: the entry, else the plural entry's form for 1,
    /// else the fallback, else the message itself.
    pub(crate) fn gettext<'a>(&'a self, message: &'a str) -> &'a str {
        self.lookup(message).unwrap_or(message)
    }

    /// The translation of `message` in this catalogue or its fallbacks.
    pub(crate) fn lookup(&self, message: &str) -> Option<&str> {
        self.singular
            .get(message)
            .map(String::as_str)
            .or_else(|| self.plural_form(message, 1))
            .or_else(|| self.fallback.as_ref()?.lookup(message))
    }

    /// `ngettext(message, plural, n)`: the plural entry's form for `n`, else
    /// the fallback, else `message` when `n == 1` and `plural` otherwise.
    pub(crate) fn ngettext<'a>(&'a self, message: &'a str, plural: &'a str, n: i64) -> &'a str {
        match self.lookup_plural(message, n) {
            Some(t) => t,
            None if n == 1 => message,
            None => plural,
        }
    }

    /// The form for `n` of the plural entry `message`, here or in a fallback.
    pub(crate) fn lookup_plural(&self, message: &str, n: i64) -> Option<&str> {
        self.plural_form(message, n)
            .or_else(|| self.fallback.as_ref()?.lookup_plural(message, n))
    }

    fn plural_form(&self, message: &str, n: i64) -> Option<&str> {
        let forms = self.plural.get(message)?;
        forms.get(self.rule.index(n)?).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a little-endian or big-endian `.mo` image from entries.
    pub(crate) fn build(entries: &[(&[u8], &[u8])], big_endian: bool) -> Vec<u8> {
        let n = entries.len() as u32;
        let put = |v: u32, out: &mut Vec<u8>| {
            out.extend_from_slice(&if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            })
        };
        let mut out = Vec::new();
        put(LE_MAGIC, &mut out);
        put(0, &mut out);
        put(n, &mut out);
        put(28, &mut out);
        put(28 + 8 * n, &mut out);
        put(0, &mut out);
        put(0, &mut out);
        let mut data = Vec::new();
        let base = 28 + 16 * n;
        let mut tables = (Vec::new(), Vec::new());
        for (id, text) in entries {
            tables.0.push((id.len() as u32, base + data.len() as u32));
            data.extend_from_slice(id);
            data.push(0);
            tables.1.push((text.len() as u32, base + data.len() as u32));
            data.extend_from_slice(text);
            data.push(0);
        }
        for (len, off) in tables.0.iter().chain(tables.1.iter()) {
            put(*len, &mut out);
            put(*off, &mut out);
        }
        out.extend_from_slice(&data);
        out
    }

    const HEADER: &[u8] =
        b"Content-Type: text/plain; charset=utf-8\nPlural-Forms: nplurals=2; plural=(n > 1);\n";

    #[test]
    fn both_byte_orders() {
        for be in [false, true] {
            let mo = build(
                &[
                    (b"", HEADER),
                    (b"school", "école".as_bytes()),
                    (b"club\0clubs", b"le club\0les clubs"),
                ],
                be,
            );
            let t = GettextTranslations::parse(&mo, &MoLimits::default()).unwrap();
            assert_eq!(t.gettext("school"), "école");
            assert_eq!(t.ngettext("club", "clubs", 0), "le club");
            assert_eq!(t.ngettext("club", "clubs", 2), "les clubs");
            assert_eq!(t.gettext("club"), "le club");
            assert_eq!(t.ngettext("x", "xs", 0), "xs");
        }
    }

    #[test]
    fn corrupt_files_are_errors() {
        let good = build(&[(b"", HEADER), (b"a", b"b")], false);
        for cut in 0..good.len() {
            assert!(
                GettextTranslations::parse(&good[..cut], &MoLimits::default()).is_err(),
                "{cut}"
            );
        }
        let mut bad_magic = good.clone();
        bad_magic[0] = 0;
        assert!(GettextTranslations::parse(&bad_magic, &MoLimits::default()).is_err());
        let mut bad_version = good.clone();
        bad_version[6] = 2;
        assert!(GettextTranslations::parse(&bad_version, &MoLimits::default()).is_err());
        let mut huge_count = good;
        huge_count[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(GettextTranslations::parse(&huge_count, &MoLimits::default()).is_err());
    }

    #[test]
    fn charset_and_plural_header_errors() {
        let latin = build(
            &[
                (b"", b"Content-Type: text/plain; charset=ISO-8859-1\n"),
                (b"e", b"\xe9"),
            ],
            false,
        );
        assert_eq!(
            GettextTranslations::parse(&latin, &MoLimits::default())
                .unwrap()
                .gettext("e"),
            "é"
        );
        let ascii_only = build(&[(b"e", b"\xe9")], false);
        assert!(GettextTranslations::parse(&ascii_only, &MoLimits::default()).is_err());
        let bad_plural = build(&[(b"", b"Plural-Forms: nplurals=2; plural=n >;\n")], false);
        assert!(GettextTranslations::parse(&bad_plural, &MoLimits::default()).is_err());
        let unknown = build(
            &[(b"", b"Content-Type: text/plain; charset=koi8-r\n")],
            false,
        );
        assert!(GettextTranslations::parse(&unknown, &MoLimits::default()).is_err());
    }
}
