//! Command-line and config-file options.
//!
//! Mirrors Python's `tornado.options`: options are defined once (name,
//! default, type, help, metavar, `multiple`, group, callback), then filled
//! from the command line (`--port=80`, `--port 80`, `--debug`,
//! `--hosts=a,b`, `--ports=8000:8003`) and from config files of
//! `name = value` lines. Types are text, integers, floats, booleans,
//! durations (`"1h 30m"`, `"45s"`) and date-times.
//!
//! An [`OptionParser`] is a plain value; the module-level functions
//! ([`define`], [`parse_command_line`], [`options`], …) work on one
//! process-wide parser behind a mutex, which also holds the logging
//! options (`--logging`, `--log_file_prefix`, …) as Tornado's does.
//!
//! ```
//! use tornado_options::{OptionDef, OptionParser, OptionType};
//!
//! let mut p = OptionParser::new();
//! p.define(OptionDef::new("port").default(8888).help("run on the given port")).unwrap();
//! p.define(OptionDef::new("debug").default(false)).unwrap();
//! p.define(OptionDef::new("timeout").ty(OptionType::Duration)).unwrap();
//! let rest = p.parse_command_line(["app", "--port", "80", "--debug", "--timeout=1m 30s", "serve"]).unwrap();
//! assert_eq!(rest, ["serve"]);
//! assert_eq!(p.get_int("port").unwrap(), 80);
//! assert!(p.get_bool("debug").unwrap());
//! assert_eq!(p.get_duration("timeout").unwrap().as_secs(), 90);
//! assert!(p.parse_command_line(["app", "--nope=1"]).is_err());
//! ```
//!
//! Config files hold Python literals, a safe subset of Tornado's "execute
//! the file as Python": numbers, strings (with escapes, adjacent literals
//! joined), `True`, `False`, `None`, lists, `datetime(...)` and
//! `timedelta(...)` calls and `__file__`; `import` lines and comments are
//! skipped.
//!
//! ```text
//! port = 443
//! hosts = ['cache1:11011', 'cache2:11011']
//! started = datetime(2013, 4, 28, 5, 16)
//! ```

mod config;
mod error;
mod logging;
mod parse;
mod parser;
mod value;

use std::path::Path;
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};

pub use crate::error::OptionsError;
pub use crate::logging::{
    DEFAULT_LOG_FILE_MAX_SIZE, DEFAULT_LOG_FILE_NUM_BACKUPS, define_logging_options,
};
pub use crate::parser::{
    DEFAULT_MAX_MULTIPLE_VALUES, OptionCallback, OptionDef, OptionParser, ParseCallback,
};
pub use crate::value::{OptionDateTime, OptionType, Value};

static GLOBAL: LazyLock<Mutex<OptionParser>> = LazyLock::new(|| {
    let mut p = OptionParser::new();
    // Cannot fail: the names are fresh in a new parser.
    let _ = define_logging_options(&mut p);
    Mutex::new(p)
});

/// The process-wide parser, locked. Mirrors `tornado.options.options`.
///
/// Do not hold the guard while calling the other module-level functions
/// of this crate (they lock it too); option and parse callbacks receive
/// the parser as an argument for this reason.
///
/// ```
/// assert_eq!(tornado_options::options().get_str("logging").unwrap(), "info");
/// ```
pub fn options() -> MutexGuard<'static, OptionParser> {
    // Every update leaves the parser consistent, so a panic elsewhere does
    // not make it unusable.
    GLOBAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Defines an option on the process-wide parser. Mirrors
/// `tornado.options.define(...)`.
#[track_caller]
pub fn define(def: OptionDef) -> Result<(), OptionsError> {
    let file = std::panic::Location::caller().file().to_owned();
    options().define_in(def, file)
}

/// Parses the process's arguments into the process-wide parser and runs
/// the parse callbacks; returns the arguments after the options.
///
/// As in Tornado, `--help` prints the help to stderr and exits with status
/// 0, and an unknown option prints the help before the error is returned.
pub fn parse_command_line() -> Result<Vec<String>, OptionsError> {
    let args: Vec<String> = std::env::args().collect();
    let result = parse_command_line_from(&args);
    let program = args.first().map_or("", String::as_str);
    match &result {
        Err(OptionsError::HelpRequested) => {
            print_help_to(program);
            std::process::exit(0);
        }
        Err(OptionsError::Unknown { .. }) => print_help_to(program),
        _ => {}
    }
    result
}

fn print_help_to(program: &str) {
    let text = options().help_text(program);
    eprint!("{text}");
}

/// Parses `args` (with the program name first) into the process-wide
/// parser; `--help` is returned as [`OptionsError::HelpRequested`].
pub fn parse_command_line_from<I, S>(args: I) -> Result<Vec<String>, OptionsError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    options().parse_command_line(args)
}

/// Reads a config file into the process-wide parser. Mirrors
/// `tornado.options.parse_config_file(path)`.
pub fn parse_config_file(path: impl AsRef<Path>) -> Result<(), OptionsError> {
    options().parse_config_file(path)
}

/// Prints the process-wide help to stderr. Mirrors
/// `tornado.options.print_help()`.
pub fn print_help() {
    let program = std::env::args().next().unwrap_or_default();
    print_help_to(&program);
}

/// Adds a parse callback to the process-wide parser. Mirrors
/// `tornado.options.add_parse_callback(callback)`.
pub fn add_parse_callback(callback: impl Fn(&OptionParser) + Send + Sync + 'static) {
    options().add_parse_callback(callback);
}
