//! Template loaders: [`BaseLoader`], [`DictLoader`] and the filesystem [`Loader`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::SystemTime;

use crate::error::{Error, ErrorKind};
use crate::template::{Template, TemplateOptions};

/// Tornado's `BaseLoader`: resolves template names, loads and caches
/// compiled templates. `{% include %}` and `{% extends %}` go through it.
///
/// Implementors provide [`BaseLoader::resolve_path`] and
/// [`BaseLoader::load`]; [`TemplateCache`] does the caching.
pub trait BaseLoader: fmt::Debug {
    /// The options every template of this loader is compiled with
    /// (Tornado's `autoescape`, `namespace` and `whitespace` arguments).
    fn options(&self) -> &TemplateOptions;

    /// Converts a possibly relative `name` (as written in the template
    /// `parent_path`) into the loader's canonical name.
    fn resolve_path(&self, name: &str, parent_path: Option<&str>) -> String;

    /// Loads (and caches) a template.
    fn load(&self, name: &str, parent_path: Option<&str>) -> Result<Rc<Template>, Error>;

    /// Forgets every cached template.
    fn reset(&self);
}

/// The cache behind a loader: compiled templates by name, with detection of
/// templates that (indirectly) include or extend themselves.
#[derive(Debug, Default)]
#[doc(alias = "templates")]
pub struct TemplateCache {
    templates: RefCell<HashMap<String, Rc<Template>>>,
    loading: RefCell<Vec<String>>,
}

impl TemplateCache {
    /// An empty cache.
    pub fn new() -> TemplateCache {
        TemplateCache::default()
    }

    /// Returns the cached template `name`, or compiles it with `create`.
    ///
    /// A template that is requested again while it is being compiled (a
    /// cycle of includes or extends) is a `RecursionError`, where Tornado
    /// recurses until Python's stack limit.
    pub fn get_or_create(
        &self,
        name: &str,
        create: impl FnOnce() -> Result<Template, Error>,
    ) -> Result<Rc<Template>, Error> {
        if let Some(t) = self.templates.borrow().get(name) {
            return Ok(t.clone());
        }
        if self.loading.borrow().iter().any(|n| n == name) {
            return Err(Error::new(
                ErrorKind::RecursionError,
                format!("maximum recursion depth exceeded while loading '{name}'"),
            ));
        }
        self.loading.borrow_mut().push(name.to_owned());
        let result = create();
        self.loading.borrow_mut().pop();
        let template = Rc::new(result?);
        self.templates
            .borrow_mut()
            .insert(name.to_owned(), template.clone());
        Ok(template)
    }

    /// The cached template `name`, if any.
    pub fn get(&self, name: &str) -> Option<Rc<Template>> {
        self.templates.borrow().get(name).cloned()
    }

    /// Empties the cache.
    pub fn clear(&self) {
        self.templates.borrow_mut().clear();
    }
}

/// Python's `posixpath.normpath`.
pub(crate) fn posix_normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".to_owned();
    }
    let leading = path.len() - path.trim_start_matches('/').len();
    let prefix = match leading {
        0 => "",
        2 => "//",
        _ => "/",
    };
    let mut parts: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if !parts.is_empty() && parts.last() != Some(&"..") {
                    parts.pop();
                } else if prefix.is_empty() {
                    parts.push("..");
                }
            }
            c => parts.push(c),
        }
    }
    let joined = parts.join("/");
    let out = format!("{prefix}{joined}");
    if out.is_empty() { ".".to_owned() } else { out }
}

/// Python's `posixpath.dirname`.
pub(crate) fn posix_dirname(path: &str) -> &str {
    match path.rfind('/') {
        None => "",
        Some(i) => {
            let head = &path[..=i];
            let trimmed = head.trim_end_matches('/');
            if trimmed.is_empty() { head } else { trimmed }
        }
    }
}

/// Python's `posixpath.join` of two parts.
pub(crate) fn posix_join(a: &str, b: &str) -> String {
    if b.starts_with('/') || a.is_empty() {
        b.to_owned()
    } else if a.ends_with('/') {
        format!("{a}{b}")
    } else {
        format!("{a}/{b}")
    }
}

fn is_relative_request(name: &str, parent_path: Option<&str>) -> Option<String> {
    let parent = parent_path?;
    if parent.starts_with('<') || parent.starts_with('/') || name.starts_with('/') {
        return None;
    }
    Some(parent.to_owned())
}

/// Tornado's `DictLoader`: templates from an in-memory map.
///
/// ```
/// use tornado_template::{Context, DictLoader, BaseLoader, TemplateOptions};
/// let loader = DictLoader::new(
///     [("base.html", "<b>{% block x %}{% end %}</b>"),
///      ("page.html", "{% extends 'base.html' %}{% block x %}{{ v }}{% end %}")],
///     TemplateOptions::default(),
/// );
/// let out = loader.load("page.html", None).unwrap().generate(&Context::new().with("v", 1)).unwrap();
/// assert_eq!(out, "<b>1</b>");
/// ```
#[derive(Debug)]
pub struct DictLoader {
    templates: HashMap<String, String>,
    options: TemplateOptions,
    cache: TemplateCache,
}

impl DictLoader {
    /// A loader over `(name, source)` pairs.
    pub fn new<K: Into<String>, V: Into<String>>(
        templates: impl IntoIterator<Item = (K, V)>,
        options: TemplateOptions,
    ) -> DictLoader {
        DictLoader {
            templates: templates
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            options,
            cache: TemplateCache::new(),
        }
    }
}

