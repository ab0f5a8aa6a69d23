//! Python string formatting: `'%s' % args`, `str.format` and `format()`.

use std::fmt::Write;
use std::rc::Rc;

use crate::error::{Error, ErrorKind};
use crate::value::repr::{decimal_len, push_float, push_int, push_two_digits};
use crate::value::{Kwargs, Value};

/// Formats a float in `e`, `f` or `g` style the way C's printf (and
/// Python's `%` operator) does.
fn fmt_float(f: f64, prec: usize, ty: char, alt: bool) -> String {
    let upper = ty.is_ascii_uppercase();
    if !f.is_finite() {
        let s = if f.is_nan() {
            "nan"
        } else if f > 0.0 {
            "inf"
        } else {
            "-inf"
        };
        return if upper {
            s.to_uppercase()
        } else {
            s.to_owned()
        };
    }
    let out = match ty.to_ascii_lowercase() {
        'f' => {
            let s = format!("{f:.prec$}");
            if alt && prec == 0 { s + "." } else { s }
        }
        'e' => exp_format(f, prec, alt),
        _ => {
            let p = if prec == 0 { 1 } else { prec };
            // The exponent after rounding to `p` significant digits.
            let e_repr = exp_format(f, p - 1, false);
            let exp: i32 = e_repr
                .rsplit_once('e')
                .and_then(|(_, e)| e.parse().ok())
                .unwrap_or(0);
            let mut s = if -4 <= exp && exp < p as i32 {
                format!("{:.*}", (p as i32 - 1 - exp).max(0) as usize, f)
            } else {
                e_repr
            };
            if !alt {
                // Strip trailing zeros of the fraction.
                let (mant, exp_part) = match s.find('e') {
                    Some(i) => (s[..i].to_owned(), s[i..].to_owned()),
                    None => (s.clone(), String::new()),
                };
                let mant = if mant.contains('.') {
                    mant.trim_end_matches('0').trim_end_matches('.').to_owned()
                } else {
                    mant
                };
                s = mant + &exp_part;
            } else if !s.contains('.') {
                match s.find('e') {
                    Some(i) => s.insert(i, '.'),
                    None => s.push('.'),
                }
            }
            s
        }
    };
    if upper { out.to_uppercase() } else { out }
}

fn exp_format(f: f64, prec: usize, alt: bool) -> String {
    let s = format!("{f:.prec$e}");
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut mant = mant.to_owned();
    if alt && prec == 0 {
        mant.push('.');
    }
    format!("{mant}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
}

fn as_float(v: &Value) -> Result<f64, Error> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) => Ok(*i as f64),
        Value::Bool(b) => Ok(*b as i64 as f64),
        // Python 3.11's message (that of its float conversion).
        _ => Err(Error::type_error(format!(
            "must be real number, not {}",
            v.type_name()
        ))),
    }
}

fn as_int(v: &Value, conv: char) -> Result<i64, Error> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(*b as i64),
        Value::Float(f) if matches!(conv, 'd' | 'i' | 'u') => {
            if !f.is_finite() {
                return Err(Error::new(
                    ErrorKind::OverflowError,
                    "cannot convert float infinity to integer",
                ));
            }
            Ok(f.trunc() as i64)
        }
        _ => {
            let what = if matches!(conv, 'd' | 'i' | 'u') {
                "a real number"
            } else {
                "an integer"
            };
            Err(Error::type_error(format!(
                "%{conv} format: {what} is required, not {}",
                v.type_name()
            )))
        }
    }
}

/// Writes `f` with `prec` fraction digits, right-aligned in `width` (with
/// zeros after the sign when `zero`), exactly as C's `%f` does, when that
/// can be done with one float multiplication: small precisions and
/// magnitudes whose scaled value is not within rounding error of a tie.
/// Returns false, having written nothing, otherwise.
fn push_fixed(f: f64, prec: usize, width: usize, plus: bool, zero: bool, out: &mut String) -> bool {
    const POW10: [f64; 10] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
    let Some(&scale) = POW10.get(prec) else {
        return false;
    };
    // Powers of ten up to 1e9 are exact, so `a * scale` is the exact
    // product rounded once: below 2**40 its error is at most 2**-13, and
    // rounding it to an integer matches rounding the exact value unless a
    // half-way point lies within that error.
    let scaled = f.abs() * scale;
    if scaled.is_nan() || scaled >= (1u64 << 40) as f64 {
        return false;
    }
    // `scaled` is not negative, so truncation is its floor.
    let whole = scaled as u64;
    let frac = scaled - whole as f64;
    if (frac - 0.5).abs() < 1.0 / 4096.0 {
        return false;
    }
    let n = whole + u64::from(frac > 0.5);
    let pow = 10u64.pow(prec as u32);
    let (int_part, frac_part) = (n / pow, n % pow);
    let sign = if f.is_sign_negative() {
        "-"
    } else if plus {
        "+"
    } else {
        ""
    };
    let body_len = decimal_len(int_part) + if prec > 0 { prec + 1 } else { 0 };
    let fill = width.saturating_sub(sign.len() + body_len);
    if !zero {
        (0..fill).for_each(|_| out.push(' '));
    }
    out.push_str(sign);
    if zero {
        (0..fill).for_each(|_| out.push('0'));
    }
    // Both parts are below 2**40.
    push_int(int_part as i64, out);
    if prec > 0 {
        out.push('.');
        if prec == 2 {
            push_two_digits(frac_part, out);
        } else {
            (decimal_len(frac_part)..prec).for_each(|_| out.push('0'));
            push_int(frac_part as i64, out);
        }
    }
    true
}

