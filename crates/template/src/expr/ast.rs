//! Syntax tree of template expressions and `{% set %}` statements.

use std::rc::Rc;

use crate::error::Error;
use crate::format::PercentFormat;
use crate::value::Value;
use crate::value::ops::{BinOp, CmpOp, UnOp};
use crate::vm::Vm;

/// How a name was resolved by the compiler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Res {
    Unresolved,
    /// A slot in the render frame owned by the current scope.
    Local(u32),
    /// A slot owned by an enclosing scope (a Python closure variable).
    Free(u32),
    /// An index into the template's global names.
    Global(u32),
}

#[derive(Debug, Clone)]
pub(crate) struct Name {
    pub(crate) id: Rc<str>,
    pub(crate) res: Res,
}

impl Name {
    pub(crate) fn new(id: Rc<str>) -> Name {
        Name {
            id,
            res: Res::Unresolved,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Pos(Expr),
    Kw(Rc<str>, Expr),
    Star(Expr),
    StarStar(Expr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompKind {
    List,
    Gen,
    Dict,
}

#[derive(Debug, Clone)]
pub(crate) struct Generator {
    pub(crate) target: Target,
    pub(crate) iter: Expr,
    pub(crate) ifs: Vec<Expr>,
}

#[derive(Debug, Clone)]
pub(crate) struct Comprehension {
    pub(crate) kind: CompKind,
    pub(crate) elt: Expr,
    /// The value expression of a dict comprehension.
    pub(crate) value: Option<Expr>,
    pub(crate) gens: Vec<Generator>,
    /// Frame slots owned by the comprehension's scope, reset on entry.
    pub(crate) slots: Vec<u32>,
}

#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Const(Value),
    Name(Name),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    Attr(Box<Expr>, Rc<str>),
    Subscript(Box<Expr>, Box<Expr>),
    Slice(Option<Box<Expr>>, Option<Box<Expr>>, Option<Box<Expr>>),
    Call(Box<Expr>, Vec<Arg>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Compare(Box<Expr>, Vec<(CmpOp, Expr)>),
    IfElse(Box<Expr>, Box<Expr>, Box<Expr>),
    Comp(Box<Comprehension>),
    /// `'literal' % args` with the format string parsed once (made after
    /// name resolution, see `vm::fast`).
    Format(Rc<PercentFormat>, Box<Expr>),
    /// An operator expression compiled to a closure after name resolution
    /// (see `vm::fast`); its sub-expressions live in the closure.
    Fast(Compiled),
}

/// The code of an [`Expr::Fast`].
pub(crate) type Code = Rc<dyn Fn(&mut Vm<'_>) -> Result<Value, Error>>;

/// The code of a truth test, `bool(expr)`.
pub(crate) type Test = Rc<dyn Fn(&mut Vm<'_>) -> Result<bool, Error>>;

/// A compiled expression: code computing its value, and code computing
/// its truth (which skips building a `bool` value for comparisons).
#[derive(Clone)]
pub(crate) struct Compiled {
    pub(crate) value: Code,
    pub(crate) test: Test,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<compiled>")
    }
}

/// Compiled code writing `{{ expr }}` straight into the output, for the
/// two stock escapes: the flag says whether to HTML-escape (the builtin
/// `xhtml_escape`) or to write `str(value)` as it is (no autoescape). Any
/// other escape function takes the renderer's general path.
#[derive(Clone)]
pub(crate) struct OutCode(pub(crate) Rc<WriteFn>);

/// The function of an [`OutCode`]: renderer, output, whether to escape.
pub(crate) type WriteFn = dyn Fn(&mut Vm<'_>, &mut String, bool) -> Result<(), Error>;

impl std::fmt::Debug for OutCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<compiled output>")
    }
}

/// How the renderer writes a `{{ }}` output for the stock escapes.
#[derive(Debug, Clone)]
pub(crate) enum OutPlan {
    /// The general path.
    General,
    /// Compiled code.
    Code(OutCode),
    /// `name['key']`: a dict entry, looked up and written in place (other
    /// containers and missing keys take the general path), with the index
    /// where the key was last found.
    Entry(Name, Rc<str>, std::cell::Cell<usize>),
}

/// An assignment target.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    Name(Name),
    Tuple(Vec<Target>),
}

impl Target {
    pub(crate) fn names_mut(&mut self, f: &mut dyn FnMut(&mut Name)) {
        match self {
            Target::Name(n) => f(n),
            Target::Tuple(ts) => ts.iter_mut().for_each(|t| t.names_mut(f)),
        }
    }
}

/// One name bound by `{% import %}` or `{% from %}`.
#[derive(Debug, Clone)]
pub(crate) struct ImportItem {
    pub(crate) bound: Name,
    /// The root module name, looked up in the namespace.
    pub(crate) module: Name,
    /// Attributes walked from the root module.
    pub(crate) path: Vec<Rc<str>>,
    /// The dotted module name, for error messages.
    pub(crate) display: Rc<str>,
}

/// A simple statement, as allowed in `{% set %}`.
#[derive(Debug, Clone)]
pub(crate) enum SimpleStmt {
    /// `a = b = value`
    Assign(Vec<Target>, Expr),
    /// `x += value`
    AugAssign(Name, BinOp, Expr),
    /// A bare expression evaluated for its effect.
    Expr(Expr),
    /// `import a.b as c` / `from m import a`: each item binds a name to a
    /// namespace entry (`module`) followed by an attribute path.
    Import(Vec<ImportItem>),
}

impl Expr {
    /// Visits direct children.
    pub(crate) fn for_each_child<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        match self {
            Expr::Const(_) | Expr::Name(_) | Expr::Fast(_) => {}
            Expr::List(v) | Expr::Tuple(v) => v.iter().for_each(f),
            Expr::Dict(kv) => kv.iter().for_each(|(k, v)| {
                f(k);
                f(v)
            }),
            Expr::Attr(e, _) | Expr::Unary(_, e) | Expr::Format(_, e) => f(e),
            Expr::Subscript(a, b) | Expr::Binary(_, a, b) | Expr::And(a, b) | Expr::Or(a, b) => {
                f(a);
                f(b)
            }
            Expr::Slice(a, b, c) => {
                for e in [a, b, c].into_iter().flatten() {
                    f(e)
                }
            }
            Expr::Call(func, args) => {
                f(func);
                for a in args {
                    match a {
                        Arg::Pos(e) | Arg::Kw(_, e) | Arg::Star(e) | Arg::StarStar(e) => f(e),
                    }
                }
            }
            Expr::Compare(a, rest) => {
                f(a);
                rest.iter().for_each(|(_, e)| f(e))
            }
            Expr::IfElse(a, b, c) => {
                f(a);
                f(b);
                f(c)
            }
            Expr::Comp(c) => {
                f(&c.elt);
                if let Some(v) = &c.value {
                    f(v)
                }
                for g in &c.gens {
                    f(&g.iter);
                    g.ifs.iter().for_each(&mut *f);
                }
            }
        }
    }

    /// The nesting depth, computed without recursion.
    pub(crate) fn depth(&self) -> usize {
        let mut max = 0;
        let mut stack = vec![(self, 1usize)];
        while let Some((e, d)) = stack.pop() {
            max = max.max(d);
            e.for_each_child(&mut |c| stack.push((c, d + 1)));
        }
        max
    }
}
