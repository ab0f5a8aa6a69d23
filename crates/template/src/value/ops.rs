//! Python operator semantics: equality, ordering, arithmetic.

use std::cmp::Ordering;
use std::rc::Rc;

use super::Seq;
use super::{BigInt, Value};
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

enum Num<'a> {
    I(i64),
    B(&'a BigInt),
    F(f64),
}

fn num(v: &Value) -> Option<Num<'_>> {
    match v {
        Value::Bool(b) => Some(Num::I(*b as i64)),
        Value::Int(i) => Some(Num::I(*i)),
        Value::BigInt(b) => Some(Num::B(b)),
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

fn num_cmp(a: &Num<'_>, b: &Num<'_>) -> Option<Ordering> {
    match (a, b) {
        (Num::I(x), Num::I(y)) => Some(x.cmp(y)),
        (Num::F(x), Num::F(y)) => x.partial_cmp(y),
        (Num::I(x), Num::F(y)) => int_float_cmp(*x, *y),
        (Num::F(x), Num::I(y)) => int_float_cmp(*y, *x).map(Ordering::reverse),
        (Num::B(x), Num::B(y)) => Some(x.cmp(y)),
        (Num::B(x), Num::I(y)) => Some((*x).cmp(&BigInt::from_i128(*y as i128))),
        (Num::I(x), Num::B(y)) => Some(BigInt::from_i128(*x as i128).cmp(y)),
        (Num::B(x), Num::F(y)) => x.to_f64().partial_cmp(y),
        (Num::F(x), Num::B(y)) => x.partial_cmp(&y.to_f64()),
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
#[inline]
pub(crate) fn compare(a: &Value, b: &Value, op: CmpOp) -> Result<bool, Error> {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        if let Some(r) = int_compare(op, *x, *y) {
            return Ok(r);
        }
    }
    compare_general(a, b, op)
}

/// `x op y` for two ints, for every operator but the container tests.
#[inline]
pub(crate) fn int_compare(op: CmpOp, x: i64, y: i64) -> Option<bool> {
    Some(match op {
        CmpOp::Eq | CmpOp::Is => x == y,
        CmpOp::Ne | CmpOp::IsNot => x != y,
        CmpOp::Lt => x < y,
        CmpOp::Le => x <= y,
        CmpOp::Gt => x > y,
        CmpOp::Ge => x >= y,
        CmpOp::In | CmpOp::NotIn => return None,
    })
}

fn compare_general(a: &Value, b: &Value, op: CmpOp) -> Result<bool, Error> {
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
        // Equal float constants are one object in Python's compiled code.
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        // Python shares equal string constants (and a full slice returns the
        // string itself); we treat equal strings as the same object.
        (Value::Str(x), Value::Str(y)) => Rc::ptr_eq(x, y) || x == y,
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
    if let Some(v) = u32::try_from(exp).ok().and_then(|e| base.checked_pow(e)) {
        return Ok(Value::Int(v));
    }
    big_op(
        BinOp::Pow,
        &BigInt::from_i128(base as i128),
        &BigInt::from_i128(exp as i128),
    )
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

/// `x op y` for two ints when the result is an int computed without
/// overflow or error: the common case, inlined into the evaluator. `None`
/// sends the operation down the general path of [`binary`] (overflow into
/// big ints, division by zero, true division, negative divisors and powers).
#[inline]
pub(crate) fn int_fast(op: BinOp, x: i64, y: i64) -> Option<i64> {
    use BinOp::*;
    match op {
        Add => x.checked_add(y),
        Sub => x.checked_sub(y),
        Mul => x.checked_mul(y),
        // With a positive divisor Python's floor division and modulo are
        // Euclidean division.
        FloorDiv if y > 0 => Some(x.div_euclid(y)),
        Mod if y > 0 => Some(x.rem_euclid(y)),
        Pow if (0..64).contains(&y) => x.checked_pow(y as u32),
        BitAnd => Some(x & y),
        BitOr => Some(x | y),
        BitXor => Some(x ^ y),
        Shr if y >= 0 => Some(x >> y.min(63)),
        _ => None,
    }
}

/// `x op y` for a float and a float or an int, for the operators that are
/// a single float instruction (`None`: the general path, which also raises
/// division by zero). Ints convert as `float(x)` does for them.
#[inline]
fn float_fast(op: BinOp, a: &Value, b: &Value) -> Option<f64> {
    let (x, y) = match (a, b) {
        (Value::Float(x), Value::Float(y)) => (*x, *y),
        (Value::Int(x), Value::Float(y)) => (*x as f64, *y),
        (Value::Float(x), Value::Int(y)) => (*x, *y as f64),
        _ => return None,
    };
    match op {
        BinOp::Add => Some(x + y),
        BinOp::Sub => Some(x - y),
        BinOp::Mul => Some(x * y),
        BinOp::Div if y != 0.0 => Some(x / y),
        _ => None,
    }
}

/// Evaluates a binary arithmetic operator with Python semantics.
#[inline]
pub(crate) fn binary(op: BinOp, a: &Value, b: &Value) -> Result<Value, Error> {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        if let Some(r) = int_fast(op, *x, *y) {
            return Ok(Value::Int(r));
        }
    } else if let Some(r) = float_fast(op, a, b) {
        return Ok(Value::Float(r));
    }
    binary_general(op, a, b)
}

fn binary_general(op: BinOp, a: &Value, b: &Value) -> Result<Value, Error> {
    use BinOp::*;
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        return int_op(op, *x, *y);
    }
    match (num(a), num(b)) {
        (Some(Num::I(x)), Some(Num::I(y))) => {
            // bools mixed with ints
            if matches!(op, BitAnd | BitOr | BitXor)
                && matches!((a, b), (Value::Bool(_), Value::Bool(_)))
            {
                let r = match op {
                    BitAnd => x & y,
                    BitOr => x | y,
                    _ => x ^ y,
                };
                return Ok(Value::Bool(r != 0));
            }
            let r = match op {
                Add => x.checked_add(y),
                Sub => x.checked_sub(y),
                Mul => x.checked_mul(y),
                _ => return int_op(op, x, y),
            };
            match r {
                Some(v) => Ok(Value::Int(v)),
                None => big_op(
                    op,
                    &BigInt::from_i128(x as i128),
                    &BigInt::from_i128(y as i128),
                ),
            }
        }
        (Some(Num::B(x)), Some(Num::I(y))) => big_op(op, x, &BigInt::from_i128(y as i128)),
        (Some(Num::I(x)), Some(Num::B(y))) => big_op(op, &BigInt::from_i128(x as i128), y),
        (Some(Num::B(x)), Some(Num::B(y))) => big_op(op, x, y),
        (Some(x), Some(y)) => {
            let x = match x {
                Num::I(i) => i as f64,
                Num::B(b) => big_to_f64(b)?,
                Num::F(f) => f,
            };
            let y = match y {
                Num::I(i) => i as f64,
                Num::B(b) => big_to_f64(b)?,
                Num::F(f) => f,
            };
            float_op(op, x, y, a, b)
        }
        _ => seq_op(op, a, b),
    }
}

fn big_to_f64(b: &BigInt) -> Result<f64, Error> {
    let f = b.to_f64();
    if f.is_infinite() {
        return Err(Error::new(
            ErrorKind::OverflowError,
            "int too large to convert to float",
        ));
    }
    Ok(f)
}

/// The largest integer result we compute, in bits (Python has no limit but
/// would take minutes; a template asking for more is refused).
const MAX_INT_BITS: usize = 1 << 20;

fn big_result(b: BigInt) -> Result<Value, Error> {
    if b.bits() > MAX_INT_BITS {
        return Err(Error::new(
            ErrorKind::MemoryError,
            "integer result too large",
        ));
    }
    Ok(Value::from_bigint(b))
}

/// Integer arithmetic beyond 64 bits.
fn big_op(op: BinOp, x: &BigInt, y: &BigInt) -> Result<Value, Error> {
    use BinOp::*;
    match op {
        Add => big_result(x.add(y)),
        Sub => big_result(x.sub(y)),
        Mul => {
            if x.bits() + y.bits() > MAX_INT_BITS + 1 {
                return Err(Error::new(
                    ErrorKind::MemoryError,
                    "integer result too large",
                ));
            }
            big_result(x.mul(y))
        }
        Div => {
            if y.is_zero() {
                return Err(zero_div("division by zero"));
            }
            Ok(Value::Float(big_to_f64(x)? / big_to_f64(y)?))
        }
        FloorDiv | Mod => {
            let (q, r) = x
                .divmod(y)
                .ok_or_else(|| zero_div("integer division or modulo by zero"))?;
            Ok(Value::from_bigint(if op == FloorDiv { q } else { r }))
        }
        Pow => {
            if y.is_negative() {
                return Ok(Value::Float(big_to_f64(x)?.powf(big_to_f64(y)?)));
            }
            let exp = y.to_i64().and_then(|e| u64::try_from(e).ok());
            let one = BigInt::from_i128(1);
            if x.is_zero() || *x == one {
                return Ok(Value::from_bigint(x.clone()));
            }
            match exp {
                Some(e) if (x.bits() as u128) * (e as u128) <= MAX_INT_BITS as u128 + 64 => {
                    big_result(x.pow(e))
                }
                _ => Err(Error::new(
                    ErrorKind::MemoryError,
                    "integer result too large",
                )),
            }
        }
        Shl => {
            let Some(n) = y.to_i64() else {
                return Err(Error::new(
                    ErrorKind::MemoryError,
                    "integer result too large",
                ));
            };
            if n < 0 {
                return Err(Error::value_error("negative shift count"));
            }
            big_op(
                Mul,
                x,
                &BigInt::from_i128(2).pow(n.min(MAX_INT_BITS as i64 + 1) as u64),
            )
        }
        Shr => {
            let n = y.to_i64().unwrap_or(i64::MAX);
            if n < 0 {
                return Err(Error::value_error("negative shift count"));
            }
            let p = BigInt::from_i128(2).pow(n.min(MAX_INT_BITS as i64 + 1) as u64);
            big_op(FloorDiv, x, &p)
        }
        BitAnd | BitOr | BitXor => Err(Error::new(
            ErrorKind::OverflowError,
            "bitwise operations on integers beyond 64 bits are not supported",
        )),
    }
}

fn int_op(op: BinOp, x: i64, y: i64) -> Result<Value, Error> {
    use BinOp::*;
    Ok(match op {
        Add | Sub | Mul => {
            let r = match op {
                Add => x.checked_add(y),
                Sub => x.checked_sub(y),
                _ => x.checked_mul(y),
            };
            match r {
                Some(v) => Value::Int(v),
                None => {
                    return big_op(
                        op,
                        &BigInt::from_i128(x as i128),
                        &BigInt::from_i128(y as i128),
                    );
                }
            }
        }
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
                    Ok(x.checked_neg()
                        .map(Value::Int)
                        .unwrap_or_else(|| Value::from_bigint(BigInt::from_i128(-(x as i128)))))
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
            } else {
                match x.checked_shl(y.min(63) as u32) {
                    Some(r) if y < 63 && r >> y == x => Value::Int(r),
                    _ => {
                        return big_op(
                            Shl,
                            &BigInt::from_i128(x as i128),
                            &BigInt::from_i128(y as i128),
                        );
                    }
                }
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

/// Refuses a string, bytes or list result longer than [`MAX_REPEAT_LEN`].
pub(crate) fn check_len(len: usize) -> Result<(), Error> {
    if len > MAX_REPEAT_LEN {
        return Err(Error::new(ErrorKind::MemoryError, "result is too large"));
    }
    Ok(())
}

fn seq_op(op: BinOp, a: &Value, b: &Value) -> Result<Value, Error> {
    if op == BinOp::Add {
        match (a, b) {
            (Value::Str(x), Value::Str(y)) => check_len(x.len() + y.len())?,
            (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
                check_len(x.len() + y.len())?
            }
            (Value::Bytes(x), Value::Bytes(y)) => check_len(x.len() + y.len())?,
            _ => {}
        }
    }
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
                    let items: Rc<Seq> = std::iter::repeat_n(l.iter(), n)
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
        (BinOp::Mul, x, y) if is_sequence(x) || is_sequence(y) => {
            // The left operand repeats if it is a sequence, else the right
            // one; the other is the count that is not an int.
            let count = if is_sequence(x) { y } else { x };
            if matches!(count, Value::BigInt(_)) {
                return Err(Error::new(
                    ErrorKind::OverflowError,
                    "cannot fit 'int' into an index-sized integer",
                ));
            }
            Err(Error::type_error(format!(
                "can't multiply sequence by non-int of type '{}'",
                count.type_name()
            )))
        }
        _ => Err(unsupported(op, a, b)),
    }
}

/// Whether `*` repeats `v` (Python's sequence types that support it).
fn is_sequence(v: &Value) -> bool {
    matches!(
        v,
        Value::Str(_) | Value::List(_) | Value::Tuple(_) | Value::Bytes(_)
    )
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
        (UnOp::Neg, Value::Int(i)) => Ok(i
            .checked_neg()
            .map(Value::Int)
            .unwrap_or_else(|| Value::from_bigint(BigInt::from_i128(-(*i as i128))))),
        (UnOp::Neg, Value::BigInt(b)) => Ok(Value::from_bigint(b.neg())),
        (UnOp::Pos, Value::BigInt(_)) => Ok(v.clone()),
        (UnOp::Invert, Value::BigInt(b)) => {
            Ok(Value::from_bigint(b.add(&BigInt::from_i128(1)).neg()))
        }
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
