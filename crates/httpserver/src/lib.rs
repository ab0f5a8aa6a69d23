//! A non-blocking HTTP/1.1 server on [`tornado_ioloop`], strict about what
//! it accepts and frugal with CPU: Python's `tornado.httpserver`.
//!
//! [`HttpServer`] accepts connections (TCP, TLS, Unix sockets) and runs the
//! HTTP/1 engine of `tornado-http1connection` on each. Give it Tornado's
//! delegate interface ([`HttpServerConnectionDelegate`], what a web
//! application implements) or a simple [`Handler`]. It supports `xheaders`,
//! idle and body timeouts, `max_body_size`, `decompress_request`, and a
//! graceful [`shutdown`](HttpServer::shutdown). For several cores, run one
//! loop and server per thread with [`run_threads`].
//!
//! ```
//! use tornado_http1connection::{ResponseWriter, Result};
//! use tornado_httpserver::{Handler, HttpServer, Request};
//!
//! struct Hello;
//! impl Handler for Hello {
//!     async fn handle(&self, _: &Request<'_>, w: &mut ResponseWriter) -> Result<()> {
//!         w.respond(200, [("Content-Type", "text/plain")], b"Hello, world")
//!     }
//! }
//! let ioloop = tornado_ioloop::IoLoop::new()?;
//! let server = HttpServer::handler(Hello);
//! let addrs = server.listen(0, Some("127.0.0.1"))?;
//! assert_ne!(addrs[0].port(), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`HttpServerConnectionDelegate`]: tornado_http1connection::HttpServerConnectionDelegate

mod handler;
mod server;
mod threads;
mod xheaders;

pub use handler::{FnHandler, Handler, HandlerMessage, Request, Response};
pub use server::{HandlerDelegate, HttpServer, HttpServerOptions};
pub use threads::{ThreadGroup, run_threads, serve_threads};
pub use xheaders::XHeaders;

pub use tornado_http1connection as http1connection;
