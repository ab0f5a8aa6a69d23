//! Expressions compiled to closures.
//!
//! After names are resolved, every arithmetic, comparison, boolean and
//! conditional sub-expression is replaced by an [`Expr::Fast`] closure
//! specialised for its shape: operands that are local names or constants
//! are read in place, and `int` operands are computed inline, falling back
//! to the general operator code (big ints, floats, strings, errors)
//! otherwise. Calls of reducing builtins over a comprehension
//! (`sum([...])`) become one closure too, and `'literal' % args` keeps its
//! format string parsed ([`Expr::Format`]). Other expressions (calls,
//! subscripts, comprehensions...) keep their tree form, with their
//! compilable sub-expressions compiled.
//!
//! Evaluation order, results and errors are those of [`Vm::eval`].

use std::rc::Rc;

use super::{Items, Vm, clear_values, unbound};
use crate::builtins::{Builtin, call_value, reduce_items, reduces_items};
use crate::compiler::Node;
use crate::error::{Error, ErrorKind};
use crate::expr::ast::{Arg, Code, CompKind, Compiled, Expr, Name, Res, SimpleStmt, Target, Test};
use crate::format::PercentFormat;
use crate::value::ops::{self, BinOp, CmpOp, UnOp};
use crate::value::{Value, discard};

/// Compiles the operator sub-expressions of a function body.
pub(crate) fn optimize(nodes: &mut [Node]) {
    for node in nodes {
        match node {
            Node::Text(_) | Node::Break | Node::Continue => {}
            // The escape function stays a plain expression: the renderer
            // recognises the stock `xhtml_escape` by its shape.
            Node::Output { expr, .. } => optimize_expr(expr),
            Node::If { branches, orelse } => {
                for (cond, body, _) in branches {
                    optimize_expr(cond);
                    optimize(body);
                }
                optimize(orelse);
            }
            Node::For {
                iter, body, orelse, ..
            } => {
                optimize_expr(iter);
                optimize(body);
                optimize(orelse);
            }
            Node::While {
                cond, body, orelse, ..
            } => {
                optimize_expr(cond);
                optimize(body);
                optimize(orelse);
            }
            // Exception classes stay plain: they are matched by name.
            Node::Try {
                body,
                handlers,
                orelse,
                finally,
            } => {
                optimize(body);
                for h in handlers {
                    optimize(&mut h.body);
                }
                optimize(orelse);
                if let Some(f) = finally {
                    optimize(f);
                }
            }
            Node::Stmt { stmt, .. } => match stmt {
                SimpleStmt::Assign(_, value) | SimpleStmt::AugAssign(_, _, value) => {
                    optimize_expr(value)
                }
                SimpleStmt::Expr(e) => optimize_expr(e),
                SimpleStmt::Import(_) => {}
            },
            Node::Apply { func, body, .. } => {
                optimize_expr(func);
                optimize(body);
            }
        }
    }
}

/// Whether `e` is an operator expression that is compiled to a closure.
/// `'format' % args` is not: it becomes an [`Expr::Format`], which the
/// renderer formats straight into the output.
fn is_operator(e: &Expr) -> bool {
    match e {
        Expr::Binary(BinOp::Mod, l, _) => !matches!(**l, Expr::Const(Value::Str(_))),
        Expr::Binary(..)
        | Expr::Unary(..)
        | Expr::And(..)
        | Expr::Or(..)
        | Expr::Compare(..)
        | Expr::IfElse(..) => true,
        _ => false,
    }
}

