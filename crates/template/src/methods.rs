//! Attribute access and methods of built-in types (`str.upper`, `dict.get`, ...).

use std::rc::Rc;

use crate::builtins::{bind_args, call_value, to_index};
use crate::error::{Error, ErrorKind};
use crate::value::Seq;
use crate::value::repr::py_isspace;
use crate::value::{Function, Kwargs, Value};

const STR_METHODS: &[&str] = &[
    "upper",
    "lower",
    "strip",
    "lstrip",
    "rstrip",
    "title",
    "capitalize",
    "replace",
    "split",
    "rsplit",
    "join",
    "startswith",
    "endswith",
    "count",
    "find",
    "rfind",
    "index",
    "rindex",
    "format",
    "zfill",
    "center",
    "ljust",
    "rjust",
    "isdigit",
    "isalpha",
    "isalnum",
    "isspace",
    "isupper",
    "islower",
    "swapcase",
    "splitlines",
    "encode",
    "casefold",
    "partition",
    "rpartition",
];
const DICT_METHODS: &[&str] = &["get", "items", "keys", "values"];
const SEQ_METHODS: &[&str] = &["index", "count"];

fn no_attr(v: &Value, name: &str) -> Error {
    Error::new(
        ErrorKind::AttributeError,
        format!("'{}' object has no attribute '{name}'", v.type_name()),
    )
}

/// Python's `dict_keys` / `dict_values` / `dict_items`: a snapshot of the
/// dict's entries that prints, iterates and measures like the Python view.
#[derive(Debug)]
struct DictView {
    kind: &'static str,
    items: Rc<Seq>,
}

impl DictView {
    fn value(kind: &'static str, items: Rc<Seq>) -> Value {
        Value::Object(Rc::new(DictView { kind, items }))
    }
}

impl crate::value::Object for DictView {
    fn type_name(&self) -> &str {
        self.kind
    }

    fn iterate(&self) -> Result<Vec<Value>, Error> {
        Ok(self.items.to_vec())
    }

    fn len(&self) -> Option<usize> {
        Some(self.items.len())
    }

    fn to_str(&self) -> String {
        format!("{}({})", self.kind, Value::List(self.items.clone()).repr())
    }
}

/// `value.name` without a call.
pub(crate) fn get_attr(v: &Value, name: &str) -> Result<Value, Error> {
    let known = match v {
        Value::Str(_) => STR_METHODS.contains(&name),
        Value::Dict(_) => DICT_METHODS.contains(&name),
        Value::List(_) | Value::Tuple(_) => SEQ_METHODS.contains(&name),
        Value::Bytes(_) => name == "decode",
        Value::Object(o) => return o.get_attr(name).ok_or_else(|| no_attr(v, name)),
        // `str.lower` and friends: the unbound method, callable on a string
        // (`sorted(xs, key=str.lower)`).
        Value::Function(f)
            if f.as_builtin() == Some(crate::builtins::Builtin::Str)
                && STR_METHODS.contains(&name) =>
        {
            let method: Rc<str> = name.into();
            return Ok(Value::function(
                name,
                move |args: &[Value], kwargs: &Kwargs| match args.first() {
                    Some(recv @ Value::Str(_)) => call_method(recv, &method, &args[1..], kwargs),
                    Some(other) => Err(Error::type_error(format!(
                        "descriptor '{method}' for 'str' objects doesn't apply to a '{}' object",
                        other.type_name()
                    ))),
                    None => Err(Error::type_error(format!(
                        "unbound method str.{method}() needs an argument"
                    ))),
                },
            ));
        }
        _ => false,
    };
    if known {
        Ok(Value::Function(Rc::new(Function::bound(
            v.clone(),
            name.into(),
        ))))
    } else {
        Err(no_attr(v, name))
    }
}

/// Index of the `ci`-th character as a byte offset (clamped to the end).
fn byte_at(s: &str, ci: usize) -> usize {
    if s.is_ascii() {
        return ci.min(s.len());
    }
    s.char_indices().nth(ci).map_or(s.len(), |(b, _)| b)
}

fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

