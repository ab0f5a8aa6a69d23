//! Recursive-descent parser for the Python expression subset.

use std::rc::Rc;

use super::ast::{
    Arg, CompKind, Comprehension, Expr, Generator, ImportItem, Name, SimpleStmt, Target,
};
use super::lexer::{Tok, tokenize};
use crate::error::{Error, ErrorKind};
use crate::value::Value;
use crate::value::ops::{BinOp, CmpOp, UnOp};

/// The deepest expression tree we accept. Python compiles somewhat deeper
/// trees (its limit is near 1000), but evaluation recurses once per level and
/// must stay well inside a 2 MiB thread stack even in debug builds.
pub(crate) const MAX_DEPTH: usize = 200;

/// The deepest recursion of the parser (brackets, unary operators,
/// conditional expressions), Python's own parser limit being of that order.
const MAX_LEVEL: usize = 200;

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

pub(crate) struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    level: usize,
}

fn invalid() -> Error {
    Error::syntax("invalid syntax")
}

impl Parser {
    pub(crate) fn new(src: &str) -> Result<Parser, Error> {
        Ok(Parser {
            toks: tokenize(src)?,
            pos: 0,
            level: 0,
        })
    }

    fn peek(&self) -> &Tok {
        &self.toks[self.pos]
    }

    fn peek_at(&self, n: usize) -> &Tok {
        self.toks.get(self.pos + n).unwrap_or(&Tok::End)
    }

