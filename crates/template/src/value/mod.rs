//! The dynamic [`Value`] that template expressions compute with.

pub(crate) mod bigint;
mod convert;
pub(crate) mod ops;
pub(crate) mod repr;

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

pub use self::bigint::BigInt;
use crate::builtins::Builtin;
use crate::error::{Error, ErrorKind};

/// Keyword arguments of a call, in the order they were written.
#[doc(alias = "**kwargs")]
pub type Kwargs = [(Rc<str>, Value)];

/// A dynamically typed template value, the Rust stand-in for a Python object.
///
/// It prints as Python's `str()` would ([`Value::to_str`]) and compares and
/// computes with Python's rules. Contexts fill it from anything
/// `serde::Serialize` ([`Value::from_serialize`]); hosts add Rust functions
/// ([`Value::function`]) and objects ([`Object`]).
#[doc(alias = "object")]
#[derive(Clone, Default)]
// `repr(C)` puts every payload at offset 8, so values are copied with whole
// aligned words (the default layout packs `bool` at offset 1, and the
// odd-offset copies it forces stall store forwarding on every return).
#[repr(C, u8)]
#[non_exhaustive]
pub enum Value {
    /// Python `None`.
    #[default]
    None,
    /// Python `bool`.
    Bool(bool),
    /// Python `int` that fits in 64 bits.
    Int(i64),
    /// Python `int` beyond 64 bits (never holds a value that fits an `i64`).
    BigInt(Rc<BigInt>),
    /// Python `float`.
    Float(f64),
    /// Python `str`.
    Str(Rc<str>),
    /// Python `bytes` (what autoescape and `{% apply %}` functions receive).
    Bytes(Rc<[u8]>),
    /// Python `list` (immutable here: templates never mutate lists).
    List(Rc<Seq>),
    /// Python `tuple`.
    Tuple(Rc<Seq>),
    /// Python `dict`, keeping insertion order.
    Dict(Rc<Dict>),
    /// Python `range`.
    Range(Rc<PyRange>),
    /// A callable: a builtin, a helper such as `xhtml_escape`, or a host function.
    Function(Rc<Function>),
    /// A host object with attributes and methods (`handler`, `request`, ...).
    Object(Rc<dyn Object>),
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repr())
    }
}

impl PartialEq for Value {
    /// Python `==`.
    fn eq(&self, other: &Value) -> bool {
        ops::py_eq(self, other)
    }
}

/// A host object exposed to templates, the counterpart of an arbitrary Python
/// object in Tornado's namespace (`handler`, `request`, `locale`, UI modules).
///
/// Every method has a default that raises the Python error an object without
/// that capability would raise.
#[doc(alias = "ObjectDict")]
pub trait Object: fmt::Debug {
    /// The Python type name used in error messages.
    fn type_name(&self) -> &str {
        "object"
    }

    /// `obj.name`: an attribute, or `None` when there is no such attribute
    /// (an `AttributeError` is raised then).
    fn get_attr(&self, name: &str) -> Option<Value> {
        let _ = name;
        None
    }

    /// `obj.name(*args, **kwargs)`. Return `None` when there is no such
    /// method; the call then falls back to calling [`Object::get_attr`]'s value.
    fn call_method(
        &self,
        name: &str,
        args: &[Value],
        kwargs: &Kwargs,
    ) -> Option<Result<Value, Error>> {
        let _ = (name, args, kwargs);
        None
    }

    /// `obj(*args, **kwargs)`.
    fn call(&self, args: &[Value], kwargs: &Kwargs) -> Result<Value, Error> {
        let _ = (args, kwargs);
        Err(Error::type_error(format!(
            "'{}' object is not callable",
            self.type_name()
        )))
    }

    /// `obj[key]`.
    fn get_item(&self, key: &Value) -> Result<Value, Error> {
        let _ = key;
        Err(Error::type_error(format!(
            "'{}' object is not subscriptable",
            self.type_name()
        )))
    }

    /// The items of `for x in obj`.
    fn iterate(&self) -> Result<Vec<Value>, Error> {
        Err(Error::type_error(format!(
            "'{}' object is not iterable",
            self.type_name()
        )))
    }

    /// `len(obj)`, when the object has a length.
    fn len(&self) -> Option<usize> {
        None
    }

    /// Whether `len(obj) == 0`.
    fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// Python `str(obj)`.
    fn to_str(&self) -> String {
        format!("<{} object>", self.type_name())
    }

