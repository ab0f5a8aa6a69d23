//! Tornado's log format and log channels over the `log` crate.
//!
//! Mirrors Python's `tornado.log`:
//!
//! - three channels, as `log` targets: [`ACCESS_LOG`] (`tornado.access`,
//!   one line per request), [`APP_LOG`] (`tornado.application`, errors
//!   from application code) and [`GEN_LOG`] (`tornado.general`, everything
//!   else);
//! - [`LogFormatter`], Tornado's line format
//!   `[I 251124 16:00:00 module:42] message`, coloured by level on a
//!   terminal, with control characters escaped so that request data
//!   cannot drive the terminal;
//! - [`enable_pretty_logging`], which configures the process's logger from
//!   the logging options (`--logging`, `--log_file_prefix`,
//!   `--log_rotate_mode`, …; see [`tornado_options::define_logging_options`])
//!   with size- or time-based file rotation ([`RotatingFile`]);
//! - [`AccessRecord`], the access-log line the web layer writes
//!   (`200 GET /path (127.0.0.1) 0.52ms`, level by status class).
//!
//! ```
//! use tornado_options::OptionParser;
//!
//! let mut options = OptionParser::new();
//! tornado_log::define_logging_options(&mut options).unwrap();
//! options.parse_command_line_with(["app", "--logging=warning"], false).unwrap();
//! let logger = tornado_log::PrettyLogger::from_options(&options).unwrap().unwrap();
//! assert_eq!(logger.level(), log::LevelFilter::Warn);
//! assert!(logger.has_stderr() && !logger.has_file());
//!
//! // `--logging=none` leaves logging alone.
//! options.parse_command_line_with(["app", "--logging=none"], false).unwrap();
//! assert!(tornado_log::PrettyLogger::from_options(&options).unwrap().is_none());
//!
//! log::warn!(target: tornado_log::GEN_LOG, "goes nowhere until a logger is installed");
//! ```
//!
//! Thread model: the installed logger is shared by all threads; writes to
//! the log file are serialised by a mutex.

mod access;
mod error;
mod format;
mod pretty;
mod rotate;

pub use crate::access::AccessRecord;
pub use crate::error::LogError;
pub use crate::format::{
    DEFAULT_COLORS, LogFormatter, escape_control, safe_unicode, stderr_supports_color,
};
pub use crate::pretty::{
    PrettyLogger, define_logging_options, enable_pretty_logging, install_parse_callback,
};
pub use crate::rotate::{RotateWhen, RotatingFile, Rotation};

/// The access-log channel: one line per finished request. Mirrors
/// `tornado.log.access_log` (logger `"tornado.access"`).
#[doc(alias = "access_log")]
pub const ACCESS_LOG: &str = "tornado.access";

/// The application channel: uncaught errors from handlers and callbacks.
/// Mirrors `tornado.log.app_log` (logger `"tornado.application"`).
#[doc(alias = "app_log")]
pub const APP_LOG: &str = "tornado.application";

/// The general channel: everything else Tornado reports (bad requests,
/// timeouts, configuration). Mirrors `tornado.log.gen_log` (logger
/// `"tornado.general"`).
#[doc(alias = "gen_log")]
pub const GEN_LOG: &str = "tornado.general";
