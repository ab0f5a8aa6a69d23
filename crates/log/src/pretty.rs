//! `enable_pretty_logging`: a `log` logger configured from the logging
//! options.

use std::io::Write;
use std::sync::{Mutex, OnceLock, PoisonError, RwLock};
use std::time::SystemTime;

use log::{LevelFilter, Log, Metadata, Record};
use tornado_options::{OptionParser, OptionsError, Value};

use crate::LogError;
use crate::format::{LogFormatter, stderr_supports_color};
use crate::rotate::{RotateWhen, RotatingFile, Rotation};

/// A logger set up the way Tornado's `enable_pretty_logging` sets up the
/// root logger: a level, an optional rotating log file (no colours) and
/// stderr (coloured on a terminal).
///
/// [`enable_pretty_logging`] builds one from the options and installs it
/// as the process's `log` logger; build one yourself with
/// [`PrettyLogger::from_options`] to inspect or drive it directly.
#[derive(Debug)]
#[doc(alias = "enable_pretty_logging")]
pub struct PrettyLogger {
    level: LevelFilter,
    file: Option<Mutex<RotatingFile>>,
    file_formatter: LogFormatter,
    stderr: Option<LogFormatter>,
}

fn level_from(text: &str) -> Result<Option<LevelFilter>, LogError> {
    Ok(Some(match text.to_ascii_lowercase().as_str() {
        "none" => return Ok(None),
        "debug" => LevelFilter::Debug,
        "info" => LevelFilter::Info,
        "warning" | "warn" => LevelFilter::Warn,
        "error" | "critical" | "fatal" => LevelFilter::Error,
        "notset" => LevelFilter::Trace,
        _ => return Err(LogError::BadLevel(text.to_owned())),
    }))
}

fn positive(options: &OptionParser, name: &str) -> Result<u64, LogError> {
    let n = options.get_int(name)?;
    u64::try_from(n).map_err(|_| {
        LogError::Options(OptionsError::BadValue {
            name: name.to_owned(),
            value: n.to_string(),
            reason: "must not be negative".to_owned(),
        })
    })
}

impl PrettyLogger {
    /// Reads the logging options (see
    /// [`tornado_options::define_logging_options`]). `Ok(None)` when
    /// `--logging` is `none` (any case) or unset: Tornado then leaves
    /// logging alone. The log file, if any, is opened now.
    pub fn from_options(options: &OptionParser) -> Result<Option<Self>, LogError> {
        Self::from_options_at(options, SystemTime::now())
    }

    /// [`PrettyLogger::from_options`] with "now" given (the start of the
    /// first period of time-based rotation).
    pub fn from_options_at(
        options: &OptionParser,
        now: SystemTime,
    ) -> Result<Option<Self>, LogError> {
        let level = match options.get("logging")? {
            Value::None => return Ok(None),
            Value::Str(s) => match level_from(s)? {
                Some(level) => level,
                None => return Ok(None),
            },
            other => return Err(LogError::BadLevel(other.to_string())),
        };
        let mut file = None;
        if let Value::Str(prefix) = options.get("log_file_prefix")? {
            if !prefix.is_empty() {
                let mode = options.get_str("log_rotate_mode")?;
                let backups =
                    u32::try_from(positive(options, "log_file_num_backups")?).unwrap_or(u32::MAX);
                let rotation = match mode {
                    "size" => Rotation::Size {
                        max_bytes: positive(options, "log_file_max_size")?,
                        backups,
                    },
                    "time" => {
                        let when = RotateWhen::parse(options.get_str("log_rotate_when")?)?;
                        let interval = u32::try_from(positive(options, "log_rotate_interval")?)
                            .unwrap_or(u32::MAX);
                        if interval == 0 {
                            return Err(LogError::BadRotateWhen("interval 0".to_owned()));
                        }
                        Rotation::Time {
                            when,
                            interval,
                            backups,
                        }
                    }
                    other => return Err(LogError::BadRotateMode(other.to_owned())),
                };
                file = Some(Mutex::new(RotatingFile::open(prefix, rotation, now)?));
            }
        }
        let to_stderr = match options.get("log_to_stderr")? {
            Value::Bool(b) => *b,
            _ => file.is_none(),
        };
        Ok(Some(Self {
            level,
            file,
            file_formatter: LogFormatter::new(false),
            stderr: to_stderr.then(|| LogFormatter::new(stderr_supports_color())),
        }))
    }