    fn next(&mut self) -> Tok {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Tok::Op(o) if *o == op)
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Name(n) if &**n == kw)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if self.is_op(op) {
            self.next();
            true
        } else {
            false
        }
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.next();
            true
        } else {
            false
        }
    }

    fn expect_op(&mut self, op: &str) -> Result<(), Error> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(invalid())
        }
    }

    pub(crate) fn at_end(&self) -> bool {
        matches!(self.peek(), Tok::End)
    }

    pub(crate) fn expect_end(&self) -> Result<(), Error> {
        if self.at_end() {
            Ok(())
        } else {
            Err(invalid())
        }
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.level += 1;
        if self.level > MAX_LEVEL {
            return Err(Error::new(
                ErrorKind::RecursionError,
                "too many nested parentheses",
            ));
        }
        Ok(())
    }

    /// `test`: a conditional expression.
    pub(crate) fn test(&mut self) -> Result<Expr, Error> {
        if self.is_kw("lambda") {
            return Err(Error::syntax("lambda is not supported in templates"));
        }
        let e = self.or_test()?;
        let e = if self.eat_kw("if") {
            let cond = self.or_test()?;
            if !self.eat_kw("else") {
                return Err(Error::syntax("expected 'else' after 'if' expression"));
            }
            self.enter()?;
            let other = self.test()?;
            self.level -= 1;
            Expr::IfElse(Box::new(cond), Box::new(e), Box::new(other))
        } else {
            e
        };
        Ok(e)
    }

    fn or_test(&mut self) -> Result<Expr, Error> {
        let mut e = self.and_test()?;
        while self.eat_kw("or") {
            e = Expr::Or(Box::new(e), Box::new(self.and_test()?));
        }
        Ok(e)
    }

    fn and_test(&mut self) -> Result<Expr, Error> {
        let mut e = self.not_test()?;
        while self.eat_kw("and") {
            e = Expr::And(Box::new(e), Box::new(self.not_test()?));
        }
        Ok(e)
    }

    fn not_test(&mut self) -> Result<Expr, Error> {
        if self.eat_kw("not") {
            self.enter()?;
            let e = Expr::Unary(UnOp::Not, Box::new(self.not_test()?));
            self.level -= 1;
            return Ok(e);
        }
        self.comparison()
    }

    fn comp_op(&mut self) -> Option<CmpOp> {
        let op = match self.peek() {
            Tok::Op("<") => CmpOp::Lt,
            Tok::Op(">") => CmpOp::Gt,
            Tok::Op("==") => CmpOp::Eq,
            Tok::Op(">=") => CmpOp::Ge,
            Tok::Op("<=") => CmpOp::Le,
            Tok::Op("!=") => CmpOp::Ne,
            Tok::Name(n) if &**n == "in" => CmpOp::In,
            Tok::Name(n) if &**n == "is" => {
                self.next();
                return Some(if self.eat_kw("not") {
                    CmpOp::IsNot
                } else {
                    CmpOp::Is
                });
            }
            Tok::Name(n)
                if &**n == "not" && matches!(self.peek_at(1), Tok::Name(m) if &**m == "in") =>
            {
                self.next();
                CmpOp::NotIn
            }
            _ => return None,
        };
        self.next();
        Some(op)
    }

    fn comparison(&mut self) -> Result<Expr, Error> {
        let first = self.bitor()?;
        let mut rest = Vec::new();
        while let Some(op) = self.comp_op() {
            rest.push((op, self.bitor()?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Expr::Compare(Box::new(first), rest)
        })
    }

    /// The binary operators from `|` down to `*`, by precedence climbing
    /// (one stack frame per precedence step, not one per grammar level).
    fn binop(&mut self, min_prec: u8) -> Result<Expr, Error> {
        let mut lhs = self.factor()?;
        loop {
            let (prec, op) = match self.peek() {
                Tok::Op("|") => (1, BinOp::BitOr),
                Tok::Op("^") => (2, BinOp::BitXor),
                Tok::Op("&") => (3, BinOp::BitAnd),
                Tok::Op("<<") => (4, BinOp::Shl),
                Tok::Op(">>") => (4, BinOp::Shr),
                Tok::Op("+") => (5, BinOp::Add),
                Tok::Op("-") => (5, BinOp::Sub),
                Tok::Op("*") => (6, BinOp::Mul),
                Tok::Op("/") => (6, BinOp::Div),
                Tok::Op("//") => (6, BinOp::FloorDiv),
                Tok::Op("%") => (6, BinOp::Mod),
                Tok::Op("@") => return Err(invalid()),
                _ => return Ok(lhs),
            };
            if prec < min_prec {
                return Ok(lhs);
            }
            self.next();
            let rhs = self.binop(prec + 1)?;
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs));
        }
    }

    fn bitor(&mut self) -> Result<Expr, Error> {
        self.binop(1)
    }

    fn factor(&mut self) -> Result<Expr, Error> {
        let op = match self.peek() {
            Tok::Op("-") => UnOp::Neg,
            Tok::Op("+") => UnOp::Pos,
            Tok::Op("~") => UnOp::Invert,
            _ => return self.power(),
        };
        self.next();
        self.enter()?;
        let operand = self.factor()?;
        self.level -= 1;
        // Fold negative literals so `-9223372036854775808`-style constants work.
        Ok(match (op, operand) {
            (UnOp::Neg, Expr::Const(Value::Int(i))) if i != i64::MIN => Expr::Const(Value::Int(-i)),
            (UnOp::Neg, Expr::Const(Value::Float(f))) => Expr::Const(Value::Float(-f)),
            (op, e) => Expr::Unary(op, Box::new(e)),
        })
    }

    fn power(&mut self) -> Result<Expr, Error> {
        let base = self.primary()?;
        if self.eat_op("**") {
            self.enter()?;
            let exp = self.factor()?;
            self.level -= 1;
            return Ok(Expr::Binary(BinOp::Pow, Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Expr, Error> {
        let mut e = self.atom()?;
        loop {
            if self.eat_op(".") {
                match self.next() {
                    Tok::Name(n) if !KEYWORDS.contains(&&*n) => e = Expr::Attr(Box::new(e), n),
                    _ => return Err(invalid()),
                }
            } else if self.eat_op("(") {
                let args = self.call_args()?;
                e = Expr::Call(Box::new(e), args);
            } else if self.eat_op("[") {
                let idx = self.subscript_list()?;
                self.expect_op("]")?;
                e = Expr::Subscript(Box::new(e), Box::new(idx));
            } else {
                return Ok(e);
            }
        }
    }

    fn subscript_list(&mut self) -> Result<Expr, Error> {
        let first = self.subscript()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.is_op("]") {
                break;
            }
            items.push(self.subscript()?);
        }
        Ok(Expr::Tuple(items))
    }

    fn subscript(&mut self) -> Result<Expr, Error> {
        let lower = if self.is_op(":") {
            None
        } else {
            Some(Box::new(self.test()?))
        };
        if !self.eat_op(":") {
            return lower.map(|b| *b).ok_or_else(invalid);
        }
        let upper = if self.is_op(":") || self.is_op("]") || self.is_op(",") {
            None
        } else {
            Some(Box::new(self.test()?))
        };
        let step = if self.eat_op(":") && !self.is_op("]") && !self.is_op(",") {
            Some(Box::new(self.test()?))
        } else {
            None
        };
        Ok(Expr::Slice(lower, upper, step))
    }

    fn call_args(&mut self) -> Result<Vec<Arg>, Error> {
        let mut args = Vec::new();
        while !self.eat_op(")") {
            if self.eat_op("**") {
                args.push(Arg::StarStar(self.test()?));
            } else if self.eat_op("*") {
                args.push(Arg::Star(self.test()?));
            } else if let (Tok::Name(n), Tok::Op("=")) =
                (self.peek().clone(), self.peek_at(1).clone())
            {
                self.next();
                self.next();
                if KEYWORDS.contains(&&*n) {
                    return Err(invalid());
                }
                args.push(Arg::Kw(n, self.test()?));
            } else {
                let e = self.test()?;
                if self.is_kw("for") {
                    let comp = self.comprehension(CompKind::Gen, e, None)?;
                    if !args.is_empty() || !self.is_op(")") {
                        return Err(Error::syntax("Generator expression must be parenthesized"));
                    }
                    args.push(Arg::Pos(comp));
                } else {
                    if args
                        .iter()
                        .any(|a| matches!(a, Arg::Kw(..) | Arg::StarStar(_)))
                    {
                        return Err(Error::syntax(
                            "positional argument follows keyword argument",
                        ));
                    }
                    args.push(Arg::Pos(e));
                }
            }
            if !self.eat_op(",") {
                self.expect_op(")")?;
                break;
            }
        }
        Ok(args)
    }

    fn comprehension(
        &mut self,
        kind: CompKind,
        elt: Expr,
        value: Option<Expr>,
    ) -> Result<Expr, Error> {
        let mut gens = Vec::new();
        while self.eat_kw("for") {
            let target = self.target_list()?;
            if !self.eat_kw("in") {
                return Err(invalid());
            }
            let iter = self.or_test()?;
            let mut ifs = Vec::new();
            while self.eat_kw("if") {
                ifs.push(self.or_test()?);
            }
            gens.push(Generator { target, iter, ifs });
        }
        Ok(Expr::Comp(Box::new(Comprehension {
            kind,
            elt,
            value,
            gens,
            slots: Vec::new(),
        })))
    }

    fn atom(&mut self) -> Result<Expr, Error> {
        match self.next() {
            Tok::Int(i) => Ok(Expr::Const(Value::Int(i))),
            Tok::BigInt(b) => Ok(Expr::Const(Value::from_bigint(b))),
            Tok::Float(f) => Ok(Expr::Const(Value::Float(f))),
            Tok::Str(s) => Ok(Expr::Const(Value::from(s))),
            Tok::Bytes(b) => Ok(Expr::Const(Value::Bytes(b.into()))),
            Tok::Name(n) => match &*n {
                "None" => Ok(Expr::Const(Value::None)),
                "True" => Ok(Expr::Const(Value::Bool(true))),
                "False" => Ok(Expr::Const(Value::Bool(false))),
                k if KEYWORDS.contains(&k) => Err(invalid()),
                _ => Ok(Expr::Name(Name::new(n))),
            },
            Tok::Op("(") => {
                self.enter()?;
                let e = if self.eat_op(")") {
                    Expr::Tuple(Vec::new())
                } else {
                    let first = self.test()?;
                    if self.is_kw("for") {
                        let c = self.comprehension(CompKind::Gen, first, None)?;
                        self.expect_op(")")?;
                        c
                    } else if self.eat_op(")") {
                        first
                    } else {
                        let mut items = vec![first];
                        while self.eat_op(",") {
                            if self.is_op(")") {
                                break;
                            }
                            items.push(self.test()?);
                        }
                        self.expect_op(")")?;
                        Expr::Tuple(items)
                    }
                };
                self.level -= 1;
                Ok(e)
            }
            Tok::Op("[") => {
                self.enter()?;
                let mut items = Vec::new();
                let e = loop {
                    if self.eat_op("]") {
                        break Expr::List(items);
                    }
                    let item = self.test()?;
                    if items.is_empty() && self.is_kw("for") {
                        let c = self.comprehension(CompKind::List, item, None)?;
                        self.expect_op("]")?;
                        break c;
                    }
                    items.push(item);
                    if !self.eat_op(",") {
                        self.expect_op("]")?;
                        break Expr::List(items);
                    }
                };
                self.level -= 1;
                Ok(e)
            }
            Tok::Op("{") => {
                self.enter()?;
                let mut items = Vec::new();
                let e = loop {
                    if self.eat_op("}") {
                        break Expr::Dict(items);
                    }
                    let k = self.test()?;
                    if !self.eat_op(":") {
                        return Err(Error::syntax("set displays are not supported in templates"));
                    }
                    let v = self.test()?;
                    if items.is_empty() && self.is_kw("for") {
                        let c = self.comprehension(CompKind::Dict, k, Some(v))?;
                        self.expect_op("}")?;
                        break c;
                    }
                    items.push((k, v));
                    if !self.eat_op(",") {
                        self.expect_op("}")?;
                        break Expr::Dict(items);
                    }
                };
                self.level -= 1;
                Ok(e)
            }
            _ => Err(invalid()),
        }
    }

    /// `testlist`: one expression, or a tuple when commas are present.
    pub(crate) fn testlist(&mut self) -> Result<Expr, Error> {
        let first = self.test()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_end() || self.is_op("=") || self.is_op(":") {
                break;
            }
            items.push(self.test()?);
        }
        Ok(Expr::Tuple(items))
    }

    fn target_atom(&mut self) -> Result<Target, Error> {
        match self.next() {
            Tok::Name(n) if !KEYWORDS.contains(&&*n) => Ok(Target::Name(Name::new(n))),
            Tok::Op(open @ ("(" | "[")) => {
                let close = if open == "(" { ")" } else { "]" };
                self.enter()?;
                let mut items = Vec::new();
                while !self.eat_op(close) {
                    items.push(self.target_atom()?);
                    if !self.eat_op(",") {
                        self.expect_op(close)?;
                        break;
                    }
                }
                self.level -= 1;
                Ok(
                    if items.len() == 1
                        && open == "("
                        && !matches!(self.toks.get(self.pos.wrapping_sub(2)), Some(Tok::Op(",")))
                    {
                        items.pop().unwrap_or(Target::Tuple(Vec::new()))
                    } else {
                        Target::Tuple(items)
                    },
                )
            }
            _ => Err(Error::syntax("cannot assign to expression")),
        }
    }

    /// A `for` target list (`a`, `a, b`, `i, (a, b)`).
    pub(crate) fn target_list(&mut self) -> Result<Target, Error> {
        let first = self.target_atom()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.is_kw("in") || self.is_op("=") || self.at_end() {
                break;
            }
            items.push(self.target_atom()?);
        }
        Ok(Target::Tuple(items))
    }
}