fn char_index_of(s: &str, byte: usize) -> usize {
    if s.is_ascii() {
        byte
    } else {
        s[..byte].chars().count()
    }
}

/// Normalises optional `start`/`end` arguments like a slice, in characters.
fn slice_bounds(
    len: usize,
    start: Option<&Value>,
    end: Option<&Value>,
) -> Result<(usize, usize), Error> {
    let norm = |v: Option<&Value>, default: usize| -> Result<usize, Error> {
        match v {
            None | Some(Value::None) => Ok(default),
            Some(v) => {
                let i = to_index(v, "")?;
                Ok(if i < 0 {
                    (len as i64 + i).max(0) as usize
                } else {
                    (i as usize).min(len)
                })
            }
        }
    };
    Ok((norm(start, 0)?, norm(end, len)?))
}

fn str_arg<'a>(m: &str, v: Option<&'a Value>) -> Result<&'a str, Error> {
    match v {
        Some(Value::Str(s)) => Ok(s),
        Some(v) => Err(Error::type_error(format!(
            "{m}() argument must be str, not {}",
            v.type_name()
        ))),
        None => Err(Error::type_error(format!(
            "{m}() takes at least 1 argument (0 given)"
        ))),
    }
}

fn strip_chars<'a>(
    s: &'a str,
    chars: Option<&Value>,
    left: bool,
    right: bool,
) -> Result<&'a str, Error> {
    let set: Option<Vec<char>> = match chars {
        None | Some(Value::None) => None,
        Some(Value::Str(c)) => Some(c.chars().collect()),
        Some(v) => {
            return Err(Error::type_error(format!(
                "strip arg must be None or str, not {}",
                v.type_name()
            )));
        }
    };
    let matches = |c: char| match &set {
        None => py_isspace(c),
        Some(set) => set.contains(&c),
    };
    let mut out = s;
    if left {
        out = out.trim_start_matches(matches);
    }
    if right {
        out = out.trim_end_matches(matches);
    }
    Ok(out)
}

fn py_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_cased = false;
    for c in s.chars() {
        if prev_cased {
            out.extend(c.to_lowercase());
        } else {
            out.extend(c.to_uppercase());
        }
        prev_cased = c.is_lowercase() || c.is_uppercase();
    }
    out
}

fn split_ws(s: &str, maxsplit: i64) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rest = s.trim_start_matches(py_isspace);
    while !rest.is_empty() {
        if maxsplit >= 0 && out.len() as i64 >= maxsplit {
            out.push(Value::from(rest.trim_end_matches(py_isspace)));
            return out;
        }
        match rest.find(py_isspace) {
            Some(i) => {
                out.push(Value::from(&rest[..i]));
                rest = rest[i..].trim_start_matches(py_isspace);
            }
            None => {
                out.push(Value::from(rest));
                break;
            }
        }
    }
    out
}

fn find_in(s: &str, sub: &str, start: usize, end: usize, reverse: bool) -> Option<usize> {
    if start > end || start > char_len(s) {
        return None;
    }
    let (bs, be) = (byte_at(s, start), byte_at(s, end));
    let hay = &s[bs..be];
    let found = if reverse {
        hay.rfind(sub)
    } else {
        hay.find(sub)
    }?;
    Some(start + char_index_of(hay, found))
}

fn pad(s: &str, width: &Value, fill: Option<&Value>, how: char) -> Result<Value, Error> {
    let width = to_index(width, "")?;
    let fill = match fill {
        None => ' ',
        Some(Value::Str(f)) if char_len(f) == 1 => f.chars().next().unwrap_or(' '),
        Some(_) => {
            return Err(Error::type_error(
                "The fill character must be exactly one character long",
            ));
        }
    };
    let len = char_len(s) as i64;
    if width > len {
        crate::value::ops::check_len(width as usize)?;
    }
    if width <= len {
        return Ok(Value::from(s));
    }
    let total = (width - len) as usize;
    let (left, right) = match how {
        '<' => (0, total),
        '>' => (total, 0),
        _ => {
            let left = total / 2 + (total & width as usize & 1);
            (left, total - left)
        }
    };
    let mut out = String::new();
    out.extend(std::iter::repeat_n(fill, left));
    out.push_str(s);
    out.extend(std::iter::repeat_n(fill, right));
    Ok(Value::from(out))
}