/// Pads a formatted number or string to `width`.
fn pad_field(body: String, sign: &str, width: usize, left: bool, zero: bool) -> String {
    let len = body.chars().count() + sign.len();
    if len >= width {
        return format!("{sign}{body}");
    }
    let fill = width - len;
    if left {
        format!("{sign}{body}{}", " ".repeat(fill))
    } else if zero {
        format!("{sign}{}{body}", "0".repeat(fill))
    } else {
        format!("{}{sign}{body}", " ".repeat(fill))
    }
}

/// Python's `fmt % args`.
pub(crate) fn percent_format(fmt: &str, args: &Value) -> Result<String, Error> {
    let mut out = String::with_capacity(fmt.len() + 16);
    percent_format_into(fmt, args, &mut out)?;
    Ok(out)
}

/// [`percent_format`] appending to `out` (on error, `out` may hold a prefix).
pub(crate) fn percent_format_into(fmt: &str, args: &Value, out: &mut String) -> Result<(), Error> {
    match args {
        Value::Tuple(t) => percent_format_tuple(fmt, t, out),
        // Python treats any argument with `__getitem__` other than a str or
        // a tuple as a mapping: `%(key)s` looks keys up in it, and leftover
        // arguments are not an error.
        Value::Dict(_) | Value::Object(_) | Value::List(_) | Value::Range(_) | Value::Bytes(_) => {
            format_args(fmt, std::slice::from_ref(args), Some(args), false, out)
        }
        other => format_args(fmt, std::slice::from_ref(other), None, false, out),
    }
}

/// `fmt % (a, b, ...)` given the items of the tuple.
pub(crate) fn percent_format_tuple(
    fmt: &str,
    items: &[Value],
    out: &mut String,
) -> Result<(), Error> {
    format_args(fmt, items, None, true, out)
}

fn format_args(
    fmt: &str,
    positional: &[Value],
    mapping: Option<&Value>,
    tuple: bool,
    out: &mut String,
) -> Result<(), Error> {
    apply_pieces(fmt, Pieces::new(fmt), positional, mapping, tuple, out)
}

/// A `%` format string parsed once, for formats written as literals.
#[derive(Debug)]
pub(crate) struct PercentFormat {
    fmt: Rc<str>,
    pieces: Vec<Piece>,
    /// The pieces as [`PercentFormat::write_simple`] writes them, when
    /// every directive is one it handles.
    simple: Option<Box<[Simple]>>,
    /// How many arguments the simple pieces take.
    simple_args: usize,
}

/// A piece of a format of the common shapes: literal text, `%%`, `%s`,
/// `%d` and fixed-point `%f`, without mapping keys or `*` counts.
#[derive(Debug)]
enum Simple {
    /// Literal text, as written and HTML-escaped.
    Text(Box<str>, Box<str>),
    /// `%%`.
    Percent,
    /// `%s` without width or precision.
    Str,
    /// `%d` (or `%i`, `%u`) without width or precision.
    Int,
    /// `%f` (or `%F`) right-aligned, with a fixed width and precision.
    Fixed {
        prec: usize,
        width: usize,
        plus: bool,
        zero: bool,
    },
}