/// Compiles the operator expressions in `e` (all of `e` if it is one).
fn optimize_expr(e: &mut Expr) {
    if is_operator(e) {
        let test = compile_test(e);
        let value = compile(e);
        *e = Expr::Fast(Compiled { value, test });
        return;
    }
    if let Some(value) = compile_reduction(e) {
        let test = truth_of(value.clone());
        *e = Expr::Fast(Compiled { value, test });
        return;
    }
    if let Expr::Binary(BinOp::Mod, l, r) = e {
        if let Expr::Const(Value::Str(fmt)) = &**l {
            // `'format' % args`: parse the format once.
            let format = Rc::new(PercentFormat::new(fmt.clone()));
            let mut args = std::mem::replace(&mut **r, Expr::Const(Value::None));
            optimize_expr(&mut args);
            *e = Expr::Format(format, Box::new(args));
            return;
        }
    }
    match e {
        Expr::Const(_) | Expr::Name(_) | Expr::Fast(_) => {}
        Expr::Format(_, x) => optimize_expr(x),
        Expr::List(v) | Expr::Tuple(v) => v.iter_mut().for_each(optimize_expr),
        Expr::Dict(kv) => kv.iter_mut().for_each(|(k, v)| {
            optimize_expr(k);
            optimize_expr(v)
        }),
        Expr::Attr(x, _) | Expr::Unary(_, x) => optimize_expr(x),
        Expr::Subscript(a, b) | Expr::Binary(_, a, b) | Expr::And(a, b) | Expr::Or(a, b) => {
            optimize_expr(a);
            optimize_expr(b)
        }
        Expr::Slice(a, b, c) => {
            for x in [a, b, c].into_iter().flatten() {
                optimize_expr(x)
            }
        }
        Expr::Call(f, args) => {
            optimize_expr(f);
            for a in args {
                match a {
                    Arg::Pos(x) | Arg::Kw(_, x) | Arg::Star(x) | Arg::StarStar(x) => {
                        optimize_expr(x)
                    }
                }
            }
        }
        Expr::Compare(a, rest) => {
            optimize_expr(a);
            rest.iter_mut().for_each(|(_, x)| optimize_expr(x))
        }
        Expr::IfElse(a, b, c) => {
            optimize_expr(a);
            optimize_expr(b);
            optimize_expr(c)
        }
        Expr::Comp(c) => {
            optimize_expr(&mut c.elt);
            if let Some(v) = &mut c.value {
                optimize_expr(v);
            }
            for g in &mut c.gens {
                optimize_expr(&mut g.iter);
                g.ifs.iter_mut().for_each(optimize_expr);
            }
        }
    }
}

/// An operand of compiled code. Local names and constants are read in
/// place rather than through a call of their own code.
enum Operand {
    /// A local variable, with its name for the error when it is unbound.
    Local(usize, Rc<str>),
    /// A constant.
    Const(Value),
    /// Anything else.
    Code(Code),
}

impl Operand {
    fn new(e: &mut Expr) -> Operand {
        match e {
            Expr::Name(Name {
                id,
                res: Res::Local(s),
            }) => Operand::Local(*s as usize, id.clone()),
            Expr::Const(v) => Operand::Const(v.clone()),
            _ => Operand::Code(compile(e)),
        }
    }

    /// The operand's value, as [`Vm::eval`] computes it.
    #[inline(always)]
    fn eval(&self, vm: &mut Vm<'_>) -> Result<Value, Error> {
        match self {
            Operand::Local(s, id) => match &vm.frame[*s] {
                Some(Value::Int(i)) => Ok(Value::Int(*i)),
                Some(v) => Ok(v.clone()),
                None => Err(unbound(id)),
            },
            Operand::Const(Value::Int(i)) => Ok(Value::Int(*i)),
            Operand::Const(v) => Ok(v.clone()),
            Operand::Code(code) => code(vm),
        }
    }
}

