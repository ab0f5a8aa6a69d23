//! One HTTP/1.x engine over [`tornado_iostream::IoStream`]: request heads
//! parsed in place with httparse under the strict rules of SECURITY.md,
//! bodies by Content-Length or chunked (optionally gunzipped, limit on the
//! decompressed size), keep-alive and pipelining, `100-continue`, and
//! response framing that refuses to corrupt the stream.
//!
//! This crate mirrors Python's `tornado.http1connection`. The server role
//! is [`serve_connection`]: a straight-line `async` loop over the requests
//! of one connection, calling an [`HttpServerConnectionDelegate`] for each.
//!
//! ```
//! use bytes::Bytes;
//! use tornado_http1connection::{
//!     ConnectionInfo, Http1ConnectionParameters, HttpMessageDelegate,
//!     HttpServerConnectionDelegate, RequestHead, ResponseWriter, Result, serve_connection,
//! };
//! use tornado_ioloop::IoLoop;
//! use tornado_iostream::IoStream;
//!
//! struct Hello;
//! impl HttpMessageDelegate for Hello {
//!     async fn headers_received(&mut self, _: &RequestHead, _: &mut ResponseWriter) -> Result<()> { Ok(()) }
//!     async fn data_received(&mut self, _: Bytes, _: &mut ResponseWriter) -> Result<()> { Ok(()) }
//!     async fn finish(&mut self, _: &RequestHead, w: &mut ResponseWriter) -> Result<()> {
//!         w.respond(200, [("Content-Type", "text/plain")], b"Hello, world")
//!     }
//! }
//! struct App;
//! impl HttpServerConnectionDelegate for App {
//!     type Message = Hello;
//!     fn start_request(&self, _: &ConnectionInfo) -> Hello { Hello }
//! }
//!
//! let ioloop = IoLoop::new()?;
//! let reply = ioloop.run_sync(async {
//!     let (client, server) = mio::net::UnixStream::pair()?;
//!     let (client, server) = (IoStream::unix(client)?, IoStream::unix(server)?);
//!     let info = ConnectionInfo::new(None, "http");
//!     let params = Http1ConnectionParameters::default();
//!     tornado_ioloop::spawn(async move { serve_connection(server, &params, &App, &info).await });
//!     client.write(&b"GET / HTTP/1.0\r\n\r\n"[..]).await?;
//!     Ok::<_, Box<dyn std::error::Error>>(client.read_until_close().await?)
//! }, None)??;
//! assert!(reply.starts_with(b"HTTP/1.1 200 OK\r\n"));
//! assert!(reply.ends_with(b"\r\n\r\nHello, world"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bounded;
mod chunk;
mod client;
mod error;
mod head;
mod params;
mod response;
mod server;

pub use client::{Http1ClientConnection, MAX_1XX_RESPONSES, RequestBodyWriter, ResponseHead};
pub use error::{Error, ErrorKind, Result};
pub use head::{BodyFraming, RequestHead, Version};
pub use params::Http1ConnectionParameters;
pub use response::{ResponseWriter, reason_phrase};
pub use server::{
    ConnectionInfo, ConnectionState, HttpMessageDelegate, HttpServerConnectionDelegate,
    serve_connection, serve_connection_with,
};