/// The [`Simple`] pieces of a format and how many arguments they take, or
/// `None` when some piece has another shape.
fn simple_pieces(fmt: &str, pieces: &[Piece]) -> Option<(Box<[Simple]>, usize)> {
    let mut simple = Vec::with_capacity(pieces.len());
    let mut args = 0;
    for piece in pieces {
        let d = match *piece {
            Piece::Text(start, end) => {
                let text = &fmt[start..end];
                let mut escaped = String::new();
                crate::vm::escape_into(text, &mut escaped);
                simple.push(Simple::Text(text.into(), escaped.into()));
                continue;
            }
            Piece::BadKey => return None,
            Piece::Directive(d) => d,
        };
        let Count::Fixed(width) = d.width else {
            return None;
        };
        let prec = match d.prec {
            None => None,
            Some(Count::Fixed(p)) => Some(p),
            Some(Count::Star) => return None,
        };
        if d.key.is_some()
            || width > crate::value::ops::MAX_REPEAT_LEN
            || prec.unwrap_or(0) > crate::value::ops::MAX_REPEAT_LEN
        {
            return None;
        }
        // The conditions under which `apply_pieces` takes its own direct
        // paths for these conversions.
        let plain = width == 0 && !d.plus && !d.space && prec.is_none();
        simple.push(match d.conv?.0 {
            '%' => Simple::Percent,
            's' if plain => Simple::Str,
            'd' | 'i' | 'u' if plain => Simple::Int,
            'f' | 'F' if !d.space && !d.alt && !d.left => Simple::Fixed {
                prec: prec.unwrap_or(6),
                width,
                plus: d.plus,
                zero: d.zero,
            },
            _ => return None,
        });
        if !matches!(simple.last(), Some(Simple::Percent)) {
            args += 1;
        }
    }
    Some((simple.into(), args))
}

impl PercentFormat {
    pub(crate) fn new(fmt: Rc<str>) -> PercentFormat {
        let pieces: Vec<Piece> = Pieces::new(&fmt).collect();
        let (simple, simple_args) = match simple_pieces(&fmt, &pieces) {
            Some((s, n)) => (Some(s), n),
            None => (None, 0),
        };
        PercentFormat {
            fmt,
            pieces,
            simple,
            simple_args,
        }
    }

    /// `fmt % args` for positional `args` (a tuple's items, or the one
    /// argument that is not a tuple), written straight into `out`,
    /// HTML-escaped when `xhtml`, for formats of simple pieces and arguments
    /// of the types they print directly. Returns false, having written
    /// nothing, when the general formatter is needed (other shapes, other
    /// types, errors).
    pub(crate) fn write_simple(&self, args: &[Value], out: &mut String, xhtml: bool) -> bool {
        let Some(pieces) = &self.simple else {
            return false;
        };
        if args.len() != self.simple_args {
            // "not enough arguments", "not all arguments converted".
            return false;
        }
        let mark = out.len();
        let mut args = args.iter();
        for piece in pieces.iter() {
            let written = match piece {
                Simple::Text(plain, escaped) => {
                    out.push_str(if xhtml { escaped } else { plain });
                    true
                }
                Simple::Percent => {
                    out.push('%');
                    true
                }
                // `xhtml_escape` maps characters one by one, so escaping
                // the pieces is escaping the whole; numbers need none.
                Simple::Str => match args.next() {
                    Some(Value::Str(s)) => {
                        if xhtml {
                            crate::vm::escape_into(s, out);
                        } else {
                            out.push_str(s);
                        }
                        true
                    }
                    Some(Value::Int(i)) => {
                        push_int(*i, out);
                        true
                    }
                    Some(Value::Float(f)) => {
                        push_float(*f, out);
                        true
                    }
                    _ => false,
                },
                Simple::Int => match args.next() {
                    Some(Value::Int(i)) => {
                        push_int(*i, out);
                        true
                    }
                    _ => false,
                },
                &Simple::Fixed {
                    prec,
                    width,
                    plus,
                    zero,
                } => match args.next() {
                    Some(Value::Float(f)) if f.is_finite() => {
                        push_fixed(*f, prec, width, plus, zero, out)
                    }
                    Some(Value::Int(i)) => push_fixed(*i as f64, prec, width, plus, zero, out),
                    _ => false,
                },
            };
            if !written {
                out.truncate(mark);
                return false;
            }
        }
        true
    }

    /// The format string.
    pub(crate) fn text(&self) -> &Rc<str> {
        &self.fmt
    }

    /// `fmt % args`, appended to `out`.
    pub(crate) fn format_into(&self, args: &Value, out: &mut String) -> Result<(), Error> {
        let pieces = self.pieces.iter().copied();
        match args {
            Value::Tuple(t) => apply_pieces(&self.fmt, pieces, t, None, true, out),
            Value::Dict(_)
            | Value::Object(_)
            | Value::List(_)
            | Value::Range(_)
            | Value::Bytes(_) => apply_pieces(
                &self.fmt,
                pieces,
                std::slice::from_ref(args),
                Some(args),
                false,
                out,
            ),
            other => apply_pieces(
                &self.fmt,
                pieces,
                std::slice::from_ref(other),
                None,
                false,
                out,
            ),
        }
    }

    /// `fmt % (a, b, ...)` given the items of the tuple.
    pub(crate) fn format_tuple(&self, items: &[Value], out: &mut String) -> Result<(), Error> {
        apply_pieces(
            &self.fmt,
            self.pieces.iter().copied(),
            items,
            None,
            true,
            out,
        )
    }
}

