//! Python builtins and Tornado's template helpers, and calling values.

use std::cmp::Ordering;
use std::rc::Rc;

use crate::error::{Error, ErrorKind};
use crate::value::ops::{self, CmpOp, py_cmp};
use crate::value::{BigInt, Dict, FnImpl, Function, Kwargs, PyRange, Value};

macro_rules! builtins {
    ($($variant:ident => $name:literal,)*) => {
        /// A function built into the template language.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Builtin { $($variant,)* }

        impl Builtin {
            pub(crate) fn name(self) -> &'static str {
                match self { $(Builtin::$variant => $name,)* }
            }

            pub(crate) fn from_name(name: &str) -> Option<Builtin> {
                match name { $($name => Some(Builtin::$variant),)* _ => None }
            }
        }
    };
}

builtins! {
    Len => "len", Range => "range", Enumerate => "enumerate", Str => "str", Int => "int",
    Float => "float", Abs => "abs", Min => "min", Max => "max", Sum => "sum",
    Sorted => "sorted", Reversed => "reversed", Zip => "zip", Bool => "bool",
    List => "list", Tuple => "tuple", Dict => "dict", Repr => "repr", Any => "any",
    All => "all", Round => "round", Chr => "chr", Ord => "ord", Divmod => "divmod",
    Isinstance => "isinstance", Hasattr => "hasattr", Getattr => "getattr", Format => "format",
    XhtmlEscape => "xhtml_escape", UrlEscape => "url_escape", JsonEncode => "json_encode",
    Squeeze => "squeeze", Linkify => "linkify",
}

/// The names Tornado's `Template.generate` puts in every namespace, with the
/// builtin implementing each (`escape` is `xhtml_escape`).
pub(crate) const TORNADO_HELPERS: &[(&str, Builtin)] = &[
    ("escape", Builtin::XhtmlEscape),
    ("xhtml_escape", Builtin::XhtmlEscape),
    ("url_escape", Builtin::UrlEscape),
    ("json_encode", Builtin::JsonEncode),
    ("squeeze", Builtin::Squeeze),
    ("linkify", Builtin::Linkify),
];

thread_local! {
    static BUILTIN_VALUES: Vec<(Builtin, Value)> = {
        let mut v = Vec::new();
        for b in ALL_BUILTINS {
            v.push((*b, Value::Function(Rc::new(Function::builtin(*b)))));
        }
        v
    };
}

const ALL_BUILTINS: &[Builtin] = &[
    Builtin::Len,
    Builtin::Range,
    Builtin::Enumerate,
    Builtin::Str,
    Builtin::Int,
    Builtin::Float,
    Builtin::Abs,
    Builtin::Min,
    Builtin::Max,
    Builtin::Sum,
    Builtin::Sorted,
    Builtin::Reversed,
    Builtin::Zip,
    Builtin::Bool,
    Builtin::List,
    Builtin::Tuple,
    Builtin::Dict,
    Builtin::Repr,
    Builtin::Any,
    Builtin::All,
    Builtin::Round,
    Builtin::Chr,
    Builtin::Ord,
    Builtin::Divmod,
    Builtin::Isinstance,
    Builtin::Hasattr,
    Builtin::Getattr,
    Builtin::Format,
    Builtin::XhtmlEscape,
    Builtin::UrlEscape,
    Builtin::JsonEncode,
    Builtin::Squeeze,
    Builtin::Linkify,
];

/// The shared function value of a builtin (one per thread, so identity
/// checks such as "is this the stock `xhtml_escape`" are pointer compares).
pub(crate) fn builtin_value(b: Builtin) -> Value {
    BUILTIN_VALUES.with(|v| {
        v.iter()
            .find(|(x, _)| *x == b)
            .map(|(_, f)| f.clone())
            .unwrap_or_default()
    })
}

/// Looks up a Python builtin (the last namespace layer) by name.
pub(crate) fn python_builtin(name: &str) -> Option<Value> {
    let b = Builtin::from_name(name)?;
    if TORNADO_HELPERS.iter().any(|(n, _)| *n == name) {
        return None;
    }
    Some(builtin_value(b))
}

