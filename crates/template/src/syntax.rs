//! The template tokenizer and structure parser (Tornado's `_parse`).
//!
//! Text is scanned for `{{`, `{%` and `{#`; the closing `}}`, `%}` or `#}`
//! is found by plain search, exactly as Tornado does. Expressions and
//! statements are parsed here too, but their errors are kept in the tree and
//! only raised by the compiler, because Tornado reports Python syntax errors
//! after the whole file has been parsed.

use std::rc::Rc;

use crate::error::{Error, ErrorKind};
use crate::expr::ast::{Expr, Name, SimpleStmt, Target};
use crate::expr::parser::{Parser, parse_expression, parse_statements};
use crate::value::repr::{push_str_repr, py_isspace};
use crate::whitespace::{Whitespace, filter_whitespace};

/// The header of a control block or an intermediate tag.
#[derive(Debug, Clone)]
pub(crate) enum Header {
    If(Expr),
    Elif(Expr),
    Else,
    For(Target, Expr),
    While(Expr),
    Try,
    Except(Option<Expr>, Option<Name>),
    Finally,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ControlOp {
    If,
    For,
    While,
    Try,
}

#[derive(Debug, Clone)]
pub(crate) enum Chunk {
    Text(Rc<str>),
    Expr {
        expr: Result<Expr, Error>,
        line: u32,
        raw: bool,
    },
    Stmt {
        stmts: Result<Vec<SimpleStmt>, Error>,
        line: u32,
    },
    Break,
    Continue,
    Control {
        op: ControlOp,
        header: Result<Header, Error>,
        line: u32,
        body: Vec<Chunk>,
    },
    Intermediate {
        header: Result<Header, Error>,
        line: u32,
    },
    Block {
        name: Rc<str>,
        body: Vec<Chunk>,
        line: u32,
    },
    Include {
        name: String,
        line: u32,
    },
    Extends {
        name: String,
    },
    Apply {
        func: Result<Expr, Error>,
        body: Vec<Chunk>,
        line: u32,
    },
}

/// The parsed form of one template file.
#[derive(Debug)]
pub(crate) struct ParsedFile {
    pub(crate) body: Vec<Chunk>,
    /// `Some(x)` when a `{% autoescape %}` directive appeared (the last one wins).
    pub(crate) autoescape: Option<Option<String>>,
}

struct Reader<'a> {
    name: &'a str,
    text: &'a str,
    pos: usize,
    line: u32,
    whitespace: Whitespace,
    autoescape: Option<Option<String>>,
    max_depth: usize,
}

/// Python `str.strip()` (Unicode whitespace).
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(py_isspace)
}

impl Reader<'_> {
    fn remaining(&self) -> usize {
        self.text.len() - self.pos
    }

    fn find(&self, needle: &str, start: usize) -> Option<usize> {
        self.text
            .get(self.pos + start..)?
            .find(needle)
            .map(|i| i + start)
    }

    fn byte(&self, i: usize) -> Option<u8> {
        self.text.as_bytes().get(self.pos + i).copied()
    }

    fn consume(&mut self, count: usize) -> &str {
        let end = (self.pos + count).min(self.text.len());
        let s = &self.text[self.pos..end];
        self.line += s.bytes().filter(|b| *b == b'\n').count() as u32;
        self.pos = end;
        s
    }

    fn error(&self, msg: impl Into<String>) -> Error {
        Error::parse(msg, self.name, self.line)
    }

    fn text_chunk(&self, s: &str) -> Option<Chunk> {
        let value = if s.contains("<pre>") {
            s.to_owned()
        } else {
            filter_whitespace(self.whitespace, s)
        };
        if value.is_empty() {
            None
        } else {
            Some(Chunk::Text(value.into()))
        }
    }
}

fn set_repr(items: &[&str]) -> String {
    let inner: Vec<String> = items.iter().map(|s| format!("'{s}'")).collect();
    format!("{{{}}}", inner.join(", "))
}