/// Literal text or a conversion directive of a `%` format string.
#[derive(Debug, Clone, Copy)]
enum Piece {
    /// Literal text, `fmt[start..end]`.
    Text(usize, usize),
    /// `%(key` without its closing parenthesis: an error once reached.
    BadKey,
    /// A conversion (or `%%`).
    Directive(Directive),
}

#[derive(Debug, Clone, Copy)]
struct Directive {
    /// The `%(key)` mapping key, `fmt[start..end]`.
    key: Option<(usize, usize)>,
    left: bool,
    zero: bool,
    plus: bool,
    space: bool,
    alt: bool,
    width: Count,
    prec: Option<Count>,
    /// The conversion character and its byte offset; `None` when the
    /// format string ends first.
    conv: Option<(char, usize)>,
}

/// A width or precision: written out, or `*` (taken from the arguments).
#[derive(Debug, Clone, Copy)]
enum Count {
    Fixed(usize),
    Star,
}

/// The pieces of a `%` format string, parsed as they are needed, so that
/// errors surface where Python's formatter would raise them.
struct Pieces<'a> {
    fmt: &'a str,
    at: usize,
    done: bool,
}

impl Pieces<'_> {
    fn new(fmt: &str) -> Pieces<'_> {
        Pieces {
            fmt,
            at: 0,
            done: false,
        }
    }
}

fn parse_count(b: &[u8], i: &mut usize) -> usize {
    let mut n = 0usize;
    while let Some(d) = b.get(*i).filter(|c| c.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add((d - b'0') as usize);
        *i += 1;
    }
    n
}

impl Iterator for Pieces<'_> {
    type Item = Piece;

    fn next(&mut self) -> Option<Piece> {
        let b = self.fmt.as_bytes();
        let start = self.at;
        if self.done || start >= b.len() {
            return None;
        }
        if b[start] != b'%' {
            // The literal run up to the next '%', in one piece.
            let end = b[start..]
                .iter()
                .position(|&c| c == b'%')
                .map_or(b.len(), |p| start + p);
            self.at = end;
            return Some(Piece::Text(start, end));
        }
        let mut i = start + 1;
        let mut key = None;
        if b.get(i) == Some(&b'(') {
            let mut depth = 1;
            let key_start = i + 1;
            i += 1;
            while i < b.len() && depth > 0 {
                match b[i] {
                    b'(' => depth += 1,
                    b')' => depth -= 1,
                    _ => {}
                }
                i += 1;
            }
            if depth > 0 {
                self.done = true;
                return Some(Piece::BadKey);
            }
            key = Some((key_start, i - 1));
        }
        let (mut left, mut zero, mut plus, mut space, mut alt) =
            (false, false, false, false, false);
        while let Some(&f) = b.get(i) {
            match f {
                b'-' => left = true,
                b'0' => zero = true,
                b'+' => plus = true,
                b' ' => space = true,
                b'#' => alt = true,
                _ => break,
            }
            i += 1;
        }
        let width = if b.get(i) == Some(&b'*') {
            i += 1;
            Count::Star
        } else {
            Count::Fixed(parse_count(b, &mut i))
        };
        let mut prec = None;
        if b.get(i) == Some(&b'.') {
            i += 1;
            prec = Some(if b.get(i) == Some(&b'*') {
                i += 1;
                Count::Star
            } else {
                Count::Fixed(parse_count(b, &mut i))
            });
        }
        while matches!(b.get(i), Some(b'h' | b'l' | b'L')) {
            i += 1;
        }
        let conv = self.fmt[i..].chars().next().map(|c| (c, i));
        match conv {
            Some((c, _)) => i += c.len_utf8(),
            None => self.done = true,
        }
        self.at = i;
        Some(Piece::Directive(Directive {
            key,
            left,
            zero,
            plus,
            space,
            alt,
            width,
            prec,
            conv,
        }))
    }
}