fn arg_count(name: &str, args: &[Value], min: usize, max: usize) -> Result<(), Error> {
    if args.len() < min || args.len() > max {
        let msg = if min == max {
            format!(
                "{name}() takes exactly {min} argument{} ({} given)",
                if min == 1 { "" } else { "s" },
                args.len()
            )
        } else if args.len() < min {
            format!(
                "{name}() takes at least {min} argument{} ({} given)",
                if min == 1 { "" } else { "s" },
                args.len()
            )
        } else {
            format!(
                "{name}() takes at most {max} arguments ({} given)",
                args.len()
            )
        };
        return Err(Error::type_error(msg));
    }
    Ok(())
}

fn no_kwargs(name: &str, kwargs: &Kwargs) -> Result<(), Error> {
    match kwargs.first() {
        Some((k, _)) => Err(Error::type_error(format!(
            "{name}() got an unexpected keyword argument '{k}'"
        ))),
        None => Ok(()),
    }
}

/// Collects positional and keyword arguments into named parameters.
pub(crate) fn bind_args<'a>(
    fname: &str,
    params: &[&str],
    args: &'a [Value],
    kwargs: &'a Kwargs,
) -> Result<Vec<Option<&'a Value>>, Error> {
    if args.len() > params.len() {
        return Err(Error::type_error(format!(
            "{fname}() takes at most {} arguments ({} given)",
            params.len(),
            args.len()
        )));
    }
    let mut out: Vec<Option<&Value>> = args.iter().map(Some).collect();
    out.resize(params.len(), None);
    for (k, v) in kwargs {
        let Some(i) = params.iter().position(|p| **p == **k) else {
            return Err(Error::type_error(format!(
                "{fname}() got an unexpected keyword argument '{k}'"
            )));
        };
        if out[i].is_some() {
            return Err(Error::type_error(format!(
                "{fname}() got multiple values for argument '{k}'"
            )));
        }
        out[i] = Some(v);
    }
    Ok(out)
}

pub(crate) fn to_index(v: &Value, what: &str) -> Result<i64, Error> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(*b as i64),
        Value::BigInt(_) => Err(Error::new(
            ErrorKind::OverflowError,
            "Python int too large to convert to C ssize_t",
        )),
        _ => Err(Error::type_error(format!(
            "'{}' object cannot be interpreted as an integer{what}",
            v.type_name()
        ))),
    }
}

/// Calls any callable value.
pub(crate) fn call_value(f: &Value, args: &[Value], kwargs: &Kwargs) -> Result<Value, Error> {
    match f {
        Value::Function(func) => match &func.imp {
            FnImpl::Builtin(b) => call_builtin(*b, args, kwargs),
            FnImpl::Host(h) => h(args, kwargs),
            FnImpl::Bound(recv, name) => crate::methods::call_method(recv, name, args, kwargs),
        },
        Value::Object(o) => o.call(args, kwargs),
        _ => Err(Error::type_error(format!(
            "'{}' object is not callable",
            f.type_name()
        ))),
    }
}

/// Text a helper such as `xhtml_escape` accepts: `str`, or UTF-8 `bytes`.
fn text_arg<'a>(fname: &str, v: &'a Value) -> Result<std::borrow::Cow<'a, str>, Error> {
    match v {
        Value::Str(s) => Ok(std::borrow::Cow::Borrowed(s)),
        Value::Bytes(b) => Ok(String::from_utf8_lossy(b)),
        _ => Err(Error::type_error(format!(
            "{fname}: expected bytes, unicode, or None; got {}",
            v.type_name()
        ))),
    }
}

fn sort_values(items: &mut [Value], key: Option<&Value>, reverse: bool) -> Result<(), Error> {
    let keys: Vec<Value> = match key {
        Some(k) if !k.is_none() => items
            .iter()
            .map(|x| call_value(k, std::slice::from_ref(x), &[]))
            .collect::<Result<_, _>>()?,
        _ => items.to_vec(),
    };
    let mut idx: Vec<usize> = (0..items.len()).collect();
    let mut err = None;
    // A stable merge sort with Python's `<`, stopping at the first TypeError.
    idx.sort_by(|&a, &b| {
        if err.is_some() {
            return Ordering::Equal;
        }
        let (x, y) = if reverse {
            (&keys[a], &keys[b])
        } else {
            (&keys[b], &keys[a])
        };
        // Python sorts with `<` only: b < a means a comes after b.
        match py_cmp(x, y, CmpOp::Lt) {
            Ok(Some(Ordering::Less)) => Ordering::Greater,
            Ok(_) => match py_cmp(y, x, CmpOp::Lt) {
                Ok(Some(Ordering::Less)) => Ordering::Less,
                Ok(_) => Ordering::Equal,
                Err(e) => {
                    err = Some(e);
                    Ordering::Equal
                }
            },
            Err(e) => {
                err = Some(e);
                Ordering::Equal
            }
        }
    });
    if let Some(e) = err {
        return Err(e);
    }
    let sorted: Vec<Value> = idx.into_iter().map(|i| items[i].clone()).collect();
    items.clone_from_slice(&sorted);
    Ok(())
}

