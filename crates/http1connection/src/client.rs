//! The client role: writing a request and reading its response (the
//! `is_client=True` side of Tornado's `HTTP1Connection`).
//!
//! # Error kinds in the client role
//!
//! The server-side names read from the other end here:
//! [`ErrorKind::BadRequest`] means the *server* sent something that is not
//! valid HTTP/1.x (Tornado's `HTTPInputError`: a malformed head, bad
//! framing, more than ten `1xx` heads, an invalid gzip body);
//! [`ErrorKind::BadResponse`] means *we* broke the framing of our own
//! request (more or fewer body bytes than its `Content-Length`: Tornado's
//! `HTTPOutputError`); [`ErrorKind::HeadTooLarge`] and
//! [`ErrorKind::BodyTooLarge`] are the `max_header_size` and
//! `max_body_size` limits, the latter measured after decompression.
//!
//! # Timeouts
//!
//! The client role sets no timers of its own: Tornado's client bounds the
//! whole exchange with `request_timeout`, and so does ours, around these
//! calls.

use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::io::Write as _;
use std::mem::MaybeUninit;
use std::rc::Rc;

use bytes::{Bytes, BytesMut};
use tornado_httputil::{HttpHeaders, ResponseStartLine, is_token};
use tornado_iostream::IoStream;

use crate::bounded::read_until_bounded;
use crate::chunk::parse_chunk_line;
use crate::error::{Error, ErrorKind, Result};
use crate::head::{Version, trim};
use crate::params::Http1ConnectionParameters;
use crate::server::read_trailers;

/// The most informational (`1xx`) heads accepted before the final response
/// (Tornado's `_MAX_1XX_RESPONSES`); one more is an error.
#[doc(alias = "_MAX_1XX_RESPONSES")]
pub const MAX_1XX_RESPONSES: usize = 10;

/// A parsed response head: the status line and the headers
/// (`tornado.httputil.ResponseStartLine` plus `HTTPHeaders`).
///
/// When the connection decompresses the body, `Content-Encoding` has
/// already been renamed `X-Consumed-Content-Encoding` in
/// [`headers`](Self::headers), as Tornado's `_GzipMessageDelegate` does.
#[doc(alias = "ResponseStartLine")]
#[derive(Debug, Clone)]
pub struct ResponseHead {
    /// The version of the status line.
    pub version: Version,
    /// The status code.
    pub code: u16,
    /// The reason phrase (empty when the server sent none).
    pub reason: String,
    /// The header lines (obsolete line folding unfolded into spaces).
    pub headers: HttpHeaders,
    raw: Bytes,
    hints: Hints,
}

/// What the framing headers said, gathered while parsing so that framing
/// needs no header lookups.
#[derive(Debug, Clone, Copy, Default)]
struct Hints {
    /// `Content-Length`: every value agreed on this one.
    content_length: Option<u64>,
    /// A `Content-Length` that did not parse, or values that disagree.
    bad_length: Option<&'static str>,
    /// `Transfer-Encoding` lines, and whether the one line said `chunked`.
    transfer_encodings: u32,
    chunked: bool,
    close: bool,
    keep_alive: bool,
    /// `Content-Encoding` lines, and the coding of the one line.
    content_encodings: u32,
    coding: Option<Coding>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Gzip,
    Deflate,
}

impl ResponseHead {
    /// Tornado's `ResponseStartLine` of this head.
    pub fn start_line(&self) -> ResponseStartLine {
        ResponseStartLine {
            version: self.version.as_str().to_owned(),
            code: self.code,
            reason: Some(self.reason.clone()),
        }
    }

    /// True for an interim `1xx` head, which a final one follows. `101
    /// Switching Protocols` is not one: it ends the HTTP exchange, and the
    /// stream ([`Http1ClientConnection::into_stream`]) carries the new
    /// protocol.
    pub fn is_informational(&self) -> bool {
        (100..200).contains(&self.code) && self.code != 101
    }

    /// The head exactly as it arrived, status line through the blank line
    /// (what Tornado's `header_callback` is fed line by line).
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }
}

/// How much of the request body is still to be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outgoing {
    /// No request written yet on this exchange.
    Idle,
    /// A request without a body.
    Empty,
    /// `Content-Length` framing with this many bytes still owed.
    Length(u64),
    /// `Transfer-Encoding: chunked` framing.
    Chunked,
    /// The request is complete.
    Finished,
}

/// Writes the body of a request whose head went out with
/// [`Http1ClientConnection::write_request_head`], framed by the head's
/// `Content-Length` or as chunks (`HTTP1Connection.write` and `finish` on
/// the client side). Clones write to the same request, so a streamed
/// upload (Tornado's `body_producer`) can hold one.
///
/// Every write resolves once the bytes reached the kernel, which is the
/// back-pressure a producer needs.
#[doc(alias = "write")]
#[doc(alias = "finish")]
#[derive(Clone)]
pub struct RequestBodyWriter {
    stream: IoStream,
    state: Rc<Cell<Outgoing>>,
}

impl fmt::Debug for RequestBodyWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBodyWriter")
            .field("state", &self.state.get())
            .finish()
    }
}