fn check_depth(e: &Expr) -> Result<(), Error> {
    if e.depth() > MAX_DEPTH {
        return Err(Error::new(
            ErrorKind::RecursionError,
            "maximum recursion depth exceeded during compilation",
        ));
    }
    Ok(())
}

/// Parses a whole expression (`{{ ... }}`), tuples allowed.
pub(crate) fn parse_expression(src: &str) -> Result<Expr, Error> {
    let mut p = Parser::new(src)?;
    if p.at_end() {
        return Err(invalid());
    }
    let e = p.testlist()?;
    p.expect_end()?;
    check_depth(&e)?;
    Ok(e)
}

/// Converts an expression written on the left of `=` into a target.
fn expr_to_target(e: Expr) -> Result<Target, Error> {
    match e {
        Expr::Name(n) => Ok(Target::Name(n)),
        Expr::Tuple(items) | Expr::List(items) => Ok(Target::Tuple(
            items
                .into_iter()
                .map(expr_to_target)
                .collect::<Result<_, _>>()?,
        )),
        Expr::Attr(..) | Expr::Subscript(..) => Err(Error::syntax(
            "assignment to attributes or items is not supported in templates",
        )),
        _ => Err(Error::syntax("cannot assign to expression")),
    }
}

/// Parses the body of `{% set ... %}`: simple statements separated by `;`.
pub(crate) fn parse_statements(src: &str) -> Result<Vec<SimpleStmt>, Error> {
    let mut p = Parser::new(src)?;
    let mut out = Vec::new();
    loop {
        if p.at_end() {
            if out.is_empty() {
                return Err(invalid());
            }
            break;
        }
        out.push(p.simple_statement()?);
        if !p.eat_op(";") {
            p.expect_end()?;
            break;
        }
    }
    Ok(out)
}

