//! Parsing option values from text, with Python's rules for each type.

use std::time::Duration;

use crate::value::{OptionDateTime, OptionType, Value, days_in_month};

/// Python's `str.strip()` white space.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Removes `_` between digits as Python's numeric literals allow; `None`
/// when an underscore is misplaced.
fn without_underscores(s: &str) -> Option<String> {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' {
            let before = i
                .checked_sub(1)
                .and_then(|j| b.get(j))
                .is_some_and(u8::is_ascii_digit);
            let after = b.get(i + 1).is_some_and(u8::is_ascii_digit);
            if !before || !after {
                return None;
            }
        }
    }
    Some(s.replace('_', ""))
}

/// Python's `int(text)`.
pub(crate) fn parse_int(text: &str) -> Result<i64, String> {
    let t = text.trim_matches(is_py_space);
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return Err("expected an integer".to_owned());
    }
    without_underscores(t)
        .ok_or_else(|| "expected an integer".to_owned())?
        .parse()
        .map_err(|_| "integer out of range".to_owned())
}

/// Python's `float(text)`.
pub(crate) fn parse_float(text: &str) -> Result<f64, String> {
    let t = text.trim_matches(is_py_space);
    let bad = || "expected a number".to_owned();
    let body = t.strip_prefix(['+', '-']).unwrap_or(t).to_ascii_lowercase();
    if matches!(body.as_str(), "inf" | "infinity" | "nan") {
        return t.to_ascii_lowercase().parse().map_err(|_| bad());
    }
    if !body
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'_' | b'+' | b'-'))
    {
        return Err(bad());
    }
    without_underscores(t)
        .ok_or_else(bad)?
        .parse()
        .map_err(|_| bad())
}

/// Tornado's boolean rule: false for `false`, `0` and `f` in any case.
pub(crate) fn parse_bool(text: &str) -> bool {
    !matches!(text.to_lowercase().as_str(), "false" | "0" | "f")
}

/// A float in the form Tornado's duration pattern accepts:
/// `[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?`. Returns its length.
fn float_prefix(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    if b.get(i) == Some(&b'.') {
        let frac_digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if int_digits == 0 && frac_digits == 0 {
            return None;
        }
        i += 1 + frac_digits;
    } else if int_digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_digits = b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_digits > 0 {
            i = j + exp_digits;
        }
    }
    Some(i)
}

/// Microseconds per unit of the names Python's `timedelta` accepts, plus
/// Tornado's abbreviations.
fn unit_micros(unit: &str) -> Option<f64> {
    Some(match unit {
        "" | "s" | "sec" | "seconds" => 1e6,
        "m" | "min" | "minutes" => 60e6,
        "h" | "hours" => 3600e6,
        "d" | "days" => 86_400e6,
        "w" | "weeks" => 604_800e6,
        "ms" | "milliseconds" => 1e3,
        "us" | "microseconds" => 1.0,
        _ => return None,
    })
}

/// Tornado's duration syntax: a sequence of `<number><unit>` with optional
/// white space, units `w d h m min s sec ms us` or `timedelta`'s full
/// names (case-sensitive), seconds when the unit is left out. The total is
/// rounded to the microsecond; a negative total is refused.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        rest = rest.trim_start_matches(is_py_space);
        let len = float_prefix(rest).ok_or_else(|| format!("expected a number at {rest:?}"))?;
        let number: f64 = rest[..len].parse().map_err(|_| "bad number".to_owned())?;
        rest = rest[len..].trim_start_matches(is_py_space);
        let unit_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        let scale = unit_micros(unit).ok_or_else(|| format!("unknown unit {unit:?}"))?;
        total += number * scale;
        rest = rest[unit_len..].trim_start_matches(is_py_space);
    }
    let micros = total.round_ties_even();
    if !micros.is_finite() || micros.abs() > 8.64e19 {
        return Err("duration out of range".to_owned());
    }
    if micros < 0.0 {
        return Err("negative durations are not supported".to_owned());
    }
    Ok(Duration::from_micros(micros as u64))
}

/// Tornado's date/time formats, tried in order.
pub(crate) const DATETIME_FORMATS: [&str; 10] = [
    "%a %b %d %H:%M:%S %Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y%m%d %H:%M:%S",
    "%Y%m%d %H:%M",
    "%Y-%m-%d",
    "%Y%m%d",
    "%H:%M:%S",
    "%H:%M",
];

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