impl RequestBodyWriter {
    /// Writes a piece of the body (`HTTP1Connection.write`). An empty piece
    /// writes nothing (it would end a chunked body). More bytes than the
    /// `Content-Length` promised is an [`ErrorKind::BadResponse`] error and
    /// nothing is written.
    pub async fn write(&self, chunk: impl Into<Bytes>) -> Result<()> {
        let chunk = chunk.into();
        if chunk.is_empty() {
            return Ok(());
        }
        let pending = match self.state.get() {
            Outgoing::Length(remaining) => {
                if chunk.len() as u64 > remaining {
                    return Err(Error::bad_response(
                        "request body larger than its Content-Length",
                    ));
                }
                self.state
                    .set(Outgoing::Length(remaining - chunk.len() as u64));
                self.stream.write(chunk)
            }
            Outgoing::Chunked => {
                let size = Bytes::from(format!("{:x}\r\n", chunk.len()));
                self.stream
                    .write_all([size, chunk, Bytes::from_static(b"\r\n")])
            }
            Outgoing::Empty => {
                return Err(Error::bad_response(
                    "request head declared no body (no Content-Length or chunked)",
                ));
            }
            Outgoing::Idle | Outgoing::Finished => {
                return Err(Error::bad_response("no request body is open"));
            }
        };
        pending.await?;
        Ok(())
    }

    /// Ends the body (`HTTP1Connection.finish`): the last chunk for a
    /// chunked body; for a `Content-Length` body, an
    /// [`ErrorKind::BadResponse`] error when bytes are still owed.
    pub async fn finish(&self) -> Result<()> {
        match self.state.get() {
            Outgoing::Length(0) | Outgoing::Empty => {
                self.state.set(Outgoing::Finished);
                Ok(())
            }
            Outgoing::Length(_) => Err(Error::bad_response(
                "request body shorter than its Content-Length",
            )),
            Outgoing::Chunked => {
                self.state.set(Outgoing::Finished);
                self.stream.write(Bytes::from_static(b"0\r\n\r\n")).await?;
                Ok(())
            }
            Outgoing::Finished => Ok(()),
            Outgoing::Idle => Err(Error::bad_response("no request body is open")),
        }
    }

    /// True once the body is complete.
    pub fn finished(&self) -> bool {
        self.state.get() == Outgoing::Finished
    }
}

/// How the response body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Length(u64),
    /// Chunked; the bytes left in the current chunk, and whether a chunk
    /// was read (so its CRLF comes next).
    Chunked {
        remaining: u64,
        after_chunk: bool,
    },
    /// Read until the server closes (HTTP/1.0 style).
    Close,
}

/// The state of reading a response.
enum Incoming {
    /// Waiting for a head (informational heads keep it here).
    Head,
    /// Reading the body of the final response.
    Body(Box<BodyReader>),
    /// The response is complete.
    Done,
}

/// One client connection speaking HTTP/1.1 (the client side of
/// `tornado.http1connection.HTTP1Connection`): write a request head with
/// [`write_request_head`](Self::write_request_head), its body through the
/// returned [`RequestBodyWriter`], then read heads with
/// [`read_response_head`](Self::read_response_head) (informational `1xx`
/// heads first, at most ten of them) and the body with
/// [`read_body_chunk`](Self::read_body_chunk) until it returns `None`.
/// When [`keep_alive`](Self::keep_alive) is then true the connection can
/// carry the next request.
///
/// Responses to `HEAD` and `1xx`/`204`/`304` responses have no body; other
/// bodies are delimited by `Content-Length`, by chunks, or by the server
/// closing. Bodies are gunzipped or inflated when the parameters'
/// `decompress` is set and the server used `gzip` or `deflate`, with
/// `max_body_size` applied to the decompressed size; a compression bomb is
/// refused while its output grows, never held whole.
///
/// ```
/// use tornado_http1connection::{Http1ClientConnection, Http1ConnectionParameters};
/// use tornado_ioloop::IoLoop;
/// use tornado_iostream::IoStream;
///
/// let ioloop = IoLoop::new()?;
/// let body = ioloop.run_sync(async {
///     let (client, server) = mio::net::UnixStream::pair()?;
///     let (client, server) = (IoStream::unix(client)?, IoStream::unix(server)?);
///     server.write(&b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"[..]);
///     let mut conn = Http1ClientConnection::new(client, Http1ConnectionParameters::default());
///     let body = conn.write_request_head("GET", "/", &[("Host", "example.com")])?;
///     body.finish().await?;
///     let head = conn.read_response_head().await?;
///     assert_eq!(head.code, 200);
///     let chunk = conn.read_body_chunk().await?.unwrap();
///     assert!(conn.read_body_chunk().await?.is_none());
///     assert!(conn.keep_alive());
///     Ok::<_, Box<dyn std::error::Error>>(chunk)
/// }, None)??;
/// assert_eq!(&body[..], b"hi");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "HTTP1Connection")]
pub struct Http1ClientConnection {
    stream: IoStream,
    params: Http1ConnectionParameters,
    outgoing: Rc<Cell<Outgoing>>,
    head_request: bool,
    connect_request: bool,
    request_close: bool,
    informational: usize,
    response_started: bool,
    response_keep_alive: bool,
    incoming: Incoming,
}

impl fmt::Debug for Http1ClientConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Http1ClientConnection")
            .field("stream", &self.stream)
            .field("outgoing", &self.outgoing.get())
            .field("informational", &self.informational)
            .field("response_started", &self.response_started)
            .finish()
    }
}

impl Http1ClientConnection {
    /// A client connection over `stream` with these limits (the client
    /// uses `chunk_size`, `max_header_size`, `max_header_count`,
    /// `max_body_size`, `decompress`, `max_chunk_extensions` and
    /// `max_trailer_size`).
    pub fn new(stream: IoStream, params: Http1ConnectionParameters) -> Self {
        Http1ClientConnection {
            stream,
            params,
            outgoing: Rc::new(Cell::new(Outgoing::Idle)),
            head_request: false,
            connect_request: false,
            request_close: false,
            informational: 0,
            response_started: false,
            response_keep_alive: false,
            incoming: Incoming::Done,
        }
    }

