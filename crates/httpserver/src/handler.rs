//! The simple ways to answer requests: a [`Handler`] trait and closures.

use std::future::Future;
use std::net::SocketAddr;

use bytes::{Bytes, BytesMut};
use tornado_http1connection::{
    ConnectionInfo, HttpMessageDelegate, RequestHead, ResponseWriter, Result,
};
use tornado_httputil::{HttpInputError, HttpServerRequest, ParseBodyConfig};

/// A whole request, as a [`Handler`] sees it: the head, the body, and the
/// client's address and protocol (after `xheaders`, when enabled).
///
/// Counterpart of the `tornado.httputil.HTTPServerRequest` that Tornado
/// passes to a `request_callback`, in a lighter, borrowed form;
/// [`to_server_request`](Self::to_server_request) builds the full one.
#[derive(Debug, Clone)]
#[doc(alias = "HTTPServerRequest")]
pub struct Request<'a> {
    /// The parsed head (borrowed from the connection, which reuses its
    /// storage for the next request).
    pub head: &'a RequestHead,
    /// The body, decompressed when the server decompresses.
    pub body: Bytes,
    /// The peer's address (`None` on a Unix socket).
    pub remote_addr: Option<SocketAddr>,
    /// The client IP a trusted proxy reported (`xheaders`).
    pub forwarded_ip: Option<String>,
    /// `"http"` or `"https"` (`HTTPServerRequest.protocol`).
    pub protocol: &'static str,
    /// True when the server gunzipped the body (`decompress_request`):
    /// [`to_server_request`](Self::to_server_request) then renames
    /// `Content-Encoding` to `X-Consumed-Content-Encoding`, as Tornado does,
    /// so that the body is parsed as the plain bytes it now is.
    pub decompressed: bool,
}

impl Request<'_> {
    /// The client's IP (`HTTPServerRequest.remote_ip`): the proxy's report
    /// under `xheaders`, else the peer address. Formatted on demand, so a
    /// handler that never asks pays nothing.
    pub fn remote_ip(&self) -> Option<String> {
        self.forwarded_ip
            .clone()
            .or_else(|| self.remote_addr.map(|a| a.ip().to_string()))
    }

    /// Tornado's `HTTPServerRequest` for this request, with the query
    /// string parsed (and the body, with
    /// [`HttpServerRequest::parse_body`]).
    pub fn to_server_request(&self) -> std::result::Result<HttpServerRequest, HttpInputError> {
        let mut headers = self.head.to_http_headers();
        if self.decompressed {
            if let Some(encoding) = headers.get("Content-Encoding").map(|v| v.into_owned()) {
                headers.remove("Content-Encoding");
                // The value passed the same checks as a request header.
                let _ = headers.add("X-Consumed-Content-Encoding", &encoding);
            }
        }
        let mut request = HttpServerRequest::with_config(
            self.head.start_line(),
            headers,
            self.body.to_vec(),
            &ParseBodyConfig::default(),
        )?;
        request.set_connection_info(self.remote_ip(), self.protocol);
        Ok(request)
    }
}

/// Answers requests one at a time: the simple counterpart of Tornado's
/// `HTTPServer(callback)`. The whole body is read before `handle` runs;
/// `handle` writes the response through the writer and must finish it.
///
/// Implement it on a struct for the cheapest path (no allocation per
/// request beyond the response), or use [`FnHandler`] for a closure.
///
/// Counterpart of the callable `request_callback` argument of Tornado's
/// `HTTPServer` (the form that takes an `HTTPServerRequest`).
#[allow(async_fn_in_trait)]
#[doc(alias = "request_callback")]
pub trait Handler {
    /// Answers one request.
    async fn handle(&self, request: &Request<'_>, response: &mut ResponseWriter) -> Result<()>;
}

/// The message delegate that buffers a body for a [`Handler`].
#[derive(Debug)]
pub struct HandlerMessage<H> {
    handler: std::rc::Rc<H>,
    body: BytesMut,
    remote_addr: Option<SocketAddr>,
    protocol: &'static str,
    /// Boxed `str`, not `String`: a request's state lives in its
    /// connection's future, whose size every idle connection pays.
    forwarded_ip: Option<Box<str>>,
    decompress: bool,
}

impl<H> HandlerMessage<H> {
    /// `info` is the request's context, after `xheaders` when enabled.
    pub(crate) fn new(handler: std::rc::Rc<H>, info: &ConnectionInfo, decompress: bool) -> Self {
        HandlerMessage {
            handler,
            body: BytesMut::new(),
            remote_addr: info.remote_addr,
            protocol: info.protocol,
            forwarded_ip: info.forwarded_ip.as_deref().map(Box::from),
            decompress,
        }
    }
}

impl<H: Handler> HttpMessageDelegate for HandlerMessage<H> {
    async fn headers_received(&mut self, _: &RequestHead, _: &mut ResponseWriter) -> Result<()> {
        Ok(())
    }

    async fn data_received(&mut self, chunk: Bytes, _: &mut ResponseWriter) -> Result<()> {
        self.body.extend_from_slice(&chunk);
        Ok(())
    }

    async fn finish(&mut self, head: &RequestHead, response: &mut ResponseWriter) -> Result<()> {
        let request = Request {
            head,
            body: std::mem::take(&mut self.body).freeze(),
            remote_addr: self.remote_addr,
            forwarded_ip: self.forwarded_ip.take().map(String::from),
            protocol: self.protocol,
            decompressed: self.decompress
                && head
                    .header("Content-Encoding")
                    .is_some_and(|v| v.trim_ascii().eq_ignore_ascii_case(b"gzip")),
        };
        self.handler.handle(&request, response).await
    }
}

/// A response built as a value, for [`FnHandler`] closures.
///
/// No Tornado counterpart: a Tornado callback writes its response through
/// `request.connection` (`write_headers`, `write`, `finish`) instead of
/// returning one.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header lines in order.
    pub headers: Vec<(String, String)>,
    /// The body; a `Content-Length` is added.
    pub body: Bytes,
}

impl Response {
    /// A response with `status` and an empty body.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// Adds a header line.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }
}

/// A [`Handler`] from a closure that takes the request and returns a future
/// of a [`Response`]. The request borrows the connection, so take what the
/// future needs out of it first.
///
/// ```
/// use tornado_httpserver::{FnHandler, Request, Response};
///
/// let handler = FnHandler(|request: Request| {
///     let path = request.head.path().to_owned();
///     async move { Response::new(200).header("Content-Type", "text/plain").body(path) }
/// });
/// # let _ = handler;
/// ```
#[derive(Debug, Clone)]
pub struct FnHandler<F>(pub F);

impl<F, Fut> Handler for FnHandler<F>
where
    F: for<'a> Fn(Request<'a>) -> Fut,
    Fut: Future<Output = Response>,
{
    async fn handle(&self, request: &Request<'_>, response: &mut ResponseWriter) -> Result<()> {
        let answer = (self.0)(request.clone()).await;
        response.respond(
            answer.status,
            answer.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            &answer.body,
        )
    }
}
