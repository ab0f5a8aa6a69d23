//! Config files: `name = value` lines whose values are Python literals.
//!
//! Tornado executes config files as Python. We read the subset such files
//! use in practice: assignments of numbers, strings, `True`/`False`/`None`,
//! lists, `datetime(...)`/`timedelta(...)` calls and `__file__`; `import`
//! lines and comments are skipped. Anything else is an error that names
//! the line.

use std::time::Duration;

use crate::value::{OptionDateTime, Value};

/// Python 3.11's parser allows 200 nested brackets.
pub(crate) const DEFAULT_MAX_NESTING: usize = 200;

/// One assignment: the name, its line (from 1) and the evaluated value
/// (or why it could not be evaluated).
#[derive(Debug)]
pub(crate) struct Assignment {
    pub(crate) name: String,
    pub(crate) line: usize,
    pub(crate) value: Result<Value, String>,
}

/// A syntax error: the line (from 1) and a message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) line: usize,
    pub(crate) message: String,
}

struct Reader<'a> {
    src: &'a str,
    pos: usize,
    /// Bracket depth: inside brackets, line breaks are white space.
    depth: usize,
    max_depth: usize,
    file: &'a str,
}

/// Reads a whole config file. Later assignments to a name replace earlier
/// ones but keep the first one's place, as a Python namespace does.
pub(crate) fn parse(
    src: &str,
    file: &str,
    max_depth: usize,
) -> Result<Vec<Assignment>, SyntaxError> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut r = Reader {
        src,
        pos: 0,
        depth: 0,
        max_depth,
        file,
    };
    let mut out: Vec<Assignment> = Vec::new();
    loop {
        r.skip_blank_lines();
        if r.pos >= r.src.len() {
            return Ok(out);
        }
        let line = r.line();
        let Some(name) = r.identifier() else {
            return Err(r.error("expected `name = value`"));
        };
        if name == "import" || name == "from" {
            r.skip_to_line_end();
            continue;
        }
        r.skip_inline_space();
        if !r.eat('=') || r.peek() == Some('=') {
            return Err(r.error("expected `=` after the name"));
        }
        r.skip_inline_space();
        let value = r.expr()?;
        r.skip_inline_space();
        r.skip_comment();
        match r.peek() {
            None => {}
            Some('\n') => r.pos += 1,
            Some(';') => return Err(r.error("one statement per line")),
            Some(c) => return Err(r.error(&format!("unexpected {c:?}"))),
        }
        match out.iter_mut().find(|a| a.name == name) {
            Some(existing) => {
                existing.value = value;
                existing.line = line;
            }
            None => out.push(Assignment { name, line, value }),
        }
    }
}

impl<'a> Reader<'a> {
    fn line(&self) -> usize {
        self.src[..self.pos].matches('\n').count() + 1
    }