    /// The stream underneath.
    pub fn stream(&self) -> &IoStream {
        &self.stream
    }

    /// Gives the stream back (`HTTP1Connection.detach`).
    #[doc(alias = "detach")]
    pub fn into_stream(self) -> IoStream {
        self.stream
    }

    /// The parameters in use.
    pub fn params(&self) -> &Http1ConnectionParameters {
        &self.params
    }

    /// Changes the body limit for the next response
    /// (`HTTP1Connection.set_max_body_size`).
    pub fn set_max_body_size(&mut self, bytes: usize) {
        self.params.max_body_size = bytes;
    }

    /// Changes whether the next response is decompressed.
    pub fn set_decompress(&mut self, decompress: bool) {
        self.params.decompress = decompress;
    }

    /// Queues the request line and headers (`HTTP1Connection.write_headers`
    /// on the client side) and returns the writer of the body. The body is
    /// framed by the headers: `Content-Length` bytes, or chunks with
    /// `Transfer-Encoding: chunked`, or none. `headers` are `(name, value)`
    /// pairs of anything that reads as text (from an `HttpHeaders`:
    /// `get_all().collect::<Vec<_>>()`).
    ///
    /// The method must be a token and the target visible ASCII; names must
    /// be tokens, and values latin-1 without CR, LF or NUL, so that a
    /// header can never split the request. The previous exchange on this
    /// connection must be complete.
    #[doc(alias = "write_headers")]
    pub fn write_request_head<N: AsRef<str>, V: AsRef<str>>(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(N, V)],
    ) -> Result<RequestBodyWriter> {
        let (framing, close) = self.check_request(method, target, headers)?;
        Ok(self.queue_head(method, target, headers, framing, close))
    }

    /// Checks a request before anything is queued, so that a refused one
    /// leaves nothing half-written; returns its body framing and whether
    /// it asks to close.
    fn check_request<N: AsRef<str>, V: AsRef<str>>(
        &self,
        method: &str,
        target: &str,
        headers: &[(N, V)],
    ) -> Result<(Outgoing, bool)> {
        if !matches!(self.outgoing.get(), Outgoing::Idle | Outgoing::Finished)
            || !matches!(self.incoming, Incoming::Done)
        {
            return Err(Error::bad_response(
                "the previous exchange on this connection is not complete",
            ));
        }
        if !is_token(method) {
            return Err(Error::bad_response("invalid request method"));
        }
        if target.is_empty() || target.bytes().any(|b| !(0x21..=0x7e).contains(&b)) {
            return Err(Error::bad_response("invalid request target"));
        }
        let mut framing = Outgoing::Empty;
        let mut close = false;
        let mut content_length = false;
        let mut transfer_encoding = false;
        for (name, value) in headers {
            let (name, value) = (name.as_ref(), value.as_ref());
            if name.is_empty() || !is_token(name) {
                return Err(Error::bad_response("invalid header name"));
            }
            if crate::response::has_line_break(value.as_bytes()) {
                return Err(Error::bad_response("CR, LF or NUL in header value"));
            }
            if !value.is_ascii() && value.chars().any(|c| u32::from(c) > 0xff) {
                return Err(Error::bad_response("header value is not latin-1"));
            }
            if name.eq_ignore_ascii_case("content-length") {
                let n = parse_length(value.as_bytes())
                    .ok_or_else(|| Error::bad_response("invalid request Content-Length"))?;
                framing = Outgoing::Length(n);
                content_length = true;
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                if !value.trim().eq_ignore_ascii_case("chunked") {
                    return Err(Error::bad_response("unsupported request Transfer-Encoding"));
                }
                framing = Outgoing::Chunked;
                transfer_encoding = true;
            } else if name.eq_ignore_ascii_case("connection") {
                close |= value
                    .split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("close"));
            }
        }
        if content_length && transfer_encoding {
            return Err(Error::bad_response(
                "request with both Content-Length and Transfer-Encoding",
            ));
        }
        Ok((framing, close))
    }

    fn queue_head<N: AsRef<str>, V: AsRef<str>>(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(N, V)],
        framing: Outgoing,
        close: bool,
    ) -> RequestBodyWriter {
        self.head_request = method == "HEAD";
        self.connect_request = method == "CONNECT";
        self.request_close = close;
        self.informational = 0;
        self.response_started = false;
        self.response_keep_alive = false;
        self.incoming = Incoming::Head;
        // A fresh cell per request: a writer kept from an earlier request
        // cannot write into this one.
        self.outgoing = Rc::new(Cell::new(framing));
        let _queued = self.stream.write_with(|buf| {
            buf.extend_from_slice(method.as_bytes());
            buf.extend_from_slice(b" ");
            buf.extend_from_slice(target.as_bytes());
            buf.extend_from_slice(b" HTTP/1.1\r\n");
            for (name, value) in headers {
                let (name, value) = (name.as_ref(), value.as_ref());
                buf.extend_from_slice(name.as_bytes());
                buf.extend_from_slice(b": ");
                if value.is_ascii() {
                    buf.extend_from_slice(value.as_bytes());
                } else {
                    // Checked above: every char is a latin-1 byte.
                    buf.extend(value.chars().map(|c| u32::from(c) as u8));
                }
                buf.extend_from_slice(b"\r\n");
            }
            buf.extend_from_slice(b"\r\n");
        });
        RequestBodyWriter {
            stream: self.stream.clone(),
            state: self.outgoing.clone(),
        }
    }

    /// Queues a whole request, head and `body`, to leave in one write
    /// (the common case of [`write_request_head`](Self::write_request_head)
    /// followed by one write and `finish`). `headers` must frame the body:
    /// a `Content-Length` equal to its size, or none for an empty body.
    /// Write errors surface when the response is read.
    #[doc(alias = "write_headers")]
    pub fn write_request<N: AsRef<str>, V: AsRef<str>>(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(N, V)],
        body: Bytes,
    ) -> Result<()> {
        let corked = self.stream.hold();
        let result = self.queue_request(method, target, headers, body);
        if corked {
            self.stream.set_corked(false);
        }
        result
    }

    fn queue_request<N: AsRef<str>, V: AsRef<str>>(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(N, V)],
        body: Bytes,
    ) -> Result<()> {
        let (framing, close) = self.check_request(method, target, headers)?;
        let fits = match framing {
            Outgoing::Length(n) => n == body.len() as u64,
            Outgoing::Empty => body.is_empty(),
            _ => true,
        };
        if !fits {
            return Err(Error::bad_response(
                "request body does not match its Content-Length",
            ));
        }
        let writer = self.queue_head(method, target, headers, framing, close);
        if framing == Outgoing::Chunked {
            let mut parts = Vec::with_capacity(3);
            if !body.is_empty() {
                parts.push(Bytes::from(format!("{:x}\r\n", body.len())));
                parts.push(body);
                parts.push(Bytes::from_static(b"\r\n0\r\n\r\n"));
            } else {
                parts.push(Bytes::from_static(b"0\r\n\r\n"));
            }
            let _queued = self.stream.write_all(parts);
        } else if !body.is_empty() {
            let _queued = self.stream.write(body);
        }
        writer.state.set(Outgoing::Finished);
        Ok(())
    }

    /// True once any byte of a response arrived for the current request.
    /// A pooled connection that fails before this point never answered, so
    /// an idempotent request may safely be retried on a new one.
    #[doc(alias = "_read_message")]
    pub fn response_started(&self) -> bool {
        self.response_started
    }

    /// Reads the next response head. Informational (`1xx`) heads are
    /// returned too, so that the caller can act on `100 Continue`; after
    /// [`MAX_1XX_RESPONSES`] of them the next one is an error. After the
    /// final head, read the body with [`read_body_chunk`](Self::read_body_chunk).
    #[doc(alias = "read_response")]
    #[doc(alias = "headers_received")]
    pub async fn read_response_head(&mut self) -> Result<ResponseHead> {
        if !matches!(self.incoming, Incoming::Head) {
            return Err(Error::bad_response("no response head is expected"));
        }
        let raw = self.read_head_bytes().await?;
        let mut head = parse_response_head(raw, self.params.max_header_count)?;
        if head.is_informational() {
            if head.headers.contains("Content-Length") || head.headers.contains("Transfer-Encoding")
            {
                return Err(Error::bad_request("informational response with a body"));
            }
            if self.informational >= MAX_1XX_RESPONSES {
                return Err(Error::bad_request("too many 1xx responses"));
            }
            self.informational += 1;
            return Ok(head);
        }
        if head.code == 101 {
            // The connection now speaks another protocol: no body, no reuse.
            self.response_keep_alive = false;
            self.incoming = Incoming::Done;
            return Ok(head);
        }
        let framing = self.framing(&head)?;
        let hints = head.hints;
        self.response_keep_alive = match head.version {
            Version::Http11 => !hints.close,
            Version::Http10 => hints.keep_alive,
        } && framing != Some(Framing::Close);
        let decoder = match framing {
            Some(_) if self.params.decompress && hints.content_encodings == 1 => {
                let decoder = hints.coding.map(Decoder::new);
                if decoder.is_some() {
                    if let Some(values) = head.headers.remove("Content-Encoding") {
                        for value in values {
                            // The value passed the same checks already.
                            let _ = head.headers.add("X-Consumed-Content-Encoding", &value);
                        }
                    }
                }
                decoder
            }
            _ => None,
        };
        self.incoming = match framing {
            None | Some(Framing::Length(0)) => Incoming::Done,
            Some(framing) => Incoming::Body(Box::new(BodyReader {
                framing,
                decoder,
                pending: VecDeque::new(),
                delivered: 0,
                wire: 0,
                extensions: 0,
                wire_done: false,
            })),
        };
        Ok(head)
    }

    /// Reads the body of the final response in pieces of at most
    /// `chunk_size` bytes (decompressed when asked); `None` once it is
    /// complete.
    #[doc(alias = "data_received")]
    pub async fn read_body_chunk(&mut self) -> Result<Option<Bytes>> {
        let Incoming::Body(reader) = &mut self.incoming else {
            return Ok(None);
        };
        match reader.next(&self.stream, &self.params).await? {
            Some(chunk) => Ok(Some(chunk)),
            None => {
                self.incoming = Incoming::Done;
                Ok(None)
            }
        }
    }

    /// True when the exchange is complete and the connection may carry
    /// another request: the whole request was written, the whole response
    /// read, and neither side asked to close.
    #[doc(alias = "_can_keep_alive")]
    pub fn keep_alive(&self) -> bool {
        matches!(self.incoming, Incoming::Done)
            && self.outgoing.get() == Outgoing::Finished
            && self.response_keep_alive
            && !self.request_close
            && !self.stream.closed()
            && self.stream.buffered() == 0
    }

    /// The head, through its blank line, within `max_header_size`. Blank
    /// lines before the status line are skipped; lines may end in CRLF or
    /// a bare LF, as Tornado's client accepts.
    async fn read_head_bytes(&mut self) -> Result<Bytes> {
        let max = self.params.max_header_size;
        // The fast path: the whole head is buffered (a response that came in
        // one packet). Taken in one piece, leading blank lines dropped.
        if self.stream.buffered() == 0 {
            self.stream.wait_for_data().await?;
        }
        let mut skip = 0;
        if let Some(found) = self
            .stream
            .try_read_with(|buf| head_end(buf, max, &mut skip))
        {
            let mut head = found?;
            self.response_started = true;
            let _ = head.split_to(skip);
            return Ok(head);
        }
        let mut head = BytesMut::new();
        loop {
            let room = max.saturating_sub(head.len());
            if room == 0 {
                return Err(Error::new(
                    ErrorKind::HeadTooLarge,
                    "response head too large",
                ));
            }
            let line = match self.stream.read_until(b"\n", Some(room)).await {
                Ok(line) => line,
                Err(e) if e.is_unsatisfiable() => {
                    return Err(Error::new(
                        ErrorKind::HeadTooLarge,
                        "response head too large",
                    ));
                }
                Err(e) => return Err(e.into()),
            };
            self.response_started = true;
            let blank = line.as_ref() == b"\r\n" || line.as_ref() == b"\n";
            if blank && head.is_empty() {
                continue;
            }
            head.extend_from_slice(&line);
            if blank {
                return Ok(head.freeze());
            }
        }
    }

    /// The framing of a final response; `None` for no body.
    fn framing(&self, head: &ResponseHead) -> Result<Option<Framing>> {
        let hints = &head.hints;
        if let Some(message) = hints.bad_length {
            return Err(Error::bad_request(message));
        }
        let content_length = hints.content_length;
        let chunked = match hints.transfer_encodings {
            0 => false,
            _ if content_length.is_some() => {
                return Err(Error::bad_request(
                    "message with both Transfer-Encoding and Content-Length",
                ));
            }
            1 if hints.chunked => true,
            _ => return Err(Error::bad_request("unsupported Transfer-Encoding")),
        };
        if head.code == 204 {
            // RFC 9110 §15.3.5: no body, and no framing that promises one.
            if chunked || content_length.is_some_and(|n| n != 0) {
                return Err(Error::bad_request("response with code 204 has a body"));
            }
            return Ok(None);
        }
        // A tunnel opened by CONNECT carries no response body: the bytes
        // after the head belong to the tunnelled protocol.
        let tunnel = self.connect_request && (200..300).contains(&head.code);
        if self.head_request || head.code == 304 || tunnel {
            return Ok(None);
        }
        if chunked {
            return Ok(Some(Framing::Chunked {
                remaining: 0,
                after_chunk: false,
            }));
        }
        match content_length {
            Some(n) if n > self.params.max_body_size as u64 => Err(Error::new(
                ErrorKind::BodyTooLarge,
                "Content-Length too long",
            )),
            Some(n) => Ok(Some(Framing::Length(n))),
            None => Ok(Some(Framing::Close)),
        }
    }
}

