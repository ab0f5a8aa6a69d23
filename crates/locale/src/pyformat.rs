//! Python's `format % {"name": value}` for the named placeholders that
//! Tornado's translatable strings use (`%(seconds)d`, `%(time)s`, `%%`).

use std::fmt::Write;

/// A value substituted into a placeholder.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg<'a> {
    Str(&'a str),
    Int(i64),
}

/// Why a format string could not be applied; the caller falls back to the
/// English message, which is known to be well formed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct FormatError;

/// Applies `args` to `template` as Python's `%` operator with a mapping does.
///
/// Supported: `%%`, and `%(key)` followed by optional flags (`-`, `0`, `+`,
/// space, `#`), a width, a precision and one of `s`, `d`, `i`, `u`. A
/// placeholder without a key, an unknown key, a number conversion of a
/// string or any other conversion is an error.
pub(crate) fn format(template: &str, args: &[(&str, Arg<'_>)]) -> Result<String, FormatError> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(pos) = rest.find('%') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos + 1..];
        if let Some(after) = rest.strip_prefix('%') {
            out.push('%');
            rest = after;
            continue;
        }
        let inner = rest.strip_prefix('(').ok_or(FormatError)?;
        let close = inner.find(')').ok_or(FormatError)?;
        let key = &inner[..close];
        rest = &inner[close + 1..];
        let (spec, conversion, after) = split_spec(rest)?;
        rest = after;
        let value = args
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, v)| *v)
            .ok_or(FormatError)?;
        render(&mut out, &spec, conversion, value)?;
    }
    out.push_str(rest);
    Ok(out)
}

#[derive(Debug, Default)]
struct Spec {
    left: bool,
    zero: bool,
    plus: bool,
    space: bool,
    width: usize,
    precision: Option<usize>,
}

/// Widths beyond this are refused rather than allocated.
const MAX_WIDTH: usize = 1 << 16;

fn split_spec(s: &str) -> Result<(Spec, char, &str), FormatError> {
    let mut spec = Spec::default();
    let mut chars = s.char_indices().peekable();
    while let Some(&(_, c)) = chars.peek() {
        match c {
            '-' => spec.left = true,
            '0' => spec.zero = true,
            '+' => spec.plus = true,
            ' ' => spec.space = true,
            '#' => {}
            _ => break,
        }
        chars.next();
    }
    spec.width = read_number(&mut chars)?;
    if chars.peek().map(|&(_, c)| c) == Some('.') {
        chars.next();
        spec.precision = Some(read_number(&mut chars)?);
    }
    while let Some(&(_, 'h' | 'l' | 'L')) = chars.peek() {
        chars.next();
    }
    let (i, conversion) = chars.next().ok_or(FormatError)?;
    Ok((spec, conversion, &s[i + conversion.len_utf8()..]))
}

fn read_number(
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
) -> Result<usize, FormatError> {
    let mut n = 0usize;
    while let Some(&(_, c)) = chars.peek() {
        let Some(d) = c.to_digit(10) else { break };
        n = n * 10 + d as usize;
        if n > MAX_WIDTH {
            return Err(FormatError);
        }
        chars.next();
    }
    Ok(n)
}

fn render(
    out: &mut String,
    spec: &Spec,
    conversion: char,
    value: Arg<'_>,
) -> Result<(), FormatError> {
    let body: String = match (conversion, value) {
        ('s', Arg::Str(s)) => match spec.precision {
            Some(p) => s.chars().take(p).collect(),
            None => s.to_owned(),
        },
        ('s', Arg::Int(n)) => {
            let s = n.to_string();
            match spec.precision {
                Some(p) => s.chars().take(p).collect(),
                None => s,
            }
        }
        ('d' | 'i' | 'u', Arg::Int(n)) => {
            let mut digits = n.unsigned_abs().to_string();
            if let Some(p) = spec.precision {
                while digits.len() < p {
                    digits.insert(0, '0');
                }
            }
            let sign = if n < 0 {
                "-"
            } else if spec.plus {
                "+"
            } else if spec.space {
                " "
            } else {
                ""
            };
            if spec.zero && !spec.left {
                while sign.len() + digits.len() < spec.width {
                    digits.insert(0, '0');
                }
            }
            format!("{sign}{digits}")
        }
        _ => return Err(FormatError),
    };
    let len = body.chars().count();
    let pad = spec.width.saturating_sub(len);
    if spec.left {
        out.push_str(&body);
        out.extend(std::iter::repeat_n(' ', pad));
    } else {
        out.extend(std::iter::repeat_n(' ', pad));
        out.push_str(&body);
    }
    Ok(())
}

/// `str(n)` with thousands separators the way Tornado's `friendly_number`
/// makes them: the decimal text is cut into groups of three from the right,
/// sign included (so `-100` becomes `-,100`, as in Tornado).
pub(crate) fn group_thousands(n: i128) -> String {
    let s = n.to_string();
    let bytes = s.as_bytes();
    let mut groups: Vec<&str> = Vec::new();
    let mut end = bytes.len();
    while end > 0 {
        let start = end.saturating_sub(3);
        groups.push(&s[start..end]);
        end = start;
    }
    groups.reverse();
    let mut out = String::with_capacity(s.len() + groups.len());
    for (i, g) in groups.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{g}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_placeholders() {
        let args = [("seconds", Arg::Int(5)), ("time", Arg::Str("2:30 pm"))];
        assert_eq!(
            format("%(seconds)d s, %(time)s, 100%%", &args).unwrap(),
            "5 s, 2:30 pm, 100%"
        );
        assert_eq!(
            format("%(seconds)03d|%(time)-9s|", &args).unwrap(),
            "005|2:30 pm  |"
        );
        assert_eq!(format("%(seconds)s", &args).unwrap(), "5");
        assert_eq!(format("plain", &args).unwrap(), "plain");
    }

    #[test]
    fn malformed_templates_are_errors() {
        let args = [("time", Arg::Str("x"))];
        for bad in [
            "%(time)d",
            "%(nope)s",
            "%s",
            "%(time",
            "%(time)",
            "50%",
            "%(time)q",
            "%(time)999999999s",
        ] {
            assert_eq!(format(bad, &args), Err(FormatError), "{bad}");
        }
    }

    #[test]
    fn thousands_like_tornado() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(1_000_000), "1,000,000");
        assert_eq!(group_thousands(-1000), "-1,000");
        assert_eq!(group_thousands(-100), "-,100");
    }
}
