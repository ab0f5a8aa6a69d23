//! The process-wide part of `LoggingOptionTest` from
//! `tornado/test/log_test.py`: in its own test binary (its own process),
//! because it installs the process's logger.

use log::{Level, LevelFilter};

#[test]
fn test_tornado_default() {
    // test_default: before any parse, nothing is configured.
    assert_eq!(log::max_level(), LevelFilter::Off);
    assert!(!log::logger().enabled(&log::Metadata::builder().level(Level::Info).build()));

    // Parsing the command line enables Tornado's logging at INFO.
    tornado_log::install_parse_callback();
    tornado_options::parse_command_line_from(["prog"]).unwrap();
    assert_eq!(log::max_level(), LevelFilter::Info);
    assert!(
        log::logger().enabled(
            &log::Metadata::builder()
                .level(Level::Info)
                .target("tornado.general")
                .build()
        )
    );
    log::info!(target: tornado_log::GEN_LOG, "hello");

    // A later configuration replaces the first.
    tornado_options::parse_command_line_from(["prog", "--logging=error"]).unwrap();
    assert_eq!(log::max_level(), LevelFilter::Error);

    // `--logging=none` leaves the current configuration alone.
    tornado_options::parse_command_line_from(["prog", "--logging=none"]).unwrap();
    assert_eq!(log::max_level(), LevelFilter::Error);
}