    /// The most verbose level written.
    pub fn level(&self) -> LevelFilter {
        self.level
    }

    /// True when lines go to a log file.
    pub fn has_file(&self) -> bool {
        self.file.is_some()
    }

    /// True when lines go to stderr.
    pub fn has_stderr(&self) -> bool {
        self.stderr.is_some()
    }

    /// Writes `record` as logged at `time` (the [`Log::log`] entry point
    /// uses the current time). A failure to write the file is reported on
    /// stderr, since it cannot be logged.
    pub fn log_at(&self, record: &Record<'_>, time: SystemTime) {
        if record.level() > self.level {
            return;
        }
        if let Some(file) = &self.file {
            let line = self.file_formatter.format(record, time);
            let mut f = file.lock().unwrap_or_else(PoisonError::into_inner);
            if let Err(e) = f.write_line(&line, time) {
                let _ = writeln!(std::io::stderr(), "tornado-log: {e}");
            }
        }
        if let Some(formatter) = &self.stderr {
            let line = formatter.format(record, time);
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    }
}

impl Log for PrettyLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= self.level
    }

    fn log(&self, record: &Record<'_>) {
        self.log_at(record, SystemTime::now());
    }

    fn flush(&self) {
        if let Some(file) = &self.file {
            let _ = file.lock().unwrap_or_else(PoisonError::into_inner).flush();
        }
        let _ = std::io::stderr().flush();
    }
}

/// The installed configuration; the `log` crate's logger forwards to it,
/// so that a later `enable_pretty_logging` can replace it.
static ACTIVE: RwLock<Option<PrettyLogger>> = RwLock::new(None);
static INSTALLED: OnceLock<bool> = OnceLock::new();

#[derive(Debug)]
struct Forward;

impl Log for Forward {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        ACTIVE
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|l| l.enabled(metadata))
    }

    fn log(&self, record: &Record<'_>) {
        if let Some(l) = ACTIVE
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            l.log(record);
        }
    }

    fn flush(&self) {
        if let Some(l) = ACTIVE
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            l.flush();
        }
    }
}

static FORWARD: Forward = Forward;

/// Sets up logging from the logging options: the level from `--logging`
/// (nothing at all when it is `none`), a log file from `--log_file_prefix`
/// rotated by size or time, and stderr when `--log_to_stderr` is set or no
/// file is configured. Installs the result as the process's `log` logger
/// (replacing an earlier call's). Mirrors
/// `tornado.log.enable_pretty_logging(options)`.
///
/// Fails when the options are invalid (an unknown level, a rotate mode
/// other than `size`/`time`), the file cannot be opened, or a logger from
/// another crate is already installed.
pub fn enable_pretty_logging(options: &OptionParser) -> Result<(), LogError> {
    let Some(logger) = PrettyLogger::from_options(options)? else {
        return Ok(());
    };
    let installed = *INSTALLED.get_or_init(|| log::set_logger(&FORWARD).is_ok());
    if !installed {
        return Err(LogError::OtherLoggerInstalled);
    }
    log::set_max_level(logger.level());
    *ACTIVE.write().unwrap_or_else(PoisonError::into_inner) = Some(logger);
    Ok(())
}

/// Defines the logging options on `parser` and has every final parse call
/// [`enable_pretty_logging`] with it, as Tornado's `define_logging_options`
/// does. An error from that call is printed to stderr (a parse callback
/// cannot return it).
#[track_caller]
pub fn define_logging_options(parser: &mut OptionParser) -> Result<(), OptionsError> {
    tornado_options::define_logging_options(parser)?;
    parser.add_parse_callback(report_errors);
    Ok(())
}

/// Makes every final parse of the process-wide parser (which already has
/// the logging options) call [`enable_pretty_logging`], as importing
/// `tornado.options` does in Python.
pub fn install_parse_callback() {
    tornado_options::add_parse_callback(report_errors);
}

fn report_errors(parser: &OptionParser) {
    if let Err(e) = enable_pretty_logging(parser) {
        let _ = writeln!(std::io::stderr(), "tornado-log: {e}");
    }
}
