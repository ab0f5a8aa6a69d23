//! Tornado's log line format, and escaping that keeps terminals safe.

use std::borrow::Cow;
use std::fmt::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use log::Level;

/// Tornado's default colours (ANSI colour numbers): DEBUG blue (4), INFO
/// green (2), WARNING yellow (3), ERROR red (1). `log` has no CRITICAL
/// level (Tornado's is magenta, 5); TRACE uses DEBUG's colour.
pub const DEFAULT_COLORS: [(Level, u8); 5] = [
    (Level::Trace, 4),
    (Level::Debug, 4),
    (Level::Info, 2),
    (Level::Warn, 3),
    (Level::Error, 1),
];

/// Formats log records as Tornado does:
/// `[I 251124 16:00:00 module:42] message`, with the bracketed prefix in
/// the level's colour when colour is on, and continuation lines of a
/// multi-line message indented by four spaces.
///
/// Mirrors `tornado.log.LogFormatter`. Control characters in the message
/// (other than line breaks and tabs) are escaped, so that text from a
/// request cannot move the cursor or change colours on a terminal.
/// Timestamps are UTC unless [`LogFormatter::utc_offset`] says otherwise.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use tornado_log::LogFormatter;
///
/// let f = LogFormatter::new(false);
/// let record = log::Record::builder()
///     .level(log::Level::Info)
///     .file(Some("src/web.rs"))
///     .line(Some(42))
///     .args(format_args!("200 GET / (127.0.0.1) 0.52ms"))
///     .build();
/// let at = UNIX_EPOCH + Duration::from_secs(1_764_000_000);
/// assert_eq!(f.format(&record, at), "[I 251124 16:00:00 web:42] 200 GET / (127.0.0.1) 0.52ms");
/// ```
#[derive(Debug, Clone)]
pub struct LogFormatter {
    color: bool,
    colors: [(Level, u8); 5],
    utc_offset_secs: i64,
}

impl Default for LogFormatter {
    fn default() -> Self {
        Self::new(true)
    }
}

impl LogFormatter {
    /// A formatter; `color` turns on the level colours (the caller decides
    /// whether the output is a terminal, see [`stderr_supports_color`]).
    pub fn new(color: bool) -> Self {
        Self {
            color,
            colors: DEFAULT_COLORS,
            utc_offset_secs: 0,
        }
    }

    /// Sets the ANSI colour number of `level`.
    pub fn with_color(mut self, level: Level, code: u8) -> Self {
        for entry in &mut self.colors {
            if entry.0 == level {
                entry.1 = code;
            }
        }
        self
    }

    /// Shows times at this offset from UTC (in seconds east) instead of UTC.
    pub fn utc_offset(mut self, seconds_east: i64) -> Self {
        self.utc_offset_secs = seconds_east;
        self
    }

    /// True when colours are on.
    pub fn color(&self) -> bool {
        self.color
    }

    /// Formats `record` as logged at `time`.
    pub fn format(&self, record: &log::Record<'_>, time: SystemTime) -> String {
        let mut out = String::with_capacity(64);
        let code = self
            .colors
            .iter()
            .find(|(l, _)| *l == record.level())
            .map(|(_, c)| *c);
        if let (true, Some(code)) = (self.color, code) {
            let _ = write!(out, "\x1b[2;3{code}m");
        }
        let letter = match record.level() {
            Level::Error => 'E',
            Level::Warn => 'W',
            Level::Info => 'I',
            Level::Debug => 'D',
            Level::Trace => 'T',
        };
        out.push('[');
        out.push(letter);
        out.push(' ');
        write_time(&mut out, time, self.utc_offset_secs);
        out.push(' ');
        out.push_str(&escape_control(&module_of(record)));
        let _ = write!(out, ":{}]", record.line().unwrap_or(0));
        if self.color && code.is_some() {
            out.push_str("\x1b[0m");
        }
        out.push(' ');
        let message = record.args().to_string();
        let message = escape_control(&message);
        // Continuation lines are indented, as Tornado does for tracebacks.
        out.push_str(&message.replace('\n', "\n    "));
        out
    }
}