#[derive(Default, Clone, Copy)]
struct Fields {
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    hour: u32,
    minute: u32,
    second: u32,
}

/// Candidate lengths (longest first) of a 1-2 digit field at the start of
/// `s` whose value lies in `range`; `%d` also allows a space and a digit.
fn two_digit_candidates(
    s: &str,
    range: std::ops::RangeInclusive<u32>,
    space_pad: bool,
) -> Vec<(usize, u32)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    if b.len() >= 2 && b[0].is_ascii_digit() && b[1].is_ascii_digit() {
        let v = u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0');
        if range.contains(&v) {
            out.push((2, v));
        }
    }
    if space_pad && b.len() >= 2 && b[0] == b' ' && (b'1'..=b'9').contains(&b[1]) {
        out.push((2, u32::from(b[1] - b'0')));
    }
    if !b.is_empty() && b[0].is_ascii_digit() {
        let v = u32::from(b[0] - b'0');
        if range.contains(&v) {
            out.push((1, v));
        }
    }
    out
}

/// Matches `input` against one `strptime` format with backtracking, as
/// Python's regular-expression based `strptime` does.
fn match_format(fmt: &str, input: &str, fields: Fields) -> Option<Fields> {
    let Some(c) = fmt.chars().next() else {
        return input.is_empty().then_some(fields);
    };
    if c == ' ' {
        // A space in the format matches one or more white-space characters.
        let n = input.len() - input.trim_start_matches(char::is_whitespace).len();
        if n == 0 {
            return None;
        }
        return match_format(&fmt[1..], &input[n..], fields);
    }
    if c != '%' {
        let ic = input.chars().next()?;
        if ic.to_lowercase().eq(c.to_lowercase()) {
            return match_format(&fmt[c.len_utf8()..], &input[ic.len_utf8()..], fields);
        }
        return None;
    }
    let directive = fmt[1..].chars().next()?;
    let rest_fmt = &fmt[2..];
    let try_each = |cands: Vec<(usize, u32)>, set: &dyn Fn(&mut Fields, u32)| {
        cands.into_iter().find_map(|(len, v)| {
            let mut f = fields;
            set(&mut f, v);
            match_format(rest_fmt, &input[len..], f)
        })
    };
    match directive {
        'Y' => {
            let b = input.as_bytes();
            if b.len() >= 4 && b[..4].iter().all(u8::is_ascii_digit) {
                let year: i32 = input[..4].parse().ok()?;
                let mut f = fields;
                f.year = Some(year);
                match_format(rest_fmt, &input[4..], f)
            } else {
                None
            }
        }
        'm' => try_each(two_digit_candidates(input, 1..=12, false), &|f, v| {
            f.month = Some(v)
        }),
        'd' => try_each(two_digit_candidates(input, 1..=31, true), &|f, v| {
            f.day = Some(v)
        }),
        'H' => try_each(two_digit_candidates(input, 0..=23, false), &|f, v| {
            f.hour = v
        }),
        'M' => try_each(two_digit_candidates(input, 0..=59, false), &|f, v| {
            f.minute = v
        }),
        'S' => try_each(two_digit_candidates(input, 0..=61, false), &|f, v| {
            f.second = v
        }),
        'a' | 'b' => {
            let names: &[&str] = if directive == 'a' { &WEEKDAYS } else { &MONTHS };
            let head = input.get(..3)?.to_ascii_lowercase();
            let i = names.iter().position(|n| *n == head)?;
            let mut f = fields;
            if directive == 'b' {
                f.month = Some(i as u32 + 1);
            }
            match_format(rest_fmt, &input[3..], f)
        }
        _ => None,
    }
}

/// Tornado's date/time parsing: the first of [`DATETIME_FORMATS`] that
/// matches the whole text and gives a valid date wins.
pub(crate) fn parse_datetime(text: &str) -> Result<OptionDateTime, String> {
    for fmt in DATETIME_FORMATS {
        if let Some(f) = match_format(fmt, text, Fields::default()) {
            let (year, month, day) = (
                f.year.unwrap_or(1900),
                f.month.unwrap_or(1),
                f.day.unwrap_or(1),
            );
            if day > days_in_month(year, month) || f.second > 59 || year < 1 {
                continue;
            }
            if let Some(d) = OptionDateTime::new(year, month, day, f.hour, f.minute, f.second) {
                return Ok(d);
            }
        }
    }
    Err("unrecognized date/time format".to_owned())
}