    /// Python truthiness.
    fn is_true(&self) -> bool {
        self.len().is_none_or(|n| n > 0)
    }
}

type HostFn = dyn Fn(&[Value], &Kwargs) -> Result<Value, Error>;

/// A callable value: a Python builtin (`len`), a Tornado helper
/// (`xhtml_escape`) or a Rust closure registered by the host.
#[doc(alias = "callable")]
pub struct Function {
    name: Rc<str>,
    pub(crate) imp: FnImpl,
}

pub(crate) enum FnImpl {
    Builtin(Builtin),
    Host(Box<HostFn>),
    /// A method looked up but not yet called (`'a'.upper`).
    Bound(Value, Rc<str>),
}

impl Function {
    /// A function implemented by a Rust closure taking positional and keyword arguments.
    pub fn new(
        name: impl Into<Rc<str>>,
        f: impl Fn(&[Value], &Kwargs) -> Result<Value, Error> + 'static,
    ) -> Function {
        Function {
            name: name.into(),
            imp: FnImpl::Host(Box::new(f)),
        }
    }

    pub(crate) fn builtin(b: Builtin) -> Function {
        Function {
            name: b.name().into(),
            imp: FnImpl::Builtin(b),
        }
    }

    pub(crate) fn bound(recv: Value, name: Rc<str>) -> Function {
        Function {
            name: name.clone(),
            imp: FnImpl::Bound(recv, name),
        }
    }

    /// The function's name (Python `__name__`).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn as_builtin(&self) -> Option<Builtin> {
        match self.imp {
            FnImpl::Builtin(b) => Some(b),
            _ => None,
        }
    }
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<function {}>", self.name)
    }
}

/// The items of a Python `list` or `tuple` (dereferences to `[Value]`),
/// with the nesting depth of the value, so that renders can refuse values
/// nested deeply enough to exhaust the stack when printed or compared.
pub struct Seq {
    depth: u32,
    items: Box<[Value]>,
}

impl Seq {
    /// The nesting depth (1 for a list of scalars).
    pub fn depth(&self) -> u32 {
        self.depth
    }
}

impl std::ops::Deref for Seq {
    type Target = [Value];

    fn deref(&self) -> &[Value] {
        &self.items
    }
}

impl fmt::Debug for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.items.iter()).finish()
    }
}

impl FromIterator<Value> for Rc<Seq> {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Rc<Seq> {
        let items: Box<[Value]> = iter.into_iter().collect();
        Rc::new(Seq::new(items))
    }
}

impl Seq {
    fn new(items: Box<[Value]>) -> Seq {
        let depth = 1 + items.iter().map(Value::depth).max().unwrap_or(0);
        Seq { depth, items }
    }
}

/// A Python `range(start, stop, step)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(alias = "range")]
pub struct PyRange {
    /// First value.
    pub start: i64,
    /// End (exclusive).
    pub stop: i64,
    /// Step (never zero).
    pub step: i64,
}

impl PyRange {
    /// Number of items.
    #[inline]
    pub fn len(&self) -> usize {
        if self.step == 1 {
            // The common `range(n)`, without 128-bit division.
            let n = i128::from(self.stop) - i128::from(self.start);
            return usize::try_from(n.max(0)).unwrap_or(usize::MAX);
        }
        let (lo, hi, step) = (self.start as i128, self.stop as i128, self.step as i128);
        let n = if step > 0 {
            if hi > lo {
                (hi - lo + step - 1) / step
            } else {
                0
            }
        } else if lo > hi {
            (lo - hi - step - 1) / (-step)
        } else {
            0
        };
        usize::try_from(n).unwrap_or(usize::MAX)
    }

    /// Whether the range is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th item (no bounds check beyond `i < len`).
    pub fn get(&self, i: usize) -> i64 {
        (self.start as i128 + self.step as i128 * i as i128) as i64
    }
}

/// A Python `dict`: insertion-ordered, keyed by hashable values with Python
/// equality (`1`, `1.0` and `True` are the same key).
#[derive(Default, Clone)]
#[doc(alias = "dict")]
pub struct Dict {
    depth: u32,
    entries: Vec<(Value, Value)>,
    index: RefCell<Option<HashMap<KeyWrap, usize>>>,
}

const DICT_INDEX_MIN: usize = 12;

