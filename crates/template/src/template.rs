//! [`Template`]: a compiled template, and its options.

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

use crate::builtins::{TORNADO_HELPERS, builtin_value, python_builtin};
use crate::compiler::{FileInfo, Program, compile};
use crate::context::Context;
use crate::error::Error;
use crate::loader::BaseLoader;
use crate::syntax::parse_template;
use crate::value::Value;
use crate::vm::Vm;
use crate::whitespace::Whitespace;

/// Resource limits. Tornado has none of these (a template is Python code);
/// the defaults keep Tornado's behaviour except where Python itself would
/// fail (deeply nested blocks).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The deepest nesting of blocks and includes a template may have.
    /// Default 100 (Python refuses deeply nested code with a
    /// `SyntaxError`/`RecursionError` too). Protects the stack.
    pub max_nesting_depth: usize,
    /// The most loop iterations (`for`, `while`, comprehensions) one render
    /// may run. Default `None`: unlimited, as in Tornado. Protects against
    /// `{% while True %}` in untrusted templates.
    pub max_loop_iterations: Option<u64>,
    /// The largest output one render may produce. Default `None`: unlimited,
    /// as in Tornado.
    pub max_output_bytes: Option<usize>,
    /// How deeply lists, tuples and dicts built by a render may nest
    /// (storing a deeper value raises `RecursionError`). Default 1000:
    /// Python builds deeper values but cannot print or compare them past its
    /// recursion limit of 1000. Protects the stack.
    pub max_value_depth: usize,
}

impl Limits {
    /// Sets [`Limits::max_nesting_depth`].
    pub fn max_nesting_depth(mut self, depth: usize) -> Limits {
        self.max_nesting_depth = depth;
        self
    }

    /// Sets [`Limits::max_loop_iterations`].
    pub fn max_loop_iterations(mut self, max: Option<u64>) -> Limits {
        self.max_loop_iterations = max;
        self
    }

    /// Sets [`Limits::max_value_depth`].
    pub fn max_value_depth(mut self, depth: usize) -> Limits {
        self.max_value_depth = depth;
        self
    }

    /// Sets [`Limits::max_output_bytes`].
    pub fn max_output_bytes(mut self, max: Option<usize>) -> Limits {
        self.max_output_bytes = max;
        self
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_nesting_depth: 100,
            max_loop_iterations: None,
            max_output_bytes: None,
            max_value_depth: 1000,
        }
    }
}

/// Options for [`Template::new`] and for loaders (Tornado's `autoescape`,
/// `whitespace` and `namespace` arguments).
#[derive(Debug, Clone)]
#[non_exhaustive]
#[doc(alias = "autoescape")]
pub struct TemplateOptions {
    /// The name of the autoescape function in the namespace, or `None` to
    /// disable autoescaping. Default `Some("xhtml_escape")`.
    pub autoescape: Option<String>,
    /// The whitespace mode; `None` chooses by file name (`.html`/`.js` →
    /// `single`, anything else → `all`). Default `None`.
    pub whitespace: Option<Whitespace>,
    /// Extra names added to every template's namespace. Default empty.
    pub namespace: Context,
    /// Resource limits.
    pub limits: Limits,
}

impl Default for TemplateOptions {
    fn default() -> TemplateOptions {
        TemplateOptions {
            autoescape: Some("xhtml_escape".to_owned()),
            whitespace: None,
            namespace: Context::new(),
            limits: Limits::default(),
        }
    }
}

impl TemplateOptions {
    /// Sets the autoescape function name (`None` disables autoescaping).
    pub fn autoescape(mut self, name: Option<&str>) -> TemplateOptions {
        self.autoescape = name.map(str::to_owned);
        self
    }

    /// Sets the whitespace mode.
    pub fn whitespace(mut self, mode: Whitespace) -> TemplateOptions {
        self.whitespace = Some(mode);
        self
    }

    /// Sets the extra namespace.
    pub fn namespace(mut self, namespace: Context) -> TemplateOptions {
        self.namespace = namespace;
        self
    }

    /// Sets the resource limits.
    pub fn limits(mut self, limits: Limits) -> TemplateOptions {
        self.limits = limits;
        self
    }
}

