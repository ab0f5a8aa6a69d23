//! Python operator semantics: equality, ordering, arithmetic.

use std::cmp::Ordering;
use std::rc::Rc;

use super::Value;
use crate::error::{Error, ErrorKind};

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
}

impl BinOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "** or pow()",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
        }
    }
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Is,
    IsNot,
}

impl CmpOp {
    fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            _ => "==",
        }
    }
}

enum Num {
    I(i64),
    F(f64),
}

fn num(v: &Value) -> Option<Num> {
    match v {
        Value::Bool(b) => Some(Num::I(*b as i64)),
        Value::Int(i) => Some(Num::I(*i)),
        Value::Float(f) => Some(Num::F(*f)),
        _ => None,
    }
}

fn int_float_cmp(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    // Exact comparison of an i64 with an f64.
    if f >= crate::builtins::I64_HIGH {
        return Some(Ordering::Less);
    }
    if f < crate::builtins::I64_LOW {
        return Some(Ordering::Greater);
    }
    let t = f.trunc();
    match i.cmp(&(t as i64)) {
        Ordering::Equal => {
            let frac = f - t;
            Some(if frac > 0.0 {
                Ordering::Less
            } else if frac < 0.0 {
                Ordering::Greater
            } else {
                Ordering::Equal
            })
        }
        o => Some(o),
    }
}

fn num_cmp(a: &Num, b: &Num) -> Option<Ordering> {
    match (a, b) {
        (Num::I(x), Num::I(y)) => Some(x.cmp(y)),
        (Num::F(x), Num::F(y)) => x.partial_cmp(y),
        (Num::I(x), Num::F(y)) => int_float_cmp(*x, *y),
        (Num::F(x), Num::I(y)) => int_float_cmp(*y, *x).map(Ordering::reverse),
    }
}

/// Python `a == b`.
pub(crate) fn py_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::None, Value::None) => true,
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| py_eq(p, q))
        }
        (Value::Dict(x), Value::Dict(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        (Value::Range(x), Value::Range(y)) => {
            let (n, m) = (x.len(), y.len());
            n == m && (n == 0 || (x.start == y.start && (n == 1 || x.step == y.step)))
        }
        (Value::Function(x), Value::Function(y)) => Rc::ptr_eq(x, y),
        (Value::Object(x), Value::Object(y)) => {
            std::ptr::eq(Rc::as_ptr(x) as *const u8, Rc::as_ptr(y) as *const u8)
        }
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => num_cmp(&x, &y) == Some(Ordering::Equal),
            _ => false,
        },
    }
}

/// Python ordering (`<` and friends); `Err(TypeError)` for unorderable types.
pub(crate) fn py_cmp(a: &Value, b: &Value, op: CmpOp) -> Result<Option<Ordering>, Error> {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Ok(Some(x.cmp(y))),
        (Value::Bytes(x), Value::Bytes(y)) => Ok(Some(x.cmp(y))),
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                if !py_eq(p, q) {
                    return py_cmp(p, q, op);
                }
            }
            Ok(Some(x.len().cmp(&y.len())))
        }
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => Ok(num_cmp(&x, &y)),
            _ => Err(Error::type_error(format!(
                "'{}' not supported between instances of '{}' and '{}'",
                op.symbol(),
                a.type_name(),
                b.type_name()
            ))),
        },
    }
}

/// Evaluates one comparison.
pub(crate) fn compare(a: &Value, b: &Value, op: CmpOp) -> Result<bool, Error> {
    Ok(match op {
        CmpOp::Eq => py_eq(a, b),
        CmpOp::Ne => !py_eq(a, b),
        CmpOp::Lt => py_cmp(a, b, op)? == Some(Ordering::Less),
        CmpOp::Le => matches!(py_cmp(a, b, op)?, Some(Ordering::Less | Ordering::Equal)),
        CmpOp::Gt => py_cmp(a, b, op)? == Some(Ordering::Greater),
        CmpOp::Ge => matches!(py_cmp(a, b, op)?, Some(Ordering::Greater | Ordering::Equal)),
        CmpOp::In => contains(b, a)?,
        CmpOp::NotIn => !contains(b, a)?,
        CmpOp::Is => is(a, b),
        CmpOp::IsNot => !is(a, b),
    })
}

