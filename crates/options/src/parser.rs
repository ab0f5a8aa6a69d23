//! `OptionParser`: a set of defined options and their values.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::OptionsError;
use crate::config;
use crate::parse;
use crate::value::{OptionDateTime, OptionType, Value};

/// A callback run with the new value whenever an option is set. It gets
/// the parser too, so that a `--config` option can load a file into it.
pub type OptionCallback =
    Arc<dyn Fn(&mut OptionParser, &Value) -> Result<(), OptionsError> + Send + Sync>;

/// A callback run after a final parse (`add_parse_callback`). It gets the
/// parser that was parsed (Tornado's callbacks take no argument and read
/// the global `options`; passing the parser makes them work for any
/// parser and keeps them from re-locking the process-wide one).
pub type ParseCallback = Arc<dyn Fn(&OptionParser) + Send + Sync>;

/// Tornado has no bound on how many values a `multiple` option may
/// expand to (`--ports=1:1000000000` builds a billion-element list); ours
/// is 100,000 by default.
pub const DEFAULT_MAX_MULTIPLE_VALUES: usize = 100_000;

/// The definition of one option: the arguments of Tornado's `define`.
///
/// ```
/// use tornado_options::{OptionDef, OptionParser, OptionType};
/// let mut p = OptionParser::new();
/// p.define(OptionDef::new("port").default(8888).help("listen on this port")).unwrap();
/// p.define(OptionDef::new("hosts").ty(OptionType::Str).multiple(true).group("net")).unwrap();
/// p.parse_command_line(["prog", "--port=80", "--hosts=a,b"]).unwrap();
/// assert_eq!(p.get_int("port").unwrap(), 80);
/// assert_eq!(p.get_strs("hosts").unwrap(), ["a", "b"]);
/// ```
#[derive(Clone)]
#[doc(alias = "define")]
pub struct OptionDef {
    name: String,
    default: Value,
    ty: Option<OptionType>,
    help: Option<String>,
    metavar: Option<String>,
    multiple: bool,
    group: Option<String>,
    callback: Option<OptionCallback>,
}

impl fmt::Debug for OptionDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OptionDef")
            .field("name", &self.name)
            .field("default", &self.default)
            .field("ty", &self.ty)
            .field("multiple", &self.multiple)
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

impl OptionDef {
    /// An option called `name`, with no default, of type `str` unless a
    /// default or [`OptionDef::ty`] says otherwise.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            default: Value::None,
            ty: None,
            help: None,
            metavar: None,
            multiple: false,
            group: None,
            callback: None,
        }
    }

    /// The default value; without an explicit type, the option takes the
    /// default's type (Tornado's `default`).
    pub fn default(mut self, value: impl Into<Value>) -> Self {
        self.default = value.into();
        self
    }

    /// The type (Tornado's `type`).
    pub fn ty(mut self, ty: OptionType) -> Self {
        self.ty = Some(ty);
        self
    }

    /// The help text shown by `--help`.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The placeholder shown by `--help`, as in `--port=PORT`.
    pub fn metavar(mut self, metavar: impl Into<String>) -> Self {
        self.metavar = Some(metavar.into());
        self
    }

    /// Makes the value a list: comma-separated values on the command line,
    /// and inclusive `lo:hi` ranges for integers.
    pub fn multiple(mut self, multiple: bool) -> Self {
        self.multiple = multiple;
        self
    }

    /// The help group; by default the source file that called `define`.
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(group.into());
        self
    }

    /// A callback run with the new value whenever the option is set.
    pub fn callback<F>(mut self, callback: F) -> Self
    where
        F: Fn(&mut OptionParser, &Value) -> Result<(), OptionsError> + Send + Sync + 'static,
    {
        self.callback = Some(Arc::new(callback));
        self
    }
}

struct Opt {
    name: String,
    ty: OptionType,
    default: Value,
    value: Option<Value>,
    help: Option<String>,
    metavar: Option<String>,
    multiple: bool,
    file_name: String,
    group_name: String,
    callback: Option<OptionCallback>,
}