fn parse_length(s: &[u8]) -> Option<u64> {
    let s = trim(s);
    if s.is_empty() || s.len() > 19 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0u64, |n, &d| n * 10 + u64::from(d - b'0')))
}

/// Where a response head ends in `buf`: just past its first blank line
/// (`\r\n` or a bare `\n`, as the line-by-line reader accepts), not
/// counting blank lines before the status line, whose length goes to
/// `skip`. `None` when the head is not all there, or when it would pass
/// `max` bytes (the line-by-line reader then reports the limit).
fn head_end(buf: &[u8], max: usize, skip: &mut usize) -> Option<usize> {
    let mut start = 0;
    let mut seen_line = false;
    for at in memchr::memchr_iter(b'\n', buf) {
        let line = &buf[start..=at];
        let blank = line == b"\n" || line == b"\r\n";
        start = at + 1;
        if !blank {
            seen_line = true;
        } else if !seen_line {
            *skip = start;
        } else if start - *skip <= max {
            return Some(start);
        } else {
            return None;
        }
        if start - *skip > max {
            return None;
        }
    }
    None
}

/// Parses a complete response head with httparse. Folded header lines are
/// unfolded into single spaces, as Tornado does.
fn parse_response_head(raw: Bytes, max_headers: usize) -> Result<ResponseHead> {
    let mut config = httparse::ParserConfig::default();
    config
        .allow_obsolete_multiline_headers_in_responses(true)
        .allow_multiple_spaces_in_response_status_delimiters(true)
        .allow_spaces_after_header_name_in_responses(true);
    // No more slots than the head has lines (a raised limit costs nothing
    // until a head uses it), and no more than the limit.
    let lines = memchr::memchr_iter(b'\n', &raw).count();
    let wanted = max_headers.min(lines);
    let mut storage = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; 64];
    let mut heap = Vec::new();
    let slots: &mut [MaybeUninit<httparse::Header<'_>>] = if wanted > storage.len() {
        heap.resize_with(wanted, MaybeUninit::uninit);
        &mut heap
    } else {
        &mut storage[..wanted]
    };
    let mut response = httparse::Response::new(&mut []);
    let status = config
        .parse_response_with_uninit_headers(&mut response, &raw, slots)
        .map_err(|e| match e {
            httparse::Error::TooManyHeaders => {
                Error::new(ErrorKind::HeadTooLarge, "too many response header lines")
            }
            httparse::Error::Version => Error::bad_request("unsupported HTTP version"),
            httparse::Error::Status => Error::bad_request("malformed status line"),
            _ => Error::bad_request("malformed response head"),
        })?;
    if status.is_partial() {
        return Err(Error::bad_request("incomplete response head"));
    }
    let version = if response.version == Some(1) {
        Version::Http11
    } else {
        Version::Http10
    };
    let code = response.code.unwrap_or_default();
    let reason = response.reason.unwrap_or_default().to_owned();
    let mut headers = HttpHeaders::new();
    let mut hints = Hints::default();
    let mut unfolded = Vec::new();
    for header in response.headers.iter() {
        hints.note(header.name, trim(header.value));
        let mut value = trim(header.value);
        if value.contains(&b'\n') {
            unfolded.clear();
            let mut pieces = value
                .split(|&b| b == b'\n')
                .map(|p| trim(p.strip_suffix(b"\r").unwrap_or(p)))
                .filter(|p| !p.is_empty());
            if let Some(first) = pieces.next() {
                unfolded.extend_from_slice(first);
            }
            for piece in pieces {
                unfolded.push(b' ');
                unfolded.extend_from_slice(piece);
            }
            value = &unfolded;
        }
        headers
            .add_bytes(header.name.as_bytes(), value)
            .map_err(|_| Error::bad_request("malformed response header"))?;
    }
    Ok(ResponseHead {
        version,
        code,
        reason,
        headers,
        raw,
        hints,
    })
}

