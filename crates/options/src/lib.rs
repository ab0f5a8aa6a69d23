//! Command-line and config-file options, as tornado.options.
//!
//! Mirrors Python's `tornado.options`.
