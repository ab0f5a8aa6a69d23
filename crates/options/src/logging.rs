//! The logging options that `tornado-log` reads (Tornado's
//! `define_logging_options`).

use crate::{OptionDef, OptionParser, OptionType, OptionsError};

/// Tornado's default for `--log_file_max_size`: 100,000,000 bytes.
pub const DEFAULT_LOG_FILE_MAX_SIZE: i64 = 100 * 1000 * 1000;
/// Tornado's default for `--log_file_num_backups`.
pub const DEFAULT_LOG_FILE_NUM_BACKUPS: i64 = 10;

/// Defines the logging options on `parser`: `logging` (`info`),
/// `log_to_stderr` (unset), `log_file_prefix` (unset),
/// `log_file_max_size` (100,000,000), `log_file_num_backups` (10),
/// `log_rotate_when` (`midnight`), `log_rotate_interval` (1) and
/// `log_rotate_mode` (`size`).
///
/// The process-wide parser has them from the start, as Tornado's global
/// `options` does; call this for a parser of your own. `tornado-log`'s
/// `enable_pretty_logging` reads them. Mirrors
/// `tornado.log.define_logging_options(options)`.
///
/// ```
/// let mut p = tornado_options::OptionParser::new();
/// tornado_options::define_logging_options(&mut p).unwrap();
/// p.parse_command_line(["prog", "--logging=debug"]).unwrap();
/// assert_eq!(p.get_str("logging").unwrap(), "debug");
/// assert_eq!(p.get_int("log_file_num_backups").unwrap(), 10);
/// ```
#[track_caller]
pub fn define_logging_options(parser: &mut OptionParser) -> Result<(), OptionsError> {
    let file = std::panic::Location::caller().file().to_owned();
    let defs = [
        OptionDef::new("logging")
            .default("info")
            .metavar("debug|info|warning|error|none")
            .help("Log level; 'none' leaves logging unconfigured."),
        OptionDef::new("log_to_stderr").ty(OptionType::Bool).help(
            "Write log lines to stderr (in colour on a terminal). Unset means: only when \
             no log file is configured.",
        ),
        OptionDef::new("log_file_prefix")
            .ty(OptionType::Str)
            .metavar("PATH")
            .help(
                "Write log lines to this file. Give each process its own path (for example \
             with the port in it).",
            ),
        OptionDef::new("log_file_max_size")
            .default(DEFAULT_LOG_FILE_MAX_SIZE)
            .help("Size in bytes at which a log file is rotated."),
        OptionDef::new("log_file_num_backups")
            .default(DEFAULT_LOG_FILE_NUM_BACKUPS)
            .help("How many rotated log files to keep."),
        OptionDef::new("log_rotate_when")
            .default("midnight")
            .help("Unit of the time-based rotation interval: S, M, H, D, midnight or W0-W6."),
        OptionDef::new("log_rotate_interval")
            .default(1)
            .help("How many units of log_rotate_when between time-based rotations."),
        OptionDef::new("log_rotate_mode")
            .default("size")
            .help("Rotate log files by 'size' or by 'time'."),
    ];
    for def in defs {
        parser.define_in(def, file.clone())?;
    }
    Ok(())
}