/// Python's `record.module`: the file name without its extension, else
/// the last part of the module path, else the target.
fn module_of(record: &log::Record<'_>) -> String {
    if let Some(file) = record.file() {
        let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
        let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
        if !stem.is_empty() {
            return stem.to_owned();
        }
    }
    if let Some(path) = record.module_path() {
        return path.rsplit("::").next().unwrap_or(path).to_owned();
    }
    record.target().to_owned()
}

/// `%y%m%d %H:%M:%S` of `time` shifted by `offset` seconds.
fn write_time(out: &mut String, time: SystemTime, offset: i64) {
    let secs = match time.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    };
    let c = civil(secs.saturating_add(offset));
    let _ = write!(
        out,
        "{:02}{:02}{:02} {:02}:{:02}:{:02}",
        c.year.rem_euclid(100),
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second
    );
}

/// Calendar fields of a Unix time (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub(crate) year: i64,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
    /// Monday = 0.
    pub(crate) weekday: u32,
}

/// The proleptic-Gregorian calendar date of a day count (days since
/// 1970-01-01), by the usual era/day-of-era arithmetic.
pub(crate) fn civil(secs: i64) -> Civil {
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    let (year, month, day) = tornado_util::civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: (rest / 3600) as u32,
        minute: (rest / 60 % 60) as u32,
        second: (rest % 60) as u32,
        weekday: tornado_util::weekday(days),
    }
}

/// Escapes control characters other than `\n` and `\t`: `\x1b` for C0
/// controls and DEL, `\u{…}`-style `\u009b` for C1 controls and other
/// format controls that reorder text (bidirectional overrides).
pub fn escape_control(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

/// Like [`escape_control`], but line breaks and tabs are escaped too: for
/// single-line fields from a request, so that they cannot forge a log line.
pub(crate) fn escape_all_control(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

fn escape(text: &str, keep_layout: bool) -> Cow<'_, str> {
    let needs = |c: char| {
        (c.is_control() && !(keep_layout && (c == '\n' || c == '\t'))) || is_bidi_control(c)
    };
    if !text.chars().any(needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs(c) {
            let n = c as u32;
            if n < 0x80 {
                let _ = write!(out, "\\x{n:02x}");
            } else {
                let _ = write!(out, "\\u{n:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// Text for bytes that may not be UTF-8: the text itself when it is valid
/// UTF-8, else Python's `repr()` of the bytes (`b'\xe9'`). Mirrors
/// Tornado's `_safe_unicode`.
///
/// ```
/// assert_eq!(tornado_log::safe_unicode(b"caf\xc3\xa9"), "café");
/// assert_eq!(tornado_log::safe_unicode(b"\xe9"), "b'\\xe9'");
/// ```
#[doc(alias = "_safe_unicode")]
pub fn safe_unicode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(bytes_repr(bytes)),
    }
}

/// Python's `repr(bytes)`.
pub(crate) fn bytes_repr(bytes: &[u8]) -> String {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from("b");
    out.push(quote);
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b if char::from(b) == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push(quote);
    out
}

/// True when stderr is a terminal that shows colours (not `TERM=dumb`).
/// Mirrors Tornado's `_stderr_supports_color`.
#[doc(alias = "_stderr_supports_color")]
pub fn stderr_supports_color() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(
            civil(0),
            Civil {
                year: 1970,
                month: 1,
                day: 1,
                hour: 0,
                minute: 0,
                second: 0,
                weekday: 3
            }
        );
        let c = civil(1_764_000_000);
        assert_eq!((c.year, c.month, c.day, c.hour), (2025, 11, 24, 16));
        assert_eq!(civil(-1).year, 1969);
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape_control("a\x1b[31mb\r\n\tc\u{9b}\u{202e}"),
            "a\\x1b[31mb\\x0d\n\tc\\u009b\\u202e"
        );
        assert!(matches!(escape_control("plain é"), Cow::Borrowed(_)));
        assert_eq!(bytes_repr(b"a'\x00"), "b\"a'\\x00\"");
    }
}
