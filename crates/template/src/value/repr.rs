//! Python's `str()` and `repr()` formatting of values.

use std::fmt::Write;

use super::{FnImpl, Value};

/// Appends the decimal form of an integer without going through `fmt`.
#[inline]
pub(crate) fn push_int(i: i64, out: &mut String) {
    if (0..10).contains(&i) {
        out.push(char::from(b'0' + i as u8));
        return;
    }
    push_int_digits(i, out);
}

/// `"00"`, `"01"`, ... `"99"`: integers print two digits at a time.
const DIGIT_PAIRS: &str = concat!(
    "0001020304050607080910111213141516171819",
    "2021222324252627282930313233343536373839",
    "4041424344454647484950515253545556575859",
    "6061626364656667686970717273747576777879",
    "8081828384858687888990919293949596979899",
);

/// Appends `n` (below 100) as exactly two digits.
#[inline]
pub(crate) fn push_two_digits(n: u64, out: &mut String) {
    let p = 2 * (n % 100) as usize;
    out.push_str(&DIGIT_PAIRS[p..p + 2]);
}

/// The number of decimal digits of `n`.
#[inline]
pub(crate) fn decimal_len(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

fn push_int_digits(i: i64, out: &mut String) {
    let mut n = i.unsigned_abs();
    if n < 10_000 {
        // Up to four digits, the common case: at most two groups.
        if i < 0 {
            out.push('-');
        }
        let (hi, lo) = (n / 100, n % 100);
        let lead = if hi == 0 { lo } else { hi };
        if lead >= 10 {
            push_two_digits(lead, out);
        } else {
            out.push(char::from(b'0' + lead as u8));
        }
        if hi != 0 {
            push_two_digits(lo, out);
        }
        return;
    }
    // Two-digit groups, least significant first.
    let mut groups = [0u8; 10];
    let mut count = 0;
    while n >= 100 {
        groups[count] = (n % 100) as u8;
        n /= 100;
        count += 1;
    }
    out.reserve(2 * count + 3);
    if i < 0 {
        out.push('-');
    }
    let lead = n as usize;
    if lead >= 10 {
        out.push_str(&DIGIT_PAIRS[2 * lead..2 * lead + 2]);
    } else {
        out.push(char::from(b'0' + lead as u8));
    }
    for &g in groups[..count].iter().rev() {
        let g = usize::from(g);
        // A constant length: two stores, no `memcpy` call.
        out.push_str(&DIGIT_PAIRS[2 * g..2 * g + 2]);
    }
}

/// Python's `str.isspace()` for one character.
pub(crate) fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Appends Python's `repr()` of a float (shortest round-trip digits, an
/// exponent when the decimal point would fall outside `1e-4 ..= 1e16`).
pub(crate) fn push_float(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str("nan");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f > 0.0 { "inf" } else { "-inf" });
        return;
    }
    if f == 0.0 {
        out.push_str(if f.is_sign_negative() { "-0.0" } else { "0.0" });
        return;
    }
    let a = f.abs();
    if push_short_float(f, out) {
        return;
    }
    if (1e-4..1e16).contains(&a) {
        // Python prints these without an exponent; Rust's `Display` gives the
        // same shortest round-trip digits in plain notation.
        let start = out.len();
        let _ = write!(out, "{f}");
        if !out.as_bytes()[start..].contains(&b'.') {
            out.push_str(".0");
        }
        return;
    }
    // `{:e}` gives the shortest round-trip digits in scientific form.
    let sci = format!("{:e}", f);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if neg {
        out.push('-');
    }
    let decpt = exp + 1;
    if !(-4 < decpt && decpt <= 16) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    } else if decpt <= 0 {
        out.push_str("0.");
        for _ in 0..(-decpt) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let d = decpt as usize;
        if digits.len() <= d {
            out.push_str(&digits);
            for _ in digits.len()..d {
                out.push('0');
            }
            out.push_str(".0");
        } else {
            out.push_str(&digits[..d]);
            out.push('.');
            out.push_str(&digits[d..]);
        }
    }
}