fn is(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => Rc::ptr_eq(x, y) || (x.is_empty() && y.is_empty()),
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => Rc::ptr_eq(x, y),
        (Value::Dict(x), Value::Dict(y)) => Rc::ptr_eq(x, y),
        (Value::Function(_), Value::Function(_)) | (Value::Object(_), Value::Object(_)) => {
            py_eq(a, b)
        }
        _ => false,
    }
}

/// Python `item in container`.
pub(crate) fn contains(container: &Value, item: &Value) -> Result<bool, Error> {
    match container {
        Value::Str(s) => match item {
            Value::Str(sub) => Ok(s.contains(&**sub)),
            _ => Err(Error::type_error(format!(
                "'in <string>' requires string as left operand, not {}",
                item.type_name()
            ))),
        },
        Value::List(l) | Value::Tuple(l) => Ok(l.iter().any(|x| py_eq(x, item))),
        Value::Dict(d) => {
            super::check_hashable(item)?;
            Ok(d.get(item).is_some())
        }
        Value::Range(r) => Ok(match item {
            Value::Int(_) | Value::Bool(_) | Value::Float(_) => {
                (0..r.len()).any(|i| py_eq(&Value::Int(r.get(i)), item))
            }
            _ => false,
        }),
        Value::Bytes(b) => match item {
            Value::Bytes(sub) => Ok(sub.is_empty() || b.windows(sub.len()).any(|w| w == &sub[..])),
            Value::Int(i) => Ok(b.iter().any(|x| *x as i64 == *i)),
            _ => Err(Error::type_error("a bytes-like object is required")),
        },
        Value::Object(o) => Ok(o.iterate()?.iter().any(|x| py_eq(x, item))),
        _ => Err(Error::type_error(format!(
            "argument of type '{}' is not iterable",
            container.type_name()
        ))),
    }
}

fn overflow() -> Error {
    Error::new(
        ErrorKind::OverflowError,
        "integer result too large for a 64-bit int",
    )
}

fn zero_div(msg: &str) -> Error {
    Error::new(ErrorKind::ZeroDivisionError, msg)
}

fn unsupported(op: BinOp, a: &Value, b: &Value) -> Error {
    if op == BinOp::Add {
        if let Value::Str(_) | Value::List(_) | Value::Tuple(_) = a {
            return Error::type_error(format!(
                "can only concatenate {} (not \"{}\") to {}",
                a.type_name(),
                b.type_name(),
                a.type_name()
            ));
        }
    }
    Error::type_error(format!(
        "unsupported operand type(s) for {}: '{}' and '{}'",
        op.symbol(),
        a.type_name(),
        b.type_name()
    ))
}

/// Python float floor division and modulo (`divmod` for floats).
pub(crate) fn float_divmod(a: f64, b: f64) -> (f64, f64) {
    let mut m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m += b;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(b);
    }
    let floordiv = if div != 0.0 {
        let f = div.floor();
        if div - f > 0.5 { f + 1.0 } else { f }
    } else {
        0.0f64.copysign(a / b)
    };
    (floordiv, m)
}

pub(crate) fn int_pow(base: i64, exp: i64) -> Result<Value, Error> {
    if exp < 0 {
        if base == 0 {
            return Err(zero_div("0.0 cannot be raised to a negative power"));
        }
        return Ok(Value::Float((base as f64).powf(exp as f64)));
    }
    let exp = u32::try_from(exp).map_err(|_| overflow())?;
    base.checked_pow(exp).map(Value::Int).ok_or_else(overflow)
}

/// The maximum length of a string or list built by `*` repetition.
pub(crate) const MAX_REPEAT_LEN: usize = 1 << 30;

fn repeat_count(n: i64, unit: usize) -> Result<usize, Error> {
    let n = n.max(0) as usize;
    if unit.saturating_mul(n) > MAX_REPEAT_LEN {
        return Err(Error::new(
            ErrorKind::MemoryError,
            "repeated value is too large",
        ));
    }
    Ok(n)
}