impl Hints {
    fn note(&mut self, name: &str, value: &[u8]) {
        let tokens = || value.split(|&b| b == b',').map(trim);
        if name.eq_ignore_ascii_case("content-length") {
            for piece in tokens() {
                match parse_length(piece) {
                    None => self.bad_length = Some("invalid Content-Length"),
                    Some(n) if self.content_length.is_some_and(|old| old != n) => {
                        self.bad_length = Some("multiple unequal Content-Lengths");
                    }
                    Some(n) => self.content_length = Some(n),
                }
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            self.transfer_encodings += 1;
            self.chunked = value.eq_ignore_ascii_case(b"chunked");
        } else if name.eq_ignore_ascii_case("connection") {
            for token in tokens() {
                self.close |= token.eq_ignore_ascii_case(b"close");
                self.keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
            }
        } else if name.eq_ignore_ascii_case("content-encoding") {
            self.content_encodings += 1;
            self.coding =
                if value.eq_ignore_ascii_case(b"gzip") || value.eq_ignore_ascii_case(b"x-gzip") {
                    Some(Coding::Gzip)
                } else if value.eq_ignore_ascii_case(b"deflate") {
                    Some(Coding::Deflate)
                } else {
                    None
                };
        }
    }
}

/// Reads one response body off the wire, decoding it when asked.
struct BodyReader {
    framing: Framing,
    decoder: Option<Decoder>,
    /// Decoded pieces not yet handed out.
    pending: VecDeque<Bytes>,
    /// Bytes handed out (after decoding).
    delivered: u64,
    /// Bytes taken off the wire.
    wire: u64,
    extensions: usize,
    wire_done: bool,
}

impl BodyReader {
    async fn next(
        &mut self,
        stream: &IoStream,
        params: &Http1ConnectionParameters,
    ) -> Result<Option<Bytes>> {
        let max = params.max_body_size as u64;
        loop {
            if let Some(piece) = self.pending.pop_front() {
                return Ok(Some(piece));
            }
            if self.wire_done {
                let Some(decoder) = self.decoder.take() else {
                    return Ok(None);
                };
                let rest = decoder.finish()?;
                self.push_decoded(rest, params)?;
                continue;
            }
            let Some(raw) = self.next_wire(stream, params).await? else {
                self.wire_done = true;
                continue;
            };
            self.wire += raw.len() as u64;
            if self.wire > max && self.decoder.is_none() {
                return Err(Error::new(ErrorKind::BodyTooLarge, "body too large"));
            }
            let Some(mut decoder) = self.decoder.take() else {
                self.delivered += raw.len() as u64;
                return Ok(Some(raw));
            };
            // Small steps: one step's output stays near a thousand times
            // its input at worst, so a bomb is refused long before its
            // output is held.
            for piece in raw.chunks(1024) {
                let out = decoder.feed(piece)?;
                self.push_decoded(out, params)?;
            }
            self.decoder = Some(decoder);
        }
    }