impl Parser {
    fn dotted_name(&mut self) -> Result<Rc<str>, Error> {
        let mut s = String::new();
        loop {
            match self.next() {
                Tok::Name(n) if !KEYWORDS.contains(&&*n) => s.push_str(&n),
                _ => return Err(invalid()),
            }
            if !self.eat_op(".") {
                return Ok(s.into());
            }
            s.push('.');
        }
    }

    fn plain_name(&mut self) -> Result<Rc<str>, Error> {
        match self.next() {
            Tok::Name(n) if !KEYWORDS.contains(&&*n) => Ok(n),
            _ => Err(invalid()),
        }
    }

    fn simple_statement(&mut self) -> Result<SimpleStmt, Error> {
        if self.eat_kw("import") {
            let mut items = Vec::new();
            loop {
                let module = self.dotted_name()?;
                let parts: Vec<Rc<str>> = module.split('.').map(Rc::from).collect();
                let root = parts[0].clone();
                if self.eat_kw("as") {
                    let bound = self.plain_name()?;
                    items.push(ImportItem {
                        bound: Name::new(bound),
                        module: Name::new(root),
                        path: parts[1..].to_vec(),
                        display: module,
                    });
                } else {
                    items.push(ImportItem {
                        bound: Name::new(root.clone()),
                        module: Name::new(root),
                        path: Vec::new(),
                        display: module,
                    });
                }
                if !self.eat_op(",") {
                    break;
                }
            }
            return Ok(SimpleStmt::Import(items));
        }
        if self.eat_kw("from") {
            let module = self.dotted_name()?;
            if !self.eat_kw("import") {
                return Err(invalid());
            }
            let parts: Vec<Rc<str>> = module.split('.').map(Rc::from).collect();
            let paren = self.eat_op("(");
            let mut items = Vec::new();
            loop {
                let attr = self.plain_name()?;
                let bound = if self.eat_kw("as") {
                    self.plain_name()?
                } else {
                    attr.clone()
                };
                let mut path = parts[1..].to_vec();
                path.push(attr);
                items.push(ImportItem {
                    bound: Name::new(bound),
                    module: Name::new(parts[0].clone()),
                    path,
                    display: module.clone(),
                });
                if !self.eat_op(",") {
                    break;
                }
                if paren && self.is_op(")") {
                    break;
                }
            }
            if paren {
                self.expect_op(")")?;
            }
            return Ok(SimpleStmt::Import(items));
        }
        if let Tok::Name(n) = self.peek() {
            if matches!(&**n, "pass") && matches!(self.peek_at(1), Tok::End | Tok::Op(";")) {
                self.next();
                return Ok(SimpleStmt::Expr(Expr::Const(Value::None)));
            }
        }
        let first = self.testlist()?;
        check_depth(&first)?;
        let aug = match self.peek() {
            Tok::Op("+=") => Some(BinOp::Add),
            Tok::Op("-=") => Some(BinOp::Sub),
            Tok::Op("*=") => Some(BinOp::Mul),
            Tok::Op("/=") => Some(BinOp::Div),
            Tok::Op("//=") => Some(BinOp::FloorDiv),
            Tok::Op("%=") => Some(BinOp::Mod),
            Tok::Op("**=") => Some(BinOp::Pow),
            Tok::Op("&=") => Some(BinOp::BitAnd),
            Tok::Op("|=") => Some(BinOp::BitOr),
            Tok::Op("^=") => Some(BinOp::BitXor),
            Tok::Op("<<=") => Some(BinOp::Shl),
            Tok::Op(">>=") => Some(BinOp::Shr),
            _ => None,
        };
        if let Some(op) = aug {
            self.next();
            let name = match first {
                Expr::Name(n) => n,
                Expr::Attr(..) | Expr::Subscript(..) => {
                    return Err(Error::syntax(
                        "assignment to attributes or items is not supported in templates",
                    ));
                }
                _ => {
                    return Err(Error::syntax(
                        "'expression' is an illegal expression for augmented assignment",
                    ));
                }
            };
            let value = self.testlist()?;
            check_depth(&value)?;
            return Ok(SimpleStmt::AugAssign(name, op, value));
        }
        if !self.is_op("=") {
            return Ok(SimpleStmt::Expr(first));
        }
        let mut parts = vec![first];
        while self.eat_op("=") {
            let e = self.testlist()?;
            check_depth(&e)?;
            parts.push(e);
        }
        let value = parts.pop().ok_or_else(invalid)?;
        let targets = parts
            .into_iter()
            .map(expr_to_target)
            .collect::<Result<_, _>>()?;
        Ok(SimpleStmt::Assign(targets, value))
    }
}

impl Parser {
    pub(crate) fn is_keyword(&self, kw: &str) -> bool {
        self.is_kw(kw)
    }

    pub(crate) fn advance(&mut self) {
        self.next();
    }

    pub(crate) fn advance_name(&mut self) -> Option<Rc<str>> {
        match self.next() {
            Tok::Name(n) if !KEYWORDS.contains(&&*n) => Some(n),
            _ => None,
        }
    }
}