impl BaseLoader for DictLoader {
    fn options(&self) -> &TemplateOptions {
        &self.options
    }

    fn resolve_path(&self, name: &str, parent_path: Option<&str>) -> String {
        match is_relative_request(name, parent_path) {
            Some(parent) => posix_normpath(&posix_join(posix_dirname(&parent), name)),
            None => name.to_owned(),
        }
    }

    fn load(&self, name: &str, parent_path: Option<&str>) -> Result<Rc<Template>, Error> {
        let name = self.resolve_path(name, parent_path);
        self.cache.get_or_create(&name, || {
            let source = self.templates.get(&name).ok_or_else(|| {
                Error::new(
                    ErrorKind::KeyError,
                    crate::value::Value::from(name.as_str()).repr(),
                )
            })?;
            Template::build(source, &name, &self.options, Some(self))
        })
    }

    fn reset(&self) {
        self.cache.clear();
    }
}

/// Tornado's `Loader`: templates from files under a root directory.
///
/// Relative names in `{% include %}` / `{% extends %}` resolve against the
/// including file's directory. Unlike Tornado, a name that would leave the
/// root directory is refused.
#[derive(Debug)]
pub struct Loader {
    root: PathBuf,
    options: TemplateOptions,
    cache: TemplateCache,
    autoreload: bool,
    mtimes: RefCell<HashMap<String, Option<SystemTime>>>,
}

impl Loader {
    /// A loader for the directory `root`.
    pub fn new(root: impl AsRef<Path>, options: TemplateOptions) -> Loader {
        let root = root.as_ref();
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        Loader {
            root,
            options,
            cache: TemplateCache::new(),
            autoreload: false,
            mtimes: RefCell::new(HashMap::new()),
        }
    }

    /// Recompile a cached template when its file, or a file it includes or
    /// extends, has changed on disk (checked on every [`BaseLoader::load`]).
    #[doc(alias = "autoreload")]
    pub fn with_autoreload(mut self, on: bool) -> Loader {
        self.autoreload = on;
        self
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn root_str(&self) -> String {
        self.root.to_string_lossy().trim_end_matches('/').to_owned()
    }

    fn path_for(&self, name: &str) -> Result<PathBuf, Error> {
        let rel = posix_normpath(name.trim_start_matches('/'));
        if rel == ".." || rel.starts_with("../") || rel == "." {
            return Err(Error::new(
                ErrorKind::OsError,
                format!("template path {name:?} is outside the template root"),
            ));
        }
        Ok(self.root.join(rel))
    }

    fn mtime(path: &Path) -> Option<SystemTime> {
        std::fs::metadata(path).and_then(|m| m.modified()).ok()
    }

    fn stale(&self, template: &Template) -> bool {
        let mtimes = self.mtimes.borrow();
        std::iter::once(template.name())
            .chain(template.dependencies().iter().map(String::as_str))
            .any(|dep| match (self.path_for(dep), mtimes.get(dep)) {
                (Ok(path), Some(recorded)) => Self::mtime(&path) != *recorded,
                _ => false,
            })
    }
}

impl BaseLoader for Loader {
    fn options(&self) -> &TemplateOptions {
        &self.options
    }

    fn resolve_path(&self, name: &str, parent_path: Option<&str>) -> String {
        let Some(parent) = is_relative_request(name, parent_path) else {
            return name.to_owned();
        };
        let root = self.root_str();
        let current = posix_join(&root, &parent);
        let file_dir = posix_dirname(&posix_normpath(&current)).to_owned();
        let relative = posix_normpath(&posix_join(&file_dir, name));
        match relative.strip_prefix(&root) {
            Some(rest) if rest.starts_with('/') => rest[1..].to_owned(),
            _ => name.to_owned(),
        }
    }

    fn load(&self, name: &str, parent_path: Option<&str>) -> Result<Rc<Template>, Error> {
        let name = self.resolve_path(name, parent_path);
        if self.autoreload {
            if let Some(t) = self.cache.get(&name) {
                if self.stale(&t) {
                    self.reset();
                }
            }
        }
        self.cache.get_or_create(&name, || {
            let path = self.path_for(&name)?;
            let bytes = std::fs::read(&path)
                .map_err(|e| Error::new(ErrorKind::OsError, format!("{e}: {}", path.display())))?;
            self.mtimes
                .borrow_mut()
                .insert(name.clone(), Self::mtime(&path));
            let source = String::from_utf8(bytes).map_err(|e| {
                Error::value_error(format!("'utf-8' codec can't decode template {name:?}: {e}"))
            })?;
            Template::build(&source, &name, &self.options, Some(self))
        })
    }

    fn reset(&self) {
        self.cache.clear();
        self.mtimes.borrow_mut().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normpath_matches_posixpath() {
        assert_eq!(posix_normpath("a/../b/3.html"), "b/3.html");
        assert_eq!(posix_normpath("../x"), "../x");
        assert_eq!(posix_normpath("/../x"), "/x");
        assert_eq!(posix_normpath("//a"), "//a");
        assert_eq!(posix_normpath("///a/./b/"), "/a/b");
        assert_eq!(posix_normpath(""), ".");
        assert_eq!(posix_dirname("a/1.html"), "a");
        assert_eq!(posix_dirname("x.html"), "");
        assert_eq!(posix_dirname("/x"), "/");
    }
}