impl Opt {
    fn value(&self) -> &Value {
        self.value.as_ref().unwrap_or(&self.default)
    }

    fn type_name(&self) -> String {
        if self.multiple {
            format!("list of {}", self.ty.name())
        } else {
            self.ty.name().to_owned()
        }
    }
}

/// A collection of options with their values.
///
/// Mirrors Tornado's `tornado.options.OptionParser`. Names are matched
/// with `-` and `_` as the same character; the names given to `define` are
/// kept for listing. Every parser defines `help`. The process-wide parser
/// is reached through [`crate::options`] and the module-level functions.
pub struct OptionParser {
    options: Vec<Opt>,
    index: HashMap<String, usize>,
    parse_callbacks: Vec<ParseCallback>,
    max_multiple_values: usize,
    max_config_nesting: usize,
}

impl fmt::Debug for OptionParser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.options.iter().map(|o| (&o.name, o.value())))
            .finish()
    }
}

impl Default for OptionParser {
    fn default() -> Self {
        Self::new()
    }
}

fn normalize(name: &str) -> String {
    name.replace('_', "-")
}

impl OptionParser {
    /// A parser with only the built-in `help` option.
    pub fn new() -> Self {
        let mut p = Self {
            options: Vec::new(),
            index: HashMap::new(),
            parse_callbacks: Vec::new(),
            max_multiple_values: DEFAULT_MAX_MULTIPLE_VALUES,
            max_config_nesting: config::DEFAULT_MAX_NESTING,
        };
        let help = OptionDef::new("help")
            .ty(OptionType::Bool)
            .help("show this help information");
        p.insert(help, String::new());
        p
    }

    /// Sets the most values a `multiple` option may hold after range
    /// expansion (default [`DEFAULT_MAX_MULTIPLE_VALUES`]).
    pub fn set_max_multiple_values(&mut self, max: usize) {
        self.max_multiple_values = max;
    }

    /// Sets the deepest bracket nesting accepted in config files (default
    /// 200, Python's parser limit).
    pub fn set_max_config_nesting(&mut self, max: usize) {
        self.max_config_nesting = max;
    }

    /// Defines an option. The help group defaults to the source file of the
    /// caller. Defining a name twice is an error (with `-` and `_` equal).
    /// Mirrors `OptionParser.define(...)`.
    #[track_caller]
    pub fn define(&mut self, def: OptionDef) -> Result<(), OptionsError> {
        let file = std::panic::Location::caller().file().to_owned();
        self.define_in(def, file)
    }

    /// [`OptionParser::define`] with an explicit defining file (for
    /// wrappers that forward their caller's location).
    pub fn define_in(&mut self, def: OptionDef, file_name: String) -> Result<(), OptionsError> {
        let key = normalize(&def.name);
        if let Some(&i) = self.index.get(&key) {
            return Err(OptionsError::Redefined {
                name: key,
                defined_in: self.options[i].file_name.clone(),
            });
        }
        self.insert(def, file_name);
        Ok(())
    }

    fn insert(&mut self, def: OptionDef, file_name: String) {
        let ty = def.ty.unwrap_or_else(|| {
            if def.multiple {
                None
            } else {
                def.default.option_type()
            }
            .unwrap_or(OptionType::Str)
        });
        let default = match (def.multiple, def.default) {
            (true, Value::None) => Value::List(Vec::new()),
            (_, d) => d,
        };
        let group_name = def
            .group
            .filter(|g| !g.is_empty())
            .unwrap_or_else(|| file_name.clone());
        self.index.insert(normalize(&def.name), self.options.len());
        self.options.push(Opt {
            name: def.name,
            ty,
            default,
            value: None,
            help: def.help,
            metavar: def.metavar,
            multiple: def.multiple,
            file_name,
            group_name,
            callback: def.callback,
        });
    }

    fn find(&self, name: &str) -> Result<usize, OptionsError> {
        self.index
            .get(&normalize(name))
            .copied()
            .ok_or_else(|| OptionsError::Unknown {
                name: name.to_owned(),
            })
    }

