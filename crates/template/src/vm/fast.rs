//! Operator expressions compiled to closures.
//!
//! After names are resolved, every arithmetic, comparison, boolean and
//! conditional sub-expression is replaced by an [`Expr::Fast`] closure
//! specialised for its shape: operands that are local names or constants
//! are read in place, and two `int` operands are computed inline, falling
//! back to the general operator code (big ints, floats, strings, errors)
//! otherwise. Other expressions (calls, subscripts, comprehensions...) keep
//! their tree form, with their operator sub-expressions compiled.
//!
//! Evaluation order, results and errors are those of [`Vm::eval`].

use std::rc::Rc;

use super::unbound;
use crate::compiler::Node;
use crate::expr::ast::{Arg, Code, Compiled, Expr, Name, Res, SimpleStmt, Test};
use crate::value::Value;
use crate::value::ops::{self, BinOp, CmpOp, UnOp};

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
/// `'format' % args` is not: the renderer formats it straight into the
/// output.
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
    match e {
        Expr::Const(_) | Expr::Name(_) | Expr::Fast(_) => {}
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

/// Compiles any expression to code.
fn compile(e: &mut Expr) -> Code {
    let operator = is_operator(e);
    match e {
        Expr::Const(v) => {
            let v = v.clone();
            Rc::new(move |_| Ok(v.clone()))
        }
        Expr::Name(n) => compile_name(n),
        Expr::Fast(c) => c.value.clone(),
        Expr::Binary(op, a, b) if operator => compile_binary(*op, a, b),
        Expr::Unary(UnOp::Not, x) => {
            let t = compile_test(x);
            Rc::new(move |vm| Ok(Value::Bool(!t(vm)?)))
        }
        Expr::Unary(op, x) => {
            let (op, x) = (*op, compile(x));
            Rc::new(move |vm| ops::unary(op, &x(vm)?))
        }
        Expr::And(a, b) => {
            let (a, b) = (compile(a), compile(b));
            Rc::new(move |vm| {
                let x = a(vm)?;
                if x.is_true() { b(vm) } else { Ok(x) }
            })
        }
        Expr::Or(a, b) => {
            let (a, b) = (compile(a), compile(b));
            Rc::new(move |vm| {
                let x = a(vm)?;
                if x.is_true() { Ok(x) } else { b(vm) }
            })
        }
        Expr::Compare(first, rest) if rest.len() == 1 => {
            let (op, rhs) = &mut rest[0];
            let t = compile_compare(first, *op, rhs);
            Rc::new(move |vm| t(vm).map(Value::Bool))
        }
        Expr::Compare(first, rest) => {
            let first = compile(first);
            let rest: Vec<(CmpOp, Code)> =
                rest.iter_mut().map(|(op, x)| (*op, compile(x))).collect();
            Rc::new(move |vm| {
                let mut left = first(vm)?;
                for (op, rhs) in &rest {
                    let right = rhs(vm)?;
                    if !ops::compare(&left, &right, *op)? {
                        return Ok(Value::Bool(false));
                    }
                    left = right;
                }
                Ok(Value::Bool(true))
            })
        }
        Expr::IfElse(cond, a, b) => {
            let (t, a, b) = (compile_test(cond), compile(a), compile(b));
            Rc::new(move |vm| if t(vm)? { a(vm) } else { b(vm) })
        }
        Expr::Call(func, args) if simple_call(func, args) => {
            let Expr::Name(f) = &**func else {
                return compile_tree(e);
            };
            let f = f.clone();
            let args: Vec<Code> = args
                .iter_mut()
                .filter_map(|a| match a {
                    Arg::Pos(x) => Some(compile(x)),
                    _ => None,
                })
                .collect();
            Rc::new(move |vm| vm.call_positional(&f, &args))
        }
        other => compile_tree(other),
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

fn compile_name(n: &Name) -> Code {
    let id = n.id.clone();
    match n.res {
        Res::Local(s) => {
            let s = s as usize;
            Rc::new(move |vm| match &vm.frame[s] {
                Some(Value::Int(i)) => Ok(Value::Int(*i)),
                Some(v) => Ok(v.clone()),
                None => Err(unbound(&id)),
            })
        }
        _ => {
            let n = n.clone();
            Rc::new(move |vm| vm.read(&n))
        }
    }
}

/// `a op b`.
fn compile_binary(op: BinOp, a: &mut Expr, b: &mut Expr) -> Code {
    if let (Some(s), Some(k)) = (local_slot(a), const_int(b)) {
        // `name op 3`: the commonest loop arithmetic.
        let x = compile(a);
        let kv = Value::Int(k);
        return Rc::new(move |vm| {
            if let Some(Value::Int(i)) = vm.frame[s] {
                if let Some(r) = ops::int_fast(op, i, k) {
                    return Ok(Value::Int(r));
                }
            }
            ops::binary(op, &x(vm)?, &kv)
        });
    }
    if let Some(k) = const_int(b) {
        let x = compile(a);
        let kv = Value::Int(k);
        return Rc::new(move |vm| match x(vm)? {
            Value::Int(i) => match ops::int_fast(op, i, k) {
                Some(r) => Ok(Value::Int(r)),
                None => ops::binary(op, &Value::Int(i), &kv),
            },
            other => ops::binary(op, &other, &kv),
        });
    }
    let (x, y) = (compile(a), compile(b));
    Rc::new(move |vm| {
        let l = x(vm)?;
        let r = y(vm)?;
        match (l, r) {
            (Value::Int(i), Value::Int(j)) => match ops::int_fast(op, i, j) {
                Some(v) => Ok(Value::Int(v)),
                None => ops::binary(op, &Value::Int(i), &Value::Int(j)),
            },
            (l, r) => ops::binary(op, &l, &r),
        }
    })
}

/// `first op rhs` (a single comparison) as a truth test.
fn compile_compare(first: &mut Expr, op: CmpOp, rhs: &mut Expr) -> Test {
    let (x, y) = (compile(first), compile(rhs));
    Rc::new(move |vm| {
        let l = x(vm)?;
        let r = y(vm)?;
        match (l, r) {
            (Value::Int(i), Value::Int(j)) => match ops::int_compare(op, i, j) {
                Some(t) => Ok(t),
                None => ops::compare(&Value::Int(i), &Value::Int(j), op),
            },
            (l, r) => ops::compare(&l, &r, op),
        }
    })
}

/// `bool(e)`.
fn compile_test(e: &mut Expr) -> Test {
    match e {
        Expr::Compare(first, rest) if rest.len() == 1 => {
            let (op, rhs) = &mut rest[0];
            compile_compare(first, *op, rhs)
        }
        Expr::Unary(UnOp::Not, x) => {
            let t = compile_test(x);
            Rc::new(move |vm| Ok(!t(vm)?))
        }
        Expr::Fast(c) => c.test.clone(),
        _ => {
            let v = compile(e);
            Rc::new(move |vm| Ok(v(vm)?.is_true()))
        }
    }
}
