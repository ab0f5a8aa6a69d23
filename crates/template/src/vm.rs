//! The renderer: executes a compiled [`Program`] into a `String`.

use std::rc::Rc;

use crate::builtins::{Builtin, call_value};
use crate::compiler::{Escape, Handler, Node, Program};
use crate::error::{Error, ErrorKind};
use crate::expr::ast::OutPlan;
use crate::expr::ast::{Arg, CompKind, Comprehension, Expr, Name, Res, SimpleStmt, Target};
use crate::methods;
use crate::template::Limits;
use crate::value::Seq;
use crate::value::ops;
use crate::value::repr::push_int;
use crate::value::{Dict, PyRange, Value, check_hashable, discard};

pub(crate) mod fast;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

pub(crate) struct Vm<'p> {
    prog: &'p Program,
    frame: Vec<Option<Value>>,
    globals: Vec<Option<Value>>,
    limits: &'p Limits,
    iterations: u64,
    /// Positional arguments of calls being evaluated (a stack reused
    /// across calls to avoid allocating per call).
    arg_stack: Vec<Value>,
    /// A reused buffer for formatting output.
    scratch: String,
    /// The global slot of `xhtml_escape` when it holds the builtin (the
    /// usual autoescape, recognised without looking at its value).
    xhtml_global: Option<u32>,
    /// Spare item buffers for comprehensions whose list is only read.
    item_pool: Vec<Vec<Value>>,
}

/// The items a `for` loop or a comprehension walks.
enum Items {
    /// `range(...)`, walked without materialising it.
    Range(PyRange),
    /// A list or tuple, shared.
    Seq(Rc<Seq>),
    /// Anything else, materialised (strings, dicts, objects...).
    Owned(Vec<Value>),
}

impl Items {
    fn len(&self) -> usize {
        match self {
            Items::Range(r) => r.len(),
            Items::Seq(s) => s.len(),
            Items::Owned(v) => v.len(),
        }
    }

    #[inline]
    fn get(&self, i: usize) -> Value {
        match self {
            Items::Range(r) => Value::Int(r.get(i)),
            Items::Seq(s) => s[i].clone(),
            Items::Owned(v) => v[i].clone(),
        }
    }

    fn of(v: Value) -> Result<Items, Error> {
        Ok(match v {
            Value::List(s) | Value::Tuple(s) => Items::Seq(s),
            Value::Range(r) => Items::Range(*r),
            other => Items::Owned(other.iterate()?),
        })
    }
}

pub(crate) fn unbound(name: &str) -> Error {
    Error::new(
        ErrorKind::UnboundLocalError,
        format!("cannot access local variable '{name}' where it is not associated with a value"),
    )
}

/// Python's `slice.indices(len)`.
fn slice_indices(
    len: usize,
    lo: &Value,
    hi: &Value,
    step: &Value,
) -> Result<(i64, i64, i64), Error> {
    let idx = |v: &Value| -> Result<Option<i64>, Error> {
        match v {
            Value::None => Ok(None),
            Value::Int(i) => Ok(Some(*i)),
            Value::Bool(b) => Ok(Some(*b as i64)),
            _ => Err(Error::type_error(
                "slice indices must be integers or None or have an __index__ method",
            )),
        }
    };
    let step = idx(step)?.unwrap_or(1);
    if step == 0 {
        return Err(Error::value_error("slice step cannot be zero"));
    }
    let len = len as i64;
    let (lower, upper) = if step > 0 { (0, len) } else { (-1, len - 1) };
    let fix = |v: Option<i64>, default: i64| -> i64 {
        match v {
            None => default,
            Some(mut i) => {
                if i < 0 {
                    i = i.saturating_add(len);
                    if i < lower {
                        i = lower;
                    }
                } else if i > upper {
                    i = upper;
                }
                i
            }
        }
    };
    let start = fix(idx(lo)?, if step < 0 { upper } else { lower });
    let stop = fix(idx(hi)?, if step < 0 { lower } else { upper });
    Ok((start, stop, step))
}

fn slice_positions(start: i64, stop: i64, step: i64) -> impl Iterator<Item = usize> {
    let mut i = start;
    std::iter::from_fn(move || {
        let more = if step > 0 { i < stop } else { i > stop };
        if !more {
            return None;
        }
        let r = i as usize;
        i += step;
        Some(r)
    })
}

/// Python slicing `container[lo:hi:step]`.
pub(crate) fn get_slice(
    container: &Value,
    lo: &Value,
    hi: &Value,
    step: &Value,
) -> Result<Value, Error> {
    match container {
        Value::List(items) | Value::Tuple(items) => {
            let (a, b, s) = slice_indices(items.len(), lo, hi, step)?;
            let out: Rc<Seq> = slice_positions(a, b, s).map(|i| items[i].clone()).collect();
            Ok(if matches!(container, Value::List(_)) {
                Value::List(out)
            } else {
                Value::Tuple(out)
            })
        }
        Value::Str(s) => {
            if s.is_ascii() {
                let (a, b, st) = slice_indices(s.len(), lo, hi, step)?;
                if st == 1 {
                    return Ok(Value::from(if a < b {
                        &s[a as usize..b as usize]
                    } else {
                        ""
                    }));
                }
                let bytes = s.as_bytes();
                return Ok(Value::from(
                    slice_positions(a, b, st)
                        .map(|i| bytes[i] as char)
                        .collect::<String>(),
                ));
            }
            let chars: Vec<char> = s.chars().collect();
            let (a, b, st) = slice_indices(chars.len(), lo, hi, step)?;
            Ok(Value::from(
                slice_positions(a, b, st)
                    .map(|i| chars[i])
                    .collect::<String>(),
            ))
        }
        Value::Bytes(bytes) => {
            let (a, b, st) = slice_indices(bytes.len(), lo, hi, step)?;
            Ok(Value::Bytes(
                slice_positions(a, b, st).map(|i| bytes[i]).collect(),
            ))
        }
        Value::Range(r) => {
            let (a, b, st) = slice_indices(r.len(), lo, hi, step)?;
            Ok(Value::from(
                slice_positions(a, b, st)
                    .map(|i| Value::Int(r.get(i)))
                    .collect::<Vec<_>>(),
            ))
        }
        Value::Dict(_) => Err(Error::type_error("unhashable type: 'slice'")),
        other => Err(Error::type_error(format!(
            "'{}' object is not subscriptable",
            other.type_name()
        ))),
    }
}