/// Appends the repr of a nonzero finite `f` of magnitude `1e-4 ..
/// 2**50 / 1e4` that is the double nearest some decimal with at most four
/// fraction digits (prices, scores, halves), without the general
/// shortest-digits search. Returns false, having written nothing, for other
/// values.
///
/// With `k` fraction digits, `m = round(f * 10**k)` is the only candidate:
/// the product is within 1.5 units in the last place (below 1/2 at this
/// magnitude) of any decimal `d / 10**k` nearest to `f`. `m / 10**k` is a
/// correctly rounded division of exact operands, so it equals `f` exactly
/// when the decimal reads back as `f`. Trying `k = 0, 1, ...` in turn finds
/// the fewest digits, which is what `repr` prints.
fn push_short_float(f: f64, out: &mut String) -> bool {
    const SCALE: [f64; 5] = [1.0, 10.0, 100.0, 1000.0, 10000.0];
    let a = f.abs();
    if !(1e-4..(1u64 << 50) as f64 / 1e4).contains(&a) {
        return false;
    }
    for (k, &scale) in SCALE.iter().enumerate() {
        let m = (a * scale).round();
        if m / scale != a {
            continue;
        }
        let m = m as u64;
        let pow = 10u64.pow(k as u32);
        if f < 0.0 {
            out.push('-');
        }
        push_int((m / pow) as i64, out);
        out.push('.');
        if k == 0 {
            out.push('0');
        } else {
            let frac = m % pow;
            // Leading zeros of the fraction, then its digits.
            let mut p = pow / 10;
            while p > 1 && frac < p {
                out.push('0');
                p /= 10;
            }
            push_int(frac as i64, out);
        }
        return true;
    }
    false
}

/// Whether Python's `str.isprintable()` holds for `c` (approximated for
/// unassigned code points, which we treat as printable).
pub(crate) fn is_printable(c: char) -> bool {
    let u = c as u32;
    !(u < 0x20
        || (0x7f..=0xa0).contains(&u)
        || u == 0xad
        || u == 0x1680
        || (0x2000..=0x200f).contains(&u)
        || (0x2028..=0x202f).contains(&u)
        || (0x205f..=0x2064).contains(&u)
        || (0x2066..=0x206f).contains(&u)
        || u == 0x3000
        || u == 0xfeff
        || (0xfff9..=0xfffb).contains(&u)
        || (0x600..=0x605).contains(&u)
        || u == 0x61c
        || u == 0x6dd
        || u == 0x70f
        || u == 0x180e
        || (0xe000..=0xf8ff).contains(&u)
        || (0xf0000..=0x10ffff).contains(&u)
        || u == 0xe0001
        || (0xe0020..=0xe007f).contains(&u))
}

/// Appends Python's `repr()` of a string.
pub(crate) fn push_str_repr(s: &str, out: &mut String) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c == ' ' || is_printable(c) => out.push(c),
            c => {
                let u = c as u32;
                let _ = if u < 0x100 {
                    write!(out, "\\x{u:02x}")
                } else if u < 0x10000 {
                    write!(out, "\\u{u:04x}")
                } else {
                    write!(out, "\\U{u:08x}")
                };
            }
        }
    }
    out.push(quote);
}

/// Appends Python's `repr()` of bytes.
pub(crate) fn push_bytes_repr(b: &[u8], out: &mut String) {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    out.push('b');
    out.push(quote);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c if c as char == quote => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(c as char),
            c => {
                let _ = write!(out, "\\x{c:02x}");
            }
        }
    }
    out.push(quote);
}

/// Appends Python's `str()` of a value.
pub(crate) fn write_str(v: &Value, out: &mut String) {
    match v {
        Value::Str(s) => out.push_str(s),
        Value::Object(o) => out.push_str(&o.to_str()),
        _ => write_repr(v, out),
    }
}