/// Evaluates a binary arithmetic operator with Python semantics.
pub(crate) fn binary(op: BinOp, a: &Value, b: &Value) -> Result<Value, Error> {
    use BinOp::*;
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        let (x, y) = (*x, *y);
        return match op {
            Add => x.checked_add(y).map(Value::Int).ok_or_else(overflow),
            Sub => x.checked_sub(y).map(Value::Int).ok_or_else(overflow),
            Mul => x.checked_mul(y).map(Value::Int).ok_or_else(overflow),
            _ => int_op(op, x, y),
        };
    }
    match (num(a), num(b)) {
        (Some(Num::I(x)), Some(Num::I(y))) => {
            // bools mixed with ints
            match op {
                Add => x.checked_add(y).map(Value::Int).ok_or_else(overflow),
                Sub => x.checked_sub(y).map(Value::Int).ok_or_else(overflow),
                Mul => x.checked_mul(y).map(Value::Int).ok_or_else(overflow),
                BitAnd | BitOr | BitXor if matches!((a, b), (Value::Bool(_), Value::Bool(_))) => {
                    let r = match op {
                        BitAnd => x & y,
                        BitOr => x | y,
                        _ => x ^ y,
                    };
                    Ok(Value::Bool(r != 0))
                }
                _ => int_op(op, x, y),
            }
        }
        (Some(x), Some(y)) => {
            let x = match x {
                Num::I(i) => i as f64,
                Num::F(f) => f,
            };
            let y = match y {
                Num::I(i) => i as f64,
                Num::F(f) => f,
            };
            float_op(op, x, y, a, b)
        }
        _ => seq_op(op, a, b),
    }
}

fn int_op(op: BinOp, x: i64, y: i64) -> Result<Value, Error> {
    use BinOp::*;
    Ok(match op {
        Add => Value::Int(x.checked_add(y).ok_or_else(overflow)?),
        Sub => Value::Int(x.checked_sub(y).ok_or_else(overflow)?),
        Mul => Value::Int(x.checked_mul(y).ok_or_else(overflow)?),
        Div => {
            if y == 0 {
                return Err(zero_div("division by zero"));
            }
            if x.unsigned_abs() < (1 << 53) && y.unsigned_abs() < (1 << 53) {
                Value::Float(x as f64 / y as f64)
            } else {
                Value::Float((x as i128 as f64) / (y as f64))
            }
        }
        FloorDiv | Mod => {
            if y == 0 {
                return Err(zero_div("integer division or modulo by zero"));
            }
            if y == -1 {
                // The only case where i64 division overflows (i64::MIN // -1).
                return if op == FloorDiv {
                    x.checked_neg().map(Value::Int).ok_or_else(overflow)
                } else {
                    Ok(Value::Int(0))
                };
            }
            let (q, r) = (x / y, x % y);
            let (d, m) = if r != 0 && ((r < 0) != (y < 0)) {
                (q - 1, r + y)
            } else {
                (q, r)
            };
            Value::Int(if op == FloorDiv { d } else { m })
        }
        Pow => return int_pow(x, y),
        BitAnd => Value::Int(x & y),
        BitOr => Value::Int(x | y),
        BitXor => Value::Int(x ^ y),
        Shl => {
            if y < 0 {
                return Err(Error::value_error("negative shift count"));
            }
            if x == 0 {
                Value::Int(0)
            } else if y >= 63 {
                return Err(overflow());
            } else {
                let r = x.checked_shl(y as u32).ok_or_else(overflow)?;
                if r >> y != x {
                    return Err(overflow());
                }
                Value::Int(r)
            }
        }
        Shr => {
            if y < 0 {
                return Err(Error::value_error("negative shift count"));
            }
            Value::Int(x >> y.min(63))
        }
    })
}

fn float_op(op: BinOp, x: f64, y: f64, a: &Value, b: &Value) -> Result<Value, Error> {
    use BinOp::*;
    Ok(Value::Float(match op {
        Add => x + y,
        Sub => x - y,
        Mul => x * y,
        Div => {
            if y == 0.0 {
                return Err(zero_div("float division by zero"));
            }
            x / y
        }
        FloorDiv => {
            if y == 0.0 {
                return Err(zero_div("float floor division by zero"));
            }
            float_divmod(x, y).0
        }
        Mod => {
            if y == 0.0 {
                return Err(zero_div("float modulo"));
            }
            float_divmod(x, y).1
        }
        Pow => {
            if x == 0.0 && y < 0.0 {
                return Err(zero_div("0.0 cannot be raised to a negative power"));
            }
            if x < 0.0 && y.fract() != 0.0 && y.is_finite() {
                return Err(Error::value_error(
                    "complex results (negative number to a fractional power) are not supported",
                ));
            }
            let r = x.powf(y);
            if r.is_infinite() && x.is_finite() && y.is_finite() {
                return Err(Error::new(
                    ErrorKind::OverflowError,
                    "(34, 'Numerical result out of range')",
                ));
            }
            r
        }
        _ => return Err(unsupported(op, a, b)),
    }))
}