/// Compiles any expression to code.
fn compile(e: &mut Expr) -> Code {
    if matches!(e, Expr::Compare(_, rest) if rest.len() == 1) {
        // One comparison: its truth test, as a value.
        let test = compile_test(e);
        return Rc::new(move |vm| test(vm).map(Value::Bool));
    }
    let operator = is_operator(e);
    match e {
        Expr::Const(v) => {
            let v = v.clone();
            Rc::new(move |_| Ok(v.clone()))
        }
        Expr::Name(n) => match n.res {
            Res::Local(s) => {
                let x = Operand::Local(s as usize, n.id.clone());
                Rc::new(move |vm| x.eval(vm))
            }
            _ => {
                let n = n.clone();
                Rc::new(move |vm| vm.read(&n))
            }
        },
        Expr::Fast(c) => c.value.clone(),
        Expr::Binary(op, a, b) if operator => {
            let int = compile_int(&Expr::Binary(*op, a.clone(), b.clone()));
            let general = compile_binary(*op, a, b);
            match int {
                Some(int) => Rc::new(move |vm| match int(&vm.frame) {
                    Some(v) => Ok(Value::Int(v)),
                    None => general(vm),
                }),
                None => general,
            }
        }
        Expr::Unary(UnOp::Not, x) => {
            let t = compile_test(x);
            Rc::new(move |vm| Ok(Value::Bool(!t(vm)?)))
        }
        Expr::Unary(op, x) => {
            let (op, x) = (*op, Operand::new(x));
            Rc::new(move |vm| ops::unary(op, &x.eval(vm)?))
        }
        Expr::And(a, b) => {
            let (a, b) = (Operand::new(a), Operand::new(b));
            Rc::new(move |vm| {
                let x = a.eval(vm)?;
                if x.is_true() { b.eval(vm) } else { Ok(x) }
            })
        }
        Expr::Or(a, b) => {
            let (a, b) = (Operand::new(a), Operand::new(b));
            Rc::new(move |vm| {
                let x = a.eval(vm)?;
                if x.is_true() { Ok(x) } else { b.eval(vm) }
            })
        }
        Expr::Compare(first, rest) => {
            let first = Operand::new(first);
            let rest: Vec<(CmpOp, Operand)> = rest
                .iter_mut()
                .map(|(op, x)| (*op, Operand::new(x)))
                .collect();
            Rc::new(move |vm| {
                let mut left = first.eval(vm)?;
                for (op, rhs) in &rest {
                    let right = rhs.eval(vm)?;
                    if !ops::compare(&left, &right, *op)? {
                        return Ok(Value::Bool(false));
                    }
                    left = right;
                }
                Ok(Value::Bool(true))
            })
        }
        Expr::IfElse(cond, a, b) => {
            let (t, a, b) = (compile_test(cond), Operand::new(a), Operand::new(b));
            Rc::new(move |vm| if t(vm)? { a.eval(vm) } else { b.eval(vm) })
        }
        Expr::Call(func, args) if simple_call(func, args) => {
            let Expr::Name(f) = &**func else {
                return compile_tree(e);
            };
            let f = f.clone();
            let args: Vec<Operand> = args
                .iter_mut()
                .filter_map(|a| match a {
                    Arg::Pos(x) => Some(Operand::new(x)),
                    _ => None,
                })
                .collect();
            Rc::new(move |vm| call_positional(vm, &f, &args))
        }
        other => compile_tree(other),
    }
}

/// `f([elt for x in iterable if cond...])` (or a generator argument) with
/// one `for` clause binding a local name: when `f` is a builtin that only
/// reads the items (`sum`, `min`, `max`, `any`, `all`), compiled code
/// computes the items into a reused buffer. Any other `f` takes the general
/// path. Evaluation order and errors are those of
/// `Vm::reduce_comprehension`.
fn compile_reduction(e: &mut Expr) -> Option<Code> {
    let Expr::Call(func, args) = e else {
        return None;
    };
    let (Expr::Name(f), [Arg::Pos(comp)]) = (&**func, args.as_mut_slice()) else {
        return None;
    };
    let f = f.clone();
    let Expr::Comp(c) = comp else {
        return None;
    };
    let [g] = c.gens.as_slice() else {
        return None;
    };
    if c.kind == CompKind::Dict
        || c.value.is_some()
        || !matches!(
            g.target,
            Target::Name(Name {
                res: Res::Local(_),
                ..
            })
        )
    {
        return None;
    }
    // Compile the parts; the tree keeps them for the general path.
    optimize_expr(comp);
    let Expr::Comp(c) = comp else {
        return None;
    };
    let g = &mut c.gens[0];
    let reduction = Rc::new(Reduction {
        iterable: g.iter.clone(),
        target: g.target.clone(),
        tests: g.ifs.iter_mut().map(compile_test).collect(),
        elt: Operand::new(&mut c.elt),
        slots: c.slots.clone(),
    });
    let general = e.clone();
    Some(Rc::new(move |vm| {
        let reducer = match vm.peek(&f) {
            Some(Value::Function(func)) => func.as_builtin().filter(|b| reduces_items(*b)),
            _ => None,
        };
        match reducer {
            Some(b) => reduction.reduce(vm, b),
            None => vm.eval(&general),
        }
    }))
}

