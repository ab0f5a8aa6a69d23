//! Tornado's template language, byte-compatible with tornado.template.
//!
//! Mirrors Python's `tornado.template`.