/// Parses one scalar of type `ty`.
pub(crate) fn parse_scalar(ty: OptionType, text: &str) -> Result<Value, String> {
    Ok(match ty {
        OptionType::Str => Value::Str(text.to_owned()),
        OptionType::Int => Value::Int(parse_int(text)?),
        OptionType::Float => Value::Float(parse_float(text)?),
        OptionType::Bool => Value::Bool(parse_bool(text)),
        OptionType::Duration => Value::Duration(parse_duration(text)?),
        OptionType::DateTime => Value::DateTime(parse_datetime(text)?),
    })
}

/// Parses the value of a `multiple` option: comma-separated items, and for
/// integers inclusive ranges `lo:hi`. At most `max_items` values.
pub(crate) fn parse_multiple(
    ty: OptionType,
    text: &str,
    max_items: usize,
) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    let too_many = || format!("more than {max_items} values");
    for part in text.split(',') {
        if ty == OptionType::Int {
            let (lo_text, hi_text) = part.split_once(':').unwrap_or((part, ""));
            let lo = parse_int(lo_text)?;
            let hi = if hi_text.is_empty() {
                lo
            } else {
                parse_int(hi_text)?
            };
            if hi >= lo {
                let count = u64::try_from(i128::from(hi) - i128::from(lo) + 1).unwrap_or(u64::MAX);
                if count > (max_items - out.len().min(max_items)) as u64 {
                    return Err(too_many());
                }
                out.extend((lo..=hi).map(Value::Int));
            }
        } else {
            if out.len() >= max_items {
                return Err(too_many());
            }
            out.push(parse_scalar(ty, part)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_and_floats() {
        assert_eq!(parse_int(" 42 "), Ok(42));
        assert_eq!(parse_int("-1_000"), Ok(-1000));
        assert!(parse_int("1__0").is_err());
        assert!(parse_int("").is_err());
        assert!(parse_int("0x10").is_err());
        assert!(parse_int("99999999999999999999").is_err());
        assert_eq!(parse_float("1.5"), Ok(1.5));
        assert_eq!(parse_float("1e3"), Ok(1000.0));
        assert_eq!(parse_float("-inf"), Ok(f64::NEG_INFINITY));
        assert!(parse_float("abc").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("45s"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5 days"), Ok(Duration::from_secs(129_600)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(
            parse_duration("10ms 5us"),
            Ok(Duration::from_micros(10_005))
        );
        assert_eq!(parse_duration(""), Ok(Duration::ZERO));
        assert!(parse_duration("1h30m").is_err());
        assert!(parse_duration("5H").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("1e300w").is_err());
    }

    #[test]
    fn datetimes() {
        let dt = |s| parse_datetime(s).map(|d| d.to_string());
        assert_eq!(dt("2013-04-28 05:16").unwrap(), "2013-04-28 05:16:00");
        assert_eq!(
            dt("Sun Apr 28 05:16:07 2013").unwrap(),
            "2013-04-28 05:16:07"
        );
        assert_eq!(dt("2013-04-28T05:16").unwrap(), "2013-04-28 05:16:00");
        assert_eq!(dt("20130428 05:16:07").unwrap(), "2013-04-28 05:16:07");
        assert_eq!(dt("20130428").unwrap(), "2013-04-28 00:00:00");
        assert_eq!(dt("2013-4-8").unwrap(), "2013-04-08 00:00:00");
        assert_eq!(dt("05:16").unwrap(), "1900-01-01 05:16:00");
        assert_eq!(dt("5:16:07").unwrap(), "1900-01-01 05:16:07");
        assert!(dt("2013-02-30").is_err());
        assert!(dt("tomorrow").is_err());
        assert!(dt("2013-04-28 05:16 ").is_err());
    }

    #[test]
    fn multiple_values() {
        assert_eq!(
            parse_multiple(OptionType::Int, "1,3,5:7", 100),
            Ok(vec![
                Value::Int(1),
                Value::Int(3),
                Value::Int(5),
                Value::Int(6),
                Value::Int(7)
            ])
        );
        assert_eq!(parse_multiple(OptionType::Int, "7:5", 100), Ok(vec![]));
        assert!(parse_multiple(OptionType::Int, "0:1000000000", 100).is_err());
        assert!(parse_multiple(OptionType::Str, "a,b,c", 2).is_err());
        assert!(parse_multiple(OptionType::Int, "1,", 100).is_err());
    }
}