fn parse_header(op: &str, suffix: &str) -> Result<Header, Error> {
    let simple = |h: Header| {
        if suffix.is_empty() {
            Ok(h)
        } else {
            Err(Error::syntax("invalid syntax"))
        }
    };
    match op {
        "if" | "elif" | "while" => {
            let mut p = Parser::new(suffix)?;
            if p.at_end() {
                return Err(Error::syntax("invalid syntax"));
            }
            let e = p.test()?;
            p.expect_end()?;
            Ok(match op {
                "if" => Header::If(e),
                "elif" => Header::Elif(e),
                _ => Header::While(e),
            })
        }
        "for" => {
            let mut p = Parser::new(suffix)?;
            let target = p.target_list()?;
            let iter_src = {
                // Re-parse from "in": the parser is positioned after the target.
                p.expect_in()?;
                p.testlist()?
            };
            p.expect_end()?;
            Ok(Header::For(target, iter_src))
        }
        "else" => simple(Header::Else),
        "try" => simple(Header::Try),
        "finally" => simple(Header::Finally),
        "except" => {
            if suffix.is_empty() {
                return Ok(Header::Except(None, None));
            }
            let mut p = Parser::new(suffix)?;
            let e = p.test()?;
            let name = p.except_as()?;
            p.expect_end()?;
            Ok(Header::Except(Some(e), name))
        }
        _ => Err(Error::syntax("invalid syntax")),
    }
}

/// Parses a template source into chunks.
pub(crate) fn parse_template(
    name: &str,
    text: &str,
    whitespace: Whitespace,
    max_depth: usize,
) -> Result<ParsedFile, Error> {
    let mut r = Reader {
        name,
        text,
        pos: 0,
        line: 1,
        whitespace,
        autoescape: None,
        max_depth,
    };
    let body = parse_body(&mut r, None, false, 0)?;
    Ok(ParsedFile {
        body,
        autoescape: r.autoescape,
    })
}

