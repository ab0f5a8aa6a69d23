//! Turns parsed template files into a [`Program`]: includes and blocks are
//! inlined (as Tornado's code generator does), and every name is resolved to
//! a frame slot or a global index so rendering never looks names up by string.

use std::collections::HashMap;
use std::rc::Rc;

use crate::error::{Error, ErrorKind, Location};
use crate::expr::ast::{Arg, Comprehension, Expr, Name, OutPlan, Res, SimpleStmt, Target};
use crate::expr::parser::parse_expression;
use crate::loader::BaseLoader;
use crate::syntax::{Chunk, ControlOp, Header};

/// A parsed template file and the settings its code is generated with.
#[derive(Debug)]
pub(crate) struct FileInfo {
    pub(crate) name: Rc<str>,
    pub(crate) body: Vec<Chunk>,
    /// The effective autoescape function (after `{% autoescape %}`).
    pub(crate) autoescape: Option<String>,
}

#[derive(Debug)]
pub(crate) enum Escape {
    None,
    /// The autoescape function, an expression evaluated at render time.
    Call(Expr),
    /// `{% autoescape %}` with an empty name: Tornado's generated code then
    /// just re-encodes the value, so nothing is escaped.
    Identity,
}

#[derive(Debug)]
pub(crate) struct Handler {
    pub(crate) classes: Option<Expr>,
    pub(crate) name: Option<Name>,
    pub(crate) body: Vec<Node>,
    pub(crate) loc: u32,
}

#[derive(Debug)]
pub(crate) enum Node {
    Text(Rc<str>),
    Output {
        expr: Expr,
        escape: Escape,
        loc: u32,
        /// How the expression is written (see `vm::fast`).
        code: OutPlan,
        /// Text that follows the output in the template, written after it
        /// (merged by `vm::fast::optimize` to save a node per output).
        suffix: Option<Rc<str>>,
    },
    If {
        branches: Vec<(Expr, Vec<Node>, u32)>,
        orelse: Vec<Node>,
    },
    For {
        target: Target,
        iter: Expr,
        body: Vec<Node>,
        orelse: Vec<Node>,
        loc: u32,
    },
    While {
        cond: Expr,
        body: Vec<Node>,
        orelse: Vec<Node>,
        loc: u32,
    },
    Try {
        body: Vec<Node>,
        handlers: Vec<Handler>,
        orelse: Vec<Node>,
        finally: Option<Vec<Node>>,
    },
    Stmt {
        stmt: SimpleStmt,
        loc: u32,
    },
    Break,
    Continue,
    Apply {
        func: Expr,
        body: Vec<Node>,
        slots: Vec<u32>,
        loc: u32,
    },
}

/// A compiled template: a tree of nodes whose names are all resolved.
#[derive(Debug, Default)]
pub(crate) struct Program {
    pub(crate) body: Vec<Node>,
    pub(crate) globals: Vec<Rc<str>>,
    pub(crate) nslots: usize,
    pub(crate) locs: Vec<Location>,
    /// Names of every template inlined into this one (for autoreload).
    pub(crate) deps: Vec<String>,
    /// The global slot of the name `xhtml_escape`, the usual autoescape.
    pub(crate) xhtml_global: Option<u32>,
}

type Part<'a> = (Option<(&'a Result<Header, Error>, u32)>, Vec<Node>);

struct Block {
    file: Rc<FileInfo>,
    body: Vec<Chunk>,
}

struct Compiler<'a> {
    loader: Option<&'a dyn BaseLoader>,
    named_blocks: HashMap<Rc<str>, Block>,
    current: Rc<FileInfo>,
    include_stack: Vec<(Rc<str>, u32)>,
    locs: Vec<Location>,
    deferred: Option<Error>,
    deps: Vec<String>,
    depth: usize,
    max_depth: usize,
    escape_cache: HashMap<String, Result<Expr, Error>>,
}

fn no_loader(what: &str) -> Error {
    Error::new(
        ErrorKind::ParseError,
        format!("{{% {what} %}} block found, but no template loader"),
    )
}