    /// True when `name` is defined (`name in options`).
    #[doc(alias = "__contains__")]
    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(&normalize(name))
    }

    /// The current value of `name`: the last value set, else the default.
    /// Mirrors `options.name` / `options["name"]`.
    #[doc(alias = "__getattr__")]
    #[doc(alias = "__getitem__")]
    pub fn get(&self, name: &str) -> Result<&Value, OptionsError> {
        Ok(self.options[self.find(name)?].value())
    }

    fn typed<'a, T>(
        &'a self,
        name: &str,
        pick: impl Fn(&'a Value) -> Option<T>,
        what: &str,
    ) -> Result<T, OptionsError> {
        match self.get(name)? {
            Value::None => Err(OptionsError::Unset {
                name: name.to_owned(),
            }),
            v => pick(v).ok_or_else(|| OptionsError::WrongType {
                name: name.to_owned(),
                expected: what.to_owned(),
            }),
        }
    }

    /// The value of a `str` option.
    #[doc(alias = "__getattr__")]
    pub fn get_str(&self, name: &str) -> Result<&str, OptionsError> {
        self.typed(
            name,
            |v| {
                if let Value::Str(s) = v {
                    Some(s.as_str())
                } else {
                    None
                }
            },
            "str",
        )
    }

    /// The value of an `int` option.
    #[doc(alias = "__getattr__")]
    pub fn get_int(&self, name: &str) -> Result<i64, OptionsError> {
        self.typed(
            name,
            |v| {
                if let Value::Int(n) = v {
                    Some(*n)
                } else {
                    None
                }
            },
            "int",
        )
    }

    /// The value of a `float` option.
    pub fn get_float(&self, name: &str) -> Result<f64, OptionsError> {
        self.typed(
            name,
            |v| {
                if let Value::Float(x) = v {
                    Some(*x)
                } else {
                    None
                }
            },
            "float",
        )
    }

    /// The value of a `bool` option.
    pub fn get_bool(&self, name: &str) -> Result<bool, OptionsError> {
        self.typed(
            name,
            |v| {
                if let Value::Bool(b) = v {
                    Some(*b)
                } else {
                    None
                }
            },
            "bool",
        )
    }

    /// The value of a duration (`timedelta`) option.
    pub fn get_duration(&self, name: &str) -> Result<Duration, OptionsError> {
        self.typed(
            name,
            |v| {
                if let Value::Duration(d) = v {
                    Some(*d)
                } else {
                    None
                }
            },
            "timedelta",
        )
    }

    /// The value of a `datetime` option.
    pub fn get_datetime(&self, name: &str) -> Result<OptionDateTime, OptionsError> {
        self.typed(
            name,
            |v| {
                if let Value::DateTime(d) = v {
                    Some(*d)
                } else {
                    None
                }
            },
            "datetime",
        )
    }

    /// The values of a `multiple` option.
    pub fn get_list(&self, name: &str) -> Result<&[Value], OptionsError> {
        self.typed(
            name,
            |v| {
                if let Value::List(l) = v {
                    Some(l.as_slice())
                } else {
                    None
                }
            },
            "list",
        )
    }

    /// The values of a `multiple` `int` option.
    pub fn get_ints(&self, name: &str) -> Result<Vec<i64>, OptionsError> {
        let wrong = || OptionsError::WrongType {
            name: name.to_owned(),
            expected: "list of int".to_owned(),
        };
        self.get_list(name)?
            .iter()
            .map(|v| {
                if let Value::Int(n) = v {
                    Ok(*n)
                } else {
                    Err(wrong())
                }
            })
            .collect()
    }

    /// The values of a `multiple` `str` option.
    pub fn get_strs(&self, name: &str) -> Result<Vec<&str>, OptionsError> {
        let wrong = || OptionsError::WrongType {
            name: name.to_owned(),
            expected: "list of str".to_owned(),
        };
        self.get_list(name)?
            .iter()
            .map(|v| {
                if let Value::Str(s) = v {
                    Ok(s.as_str())
                } else {
                    Err(wrong())
                }
            })
            .collect()
    }

    /// Sets a typed value (no parsing from text): the value must have the
    /// option's type (`None` is allowed; a `multiple` option takes a list
    /// whose items have the type). Runs the option's callback. Mirrors
    /// `options.name = value`.
    #[doc(alias = "__setattr__")]
    #[doc(alias = "__setitem__")]
    pub fn set(&mut self, name: &str, value: impl Into<Value>) -> Result<(), OptionsError> {
        let i = self.find(name)?;
        let value = value.into();
        let opt = &self.options[i];
        let ok = if opt.multiple {
            matches!(&value, Value::List(items) if items.iter().all(|v| v.fits(opt.ty)))
        } else {
            value.fits(opt.ty)
        };
        if !ok {
            return Err(OptionsError::WrongType {
                name: opt.name.clone(),
                expected: opt.type_name(),
            });
        }
        self.store(i, value)
    }

    /// Sets `name` and returns the value it had, so that a test can put it
    /// back (the Rust counterpart of `mockable()` with `mock.patch`).
    #[doc(alias = "mockable")]
    pub fn replace(&mut self, name: &str, value: impl Into<Value>) -> Result<Value, OptionsError> {
        let old = self.get(name)?.clone();
        self.set(name, value)?;
        Ok(old)
    }

    fn store(&mut self, i: usize, value: Value) -> Result<(), OptionsError> {
        self.options[i].value = Some(value.clone());
        if let Some(cb) = self.options[i].callback.clone() {
            cb(self, &value)?;
        }
        Ok(())
    }

    /// Parses `text` as the value of `name`, as the command line does.
    #[doc(alias = "parse")]
    pub fn parse_value(&mut self, name: &str, text: &str) -> Result<(), OptionsError> {
        let i = self.find(name)?;
        let opt = &self.options[i];
        let bad = |reason: String| OptionsError::BadValue {
            name: opt.name.clone(),
            value: text.to_owned(),
            reason,
        };
        let value = if opt.multiple {
            Value::List(parse::parse_multiple(opt.ty, text, self.max_multiple_values).map_err(bad)?)
        } else {
            parse::parse_scalar(opt.ty, text).map_err(bad)?
        };
        self.store(i, value)
    }

    /// Parses command-line arguments and runs the parse callbacks. See
    /// [`OptionParser::parse_command_line_with`].
    pub fn parse_command_line<I, S>(&mut self, args: I) -> Result<Vec<String>, OptionsError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.parse_command_line_with(args, true)
    }

    /// Parses command-line arguments; `args[0]` (the program name) is
    /// skipped. Returns the arguments after the options.
    ///
    /// Options are `--name=value`, or `--name value` for options that are
    /// not booleans; a boolean given as `--name` alone is true. Any number
    /// of leading dashes is accepted and `-`/`_` are the same in names.
    /// Parsing stops at the first argument that does not start with `-`
    /// (it and the rest are returned) or after `--`. `--help` stops with
    /// [`OptionsError::HelpRequested`]. With `final`, the parse callbacks
    /// run at the end. Mirrors `parse_command_line(args, final)`.
    #[doc(alias = "parse_command_line")]
    pub fn parse_command_line_with<I, S>(
        &mut self,
        args: I,
        final_: bool,
    ) -> Result<Vec<String>, OptionsError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let args: Vec<String> = args
            .into_iter()
            .skip(1)
            .map(|s| s.as_ref().to_owned())
            .collect();
        let mut remaining = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            if !arg.starts_with('-') {
                remaining = args[i..].to_vec();
                break;
            }
            if arg == "--" {
                remaining = args[i + 1..].to_vec();
                break;
            }
            let body = arg.trim_start_matches('-');
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (body, None),
            };
            let idx =
                self.index
                    .get(&normalize(name))
                    .copied()
                    .ok_or_else(|| OptionsError::Unknown {
                        name: normalize(name),
                    })?;
            let value = match value {
                Some(v) => v,
                None if self.options[idx].ty == OptionType::Bool => "true".to_owned(),
                None => match args.get(i + 1) {
                    Some(next) => {
                        i += 1;
                        next.clone()
                    }
                    None => {
                        return Err(OptionsError::MissingValue {
                            name: normalize(name),
                        });
                    }
                },
            };
            self.parse_value(name, &value)?;
            if idx == 0 && self.get_bool("help").unwrap_or(false) {
                return Err(OptionsError::HelpRequested);
            }
            i += 1;
        }
        if final_ {
            self.run_parse_callbacks();
        }
        Ok(remaining)
    }

    /// Reads a config file and runs the parse callbacks. See
    /// [`OptionParser::parse_config_file_with`].
    pub fn parse_config_file(&mut self, path: impl AsRef<Path>) -> Result<(), OptionsError> {
        self.parse_config_file_with(path, true)
    }

    /// Reads a config file of `name = value` lines (Python literals; see
    /// the crate docs) and sets every defined option it names. Text values
    /// for options that are not `str` (or are `multiple`) are parsed as on
    /// the command line; other values must have the option's type. Names
    /// that are not options are ignored. `__file__` is the file's absolute
    /// path. Mirrors `parse_config_file(path, final)`.
    #[doc(alias = "parse_config_file")]
    pub fn parse_config_file_with(
        &mut self,
        path: impl AsRef<Path>,
        final_: bool,
    ) -> Result<(), OptionsError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| OptionsError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|_| OptionsError::Config {
            path: path.to_path_buf(),
            line: 1,
            message: "file is not valid utf-8".to_owned(),
        })?;
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        self.parse_config_text(&text, &absolute, final_)
    }

    /// [`OptionParser::parse_config_file_with`] on text already in memory;
    /// `path` is used for `__file__` and in error messages.
    #[doc(alias = "parse_config_file")]
    pub fn parse_config_text(
        &mut self,
        text: &str,
        path: &Path,
        final_: bool,
    ) -> Result<(), OptionsError> {
        let config_error = |line: usize, message: String| OptionsError::Config {
            path: path.to_path_buf(),
            line,
            message,
        };
        let file = path.to_string_lossy();
        let assignments = config::parse(text, &file, self.max_config_nesting)
            .map_err(|e| config_error(e.line, e.message))?;
        for a in assignments {
            let Ok(i) = self.find(&a.name) else { continue };
            let value = a.value.map_err(|m| config_error(a.line, m))?;
            let opt = &self.options[i];
            if opt.multiple && !matches!(value, Value::List(_) | Value::Str(_)) {
                return Err(OptionsError::WrongType {
                    name: opt.name.clone(),
                    expected: format!("list of {} or a comma-separated string", opt.ty.name()),
                });
            }
            match value {
                Value::Str(s) if opt.ty != OptionType::Str || opt.multiple => {
                    let name = opt.name.clone();
                    self.parse_value(&name, &s)?;
                }
                v => {
                    let name = opt.name.clone();
                    self.set(&name, v)?;
                }
            }
        }
        if final_ {
            self.run_parse_callbacks();
        }
        Ok(())
    }

    /// Adds a callback run after every final parse. Mirrors
    /// `add_parse_callback(callback)`.
    pub fn add_parse_callback(&mut self, callback: impl Fn(&OptionParser) + Send + Sync + 'static) {
        self.parse_callbacks.push(Arc::new(callback));
    }

    /// Runs the parse callbacks in the order they were added. Mirrors
    /// `run_parse_callbacks()`.
    pub fn run_parse_callbacks(&self) {
        for cb in &self.parse_callbacks {
            cb(self);
        }
    }

    /// The option names as defined, in definition order (`iter(options)`).
    #[doc(alias = "__iter__")]
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.options.iter().map(|o| o.name.as_str())
    }

    /// `(name, value)` pairs in definition order. Mirrors `items()`.
    pub fn items(&self) -> Vec<(&str, &Value)> {
        self.options
            .iter()
            .map(|o| (o.name.as_str(), o.value()))
            .collect()
    }

    /// Every option's value by name. Mirrors `as_dict()`.
    pub fn as_dict(&self) -> BTreeMap<String, Value> {
        self.options
            .iter()
            .map(|o| (o.name.clone(), o.value().clone()))
            .collect()
    }

    /// The help groups in use (a defining file, or an explicit group).
    /// Mirrors `groups()`.
    pub fn groups(&self) -> BTreeSet<String> {
        self.options.iter().map(|o| o.group_name.clone()).collect()
    }

    /// The names and values of the options in `group`; every option when
    /// `group` is empty. Mirrors `group_dict(group)`.
    pub fn group_dict(&self, group: &str) -> BTreeMap<String, Value> {
        self.options
            .iter()
            .filter(|o| group.is_empty() || o.group_name == group)
            .map(|o| (o.name.clone(), o.value().clone()))
            .collect()
    }

    /// Writes the help text: a usage line, then the options of each group
    /// (sorted by group, then by name) with their help and default. Mirrors
    /// `print_help(file)`.
    pub fn print_help(&self, program: &str, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "Usage: {program} [OPTIONS]")?;
        writeln!(out, "\nOptions:\n")?;
        let mut by_group: BTreeMap<&str, Vec<&Opt>> = BTreeMap::new();
        for o in &self.options {
            by_group.entry(o.group_name.as_str()).or_default().push(o);
        }
        for (group, mut opts) in by_group {
            if !group.is_empty() {
                writeln!(out, "\n{group} options:\n")?;
            }
            opts.sort_by(|a, b| a.name.cmp(&b.name));
            for o in opts {
                let mut prefix = normalize(&o.name);
                if let Some(m) = &o.metavar {
                    prefix = format!("{prefix}={m}");
                }
                let mut description = o.help.clone().unwrap_or_default();
                let default = o.default.to_string();
                if !matches!(&o.default, Value::None)
                    && !matches!(&o.default, Value::Str(s) if s.is_empty())
                {
                    description = format!("{description} (default {default})");
                }
                let mut lines = wrap(&description, 44);
                if prefix.chars().count() > 30 || lines.is_empty() {
                    lines.insert(0, String::new());
                }
                writeln!(out, "  --{prefix:<30} {}", lines[0])?;
                for line in &lines[1..] {
                    writeln!(out, "{:<34} {line}", " ")?;
                }
            }
        }
        writeln!(out)
    }

    /// The help text as a string (see [`OptionParser::print_help`]).
    #[doc(alias = "print_help")]
    pub fn help_text(&self, program: &str) -> String {
        let mut buf = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = self.print_help(program, &mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    }
}