#[derive(Clone)]
struct KeyWrap(Value);

impl PartialEq for KeyWrap {
    fn eq(&self, other: &Self) -> bool {
        ops::py_eq(&self.0, &other.0)
    }
}
impl Eq for KeyWrap {}
impl Hash for KeyWrap {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_value(&self.0, state)
    }
}

fn hash_value<H: Hasher>(v: &Value, state: &mut H) {
    match v {
        Value::None => 0u8.hash(state),
        Value::Bool(b) => (*b as i64).hash(state),
        Value::Int(i) => i.hash(state),
        Value::BigInt(b) => b.hash(state),
        Value::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9.2e18 {
                (*f as i64).hash(state)
            } else {
                f.to_bits().hash(state)
            }
        }
        Value::Str(s) => s.hash(state),
        Value::Bytes(b) => b.hash(state),
        Value::Tuple(items) => {
            items.len().hash(state);
            for i in items.iter() {
                hash_value(i, state)
            }
        }
        Value::Range(r) => r.len().hash(state),
        Value::Function(f) => (Rc::as_ptr(f) as usize).hash(state),
        Value::Object(o) => (Rc::as_ptr(o) as *const u8 as usize).hash(state),
        Value::List(_) | Value::Dict(_) => 1u8.hash(state),
    }
}

/// String equality, comparing short strings (dict keys, mostly) as words
/// rather than through a call to `memcmp`.
#[inline]
fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    // Two fixed-size loads from each end cover every byte (overlapping in
    // the middle).
    let n = a.len();
    let u32_at = |s: &[u8], at: usize| {
        let mut w = [0u8; 4];
        w.copy_from_slice(&s[at..at + 4]);
        u32::from_le_bytes(w)
    };
    let u64_at = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_le_bytes(w)
    };
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=8 => u32_at(a, 0) == u32_at(b, 0) && u32_at(a, n - 4) == u32_at(b, n - 4),
        9..=16 => u64_at(a, 0) == u64_at(b, 0) && u64_at(a, n - 8) == u64_at(b, n - 8),
        _ => a == b,
    }
}

/// Drops a value. Values that own nothing on the heap (numbers, the bulk
/// of loop temporaries) skip the out-of-line drop glue, which the compiler
/// does not inline even where it knows the variant: where it does know,
/// this compiles to nothing.
#[inline(always)]
pub(crate) fn discard(v: Value) {
    match v {
        Value::None | Value::Bool(_) | Value::Int(_) | Value::Float(_) => std::mem::forget(v),
        _ => drop(v),
    }
}

pub(crate) fn check_hashable(v: &Value) -> Result<(), Error> {
    match v {
        Value::List(_) | Value::Dict(_) => Err(Error::type_error(format!(
            "unhashable type: '{}'",
            v.type_name()
        ))),
        Value::Tuple(items) => items.iter().try_for_each(check_hashable),
        _ => Ok(()),
    }
}

