//! Tornado's CSV translation format: decoding, the CSV reader (Python's
//! `csv` module in its default "excel" dialect) and the three tables.

use std::collections::HashMap;

use crate::LocaleError;

/// The encoding of a CSV translations file (the `encoding` argument of
/// Tornado's `load_translations`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[doc(alias = "encoding")]
pub enum CsvEncoding {
    /// UTF-8 with an optional byte-order mark (Python's `utf-8-sig`); the
    /// default when the file has no UTF-16 byte-order mark.
    Utf8,
    /// UTF-16 with a byte-order mark; little-endian when there is none.
    Utf16,
    /// UTF-16, little-endian, no byte-order mark expected.
    Utf16Le,
    /// UTF-16, big-endian, no byte-order mark expected.
    Utf16Be,
    /// ISO-8859-1: every byte is one character.
    Latin1,
}

impl CsvEncoding {
    /// Tornado's detection: a UTF-16 byte-order mark means UTF-16, anything
    /// else UTF-8 (with an optional UTF-8 byte-order mark).
    pub fn detect(bytes: &[u8]) -> Self {
        if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            Self::Utf16
        } else {
            Self::Utf8
        }
    }

    /// The name used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "utf-8",
            Self::Utf16 => "utf-16",
            Self::Utf16Le => "utf-16-le",
            Self::Utf16Be => "utf-16-be",
            Self::Latin1 => "latin-1",
        }
    }

    /// Decodes `bytes`, or returns `None` when they are not valid in this
    /// encoding. A leading byte-order mark is removed.
    pub fn decode(self, bytes: &[u8]) -> Option<String> {
        match self {
            Self::Utf8 => {
                let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
                String::from_utf8(body.to_vec()).ok()
            }
            Self::Utf16 => match bytes {
                [0xFE, 0xFF, rest @ ..] => decode_utf16(rest, u16::from_be_bytes),
                [0xFF, 0xFE, rest @ ..] => decode_utf16(rest, u16::from_le_bytes),
                _ => decode_utf16(bytes, u16::from_le_bytes),
            },
            Self::Utf16Le => decode_utf16(bytes, u16::from_le_bytes),
            Self::Utf16Be => decode_utf16(bytes, u16::from_be_bytes),
            Self::Latin1 => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        }
    }
}

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Option<String> {
    if bytes.len() % 2 != 0 {
        return None;
    }
    let units = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .ok()
}