/// Appends Python's `repr()` of a value.
pub(crate) fn write_repr(v: &Value, out: &mut String) {
    match v {
        Value::None => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Int(i) => push_int(*i, out),
        Value::BigInt(b) => {
            let _ = write!(out, "{b}");
        }
        Value::Float(f) => push_float(*f, out),
        Value::Str(s) => push_str_repr(s, out),
        Value::Bytes(b) => push_bytes_repr(b, out),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(item, out);
            }
            out.push(']');
        }
        Value::Tuple(items) => {
            out.push('(');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(item, out);
            }
            if items.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        Value::Dict(d) => {
            out.push('{');
            for (i, (k, val)) in d.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(k, out);
                out.push_str(": ");
                write_repr(val, out);
            }
            out.push('}');
        }
        Value::Range(r) => {
            let _ = if r.step == 1 {
                write!(out, "range({}, {})", r.start, r.stop)
            } else {
                write!(out, "range({}, {}, {})", r.start, r.stop, r.step)
            };
        }
        Value::Function(f) => {
            let _ = match &f.imp {
                FnImpl::Host(_) => write!(out, "<function {}>", f.name()),
                FnImpl::Builtin(_) => write!(out, "<built-in function {}>", f.name()),
                FnImpl::Bound(recv, name) => {
                    write!(
                        out,
                        "<built-in method {} of {} object>",
                        name,
                        recv.type_name()
                    )
                }
            };
        }
        Value::Object(o) => out.push_str(&o.to_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(x: f64) -> String {
        let mut s = String::new();
        push_float(x, &mut s);
        s
    }

    #[test]
    fn ints_print_like_display() {
        let mut cases = vec![
            i64::MIN,
            i64::MAX,
            i64::MIN + 1,
            0,
            -1,
            9,
            10,
            99,
            100,
            -100,
        ];
        for p in 0..19 {
            let t = 10i64.pow(p);
            cases.extend([t - 1, t, t + 1, -t, -t + 1, -t - 1]);
        }
        // Every number of up to five digits.
        cases.extend(-100_000..100_000);
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cases.push(x as i64);
            cases.push((x >> (x % 60)) as i64);
        }
        for i in cases {
            let mut got = String::from("x");
            super::push_int(i, &mut got);
            assert_eq!(got, format!("x{i}"));
        }
    }

    #[test]
    fn short_floats_match_the_general_path() {
        let mut seed = 0x2545f4914f6cdd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut short = 0;
        for i in 0..300_000u64 {
            let r = next();
            let x = match i % 5 {
                0 => (r % 2_000_000) as f64 * 0.5 - 500_000.0,
                1 => (r % 100_000) as f64 / 10f64.powi((r % 6) as i32),
                2 => (r % 1000) as f64 * 0.001,
                3 => f64::from_bits(r),
                _ => (r % 10_000_000_000_000) as f64 / 3.0,
            };
            if !x.is_finite() || x == 0.0 {
                continue;
            }
            let mut got = String::new();
            if !super::push_short_float(x, &mut got) {
                continue;
            }
            short += 1;
            // The general path (`{}` gives the shortest round-trip digits).
            let mut want = format!("{x}");
            if !want.contains('.') {
                want.push_str(".0");
            }
            assert_eq!(got, want, "{x:e}");
        }
        assert!(short > 100_000, "{short}");
    }

    #[test]
    fn float_repr_matches_python() {
        assert_eq!(f(1e20), "1e+20");
        assert_eq!(f(1e16), "1e+16");
        assert_eq!(f(1e15), "1000000000000000.0");
        assert_eq!(f(123456789012345678.0), "1.2345678901234568e+17");
        assert_eq!(f(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(f(1.0), "1.0");
        assert_eq!(f(-0.0), "-0.0");
        assert_eq!(f(0.0001), "0.0001");
        assert_eq!(f(0.00001), "1e-05");
        assert_eq!(f(1.5e-7), "1.5e-07");
        assert_eq!(f(2.5), "2.5");
        assert_eq!(f(f64::INFINITY), "inf");
        assert_eq!(f(f64::NAN), "nan");
        assert_eq!(f(59.97), "59.97");
        assert_eq!(f(1500.0), "1500.0");
        assert_eq!(f(-2.5e-3), "-0.0025");
        assert_eq!(f(9999999999999998.0), "9999999999999998.0");
        let mut s = String::new();
        push_int(i64::MIN, &mut s);
        push_int(0, &mut s);
        push_int(42, &mut s);
        assert_eq!(s, "-9223372036854775808042");
    }

    #[test]
    fn str_repr_quotes() {
        let r = |s: &str| {
            let mut o = String::new();
            push_str_repr(s, &mut o);
            o
        };
        assert_eq!(r("a"), "'a'");
        assert_eq!(r("b'c"), "\"b'c\"");
        assert_eq!(r("b'c\""), "'b\\'c\"'");
        assert_eq!(r("\u{a0}é\x01"), "'\\xa0é\\x01'");
    }
}
