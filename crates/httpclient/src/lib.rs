//! A non-blocking HTTP/1.1 client on [`tornado_ioloop`]: keep-alive
//! connection reuse, a FIFO queue under `max_clients`, redirects that never
//! carry credentials to another origin, streamed uploads and downloads,
//! gzip/deflate responses bounded after decompression, TLS, and HTTP
//! proxies (plain and `CONNECT` tunnels).
//!
//! This crate mirrors Python's `tornado.httpclient` with the behaviour of
//! `tornado.simple_httpclient`: [`AsyncHttpClient`] is `AsyncHTTPClient`,
//! [`HttpRequest`] and [`HttpResponse`] keep Tornado's fields and defaults,
//! [`HttpClientError`] is `HTTPClientError` (code 599 when no response
//! arrived), and [`HttpClient`] is the blocking `HTTPClient`. The HTTP/1
//! framing is the client role of `tornado-http1connection`
//! ([`Http1ClientConnection`](tornado_http1connection::Http1ClientConnection)).
//!
//! # What it does beyond Tornado's simple client
//!
//! - Keep-alive connection reuse per origin and TLS/proxy settings, with
//!   an idle timeout, a cap per host and a safe retry of idempotent
//!   requests whose pooled connection died unanswered (Tornado #324).
//! - HTTP proxies: plain, and `CONNECT` tunnels for `https` (Tornado
//!   #1266, curl-only there); Digest authentication.
//! - [`AsyncHttpClient::fetch_stream`]: the body as an async stream of
//!   pieces, read at the caller's pace.
//! - `deflate` responses besides `gzip`, with `max_body_size` measured
//!   after decompression.
//!
//! The differences from Tornado are listed in `docs/deviations.md`.
//!
//! # Thread model
//!
//! A client lives on its thread's loop and is `!Send`; clones share it.
//! [`AsyncHttpClient::instance`] is the thread's shared client.
//!
//! # Example
//!
//! ```
//! use tornado_httpclient::{AsyncHttpClient, HttpRequest};
//! use tornado_httpserver::{FnHandler, HttpServer, Request, Response};
//! use tornado_ioloop::IoLoop;
//!
//! let ioloop = IoLoop::new()?;
//! let server = HttpServer::handler(FnHandler(|request: Request| {
//!     let body = request.body.clone();
//!     async move { Response::new(200).header("Content-Type", "text/plain").body(body) }
//! }));
//! let port = server.listen(0, Some("127.0.0.1"))?[0].port();
//! let client = AsyncHttpClient::new();
//! let response = ioloop.run_sync(async {
//!     let request = HttpRequest::new(format!("http://127.0.0.1:{port}/echo"))
//!         .method("POST")
//!         .body("ping");
//!     client.fetch(request).await
//! }, None)??;
//! assert_eq!(response.code, 200);
//! assert_eq!(response.text(), Some("ping"));
//! // A status outside 200-299 is an error carrying the response.
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod blocking;
mod client;
mod digest;
mod error;
mod exchange;
mod pool;
mod request;
mod response;
mod stream;
mod url;

pub use blocking::HttpClient;
pub use client::{AsyncHttpClient, ClientOptions};
pub use error::{ErrorKind, HttpClientError, Result};
pub use request::{
    AuthMode, BodyFuture, BodyProducer, BodyWriter, DEFAULT_USER_AGENT, HeaderCallback,
    HttpRequest, StreamingCallback,
};
pub use response::{HttpResponse, TimeInfo};
pub use stream::ResponseStream;