fn min_max(b: Builtin, args: &[Value], kwargs: &Kwargs) -> Result<Value, Error> {
    if let ([Value::Int(x), Value::Int(y)], []) = (args, kwargs) {
        return Ok(Value::Int(if b == Builtin::Min {
            *x.min(y)
        } else {
            *x.max(y)
        }));
    }
    let name = b.name();
    let mut key = None;
    let mut default = None;
    for (k, v) in kwargs {
        match &**k {
            "key" => key = Some(v),
            "default" => default = Some(v),
            _ => {
                return Err(Error::type_error(format!(
                    "{name}() got an unexpected keyword argument '{k}'"
                )));
            }
        }
    }
    let owned;
    let items: &[Value] = match args.len() {
        0 => {
            return Err(Error::type_error(format!(
                "{name} expected at least 1 argument, got 0"
            )));
        }
        1 => match &args[0] {
            Value::List(l) | Value::Tuple(l) => l,
            other => {
                owned = other.iterate()?;
                &owned
            }
        },
        _ => args,
    };
    min_max_items(b, items, key, default)
}

/// `min(items)` / `max(items)` with optional `key` and `default`.
fn min_max_items(
    b: Builtin,
    items: &[Value],
    key: Option<&Value>,
    default: Option<&Value>,
) -> Result<Value, Error> {
    let name = b.name();
    if items.is_empty() {
        return default
            .cloned()
            .ok_or_else(|| Error::value_error(format!("{name}() arg is an empty sequence")));
    }
    let op = if b == Builtin::Min {
        CmpOp::Lt
    } else {
        CmpOp::Gt
    };
    let mut best = 0usize;
    match key {
        Some(k) if !k.is_none() => {
            let mut best_key = call_value(k, std::slice::from_ref(&items[0]), &[])?;
            for (i, item) in items.iter().enumerate().skip(1) {
                let kv = call_value(k, std::slice::from_ref(item), &[])?;
                if ops::compare(&kv, &best_key, op)? {
                    best = i;
                    best_key = kv;
                }
            }
        }
        _ => {
            for (i, item) in items.iter().enumerate().skip(1) {
                if ops::compare(item, &items[best], op)? {
                    best = i;
                }
            }
        }
    }
    let best = items[best].clone();
    Ok(best)
}