fn seq_op(op: BinOp, a: &Value, b: &Value) -> Result<Value, Error> {
    match (op, a, b) {
        (BinOp::Add, Value::Str(x), Value::Str(y)) => {
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(x);
            s.push_str(y);
            Ok(Value::from(s))
        }
        (BinOp::Add, Value::List(x), Value::List(y)) => {
            Ok(Value::List(x.iter().chain(y.iter()).cloned().collect()))
        }
        (BinOp::Add, Value::Tuple(x), Value::Tuple(y)) => {
            Ok(Value::Tuple(x.iter().chain(y.iter()).cloned().collect()))
        }
        (BinOp::Add, Value::Bytes(x), Value::Bytes(y)) => {
            Ok(Value::Bytes(x.iter().chain(y.iter()).copied().collect()))
        }
        (BinOp::Mul, seq, Value::Int(_) | Value::Bool(_))
        | (BinOp::Mul, Value::Int(_) | Value::Bool(_), seq)
            if matches!(
                seq,
                Value::Str(_) | Value::List(_) | Value::Tuple(_) | Value::Bytes(_)
            ) =>
        {
            let n = match (a, b) {
                (Value::Int(n), _) | (_, Value::Int(n)) => *n,
                (Value::Bool(t), _) | (_, Value::Bool(t)) => *t as i64,
                _ => 0,
            };
            match seq {
                Value::Str(s) => {
                    let n = repeat_count(n, s.len())?;
                    Ok(Value::from(s.repeat(n)))
                }
                Value::Bytes(s) => {
                    let n = repeat_count(n, s.len())?;
                    Ok(Value::Bytes(s.repeat(n).into()))
                }
                Value::List(l) | Value::Tuple(l) => {
                    let n = repeat_count(n, l.len())?;
                    let items: Rc<[Value]> = std::iter::repeat_n(l.iter(), n)
                        .flatten()
                        .cloned()
                        .collect();
                    Ok(if matches!(seq, Value::List(_)) {
                        Value::List(items)
                    } else {
                        Value::Tuple(items)
                    })
                }
                _ => Err(unsupported(BinOp::Mul, a, b)),
            }
        }
        (BinOp::Mod, Value::Str(fmt), args) => {
            crate::format::percent_format(fmt, args).map(Value::from)
        }
        _ => Err(unsupported(op, a, b)),
    }
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnOp {
    Neg,
    Pos,
    Invert,
    Not,
}

/// Evaluates a unary operator.
pub(crate) fn unary(op: UnOp, v: &Value) -> Result<Value, Error> {
    match (op, v) {
        (UnOp::Not, v) => Ok(Value::Bool(!v.is_true())),
        (UnOp::Neg, Value::Int(i)) => i.checked_neg().map(Value::Int).ok_or_else(overflow),
        (UnOp::Neg, Value::Bool(b)) => Ok(Value::Int(-(*b as i64))),
        (UnOp::Neg, Value::Float(f)) => Ok(Value::Float(-f)),
        (UnOp::Pos, Value::Int(_) | Value::Float(_)) => Ok(v.clone()),
        (UnOp::Pos, Value::Bool(b)) => Ok(Value::Int(*b as i64)),
        (UnOp::Invert, Value::Int(i)) => Ok(Value::Int(!i)),
        (UnOp::Invert, Value::Bool(b)) => Ok(Value::Int(!(*b as i64))),
        _ => {
            let sym = match op {
                UnOp::Neg => "-",
                UnOp::Pos => "+",
                _ => "~",
            };
            Err(Error::type_error(format!(
                "bad operand type for unary {sym}: '{}'",
                v.type_name()
            )))
        }
    }
}