    fn push_decoded(&mut self, out: Vec<u8>, params: &Http1ConnectionParameters) -> Result<()> {
        if out.is_empty() {
            return Ok(());
        }
        self.delivered += out.len() as u64;
        if self.delivered > params.max_body_size as u64 {
            return Err(Error::new(
                ErrorKind::BodyTooLarge,
                "decompressed body too large",
            ));
        }
        let mut out = Bytes::from(out);
        let size = params.chunk_size.max(1);
        while out.len() > size {
            self.pending.push_back(out.split_to(size));
        }
        self.pending.push_back(out);
        Ok(())
    }

    /// The next raw piece of the body; `None` at its end.
    async fn next_wire(
        &mut self,
        stream: &IoStream,
        params: &Http1ConnectionParameters,
    ) -> Result<Option<Bytes>> {
        let chunk_size = params.chunk_size.max(1) as u64;
        match &mut self.framing {
            Framing::Length(remaining) => {
                if *remaining == 0 {
                    return Ok(None);
                }
                let want = (*remaining).min(chunk_size) as usize;
                let piece = stream.read_bytes(want, true).await?;
                *remaining -= piece.len() as u64;
                Ok(Some(piece))
            }
            Framing::Close => match stream.read_bytes(chunk_size as usize, true).await {
                Ok(piece) => Ok(Some(piece)),
                Err(e) if e.is_closed() => Ok(None),
                Err(e) => Err(e.into()),
            },
            Framing::Chunked {
                remaining,
                after_chunk,
            } => {
                if *remaining == 0 {
                    if *after_chunk {
                        let crlf = stream.read_bytes(2, false).await?;
                        if &crlf[..] != b"\r\n" {
                            return Err(Error::bad_request("chunk not followed by CRLF"));
                        }
                        *after_chunk = false;
                    }
                    let line =
                        read_until_bounded(stream, b"\r\n", 64 + params.max_chunk_extensions)
                            .await?
                            .ok_or_else(|| Error::bad_request("chunk-size line too long"))?;
                    let (size, ext) = parse_chunk_line(&line[..line.len() - 2])
                        .ok_or_else(|| Error::bad_request("invalid chunk size"))?;
                    self.extensions += ext;
                    if self.extensions > params.max_chunk_extensions {
                        return Err(Error::bad_request("chunk extensions too long"));
                    }
                    if size == 0 {
                        read_trailers(stream, params).await?;
                        return Ok(None);
                    }
                    if self.decoder.is_none() && self.wire + size > params.max_body_size as u64 {
                        return Err(Error::new(
                            ErrorKind::BodyTooLarge,
                            "chunked body too large",
                        ));
                    }
                    *remaining = size;
                    *after_chunk = true;
                }
                let want = (*remaining).min(chunk_size) as usize;
                let piece = stream.read_bytes(want, true).await?;
                *remaining -= piece.len() as u64;
                Ok(Some(piece))
            }
        }
    }
}

/// A streaming decompressor for a response body.
enum Decoder {
    Gzip(flate2::write::MultiGzDecoder<Vec<u8>>),
    /// `deflate`: zlib-wrapped as the RFC says, or raw as some servers
    /// send it; told apart by the first two bytes.
    Deflate(DeflateState),
}

enum DeflateState {
    Sniffing(Vec<u8>),
    Zlib(flate2::write::ZlibDecoder<Vec<u8>>),
    Raw(flate2::write::DeflateDecoder<Vec<u8>>),
}

fn invalid(encoding: &'static str) -> impl Fn(std::io::Error) -> Error {
    move |_| Error::bad_request(encoding)
}

impl Decoder {
    fn new(coding: Coding) -> Decoder {
        match coding {
            Coding::Gzip => Decoder::Gzip(flate2::write::MultiGzDecoder::new(Vec::new())),
            Coding::Deflate => Decoder::Deflate(DeflateState::Sniffing(Vec::new())),
        }
    }