pub(crate) fn parse_int_str(s: &str, base: u32) -> Result<Value, Error> {
    let t = s.trim_matches(crate::value::repr::py_isspace);
    let bad = || {
        Error::value_error(format!(
            "invalid literal for int() with base {base}: {}",
            Value::from(s).repr()
        ))
    };
    let (neg, mut digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut base = base;
    // A 0x/0o/0b prefix is allowed when it matches the base (or base 0 infers it).
    let lower = digits.get(..2).map(str::to_ascii_lowercase);
    let prefix_base = match lower.as_deref() {
        Some("0x") => Some(16),
        Some("0o") => Some(8),
        Some("0b") => Some(2),
        _ => None,
    };
    if let Some(pb) = prefix_base {
        if base == pb || base == 0 {
            base = pb;
            digits = digits[2..].trim_start_matches('_');
        }
    }
    if base == 0 {
        if digits.len() > 1
            && digits.starts_with('0')
            && digits.bytes().any(|c| c != b'0' && c != b'_')
        {
            return Err(bad());
        }
        base = 10;
    }
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return Err(bad());
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if !clean.chars().all(|c| c.is_digit(base)) {
        return Err(bad());
    }
    if let Ok(v) = i64::from_str_radix(&clean, base) {
        return Ok(Value::Int(if neg { -v } else { v }));
    }
    // Beyond 64 bits: accumulate digit by digit.
    let radix = BigInt::from_i128(base as i128);
    let mut acc = BigInt::from_i128(0);
    for c in clean.chars() {
        let d = c.to_digit(base).ok_or_else(bad)?;
        acc = acc.mul(&radix).add(&BigInt::from_i128(d as i128));
        if acc.bits() > 1 << 20 {
            return Err(Error::value_error("int() literal too long"));
        }
    }
    Ok(Value::from_bigint(if neg { acc.neg() } else { acc }))
}

pub(crate) fn parse_float_str(s: &str) -> Result<f64, Error> {
    let t = s.trim_matches(crate::value::repr::py_isspace);
    let lower = t.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    let ok_chars = body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-' | '_'));
    let special = matches!(body, "inf" | "infinity" | "nan");
    if (ok_chars && !body.is_empty() && body.chars().any(|c| c.is_ascii_digit())) || special {
        let clean: String = lower.chars().filter(|c| *c != '_').collect();
        if let Ok(f) = clean.parse::<f64>() {
            return Ok(f);
        }
    }
    Err(Error::value_error(format!(
        "could not convert string to float: {}",
        Value::from(s).repr()
    )))
}

/// 2**63 as a float: the first float above every `i64`.
pub(crate) const I64_HIGH: f64 = 9_223_372_036_854_775_808.0;
/// -2**63 as a float.
pub(crate) const I64_LOW: f64 = -9_223_372_036_854_775_808.0;

fn float_to_int(f: f64) -> Result<Value, Error> {
    if f.is_nan() {
        return Err(Error::value_error("cannot convert float NaN to integer"));
    }
    if f.is_infinite() {
        return Err(Error::new(
            ErrorKind::OverflowError,
            "cannot convert float infinity to integer",
        ));
    }
    let t = f.trunc();
    if (I64_LOW..I64_HIGH).contains(&t) {
        return Ok(Value::Int(t as i64));
    }
    // Integral floats this large print exactly with no fraction digits.
    let digits = format!("{t:.0}");
    BigInt::parse_decimal(&digits)
        .map(Value::from_bigint)
        .ok_or_else(|| Error::value_error("cannot convert float to integer"))
}

fn round_half_even(f: f64) -> f64 {
    let r = f.round();
    if (f - f.trunc()).abs() == 0.5 {
        2.0 * (f / 2.0).round()
    } else {
        r
    }
}

/// `range(*args)` for one to three arguments.
pub(crate) fn make_range(args: &[Value]) -> Result<PyRange, Error> {
    let (start, stop, step) = match args {
        [stop] => (0, to_index(stop, "")?, 1),
        [start, stop] => (to_index(start, "")?, to_index(stop, "")?, 1),
        [start, stop, step] => (
            to_index(start, "")?,
            to_index(stop, "")?,
            to_index(step, "")?,
        ),
        _ => (0, 0, 1),
    };
    if step == 0 {
        return Err(Error::value_error("range() arg 3 must not be zero"));
    }
    Ok(PyRange { start, stop, step })
}

/// `sum(items, start)`.
fn sum_items(start: Value, items: &[Value]) -> Result<Value, Error> {
    let mut acc = start;
    for x in items {
        acc = ops::binary(ops::BinOp::Add, &acc, x)?;
    }
    Ok(acc)
}

fn any_all(b: Builtin, items: &[Value]) -> Value {
    Value::Bool(if b == Builtin::Any {
        items.iter().any(Value::is_true)
    } else {
        items.iter().all(Value::is_true)
    })
}

/// Whether `b(x)` only reads the items of a list `x` (so [`reduce_items`]
/// can compute it from them).
pub(crate) fn reduces_items(b: Builtin) -> bool {
    matches!(
        b,
        Builtin::Sum | Builtin::Min | Builtin::Max | Builtin::Any | Builtin::All
    )
}

/// `b(x)` for a builtin that [`reduces_items`], given the items of the list
/// `x`. Lets `sum([... for ...])` run over a reused buffer instead of
/// building the list.
pub(crate) fn reduce_items(b: Builtin, items: &[Value]) -> Result<Value, Error> {
    match b {
        Builtin::Sum => sum_items(Value::Int(0), items),
        Builtin::Min | Builtin::Max => min_max_items(b, items, None, None),
        _ => Ok(any_all(b, items)),
    }
}

/// Calls a builtin.
pub(crate) fn call_builtin(b: Builtin, args: &[Value], kwargs: &Kwargs) -> Result<Value, Error> {
    let name = b.name();
    match b {
        Builtin::Len => {
            no_kwargs(name, kwargs)?;
            arg_count(name, args, 1, 1)?;
            Ok(Value::from(args[0].len()?))
        }
        Builtin::Range => {
            no_kwargs(name, kwargs)?;
            if args.is_empty() {
                return Err(Error::type_error(
                    "range expected at least 1 argument, got 0",
                ));
            }
            arg_count(name, args, 1, 3)?;
            Ok(Value::Range(Rc::new(make_range(args)?)))
        }
        Builtin::Enumerate => {
            let p = bind_args(name, &["iterable", "start"], args, kwargs)?;
            let it = p[0].ok_or_else(|| {
                Error::type_error("enumerate() missing required argument 'iterable' (pos 1)")
            })?;
            let start = p[1].map(|v| to_index(v, "")).transpose()?.unwrap_or(0);
            let items = it.iterate()?;
            let mut out = Vec::with_capacity(items.len());
            for (i, x) in items.into_iter().enumerate() {
                let n = start.checked_add(i as i64).ok_or_else(|| {
                    Error::new(ErrorKind::OverflowError, "enumerate index overflow")
                })?;
                out.push(Value::tuple([Value::Int(n), x]));
            }
            Ok(Value::from(out))
        }
        Builtin::Str => {
            no_kwargs(name, kwargs)?;
            arg_count(name, args, 0, 1)?;
            Ok(match args.first() {
                None => Value::from(""),
                Some(v @ Value::Str(_)) => v.clone(),
                Some(v) => Value::from(v.to_str()),
            })
        }
        Builtin::Repr => {
            no_kwargs(name, kwargs)?;
            arg_count(name, args, 1, 1)?;
            Ok(Value::from(args[0].repr()))
        }
        Builtin::Int => {
            let p = bind_args(name, &["x", "base"], args, kwargs)?;
            let base = p[1].map(|v| to_index(v, "")).transpose()?;
            Ok(match (p[0], base) {
                (None, None) => Value::Int(0),
                (None, Some(_)) => return Err(Error::type_error("int() missing string argument")),
                (Some(Value::Str(s)), base) => {
                    let base = base.unwrap_or(10);
                    if !(2..=36).contains(&base) && base != 0 {
                        return Err(Error::value_error(
                            "int() base must be >= 2 and <= 36, or 0",
                        ));
                    }
                    parse_int_str(s, base as u32)?
                }
                (Some(v @ Value::BigInt(_)), None) => v.clone(),
                (Some(_), Some(_)) => {
                    return Err(Error::type_error(
                        "int() can't convert non-string with explicit base",
                    ));
                }
                (Some(Value::Int(i)), None) => Value::Int(*i),
                (Some(Value::Bool(b)), None) => Value::Int(*b as i64),
                (Some(Value::Float(f)), None) => float_to_int(*f)?,
                (Some(v), None) => {
                    return Err(Error::type_error(format!(
                        "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                        v.type_name()
                    )));
                }
            })
        }
        Builtin::Float => {
            no_kwargs(name, kwargs)?;
            arg_count(name, args, 0, 1)?;
            Ok(Value::Float(match args.first() {
                None => 0.0,
                Some(Value::Float(f)) => *f,
                Some(Value::Int(i)) => *i as f64,
                Some(Value::Bool(b)) => *b as i64 as f64,
                Some(Value::BigInt(b)) => {
                    let f = b.to_f64();
                    if f.is_infinite() {
                        return Err(Error::new(
                            ErrorKind::OverflowError,
                            "int too large to convert to float",
                        ));
                    }
                    f
                }
                Some(Value::Str(s)) => parse_float_str(s)?,
                Some(v) => {
                    return Err(Error::type_error(format!(
                        "float() argument must be a string or a real number, not '{}'",
                        v.type_name()
                    )));
                }
            }))
        }
        Builtin::Bool => {
            no_kwargs(name, kwargs)?;
            arg_count(name, args, 0, 1)?;
            Ok(Value::Bool(args.first().is_some_and(Value::is_true)))
        }
        Builtin::Abs => {
            no_kwargs(name, kwargs)?;
            arg_count(name, args, 1, 1)?;
            match &args[0] {
                Value::Int(i) => Ok(i
                    .checked_abs()
                    .map(Value::Int)
                    .unwrap_or_else(|| Value::from_bigint(BigInt::from_i128((*i as i128).abs())))),
                Value::BigInt(b) => Ok(Value::from_bigint(b.abs())),
                Value::Bool(b) => Ok(Value::Int(*b as i64)),
                Value::Float(f) => Ok(Value::Float(f.abs())),
                v => Err(Error::type_error(format!(
                    "bad operand type for abs(): '{}'",
                    v.type_name()
                ))),
            }
        }
        Builtin::Min | Builtin::Max => min_max(b, args, kwargs),
        Builtin::Sum => {
            let p = bind_args(name, &["iterable", "start"], args, kwargs)?;
            let it = p[0].ok_or_else(|| {
                Error::type_error("sum() takes at least 1 positional argument (0 given)")
            })?;
            let start = p[1].cloned().unwrap_or(Value::Int(0));
            if let Value::Str(_) = start {
                return Err(Error::type_error(
                    "sum() can't sum strings [use ''.join(seq) instead]",
                ));
            }
            let owned;
            let items: &[Value] = match it {
                Value::List(l) | Value::Tuple(l) => l,
                other => {
                    owned = other.iterate()?;
                    &owned
                }
            };
            sum_items(start, items)
        }
        Builtin::Sorted => {
            arg_count(name, args, 1, 1)?;
            let mut key = None;
            let mut reverse = false;
            for (k, v) in kwargs {
                match &**k {
                    "key" => key = Some(v),
                    "reverse" => reverse = v.is_true(),
                    _ => {
                        return Err(Error::type_error(format!(
                            "sort() got an unexpected keyword argument '{k}'"
                        )));
                    }
                }
            }
            let mut items = args[0].iterate()?;
            sort_values(&mut items, key, reverse)?;
            Ok(Value::from(items))
        }
        Builtin::Reversed => {
            no_kwargs(name, kwargs)?;
            arg_count(name, args, 1, 1)?;
            match &args[0] {
                Value::List(_)
                | Value::Tuple(_)
                | Value::Str(_)
                | Value::Range(_)
                | Value::Bytes(_) => {
                    let mut items = args[0].iterate()?;
                    items.reverse();
                    Ok(Value::from(items))
                }
                Value::Dict(d) => Ok(Value::from(d.keys().rev_collect())),
                v => Err(Error::type_error(format!(
                    "'{}' object is not reversible",
                    v.type_name()
                ))),
            }
        }
        Builtin::Zip => {
            no_kwargs(name, kwargs)?;
            let lists: Vec<Vec<Value>> =
                args.iter().map(Value::iterate).collect::<Result<_, _>>()?;
            let n = lists.iter().map(Vec::len).min().unwrap_or(0);
            Ok(Value::from(
                (0..n)
                    .map(|i| Value::tuple(lists.iter().map(|l| l[i].clone())))
                    .collect::<Vec<_>>(),
            ))
        }
        Builtin::List | Builtin::Tuple => {
            no_kwargs(name, kwargs)?;
            arg_count(name, args, 0, 1)?;
            let items = match args.first() {
                Some(v) => v.iterate()?,
                None => Vec::new(),
            };
            Ok(if b == Builtin::List {
                Value::from(items)
            } else {
                Value::tuple(items)
            })
        }
        Builtin::Dict => {
            arg_count(name, args, 0, 1)?;
            let mut d = Dict::new();
            if let Some(src) = args.first() {
                if let Value::Dict(src) = src {
                    for (k, v) in src.iter() {
                        d.insert(k.clone(), v.clone())?;
                    }
                } else {
                    for pair in src.iterate()? {
                        let kv = pair.iterate()?;
                        if kv.len() != 2 {
                            return Err(Error::value_error(format!(
                                "dictionary update sequence element has length {}; 2 is required",
                                kv.len()
                            )));
                        }
                        d.insert(kv[0].clone(), kv[1].clone())?;
                    }
                }
            }
            for (k, v) in kwargs {
                d.insert(Value::from(k.clone()), v.clone())?;
            }
            Ok(Value::from(d))
        }
        Builtin::Any | Builtin::All => {
            no_kwargs(name, kwargs)?;
            arg_count(name, args, 1, 1)?;
            let items = args[0].iterate()?;
            Ok(any_all(b, &items))
        }
        Builtin::Round => {
            let p = bind_args(name, &["number", "ndigits"], args, kwargs)?;
            let x = p[0].ok_or_else(|| {
                Error::type_error("round() missing required argument 'number' (pos 1)")
            })?;
            let nd = match p[1] {
                None | Some(Value::None) => None,
                Some(v) => Some(to_index(v, "")?),
            };
            match (x, nd) {
                (Value::BigInt(_), _) => Ok(x.clone()),
                (Value::Int(_) | Value::Bool(_), None) => Ok(Value::Int(to_index(x, "")?)),
                (Value::Int(i), Some(n)) if n >= 0 => Ok(Value::Int(*i)),
                (Value::Int(i), Some(n)) => {
                    let p = 10i64.checked_pow((-n) as u32).unwrap_or(i64::MAX);
                    let q = (*i as f64 / p as f64).round() as i64;
                    Ok(Value::Int(q.saturating_mul(p)))
                }
                (Value::Float(f), None) => float_to_int(round_half_even(*f)),
                (Value::Float(f), Some(n)) => {
                    // Format with Rust's exact decimal rounding, then read back.
                    if n >= 0 {
                        let s = format!("{:.*}", n.min(340) as usize, f);
                        Ok(Value::Float(s.parse().unwrap_or(*f)))
                    } else {
                        let p = 10f64.powi((-n) as i32);
                        Ok(Value::Float(round_half_even(f / p) * p))
                    }
                }
                (v, _) => Err(Error::type_error(format!(
                    "type {} doesn't define __round__ method",
                    v.type_name()
                ))),
            }
        }
        Builtin::Chr => {
            arg_count(name, args, 1, 1)?;
            let i = to_index(&args[0], "")?;
            let c = u32::try_from(i)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| Error::value_error("chr() arg not in range(0x110000)"))?;
            Ok(Value::from(c.to_string()))
        }
        Builtin::Ord => {
            arg_count(name, args, 1, 1)?;
            match &args[0] {
                Value::Str(s) if s.chars().count() == 1 => {
                    Ok(Value::Int(s.chars().next().map_or(0, |c| c as i64)))
                }
                Value::Str(s) => Err(Error::type_error(format!(
                    "ord() expected a character, but string of length {} found",
                    s.chars().count()
                ))),
                v => Err(Error::type_error(format!(
                    "ord() expected string of length 1, but {} found",
                    v.type_name()
                ))),
            }
        }
        Builtin::Divmod => {
            arg_count(name, args, 2, 2)?;
            let q = ops::binary(ops::BinOp::FloorDiv, &args[0], &args[1])?;
            let r = ops::binary(ops::BinOp::Mod, &args[0], &args[1])?;
            Ok(Value::tuple([q, r]))
        }
        Builtin::Isinstance => {
            arg_count(name, args, 2, 2)?;
            let classes = match &args[1] {
                Value::Tuple(t) => t.to_vec(),
                v => vec![v.clone()],
            };
            let tn = args[0].type_name();
            Ok(Value::Bool(classes.iter().any(|c| match c {
                Value::Function(f) => match f.as_builtin() {
                    Some(Builtin::Int) => tn == "int" || tn == "bool",
                    Some(Builtin::Float) => tn == "float",
                    Some(Builtin::Str) => tn == "str",
                    Some(Builtin::List) => tn == "list",
                    Some(Builtin::Tuple) => tn == "tuple",
                    Some(Builtin::Dict) => tn == "dict",
                    Some(Builtin::Bool) => tn == "bool",
                    Some(Builtin::Range) => tn == "range",
                    _ => false,
                },
                _ => false,
            })))
        }
        Builtin::Hasattr | Builtin::Getattr => {
            arg_count(name, args, 2, if b == Builtin::Getattr { 3 } else { 2 })?;
            let Value::Str(attr) = &args[1] else {
                return Err(Error::type_error("attribute name must be string"));
            };
            let r = crate::methods::get_attr(&args[0], attr);
            if b == Builtin::Hasattr {
                return Ok(Value::Bool(r.is_ok()));
            }
            match (r, args.get(2)) {
                (Ok(v), _) => Ok(v),
                (Err(e), Some(d)) if e.kind() == ErrorKind::AttributeError => Ok(d.clone()),
                (Err(e), _) => Err(e),
            }
        }
        Builtin::Format => {
            arg_count(name, args, 1, 2)?;
            let spec = match args.get(1) {
                Some(Value::Str(s)) => s.to_string(),
                Some(v) => {
                    return Err(Error::type_error(format!(
                        "format() argument 2 must be str, not {}",
                        v.type_name()
                    )));
                }
                None => String::new(),
            };
            crate::format::format_value(&args[0], &spec).map(Value::from)
        }
        Builtin::XhtmlEscape => {
            no_kwargs(name, kwargs)?;
            arg_count(name, args, 1, 1)?;
            let text = text_arg(name, &args[0])?;
            Ok(Value::from(tornado_escape::xhtml_escape(&text)))
        }
        Builtin::UrlEscape => {
            let p = bind_args(name, &["value", "plus"], args, kwargs)?;
            let v = p[0].ok_or_else(|| {
                Error::type_error("url_escape() missing 1 required positional argument: 'value'")
            })?;
            let plus = p[1].is_none_or(Value::is_true);
            Ok(Value::from(match v {
                Value::Bytes(bytes) => tornado_escape::url_escape_bytes(bytes, plus),
                other => tornado_escape::url_escape(&text_arg(name, other)?, plus),
            }))
        }
        Builtin::JsonEncode => {
            no_kwargs(name, kwargs)?;
            arg_count(name, args, 1, 1)?;
            if let Some(bad) = find_unserializable(&args[0]) {
                return Err(Error::type_error(format!(
                    "Object of type {bad} is not JSON serializable"
                )));
            }
            tornado_escape::try_json_encode(&args[0])
                .map(Value::from)
                .map_err(|e| Error::type_error(format!("json_encode: {e}")))
        }
        Builtin::Squeeze => {
            no_kwargs(name, kwargs)?;
            arg_count(name, args, 1, 1)?;
            match &args[0] {
                Value::Str(s) => Ok(Value::from(tornado_escape::squeeze(s))),
                Value::Bytes(_) => Err(Error::type_error(
                    "cannot use a string pattern on a bytes-like object",
                )),
                v => Err(Error::type_error(format!(
                    "expected string or bytes-like object, got '{}'",
                    v.type_name()
                ))),
            }
        }
        Builtin::Linkify => {
            let p = bind_args(
                name,
                &[
                    "text",
                    "shorten",
                    "extra_params",
                    "require_protocol",
                    "permitted_protocols",
                ],
                args,
                kwargs,
            )?;
            let text = p[0].ok_or_else(|| {
                Error::type_error("linkify() missing 1 required positional argument: 'text'")
            })?;
            let text = text_arg(name, text)?;
            let mut opts = tornado_escape::LinkifyOptions::default();
            if let Some(v) = p[1] {
                opts = opts.shorten(v.is_true());
            }
            match p[2] {
                None => {}
                Some(Value::Str(s)) => opts = opts.extra_params(s.to_string()),
                Some(v) => {
                    return Err(Error::type_error(format!(
                        "extra_params must be a str in templates, not {}",
                        v.type_name()
                    )));
                }
            }
            if let Some(v) = p[3] {
                opts = opts.require_protocol(v.is_true());
            }
            if let Some(v) = p[4] {
                let protos: Vec<String> = v.iterate()?.iter().map(Value::to_str).collect();
                opts = opts.permitted_protocols(protos);
            }
            Ok(Value::from(tornado_escape::linkify(&text, &opts)))
        }
    }
}

fn find_unserializable(v: &Value) -> Option<String> {
    match v {
        Value::Bytes(_) | Value::Function(_) | Value::Object(_) => Some(v.type_name().to_string()),
        Value::List(items) | Value::Tuple(items) => items.iter().find_map(find_unserializable),
        Value::Dict(d) => d.iter().find_map(|(_, x)| find_unserializable(x)),
        _ => None,
    }
}

trait RevCollect {
    fn rev_collect(self) -> Vec<Value>;
}

impl<'a, I: Iterator<Item = &'a Value>> RevCollect for I {
    fn rev_collect(self) -> Vec<Value> {
        let mut v: Vec<Value> = self.cloned().collect();
        v.reverse();
        v
    }
}
