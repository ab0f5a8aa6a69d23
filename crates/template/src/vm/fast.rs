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

use super::{Items, Vm, clear_values, escape_into, unbound, write_stock};
use crate::builtins::{Builtin, call_value, reduce_items, reduces_items};
use crate::compiler::Node;
use crate::error::{Error, ErrorKind};
use crate::expr::ast::{
    Arg, Code, CompKind, Compiled, Expr, Name, OutCode, OutPlan, Res, SimpleStmt, Target, Test,
};
use crate::format::PercentFormat;
use crate::value::ops::{self, BinOp, CmpOp, UnOp};
use crate::value::repr::push_int;
use crate::value::{PyRange, Value, discard};

/// Compiles the operator sub-expressions of a function body, compiles
/// `{{ }}` outputs to code writing them, and merges text that follows an
/// output into it.
pub(crate) fn optimize(nodes: &mut Vec<Node>) {
    merge_suffixes(nodes);
    for node in nodes {
        match node {
            Node::Text(_) | Node::Break | Node::Continue => {}
            // The escape function stays a plain expression: the renderer
            // recognises the stock `xhtml_escape` by its shape.
            Node::Output { expr, code, .. } => {
                *code = match compile_output(&mut expr.clone()) {
                    Some(c) => OutPlan::Code(c),
                    None => match &*expr {
                        Expr::Subscript(obj, key) => match (&**obj, &**key) {
                            (Expr::Name(n), Expr::Const(Value::Str(k))) => {
                                OutPlan::Entry(n.clone(), k.clone(), Default::default())
                            }
                            _ => OutPlan::General,
                        },
                        _ => OutPlan::General,
                    },
                };
                optimize_expr(expr)
            }
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

/// Moves each text node that follows an output into that output's suffix.
fn merge_suffixes(nodes: &mut Vec<Node>) {
    let mergeable = nodes
        .windows(2)
        .any(|w| matches!(w, [Node::Output { suffix: None, .. }, Node::Text(_)]));
    if !mergeable {
        return;
    }
    for node in std::mem::take(nodes) {
        if let Node::Text(t) = &node {
            if let Some(Node::Output {
                suffix: s @ None, ..
            }) = nodes.last_mut()
            {
                *s = Some(t.clone());
                continue;
            }
        }
        nodes.push(node);
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
                Some(int) => Rc::new(move |vm| match int(vm) {
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
    // Int code reads the uncompiled tree.
    let range = compile_range(&g.iter);
    let elt_int = compile_int(&c.elt);
    // Compile the parts; the tree keeps them for the general path.
    optimize_expr(comp);
    let Expr::Comp(c) = comp else {
        return None;
    };
    let g = &mut c.gens[0];
    let reduction = Rc::new(Reduction {
        iterable: g.iter.clone(),
        range,
        target: g.target.clone(),
        tests: g.ifs.iter_mut().map(compile_test).collect(),
        elt: Operand::new(&mut c.elt),
        elt_int,
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

/// `range(a)`, `range(a, b)` or `range(a, b, c)` with arguments that
/// [`compile_int`] compiles: the name called and the arguments' code.
fn compile_range(e: &Expr) -> Option<(Name, Vec<IntCode>)> {
    let Expr::Call(func, args) = e else {
        return None;
    };
    let Expr::Name(f) = &**func else {
        return None;
    };
    if !(1..=3).contains(&args.len()) {
        return None;
    }
    let bounds = args
        .iter()
        .map(|a| match a {
            Arg::Pos(x) => compile_int(x),
            _ => None,
        })
        .collect::<Option<Vec<IntCode>>>()?;
    Some((f.clone(), bounds))
}

/// The range a [`compile_range`] call makes, as `builtins::make_range`
/// makes it from ints, or `None` when the name is not the builtin `range`,
/// an argument is not an int, or the step is zero (the general path then
/// evaluates the call and raises its error).
fn range_of(vm: &Vm<'_>, f: &Name, bounds: &[IntCode]) -> Option<PyRange> {
    match vm.peek(f) {
        Some(Value::Function(func)) if func.as_builtin() == Some(Builtin::Range) => {}
        _ => return None,
    }
    let (start, stop, step) = match bounds {
        [stop] => (0, stop(vm)?, 1),
        [start, stop] => (start(vm)?, stop(vm)?, 1),
        [start, stop, step] => (start(vm)?, stop(vm)?, step(vm)?),
        _ => return None,
    };
    (step != 0).then_some(PyRange { start, stop, step })
}

/// The compiled parts of a comprehension that [`compile_reduction`] runs.
struct Reduction {
    iterable: Expr,
    /// The iterable as a call of `range` with int arguments.
    range: Option<(Name, Vec<IntCode>)>,
    target: Target,
    tests: Vec<Test>,
    elt: Operand,
    /// The item as int code, for sums.
    elt_int: Option<IntCode>,
    slots: Vec<u32>,
}

impl Reduction {
    fn reduce(&self, vm: &mut Vm<'_>, b: Builtin) -> Result<Value, Error> {
        let first = match &self.range {
            Some((f, bounds)) => match range_of(vm, f, bounds) {
                Some(r) => Items::Range(r),
                None => vm.eval_items(&self.iterable)?,
            },
            None => vm.eval_items(&self.iterable)?,
        };
        // The comprehension's slots belong to it alone: start unbound, and
        // drop the loop values afterwards.
        vm.reset_slots(&self.slots);
        if b == Builtin::Sum {
            let result = self.sum(vm, &first);
            vm.reset_slots(&self.slots);
            return result;
        }
        let mut items = vm.item_pool.pop().unwrap_or_default();
        let filled = self.fill(vm, &first, 0, &mut items, 0);
        vm.reset_slots(&self.slots);
        let result = filled.and_then(|()| reduce_items(b, &items));
        clear_values(&mut items);
        vm.item_pool.push(items);
        result
    }

    /// Binds the next item and applies the `if` tests: whether it is kept.
    #[inline(always)]
    fn next_item(&self, vm: &mut Vm<'_>, from: &Items, idx: usize) -> Result<bool, Error> {
        vm.tick()?;
        vm.assign_item(&self.target, from.get(idx))?;
        for test in &self.tests {
            if !test(vm)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// `sum` of the items. Ints are added as they come; from the first
    /// item that is not an int, or whose addition overflows, the items are
    /// collected after the int sum so far and summed as the list would be
    /// (int addition is exact, so the sum and its errors are the same).
    fn sum(&self, vm: &mut Vm<'_>, from: &Items) -> Result<Value, Error> {
        let mut acc = 0i64;
        let mut count = 0usize;
        let mut idx = 0;
        let n = from.len();
        let spill = loop {
            if idx == n {
                return Ok(Value::Int(acc));
            }
            let kept = self.next_item(vm, from, idx)?;
            idx += 1;
            if !kept {
                continue;
            }
            let x = match self.elt_int.as_ref().and_then(|int| int(vm)) {
                Some(x) => x,
                None => {
                    let v = self.elt.eval(vm)?;
                    count += 1;
                    if count > ops::MAX_REPEAT_LEN {
                        discard(v);
                        return Err(too_large());
                    }
                    match v {
                        Value::Int(x) => match acc.checked_add(x) {
                            Some(sum) => {
                                acc = sum;
                                continue;
                            }
                            None => break Value::Int(x),
                        },
                        other => break other,
                    }
                }
            };
            count += 1;
            if count > ops::MAX_REPEAT_LEN {
                return Err(too_large());
            }
            match acc.checked_add(x) {
                Some(sum) => acc = sum,
                None => break Value::Int(x),
            }
        };
        let mut items = vm.item_pool.pop().unwrap_or_default();
        items.push(Value::Int(acc));
        items.push(spill);
        let result = self
            .fill(vm, from, idx, &mut items, count)
            .and_then(|()| reduce_items(Builtin::Sum, &items));
        clear_values(&mut items);
        vm.item_pool.push(items);
        result
    }

    /// Collects the items from index `idx` on, `count` items having been
    /// collected before.
    fn fill(
        &self,
        vm: &mut Vm<'_>,
        from: &Items,
        idx: usize,
        items: &mut Vec<Value>,
        mut count: usize,
    ) -> Result<(), Error> {
        for idx in idx..from.len() {
            if !self.next_item(vm, from, idx)? {
                continue;
            }
            items.push(self.elt.eval(vm)?);
            count += 1;
            if count > ops::MAX_REPEAT_LEN {
                return Err(too_large());
            }
        }
        Ok(())
    }
}

#[cold]
fn too_large() -> Error {
    Error::new(ErrorKind::MemoryError, "comprehension result too large")
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
/// on plain `i64`s from the frame, including `min`/`max` of two such
/// operands. It gives up (`None`) when a name is not bound to an int, a
/// called name is not the builtin, or an operation leaves the int fast path
/// (overflow, division by zero...); the caller then runs the general code,
/// which reads the same side-effect-free operands again and computes the
/// exact Python result or error.
type IntCode = Rc<dyn Fn(&Vm<'_>) -> Option<i64>>;

/// The int in a frame slot.
#[inline(always)]
fn int_at(vm: &Vm<'_>, s: usize) -> Option<i64> {
    match vm.frame.get(s) {
        Some(Some(Value::Int(i))) => Some(*i),
        _ => None,
    }
}

/// An operand of int code: local names and constants are read in place.
enum IntArg {
    Local(usize),
    Const(i64),
    Code(IntCode),
}

impl IntArg {
    fn new(e: &Expr) -> Option<IntArg> {
        Some(match (local_slot(e), const_int(e)) {
            (Some(s), _) => IntArg::Local(s),
            (_, Some(k)) => IntArg::Const(k),
            _ => IntArg::Code(compile_int(e)?),
        })
    }

    #[inline(always)]
    fn eval(&self, vm: &Vm<'_>) -> Option<i64> {
        match self {
            IntArg::Local(s) => int_at(vm, *s),
            IntArg::Const(k) => Some(*k),
            IntArg::Code(code) => code(vm),
        }
    }

    fn into_code(self) -> IntCode {
        match self {
            IntArg::Local(s) => Rc::new(move |vm| int_at(vm, s)),
            IntArg::Const(k) => Rc::new(move |_| Some(k)),
            IntArg::Code(code) => code,
        }
    }
}

fn compile_int(e: &Expr) -> Option<IntCode> {
    match e {
        Expr::Name(_) | Expr::Const(_) => match (local_slot(e), const_int(e)) {
            (Some(s), _) => Some(IntArg::Local(s).into_code()),
            (_, Some(k)) => Some(IntArg::Const(k).into_code()),
            _ => None,
        },
        Expr::Unary(UnOp::Neg, x) => {
            let x = IntArg::new(x)?;
            Some(Rc::new(move |vm| x.eval(vm)?.checked_neg()))
        }
        Expr::Call(func, args) => {
            // `min(a, b)` / `max(a, b)`, as `builtins::min_max` computes
            // them for two ints.
            let (Expr::Name(f), [Arg::Pos(a), Arg::Pos(b)]) = (&**func, args.as_slice()) else {
                return None;
            };
            let (f, x, y) = (f.clone(), IntArg::new(a)?, IntArg::new(b)?);
            Some(Rc::new(move |vm| {
                let (l, r) = (x.eval(vm)?, y.eval(vm)?);
                match vm.peek(&f) {
                    Some(Value::Function(func)) => match func.as_builtin()? {
                        Builtin::Min => Some(l.min(r)),
                        Builtin::Max => Some(l.max(r)),
                        _ => None,
                    },
                    _ => None,
                }
            }))
        }
        // True division gives floats; `<<` is rare.
        Expr::Binary(BinOp::Div | BinOp::Shl, ..) => None,
        Expr::Binary(op, a, b) => Some(int_binary(*op, IntArg::new(a)?, IntArg::new(b)?)),
        _ => None,
    }
}

/// Int code for `x op y`, as [`ops::int_fast`] computes it, with the
/// operator chosen at compile time and division by a constant power of two
/// done with a shift or a mask (floor division and modulo by a positive
/// divisor are Euclidean: exactly the two's complement shift and mask).
fn int_binary(op: BinOp, x: IntArg, y: IntArg) -> IntCode {
    if let IntArg::Const(k) = y {
        if k > 0 && k.count_ones() == 1 {
            let (shift, mask) = (k.trailing_zeros(), k - 1);
            match op {
                BinOp::FloorDiv => return int_unary(x, move |a| Some(a >> shift)),
                BinOp::Mod => return int_unary(x, move |a| Some(a & mask)),
                _ => {}
            }
        }
    }
    match op {
        BinOp::Add => int_pair(x, y, i64::checked_add),
        BinOp::Sub => int_pair(x, y, i64::checked_sub),
        BinOp::Mul => int_pair(x, y, i64::checked_mul),
        BinOp::FloorDiv => int_pair(x, y, |a, b| (b > 0).then(|| a.div_euclid(b))),
        BinOp::Mod => int_pair(x, y, |a, b| (b > 0).then(|| a.rem_euclid(b))),
        _ => int_pair(x, y, move |a, b| ops::int_fast(op, a, b)),
    }
}

/// Int code applying `f` to the value of `x`.
fn int_unary(x: IntArg, f: impl Fn(i64) -> Option<i64> + 'static) -> IntCode {
    match x {
        IntArg::Local(s) => Rc::new(move |vm| f(int_at(vm, s)?)),
        IntArg::Const(k) => Rc::new(move |_| f(k)),
        IntArg::Code(code) => Rc::new(move |vm| f(code(vm)?)),
    }
}

/// Int code applying `f` to the values of `x` and `y`.
fn int_pair(x: IntArg, y: IntArg, f: impl Fn(i64, i64) -> Option<i64> + 'static) -> IntCode {
    match (x, y) {
        (IntArg::Local(s), IntArg::Const(k)) => Rc::new(move |vm| f(int_at(vm, s)?, k)),
        (IntArg::Code(code), IntArg::Const(k)) => Rc::new(move |vm| f(code(vm)?, k)),
        (IntArg::Local(s), IntArg::Local(t)) => {
            Rc::new(move |vm| f(int_at(vm, s)?, int_at(vm, t)?))
        }
        (x, y) => Rc::new(move |vm| f(x.eval(vm)?, y.eval(vm)?)),
    }
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
    if let (Operand::Local(s, _), Operand::Const(Value::Float(k))) = (&x, &y) {
        // `i / 7.0`: a local int or float with a float constant.
        let (s, k) = (*s, *k);
        match op {
            BinOp::Add => return float_local(s, x, y, op, move |f| f + k),
            BinOp::Sub => return float_local(s, x, y, op, move |f| f - k),
            BinOp::Mul => return float_local(s, x, y, op, move |f| f * k),
            // Division by zero raises on the general path.
            BinOp::Div if k != 0.0 => return float_local(s, x, y, op, move |f| f / k),
            _ => {}
        }
    }
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

/// Code for `x op k` with `x` the local in slot `s` and `k` a float
/// constant: an int (converted as `float(x)` does) or float operand is
/// computed by `f`, as `ops::binary` computes it; anything else takes the
/// general path.
fn float_local(
    s: usize,
    x: Operand,
    y: Operand,
    op: BinOp,
    f: impl Fn(f64) -> f64 + 'static,
) -> Code {
    Rc::new(move |vm| {
        let v = match vm.frame[s] {
            Some(Value::Int(i)) => i as f64,
            Some(Value::Float(v)) => v,
            _ => return binary(vm, op, &x, &y),
        };
        Ok(Value::Float(f(v)))
    })
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
    let int = match e {
        Expr::Binary(..) if operator => compile_int(e),
        _ => None,
    };
    match e {
        Expr::Compare(first, rest) if rest.len() == 1 => {
            let (op, rhs) = &mut rest[0];
            let ints = IntArg::new(first).zip(IntArg::new(rhs));
            let (op, x, y) = (*op, Operand::new(first), Operand::new(rhs));
            if let Some((i, j)) = ints {
                return Rc::new(move |vm| {
                    if let (Some(l), Some(r)) = (i.eval(vm), j.eval(vm)) {
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
            let local_const = local_slot(a).zip(const_int(b));
            let code = compile_binary(*op, a, b);
            if let Some((s, k)) = local_const {
                // `name % 2`: tested in place, without building the
                // remainder.
                let op = *op;
                let general = move |vm: &mut Vm<'_>| {
                    let v = code(vm)?;
                    let t = v.is_true();
                    discard(v);
                    Ok(t)
                };
                if op == BinOp::Mod && k > 0 && k.count_ones() == 1 {
                    let mask = k - 1;
                    return Rc::new(move |vm| match int_at(vm, s) {
                        Some(i) => Ok(i & mask != 0),
                        None => general(vm),
                    });
                }
                return Rc::new(move |vm| {
                    if let Some(i) = int_at(vm, s) {
                        if let Some(v) = ops::int_fast(op, i, k) {
                            return Ok(v != 0);
                        }
                    }
                    general(vm)
                });
            }
            match int {
                Some(int) => Rc::new(move |vm| {
                    if let Some(v) = int(vm) {
                        return Ok(v != 0);
                    }
                    let v = code(vm)?;
                    let t = v.is_true();
                    discard(v);
                    Ok(t)
                }),
                None => truth_of(code),
            }
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

/// Compiles `{{ e }}` to code writing it for the stock escapes (see
/// [`OutCode`]), or `None` where the renderer's general path does as well
/// (names and subscripts, which it writes from a borrowed value).
fn compile_output(e: &mut Expr) -> Option<OutCode> {
    match e {
        Expr::Const(v) if !matches!(v, Value::Bytes(_)) => {
            // Both spellings computed once.
            let plain: Rc<str> = v.to_str().into();
            let mut escaped = String::new();
            escape_into(&plain, &mut escaped);
            let escaped: Rc<str> = escaped.into();
            Some(OutCode(Rc::new(move |_, out, xhtml| {
                out.push_str(if xhtml { &escaped } else { &plain });
                Ok(())
            })))
        }
        Expr::IfElse(cond, a, b) => {
            let (t, a, b) = (compile_test(cond), output_code(a), output_code(b));
            Some(OutCode(Rc::new(move |vm, out, xhtml| {
                if t(vm)? {
                    (a.0)(vm, out, xhtml)
                } else {
                    (b.0)(vm, out, xhtml)
                }
            })))
        }
        Expr::Binary(BinOp::Mod, l, r) => {
            let Expr::Const(Value::Str(fmt)) = &**l else {
                return compile_output_value(e);
            };
            Some(compile_format(Rc::new(PercentFormat::new(fmt.clone())), r))
        }
        _ => compile_output_value(e),
    }
}

/// Output code for any expression: [`compile_output`]'s, or code writing
/// the expression's value.
fn output_code(e: &mut Expr) -> OutCode {
    if let Some(code) = compile_output(e) {
        return code;
    }
    if let Expr::Name(n) = e {
        // Written from a borrowed value.
        let n = n.clone();
        return OutCode(Rc::new(move |vm, out, xhtml| match vm.peek(&n) {
            Some(v) => {
                write_stock(v, out, xhtml);
                Ok(())
            }
            None => vm.read(&n).map(discard),
        }));
    }
    let value = compile(e);
    OutCode(Rc::new(move |vm, out, xhtml| {
        let v = value(vm)?;
        write_stock(&v, out, xhtml);
        discard(v);
        Ok(())
    }))
}

/// Output code for an operator expression or a reduction: ints computed by
/// [`compile_int`] are printed without building a value; anything else is
/// computed by the compiled code and written. `None` for other shapes.
fn compile_output_value(e: &mut Expr) -> Option<OutCode> {
    let int = compile_int(e);
    let mut compiled = e.clone();
    optimize_expr(&mut compiled);
    let value = match compiled {
        Expr::Fast(code) => code.value,
        // `min(a, b)`: a call, compiled for its int result.
        _ if int.is_some() => compile(e),
        _ => return None,
    };
    Some(OutCode(match int {
        Some(int) => Rc::new(move |vm, out, xhtml| {
            if let Some(i) = int(vm) {
                push_int(i, out);
                return Ok(());
            }
            let v = value(vm)?;
            write_stock(&v, out, xhtml);
            discard(v);
            Ok(())
        }),
        None => Rc::new(move |vm, out, xhtml| {
            let v = value(vm)?;
            write_stock(&v, out, xhtml);
            discard(v);
            Ok(())
        }),
    }))
}

/// `{{ 'format' % args }}`: the arguments are evaluated (a tuple's items
/// onto the argument stack, not into a tuple), then formatted straight into
/// the output when [`PercentFormat::write_simple`] can, else into a reused
/// buffer by the general formatter and written out from there.
fn compile_format(format: Rc<PercentFormat>, args: &mut Expr) -> OutCode {
    if let Expr::Tuple(items) = args {
        let items: Vec<Operand> = items.iter_mut().map(Operand::new).collect();
        return OutCode(Rc::new(move |vm, out, xhtml| {
            let base = vm.arg_stack.len();
            for item in &items {
                match item.eval(vm) {
                    Ok(v) => vm.arg_stack.push(v),
                    Err(e) => {
                        vm.pop_args(base);
                        return Err(e);
                    }
                }
            }
            let result = if format.write_simple(&vm.arg_stack[base..], out, xhtml) {
                Ok(())
            } else {
                let mut scratch = std::mem::take(&mut vm.scratch);
                scratch.clear();
                let r = format.format_tuple(&vm.arg_stack[base..], &mut scratch);
                write_formatted(&scratch, r.is_ok(), out, xhtml);
                vm.scratch = scratch;
                r
            };
            vm.pop_args(base);
            result
        }));
    }
    let arg = Operand::new(args);
    OutCode(Rc::new(move |vm, out, xhtml| {
        let v = arg.eval(vm)?;
        let done = match &v {
            Value::Tuple(items) => format.write_simple(items, out, xhtml),
            // Mappings (`%(key)s`) take the general path.
            Value::Dict(_)
            | Value::Object(_)
            | Value::List(_)
            | Value::Range(_)
            | Value::Bytes(_) => false,
            other => format.write_simple(std::slice::from_ref(other), out, xhtml),
        };
        let result = if done {
            Ok(())
        } else {
            let mut scratch = std::mem::take(&mut vm.scratch);
            scratch.clear();
            let r = format.format_into(&v, &mut scratch);
            write_formatted(&scratch, r.is_ok(), out, xhtml);
            vm.scratch = scratch;
            r
        };
        discard(v);
        result
    }))
}

/// Writes the text of a successful `%` format.
fn write_formatted(text: &str, ok: bool, out: &mut String, xhtml: bool) {
    if !ok {
        return;
    }
    if xhtml {
        escape_into(text, out);
    } else {
        out.push_str(text);
    }
}
