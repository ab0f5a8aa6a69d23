//! Mirrors `tornado/test/log_test.py` (names kept), plus tests of rotation,
//! escaping and the access log.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use log::{Level, LevelFilter, Record};
use tornado_log::{
    AccessRecord, LogError, LogFormatter, PrettyLogger, RotateWhen, RotatingFile, Rotation,
    safe_unicode,
};
use tornado_options::{OptionParser, Value};

/// A fresh temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tornado-log-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// Formats an ERROR record with colours on, the way LogFormatterTest does,
/// and returns the message part after checking the prefix.
fn get_output(message: std::fmt::Arguments<'_>) -> String {
    let formatter = LogFormatter::new(true);
    let record = Record::builder()
        .level(Level::Error)
        .file(Some("tests/log_test.rs"))
        .line(Some(7))
        .args(message)
        .build();
    let line = formatter.format(&record, at(1_764_000_000));
    let prefix = "\x1b[2;31m[E 251124 16:00:00 log_test:7]\x1b[0m ";
    assert!(line.starts_with(prefix), "output didn't match: {line:?}");
    line[prefix.len()..].to_owned()
}

// LogFormatterTest

#[test]
fn test_basic_logging() {
    assert_eq!(get_output(format_args!("foo")), "foo");
}

#[test]
fn test_bytes_logging() {
    // Bytes that are not UTF-8 are shown as Python's repr.
    assert_eq!(
        get_output(format_args!("{}", safe_unicode(b"\xe9"))),
        "b'\\xe9'"
    );
}

#[test]
fn test_utf8_logging() {
    // Rust has no separate byte-string messages: UTF-8 bytes read as text.
    assert_eq!(
        get_output(format_args!("{}", safe_unicode("\u{e9}".as_bytes()))),
        "\u{e9}"
    );
}

#[test]
fn test_bytes_exception_logging() {
    let error = format!(
        "caught exception\nTraceback:\n  here\nException: {}",
        safe_unicode(b"\xe9")
    );
    let output = get_output(format_args!("{error}"));
    assert!(output.contains("Exception: b'\\xe9'"), "{output}");
    // Line breaks stay line breaks (indented), not "\n" escapes.
    assert!(!output.contains("\\n"), "{output}");
    assert_eq!(output.lines().count(), 4);
    assert!(output.lines().skip(1).all(|l| l.starts_with("    ")));
}

#[test]
fn test_unicode_logging() {
    assert_eq!(get_output(format_args!("\u{e9}")), "\u{e9}");
}

// EnablePrettyLoggingTest

fn logging_options() -> OptionParser {
    let mut options = OptionParser::new();
    tornado_options::define_logging_options(&mut options).unwrap();
    options
}

fn error_record(message: &str, f: impl FnOnce(&Record<'_>)) {
    f(&Record::builder()
        .level(Level::Error)
        .file(Some("src/app.rs"))
        .line(Some(3))
        .args(format_args!("{message}"))
        .build());
}

fn assert_hello_file(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.starts_with("[E "), "{text:?}");
    assert!(text.ends_with("] hello\n"), "{text:?}");
    assert!(!text.contains('\x1b'), "no colours in files: {text:?}");
}

#[test]
fn test_log_file() {
    let tmp = TempDir::new("file");
    let mut options = logging_options();
    options
        .set("log_file_prefix", tmp.0.join("test_log").to_str().unwrap())
        .unwrap();
    let logger = PrettyLogger::from_options(&options).unwrap().unwrap();
    assert!(logger.has_file());
    assert!(!logger.has_stderr());
    error_record("hello", |r| logger.log_at(r, at(1_000)));
    log::Log::flush(&logger);
    assert_eq!(tmp.files(), ["test_log"]);
    assert_hello_file(&tmp.0.join("test_log"));
}

#[test]
fn test_log_file_with_timed_rotating() {
    let tmp = TempDir::new("timed");
    let mut options = logging_options();
    options
        .set("log_file_prefix", tmp.0.join("test_log").to_str().unwrap())
        .unwrap();
    options.set("log_rotate_mode", "time").unwrap();
    let logger = PrettyLogger::from_options_at(&options, at(1_000))
        .unwrap()
        .unwrap();
    error_record("hello", |r| logger.log_at(r, at(1_001)));
    log::Log::flush(&logger);
    assert_eq!(tmp.files(), ["test_log"]);
    assert_hello_file(&tmp.0.join("test_log"));
}

#[test]
fn test_wrong_rotate_mode_value() {
    let mut options = logging_options();
    options.set("log_file_prefix", "some_path").unwrap();
    options.set("log_rotate_mode", "wrong_mode").unwrap();
    let err = PrettyLogger::from_options(&options).unwrap_err();
    assert!(matches!(err, LogError::BadRotateMode(ref m) if m == "wrong_mode"));
    assert_eq!(
        err.to_string(),
        "log_rotate_mode should be \"size\" or \"time\", not \"wrong_mode\""
    );
    assert!(!Path::new("some_path").exists());
}

