//! The variables a template is rendered with (Tornado's `generate(**kwargs)`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

use crate::error::{Error, ErrorKind};
use crate::value::{Kwargs, Object, Value};

/// Named values for [`Template::generate`](crate::Template::generate) — the
/// keyword arguments of Tornado's `Template.generate(**kwargs)` — and for a
/// loader's extra namespace.
///
/// ```
/// use tornado_template::{Context, Value};
/// let mut ctx = Context::new();
/// ctx.insert("name", "Ben");
/// ctx.insert("items", Value::from_serialize(&[1, 2, 3]).unwrap());
/// assert_eq!(ctx.get("name").unwrap().to_str(), "Ben");
/// ```
#[doc(alias = "kwargs")]
#[doc(alias = "namespace")]
#[derive(Debug, Clone, Default)]
pub struct Context {
    vars: HashMap<Rc<str>, Value, BuildHasherDefault<NameHasher>>,
}

/// A fast hasher for variable names (the multiply-rotate scheme of rustc's
/// `FxHasher`). Every render looks each free name of the template up, and
/// names are chosen by the template's author, not by remote input.
#[derive(Default, Clone, Copy)]
struct NameHasher(u64);

impl NameHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl Context {
    /// An empty context.
    pub fn new() -> Context {
        Context::default()
    }

    /// Builds a context from a serializable map or struct (its fields become
    /// the variables).
    ///
    /// ```
    /// #[derive(serde::Serialize)]
    /// struct Page { title: String, count: u32 }
    /// let ctx = tornado_template::Context::from_serialize(&Page { title: "t".into(), count: 2 }).unwrap();
    /// assert_eq!(ctx.get("count").unwrap().to_str(), "2");
    /// ```
    pub fn from_serialize<T: serde::Serialize + ?Sized>(value: &T) -> Result<Context, Error> {
        match Value::from_serialize(value)? {
            Value::Dict(d) => {
                let mut ctx = Context::new();
                for (k, v) in d.iter() {
                    if let Value::Str(k) = k {
                        ctx.vars.insert(k.clone(), v.clone());
                    }
                }
                Ok(ctx)
            }
            other => Err(Error::new(
                ErrorKind::TypeError,
                format!(
                    "a context must serialize to a map, not {}",
                    other.type_name()
                ),
            )),
        }
    }

    /// Sets a variable, replacing any earlier value.
    pub fn insert(&mut self, name: impl Into<Rc<str>>, value: impl Into<Value>) -> &mut Context {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// Builder form of [`Context::insert`].
    pub fn with(mut self, name: impl Into<Rc<str>>, value: impl Into<Value>) -> Context {
        self.insert(name, value);
        self
    }

    /// Registers a Rust function callable from templates as `name(...)`.
    #[doc(alias = "namespace")]
    pub fn insert_function(
        &mut self,
        name: &str,
        f: impl Fn(&[Value], &Kwargs) -> Result<Value, Error> + 'static,
    ) -> &mut Context {
        self.vars.insert(name.into(), Value::function(name, f));
        self
    }

    /// Registers a host object (attribute access and method calls).
    pub fn insert_object(&mut self, name: &str, obj: impl Object + 'static) -> &mut Context {
        self.vars.insert(name.into(), Value::object(obj));
        self
    }

    /// Copies every variable of `other` into this context (later wins).
    pub fn extend(&mut self, other: &Context) -> &mut Context {
        for (k, v) in &other.vars {
            self.vars.insert(k.clone(), v.clone());
        }
        self
    }

    /// Looks a variable up.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.vars.get(name)
    }

    /// Number of variables.
    pub fn len(&self) -> usize {
        self.vars.len()
    }

    /// Whether there are no variables.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }
}