/// The value of a global `name` of template `template` that a render's
/// context does not set.
fn fallback(name: &str, template: &str, namespace: &Context) -> Option<Value> {
    if let Some(v) = namespace.get(name) {
        return Some(v.clone());
    }
    if let Some((_, b)) = TORNADO_HELPERS.iter().find(|(n, _)| *n == name) {
        return Some(builtin_value(*b));
    }
    if name == "__name__" {
        return Some(Value::from(template.replace('.', "_")));
    }
    python_builtin(name)
}

/// A compiled template, Tornado's `tornado.template.Template`.
///
/// Compile once with [`Template::new`] (or through a loader), then render many
/// times with [`Template::generate`]; rendering does no parsing and no name
/// lookups by string.
///
/// ```
/// use tornado_template::{Context, Template, TemplateOptions};
/// let t = Template::new("Hello {{ name }}!", "<string>", &TemplateOptions::default()).unwrap();
/// let out = t.generate(&Context::new().with("name", "<Ben>")).unwrap();
/// assert_eq!(out, "Hello &lt;Ben&gt;!");
/// ```
pub struct Template {
    name: String,
    file: Rc<FileInfo>,
    program: Program,
    /// For each global name of the program, its value when a render's
    /// context does not set it: from the loader's namespace, Tornado's
    /// helpers, `__name__` or the Python builtins (resolved once).
    fallbacks: Vec<Option<Value>>,
    limits: Limits,
    size_hint: Cell<usize>,
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Template")
            .field("name", &self.name)
            .field("autoescape", &self.file.autoescape)
            .finish_non_exhaustive()
    }
}

impl Template {
    /// Compiles a template that has no loader (so `{% include %}` and
    /// `{% extends %}` are errors), as `Template(source, name=...)`.
    #[doc(alias = "Template")]
    pub fn new(source: &str, name: &str, options: &TemplateOptions) -> Result<Template, Error> {
        Template::build(source, name, options, None)
    }

    pub(crate) fn build(
        source: &str,
        name: &str,
        options: &TemplateOptions,
        loader: Option<&dyn BaseLoader>,
    ) -> Result<Template, Error> {
        let whitespace = options
            .whitespace
            .unwrap_or_else(|| Whitespace::for_name(name));
        let parsed = parse_template(name, source, whitespace, options.limits.max_nesting_depth)?;
        let autoescape = match parsed.autoescape {
            Some(directive) => directive,
            None => options.autoescape.clone(),
        };
        let file = Rc::new(FileInfo {
            name: name.into(),
            body: parsed.body,
            autoescape,
        });
        let program = compile(file.clone(), loader, options.limits.max_nesting_depth)?;
        let fallbacks = program
            .globals
            .iter()
            .map(|n| fallback(n, name, &options.namespace))
            .collect();
        Ok(Template {
            name: name.to_owned(),
            file,
            program,
            fallbacks,
            limits: options.limits.clone(),
            size_hint: Cell::new(0),
        })
    }

    /// The template's name (Tornado's `Template.name`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The autoescape function name in effect for this file (after any
    /// `{% autoescape %}` directive), Tornado's `Template.autoescape`.
    pub fn autoescape(&self) -> Option<&str> {
        self.file.autoescape.as_deref()
    }

    /// Names of the templates compiled into this one (ancestors and includes).
    pub fn dependencies(&self) -> &[String] {
        &self.program.deps
    }

    pub(crate) fn file(&self) -> &Rc<FileInfo> {
        &self.file
    }

    /// Renders the template with `context` (Tornado's `generate(**kwargs)`).
    ///
    /// The namespace is, from lowest to highest precedence: Python builtins,
    /// Tornado's helpers (`escape`, `xhtml_escape`, `url_escape`,
    /// `json_encode`, `squeeze`, `linkify`), the loader's namespace, then
    /// `context`.
    pub fn generate(&self, context: &Context) -> Result<String, Error> {
        let globals = self
            .program
            .globals
            .iter()
            .zip(&self.fallbacks)
            .map(|(n, fallback)| context.get(n).or(fallback.as_ref()).cloned())
            .collect();
        let mut out = String::with_capacity(self.size_hint.get());
        Vm::new(&self.program, globals, &self.limits).run(&mut out)?;
        self.size_hint.set(out.len().min(1 << 20));
        Ok(out)
    }
}