fn str_method(
    recv: &Value,
    s: &str,
    name: &str,
    args: &[Value],
    kwargs: &Kwargs,
) -> Result<Value, Error> {
    let a = |i: usize| args.get(i);
    let b = |v: bool| Ok(Value::Bool(v));
    match name {
        "upper" => Ok(Value::from(s.to_uppercase())),
        "lower" | "casefold" => Ok(Value::from(s.to_lowercase())),
        "swapcase" => Ok(Value::from(
            s.chars()
                .flat_map(|c| -> Vec<char> {
                    if c.is_uppercase() {
                        c.to_lowercase().collect()
                    } else {
                        c.to_uppercase().collect()
                    }
                })
                .collect::<String>(),
        )),
        "strip" => strip_chars(s, a(0), true, true).map(Value::from),
        "lstrip" => strip_chars(s, a(0), true, false).map(Value::from),
        "rstrip" => strip_chars(s, a(0), false, true).map(Value::from),
        "title" => Ok(Value::from(py_title(s))),
        "capitalize" => {
            let mut chars = s.chars();
            let mut out = String::with_capacity(s.len());
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                for c in chars {
                    out.extend(c.to_lowercase());
                }
            }
            Ok(Value::from(out))
        }
        "replace" => {
            let p = bind_args("replace", &["old", "new", "count"], args, kwargs)?;
            let old = str_arg("replace", p[0])?;
            let new = str_arg("replace", p[1])?;
            let count = p[2].map(|v| to_index(v, "")).transpose()?.unwrap_or(-1);
            if new.len() > old.len() {
                // Bound the result before building it.
                let hits = if old.is_empty() {
                    char_len(s) + 1
                } else {
                    s.matches(old).count()
                };
                let hits = if count >= 0 {
                    hits.min(count as usize)
                } else {
                    hits
                };
                crate::value::ops::check_len(
                    s.len()
                        .saturating_add(hits.saturating_mul(new.len() - old.len())),
                )?;
            }
            if count < 0 {
                if old.is_empty() {
                    let mut out = String::from(new);
                    for c in s.chars() {
                        out.push(c);
                        out.push_str(new);
                    }
                    return Ok(Value::from(out));
                }
                return Ok(Value::from(s.replace(old, new)));
            }
            if old.is_empty() {
                let mut out = String::new();
                let mut n = 0;
                for c in s.chars() {
                    if n < count {
                        out.push_str(new);
                        n += 1;
                    }
                    out.push(c);
                }
                if n < count {
                    out.push_str(new);
                }
                return Ok(Value::from(out));
            }
            Ok(Value::from(s.replacen(old, new, count as usize)))
        }
        "split" | "rsplit" => {
            let p = bind_args(name, &["sep", "maxsplit"], args, kwargs)?;
            let maxsplit = p[1].map(|v| to_index(v, "")).transpose()?.unwrap_or(-1);
            match p[0] {
                None | Some(Value::None) => {
                    if name == "rsplit" && maxsplit >= 0 {
                        let rev: String = s.chars().rev().collect();
                        let mut parts: Vec<Value> = split_ws(&rev, maxsplit)
                            .into_iter()
                            .map(|v| Value::from(v.to_str().chars().rev().collect::<String>()))
                            .collect();
                        parts.reverse();
                        return Ok(Value::from(parts));
                    }
                    Ok(Value::from(split_ws(s, maxsplit)))
                }
                Some(Value::Str(sep)) => {
                    if sep.is_empty() {
                        return Err(Error::value_error("empty separator"));
                    }
                    let parts: Vec<Value> = if maxsplit < 0 {
                        s.split(&**sep).map(Value::from).collect()
                    } else if name == "split" {
                        s.splitn(maxsplit as usize + 1, &**sep)
                            .map(Value::from)
                            .collect()
                    } else {
                        let mut v: Vec<Value> = s
                            .rsplitn(maxsplit as usize + 1, &**sep)
                            .map(Value::from)
                            .collect();
                        v.reverse();
                        v
                    };
                    Ok(Value::from(parts))
                }
                Some(v) => Err(Error::type_error(format!(
                    "must be str or None, not {}",
                    v.type_name()
                ))),
            }
        }
        "splitlines" => Ok(Value::from(s.lines().map(Value::from).collect::<Vec<_>>())),
        "partition" | "rpartition" => {
            let sep = str_arg(name, a(0))?;
            if sep.is_empty() {
                return Err(Error::value_error("empty separator"));
            }
            let found = if name == "partition" {
                s.find(sep)
            } else {
                s.rfind(sep)
            };
            Ok(match found {
                Some(i) => Value::tuple([
                    Value::from(&s[..i]),
                    Value::from(sep),
                    Value::from(&s[i + sep.len()..]),
                ]),
                None if name == "partition" => {
                    Value::tuple([Value::from(s), Value::from(""), Value::from("")])
                }
                None => Value::tuple([Value::from(""), Value::from(""), Value::from(s)]),
            })
        }
        "join" => {
            let items = a(0)
                .ok_or_else(|| Error::type_error("join() takes exactly one argument (0 given)"))?
                .iterate()?;
            let mut out = String::new();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(s);
                }
                crate::value::ops::check_len(out.len())?;
                match item {
                    Value::Str(x) => out.push_str(x),
                    v => {
                        return Err(Error::type_error(format!(
                            "sequence item {i}: expected str instance, {} found",
                            v.type_name()
                        )));
                    }
                }
            }
            Ok(Value::from(out))
        }
        "startswith" | "endswith" => {
            let (st, en) = slice_bounds(char_len(s), a(1), a(2))?;
            if st > en || st > char_len(s) {
                return b(false);
            }
            let hay = &s[byte_at(s, st)..byte_at(s, en)];
            let test = |p: &Value| -> Result<bool, Error> {
                match p {
                    Value::Str(p) => Ok(if name == "startswith" {
                        hay.starts_with(&**p)
                    } else {
                        hay.ends_with(&**p)
                    }),
                    v => Err(Error::type_error(format!(
                        "{name} first arg must be str or a tuple of str, not {}",
                        v.type_name()
                    ))),
                }
            };
            match a(0) {
                Some(Value::Tuple(ps)) => {
                    for p in ps.iter() {
                        if test(p)? {
                            return b(true);
                        }
                    }
                    b(false)
                }
                Some(p) => b(test(p)?),
                None => Err(Error::type_error(format!(
                    "{name}() takes at least 1 argument (0 given)"
                ))),
            }
        }
        "count" => {
            let sub = str_arg("count", a(0))?;
            let (st, en) = slice_bounds(char_len(s), a(1), a(2))?;
            if st > en {
                return Ok(Value::Int(0));
            }
            let hay = &s[byte_at(s, st)..byte_at(s, en)];
            Ok(Value::from(if sub.is_empty() {
                char_len(hay) + 1
            } else {
                hay.matches(sub).count()
            }))
        }
        "find" | "rfind" | "index" | "rindex" => {
            let sub = str_arg(name, a(0))?;
            let len = char_len(s);
            let (st, en) = slice_bounds(len, a(1), a(2))?;
            // A start beyond the end finds nothing, not even "".
            let past_end = match a(1) {
                Some(Value::Int(i)) => *i > len as i64,
                _ => false,
            };
            let r = if past_end {
                None
            } else {
                find_in(s, sub, st, en, name.starts_with('r'))
            };
            match (r, name) {
                (Some(i), _) => Ok(Value::from(i)),
                (None, "find" | "rfind") => Ok(Value::Int(-1)),
                (None, _) => Err(Error::value_error("substring not found")),
            }
        }
        "format" => crate::format::str_format(s, args, kwargs).map(Value::from),
        "zfill" => {
            let width = to_index(
                a(0).ok_or_else(|| {
                    Error::type_error("zfill() takes exactly one argument (0 given)")
                })?,
                "",
            )?;
            let len = char_len(s) as i64;
            if width <= len {
                return Ok(recv.clone());
            }
            crate::value::ops::check_len(width as usize)?;
            let zeros = "0".repeat((width - len) as usize);
            Ok(Value::from(match s.chars().next() {
                Some(c @ ('+' | '-')) => format!("{c}{zeros}{}", &s[1..]),
                _ => format!("{zeros}{s}"),
            }))
        }
        "center" | "ljust" | "rjust" => {
            let w = a(0).ok_or_else(|| {
                Error::type_error(format!("{name}() takes at least 1 argument (0 given)"))
            })?;
            pad(
                s,
                w,
                a(1),
                match name {
                    "ljust" => '<',
                    "rjust" => '>',
                    _ => '^',
                },
            )
        }
        "isdigit" => b(!s.is_empty() && s.chars().all(|c| c.is_numeric())),
        "isalpha" => b(!s.is_empty() && s.chars().all(char::is_alphabetic)),
        "isalnum" => b(!s.is_empty() && s.chars().all(char::is_alphanumeric)),
        "isspace" => b(!s.is_empty() && s.chars().all(py_isspace)),
        "isupper" => b(s.chars().any(char::is_uppercase) && !s.chars().any(char::is_lowercase)),
        "islower" => b(s.chars().any(char::is_lowercase) && !s.chars().any(char::is_uppercase)),
        "encode" => Ok(Value::Bytes(s.as_bytes().into())),
        _ => Err(no_attr(recv, name)),
    }
}