/// The compiled parts of a comprehension that [`compile_reduction`] runs.
struct Reduction {
    iterable: Expr,
    target: Target,
    tests: Vec<Test>,
    elt: Operand,
    slots: Vec<u32>,
}

impl Reduction {
    fn reduce(&self, vm: &mut Vm<'_>, b: Builtin) -> Result<Value, Error> {
        let first = vm.eval_items(&self.iterable)?;
        // The comprehension's slots belong to it alone: start unbound, and
        // drop the loop values afterwards.
        vm.reset_slots(&self.slots);
        let mut items = vm.item_pool.pop().unwrap_or_default();
        let filled = self.fill(vm, &first, &mut items);
        vm.reset_slots(&self.slots);
        let result = filled.and_then(|()| reduce_items(b, &items));
        clear_values(&mut items);
        vm.item_pool.push(items);
        result
    }

    fn fill(&self, vm: &mut Vm<'_>, from: &Items, items: &mut Vec<Value>) -> Result<(), Error> {
        'items: for idx in 0..from.len() {
            vm.tick()?;
            vm.assign_item(&self.target, from.get(idx))?;
            for test in &self.tests {
                if !test(vm)? {
                    continue 'items;
                }
            }
            items.push(self.elt.eval(vm)?);
            if items.len() > ops::MAX_REPEAT_LEN {
                return Err(Error::new(
                    ErrorKind::MemoryError,
                    "comprehension result too large",
                ));
            }
        }
        Ok(())
    }
}

/// A call `name(a, b, ...)` with positional arguments only, none of them a
/// comprehension (those may be reduced in place, see
/// `Vm::reduce_comprehension`).
fn simple_call(func: &Expr, args: &[Arg]) -> bool {
    matches!(func, Expr::Name(_))
        && args
            .iter()
            .all(|a| matches!(a, Arg::Pos(x) if !matches!(x, Expr::Comp(_))))
}

/// Code evaluating a non-operator expression with the general evaluator
/// (its operator sub-expressions compiled).
fn compile_tree(e: &mut Expr) -> Code {
    optimize_expr(e);
    let tree = e.clone();
    Rc::new(move |vm| vm.eval(&tree))
}

/// Compiled integer arithmetic on local names and int constants, computed
/// on plain `i64`s from the frame. It gives up (`None`) when a name is not
/// bound to an int or an operation leaves the int fast path (overflow,
/// division by zero...); the caller then runs the general code, which reads
/// the same side-effect-free operands again and computes the exact Python
/// result or error.
type IntCode = Rc<dyn Fn(&[Option<Value>]) -> Option<i64>>;

fn compile_int(e: &Expr) -> Option<IntCode> {
    fn int_at(frame: &[Option<Value>], s: usize) -> Option<i64> {
        match frame.get(s) {
            Some(Some(Value::Int(i))) => Some(*i),
            _ => None,
        }
    }
    if let Some(s) = local_slot(e) {
        return Some(Rc::new(move |f| int_at(f, s)));
    }
    if let Some(k) = const_int(e) {
        return Some(Rc::new(move |_| Some(k)));
    }
    let Expr::Binary(op, a, b) = e else {
        return None;
    };
    // True division gives floats; `<<` is rare.
    if matches!(op, BinOp::Div | BinOp::Shl) {
        return None;
    }
    let op = *op;
    Some(match (local_slot(a), const_int(b)) {
        (Some(s), Some(k)) => Rc::new(move |f| ops::int_fast(op, int_at(f, s)?, k)),
        (None, Some(k)) => {
            let x = compile_int(a)?;
            Rc::new(move |f| ops::int_fast(op, x(f)?, k))
        }
        _ => {
            let (x, y) = (compile_int(a)?, compile_int(b)?);
            Rc::new(move |f| ops::int_fast(op, x(f)?, y(f)?))
        }
    })
}

