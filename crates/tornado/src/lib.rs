//! Tornado, rebuilt in Rust.
//!
//! This facade re-exports each layer of the workspace as a module named like
//! Tornado's Python module, so `tornado::ioloop::IoLoop` reads like
//! `tornado.ioloop.IOLoop`. Depend on the individual `tornado-*` crates
//! instead when you only need one layer.
//!
//! | module | crate | Tornado module |
//! |---|---|---|
//! | [`util`] | `tornado-util` | `tornado.util` |
//! | [`escape`] | `tornado-escape` | `tornado.escape` |
//! | [`httputil`] | `tornado-httputil` | `tornado.httputil` |
//! | [`template`] | `tornado-template` | `tornado.template` |
//! | [`locale`] | `tornado-locale` | `tornado.locale` |
//! | [`options`] | `tornado-options` | `tornado.options` |
//! | [`log`] | `tornado-log` | `tornado.log` |
//! | [`ioloop`], `r#gen`, [`locks`], [`queues`] | `tornado-ioloop` | `tornado.ioloop`, `tornado.gen`, `tornado.locks`, `tornado.queues` |
//! | [`iostream`] | `tornado-iostream` | `tornado.iostream` |
//! | [`netutil`] | `tornado-netutil` | `tornado.netutil` |
//! | [`tcpserver`] | `tornado-tcpserver` | `tornado.tcpserver` |
//! | [`tcpclient`] | `tornado-tcpclient` | `tornado.tcpclient` |
//! | [`http1connection`] | `tornado-http1connection` | `tornado.http1connection` |
//! | [`httpserver`] | `tornado-httpserver` | `tornado.httpserver` |
//! | [`httpclient`] | `tornado-httpclient` | `tornado.httpclient` |
//!
//! `gen` is a reserved word in Rust 2024, so the module is `tornado::r#gen`
//! there (plain `tornado::gen` from crates on an older edition).
//!
//! ```
//! use tornado::ioloop::IoLoop;
//!
//! let ioloop = IoLoop::new()?;
//! let escaped = ioloop.run_sync(async { tornado::escape::xhtml_escape("<b>") }, None)?;
//! assert_eq!(escaped, "&lt;b&gt;");
//! # Ok::<(), tornado::ioloop::Error>(())
//! ```

pub use tornado_escape as escape;
pub use tornado_http1connection as http1connection;
pub use tornado_httpclient as httpclient;
pub use tornado_httpserver as httpserver;
pub use tornado_httputil as httputil;
pub use tornado_ioloop as ioloop;
pub use tornado_ioloop::{r#gen, locks, queues};
pub use tornado_iostream as iostream;
pub use tornado_locale as locale;
pub use tornado_log as log;
pub use tornado_netutil as netutil;
pub use tornado_options as options;
pub use tornado_tcpclient as tcpclient;
pub use tornado_tcpserver as tcpserver;
pub use tornado_template as template;
pub use tornado_util as util;