    fn error(&self, message: &str) -> SyntaxError {
        SyntaxError {
            line: self.line(),
            message: message.to_owned(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some('#') {
            self.pos += self.rest().find('\n').unwrap_or(self.rest().len());
        }
    }

    fn skip_to_line_end(&mut self) {
        self.pos += self.rest().find('\n').unwrap_or(self.rest().len());
    }

    /// Spaces, tabs, backslash-newline continuations and, inside brackets,
    /// line breaks and comments.
    fn skip_inline_space(&mut self) {
        loop {
            match self.peek() {
                Some(' ' | '\t' | '\x0c' | '\r') => self.pos += 1,
                Some('\\') if self.rest()[1..].starts_with('\n') => self.pos += 2,
                Some('\n') if self.depth > 0 => self.pos += 1,
                Some('#') if self.depth > 0 => self.skip_comment(),
                _ => return,
            }
        }
    }

    fn skip_blank_lines(&mut self) {
        loop {
            self.skip_inline_space();
            self.skip_comment();
            if !self.eat('\n') {
                return;
            }
        }
    }

    fn identifier(&mut self) -> Option<String> {
        let rest = self.rest();
        let first = rest.chars().next()?;
        if !(first.is_alphabetic() || first == '_') {
            return None;
        }
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        self.pos += len;
        Some(rest[..len].to_owned())
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > self.max_depth {
            Err(self.error("too many nested brackets"))
        } else {
            Ok(())
        }
    }

    /// An expression. A syntax error fails the file; a well-formed value
    /// this crate cannot evaluate (a name, an unknown call) is an `Err`
    /// value, which only matters when the name is an option.
    fn expr(&mut self) -> Result<Result<Value, String>, SyntaxError> {
        match self.peek() {
            Some('[') => self.sequence(']', true),
            Some('(') => self.sequence(')', false),
            Some('"' | '\'') => self.strings().map(|s| Ok(Value::Str(s))),
            Some('-' | '+') => {
                let negative = self.peek() == Some('-');
                self.pos += 1;
                self.skip_inline_space();
                match self.expr()? {
                    Ok(Value::Int(n)) if negative => Ok(n
                        .checked_neg()
                        .map(Value::Int)
                        .ok_or_else(|| "integer out of range".to_owned())),
                    Ok(Value::Float(x)) if negative => Ok(Ok(Value::Float(-x))),
                    Ok(v @ (Value::Int(_) | Value::Float(_))) => Ok(Ok(v)),
                    Ok(_) => Ok(Err("bad operand for unary sign".to_owned())),
                    Err(e) => Ok(Err(e)),
                }
            }
            Some(c) if c.is_ascii_digit() || c == '.' => self.number().map(Ok),
            Some(c) if c.is_alphabetic() || c == '_' => {
                let mut name = self.identifier().unwrap_or_default();
                while self.peek() == Some('.') {
                    self.pos += 1;
                    let part = self
                        .identifier()
                        .ok_or_else(|| self.error("expected a name after `.`"))?;
                    name = format!("{name}.{part}");
                }
                if r_prefix(&name) && matches!(self.peek(), Some('"' | '\'')) {
                    return self.strings_raw(true).map(|s| Ok(Value::Str(s)));
                }
                self.skip_inline_space();
                if self.peek() == Some('(') {
                    return self.call(&name);
                }
                Ok(match name.as_str() {
                    "True" => Ok(Value::Bool(true)),
                    "False" => Ok(Value::Bool(false)),
                    "None" => Ok(Value::None),
                    "__file__" => Ok(Value::Str(self.file.to_owned())),
                    other => Err(format!("cannot evaluate {other:?}")),
                })
            }
            _ => Err(self.error("expected a value")),
        }
    }

    /// `[a, b]` (a list) or `(a, b)` (a tuple, unsupported as a value; a
    /// single parenthesised value is just that value).
    fn sequence(
        &mut self,
        close: char,
        is_list: bool,
    ) -> Result<Result<Value, String>, SyntaxError> {
        self.pos += 1;
        self.enter()?;
        let mut items = Vec::new();
        let mut trailing_comma = false;
        loop {
            self.skip_inline_space();
            if self.eat(close) {
                break;
            }
            items.push(self.expr()?);
            self.skip_inline_space();
            trailing_comma = self.eat(',');
            if !trailing_comma {
                self.skip_inline_space();
                if !self.eat(close) {
                    return Err(self.error(&format!("expected `,` or `{close}`")));
                }
                break;
            }
        }
        self.depth -= 1;
        if !is_list && items.len() == 1 && !trailing_comma {
            return Ok(items.pop().unwrap_or(Ok(Value::None)));
        }
        let values: Result<Vec<Value>, String> = items.into_iter().collect();
        Ok(match values {
            Ok(v) if is_list => Ok(Value::List(v)),
            Ok(_) => Err("tuples are not supported; use a list".to_owned()),
            Err(e) => Err(e),
        })
    }

    /// `datetime(...)` and `timedelta(...)`, with positional or keyword
    /// arguments.
    fn call(&mut self, name: &str) -> Result<Result<Value, String>, SyntaxError> {
        self.pos += 1;
        self.enter()?;
        let mut positional = Vec::new();
        let mut keywords = Vec::new();
        loop {
            self.skip_inline_space();
            if self.eat(')') {
                break;
            }
            let save = self.pos;
            let keyword = self.identifier().and_then(|k| {
                self.skip_inline_space();
                (self.peek() == Some('=') && !self.rest().starts_with("==")).then_some(k)
            });
            match keyword {
                Some(k) => {
                    self.pos += 1;
                    self.skip_inline_space();
                    keywords.push((k, self.expr()?));
                }
                None => {
                    self.pos = save;
                    positional.push(self.expr()?);
                }
            }
            self.skip_inline_space();
            if !self.eat(',') {
                self.skip_inline_space();
                if !self.eat(')') {
                    return Err(self.error("expected `,` or `)`"));
                }
                break;
            }
        }
        self.depth -= 1;
        let positional: Result<Vec<Value>, String> = positional.into_iter().collect();
        let keywords: Result<Vec<(String, Value)>, String> = keywords
            .into_iter()
            .map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        let (positional, keywords) = match (positional, keywords) {
            (Ok(p), Ok(k)) => (p, k),
            (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
        };
        Ok(match name {
            "datetime" | "datetime.datetime" => make_datetime(&positional, &keywords),
            "timedelta" | "datetime.timedelta" => make_timedelta(&positional, &keywords),
            other => Err(format!("cannot evaluate a call to {other:?}")),
        })
    }

    fn number(&mut self) -> Result<Value, SyntaxError> {
        let rest = self.rest();
        // Digits, letters (prefixes, exponents), `_`, `.`, and a sign right
        // after the exponent marker of a decimal number.
        let bytes = rest.as_bytes();
        let hex = rest.starts_with("0x") || rest.starts_with("0X");
        let mut len = 0;
        while len < bytes.len() {
            let c = bytes[len];
            let exp_sign = matches!(c, b'+' | b'-')
                && len > 0
                && matches!(bytes[len - 1], b'e' | b'E')
                && !hex;
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || exp_sign {
                len += 1;
            } else {
                break;
            }
        }
        let text = &rest[..len];
        self.pos += len;
        let bad = || self.error(&format!("invalid number {text:?}"));
        let clean = text.replace('_', "");
        if text.contains("__") || text.ends_with('_') {
            return Err(bad());
        }
        let lower = clean.to_ascii_lowercase();
        let radix = |prefix: &str, radix: u32| -> Option<Result<Value, SyntaxError>> {
            lower.strip_prefix(prefix).map(|digits| {
                i64::from_str_radix(digits, radix)
                    .map(Value::Int)
                    .map_err(|_| bad())
            })
        };
        if let Some(v) = radix("0x", 16)
            .or_else(|| radix("0o", 8))
            .or_else(|| radix("0b", 2))
        {
            return v;
        }
        if lower.contains(['.', 'e']) {
            return lower.parse::<f64>().map(Value::Float).map_err(|_| bad());
        }
        if lower.len() > 1 && lower.starts_with('0') && lower.bytes().any(|b| b != b'0') {
            return Err(bad());
        }
        lower.parse::<i64>().map(Value::Int).map_err(|_| bad())
    }

    /// One or more adjacent string literals, concatenated.
    fn strings(&mut self) -> Result<String, SyntaxError> {
        self.strings_raw(false)
    }

    fn strings_raw(&mut self, first_raw: bool) -> Result<String, SyntaxError> {
        let mut out = self.string(first_raw)?;
        loop {
            let save = self.pos;
            self.skip_inline_space();
            let raw = matches!(self.peek(), Some('r' | 'R'))
                && matches!(self.rest()[1..].chars().next(), Some('"' | '\''));
            if raw {
                self.pos += 1;
            }
            if matches!(self.peek(), Some('"' | '\'')) {
                out.push_str(&self.string(raw)?);
            } else {
                self.pos = save;
                return Ok(out);
            }
        }
    }

    fn string(&mut self, raw: bool) -> Result<String, SyntaxError> {
        let quote = self.peek().ok_or_else(|| self.error("expected a string"))?;
        let triple: String = std::iter::repeat_n(quote, 3).collect();
        let is_triple = self.rest().starts_with(&triple);
        self.pos += if is_triple { 3 } else { 1 };
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error("unterminated string"));
            };
            if is_triple && self.rest().starts_with(&triple) {
                self.pos += 3;
                return Ok(out);
            }
            if !is_triple && c == quote {
                self.pos += 1;
                return Ok(out);
            }
            if c == '\n' && !is_triple {
                return Err(self.error("unterminated string"));
            }
            self.pos += c.len_utf8();
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some(e) = self.peek() else {
                return Err(self.error("unterminated string"));
            };
            self.pos += e.len_utf8();
            if raw {
                out.push('\\');
                out.push(e);
                continue;
            }
            match e {
                '\n' => {}
                '\\' | '\'' | '"' => out.push(e),
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'a' => out.push('\x07'),
                'b' => out.push('\x08'),
                'f' => out.push('\x0c'),
                'v' => out.push('\x0b'),
                '0'..='7' => {
                    let mut v = e.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match self.peek().and_then(|c| c.to_digit(8)) {
                            Some(d) => {
                                v = v * 8 + d;
                                self.pos += 1;
                            }
                            None => break,
                        }
                    }
                    out.push(char::from_u32(v).ok_or_else(|| self.error("bad octal escape"))?);
                }
                'x' | 'u' | 'U' => {
                    let n = match e {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let hex = self
                        .rest()
                        .get(..n)
                        .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
                    let hex = hex.ok_or_else(|| self.error("truncated escape"))?;
                    let v = u32::from_str_radix(hex, 16).map_err(|_| self.error("bad escape"))?;
                    out.push(
                        char::from_u32(v).ok_or_else(|| self.error("escape is not a character"))?,
                    );
                    self.pos += n;
                }
                other => {
                    // Python keeps unknown escapes as written.
                    out.push('\\');
                    out.push(other);
                }
            }
        }
    }
}