impl Dict {
    /// An empty dict.
    pub fn new() -> Dict {
        Dict::default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the dict is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    // Keys hash by value (numbers, strings, tuples); the interior mutability
    // clippy sees (a dict's lazy index) never takes part in hashing.
    #[allow(clippy::mutable_key_type)]
    fn find(&self, key: &Value) -> Option<usize> {
        if self.entries.len() < DICT_INDEX_MIN {
            if let Value::Str(k) = key {
                return self
                    .entries
                    .iter()
                    .position(|(ek, _)| matches!(ek, Value::Str(s) if str_eq(s, k)));
            }
            return self.entries.iter().position(|(ek, _)| ops::py_eq(ek, key));
        }
        let mut index = self.index.borrow_mut();
        let map = index.get_or_insert_with(|| {
            let mut m = HashMap::with_capacity(self.entries.len());
            for (i, (k, _)) in self.entries.iter().enumerate() {
                m.insert(KeyWrap(k.clone()), i);
            }
            m
        });
        map.get(&KeyWrap(key.clone())).copied()
    }

    /// Inserts or replaces (keeping the first position, as Python does).
    /// Fails with `TypeError` for unhashable keys (lists, dicts).
    pub fn insert(&mut self, key: Value, value: Value) -> Result<(), Error> {
        check_hashable(&key)?;
        self.depth = self.depth.max(1 + value.depth().max(key.depth()));
        if let Some(i) = self.find(&key) {
            self.entries[i].1 = value;
        } else {
            self.entries.push((key.clone(), value));
            if let Some(map) = self.index.get_mut() {
                map.insert(KeyWrap(key), self.entries.len() - 1);
            }
        }
        Ok(())
    }

    /// `d[key]` without raising.
    pub fn get(&self, key: &Value) -> Option<&Value> {
        self.find(key).map(|i| &self.entries[i].1)
    }

    /// `d[key]` for a string key.
    #[inline]
    pub fn get_str(&self, key: &str) -> Option<&Value> {
        if self.entries.len() < DICT_INDEX_MIN {
            return self
                .entries
                .iter()
                .find(|(ek, _)| matches!(ek, Value::Str(s) if str_eq(s, key)))
                .map(|(_, v)| v);
        }
        self.get(&Value::from(key))
    }

    /// [`Dict::get_str`] trying the entry at `hint` first (where the key
    /// was found in a dict of the same shape before), with the index where
    /// the key is. A string key equals no key but that string, so the
    /// entry found at the hint is the one.
    #[inline(always)]
    pub(crate) fn get_str_hinted(&self, key: &str, hint: usize) -> Option<(usize, &Value)> {
        if let Some((Value::Str(k), v)) = self.entries.get(hint) {
            if str_eq(k, key) {
                return Some((hint, v));
            }
        }
        self.get_str_indexed(key)
    }

    /// [`Dict::get_str`] with the index of the entry.
    #[inline(never)]
    fn get_str_indexed(&self, key: &str) -> Option<(usize, &Value)> {
        let i = if self.entries.len() < DICT_INDEX_MIN {
            self.entries
                .iter()
                .position(|(ek, _)| matches!(ek, Value::Str(s) if str_eq(s, key)))?
        } else {
            self.find(&Value::from(key))?
        };
        Some((i, &self.entries[i].1))
    }

    /// Entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&Value, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Keys in insertion order.
    pub fn keys(&self) -> impl Iterator<Item = &Value> {
        self.entries.iter().map(|(k, _)| k)
    }
}

impl fmt::Debug for Dict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&Value::Dict(Rc::new(self.clone())).repr())
    }
}

impl Value {
    /// Wraps a Rust closure as a callable value, for the namespace or a context.
    pub fn function(
        name: &str,
        f: impl Fn(&[Value], &Kwargs) -> Result<Value, Error> + 'static,
    ) -> Value {
        Value::Function(Rc::new(Function::new(name, f)))
    }

    /// Wraps a host object.
    pub fn object(obj: impl Object + 'static) -> Value {
        Value::Object(Rc::new(obj))
    }

    /// A list value.
    pub fn list(items: impl IntoIterator<Item = Value>) -> Value {
        Value::List(items.into_iter().collect())
    }

    /// A tuple value.
    pub fn tuple(items: impl IntoIterator<Item = Value>) -> Value {
        Value::Tuple(items.into_iter().collect())
    }

    /// How deeply containers nest inside this value (0 for scalars).
    #[inline]
    pub fn depth(&self) -> u32 {
        match self {
            Value::List(s) | Value::Tuple(s) => s.depth,
            Value::Dict(d) => d.depth.max(1),
            _ => 0,
        }
    }

