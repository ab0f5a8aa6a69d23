//! Tornado, rebuilt in Rust.
//!
//! This facade re-exports each layer of the workspace as a module named like
//! Tornado's Python module, so `tornado::ioloop::IoLoop` reads like
//! `tornado.ioloop.IOLoop`. Depend on the individual `tornado-*` crates
//! instead when you only need one layer.

pub use tornado_ioloop as ioloop;