fn seq_index(len: usize, key: &Value, what: &str) -> Result<usize, Error> {
    let i = match key {
        Value::Int(i) => *i,
        Value::Bool(b) => *b as i64,
        Value::BigInt(_) => {
            return Err(Error::new(
                ErrorKind::IndexError,
                "cannot fit 'int' into an index-sized integer",
            ));
        }
        _ => {
            return Err(Error::type_error(if what == "string" {
                format!("string indices must be integers, not '{}'", key.type_name())
            } else {
                format!(
                    "{what} indices must be integers or slices, not {}",
                    key.type_name()
                )
            }));
        }
    };
    let j = if i < 0 { i + len as i64 } else { i };
    if j < 0 || j >= len as i64 {
        return Err(Error::new(
            ErrorKind::IndexError,
            format!("{what} index out of range"),
        ));
    }
    Ok(j as usize)
}

/// Python `container[key]`.
pub(crate) fn get_item(container: &Value, key: &Value) -> Result<Value, Error> {
    match container {
        Value::Dict(d) => {
            check_hashable(key)?;
            d.get(key)
                .cloned()
                .ok_or_else(|| Error::new(ErrorKind::KeyError, key.repr()))
        }
        Value::List(items) => Ok(items[seq_index(items.len(), key, "list")?].clone()),
        Value::Tuple(items) => Ok(items[seq_index(items.len(), key, "tuple")?].clone()),
        Value::Str(s) => {
            if s.is_ascii() {
                let i = seq_index(s.len(), key, "string")?;
                return Ok(Value::from(&s[i..=i]));
            }
            let n = s.chars().count();
            let i = seq_index(n, key, "string")?;
            Ok(Value::from(
                s.chars().nth(i).map(String::from).unwrap_or_default(),
            ))
        }
        Value::Bytes(b) => Ok(Value::Int(b[seq_index(b.len(), key, "index")?] as i64)),
        Value::Range(r) => Ok(Value::Int(r.get(seq_index(r.len(), key, "range object")?))),
        Value::Object(o) => o.get_item(key),
        other => Err(Error::type_error(format!(
            "'{}' object is not subscriptable",
            other.type_name()
        ))),
    }
}

/// Appends `text` HTML-escaped (Tornado's `xhtml_escape`). Short text, the
/// common case for table cells, is escaped in one pass here, eight bytes at
/// a time; long text goes through `tornado_escape::xhtml_escape_into`,
/// which skips clean runs faster.
#[inline]
pub(crate) fn escape_into(text: &str, out: &mut String) {
    if text.len() > 64 {
        tornado_escape::xhtml_escape_into(text, out);
        return;
    }
    let bytes = text.as_bytes();
    if bytes.len() < 8
        && !bytes
            .iter()
            .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''))
    {
        // A short word ('odd', 'even', a number).
        out.push_str(text);
        return;
    }
    let mut start = 0;
    let mut word_at = 0;
    while word_at < bytes.len() {
        let mut mask = special_bytes(word_from(bytes, word_at));
        // Each word is scanned once: the set bits are visited in order,
        // and the spurious ones (see `special_bytes`) fail the byte test.
        while mask != 0 {
            let at = word_at + (mask.trailing_zeros() / 8) as usize;
            mask &= mask - 1;
            let Some(&b) = bytes.get(at) else {
                break;
            };
            if !matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'') {
                continue;
            }
            // The special characters are ASCII, so `start..at` lies on
            // character boundaries.
            if start < at {
                out.push_str(&text[start..at]);
            }
            // Each entity is pushed as a constant, which compiles to a few
            // stores rather than a call to `memcpy`.
            match b {
                b'&' => out.push_str("&amp;"),
                b'<' => out.push_str("&lt;"),
                b'>' => out.push_str("&gt;"),
                b'"' => out.push_str("&quot;"),
                _ => out.push_str("&#x27;"),
            }
            start = at + 1;
        }
        word_at += 8;
    }
    if start < bytes.len() {
        out.push_str(&text[start..]);
    }
}

/// The eight bytes of `bytes` from `at` as a little-endian word, zero-padded
/// past the end (zero is not special).
#[inline(always)]
fn word_from(bytes: &[u8], at: usize) -> u64 {
    let len = bytes.len();
    if at + 8 <= len {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(w)
    } else if len >= 8 {
        // The last eight bytes, shifted so that `at` comes first.
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[len - 8..]);
        u64::from_le_bytes(w) >> (8 * (at + 8 - len))
    } else {
        bytes[at..]
            .iter()
            .rev()
            .fold(0, |w, &b| (w << 8) | u64::from(b))
    }
}

/// The high bit of each byte of `word` that is `&`, `<`, `>`, `"` or `'`
/// is set in the result; the lowest set bit marks the first such byte
/// (bits above it may be spurious: a borrow out of a matching byte can
/// flag the next one). Bytes of multi-byte characters are never matched.
#[inline(always)]
fn special_bytes(word: u64) -> u64 {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_bytes = |x: u64| x.wrapping_sub(LOW) & !x & HIGH;
    // `&` (0x26) and `'` (0x27) differ in bit 0 only, `<` (0x3C) and `>`
    // (0x3E) in bit 1 only: three tests cover the five characters.
    zero_bytes((word ^ (LOW * 0x26)) & !LOW)
        | zero_bytes((word ^ (LOW * 0x3C)) & !(LOW * 2))
        | zero_bytes(word ^ (LOW * 0x22))
}

/// Empties a buffer of values (see [`discard`]).
#[inline]
fn clear_values(v: &mut Vec<Value>) {
    clear_values_from(v, 0);
}

/// Truncates a buffer of values to `len` (see [`discard`]).
#[inline]
fn clear_values_from(v: &mut Vec<Value>, len: usize) {
    while v.len() > len {
        if let Some(x) = v.pop() {
            discard(x);
        }
    }
}

/// Whether a body holds only text and outputs (no control flow).
fn is_flat(nodes: &[Node]) -> bool {
    nodes
        .iter()
        .all(|n| matches!(n, Node::Text(_) | Node::Output { .. }))
}

