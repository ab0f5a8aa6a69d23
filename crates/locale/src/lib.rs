//! Translations and locale-aware date formatting, as tornado.locale.
//!
//! Mirrors Python's `tornado.locale`.