fn r_prefix(name: &str) -> bool {
    matches!(name, "r" | "R")
}

fn int_arg(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(n) => Ok(*n),
        _ => Err("datetime() arguments must be integers".to_owned()),
    }
}

fn make_datetime(positional: &[Value], keywords: &[(String, Value)]) -> Result<Value, String> {
    const NAMES: [&str; 7] = [
        "year",
        "month",
        "day",
        "hour",
        "minute",
        "second",
        "microsecond",
    ];
    if positional.len() > NAMES.len() {
        return Err("datetime() takes at most 7 arguments".to_owned());
    }
    let mut fields: [Option<i64>; 7] = [None; 7];
    for (i, v) in positional.iter().enumerate() {
        fields[i] = Some(int_arg(v)?);
    }
    for (k, v) in keywords {
        let i = NAMES
            .iter()
            .position(|n| n == k)
            .ok_or_else(|| format!("datetime() has no argument {k:?}"))?;
        if fields[i].is_some() {
            return Err(format!("datetime() got {k:?} twice"));
        }
        fields[i] = Some(int_arg(v)?);
    }
    let (Some(y), Some(mo), Some(d)) = (fields[0], fields[1], fields[2]) else {
        return Err("datetime() needs year, month and day".to_owned());
    };
    let get = |i: usize| {
        u32::try_from(fields[i].unwrap_or(0)).map_err(|_| "datetime field out of range".to_owned())
    };
    let year = i32::try_from(y).map_err(|_| "year out of range".to_owned())?;
    let (month, day) = (
        u32::try_from(mo).map_err(|_| "month out of range")?,
        u32::try_from(d).map_err(|_| "day out of range")?,
    );
    if fields[6].unwrap_or(0) != 0 {
        return Err("microseconds are not supported in datetime values".to_owned());
    }
    OptionDateTime::new(year, month, day, get(3)?, get(4)?, get(5)?)
        .map(Value::DateTime)
        .ok_or_else(|| "datetime field out of range".to_owned())
}