fn apply_pieces(
    fmt: &str,
    pieces: impl Iterator<Item = Piece>,
    positional: &[Value],
    mapping: Option<&Value>,
    tuple: bool,
    out: &mut String,
) -> Result<(), Error> {
    let mut next = 0usize;
    let not_enough = || Error::type_error("not enough arguments for format string");
    let take_arg = |next: &mut usize| -> Result<&Value, Error> {
        let v = positional.get(*next).ok_or_else(not_enough)?;
        *next += 1;
        Ok(v)
    };
    for piece in pieces {
        let d = match piece {
            Piece::Text(start, end) => {
                out.push_str(&fmt[start..end]);
                continue;
            }
            Piece::BadKey => return Err(Error::value_error("incomplete format key")),
            Piece::Directive(d) => d,
        };
        let Directive {
            mut left,
            zero,
            plus,
            space,
            alt,
            ..
        } = d;
        let width = match d.width {
            Count::Fixed(w) => w,
            Count::Star => {
                let w = crate::builtins::to_index(take_arg(&mut next)?, "")
                    .map_err(|_| Error::type_error("* wants int"))?;
                if w < 0 {
                    left = true;
                }
                w.unsigned_abs() as usize
            }
        };
        let prec = match d.prec {
            None => None,
            Some(Count::Fixed(p)) => Some(p),
            Some(Count::Star) => {
                let p = crate::builtins::to_index(take_arg(&mut next)?, "")
                    .map_err(|_| Error::type_error("* wants int"))?;
                Some(p.max(0) as usize)
            }
        };
        if width > crate::value::ops::MAX_REPEAT_LEN
            || prec.unwrap_or(0) > crate::value::ops::MAX_REPEAT_LEN
        {
            return Err(Error::new(ErrorKind::MemoryError, "format width too large"));
        }
        let Some((conv, conv_at)) = d.conv else {
            return Err(Error::value_error("incomplete format"));
        };
        if conv == '%' {
            out.push('%');
            continue;
        }
        let key = d.key.map(|(start, end)| &fmt[start..end]);
        let looked_up;
        let arg = match key {
            Some(k) => {
                let m = mapping.ok_or_else(|| Error::type_error("format requires a mapping"))?;
                looked_up = crate::vm::get_item(m, &Value::from(k))?;
                &looked_up
            }
            None => take_arg(&mut next)?,
        };
        let sign_of = |neg: bool| {
            if neg {
                "-"
            } else if plus {
                "+"
            } else if space {
                " "
            } else {
                ""
            }
        };
        let simple = width == 0 && !plus && !space;
        match conv {
            's' | 'r' | 'a' => {
                if simple && prec.is_none() && conv == 's' {
                    match arg {
                        Value::Str(s) => out.push_str(s),
                        Value::Int(i) => crate::value::repr::push_int(*i, out),
                        other => crate::value::repr::write_str(other, out),
                    }
                    continue;
                }
                let mut s = if conv == 's' {
                    arg.to_str()
                } else {
                    arg.repr()
                };
                if let Some(p) = prec {
                    s = s.chars().take(p).collect();
                }
                out.push_str(&pad_field(s, "", width, left, false));
            }
            'd' | 'i' | 'u' if matches!(arg, Value::BigInt(_)) => {
                let Value::BigInt(b) = arg else { continue };
                let text = b.abs().to_string();
                let body = match prec {
                    Some(p) if text.len() < p => "0".repeat(p - text.len()) + &text,
                    _ => text,
                };
                out.push_str(&pad_field(
                    body,
                    sign_of(b.is_negative()),
                    width,
                    left,
                    zero,
                ));
            }
            'd' | 'i' | 'u' | 'x' | 'X' | 'o' => {
                let n = as_int(arg, conv)?;
                if simple && prec.is_none() && matches!(conv, 'd' | 'i' | 'u') {
                    crate::value::repr::push_int(n, out);
                    continue;
                }
                let mag = n.unsigned_abs();
                let mut body = match conv {
                    'x' => format!("{mag:x}"),
                    'X' => format!("{mag:X}"),
                    'o' => format!("{mag:o}"),
                    _ => mag.to_string(),
                };
                if let Some(p) = prec {
                    if body.len() < p {
                        body = "0".repeat(p - body.len()) + &body;
                    }
                }
                let prefix = match (alt, conv) {
                    (true, 'x') => "0x",
                    (true, 'X') => "0X",
                    (true, 'o') => "0o",
                    _ => "",
                };
                let sign = format!("{}{prefix}", sign_of(n < 0));
                out.push_str(&pad_field(body, &sign, width, left, zero));
            }
            'f' | 'F' if !space && !alt && as_float(arg).is_ok_and(f64::is_finite) => {
                // Rust's fixed-point formatting rounds like C's printf and pads
                // sign-aware with zeros, so write straight into the output.
                let f = as_float(arg)?;
                let p = prec.unwrap_or(6);
                let w = width;
                if !left && push_fixed(f, p, w, plus, zero, out) {
                    continue;
                }
                let _ = match (left, plus, zero) {
                    (true, true, _) => write!(out, "{f:<+w$.p$}"),
                    (true, false, _) => write!(out, "{f:<w$.p$}"),
                    (false, true, true) => write!(out, "{f:+0w$.p$}"),
                    (false, true, false) => write!(out, "{f:+w$.p$}"),
                    (false, false, true) => write!(out, "{f:0w$.p$}"),
                    (false, false, false) => write!(out, "{f:w$.p$}"),
                };
            }
            'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
                let f = as_float(arg)?;
                let body = fmt_float(f.abs(), prec.unwrap_or(6), conv, alt);
                let neg = f.is_sign_negative() && !f.is_nan();
                out.push_str(&pad_field(
                    body,
                    sign_of(neg),
                    width,
                    left,
                    zero && f.is_finite(),
                ));
            }
            'c' => {
                let s = match arg {
                    Value::Str(s) if s.chars().count() == 1 => s.to_string(),
                    Value::Int(_) | Value::Bool(_) => u32::try_from(as_int(arg, 'c')?)
                        .ok()
                        .and_then(char::from_u32)
                        .map(String::from)
                        .ok_or_else(|| {
                            Error::new(ErrorKind::OverflowError, "%c arg not in range(0x110000)")
                        })?,
                    _ => {
                        return Err(Error::type_error(
                            "%c requires an int or a unicode character",
                        ));
                    }
                };
                out.push_str(&pad_field(s, "", width, left, false));
            }
            other => {
                return Err(Error::value_error(format!(
                    "unsupported format character '{other}' (0x{:x}) at index {conv_at}",
                    other as u32,
                )));
            }
        }
    }
    if mapping.is_none() && next < positional.len() && tuple {
        return Err(Error::type_error(
            "not all arguments converted during string formatting",
        ));
    }
    if mapping.is_none() && !tuple && next == 0 {
        return Err(Error::type_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(())
}

struct Spec {
    fill: char,
    align: Option<char>,
    sign: char,
    alt: bool,
    zero: bool,
    width: usize,
    grouping: Option<char>,
    prec: Option<usize>,
    ty: Option<char>,
}

fn parse_spec(spec: &str) -> Result<Spec, Error> {
    let c: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let mut s = Spec {
        fill: ' ',
        align: None,
        sign: '-',
        alt: false,
        zero: false,
        width: 0,
        grouping: None,
        prec: None,
        ty: None,
    };
    let is_align = |ch: char| matches!(ch, '<' | '>' | '^' | '=');
    if c.len() >= 2 && is_align(c[1]) {
        s.fill = c[0];
        s.align = Some(c[1]);
        i = 2;
    } else if !c.is_empty() && is_align(c[0]) {
        s.align = Some(c[0]);
        i = 1;
    }
    if let Some(&ch @ ('+' | '-' | ' ')) = c.get(i) {
        s.sign = ch;
        i += 1;
    }
    if c.get(i) == Some(&'#') {
        s.alt = true;
        i += 1;
    }
    if c.get(i) == Some(&'0') {
        s.zero = true;
        i += 1;
    }
    while let Some(d) = c.get(i).and_then(|ch| ch.to_digit(10)) {
        s.width = s.width.saturating_mul(10).saturating_add(d as usize);
        i += 1;
    }
    if let Some(&g @ (',' | '_')) = c.get(i) {
        s.grouping = Some(g);
        i += 1;
    }
    if c.get(i) == Some(&'.') {
        i += 1;
        let mut p = 0usize;
        let start = i;
        while let Some(d) = c.get(i).and_then(|ch| ch.to_digit(10)) {
            p = p.saturating_mul(10).saturating_add(d as usize);
            i += 1;
        }
        if i == start {
            return Err(Error::value_error("Format specifier missing precision"));
        }
        s.prec = Some(p);
    }
    if i < c.len() {
        s.ty = Some(c[i]);
        i += 1;
    }
    if i < c.len() {
        return Err(Error::value_error("Invalid format specifier"));
    }
    if s.width > crate::value::ops::MAX_REPEAT_LEN
        || s.prec.unwrap_or(0) > crate::value::ops::MAX_REPEAT_LEN
    {
        return Err(Error::new(ErrorKind::MemoryError, "format width too large"));
    }
    Ok(s)
}

fn group_digits(digits: &str, sep: char) -> String {
    let (int, frac) = match digits.find('.') {
        Some(i) => (&digits[..i], &digits[i..]),
        None => (digits, ""),
    };
    let mut out = String::new();
    for (n, ch) in int.chars().enumerate() {
        if n > 0 && (int.len() - n) % 3 == 0 {
            out.push(sep);
        }
        out.push(ch);
    }
    out + frac
}

fn apply_width(body: String, sign: &str, spec: &Spec, numeric: bool) -> String {
    let len = body.chars().count() + sign.chars().count();
    let align = spec.align.unwrap_or(if spec.zero && numeric {
        '='
    } else if numeric {
        '>'
    } else {
        '<'
    });
    let fill = if spec.zero && spec.align.is_none() {
        '0'
    } else {
        spec.fill
    };
    if len >= spec.width {
        return format!("{sign}{body}");
    }
    let n = spec.width - len;
    let rep = |k: usize| std::iter::repeat_n(fill, k).collect::<String>();
    match align {
        '<' => format!("{sign}{body}{}", rep(n)),
        '^' => format!("{}{sign}{body}{}", rep(n / 2), rep(n - n / 2)),
        '=' => format!("{sign}{}{body}", rep(n)),
        _ => format!("{}{sign}{body}", rep(n)),
    }
}

/// Python's `format(value, spec)`.
pub(crate) fn format_value(v: &Value, spec: &str) -> Result<String, Error> {
    if spec.is_empty() {
        return Ok(v.to_str());
    }
    let s = parse_spec(spec)?;
    let sign_str = |neg: bool| -> &'static str {
        if neg {
            "-"
        } else if s.sign == '+' {
            "+"
        } else if s.sign == ' ' {
            " "
        } else {
            ""
        }
    };
    match v {
        Value::Str(text) => {
            if !matches!(s.ty, None | Some('s')) {
                return Err(Error::value_error(format!(
                    "Unknown format code '{}' for object of type 'str'",
                    s.ty.unwrap_or('s')
                )));
            }
            if let Some(g) = s.grouping {
                return Err(Error::value_error(format!(
                    "Cannot specify '{g}' with 's'."
                )));
            }
            if spec.contains(['+', ' ']) && s.sign != '-' {
                return Err(Error::value_error(
                    "Sign not allowed in string format specifier",
                ));
            }
            if s.alt {
                return Err(Error::value_error(
                    "Alternate form (#) not allowed in string format specifier",
                ));
            }
            if s.align == Some('=') {
                return Err(Error::value_error(
                    "'=' alignment not allowed in string format specifier",
                ));
            }
            let body: String = match s.prec {
                Some(p) => text.chars().take(p).collect(),
                None => text.to_string(),
            };
            Ok(apply_width(body, "", &s, false))
        }
        Value::Int(_) | Value::Bool(_)
            if matches!(s.ty, None | Some('d' | 'x' | 'X' | 'o' | 'b' | 'c' | 'n')) =>
        {
            let n = match v {
                Value::Int(i) => *i,
                Value::Bool(b) => *b as i64,
                _ => 0,
            };
            if s.prec.is_some() {
                return Err(Error::value_error(
                    "Precision not allowed in integer format specifier",
                ));
            }
            let mag = n.unsigned_abs();
            let (mut body, prefix) = match s.ty {
                Some('x') => (format!("{mag:x}"), "0x"),
                Some('X') => (format!("{mag:X}"), "0X"),
                Some('o') => (format!("{mag:o}"), "0o"),
                Some('b') => (format!("{mag:b}"), "0b"),
                Some('c') => {
                    let ch = u32::try_from(n)
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or_else(|| {
                            Error::new(ErrorKind::OverflowError, "%c arg not in range(0x110000)")
                        })?;
                    return Ok(apply_width(ch.to_string(), "", &s, false));
                }
                _ => (mag.to_string(), ""),
            };
            if let Some(g) = s.grouping {
                body = group_digits(&body, g);
            }
            let sign = format!("{}{}", sign_str(n < 0), if s.alt { prefix } else { "" });
            Ok(apply_width(body, &sign, &s, true))
        }
        Value::BigInt(b) if matches!(s.ty, None | Some('d' | 'n')) => {
            let mut body = b.abs().to_string();
            if let Some(g) = s.grouping {
                body = group_digits(&body, g);
            }
            Ok(apply_width(body, sign_str(b.is_negative()), &s, true))
        }
        Value::Int(_) | Value::Bool(_) | Value::Float(_) => {
            let f = match v {
                Value::Int(i) => *i as f64,
                Value::Bool(b) => *b as i64 as f64,
                Value::Float(f) => *f,
                _ => 0.0,
            };
            let neg = f.is_sign_negative() && !f.is_nan();
            let a = f.abs();
            let mut body = match s.ty {
                Some(t @ ('e' | 'E' | 'f' | 'F' | 'g' | 'G')) => {
                    fmt_float(a, s.prec.unwrap_or(6), t, s.alt)
                }
                Some('%') => fmt_float(a * 100.0, s.prec.unwrap_or(6), 'f', s.alt) + "%",
                Some('n') => fmt_float(a, s.prec.unwrap_or(6), 'g', s.alt),
                None => match s.prec {
                    Some(p) => {
                        let g = fmt_float(a, p.max(1), 'g', s.alt);
                        if g.contains(['.', 'e', 'n', 'i']) {
                            g
                        } else {
                            g + ".0"
                        }
                    }
                    None => {
                        let mut r = String::new();
                        push_float(a, &mut r);
                        r
                    }
                },
                Some(t) => {
                    return Err(Error::value_error(format!(
                        "Unknown format code '{t}' for object of type '{}'",
                        v.type_name()
                    )));
                }
            };
            if let Some(g) = s.grouping {
                body = group_digits(&body, g);
            }
            Ok(apply_width(body, sign_str(neg), &s, true))
        }
        _ => Err(Error::type_error(format!(
            "unsupported format string passed to {}.__format__",
            v.type_name()
        ))),
    }
}