/// `recv.name(*args, **kwargs)`.
pub(crate) fn call_method(
    recv: &Value,
    name: &str,
    args: &[Value],
    kwargs: &Kwargs,
) -> Result<Value, Error> {
    match recv {
        Value::Str(s) if STR_METHODS.contains(&name) => str_method(recv, s, name, args, kwargs),
        Value::Bytes(bytes) if name == "decode" => {
            Ok(Value::from(String::from_utf8_lossy(bytes).into_owned()))
        }
        Value::Dict(d) => match name {
            "get" => {
                let key = args
                    .first()
                    .ok_or_else(|| Error::type_error("get expected at least 1 argument, got 0"))?;
                if args.len() > 2 {
                    return Err(Error::type_error(format!(
                        "get expected at most 2 arguments, got {}",
                        args.len()
                    )));
                }
                crate::value::check_hashable(key)?;
                Ok(d.get(key)
                    .cloned()
                    .unwrap_or_else(|| args.get(1).cloned().unwrap_or_default()))
            }
            "items" => Ok(DictView::value(
                "dict_items",
                d.iter()
                    .map(|(k, v)| Value::tuple([k.clone(), v.clone()]))
                    .collect(),
            )),
            "keys" => Ok(DictView::value("dict_keys", d.keys().cloned().collect())),
            "values" => Ok(DictView::value(
                "dict_values",
                d.iter().map(|(_, v)| v.clone()).collect(),
            )),
            _ => Err(no_attr(recv, name)),
        },
        Value::List(items) | Value::Tuple(items) if SEQ_METHODS.contains(&name) => {
            let x = args.first().ok_or_else(|| {
                Error::type_error(format!("{name}() takes exactly one argument (0 given)"))
            })?;
            if name == "count" {
                Ok(Value::from(items.iter().filter(|v| *v == x).count()))
            } else {
                items
                    .iter()
                    .position(|v| v == x)
                    .map(Value::from)
                    .ok_or_else(|| {
                        Error::value_error(format!("{} is not in {}", x.repr(), recv.type_name()))
                    })
            }
        }
        Value::Function(_) => {
            let f = get_attr(recv, name)?;
            call_value(&f, args, kwargs)
        }
        Value::Object(o) => match o.call_method(name, args, kwargs) {
            Some(r) => r,
            None => {
                let attr = o.get_attr(name).ok_or_else(|| no_attr(recv, name))?;
                call_value(&attr, args, kwargs)
            }
        },
        _ => Err(no_attr(recv, name)),
    }
}
