//! Option types and values.

use std::fmt;
use std::time::Duration;

/// The type of an option: what its command-line text is parsed as.
///
/// Mirrors the `type` argument of Tornado's `define` (`str`, `int`,
/// `float`, `bool`, `datetime.timedelta`, `datetime.datetime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[doc(alias = "type")]
pub enum OptionType {
    /// Text, taken as given.
    Str,
    /// A signed integer (Python's `int()` rules: surrounding white space,
    /// a sign and `_` between digits are allowed).
    Int,
    /// A float (Python's `float()` rules, `inf` and `nan` included).
    Float,
    /// A boolean: false for `false`, `0` or `f` (any case), true otherwise.
    Bool,
    /// A duration such as `45s`, `1h 30m`, `1.5 days` (`timedelta`).
    #[doc(alias = "timedelta")]
    Duration,
    /// A date and time in one of Tornado's ten formats (`datetime`).
    #[doc(alias = "datetime")]
    DateTime,
}

impl OptionType {
    /// The Python name of the type, as used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Str => "str",
            Self::Int => "int",
            Self::Float => "float",
            Self::Bool => "bool",
            Self::Duration => "timedelta",
            Self::DateTime => "datetime",
        }
    }
}

/// A calendar date and time without a time zone (a naive
/// `datetime.datetime`). Formats without a date give 1900-01-01, as
/// Python's `strptime` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct OptionDateTime {
    /// Year, 1 to 9999.
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, from 1.
    pub day: u32,
    /// Hour, 0 to 23.
    pub hour: u32,
    /// Minute, 0 to 59.
    pub minute: u32,
    /// Second, 0 to 59.
    pub second: u32,
}

pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl OptionDateTime {
    /// A date and time, or `None` when a field is out of range.
    ///
    /// ```
    /// use tornado_options::OptionDateTime;
    /// let d = OptionDateTime::new(2013, 4, 28, 5, 16, 0).unwrap();
    /// assert_eq!(d.to_string(), "2013-04-28 05:16:00");
    /// assert!(OptionDateTime::new(2013, 2, 29, 0, 0, 0).is_none());
    /// ```
    pub fn new(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    ) -> Option<Self> {
        let ok = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && hour < 24
            && minute < 60
            && second < 60;
        ok.then_some(Self {
            year,
            month,
            day,
            hour,
            minute,
            second,
        })
    }
}

impl fmt::Display for OptionDateTime {
    /// Python's `str(datetime)`: `YYYY-MM-DD HH:MM:SS`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// The value of an option.
///
/// `None` is an option without a default that was never set; `List` is
/// the value of a `multiple` option. `Display` prints Python's `str()` of
/// the value, as Tornado's help text does (`True`, `1.5`, `0:00:45`,
/// `[1, 2]`, `['a', 'b']`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[doc(alias = "value")]
pub enum Value {
    /// No value.
    None,
    /// Text.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A duration.
    Duration(Duration),
    /// A date and time.
    DateTime(OptionDateTime),
    /// The values of a `multiple` option.
    List(Vec<Value>),
}

impl Value {
    /// True when the value can be held by an option of type `ty` (not a
    /// list; `None` fits every type).
    pub fn fits(&self, ty: OptionType) -> bool {
        matches!(
            (self, ty),
            (Value::None, _)
                | (Value::Str(_), OptionType::Str)
                | (Value::Int(_), OptionType::Int)
                | (Value::Float(_), OptionType::Float)
                | (Value::Bool(_), OptionType::Bool)
                | (Value::Duration(_), OptionType::Duration)
                | (Value::DateTime(_), OptionType::DateTime)
        )
    }

    /// The type of a scalar value (`None` for `None` and lists).
    pub fn option_type(&self) -> Option<OptionType> {
        Some(match self {
            Value::Str(_) => OptionType::Str,
            Value::Int(_) => OptionType::Int,
            Value::Float(_) => OptionType::Float,
            Value::Bool(_) => OptionType::Bool,
            Value::Duration(_) => OptionType::Duration,
            Value::DateTime(_) => OptionType::DateTime,
            Value::None | Value::List(_) => return None,
        })
    }

