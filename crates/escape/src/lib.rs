//! HTML, URL and JSON escaping, byte-compatible with Tornado's tornado.escape.
//!
//! Mirrors Python's `tornado.escape`.