/// The frame slot of a local name.
fn local_slot(e: &Expr) -> Option<usize> {
    match e {
        Expr::Name(Name {
            res: Res::Local(s), ..
        }) => Some(*s as usize),
        _ => None,
    }
}

fn const_int(e: &Expr) -> Option<i64> {
    match e {
        Expr::Const(Value::Int(i)) => Some(*i),
        _ => None,
    }
}

/// `a op b`, specialised for an int constant on the right (`i % 2`,
/// `n * 3 + 1`), the commonest arithmetic in templates.
fn compile_binary(op: BinOp, a: &mut Expr, b: &mut Expr) -> Code {
    let (x, y) = (Operand::new(a), Operand::new(b));
    match (x, y) {
        (Operand::Local(s, id), Operand::Const(Value::Int(k))) => Rc::new(move |vm| {
            if let Some(Value::Int(i)) = vm.frame[s] {
                if let Some(v) = ops::int_fast(op, i, k) {
                    return Ok(Value::Int(v));
                }
            }
            let x = Operand::Local(s, id.clone());
            binary(vm, op, &x, &Operand::Const(Value::Int(k)))
        }),
        (Operand::Code(code), Operand::Const(Value::Int(k))) => Rc::new(move |vm| {
            let l = code(vm)?;
            if let Value::Int(i) = l {
                if let Some(v) = ops::int_fast(op, i, k) {
                    discard(l);
                    return Ok(Value::Int(v));
                }
            }
            let result = ops::binary(op, &l, &Value::Int(k));
            discard(l);
            result
        }),
        (Operand::Local(s, id), Operand::Local(t, id2)) => Rc::new(move |vm| {
            // `x * y` of two local names.
            if let (Some(Value::Int(i)), Some(Value::Int(j))) = (&vm.frame[s], &vm.frame[t]) {
                if let Some(v) = ops::int_fast(op, *i, *j) {
                    return Ok(Value::Int(v));
                }
            }
            let (x, y) = (
                Operand::Local(s, id.clone()),
                Operand::Local(t, id2.clone()),
            );
            binary(vm, op, &x, &y)
        }),
        (x, y) => Rc::new(move |vm| binary(vm, op, &x, &y)),
    }
}

/// `x op y`, with two ints computed inline.
#[inline(always)]
fn binary(vm: &mut Vm<'_>, op: BinOp, x: &Operand, y: &Operand) -> Result<Value, Error> {
    let l = x.eval(vm)?;
    let r = y.eval(vm)?;
    let result = match (&l, &r) {
        (Value::Int(i), Value::Int(j)) => match ops::int_fast(op, *i, *j) {
            Some(v) => Ok(Value::Int(v)),
            None => ops::binary(op, &l, &r),
        },
        _ => ops::binary(op, &l, &r),
    };
    discard(l);
    discard(r);
    result
}

/// `x op y` for one comparison operator, with two ints compared inline.
/// An int constant on the right is compared without building a value.
#[inline(always)]
fn compare_const(vm: &mut Vm<'_>, op: CmpOp, x: &Operand, k: i64) -> Result<bool, Error> {
    let l = x.eval(vm)?;
    if let Value::Int(i) = l {
        if let Some(t) = ops::int_compare(op, i, k) {
            discard(l);
            return Ok(t);
        }
    }
    let result = ops::compare(&l, &Value::Int(k), op);
    discard(l);
    result
}

/// `x op y` for one comparison operator, with two ints compared inline.
#[inline(always)]
fn compare(vm: &mut Vm<'_>, op: CmpOp, x: &Operand, y: &Operand) -> Result<bool, Error> {
    let l = x.eval(vm)?;
    let r = y.eval(vm)?;
    let result = match (&l, &r) {
        (Value::Int(i), Value::Int(j)) => match ops::int_compare(op, *i, *j) {
            Some(t) => Ok(t),
            None => ops::compare(&l, &r, op),
        },
        _ => ops::compare(&l, &r, op),
    };
    discard(l);
    discard(r);
    result
}