fn load_file(
    loader: Option<&dyn BaseLoader>,
    name: &str,
    parent: &str,
    what: &str,
) -> Result<Rc<FileInfo>, Error> {
    let loader = loader.ok_or_else(|| no_loader(what))?;
    Ok(loader.load(name, Some(parent))?.file().clone())
}

fn ancestors(
    file: &Rc<FileInfo>,
    loader: Option<&dyn BaseLoader>,
    out: &mut Vec<Rc<FileInfo>>,
) -> Result<(), Error> {
    out.push(file.clone());
    for chunk in &file.body {
        if let Chunk::Extends { name } = chunk {
            let parent = load_file(loader, name, &file.name, "extends")?;
            ancestors(&parent, loader, out)?;
        }
    }
    Ok(())
}

impl Compiler<'_> {
    fn find_named_blocks(
        &mut self,
        file: &Rc<FileInfo>,
        chunks: &[Chunk],
        depth: usize,
    ) -> Result<(), Error> {
        if depth > self.max_depth {
            return Err(Error::new(
                ErrorKind::RecursionError,
                "too many nested includes",
            ));
        }
        for chunk in chunks {
            match chunk {
                Chunk::Block { name, body, .. } => {
                    self.named_blocks.insert(
                        name.clone(),
                        Block {
                            file: file.clone(),
                            body: body.clone(),
                        },
                    );
                    self.find_named_blocks(file, body, depth + 1)?;
                }
                Chunk::Include { name, .. } => {
                    let inc = load_file(self.loader, name, &file.name, "include")?;
                    let body = &inc.body;
                    self.find_named_blocks(&inc, body, depth + 1)?;
                }
                Chunk::Control { body, .. } | Chunk::Apply { body, .. } => {
                    self.find_named_blocks(file, body, depth + 1)?
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn loc(&mut self, line: u32) -> u32 {
        let via = self
            .include_stack
            .iter()
            .rev()
            .map(|(n, l)| (n.to_string(), *l))
            .collect();
        self.locs.push(Location {
            name: self.current.name.to_string(),
            line,
            via,
        });
        (self.locs.len() - 1) as u32
    }

    fn defer<T>(&mut self, r: &Result<T, Error>, line: u32) -> Option<T>
    where
        T: Clone,
    {
        match r {
            Ok(v) => Some(v.clone()),
            Err(e) => {
                if self.deferred.is_none() {
                    let loc = self.loc(line);
                    self.deferred = Some(e.clone().with_location(self.locs[loc as usize].clone()));
                }
                None
            }
        }
    }

    fn escape_for_current(&mut self, line: u32) -> Escape {
        let Some(name) = self.current.autoescape.clone() else {
            return Escape::None;
        };
        if name.is_empty() {
            return Escape::Identity;
        }
        let parsed = self
            .escape_cache
            .entry(name.clone())
            .or_insert_with(|| parse_expression(&name))
            .clone();
        match self.defer(&parsed, line) {
            Some(e) => Escape::Call(e),
            None => Escape::None,
        }
    }

    fn with_file<T>(
        &mut self,
        file: Rc<FileInfo>,
        line: u32,
        f: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let prev = std::mem::replace(&mut self.current, file);
        self.include_stack.push((prev.name.clone(), line));
        if self.include_stack.len() > self.max_depth {
            return Err(Error::new(
                ErrorKind::RecursionError,
                "too many nested includes",
            ));
        }
        let r = f(self);
        self.include_stack.pop();
        self.current = prev;
        r
    }

    fn chunks(&mut self, chunks: &[Chunk], out: &mut Vec<Node>) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(Error::new(
                ErrorKind::RecursionError,
                "too many nested blocks",
            ));
        }
        for chunk in chunks {
            self.chunk(chunk, out)?;
        }
        self.depth -= 1;
        Ok(())
    }

    fn chunk(&mut self, chunk: &Chunk, out: &mut Vec<Node>) -> Result<(), Error> {
        match chunk {
            Chunk::Text(t) => match out.last_mut() {
                // Text next to text (around a block or an include) is
                // written in one go.
                Some(Node::Text(prev)) => *prev = format!("{prev}{t}").into(),
                _ => out.push(Node::Text(t.clone())),
            },
            Chunk::Expr { expr, line, raw } => {
                if let Some(expr) = self.defer(expr, *line) {
                    let escape = if *raw {
                        Escape::None
                    } else {
                        self.escape_for_current(*line)
                    };
                    let loc = self.loc(*line);
                    out.push(Node::Output {
                        expr,
                        escape,
                        loc,
                        code: OutPlan::General,
                        suffix: None,
                    });
                }
            }
            Chunk::Stmt { stmts, line } => {
                if let Some(stmts) = self.defer(stmts, *line) {
                    let loc = self.loc(*line);
                    out.extend(stmts.into_iter().map(|stmt| Node::Stmt { stmt, loc }));
                }
            }
            Chunk::Break => out.push(Node::Break),
            Chunk::Continue => out.push(Node::Continue),
            Chunk::Intermediate { line, .. } => {
                let r: Result<(), Error> = Err(Error::syntax("invalid syntax"));
                self.defer(&r, *line);
            }
            Chunk::Control {
                op,
                header,
                line,
                body,
            } => self.control(*op, header, *line, body, out)?,
            Chunk::Block { name, line, .. } => {
                let Some(block) = self.named_blocks.get(name) else {
                    return Err(Error::new(ErrorKind::KeyError, format!("'{name}'")));
                };
                let (file, body) = (block.file.clone(), block.body.clone());
                self.with_file(file, *line, |c| c.chunks(&body, out))?;
            }
            Chunk::Include { name, line } => {
                let file = load_file(self.loader, name, &self.current.name.clone(), "include")?;
                self.deps.push(file.name.to_string());
                self.with_file(file.clone(), *line, |c| c.chunks(&file.body, out))?;
            }
            Chunk::Extends { .. } => {
                // Tornado only honours `{% extends %}` at the top level of the
                // rendered template; anywhere its code generator reaches one
                // (inside a block, a control block or an included file) it
                // fails with NotImplementedError.
                return Err(Error::new(ErrorKind::NotImplementedError, ""));
            }
            Chunk::Apply { func, body, line } => {
                let mut nodes = Vec::new();
                self.chunks(body, &mut nodes)?;
                if let Some(func) = self.defer(func, *line) {
                    let loc = self.loc(*line);
                    out.push(Node::Apply {
                        func,
                        body: nodes,
                        slots: Vec::new(),
                        loc,
                    });
                }
            }
        }
        Ok(())
    }

    fn control(
        &mut self,
        op: ControlOp,
        header: &Result<Header, Error>,
        line: u32,
        body: &[Chunk],
        out: &mut Vec<Node>,
    ) -> Result<(), Error> {
        let header = self.defer(header, line);
        // Split the body at intermediate tags (elif/else/except/finally).
        let mut parts: Vec<Part<'_>> = vec![(None, Vec::new())];
        for chunk in body {
            if let Chunk::Intermediate { header, line } = chunk {
                parts.push((Some((header, *line)), Vec::new()));
            } else {
                let last = parts.len() - 1;
                let mut nodes = std::mem::take(&mut parts[last].1);
                self.depth += 1;
                let r = self.chunk(chunk, &mut nodes);
                self.depth -= 1;
                r?;
                parts[last].1 = nodes;
            }
        }
        let Some(header) = header else { return Ok(()) };
        let mut headers = Vec::new();
        for (h, nodes) in parts.drain(1..) {
            let Some((h, hline)) = h else { continue };
            match self.defer(h, hline) {
                Some(h) => headers.push((h, hline, nodes)),
                None => return Ok(()),
            }
        }
        let main = parts.pop().map(|p| p.1).unwrap_or_default();
        let bad = |c: &mut Self, l: u32, msg: &str| {
            let r: Result<(), Error> = Err(Error::syntax(msg));
            c.defer(&r, l);
        };
        match (op, header) {
            (ControlOp::If, Header::If(cond)) => {
                let loc = self.loc(line);
                let mut branches = vec![(cond, main, loc)];
                let mut orelse = Vec::new();
                let mut seen_else = false;
                for (h, hl, nodes) in headers {
                    match h {
                        Header::Elif(c) if !seen_else => {
                            let loc = self.loc(hl);
                            branches.push((c, nodes, loc));
                        }
                        Header::Else if !seen_else => {
                            seen_else = true;
                            orelse = nodes;
                        }
                        _ => {
                            bad(self, hl, "invalid syntax");
                            return Ok(());
                        }
                    }
                }
                out.push(Node::If { branches, orelse });
            }
            (ControlOp::For | ControlOp::While, h) => {
                let mut orelse = Vec::new();
                for (i, (hh, hl, nodes)) in headers.into_iter().enumerate() {
                    match hh {
                        Header::Else if i == 0 => orelse = nodes,
                        _ => {
                            bad(self, hl, "invalid syntax");
                            return Ok(());
                        }
                    }
                }
                let loc = self.loc(line);
                match h {
                    Header::For(target, iter) => out.push(Node::For {
                        target,
                        iter,
                        body: main,
                        orelse,
                        loc,
                    }),
                    Header::While(cond) => out.push(Node::While {
                        cond,
                        body: main,
                        orelse,
                        loc,
                    }),
                    _ => bad(self, line, "invalid syntax"),
                }
            }
            (ControlOp::Try, Header::Try) => {
                let mut handlers: Vec<Handler> = Vec::new();
                let mut orelse = None;
                let mut finally = None;
                for (h, hl, nodes) in headers {
                    match h {
                        Header::Except(classes, name) if orelse.is_none() && finally.is_none() => {
                            if handlers.last().is_some_and(|h| h.classes.is_none()) {
                                bad(self, hl, "default 'except:' must be last");
                                return Ok(());
                            }
                            let loc = self.loc(hl);
                            handlers.push(Handler {
                                classes,
                                name,
                                body: nodes,
                                loc,
                            });
                        }
                        Header::Else
                            if !handlers.is_empty() && orelse.is_none() && finally.is_none() =>
                        {
                            orelse = Some(nodes)
                        }
                        Header::Finally if finally.is_none() => finally = Some(nodes),
                        _ => {
                            bad(self, hl, "invalid syntax");
                            return Ok(());
                        }
                    }
                }
                if handlers.is_empty() && finally.is_none() {
                    bad(self, line, "expected 'except' or 'finally' block");
                    return Ok(());
                }
                out.push(Node::Try {
                    body: main,
                    handlers,
                    orelse: orelse.unwrap_or_default(),
                    finally,
                });
            }
            _ => bad(self, line, "invalid syntax"),
        }
        Ok(())
    }
}

/// Compiles `file` (loaded through `loader`, if any).
pub(crate) fn compile(
    file: Rc<FileInfo>,
    loader: Option<&dyn BaseLoader>,
    max_depth: usize,
) -> Result<Program, Error> {
    let mut chain = Vec::new();
    ancestors(&file, loader, &mut chain)?;
    chain.reverse();
    let root = chain[0].clone();
    let mut c = Compiler {
        loader,
        named_blocks: HashMap::new(),
        current: root.clone(),
        include_stack: Vec::new(),
        locs: Vec::new(),
        deferred: None,
        deps: chain.iter().map(|f| f.name.to_string()).collect(),
        depth: 0,
        max_depth,
        escape_cache: HashMap::new(),
    };
    for f in &chain {
        c.find_named_blocks(f, &f.body, 0)?;
    }
    let mut body = Vec::new();
    c.chunks(&root.body, &mut body)?;
    if let Some(e) = c.deferred {
        return Err(e);
    }
    let mut r = Resolver {
        scopes: Vec::new(),
        globals: Vec::new(),
        global_index: HashMap::new(),
        nslots: 0,
    };
    r.function(&mut body, None)?;
    crate::vm::fast::optimize(&mut body);
    let xhtml_global = r
        .globals
        .iter()
        .position(|n| &**n == "xhtml_escape")
        .and_then(|g| u32::try_from(g).ok());
    Ok(Program {
        body,
        xhtml_global,
        globals: r.globals,
        nslots: r.nslots,
        locs: c.locs,
        deps: c.deps,
    })
}

// ---------------------------------------------------------------------------
// Name resolution

struct Resolver {
    scopes: Vec<HashMap<Rc<str>, u32>>,
    globals: Vec<Rc<str>>,
    global_index: HashMap<Rc<str>, u32>,
    nslots: usize,
}

fn collect_target(t: &Target, names: &mut Vec<Rc<str>>) {
    match t {
        Target::Name(n) => names.push(n.id.clone()),
        Target::Tuple(ts) => ts.iter().for_each(|t| collect_target(t, names)),
    }
}

/// Names assigned in a function body (not inside nested `apply` functions).
fn assigned_names(nodes: &[Node], names: &mut Vec<Rc<str>>) {
    for n in nodes {
        match n {
            Node::Stmt { stmt, .. } => match stmt {
                SimpleStmt::Assign(targets, _) => {
                    targets.iter().for_each(|t| collect_target(t, names))
                }
                SimpleStmt::AugAssign(n, _, _) => names.push(n.id.clone()),
                SimpleStmt::Import(items) => names.extend(items.iter().map(|i| i.bound.id.clone())),
                SimpleStmt::Expr(_) => {}
            },
            Node::If { branches, orelse } => {
                branches
                    .iter()
                    .for_each(|(_, b, _)| assigned_names(b, names));
                assigned_names(orelse, names);
            }
            Node::For {
                target,
                body,
                orelse,
                ..
            } => {
                collect_target(target, names);
                assigned_names(body, names);
                assigned_names(orelse, names);
            }
            Node::While { body, orelse, .. } => {
                assigned_names(body, names);
                assigned_names(orelse, names);
            }
            Node::Try {
                body,
                handlers,
                orelse,
                finally,
            } => {
                assigned_names(body, names);
                for h in handlers {
                    if let Some(n) = &h.name {
                        names.push(n.id.clone());
                    }
                    assigned_names(&h.body, names);
                }
                assigned_names(orelse, names);
                if let Some(f) = finally {
                    assigned_names(f, names);
                }
            }
            Node::Text(_)
            | Node::Output { .. }
            | Node::Break
            | Node::Continue
            | Node::Apply { .. } => {}
        }
    }
}

impl Resolver {
    fn push_scope(&mut self, names: Vec<Rc<str>>) -> Vec<u32> {
        let mut map = HashMap::new();
        let mut slots = Vec::new();
        for n in names {
            if let std::collections::hash_map::Entry::Vacant(e) = map.entry(n) {
                let slot = self.nslots as u32;
                self.nslots += 1;
                e.insert(slot);
                slots.push(slot);
            }
        }
        self.scopes.push(map);
        slots
    }

    fn name(&mut self, n: &mut Name) {
        let last = self.scopes.len().saturating_sub(1);
        for (i, scope) in self.scopes.iter().enumerate().rev() {
            if let Some(&slot) = scope.get(&n.id) {
                n.res = if i == last {
                    Res::Local(slot)
                } else {
                    Res::Free(slot)
                };
                return;
            }
        }
        n.res = Res::Global(self.global(&n.id));
    }

    fn global(&mut self, id: &Rc<str>) -> u32 {
        if let Some(&g) = self.global_index.get(id) {
            return g;
        }
        let g = self.globals.len() as u32;
        self.globals.push(id.clone());
        self.global_index.insert(id.clone(), g);
        g
    }

    fn function(&mut self, body: &mut [Node], _parent: Option<()>) -> Result<Vec<u32>, Error> {
        let mut names = Vec::new();
        assigned_names(body, &mut names);
        let slots = self.push_scope(names);
        self.nodes(body)?;
        self.scopes.pop();
        Ok(slots)
    }

    fn target(&mut self, t: &mut Target) {
        t.names_mut(&mut |n| self.name(n));
    }

    fn nodes(&mut self, nodes: &mut [Node]) -> Result<(), Error> {
        for n in nodes {
            match n {
                Node::Text(_) | Node::Break | Node::Continue => {}
                Node::Output { expr, escape, .. } => {
                    self.expr(expr);
                    if let Escape::Call(e) = escape {
                        self.expr(e);
                    }
                }
                Node::If { branches, orelse } => {
                    for (c, b, _) in branches {
                        self.expr(c);
                        self.nodes(b)?;
                    }
                    self.nodes(orelse)?;
                }
                Node::For {
                    target,
                    iter,
                    body,
                    orelse,
                    ..
                } => {
                    self.expr(iter);
                    self.target(target);
                    self.nodes(body)?;
                    self.nodes(orelse)?;
                }
                Node::While {
                    cond, body, orelse, ..
                } => {
                    self.expr(cond);
                    self.nodes(body)?;
                    self.nodes(orelse)?;
                }
                Node::Try {
                    body,
                    handlers,
                    orelse,
                    finally,
                } => {
                    self.nodes(body)?;
                    for h in handlers {
                        if let Some(c) = &mut h.classes {
                            self.expr(c);
                        }
                        if let Some(n) = &mut h.name {
                            self.name(n);
                        }
                        self.nodes(&mut h.body)?;
                    }
                    self.nodes(orelse)?;
                    if let Some(f) = finally {
                        self.nodes(f)?;
                    }
                }
                Node::Stmt { stmt, .. } => match stmt {
                    SimpleStmt::Assign(targets, value) => {
                        self.expr(value);
                        targets.iter_mut().for_each(|t| self.target(t));
                    }
                    SimpleStmt::AugAssign(name, _, value) => {
                        self.expr(value);
                        self.name(name);
                    }
                    SimpleStmt::Expr(e) => self.expr(e),
                    SimpleStmt::Import(items) => {
                        for item in items {
                            item.module.res = Res::Global(self.global(&item.module.id));
                            self.name(&mut item.bound);
                        }
                    }
                },
                Node::Apply {
                    func, body, slots, ..
                } => {
                    self.expr(func);
                    *slots = self.function(body, Some(()))?;
                }
            }
        }
        Ok(())
    }

    fn comprehension(&mut self, c: &mut Comprehension) {
        // The first iterable is evaluated in the enclosing scope.
        if let Some(g) = c.gens.first_mut() {
            self.expr(&mut g.iter);
        }
        let mut names = Vec::new();
        for g in &c.gens {
            collect_target(&g.target, &mut names);
        }
        c.slots = self.push_scope(names);
        for (i, g) in c.gens.iter_mut().enumerate() {
            if i > 0 {
                self.expr(&mut g.iter);
            }
            self.target(&mut g.target);
            g.ifs.iter_mut().for_each(|e| self.expr(e));
        }
        self.expr(&mut c.elt);
        if let Some(v) = &mut c.value {
            self.expr(v);
        }
        self.scopes.pop();
    }

    fn expr(&mut self, e: &mut Expr) {
        match e {
            Expr::Name(n) => self.name(n),
            Expr::Comp(c) => self.comprehension(c),
            Expr::Const(_) | Expr::Fast(_) => {}
            Expr::List(v) | Expr::Tuple(v) => v.iter_mut().for_each(|e| self.expr(e)),
            Expr::Dict(kv) => kv.iter_mut().for_each(|(k, v)| {
                self.expr(k);
                self.expr(v)
            }),
            Expr::Attr(e, _) | Expr::Unary(_, e) | Expr::Format(_, e) => self.expr(e),
            Expr::Subscript(a, b) | Expr::Binary(_, a, b) | Expr::And(a, b) | Expr::Or(a, b) => {
                self.expr(a);
                self.expr(b)
            }
            Expr::Slice(a, b, c) => {
                for x in [a, b, c].into_iter().flatten() {
                    self.expr(x)
                }
            }
            Expr::Call(f, args) => {
                self.expr(f);
                for a in args {
                    match a {
                        Arg::Pos(e) | Arg::Kw(_, e) | Arg::Star(e) | Arg::StarStar(e) => {
                            self.expr(e)
                        }
                    }
                }
            }
            Expr::Compare(a, rest) => {
                self.expr(a);
                rest.iter_mut().for_each(|(_, e)| self.expr(e))
            }
            Expr::IfElse(a, b, c) => {
                self.expr(a);
                self.expr(b);
                self.expr(c)
            }
        }
    }
}