    /// Python's `repr()`: like `str()` but text is quoted.
    fn fmt_repr(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => {
                let quote = if s.contains('\'') && !s.contains('"') {
                    '"'
                } else {
                    '\''
                };
                write!(f, "{quote}")?;
                for c in s.chars() {
                    match c {
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        '\r' => f.write_str("\\r")?,
                        '\t' => f.write_str("\\t")?,
                        c if c == quote => write!(f, "\\{c}")?,
                        c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                            write!(f, "\\x{:02x}", c as u32)?
                        }
                        c => write!(f, "{c}")?,
                    }
                }
                write!(f, "{quote}")
            }
            Value::Duration(d) => {
                let micros = d.as_micros();
                let (secs, us) = (micros / 1_000_000, micros % 1_000_000);
                let (days, rest) = (secs / 86_400, secs % 86_400);
                write!(f, "datetime.timedelta(")?;
                let mut parts = Vec::new();
                if days != 0 {
                    parts.push(format!("days={days}"));
                }
                if rest != 0 {
                    parts.push(format!("seconds={rest}"));
                }
                if us != 0 {
                    parts.push(format!("microseconds={us}"));
                }
                if parts.is_empty() {
                    parts.push("0".to_owned());
                }
                write!(f, "{})", parts.join(", "))
            }
            Value::DateTime(d) => {
                write!(
                    f,
                    "datetime.datetime({}, {}, {}, {}, {}",
                    d.year, d.month, d.day, d.hour, d.minute
                )?;
                if d.second != 0 {
                    write!(f, ", {}", d.second)?;
                }
                f.write_str(")")
            }
            other => fmt::Display::fmt(other, f),
        }
    }
}

/// Python's `repr(float)`: the shortest text that reads back the same,
/// in exponent form below 1e-4 and from 1e16.
pub(crate) fn py_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if x == 0.0 || (-4..16).contains(&exp) {
        let plain = format!("{x}");
        if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::None => f.write_str("None"),
            Value::Str(s) => f.write_str(s),
            Value::Int(n) => write!(f, "{n}"),
            Value::Float(x) => f.write_str(&py_float(*x)),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Duration(d) => {
                // Python's str(timedelta): "[D day[s], ]H:MM:SS[.ffffff]".
                let micros = d.as_micros();
                let (secs, us) = (micros / 1_000_000, micros % 1_000_000);
                let (days, rest) = (secs / 86_400, secs % 86_400);
                if days != 0 {
                    write!(f, "{days} day{}, ", if days == 1 { "" } else { "s" })?;
                }
                write!(f, "{}:{:02}:{:02}", rest / 3600, rest / 60 % 60, rest % 60)?;
                if us != 0 {
                    write!(f, ".{us:06}")?;
                }
                Ok(())
            }
            Value::DateTime(d) => write!(f, "{d}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    item.fmt_repr(f)?;
                }
                f.write_str("]")
            }
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}
impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Int(n.into())
    }
}
impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Int(n.into())
    }
}
impl From<u16> for Value {
    fn from(n: u16) -> Self {
        Value::Int(n.into())
    }
}
impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<Duration> for Value {
    fn from(d: Duration) -> Self {
        Value::Duration(d)
    }
}
impl From<OptionDateTime> for Value {
    fn from(d: OptionDateTime) -> Self {
        Value::DateTime(d)
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Self {
        Value::List(items.into_iter().map(Into::into).collect())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::None, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_str() {
        assert_eq!(Value::Float(1.5).to_string(), "1.5");
        assert_eq!(Value::Float(1.0).to_string(), "1.0");
        assert_eq!(Value::Float(1e16).to_string(), "1e+16");
        assert_eq!(Value::Float(1.5e-7).to_string(), "1.5e-07");
        assert_eq!(Value::Float(0.0001).to_string(), "0.0001");
        assert_eq!(Value::Bool(true).to_string(), "True");
        assert_eq!(
            Value::Duration(Duration::from_secs(45)).to_string(),
            "0:00:45"
        );
        assert_eq!(
            Value::Duration(Duration::from_micros(90_061_000_001)).to_string(),
            "1 day, 1:01:01.000001"
        );
        assert_eq!(Value::from(vec![1, 2]).to_string(), "[1, 2]");
        assert_eq!(
            Value::from(vec!["a", "it's"]).to_string(),
            "['a', \"it's\"]"
        );
        assert_eq!(Value::None.to_string(), "None");
    }
}