fn make_timedelta(positional: &[Value], keywords: &[(String, Value)]) -> Result<Value, String> {
    const UNITS: [(&str, f64); 7] = [
        ("days", 86_400e6),
        ("seconds", 1e6),
        ("microseconds", 1.0),
        ("milliseconds", 1e3),
        ("minutes", 60e6),
        ("hours", 3600e6),
        ("weeks", 604_800e6),
    ];
    if positional.len() > UNITS.len() {
        return Err("timedelta() takes at most 7 arguments".to_owned());
    }
    let number = |v: &Value| match v {
        Value::Int(n) => Ok(*n as f64),
        Value::Float(x) => Ok(*x),
        _ => Err("timedelta() arguments must be numbers".to_owned()),
    };
    let mut total = 0f64;
    let mut seen = [false; 7];
    for (i, v) in positional.iter().enumerate() {
        seen[i] = true;
        total += number(v)? * UNITS[i].1;
    }
    for (k, v) in keywords {
        let i = UNITS
            .iter()
            .position(|(n, _)| n == k)
            .ok_or_else(|| format!("timedelta() has no argument {k:?}"))?;
        if std::mem::replace(&mut seen[i], true) {
            return Err(format!("timedelta() got {k:?} twice"));
        }
        total += number(v)? * UNITS[i].1;
    }
    let micros = total.round_ties_even();
    if !micros.is_finite() || !(0.0..=8.64e19).contains(&micros) {
        return Err("timedelta out of range (negative durations are not supported)".to_owned());
    }
    Ok(Value::Duration(Duration::from_micros(micros as u64)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Result<Value, String> {
        let mut all = parse(src, "/x.cfg", DEFAULT_MAX_NESTING).unwrap();
        assert_eq!(all.len(), 1, "{src}");
        all.remove(0).value
    }

    #[test]
    fn literals() {
        assert_eq!(one("port=443"), Ok(Value::Int(443)));
        assert_eq!(one("x = -1_000"), Ok(Value::Int(-1000)));
        assert_eq!(one("x = 0x1F"), Ok(Value::Int(31)));
        assert_eq!(one("x = 1.5e3"), Ok(Value::Float(1500.0)));
        assert_eq!(one("x = 1e-3"), Ok(Value::Float(0.001)));
        assert_eq!(
            one("x = 'a\\'b' \"c\"  # note"),
            Ok(Value::Str("a'bc".into()))
        );
        assert_eq!(one("x = r'a\\n'"), Ok(Value::Str("a\\n".into())));
        assert_eq!(
            one("x = '\\u00e9\\x41\\101\\q'"),
            Ok(Value::Str("éAA\\q".into()))
        );
        assert_eq!(one("x = '''a\nb'''"), Ok(Value::Str("a\nb".into())));
        assert_eq!(one("x = True"), Ok(Value::Bool(true)));
        assert_eq!(one("x = None"), Ok(Value::None));
        assert_eq!(one("x = __file__"), Ok(Value::Str("/x.cfg".into())));
        assert_eq!(
            one("x = [1,\n  2, # two\n 3,]"),
            Ok(Value::from(vec![1, 2, 3]))
        );
        assert_eq!(one("x = (5)"), Ok(Value::Int(5)));
        assert!(one("x = (5,)").is_err());
        assert!(one("x = y").is_err());
        assert!(one("x = Email('a@b')").is_err());
    }

    #[test]
    fn calls() {
        let d = OptionDateTime::new(2013, 4, 28, 5, 16, 0).unwrap();
        assert_eq!(
            one("x = datetime(2013, 4, 28, 5, 16)"),
            Ok(Value::DateTime(d))
        );
        assert_eq!(
            one("x = datetime.datetime(2013, 4, day=28, hour=5, minute=16)"),
            Ok(Value::DateTime(d))
        );
        assert_eq!(
            one("x = timedelta(0, 45)"),
            Ok(Value::Duration(Duration::from_secs(45)))
        );
        assert_eq!(
            one("x = timedelta(minutes=1.5)"),
            Ok(Value::Duration(Duration::from_secs(90)))
        );
        assert!(one("x = datetime(2013, 2, 30)").is_err());
        assert!(one("x = timedelta(seconds=-1)").is_err());
    }

    #[test]
    fn statements() {
        let src = "from datetime import datetime\nimport os\n\n# c\na = 1\nb = 'x'\na = 2\n";
        let all = parse(src, "f", DEFAULT_MAX_NESTING).unwrap();
        let names: Vec<_> = all.iter().map(|a| (a.name.as_str(), a.line)).collect();
        assert_eq!(names, [("a", 7), ("b", 6)]);
        assert_eq!(all[0].value, Ok(Value::Int(2)));
        for (bad, line) in [
            ("a = 1\nb == 2", 2),
            ("x = 'open", 1),
            ("print(1)", 1),
            ("x = [1, 2", 1),
            ("x = 1; y = 2", 1),
            ("x = 08", 1),
        ] {
            let err = parse(bad, "f", DEFAULT_MAX_NESTING).unwrap_err();
            assert_eq!(err.line, line, "{bad}: {err:?}");
        }
    }

    #[test]
    fn nesting_limit() {
        let deep = format!("x = {}1{}", "[".repeat(10), "]".repeat(10));
        assert!(parse(&deep, "f", 10).is_ok());
        assert!(parse(&deep, "f", 9).is_err());
        let very_deep = format!("x = {}", "[".repeat(100_000));
        assert!(parse(&very_deep, "f", DEFAULT_MAX_NESTING).is_err());
    }
}