/// Greedy word wrap to `width` columns, breaking words longer than the
/// width (Python's `textwrap.wrap` without hyphen breaking). White space
/// at the start of the text is kept, as `textwrap` keeps it.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    if text.trim().is_empty() {
        return lines;
    }
    let lead = text.chars().take_while(|c| c.is_whitespace()).count();
    let mut line = " ".repeat(lead);
    let mut line_len = lead;
    let mut has_word = false;
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let sep = usize::from(has_word);
            if line_len + sep + word.len() <= width {
                if has_word {
                    line.push(' ');
                }
                line.extend(word.iter());
                line_len += sep + word.len();
                has_word = true;
                break;
            }
            if word.len() > width && line_len + sep < width {
                // Break the long word to fill this line.
                let take = width - line_len - sep;
                if has_word {
                    line.push(' ');
                }
                line.extend(word[..take].iter());
                word.drain(..take);
            }
            lines.push(std::mem::take(&mut line));
            line_len = 0;
            has_word = false;
        }
    }
    if has_word {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrapping() {
        assert!(wrap("", 10).is_empty());
        assert_eq!(wrap(" (default 1)", 40), [" (default 1)"]);
        assert_eq!(wrap("a b c", 3), ["a b", "c"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("ab cdefgh", 4), ["ab c", "defg", "h"]);
    }
}