/// Python's `fmt.format(*args, **kwargs)`.
pub(crate) fn str_format(fmt: &str, args: &[Value], kwargs: &Kwargs) -> Result<String, Error> {
    let mut out = String::with_capacity(fmt.len());
    let mut auto: Option<usize> = None;
    let mut manual = false;
    let mut rest = fmt;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let c = rest.as_bytes()[i];
        rest = &rest[i + 1..];
        if c == b'}' {
            if let Some(r) = rest.strip_prefix('}') {
                out.push('}');
                rest = r;
                continue;
            }
            return Err(Error::value_error(
                "Single '}' encountered in format string",
            ));
        }
        if let Some(r) = rest.strip_prefix('{') {
            out.push('{');
            rest = r;
            continue;
        }
        // Find the matching close brace, allowing one level of nesting in the spec.
        let mut depth = 1;
        let mut end = None;
        for (j, ch) in rest.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(j);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            return Err(Error::value_error("expected '}' before end of string"));
        };
        let field = &rest[..end];
        rest = &rest[end + 1..];
        let (head, spec) = match field.find(':') {
            Some(k) => (&field[..k], &field[k + 1..]),
            None => (field, ""),
        };
        let (head, conv) = match head.find('!') {
            Some(k) => (&head[..k], Some(&head[k + 1..])),
            None => (head, None),
        };
        let name_end = head.find(['.', '[']).unwrap_or(head.len());
        let (first, mut accessors) = head.split_at(name_end);
        let mut value = if first.is_empty() {
            if manual {
                return Err(Error::value_error(
                    "cannot switch from manual field specification to automatic field numbering",
                ));
            }
            let n = auto.map_or(0, |n| n + 1);
            auto = Some(n);
            args.get(n).cloned().ok_or_else(|| {
                Error::new(
                    ErrorKind::IndexError,
                    format!("Replacement index {n} out of range for positional args tuple"),
                )
            })?
        } else if let Ok(n) = first.parse::<usize>() {
            if auto.is_some() {
                return Err(Error::value_error(
                    "cannot switch from automatic field numbering to manual field specification",
                ));
            }
            manual = true;
            args.get(n).cloned().ok_or_else(|| {
                Error::new(
                    ErrorKind::IndexError,
                    format!("Replacement index {n} out of range for positional args tuple"),
                )
            })?
        } else {
            kwargs
                .iter()
                .find(|(k, _)| &**k == first)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| Error::new(ErrorKind::KeyError, Value::from(first).repr()))?
        };
        while !accessors.is_empty() {
            if let Some(r) = accessors.strip_prefix('.') {
                let k = r.find(['.', '[']).unwrap_or(r.len());
                value = crate::methods::get_attr(&value, &r[..k])?;
                accessors = &r[k..];
            } else if let Some(r) = accessors.strip_prefix('[') {
                let k = r
                    .find(']')
                    .ok_or_else(|| Error::value_error("Missing ']' in format string"))?;
                let key = &r[..k];
                let key = match key.parse::<i64>() {
                    Ok(n) => Value::Int(n),
                    Err(_) => Value::from(key),
                };
                value = crate::vm::get_item(&value, &key)?;
                accessors = &r[k + 1..];
            } else {
                return Err(Error::value_error(
                    "Only '.' or '[' may follow ']' in format field specifier",
                ));
            }
        }
        let value = match conv {
            None => value,
            Some("r") | Some("a") => Value::from(value.repr()),
            Some("s") => Value::from(value.to_str()),
            Some(_) => return Err(Error::value_error("Unknown conversion specifier")),
        };
        let spec = if spec.contains('{') {
            str_format(spec, args, kwargs)?
        } else {
            spec.to_owned()
        };
        let _ = write!(out, "{}", format_value(&value, &spec)?);
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod fixed_tests {
    #[test]
    fn push_fixed_matches_exact_formatting() {
        let mut seed = 0x9e3779b97f4a7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut checked = 0;
        for i in 0..400_000u64 {
            let r = next();
            let f = match i % 4 {
                0 => (r % 100_000) as f64 / 7.0,
                1 => f64::from_bits(r),
                2 => (r % 1000) as f64 / 1000.0 - 0.5,
                _ => (r % 10_000_000) as f64 * 0.001 - 5000.0,
            };
            if !f.is_finite() {
                continue;
            }
            let p = (next() % 10) as usize;
            let w = (next() % 12) as usize;
            let (plus, zero) = (next() % 2 == 0, next() % 2 == 0);
            let mut got = String::new();
            if !super::push_fixed(f, p, w, plus, zero, &mut got) {
                continue;
            }
            checked += 1;
            let want = match (plus, zero) {
                (true, true) => format!("{f:+0w$.p$}"),
                (true, false) => format!("{f:+w$.p$}"),
                (false, true) => format!("{f:0w$.p$}"),
                (false, false) => format!("{f:w$.p$}"),
            };
            assert_eq!(got, want, "{f:e} prec {p} width {w}");
        }
        assert!(checked > 100_000);
    }
}