    #[cfg(test)]
    fn for_encoding(value: &str) -> Option<Decoder> {
        let value = value.trim();
        if value.eq_ignore_ascii_case("gzip") || value.eq_ignore_ascii_case("x-gzip") {
            Some(Decoder::Gzip(
                flate2::write::MultiGzDecoder::new(Vec::new()),
            ))
        } else if value.eq_ignore_ascii_case("deflate") {
            Some(Decoder::Deflate(DeflateState::Sniffing(Vec::new())))
        } else {
            None
        }
    }

    fn feed(&mut self, input: &[u8]) -> Result<Vec<u8>> {
        match self {
            Decoder::Gzip(d) => {
                d.write_all(input)
                    .map_err(invalid("invalid gzip response body"))?;
                Ok(std::mem::take(d.get_mut()))
            }
            Decoder::Deflate(state) => {
                if let DeflateState::Sniffing(seen) = state {
                    seen.extend_from_slice(input);
                    if seen.len() < 2 {
                        return Ok(Vec::new());
                    }
                    let seen = std::mem::take(seen);
                    let zlib = seen[0] & 0x0f == 8
                        && (u16::from(seen[0]) << 8 | u16::from(seen[1])) % 31 == 0;
                    *state = if zlib {
                        DeflateState::Zlib(flate2::write::ZlibDecoder::new(Vec::new()))
                    } else {
                        DeflateState::Raw(flate2::write::DeflateDecoder::new(Vec::new()))
                    };
                    return self.feed(&seen);
                }
                let out = match state {
                    DeflateState::Zlib(d) => {
                        d.write_all(input)
                            .map_err(invalid("invalid deflate response body"))?;
                        std::mem::take(d.get_mut())
                    }
                    DeflateState::Raw(d) => {
                        d.write_all(input)
                            .map_err(invalid("invalid deflate response body"))?;
                        std::mem::take(d.get_mut())
                    }
                    DeflateState::Sniffing(_) => Vec::new(),
                };
                Ok(out)
            }
        }
    }