// LoggingOptionTest: Tornado runs each case in a child Python process and
// looks for an INFO line; here the same option handling is checked on the
// logger `enable_pretty_logging` would install (`None` = logging left
// alone). The process-wide cases (`test_default`, `test_tornado_default`)
// are in `tests/logging_option_test.rs`, a process of their own.

fn logs_present(setup: impl FnOnce(&mut OptionParser), args: &[&str]) -> bool {
    let mut options = logging_options();
    setup(&mut options);
    let argv: Vec<&str> = std::iter::once("prog")
        .chain(args.iter().copied())
        .collect();
    options.parse_command_line_with(argv, false).unwrap();
    PrettyLogger::from_options(&options)
        .unwrap()
        .is_some_and(|l| l.level() >= LevelFilter::Info)
}

#[test]
fn test_disable_command_line() {
    assert!(!logs_present(|_| {}, &["--logging=none"]));
}

#[test]
fn test_disable_command_line_case_insensitive() {
    assert!(!logs_present(|_| {}, &["--logging=None"]));
}

#[test]
fn test_disable_code_string() {
    assert!(!logs_present(|o| o.set("logging", "none").unwrap(), &[]));
}

#[test]
fn test_disable_code_none() {
    assert!(!logs_present(
        |o| o.set("logging", Value::None).unwrap(),
        &[]
    ));
}

#[test]
fn test_disable_override() {
    // The command line wins over values set in code.
    assert!(logs_present(
        |o| o.set("logging", Value::None).unwrap(),
        &["--logging=info"]
    ));
}

// Beyond the Python suite.

#[test]
fn levels_from_options() {
    for (text, level) in [
        ("debug", LevelFilter::Debug),
        ("INFO", LevelFilter::Info),
        ("warning", LevelFilter::Warn),
        ("error", LevelFilter::Error),
        ("critical", LevelFilter::Error),
    ] {
        let mut options = logging_options();
        options.set("logging", text).unwrap();
        assert_eq!(
            PrettyLogger::from_options(&options)
                .unwrap()
                .unwrap()
                .level(),
            level,
            "{text}"
        );
    }
    let mut options = logging_options();
    options.set("logging", "loud").unwrap();
    assert!(matches!(
        PrettyLogger::from_options(&options),
        Err(LogError::BadLevel(_))
    ));
    // A parser without the logging options is an error, not a panic.
    assert!(matches!(
        PrettyLogger::from_options(&OptionParser::new()),
        Err(LogError::Options(_))
    ));
}

#[test]
fn file_and_stderr_together() {
    let tmp = TempDir::new("both");
    let mut options = logging_options();
    options
        .set("log_file_prefix", tmp.0.join("x.log").to_str().unwrap())
        .unwrap();
    options.set("log_to_stderr", true).unwrap();
    let logger = PrettyLogger::from_options(&options).unwrap().unwrap();
    assert!(logger.has_file() && logger.has_stderr());
    // Records below the level are dropped.
    let debug = Record::builder()
        .level(Level::Debug)
        .args(format_args!("quiet"))
        .build();
    logger.log_at(&debug, at(5));
    assert_eq!(std::fs::read_to_string(tmp.0.join("x.log")).unwrap(), "");
}

