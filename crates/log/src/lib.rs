//! Tornado's log format and channels over the log crate, as tornado.log.
//!
//! Mirrors Python's `tornado.log`.