/// Appends template text.
#[inline(always)]
fn push_literal(t: &str, out: &mut String) {
    match t.as_bytes() {
        // A separator (`' '`, `'\n'`): no `memcpy` call.
        &[b] => out.push(char::from(b)),
        _ => out.push_str(t),
    }
}

/// Writes `{{ value }}` for one of the stock escapes: HTML-escaped
/// (`xhtml`, the builtin `xhtml_escape`) or as `str(value)` (no escape).
#[inline(always)]
pub(crate) fn write_stock(v: &Value, out: &mut String, xhtml: bool) {
    match (v, xhtml) {
        (Value::Str(s), true) => escape_into(s, out),
        (Value::Int(i), _) => push_int(*i, out),
        (Value::Float(x), _) => crate::value::repr::push_float(*x, out),
        (Value::Bytes(b), true) => escape_into(&String::from_utf8_lossy(b), out),
        (other, true) => escape_into(&other.to_str(), out),
        (other, false) => push_text(other, out),
    }
}

/// Appends `str(value)` (or the bytes of a `bytes` value) to `out`.
fn push_text(v: &Value, out: &mut String) {
    match v {
        Value::Str(s) => out.push_str(s),
        Value::Int(i) => push_int(*i, out),
        Value::Bytes(b) => out.push_str(&String::from_utf8_lossy(b)),
        other => crate::value::repr::write_str(other, out),
    }
}

/// Appends the result of an escape or apply function, as `_tt_utf8()` would accept it.
fn push_result(v: &Value, out: &mut String) -> Result<(), Error> {
    match v {
        Value::Str(s) => out.push_str(s),
        Value::Bytes(b) => out.push_str(&String::from_utf8_lossy(b)),
        other => {
            return Err(Error::type_error(format!(
                "Expected bytes, unicode, or None; got <class '{}'>",
                other.type_name()
            )));
        }
    }
    Ok(())
}

fn to_bytes(v: &Value) -> Value {
    match v {
        Value::Bytes(_) => v.clone(),
        Value::Str(s) => Value::Bytes(s.as_bytes().into()),
        other => Value::Bytes(other.to_str().into_bytes().into()),
    }
}