fn parse_body(
    r: &mut Reader<'_>,
    in_block: Option<&str>,
    in_loop: bool,
    depth: usize,
) -> Result<Vec<Chunk>, Error> {
    if depth > r.max_depth {
        return Err(
            Error::new(ErrorKind::RecursionError, "too many nested blocks").with_location(
                crate::error::Location {
                    name: r.name.to_owned(),
                    line: r.line,
                    via: Vec::new(),
                },
            ),
        );
    }
    let mut body = Vec::new();
    loop {
        // Find the next directive.
        let mut curly = 0;
        loop {
            let found = r.find("{", curly);
            let Some(c) = found.filter(|&c| c + 1 != r.remaining()) else {
                if let Some(op) = in_block {
                    return Err(r.error(format!("Missing {{% end %}} block for {op}")));
                }
                let rest = r.consume(r.remaining()).to_owned();
                body.extend(r.text_chunk(&rest));
                return Ok(body);
            };
            curly = c;
            if !matches!(r.byte(curly + 1), Some(b'{' | b'%' | b'#')) {
                curly += 1;
                continue;
            }
            // With three or more braces in a row, the innermost pair opens the tag.
            if curly + 2 < r.remaining()
                && r.byte(curly + 1) == Some(b'{')
                && r.byte(curly + 2) == Some(b'{')
            {
                curly += 1;
                continue;
            }
            break;
        }
        if curly > 0 {
            let text = r.consume(curly).to_owned();
            body.extend(r.text_chunk(&text));
        }
        let start = r.consume(2).to_owned();
        let line = r.line;

        // "{{!", "{%!" and "{#!" output the braces literally.
        if r.byte(0) == Some(b'!') {
            r.consume(1);
            body.extend(r.text_chunk(&start));
            continue;
        }

        if start == "{#" {
            let Some(end) = r.find("#}", 0) else {
                return Err(r.error("Missing end comment #}"));
            };
            r.consume(end + 2);
            continue;
        }

        if start == "{{" {
            let Some(end) = r.find("}}", 0) else {
                return Err(r.error("Missing end expression }}"));
            };
            let contents = py_strip(r.consume(end)).to_owned();
            r.consume(2);
            if contents.is_empty() {
                return Err(r.error("Empty expression"));
            }
            body.push(Chunk::Expr {
                expr: parse_expression(&contents),
                line,
                raw: false,
            });
            continue;
        }

        let Some(end) = r.find("%}", 0) else {
            return Err(r.error("Missing end block %}"));
        };
        let contents = py_strip(r.consume(end)).to_owned();
        r.consume(2);
        if contents.is_empty() {
            return Err(r.error("Empty block tag ({% %})"));
        }
        let (operator, suffix) = match contents.split_once(' ') {
            Some((op, rest)) => (op, py_strip(rest)),
            None => (contents.as_str(), ""),
        };

        let allowed: Option<&[&str]> = match operator {
            "else" => Some(&["if", "for", "while", "try"]),
            "elif" => Some(&["if"]),
            "except" | "finally" => Some(&["try"]),
            _ => None,
        };
        if let Some(allowed) = allowed {
            let Some(parent) = in_block else {
                return Err(r.error(format!("{operator} outside {} block", set_repr(allowed))));
            };
            if !allowed.contains(&parent) {
                return Err(r.error(format!(
                    "{operator} block cannot be attached to {parent} block"
                )));
            }
            body.push(Chunk::Intermediate {
                header: parse_header(operator, suffix),
                line,
            });
            continue;
        }

        match operator {
            "end" => {
                if in_block.is_none() {
                    return Err(r.error("Extra {% end %} block"));
                }
                return Ok(body);
            }
            "comment" => {}
            "extends" | "include" => {
                let path = suffix.trim_matches('"').trim_matches('\'');
                if path.is_empty() {
                    return Err(r.error(format!("{operator} missing file path")));
                }
                body.push(if operator == "extends" {
                    Chunk::Extends {
                        name: path.to_owned(),
                    }
                } else {
                    Chunk::Include {
                        name: path.to_owned(),
                        line,
                    }
                });
            }
            "import" | "from" => {
                if suffix.is_empty() {
                    return Err(r.error("import missing statement"));
                }
                body.push(Chunk::Stmt {
                    stmts: parse_statements(&contents),
                    line,
                });
            }
            "set" => {
                if suffix.is_empty() {
                    return Err(r.error("set missing statement"));
                }
                body.push(Chunk::Stmt {
                    stmts: parse_statements(suffix),
                    line,
                });
            }
            "autoescape" => {
                let f = py_strip(suffix);
                r.autoescape = Some(if f == "None" {
                    None
                } else {
                    Some(f.to_owned())
                });
            }
            "whitespace" => {
                let mode: Whitespace = py_strip(suffix).parse()?;
                r.whitespace = mode;
            }
            "raw" => body.push(Chunk::Expr {
                expr: parse_expression(suffix),
                line,
                raw: true,
            }),
            "module" => body.push(Chunk::Expr {
                expr: parse_expression(&format!("_tt_modules.{suffix}")),
                line,
                raw: true,
            }),
            "apply" | "block" | "try" | "if" | "for" | "while" => {
                let inner = match operator {
                    "for" | "while" => parse_body(r, Some(operator), true, depth + 1)?,
                    "apply" => parse_body(r, Some(operator), false, depth + 1)?,
                    _ => parse_body(r, Some(operator), in_loop, depth + 1)?,
                };
                match operator {
                    "apply" => {
                        if suffix.is_empty() {
                            return Err(r.error("apply missing method name"));
                        }
                        body.push(Chunk::Apply {
                            func: parse_expression(suffix),
                            body: inner,
                            line,
                        });
                    }
                    "block" => {
                        if suffix.is_empty() {
                            return Err(r.error("block missing name"));
                        }
                        body.push(Chunk::Block {
                            name: suffix.into(),
                            body: inner,
                            line,
                        });
                    }
                    _ => {
                        let op = match operator {
                            "if" => ControlOp::If,
                            "for" => ControlOp::For,
                            "while" => ControlOp::While,
                            _ => ControlOp::Try,
                        };
                        body.push(Chunk::Control {
                            op,
                            header: parse_header(operator, suffix),
                            line,
                            body: inner,
                        });
                    }
                }
            }
            "break" | "continue" => {
                if !in_loop {
                    return Err(r.error(format!(
                        "{operator} outside {} block",
                        set_repr(&["for", "while"])
                    )));
                }
                if !suffix.is_empty() || contents != operator {
                    body.push(Chunk::Stmt {
                        stmts: Err(Error::syntax("invalid syntax")),
                        line,
                    });
                } else if operator == "break" {
                    body.push(Chunk::Break);
                } else {
                    body.push(Chunk::Continue);
                }
            }
            _ => {
                let mut repr = String::new();
                push_str_repr(operator, &mut repr);
                return Err(r.error(format!("unknown operator: {repr}")));
            }
        }
    }
}

impl Parser {
    fn expect_in(&mut self) -> Result<(), Error> {
        if self.is_keyword("in") {
            self.advance();
            Ok(())
        } else {
            Err(Error::syntax("invalid syntax"))
        }
    }

    fn except_as(&mut self) -> Result<Option<Name>, Error> {
        if !self.is_keyword("as") {
            return Ok(None);
        }
        self.advance();
        match self.advance_name() {
            Some(n) => Ok(Some(Name::new(n))),
            None => Err(Error::syntax("invalid syntax")),
        }
    }
}