    fn finish(self) -> Result<Vec<u8>> {
        match self {
            Decoder::Gzip(d) => d.finish().map_err(invalid("truncated gzip response body")),
            Decoder::Deflate(DeflateState::Sniffing(seen)) if seen.is_empty() => Ok(Vec::new()),
            Decoder::Deflate(DeflateState::Sniffing(_)) => {
                Err(Error::bad_request("truncated deflate response body"))
            }
            Decoder::Deflate(DeflateState::Zlib(d)) => d
                .finish()
                .map_err(invalid("truncated deflate response body")),
            Decoder::Deflate(DeflateState::Raw(d)) => d
                .finish()
                .map_err(invalid("truncated deflate response body")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(raw: &str) -> Result<ResponseHead> {
        parse_response_head(Bytes::copy_from_slice(raw.as_bytes()), 100)
    }

    #[test]
    fn head_end_finds_the_first_blank_line() {
        let end = |buf: &[u8], max| {
            let mut skip = 0;
            head_end(buf, max, &mut skip).map(|n| (skip, n))
        };
        let crlf = b"HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody";
        assert_eq!(end(crlf, 100), Some((0, crlf.len() - 4)));
        // Bare LF lines, and a body that holds CRLFCRLF later.
        let lf = b"HTTP/1.1 200 OK\nA: b\n\nx\r\n\r\n";
        assert_eq!(end(lf, 100), Some((0, 22)));
        // Blank lines before the status line are skipped, not counted.
        let lead = b"\r\n\nHTTP/1.1 204 No Content\r\n\r\n";
        assert_eq!(end(lead, 27), Some((3, lead.len())));
        assert_eq!(end(lead, 26), None);
        // Not all there yet.
        assert_eq!(end(b"HTTP/1.1 200 OK\r\nA: b\r\n", 100), None);
        assert_eq!(end(b"", 100), None);
    }

    #[test]
    fn parses_status_and_headers() {
        let h = head("HTTP/1.1 404 Not Found\r\nX-A: 1\r\nX-A: 2\r\n\r\n").unwrap();
        assert_eq!((h.code, h.reason.as_str()), (404, "Not Found"));
        assert_eq!(h.version, Version::Http11);
        assert_eq!(h.headers.get_list("x-a"), ["1", "2"]);
    }

    #[test]
    fn unfolds_obsolete_line_folding() {
        let h = head("HTTP/1.1 200 OK\r\nX-Long: a\r\n  b\r\n\tc\r\n\r\n").unwrap();
        assert_eq!(h.headers.get("X-Long").unwrap(), "a b c");
    }

    #[test]
    fn bare_lf_heads_are_accepted() {
        let h = head("HTTP/1.0 200 OK\nA: b\n\n").unwrap();
        assert_eq!(h.headers.get("a").unwrap(), "b");
        assert_eq!(h.version, Version::Http10);
    }

    #[test]
    fn malformed_heads_are_refused() {
        for raw in [
            "HTTP/1.1 2000 OK\r\n\r\n",
            "HTTQ/1.1 200 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n",
        ] {
            assert!(head(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn too_many_header_lines() {
        let raw = format!("HTTP/1.1 200 OK\r\n{}\r\n", "X: a\r\n".repeat(101));
        let e = head(&raw).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::HeadTooLarge);
    }

    #[test]
    fn switching_protocols_is_final() {
        let ioloop = tornado_ioloop::IoLoop::new().unwrap();
        ioloop
            .run_sync(
                async {
                    let (a, b) = mio::net::UnixStream::pair().unwrap();
                    let (client, server) = (IoStream::unix(a).unwrap(), IoStream::unix(b).unwrap());
                    server
                        .write(
                        &b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nraw bytes"[..],
                    )
                        .await
                        .unwrap();
                    let mut conn =
                        Http1ClientConnection::new(client, Http1ConnectionParameters::default());
                    conn.write_request("GET", "/", &[("Host", "h"), ("Upgrade", "x")], Bytes::new())
                        .unwrap();
                    let first = conn.read_response_head().await.unwrap();
                    assert!(first.is_informational());
                    let head = conn.read_response_head().await.unwrap();
                    assert_eq!(head.code, 101);
                    assert!(!head.is_informational());
                    assert!(conn.read_body_chunk().await.unwrap().is_none());
                    assert!(!conn.keep_alive());
                    let stream = conn.into_stream();
                    let rest = stream.read_bytes(9, false).await.unwrap();
                    assert_eq!(&rest[..], b"raw bytes");
                },
                Some(std::time::Duration::from_secs(5)),
            )
            .unwrap();
    }

    #[test]
    fn a_refused_request_writes_nothing() {
        let ioloop = tornado_ioloop::IoLoop::new().unwrap();
        ioloop
            .run_sync(
                async {
                    let (a, b) = mio::net::UnixStream::pair().unwrap();
                    let (client, server) = (IoStream::unix(a).unwrap(), IoStream::unix(b).unwrap());
                    let mut conn =
                        Http1ClientConnection::new(client, Http1ConnectionParameters::default());
                    for (headers, body) in [
                        (&[("Host", "h"), ("Content-Length", "5")][..], &b"four"[..]),
                        (&[("Host", "h")][..], &b"body without framing"[..]),
                        (&[("Host", "h"), ("X", "a\r\nInjected: 1")][..], &b""[..]),
                        (&[("Bad Name", "h")][..], &b""[..]),
                    ] {
                        let e = conn
                            .write_request("GET", "/", headers, Bytes::copy_from_slice(body))
                            .unwrap_err();
                        assert_eq!(e.kind(), ErrorKind::BadResponse);
                    }
                    assert!(
                        conn.write_request_head("G T", "/", &[("Host", "h")])
                            .is_err()
                    );
                    assert!(
                        conn.write_request_head("GET", "/a b", &[("Host", "h")])
                            .is_err()
                    );
                    // The connection is still clean for a good request.
                    conn.write_request("GET", "/", &[("Host", "h")], Bytes::new())
                        .unwrap();
                    let sent = server.read_until(b"\r\n\r\n", None).await.unwrap();
                    assert_eq!(&sent[..], b"GET / HTTP/1.1\r\nHost: h\r\n\r\n");
                },
                Some(std::time::Duration::from_secs(5)),
            )
            .unwrap();
    }

    #[test]
    fn deflate_sniffs_zlib_and_raw() {
        let data = b"hello hello hello hello";
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(data).unwrap();
        let zlib = z.finish().unwrap();
        let mut r = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        r.write_all(data).unwrap();
        let raw = r.finish().unwrap();
        for encoded in [zlib, raw] {
            let mut d = Decoder::for_encoding("deflate").unwrap();
            let mut out = Vec::new();
            for b in encoded.chunks(1) {
                out.extend(d.feed(b).unwrap());
            }
            out.extend(d.finish().unwrap());
            assert_eq!(out, data);
        }
    }
}