impl<'p> Vm<'p> {
    pub(crate) fn new(
        prog: &'p Program,
        globals: Vec<Option<Value>>,
        limits: &'p Limits,
    ) -> Vm<'p> {
        let xhtml_global = prog.xhtml_global.filter(|&g| {
            matches!(globals.get(g as usize), Some(Some(Value::Function(f))) if f.as_builtin() == Some(Builtin::XhtmlEscape))
        });
        Vm {
            prog,
            frame: vec![None; prog.nslots],
            xhtml_global,
            globals,
            limits,
            iterations: 0,
            arg_stack: Vec::new(),
            scratch: String::new(),
            item_pool: Vec::new(),
        }
    }

    pub(crate) fn run(&mut self, out: &mut String) -> Result<(), Error> {
        let prog = self.prog;
        self.exec(&prog.body, out).map(|_| ())
    }

    fn at(&self, e: Error, loc: u32) -> Error {
        if e.has_location() {
            e
        } else {
            match self.prog.locs.get(loc as usize) {
                Some(l) => e.with_location(l.clone()),
                None => e,
            }
        }
    }

    #[inline]
    fn tick(&mut self) -> Result<(), Error> {
        self.iterations += 1;
        if let Some(max) = self.limits.max_loop_iterations {
            if self.iterations > max {
                return Err(Error::new(
                    ErrorKind::LimitExceeded,
                    format!("more than {max} loop iterations in one render"),
                ));
            }
        }
        Ok(())
    }

    #[inline]
    fn check_output(&self, out: &str) -> Result<(), Error> {
        if let Some(max) = self.limits.max_output_bytes {
            if out.len() > max {
                return Err(Error::new(
                    ErrorKind::LimitExceeded,
                    format!("output larger than {max} bytes"),
                ));
            }
        }
        Ok(())
    }

    fn exec(&mut self, nodes: &[Node], out: &mut String) -> Result<Flow, Error> {
        for node in nodes {
            match node {
                Node::Text(t) => {
                    push_literal(t, out);
                    self.check_output(out)?;
                }
                Node::Output { .. } => self.output_node(node, out)?,
                Node::If { branches, orelse } => {
                    let mut taken = None;
                    for (cond, body, loc) in branches {
                        if self.test(cond).map_err(|e| self.at(e, *loc))? {
                            taken = Some(body);
                            break;
                        }
                    }
                    let flow = self.exec(taken.unwrap_or(orelse), out)?;
                    if flow != Flow::Normal {
                        return Ok(flow);
                    }
                }
                Node::For {
                    target,
                    iter,
                    body,
                    orelse,
                    loc,
                } => {
                    let loc = *loc;
                    let broke = match self.enumerate_args(iter).map_err(|e| self.at(e, loc))? {
                        Some((seq, start)) => {
                            self.enumerate_loop(&seq, start, target, body, out, loc)?
                        }
                        None => {
                            let items = self.eval_items(iter).map_err(|e| self.at(e, loc))?;
                            self.for_loop(&items, target, body, out, loc)?
                        }
                    };
                    if !broke {
                        let flow = self.exec(orelse, out)?;
                        if flow != Flow::Normal {
                            return Ok(flow);
                        }
                    }
                }
                Node::While {
                    cond,
                    body,
                    orelse,
                    loc,
                } => {
                    let mut broke = false;
                    while self.test(cond).map_err(|e| self.at(e, *loc))? {
                        self.tick().map_err(|e| self.at(e, *loc))?;
                        match self.exec(body, out)? {
                            Flow::Break => {
                                broke = true;
                                break;
                            }
                            Flow::Continue | Flow::Normal => {}
                        }
                    }
                    if !broke {
                        let flow = self.exec(orelse, out)?;
                        if flow != Flow::Normal {
                            return Ok(flow);
                        }
                    }
                }
                Node::Try {
                    body,
                    handlers,
                    orelse,
                    finally,
                } => {
                    let flow = self.exec_try(body, handlers, orelse, finally.as_deref(), out)?;
                    if flow != Flow::Normal {
                        return Ok(flow);
                    }
                }
                Node::Stmt { stmt, loc } => self.stmt(stmt).map_err(|e| self.at(e, *loc))?,
                Node::Break => return Ok(Flow::Break),
                Node::Continue => return Ok(Flow::Continue),
                Node::Apply {
                    func,
                    body,
                    slots,
                    loc,
                } => {
                    let f = self.eval(func).map_err(|e| self.at(e, *loc))?;
                    // The apply function's locals belong to it alone: they start
                    // unbound on every call and are dropped afterwards.
                    for s in slots {
                        self.frame[*s as usize] = None;
                    }
                    let mut inner = String::new();
                    let r = self.exec(body, &mut inner);
                    for s in slots {
                        self.frame[*s as usize] = None;
                    }
                    r?;
                    let result = call_value(&f, &[Value::Bytes(inner.into_bytes().into())], &[])
                        .map_err(|e| self.at(e, *loc))?;
                    push_result(&result, out).map_err(|e| self.at(e, *loc))?;
                    self.check_output(out).map_err(|e| self.at(e, *loc))?;
                }
            }
        }
        Ok(Flow::Normal)
    }

    /// Runs a body of text and outputs only (see [`is_flat`]), the common
    /// loop body, in a loop smaller than [`Vm::exec`]'s.
    #[inline(never)]
    fn exec_flat(&mut self, nodes: &[Node], out: &mut String) -> Result<(), Error> {
        for node in nodes {
            match node {
                Node::Text(t) => {
                    push_literal(t, out);
                    self.check_output(out)?;
                }
                _ => self.output_node(node, out)?,
            }
        }
        Ok(())
    }

    /// Runs a [`Node::Output`] (nothing for other nodes).
    #[inline(always)]
    fn output_node(&mut self, node: &Node, out: &mut String) -> Result<(), Error> {
        let Node::Output {
            expr,
            escape,
            loc,
            code,
            suffix,
        } = node
        else {
            return Ok(());
        };
        let written = match self.escape_is_xhtml(escape) {
            Some(xhtml) => match code {
                OutPlan::Code(code) => (code.0)(self, out, xhtml),
                OutPlan::Entry(n, k, hint) => match self.peek(n) {
                    Some(Value::Dict(d)) => match d.get_str_hinted(k, hint.get()) {
                        Some((i, v)) => {
                            hint.set(i);
                            write_stock(v, out, xhtml);
                            Ok(())
                        }
                        None => self.output_stock(expr, xhtml, out),
                    },
                    _ => self.output_stock(expr, xhtml, out),
                },
                OutPlan::General => self.output_stock(expr, xhtml, out),
            },
            None => self.output(expr, escape, out),
        };
        if let Err(e) = written.and_then(|()| self.check_output(out)) {
            return Err(self.at(e, *loc));
        }
        if let Some(t) = suffix {
            push_literal(t, out);
            self.check_output(out)?;
        }
        Ok(())
    }

    /// When `iter` is a call of the builtin `enumerate(seq)` (or
    /// `enumerate(seq, start)`), returns the evaluated arguments so the loop
    /// can count without building the list of pairs.
    fn enumerate_args(&mut self, iter: &Expr) -> Result<Option<(Value, i64)>, Error> {
        let Expr::Call(func, args) = iter else {
            return Ok(None);
        };
        let Expr::Name(n) = &**func else {
            return Ok(None);
        };
        let is_enumerate = matches!(self.peek(n), Some(Value::Function(f)) if f.as_builtin() == Some(Builtin::Enumerate));
        if !is_enumerate {
            return Ok(None);
        }
        let (seq_expr, start_expr) = match args.as_slice() {
            [Arg::Pos(a)] => (a, None),
            [Arg::Pos(a), Arg::Pos(b)] => (a, Some(b)),
            _ => return Ok(None),
        };
        let seq = self.eval(seq_expr)?;
        let start = match start_expr {
            Some(e) => crate::builtins::to_index(&self.eval(e)?, "")?,
            None => 0,
        };
        if matches!(seq, Value::List(_) | Value::Tuple(_)) {
            return Ok(Some((seq, start)));
        }
        // Other iterables are materialised, as `enumerate` would walk them.
        let items: Rc<Seq> = seq.iterate()?.into_iter().collect();
        Ok(Some((Value::List(items), start)))
    }

    fn enumerate_loop(
        &mut self,
        seq: &Value,
        start: i64,
        target: &Target,
        body: &[Node],
        out: &mut String,
        loc: u32,
    ) -> Result<bool, Error> {
        let (Value::List(items) | Value::Tuple(items)) = seq else {
            return Ok(false);
        };
        let items = items.clone();
        let flat = is_flat(body);
        for (i, item) in items.iter().enumerate() {
            self.tick().map_err(|e| self.at(e, loc))?;
            let n = start.checked_add(i as i64).ok_or_else(|| {
                self.at(
                    Error::new(ErrorKind::OverflowError, "enumerate index overflow"),
                    loc,
                )
            })?;
            match target {
                Target::Tuple(pair) if pair.len() == 2 => {
                    self.assign_item(&pair[0], Value::Int(n))
                        .map_err(|e| self.at(e, loc))?;
                    self.assign_item(&pair[1], item.clone())
                        .map_err(|e| self.at(e, loc))?;
                }
                other => self
                    .assign(other, Value::tuple([Value::Int(n), item.clone()]))
                    .map_err(|e| self.at(e, loc))?,
            }
            if flat {
                self.exec_flat(body, out)?;
            } else if self.exec(body, out)? == Flow::Break {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn for_loop(
        &mut self,
        items: &Items,
        target: &Target,
        body: &[Node],
        out: &mut String,
        loc: u32,
    ) -> Result<bool, Error> {
        let flat = is_flat(body);
        for i in 0..items.len() {
            self.tick().map_err(|e| self.at(e, loc))?;
            self.assign_item(target, items.get(i))
                .map_err(|e| self.at(e, loc))?;
            if flat {
                self.exec_flat(body, out)?;
            } else if self.exec(body, out)? == Flow::Break {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Evaluates the iterable of a loop or comprehension. A call of the
    /// builtin `range` is not materialised (not even as a range object).
    fn eval_items(&mut self, e: &Expr) -> Result<Items, Error> {
        if let Expr::Call(func, args) = e {
            if let Expr::Name(n) = &**func {
                let is_range = matches!(self.peek(n), Some(Value::Function(f)) if f.as_builtin() == Some(Builtin::Range));
                if is_range
                    && (1..=3).contains(&args.len())
                    && args.iter().all(|a| matches!(a, Arg::Pos(_)))
                {
                    // All arguments are evaluated before any is converted.
                    let mut bounds = [Value::None, Value::None, Value::None];
                    let exprs = args.iter().filter_map(|a| match a {
                        Arg::Pos(e) => Some(e),
                        _ => None,
                    });
                    for (slot, e) in bounds.iter_mut().zip(exprs) {
                        *slot = self.eval(e)?;
                    }
                    let r = crate::builtins::make_range(&bounds[..args.len()]);
                    bounds.into_iter().for_each(discard);
                    return Ok(Items::Range(r?));
                }
            }
        }
        Items::of(self.eval(e)?)
    }

    fn handler_matches(&mut self, h: &Handler, err: &Error) -> Result<bool, Error> {
        let Some(classes) = &h.classes else {
            return Ok(true);
        };
        let mut names = Vec::new();
        self.exception_classes(classes, &mut names)?;
        Ok(names
            .iter()
            .any(|n| err.kind().is_caught_by(n).unwrap_or(false)))
    }

    fn exception_classes(&mut self, e: &Expr, names: &mut Vec<Rc<str>>) -> Result<(), Error> {
        match e {
            Expr::Tuple(items) => {
                for i in items {
                    self.exception_classes(i, names)?;
                }
                Ok(())
            }
            Expr::Name(n) => {
                let known = ErrorKind::Exception.is_caught_by(&n.id).is_some();
                match self.read(n) {
                    Ok(Value::Str(s)) if ErrorKind::Exception.is_caught_by(&s).is_some() => {
                        names.push(s);
                        Ok(())
                    }
                    Ok(_) => Err(Error::type_error(
                        "catching classes that do not inherit from BaseException is not allowed",
                    )),
                    Err(_) if known && matches!(n.res, Res::Global(_)) => {
                        names.push(n.id.clone());
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            }
            other => {
                self.eval(other)?;
                Err(Error::type_error(
                    "catching classes that do not inherit from BaseException is not allowed",
                ))
            }
        }
    }

    fn exec_try(
        &mut self,
        body: &[Node],
        handlers: &[Handler],
        orelse: &[Node],
        finally: Option<&[Node]>,
        out: &mut String,
    ) -> Result<Flow, Error> {
        let mut result = match self.exec(body, out) {
            Ok(Flow::Normal) => self.exec(orelse, out),
            Ok(flow) => Ok(flow),
            Err(err) if err.kind() == ErrorKind::LimitExceeded => Err(err),
            Err(err) => {
                let mut outcome = Err(err.clone());
                for h in handlers {
                    match self.handler_matches(h, &err) {
                        Ok(true) => {
                            if let Some(n) = &h.name {
                                if let Err(e) = self.store(n, Value::from(err.message())) {
                                    outcome = Err(e);
                                    break;
                                }
                            }
                            outcome = self.exec(&h.body, out);
                            break;
                        }
                        Ok(false) => {}
                        Err(e) => {
                            outcome = Err(self.at(e, h.loc));
                            break;
                        }
                    }
                }
                outcome
            }
        };
        if let Some(fin) = finally {
            match self.exec(fin, out) {
                Ok(Flow::Normal) => {}
                other => result = other,
            }
        }
        result
    }

    #[inline]
    fn store(&mut self, n: &Name, v: Value) -> Result<(), Error> {
        // Values only grow deeper by being stored and wrapped again, so
        // checking here bounds the depth of every value a render can build.
        if v.depth() as usize > self.limits.max_value_depth {
            return Err(self.too_deep());
        }
        let slot = match n.res {
            Res::Local(s) | Res::Free(s) => &mut self.frame[s as usize],
            Res::Global(g) => {
                if self.xhtml_global == Some(g) {
                    self.xhtml_global = None;
                }
                &mut self.globals[g as usize]
            }
            Res::Unresolved => return Ok(()),
        };
        if let Some(old) = slot.replace(v) {
            discard(old);
        }
        Ok(())
    }

    #[cold]
    fn too_deep(&self) -> Error {
        Error::new(
            ErrorKind::RecursionError,
            format!(
                "value nested more than {} levels deep",
                self.limits.max_value_depth
            ),
        )
    }

    #[inline]
    fn assign(&mut self, t: &Target, v: Value) -> Result<(), Error> {
        match t {
            Target::Name(n) => self.store(n, v),
            Target::Tuple(targets) => self.assign_tuple(targets, v),
        }
    }

    /// [`Vm::assign`] of a loop item: a value bound to a local name is
    /// stored directly (numbers, the loop counters, skip the depth check
    /// of [`Vm::store`], which they always pass).
    #[inline(always)]
    fn assign_item(&mut self, t: &Target, v: Value) -> Result<(), Error> {
        if let Target::Name(Name {
            res: Res::Local(s), ..
        }) = t
        {
            if !matches!(v, Value::Int(_) | Value::Float(_))
                && v.depth() as usize > self.limits.max_value_depth
            {
                return Err(self.too_deep());
            }
            if let Some(old) = self.frame[*s as usize].replace(v) {
                discard(old);
            }
            return Ok(());
        }
        self.assign(t, v)
    }

    fn assign_tuple(&mut self, targets: &[Target], v: Value) -> Result<(), Error> {
        if let Value::List(items) | Value::Tuple(items) = &v {
            if items.len() == targets.len() {
                for (t, item) in targets.iter().zip(items.iter()) {
                    self.assign(t, item.clone())?;
                }
                return Ok(());
            }
        }
        let items = match &v {
            Value::List(items) | Value::Tuple(items) => items.to_vec(),
            other => other.iterate().map_err(|_| {
                Error::type_error(format!(
                    "cannot unpack non-iterable {} object",
                    other.type_name()
                ))
            })?,
        };
        if items.len() > targets.len() {
            return Err(Error::value_error(format!(
                "too many values to unpack (expected {})",
                targets.len()
            )));
        }
        if items.len() < targets.len() {
            return Err(Error::value_error(format!(
                "not enough values to unpack (expected {}, got {})",
                targets.len(),
                items.len()
            )));
        }
        for (t, item) in targets.iter().zip(items) {
            self.assign(t, item)?;
        }
        Ok(())
    }

    /// A reference to the value of a name, constant, or constant-key
    /// subscript of one, when it can be had without evaluation side effects
    /// or errors (`None` means "evaluate normally").
    fn lookup_ref<'a>(&'a self, e: &'a Expr) -> Option<&'a Value> {
        match e {
            Expr::Name(n) => self.peek(n),
            Expr::Const(v) => Some(v),
            Expr::Subscript(obj, key) => {
                let Expr::Const(k) = &**key else {
                    return None;
                };
                let container = match &**obj {
                    Expr::Name(n) => self.peek(n)?,
                    other => self.lookup_ref(other)?,
                };
                match (container, k) {
                    (Value::Dict(d), Value::Str(k)) => d.get_str(k),
                    (Value::Dict(d), Value::Int(_)) => d.get(k),
                    (Value::List(l) | Value::Tuple(l), Value::Int(i)) => {
                        let j = if *i < 0 { *i + l.len() as i64 } else { *i };
                        usize::try_from(j).ok().and_then(|j| l.get(j))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Whether output through `escape` is plain (`Some(false)`), the stock
    /// `xhtml_escape` (`Some(true)`), or some other function (`None`).
    #[inline]
    fn escape_is_xhtml(&self, escape: &Escape) -> Option<bool> {
        match escape {
            Escape::None | Escape::Identity => Some(false),
            Escape::Call(Expr::Name(Name {
                res: Res::Global(g),
                ..
            })) if self.xhtml_global == Some(*g) => Some(true),
            Escape::Call(Expr::Name(n)) => match self.peek(n) {
                Some(Value::Function(f)) if f.as_builtin() == Some(Builtin::XhtmlEscape) => {
                    Some(true)
                }
                _ => None,
            },
            Escape::Call(_) => None,
        }
    }

    #[inline]
    fn peek(&self, n: &Name) -> Option<&Value> {
        match n.res {
            Res::Local(s) | Res::Free(s) => self.frame[s as usize].as_ref(),
            Res::Global(g) => self.globals[g as usize].as_ref(),
            Res::Unresolved => None,
        }
    }

    #[inline]
    fn read(&self, n: &Name) -> Result<Value, Error> {
        match n.res {
            Res::Local(s) => self.frame[s as usize].clone().ok_or_else(|| unbound(&n.id)),
            Res::Free(s) => self.frame[s as usize].clone().ok_or_else(|| {
                Error::new(
                    ErrorKind::NameError,
                    format!(
                        "cannot access free variable '{}' where it is not associated with a value in enclosing scope",
                        n.id
                    ),
                )
            }),
            Res::Global(g) => self.globals[g as usize].clone().ok_or_else(|| Value::name_error(&n.id)),
            Res::Unresolved => Err(Value::name_error(&n.id)),
        }
    }

    fn stmt(&mut self, stmt: &SimpleStmt) -> Result<(), Error> {
        match stmt {
            SimpleStmt::Assign(targets, value) => {
                let v = self.eval(value)?;
                for t in targets {
                    self.assign(t, v.clone())?;
                }
            }
            SimpleStmt::AugAssign(name, op, value) => {
                let cur = self.read(name)?;
                let v = self.eval(value)?;
                let r = ops::binary(*op, &cur, &v)?;
                self.store(name, r)?;
            }
            SimpleStmt::Expr(e) => {
                self.eval(e)?;
            }
            SimpleStmt::Import(items) => {
                for item in items {
                    let missing = || {
                        Error::new(
                            ErrorKind::ImportError,
                            format!("No module named '{}'", item.display),
                        )
                    };
                    let mut v = self.read(&item.module).map_err(|_| missing())?;
                    for attr in &item.path {
                        v = match &v {
                            Value::Dict(d) => d.get_str(attr).cloned(),
                            other => methods::get_attr(other, attr).ok(),
                        }
                        .ok_or_else(|| {
                            Error::new(
                                ErrorKind::ImportError,
                                format!("cannot import name '{attr}' from '{}'", item.display),
                            )
                        })?;
                    }
                    self.store(&item.bound, v)?;
                }
            }
        }
        Ok(())
    }

    /// `{{ expr }}` of an expression without compiled output code, for the
    /// stock escapes (see [`write_stock`]): written from a borrowed value
    /// when it can be had without evaluation.
    #[inline(always)]
    fn output_stock(&mut self, expr: &Expr, xhtml: bool, out: &mut String) -> Result<(), Error> {
        if let Some(v) = self.lookup_ref(expr) {
            write_stock(v, out, xhtml);
            return Ok(());
        }
        let v = self.eval(expr)?;
        write_stock(&v, out, xhtml);
        discard(v);
        Ok(())
    }

    /// `{{ expr }}` through an escape function other than the stock ones
    /// (those take [`Vm::output_stock`] or compiled code).
    #[inline(never)]
    fn output(&mut self, expr: &Expr, escape: &Escape, out: &mut String) -> Result<(), Error> {
        let v = self.eval(expr)?;
        self.write_value(&v, escape, out)
    }

    fn write_value(&mut self, v: &Value, escape: &Escape, out: &mut String) -> Result<(), Error> {
        match escape {
            Escape::None | Escape::Identity => push_text(v, out),
            Escape::Call(f) => {
                let is_xhtml = match f {
                    Expr::Name(n) => {
                        matches!(self.peek(n), Some(Value::Function(fv)) if fv.as_builtin() == Some(Builtin::XhtmlEscape))
                    }
                    _ => false,
                };
                if is_xhtml {
                    match v {
                        Value::Str(s) => escape_into(s, out),
                        Value::Int(i) => push_int(*i, out),
                        Value::Float(x) => crate::value::repr::push_float(*x, out),
                        Value::Bytes(b) => escape_into(&String::from_utf8_lossy(b), out),
                        other => escape_into(&other.to_str(), out),
                    }
                    return Ok(());
                }
                let func = self.eval(f)?;
                if let Value::Function(fv) = &func {
                    if fv.as_builtin() == Some(Builtin::XhtmlEscape) {
                        match v {
                            Value::Str(s) => escape_into(s, out),
                            Value::Int(i) => push_int(*i, out),
                            Value::Bytes(b) => escape_into(&String::from_utf8_lossy(b), out),
                            other => escape_into(&other.to_str(), out),
                        }
                        return Ok(());
                    }
                }
                let r = call_value(&func, &[to_bytes(v)], &[])?;
                push_result(&r, out)?;
            }
        }
        Ok(())
    }

    /// Evaluates a call. Positional arguments go on `arg_stack` (and are
    /// popped afterwards); keyword arguments, which are rare, into a `Vec`.
    #[inline(never)]
    fn call_expr(&mut self, func: &Expr, args: &[Arg]) -> Result<Value, Error> {
        let base = self.arg_stack.len();
        let result = self.call_expr_inner(func, args, base);
        self.pop_args(base);
        result
    }

    fn call_expr_inner(&mut self, func: &Expr, args: &[Arg], base: usize) -> Result<Value, Error> {
        if let Some(r) = self.reduce_comprehension(func, args) {
            return r;
        }
        if let Expr::Attr(obj, name) = func {
            if self.lookup_ref(obj).is_some() {
                // Reading a bound name has no side effects, so the arguments
                // may be evaluated first and the receiver borrowed.
                let kw = self.push_args(args)?;
                if let Some(o) = self.lookup_ref(obj) {
                    return methods::call_method(o, name, &self.arg_stack[base..], &kw);
                }
                self.pop_args(base);
            }
            let o = self.eval(obj)?;
            let kw = self.push_args(args)?;
            return methods::call_method(&o, name, &self.arg_stack[base..], &kw);
        }
        if let Expr::Name(n) = func {
            if self.peek(n).is_some() {
                let kw = self.push_args(args)?;
                if let Some(f) = self.peek(n) {
                    return call_value(f, &self.arg_stack[base..], &kw);
                }
                self.pop_args(base);
            }
        }
        let f = self.eval(func)?;
        let kw = self.push_args(args)?;
        call_value(&f, &self.arg_stack[base..], &kw)
    }

    fn push_args(&mut self, args: &[Arg]) -> Result<Vec<(Rc<str>, Value)>, Error> {
        let mut kw = Vec::new();
        for a in args {
            match a {
                Arg::Pos(e) => {
                    let v = self.eval(e)?;
                    self.arg_stack.push(v);
                }
                Arg::Star(e) => {
                    let items = self.eval(e)?.iterate()?;
                    self.arg_stack.extend(items);
                }
                Arg::Kw(k, e) => {
                    let v = self.eval(e)?;
                    if kw.iter().any(|(n, _): &(Rc<str>, Value)| n == k) {
                        return Err(Error::syntax(format!("keyword argument repeated: {k}")));
                    }
                    kw.push((k.clone(), v));
                }
                Arg::StarStar(e) => match self.eval(e)? {
                    Value::Dict(d) => {
                        for (k, v) in d.iter() {
                            match k {
                                Value::Str(s) => kw.push((s.clone(), v.clone())),
                                _ => return Err(Error::type_error("keywords must be strings")),
                            }
                        }
                    }
                    other => {
                        return Err(Error::type_error(format!(
                            "argument after ** must be a mapping, not {}",
                            other.type_name()
                        )));
                    }
                },
            }
        }
        Ok(kw)
    }

    fn binary_expr(&mut self, op: ops::BinOp, a: &Expr, b: &Expr) -> Result<Value, Error> {
        let x = self.eval(a)?;
        let y = self.eval(b)?;
        ops::binary(op, &x, &y)
    }

    fn compare_expr(&mut self, op: ops::CmpOp, a: &Expr, b: &Expr) -> Result<Value, Error> {
        let x = self.eval(a)?;
        let y = self.eval(b)?;
        ops::compare(&x, &y, op).map(Value::Bool)
    }

    /// Evaluates an expression: compiled code is called directly, other
    /// shapes go through [`Vm::eval_tree`].
    #[inline]
    pub(crate) fn eval(&mut self, e: &Expr) -> Result<Value, Error> {
        match e {
            Expr::Fast(code) => (code.value)(self),
            Expr::Name(n) => self.read(n),
            _ => self.eval_tree(e),
        }
    }

    /// Drops the arguments above `base` from the argument stack.
    #[inline]
    pub(crate) fn pop_args(&mut self, base: usize) {
        clear_values_from(&mut self.arg_stack, base);
    }

    /// Unbinds the frame slots of a comprehension.
    fn reset_slots(&mut self, slots: &[u32]) {
        for s in slots {
            if let Some(old) = self.frame[*s as usize].take() {
                discard(old);
            }
        }
    }

    /// `bool(e)`.
    #[inline]
    fn test(&mut self, e: &Expr) -> Result<bool, Error> {
        match e {
            Expr::Fast(code) => (code.test)(self),
            _ => Ok(self.eval(e)?.is_true()),
        }
    }

    #[inline(never)]
    fn eval_tree(&mut self, e: &Expr) -> Result<Value, Error> {
        Ok(match e {
            Expr::Const(v) => v.clone(),
            Expr::Name(n) => self.read(n)?,
            Expr::List(items) => {
                let mut v = Vec::with_capacity(items.len());
                for i in items {
                    v.push(self.eval(i)?);
                }
                Value::from(v)
            }
            Expr::Tuple(items) => {
                let mut v = Vec::with_capacity(items.len());
                for i in items {
                    v.push(self.eval(i)?);
                }
                Value::tuple(v)
            }
            Expr::Dict(items) => {
                let mut d = Dict::new();
                for (k, v) in items {
                    let k = self.eval(k)?;
                    let v = self.eval(v)?;
                    d.insert(k, v)?;
                }
                Value::from(d)
            }
            Expr::Attr(obj, name) => {
                let o = self.eval(obj)?;
                methods::get_attr(&o, name)?
            }
            Expr::Subscript(obj, key) => {
                if let Some(v) = self.lookup_ref(e) {
                    return Ok(v.clone());
                }
                let o = self.eval(obj)?;
                if let Expr::Slice(lo, hi, step) = &**key {
                    let mut b = |x: &Option<Box<Expr>>| -> Result<Value, Error> {
                        match x {
                            Some(e) => self.eval(e),
                            None => Ok(Value::None),
                        }
                    };
                    let (lo, hi, step) = (b(lo)?, b(hi)?, b(step)?);
                    get_slice(&o, &lo, &hi, &step)?
                } else if let Expr::Const(k) = &**key {
                    get_item(&o, k)?
                } else {
                    let k = self.eval(key)?;
                    get_item(&o, &k)?
                }
            }
            Expr::Slice(..) => return Err(Error::syntax("invalid syntax")),
            Expr::Call(func, args) => self.call_expr(func, args)?,
            Expr::Unary(op, x) => {
                let v = self.eval(x)?;
                ops::unary(*op, &v)?
            }
            Expr::Binary(op, a, b) => return self.binary_expr(*op, a, b),
            Expr::And(a, b) => {
                let x = self.eval(a)?;
                if !x.is_true() { x } else { self.eval(b)? }
            }
            Expr::Or(a, b) => {
                let x = self.eval(a)?;
                if x.is_true() { x } else { self.eval(b)? }
            }
            Expr::Compare(first, rest) => {
                if let [(op, rhs)] = rest.as_slice() {
                    return self.compare_expr(*op, first, rhs);
                }
                let mut left = self.eval(first)?;
                for (op, rhs) in rest {
                    let right = self.eval(rhs)?;
                    if !ops::compare(&left, &right, *op)? {
                        return Ok(Value::Bool(false));
                    }
                    left = right;
                }
                Value::Bool(true)
            }
            Expr::IfElse(cond, a, b) => {
                if self.test(cond)? {
                    self.eval(a)?
                } else {
                    self.eval(b)?
                }
            }
            Expr::Comp(c) => self.comprehension(c)?,
            Expr::Fast(code) => (code.value)(self)?,
            Expr::Format(format, args) => {
                let args = self.eval(args)?;
                let mut text = String::with_capacity(format.text().len() + 16);
                format.format_into(&args, &mut text)?;
                Value::from(text)
            }
        })
    }

    fn comprehension(&mut self, c: &Comprehension) -> Result<Value, Error> {
        let mut items = Vec::new();
        let mut dict = Dict::new();
        self.comprehension_into(c, &mut items, Some(&mut dict))?;
        Ok(match c.kind {
            CompKind::Dict => Value::from(dict),
            CompKind::List | CompKind::Gen => Value::from(items),
        })
    }

    /// Runs a comprehension, collecting its items (or, for a dict
    /// comprehension, its entries into `dict`).
    fn comprehension_into(
        &mut self,
        c: &Comprehension,
        items: &mut Vec<Value>,
        dict: Option<&mut Dict>,
    ) -> Result<(), Error> {
        let first = match c.gens.first() {
            Some(g) => self.eval_items(&g.iter)?,
            None => return Err(Error::syntax("invalid syntax")),
        };
        // The comprehension's slots belong to it alone: start unbound, and
        // drop the loop values afterwards.
        self.reset_slots(&c.slots);
        let r = self.comp_level(c, 0, first, items, dict);
        self.reset_slots(&c.slots);
        r
    }

    /// `f([... for ...])` (or a generator argument) for a builtin `f` that
    /// only reads the items: the comprehension fills a reused buffer instead
    /// of a new list. Evaluation order and errors are those of building the
    /// list and then calling `f`. `None` when the call has another shape.
    fn reduce_comprehension(&mut self, func: &Expr, args: &[Arg]) -> Option<Result<Value, Error>> {
        let (Expr::Name(n), [Arg::Pos(Expr::Comp(c))]) = (func, args) else {
            return None;
        };
        if c.kind == CompKind::Dict {
            return None;
        }
        let b = match self.peek(n) {
            Some(Value::Function(f)) => f.as_builtin()?,
            _ => return None,
        };
        if !crate::builtins::reduces_items(b) {
            return None;
        }
        let mut items = self.item_pool.pop().unwrap_or_default();
        let r = self
            .comprehension_into(c, &mut items, None)
            .and_then(|()| crate::builtins::reduce_items(b, &items));
        clear_values(&mut items);
        self.item_pool.push(items);
        Some(r)
    }

    fn comp_level(
        &mut self,
        c: &Comprehension,
        level: usize,
        iterable: Items,
        items: &mut Vec<Value>,
        mut dict: Option<&mut Dict>,
    ) -> Result<(), Error> {
        let g = &c.gens[level];
        'items: for idx in 0..iterable.len() {
            self.tick()?;
            self.assign_item(&g.target, iterable.get(idx))?;
            for cond in &g.ifs {
                if !self.test(cond)? {
                    continue 'items;
                }
            }
            if level + 1 < c.gens.len() {
                let next = self.eval_items(&c.gens[level + 1].iter)?;
                self.comp_level(c, level + 1, next, items, dict.as_deref_mut())?;
            } else if let Some(vexpr) = &c.value {
                let k = self.eval(&c.elt)?;
                let v = self.eval(vexpr)?;
                if let Some(d) = dict.as_deref_mut() {
                    d.insert(k, v)?;
                }
            } else {
                items.push(self.eval(&c.elt)?);
                if items.len() > crate::value::ops::MAX_REPEAT_LEN {
                    return Err(Error::new(
                        ErrorKind::MemoryError,
                        "comprehension result too large",
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod escape_tests {
    #[test]
    fn escape_matches_tornado_escape() {
        let alphabet = [
            'a',
            '&',
            '<',
            '>',
            '"',
            '\'',
            ' ',
            'é',
            '€',
            '\u{1F600}',
            '%',
            '$',
            '!',
            '\0',
        ];
        let mut seed = 0x1234_5678_9abc_def1u64;
        for len in 0..80 {
            for _ in 0..200 {
                let s: String = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        alphabet[(seed % alphabet.len() as u64) as usize]
                    })
                    .collect();
                let mut got = String::new();
                super::escape_into(&s, &mut got);
                assert_eq!(got, tornado_escape::xhtml_escape(&s), "{s:?}");
            }
        }
        // Every byte value next to every special character.
        for c in (0u8..128).map(char::from) {
            for sp in ['&', '<', '>', '"', '\''] {
                let s: String = [c, sp, c, c, sp].iter().collect();
                let mut got = String::new();
                super::escape_into(&s, &mut got);
                assert_eq!(got, tornado_escape::xhtml_escape(&s), "{s:?}");
            }
        }
    }
}
