//! Tornado's template language in Rust, byte-compatible with Python's
//! `tornado.template` (Tornado 6.6.1).
//!
//! Templates mix text with `{{ expression }}` and `{% directive %}` tags;
//! expressions are a Python subset that computes with Python's rules and
//! prints values as Python's `str()` does. A template is parsed and compiled
//! once into a tree whose names are resolved to slots, then rendered many
//! times into a `String`; autoescaping writes straight into the output.
//!
//! This crate mirrors the Python module `tornado.template`: [`Template`],
//! [`BaseLoader`], [`Loader`], [`DictLoader`], [`filter_whitespace`] and
//! `ParseError` (an [`Error`] of kind [`ErrorKind::ParseError`]).
//!
//! ```
//! use tornado_template::{BaseLoader, Context, DictLoader, TemplateOptions};
//!
//! let loader = DictLoader::new(
//!     [
//!         ("base.html", "<title>{% block title %}default{% end %}</title>"),
//!         (
//!             "page.html",
//!             "{% extends 'base.html' %}{% block title %}\
//!              {% for i, name in enumerate(names) %}{{ i }}:{{ name }} {% end %}{% end %}",
//!         ),
//!     ],
//!     TemplateOptions::default(),
//! );
//! let template = loader.load("page.html", None)?;
//! let context = Context::new().with("names", tornado_template::Value::from_serialize(&["a", "<b>"])?);
//! assert_eq!(template.generate(&context)?, "<title>0:a 1:&lt;b&gt; </title>");
//! # Ok::<(), tornado_template::Error>(())
//! ```
//!
//! Host integration (what `tornado-web` builds on): names such as
//! `handler`, `request`, `locale`, `static_url`, `xsrf_form_html`,
//! `reverse_url` and `_` are ordinary namespace entries — [`Object`]s with
//! attributes and methods, or functions made with [`Value::function`] — put
//! in a loader's [`TemplateOptions::namespace`] or in the [`Context`] of a
//! render. `{% module Name(args) %}` evaluates `_tt_modules.Name(args)`,
//! exactly as Tornado does, so UI modules are methods of an object
//! registered as `_tt_modules`; outside a request it is a `NameError`.
//!
//! Thread model: templates, loaders and values use `Rc` and are `!Send`; as
//! in Tornado, each thread (each `IoLoop`) owns its own loader.
//!
//! Differences from Tornado are listed in `docs/deviations.md`.

mod builtins;
mod compiler;
mod context;
mod error;
mod expr;
mod format;
mod loader;
mod methods;
mod syntax;
mod template;
mod value;
mod vm;
mod whitespace;

pub use context::Context;
pub use error::{Error, ErrorKind, Location};
pub use loader::{BaseLoader, DictLoader, Loader, TemplateCache};
pub use template::{Limits, Template, TemplateOptions};
pub use value::{BigInt, Dict, Function, Kwargs, Object, PyRange, Seq, Value};
pub use whitespace::{Whitespace, filter_whitespace};