/// Reads CSV text into rows as Python's `csv.reader` does with the default
/// "excel" dialect on a file opened in text mode: line endings are first
/// made `\n`, a quoted field may span lines and contain `""` for a quote,
/// characters after a closing quote are kept, and an empty line is an
/// empty row. `max_field` is Python's `csv.field_size_limit()` (131,072).
pub(crate) fn read_rows(text: &str, max_field: usize) -> Result<Vec<Vec<String>>, LocaleError> {
    #[derive(PartialEq, Eq, Clone, Copy)]
    enum State {
        StartRecord,
        StartField,
        InField,
        InQuoted,
        QuoteInQuoted,
    }
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut field_len = 0usize;
    let mut state = State::StartRecord;
    let too_long = || LocaleError::FieldTooLong { limit: max_field };

    for line in normalized.split_inclusive('\n') {
        // Every character of the line, then the end-of-line marker (None).
        for c in line.chars().map(Some).chain(std::iter::once(None)) {
            let mut save = false;
            let mut add = None;
            match (state, c) {
                // An empty line: the record ends with no field at all.
                (State::StartRecord, None | Some('\n')) => {}
                (State::StartField, Some('\n') | None) => {
                    save = true;
                    state = State::StartRecord;
                }
                (State::StartRecord | State::StartField, Some('"')) => state = State::InQuoted,
                (State::StartRecord | State::StartField, Some(',')) => {
                    save = true;
                    state = State::StartField;
                }
                (State::StartRecord | State::StartField, Some(ch)) => {
                    add = Some(ch);
                    state = State::InField;
                }
                (State::InField, Some('\n') | None) => {
                    save = true;
                    state = State::StartRecord;
                }
                (State::InField, Some(',')) => {
                    save = true;
                    state = State::StartField;
                }
                (State::InField, Some(ch)) => add = Some(ch),
                (State::InQuoted, None) => {}
                (State::InQuoted, Some('"')) => state = State::QuoteInQuoted,
                (State::InQuoted, Some(ch)) => add = Some(ch),
                (State::QuoteInQuoted, Some('"')) => {
                    add = Some('"');
                    state = State::InQuoted;
                }
                (State::QuoteInQuoted, Some(',')) => {
                    save = true;
                    state = State::StartField;
                }
                (State::QuoteInQuoted, Some('\n') | None) => {
                    save = true;
                    state = State::StartRecord;
                }
                (State::QuoteInQuoted, Some(ch)) => {
                    add = Some(ch);
                    state = State::InField;
                }
            }
            if let Some(ch) = add {
                if field_len >= max_field {
                    return Err(too_long());
                }
                field.push(ch);
                field_len += 1;
            }
            if save {
                row.push(std::mem::take(&mut field));
                field_len = 0;
            }
        }
        // A `\n` already moved the state on; the record ends at the marker.
        if state == State::StartRecord {
            rows.push(std::mem::take(&mut row));
        }
    }
    if state == State::InQuoted || field_len != 0 {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

/// Python's `str.strip()`: Unicode white space plus the four ASCII
/// separators U+001C to U+001F that Python also counts as space.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// The translations of one CSV file: three tables keyed by the English
/// message, as in Tornado's `CSVLocale`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[doc(alias = "CSVLocale")]
pub struct CsvTranslations {
    pub(crate) unknown: HashMap<String, String>,
    pub(crate) singular: HashMap<String, String>,
    pub(crate) plural: HashMap<String, String>,
}

impl CsvTranslations {
    /// Parses the text of one translations file.
    ///
    /// Each row is `english,translation[,plural indicator]`; cells are
    /// stripped; an empty or missing indicator means `unknown`; rows with
    /// fewer than two cells are skipped, and so are rows with another
    /// indicator (logged at ERROR on `tornado.general`, as Tornado does).
    /// `max_field` bounds every cell, in characters.
    pub fn parse(text: &str, max_field: usize) -> Result<Self, LocaleError> {
        let mut out = Self::default();
        for (i, row) in read_rows(text, max_field)?.iter().enumerate() {
            if row.len() < 2 {
                continue;
            }
            let english = py_strip(&row[0]);
            let translation = py_strip(&row[1]);
            let indicator = row.get(2).map(|c| py_strip(c)).filter(|c| !c.is_empty());
            let table = match indicator.unwrap_or("unknown") {
                "unknown" => &mut out.unknown,
                "singular" => &mut out.singular,
                "plural" => &mut out.plural,
                other => {
                    log::error!(
                        target: "tornado.general",
                        "Unrecognized plural indicator {other:?} in line {}",
                        i + 1
                    );
                    continue;
                }
            };
            table.insert(english.to_owned(), translation.to_owned());
        }
        Ok(out)
    }

    /// True when the file held no usable row.
    pub fn is_empty(&self) -> bool {
        self.unknown.is_empty() && self.singular.is_empty() && self.plural.is_empty()
    }

    pub(crate) fn translate<'a>(
        &'a self,
        message: &'a str,
        plural: Option<(&'a str, i64)>,
    ) -> &'a str {
        let (message, table) = match plural {
            Some((plural_message, count)) if count != 1 => (plural_message, &self.plural),
            Some(_) => (message, &self.singular),
            None => (message, &self.unknown),
        };
        table.get(message).map_or(message, String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(s: &str) -> Vec<Vec<String>> {
        read_rows(s, 131_072).unwrap()
    }

    #[test]
    fn reader_matches_python_csv() {
        assert_eq!(rows("\"abc"), [["abc"]]);
        assert_eq!(rows("a\"b\"c,d"), [["a\"b\"c", "d"]]);
        assert_eq!(rows("\"ab\"cd,e"), [["abcd", "e"]]);
        assert_eq!(
            rows("\"a\"\"b\",c\n\n,\nx"),
            vec![vec!["a\"b", "c"], vec![], vec!["", ""], vec!["x"]]
        );
        assert_eq!(rows("a,\"b\r\nc\""), [["a", "b\nc"]]);
        assert_eq!(rows(" \"a\",b"), [[" \"a\"", "b"]]);
        assert_eq!(rows("\"a\" ,b\r\n"), [["a ", "b"]]);
        assert!(rows("").is_empty());
    }

    #[test]
    fn field_limit() {
        assert!(read_rows(&"a".repeat(10), 10).is_ok());
        assert!(matches!(
            read_rows(&"a".repeat(11), 10),
            Err(LocaleError::FieldTooLong { limit: 10 })
        ));
    }

    #[test]
    fn encodings() {
        assert_eq!(CsvEncoding::detect(b"\xFF\xFEa\0"), CsvEncoding::Utf16);
        assert_eq!(CsvEncoding::Utf16.decode(b"\xFF\xFEa\0").unwrap(), "a");
        assert_eq!(CsvEncoding::Utf16.decode(b"\xFE\xFF\0a").unwrap(), "a");
        assert_eq!(CsvEncoding::Utf8.decode(b"\xEF\xBB\xBFa").unwrap(), "a");
        assert!(CsvEncoding::Utf8.decode(b"\xFF").is_none());
        assert!(CsvEncoding::Utf16Le.decode(b"a").is_none());
        assert_eq!(CsvEncoding::Latin1.decode(b"\xE9").unwrap(), "é");
    }
}
