//! The Python expression subset: tokens, syntax tree and parser.

pub(crate) mod ast;
mod lexer;
pub(crate) mod parser;