/// `bool(e)`.
fn compile_test(e: &mut Expr) -> Test {
    let operator = is_operator(e);
    match e {
        Expr::Compare(first, rest) if rest.len() == 1 => {
            let (op, rhs) = &mut rest[0];
            let ints = compile_int(first).zip(compile_int(rhs));
            let (op, x, y) = (*op, Operand::new(first), Operand::new(rhs));
            if let Some((i, j)) = ints {
                return Rc::new(move |vm| {
                    if let (Some(l), Some(r)) = (i(&vm.frame), j(&vm.frame)) {
                        if let Some(t) = ops::int_compare(op, l, r) {
                            return Ok(t);
                        }
                    }
                    compare(vm, op, &x, &y)
                });
            }
            if let Operand::Const(Value::Int(k)) = y {
                return Rc::new(move |vm| compare_const(vm, op, &x, k));
            }
            Rc::new(move |vm| compare(vm, op, &x, &y))
        }
        Expr::Binary(op, a, b) if operator => {
            if let (Some(s), Some(k)) = (local_slot(a), const_int(b)) {
                // `name % 2`: tested without building the remainder.
                let (op, code) = (*op, compile_binary(*op, a, b));
                return Rc::new(move |vm| {
                    if let Some(Value::Int(i)) = vm.frame[s] {
                        if let Some(v) = ops::int_fast(op, i, k) {
                            return Ok(v != 0);
                        }
                    }
                    let v = code(vm)?;
                    let t = v.is_true();
                    discard(v);
                    Ok(t)
                });
            }
            truth_of(compile_binary(*op, a, b))
        }
        Expr::Unary(UnOp::Not, x) => {
            let t = compile_test(x);
            Rc::new(move |vm| Ok(!t(vm)?))
        }
        Expr::Fast(c) => c.test.clone(),
        _ => {
            let x = Operand::new(e);
            Rc::new(move |vm| {
                let v = x.eval(vm)?;
                let t = v.is_true();
                discard(v);
                Ok(t)
            })
        }
    }
}

/// `bool(value)` of compiled code.
fn truth_of(value: Code) -> Test {
    Rc::new(move |vm| {
        let v = value(vm)?;
        let t = v.is_true();
        discard(v);
        Ok(t)
    })
}

/// `f(a, b, ...)` for a name `f` and positional arguments, as
/// [`Vm::call_expr`] evaluates it.
fn call_positional(vm: &mut Vm<'_>, f: &Name, args: &[Operand]) -> Result<Value, Error> {
    if let ([a, b], Some(_)) = (args, vm.peek(f)) {
        // Two arguments (`max(a, b)`) are passed in place.
        let x = a.eval(vm)?;
        let y = b.eval(vm)?;
        if let (Some(Value::Function(func)), Value::Int(i), Value::Int(j)) = (vm.peek(f), &x, &y) {
            // `min`/`max` of two ints, as `builtins::min_max` computes them.
            match func.as_builtin() {
                Some(Builtin::Min) => return Ok(Value::Int(*i.min(j))),
                Some(Builtin::Max) => return Ok(Value::Int(*i.max(j))),
                _ => {}
            }
        }
        let pair = [x, y];
        let result = match vm.peek(f) {
            Some(func) => call_value(func, &pair, &[]),
            None => vm.read(f).and_then(|func| call_value(&func, &pair, &[])),
        };
        let [x, y] = pair;
        discard(x);
        discard(y);
        return result;
    }
    let base = vm.arg_stack.len();
    let result = call_positional_inner(vm, f, args, base);
    vm.pop_args(base);
    result
}

fn call_positional_inner(
    vm: &mut Vm<'_>,
    f: &Name,
    args: &[Operand],
    base: usize,
) -> Result<Value, Error> {
    if vm.peek(f).is_some() {
        for a in args {
            let v = a.eval(vm)?;
            vm.arg_stack.push(v);
        }
        if let Some(func) = vm.peek(f) {
            return call_value(func, &vm.arg_stack[base..], &[]);
        }
        vm.pop_args(base);
    }
    let func = vm.read(f)?;
    for a in args {
        let v = a.eval(vm)?;
        vm.arg_stack.push(v);
    }
    call_value(&func, &vm.arg_stack[base..], &[])
}