    /// The Python type name (`'int'`, `'str'`, `'NoneType'`, ...).
    #[doc(alias = "type")]
    pub fn type_name(&self) -> &str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::BigInt(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Range(_) => "range",
            Value::Function(f) => match f.imp {
                FnImpl::Host(_) => "function",
                FnImpl::Builtin(_) => "builtin_function_or_method",
                FnImpl::Bound(..) => "builtin_function_or_method",
            },
            Value::Object(o) => o.type_name(),
        }
    }

    /// Python truthiness (`bool(x)`).
    #[doc(alias = "bool")]
    #[inline]
    pub fn is_true(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::BigInt(b) => !b.is_zero(),
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(l) | Value::Tuple(l) => !l.is_empty(),
            Value::Dict(d) => !d.is_empty(),
            Value::Range(r) => !r.is_empty(),
            Value::Function(_) => true,
            Value::Object(o) => o.is_true(),
        }
    }

    /// Whether this is `None`.
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// The string contents, when this is a `str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Python `str(x)`.
    #[doc(alias = "str")]
    pub fn to_str(&self) -> String {
        let mut out = String::new();
        repr::write_str(self, &mut out);
        out
    }

    /// Python `repr(x)`.
    pub fn repr(&self) -> String {
        let mut out = String::new();
        repr::write_repr(self, &mut out);
        out
    }

    /// The items of `for x in value`, materialised (strings yield their
    /// characters, dicts their keys).
    #[doc(alias = "iter")]
    pub fn iterate(&self) -> Result<Vec<Value>, Error> {
        Ok(match self {
            Value::List(l) | Value::Tuple(l) => l.to_vec(),
            Value::Str(s) => s
                .chars()
                .map(|c| Value::Str(c.to_string().into()))
                .collect(),
            Value::Bytes(b) => b.iter().map(|&x| Value::Int(x as i64)).collect(),
            Value::Dict(d) => d.keys().cloned().collect(),
            Value::Range(r) => {
                ops::check_len(r.len())?;
                (0..r.len()).map(|i| Value::Int(r.get(i))).collect()
            }
            Value::Object(o) => o.iterate()?,
            _ => {
                return Err(Error::type_error(format!(
                    "'{}' object is not iterable",
                    self.type_name()
                )));
            }
        })
    }

    /// Whether `len(x) == 0` (false for values without a length).
    pub fn is_empty(&self) -> bool {
        matches!(self.len(), Ok(0))
    }

    /// Python `len(x)`.
    pub fn len(&self) -> Result<usize, Error> {
        Ok(match self {
            Value::Str(s) => {
                if s.is_ascii() {
                    s.len()
                } else {
                    s.chars().count()
                }
            }
            Value::Bytes(b) => b.len(),
            Value::List(l) | Value::Tuple(l) => l.len(),
            Value::Dict(d) => d.len(),
            Value::Range(r) => r.len(),
            Value::Object(o) => match o.len() {
                Some(n) => n,
                None => {
                    return Err(Error::type_error(format!(
                        "object of type '{}' has no len()",
                        o.type_name()
                    )));
                }
            },
            _ => {
                return Err(Error::type_error(format!(
                    "object of type '{}' has no len()",
                    self.type_name()
                )));
            }
        })
    }

    /// Builds a value from anything `serde::Serialize` (maps become dicts,
    /// sequences lists, numbers ints or floats).
    pub fn from_serialize<T: serde::Serialize + ?Sized>(value: &T) -> Result<Value, Error> {
        let json = serde_json::to_value(value)
            .map_err(|e| Error::type_error(format!("cannot convert to a template value: {e}")))?;
        Ok(Value::from(json))
    }

    /// An integer value from a big integer, as `Int` when it fits.
    pub(crate) fn from_bigint(b: BigInt) -> Value {
        match b.to_i64() {
            Some(i) => Value::Int(i),
            None => Value::BigInt(Rc::new(b)),
        }
    }

    pub(crate) fn name_error(name: &str) -> Error {
        Error::new(
            ErrorKind::NameError,
            format!("name '{name}' is not defined"),
        )
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(Rc::from(s))
    }
}
impl From<Rc<str>> for Value {
    fn from(s: Rc<str>) -> Value {
        Value::Str(s)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}
impl From<i32> for Value {
    fn from(i: i32) -> Value {
        Value::Int(i as i64)
    }
}
impl From<usize> for Value {
    fn from(i: usize) -> Value {
        Value::Int(i64::try_from(i).unwrap_or(i64::MAX))
    }
}
impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}
impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Value {
        Value::List(v.into_iter().collect())
    }
}
impl From<Dict> for Value {
    fn from(d: Dict) -> Value {
        Value::Dict(Rc::new(d))
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::None, Into::into)
    }
}

#[cfg(test)]
mod str_eq_tests {
    #[test]
    fn str_eq_is_equality() {
        let words = [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "abc",
            "abd",
            "xbc",
            "name",
            "namf",
            "email",
            "score",
            "title",
            "titlf",
            "abcdefgh",
            "abcdefgx",
            "xbcdefgh",
            "abcdefghi",
            "abcdefghij",
            "abcdxfghij",
            "0123456789abcdef",
            "0123456789abcdeg",
            "0123456789abcdef0",
            "0123456789abcdef1",
            "é",
            "éa",
            "aé",
        ];
        for x in words {
            for y in words {
                assert_eq!(super::str_eq(x, y), x == y, "{x:?} {y:?}");
            }
        }
    }
}