#[test]
fn size_rotation_keeps_numbered_backups() {
    let tmp = TempDir::new("size");
    let path = tmp.0.join("app.log");
    let mut f = RotatingFile::open(
        &path,
        Rotation::Size {
            max_bytes: 20,
            backups: 2,
        },
        at(0),
    )
    .unwrap();
    for i in 0..5 {
        f.write_line(&format!("line number {i}"), at(0)).unwrap();
    }
    f.flush().unwrap();
    assert_eq!(tmp.files(), ["app.log", "app.log.1", "app.log.2"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "line number 4\n");
    assert_eq!(
        std::fs::read_to_string(tmp.0.join("app.log.1")).unwrap(),
        "line number 3\n"
    );
    assert_eq!(
        std::fs::read_to_string(tmp.0.join("app.log.2")).unwrap(),
        "line number 2\n"
    );
}

#[test]
fn size_rotation_with_zero_backups_never_rotates() {
    let tmp = TempDir::new("size0");
    let path = tmp.0.join("app.log");
    let mut f = RotatingFile::open(
        &path,
        Rotation::Size {
            max_bytes: 5,
            backups: 0,
        },
        at(0),
    )
    .unwrap();
    for _ in 0..3 {
        f.write_line("0123456789", at(0)).unwrap();
    }
    assert_eq!(tmp.files(), ["app.log"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap().len(), 33);
}

#[test]
fn time_rotation_uses_the_given_clock() {
    let tmp = TempDir::new("time");
    let path = tmp.0.join("app.log");
    let hour = Rotation::Time {
        when: RotateWhen::Hours,
        interval: 1,
        backups: 2,
    };
    let start = 1_764_000_000; // 2025-11-24 16:00:00 UTC
    let mut f = RotatingFile::open(&path, hour, at(start)).unwrap();
    f.write_line("a", at(start + 10)).unwrap();
    f.write_line("b", at(start + 3600)).unwrap();
    f.write_line("c", at(start + 3 * 3600 + 5)).unwrap();
    f.write_line("d", at(start + 4 * 3600 + 5)).unwrap();
    f.flush().unwrap();
    // Three rotations happened; only two backups are kept.
    assert_eq!(
        tmp.files(),
        ["app.log", "app.log.2025-11-24_17", "app.log.2025-11-24_19"]
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "d\n");
    assert_eq!(
        std::fs::read_to_string(tmp.0.join("app.log.2025-11-24_19")).unwrap(),
        "c\n"
    );
}

#[test]
fn midnight_rotation() {
    let tmp = TempDir::new("midnight");
    let path = tmp.0.join("app.log");
    let midnight = Rotation::Time {
        when: RotateWhen::Midnight,
        interval: 1,
        backups: 0,
    };
    let start = 1_764_000_000; // 16:00 UTC
    let mut f = RotatingFile::open(&path, midnight, at(start)).unwrap();
    f.write_line("today", at(start + 7 * 3600)).unwrap(); // 23:00
    f.write_line("tomorrow", at(start + 8 * 3600 + 1)).unwrap(); // 00:00:01
    assert_eq!(tmp.files(), ["app.log", "app.log.2025-11-24"]);
}

#[test]
fn rotate_when_names() {
    assert_eq!(RotateWhen::parse("midnight").unwrap(), RotateWhen::Midnight);
    assert_eq!(RotateWhen::parse("w6").unwrap(), RotateWhen::Weekday(6));
    assert_eq!(RotateWhen::parse("S").unwrap(), RotateWhen::Seconds);
    assert!(RotateWhen::parse("W7").is_err());
    assert!(RotateWhen::parse("fortnight").is_err());
    let mut options = logging_options();
    options.set("log_file_prefix", "unused_path").unwrap();
    options.set("log_rotate_mode", "time").unwrap();
    options.set("log_rotate_when", "yearly").unwrap();
    assert!(matches!(
        PrettyLogger::from_options(&options),
        Err(LogError::BadRotateWhen(_))
    ));
    assert!(!Path::new("unused_path").exists());
}

#[test]
fn control_characters_are_escaped() {
    let output = get_output(format_args!("GET /\x1b]0;pwned\x07 \r done \u{202e}x"));
    assert_eq!(output, "GET /\\x1b]0;pwned\\x07 \\x0d done \\u202ex");
}

#[test]
fn no_colour_without_a_terminal() {
    let f = LogFormatter::new(false);
    let r = Record::builder()
        .level(Level::Warn)
        .module_path(Some("app::handlers"))
        .args(format_args!("x"))
        .build();
    assert_eq!(f.format(&r, at(0)), "[W 700101 00:00:00 handlers:0] x");
    let custom = LogFormatter::new(true)
        .with_color(Level::Warn, 6)
        .utc_offset(3600);
    assert_eq!(
        custom.format(&r, at(0)),
        "\x1b[2;36m[W 700101 01:00:00 handlers:0]\x1b[0m x"
    );
}

#[test]
fn access_log_lines() {
    let r = AccessRecord::new(200, "GET", "/path", "127.0.0.1", Duration::from_micros(520));
    assert_eq!(r.to_string(), "200 GET /path (127.0.0.1) 0.52ms");
    assert_eq!(r.level(), Level::Info);
    assert_eq!(
        AccessRecord::new(302, "GET", "/", "::1", Duration::ZERO).level(),
        Level::Info
    );
    assert_eq!(
        AccessRecord::new(499, "GET", "/", "::1", Duration::ZERO).level(),
        Level::Warn
    );
    assert_eq!(
        AccessRecord::new(500, "GET", "/", "::1", Duration::ZERO).level(),
        Level::Error
    );
    let slow = AccessRecord::new(
        201,
        "POST",
        "/a?b=c",
        "10.0.0.2",
        Duration::from_millis(1234),
    );
    assert_eq!(slow.to_string(), "201 POST /a?b=c (10.0.0.2) 1234.00ms");
    assert_eq!(tornado_log::ACCESS_LOG, "tornado.access");
    assert_eq!(tornado_log::APP_LOG, "tornado.application");
    assert_eq!(tornado_log::GEN_LOG, "tornado.general");
}
