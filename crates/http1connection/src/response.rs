//! Writing a response: framing, keep-alive, and the output checks.

use std::fmt::Write as _;

use std::rc::Rc;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use tornado_httputil::is_token_bytes;
use tornado_iostream::{IoStream, WriteFuture};

use crate::error::{Error, Result};
use crate::head::{BodyFraming, RequestHead, Version};
use crate::params::Http1ConnectionParameters;
use crate::server::ConnectionState;
use crate::server::send_within;

/// The reason phrase of a status code (`httputil.responses`), or `"Unknown"`.
#[doc(alias = "responses")]
pub fn reason_phrase(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Requested Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a Teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "Unknown",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writing {
    /// Nothing written yet.
    Idle,
    /// The head went out; the body follows.
    Body,
    /// `finish` ran.
    Finished,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// `remaining` bytes are still owed to a Content-Length (0 for HEAD,
    /// 204, 304).
    Length {
        remaining: u64,
    },
    Chunked,
    /// HTTP/1.0 without a length: the close delimits the body.
    UntilClose,
}

/// The server side of a response on an HTTP/1 connection: Tornado's
/// `HTTP1Connection.write_headers`, `write` and `finish` as seen by a
/// request's delegate.
///
/// Framing follows Tornado: with a `Content-Length` the handler must write
/// exactly that many bytes (more or fewer is an error that closes the
/// connection, never a corrupt stream); without one, an HTTP/1.1 response
/// is sent chunked and an HTTP/1.0 one is delimited by closing. HEAD, 204
/// and 304 responses carry no body.
///
/// Counterpart of the writing half of Tornado's
/// `tornado.http1connection.HTTP1Connection` (the `request_conn` a
/// delegate is given); the reading half lives in [`serve_connection`](crate::serve_connection).
#[derive(Debug)]
#[doc(alias = "HTTP1Connection")]
pub struct ResponseWriter {
    stream: IoStream,
    version: Version,
    head_request: bool,
    request_keep_alive: bool,
    state: Writing,
    framing: Framing,
    keep_alive: bool,
    status: u16,
    last_write: Option<WriteFuture>,
    pub(crate) continue_sent: bool,
    connection: Rc<ConnectionState>,
    send_timeout: Option<Duration>,
}

impl ResponseWriter {
    pub(crate) fn new(
        stream: IoStream,
        head: &RequestHead,
        params: &Http1ConnectionParameters,
        connection: Rc<ConnectionState>,
    ) -> Self {
        let request_keep_alive = !params.no_keep_alive
            && match head.version() {
                Version::Http11 => !head.connection_close,
                // Tornado's `_can_keep_alive`: an HTTP/1.0 client must ask,
                // and the request must be delimited (a length, chunked, or
                // a method that has no body).
                Version::Http10 => {
                    head.connection_keep_alive
                        && (head.framing() != BodyFraming::None
                            || matches!(head.method_bytes(), b"GET" | b"HEAD")
                            || head.header("Content-Length").is_some())
                }
            };
        ResponseWriter {
            stream,
            version: head.version(),
            head_request: head.method_bytes() == b"HEAD",
            request_keep_alive,
            state: Writing::Idle,
            framing: Framing::UntilClose,
            keep_alive: false,
            status: 0,
            last_write: None,
            continue_sent: false,
            connection,
            send_timeout: params.send_timeout,
        }
    }

    /// The status written, or 0 before `write_headers`.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// True once `write_headers` ran.
    pub fn headers_written(&self) -> bool {
        self.state != Writing::Idle
    }

    /// True once `finish` ran.
    pub fn finished(&self) -> bool {
        self.state == Writing::Finished
    }

    /// True when the connection stays open after this response.
    pub fn keep_alive(&self) -> bool {
        self.keep_alive
    }

    /// The stream underneath.
    pub fn stream(&self) -> &IoStream {
        &self.stream
    }

    /// Writes the status line and headers, and the first piece of the body
    /// (`HTTP1Connection.write_headers`). `reason` defaults to the standard
    /// phrase. Header names must be tokens and values may not hold CR, LF
    /// or NUL; a response never carries a split header.
    pub fn write_headers<'a>(
        &mut self,
        status: u16,
        reason: Option<&str>,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
        body: &[u8],
    ) -> Result<()> {
        self.write_head(status, reason, headers, body, false)
    }

    /// [`write_headers`](Self::write_headers); with `add_length`, a
    /// `Content-Length` of `body.len()` follows the caller's headers.
    fn write_head<'a>(
        &mut self,
        status: u16,
        reason: Option<&str>,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
        body: &[u8],
        add_length: bool,
    ) -> Result<()> {
        if self.state != Writing::Idle {
            return Err(Error::bad_response("headers already written"));
        }
        if !(100..=999).contains(&status) {
            return Err(Error::bad_response("invalid status code"));
        }
        let standard = reason.is_none();
        let reason = reason.unwrap_or_else(|| reason_phrase(status));
        if !standard && has_line_break(reason.as_bytes()) {
            return Err(Error::bad_response("CR or LF in reason phrase"));
        }
        let no_body = self.head_request || status == 204 || status == 304 || status < 200;
        let version = self.version;
        let keep_alive_allowed =
            self.request_keep_alive && !self.connection.draining() && status >= 200;
        let mut plan = (Framing::UntilClose, false);
        // Head and (small) body are formatted straight into the stream's
        // write buffer and leave in one write; a large body follows without
        // a copy of the head.
        let large = body.len() > LARGE_BODY;
        let corked = large && self.stream.hold();
        let written = self.stream.try_write_with(|head| {
            head.reserve(128 + if large { 0 } else { body.len() });
            if status == 200 && standard {
                head.put_slice(b"HTTP/1.1 200 OK\r\n");
            } else {
                head.put_slice(b"HTTP/1.1 ");
                // Three digits, checked above; no formatting machinery.
                head.put_slice(&[
                    b'0' + (status / 100) as u8,
                    b'0' + (status / 10 % 10) as u8,
                    b'0' + (status % 10) as u8,
                    b' ',
                ]);
                head.put_slice(reason.as_bytes());
                head.put_slice(b"\r\n");
            }
            let mut content_length: Option<u64> = None;
            let mut transfer_encoding = false;
            let mut response_close = false;
            for (name, value) in headers {
                if !is_token_bytes(name.as_bytes()) {
                    return Err(Error::bad_response("invalid header name"));
                }
                if has_line_break(value.as_bytes()) {
                    return Err(Error::bad_response("CR or LF in header value"));
                }
                match name.len() {
                    14 if name.eq_ignore_ascii_case("content-length") => {
                        content_length = Some(parse_length(value)?);
                    }
                    17 if name.eq_ignore_ascii_case("transfer-encoding") => {
                        transfer_encoding = true;
                    }
                    10 if name.eq_ignore_ascii_case("connection") => {
                        response_close |= value.to_ascii_lowercase().contains("close");
                    }
                    _ => {}
                }
                head.put_slice(name.as_bytes());
                head.put_slice(b": ");
                head.put_slice(value.as_bytes());
                head.put_slice(b"\r\n");
            }
            if add_length {
                let length = itoa_buf(body.len());
                head.put_slice(b"Content-Length: ");
                head.put_slice(length.digits());
                head.put_slice(b"\r\n");
                content_length = Some(body.len() as u64);
            }
            let framing = if no_body {
                Framing::Length { remaining: 0 }
            } else if let Some(n) = content_length {
                Framing::Length { remaining: n }
            } else if version == Version::Http11 && !transfer_encoding {
                head.put_slice(b"Transfer-Encoding: chunked\r\n");
                Framing::Chunked
            } else {
                // HTTP/1.0 without a length, or a body the application
                // framed itself: the close ends it.
                Framing::UntilClose
            };
            let keep_alive =
                keep_alive_allowed && !response_close && framing != Framing::UntilClose;
            if version == Version::Http10 && keep_alive {
                head.put_slice(b"Connection: keep-alive\r\n");
            } else if version == Version::Http11 && !keep_alive && !response_close && status >= 200
            {
                // (HTTP/1.0 closes by default; Tornado adds nothing there.)
                head.put_slice(b"Connection: close\r\n");
            }
            head.put_slice(b"\r\n");
            plan = (framing, keep_alive);
            if !large {
                frame(&mut plan.0, head, body)?;
            }
            Ok(())
        });
        let written = match written {
            Ok(written) => written,
            Err(e) => {
                if corked {
                    self.stream.set_corked(false);
                }
                if e.kind() == crate::ErrorKind::BadResponse && plan.0 != Framing::UntilClose {
                    // Too much body for the Content-Length.
                    self.stream.close(None);
                }
                return Err(e);
            }
        };
        (self.framing, self.keep_alive) = plan;
        self.status = status;
        self.state = Writing::Body;
        self.last_write = Some(written);
        if large {
            let result = self.send(body);
            if corked {
                self.stream.set_corked(false);
            }
            result?;
        }
        Ok(())
    }

    /// Writes a piece of the body (`HTTP1Connection.write`).
    pub fn write(&mut self, body: &[u8]) -> Result<()> {
        if self.state != Writing::Body {
            return Err(Error::bad_response(if self.state == Writing::Idle {
                "body written before headers"
            } else {
                "body written after finish"
            }));
        }
        self.send(body)
    }

    /// Queues `body`, framed.
    fn send(&mut self, body: &[u8]) -> Result<()> {
        if body.is_empty() {
            return Ok(());
        }
        let framing = &mut self.framing;
        let written = self.stream.try_write_with(|out| frame(framing, out, body));
        match written {
            Ok(written) => {
                self.last_write = Some(written);
                Ok(())
            }
            Err(e) => {
                if e.kind() == crate::ErrorKind::BadResponse {
                    self.stream.close(None);
                }
                Err(e)
            }
        }
    }

    /// Ends the response (`HTTP1Connection.finish`). Fails, closing the
    /// connection, when fewer bytes than the Content-Length were written.
    pub fn finish(&mut self) -> Result<()> {
        match self.state {
            Writing::Idle => return Err(Error::bad_response("finish before write_headers")),
            Writing::Finished => return Err(Error::bad_response("finish called twice")),
            Writing::Body => {}
        }
        self.state = Writing::Finished;
        match self.framing {
            Framing::Length { remaining } if remaining > 0 => {
                self.keep_alive = false;
                self.stream.close(None);
                return Err(Error::bad_response(
                    "tried to write fewer bytes than Content-Length",
                ));
            }
            Framing::Chunked => {
                self.last_write = Some(self.stream.write(Bytes::from_static(b"0\r\n\r\n")));
            }
            _ => {}
        }
        Ok(())
    }

    /// A whole response at once: status, headers, a `Content-Length` and the
    /// body, finished.
    pub fn respond<'a>(
        &mut self,
        status: u16,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
        body: &[u8],
    ) -> Result<()> {
        self.write_head(status, None, headers, body, true)?;
        self.finish()
    }

    /// Waits until everything written so far reached the kernel.
    pub async fn flush(&mut self) -> Result<()> {
        self.stream.set_corked(false);
        if let Some(write) = self.last_write.take() {
            send_within(&self.stream, self.send_timeout, write).await?;
        }
        Ok(())
    }

    /// Sends `100 Continue` (once).
    pub(crate) fn send_continue(&mut self) {
        if !self.continue_sent && self.state == Writing::Idle {
            self.continue_sent = true;
            // Goes out ahead of the response; no need to wait for it.
            drop(
                self.stream
                    .write(Bytes::from_static(b"HTTP/1.1 100 (Continue)\r\n\r\n")),
            );
        }
    }

    /// Queued output not yet taken by the kernel: the pipelining brake.
    pub(crate) fn take_pending(&mut self) -> Option<WriteFuture> {
        self.last_write.take()
    }
}

/// Bodies larger than this are not copied next to their head.
const LARGE_BODY: usize = 16 * 1024;

/// Appends `body` to `out` framed for `framing`, checking Content-Length.
fn frame(framing: &mut Framing, out: &mut BytesMut, body: &[u8]) -> Result<()> {
    match framing {
        Framing::Length { remaining } => {
            if body.len() as u64 > *remaining {
                return Err(Error::bad_response(
                    "tried to write more data than Content-Length",
                ));
            }
            *remaining -= body.len() as u64;
            out.put_slice(body);
        }
        Framing::Chunked => {
            if !body.is_empty() {
                let _ = write!(out, "{:x}\r\n", body.len());
                out.put_slice(body);
                out.put_slice(b"\r\n");
            }
        }
        Framing::UntilClose => out.put_slice(body),
    }
    Ok(())
}

/// A small stack string for a decimal length.
struct ItoaBuf {
    buf: [u8; 20],
    start: usize,
}

impl ItoaBuf {
    fn digits(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

fn itoa_buf(mut n: usize) -> ItoaBuf {
    let mut buf = [0u8; 20];
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    ItoaBuf { buf, start }
}

/// CR, LF or NUL anywhere in `value`.
pub(crate) fn has_line_break(value: &[u8]) -> bool {
    // Every byte above CR rules all three out; the exact check runs only
    // when some byte is not (tabs, say).
    value.iter().fold(u8::MAX, |low, &b| low.min(b)) <= b'\r'
        && value.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0)
}

/// A response's Content-Length: decimal digits only (Tornado's
/// `parse_int`), so that `+10` or `1_0` never reach the wire.
fn parse_length(value: &str) -> Result<u64> {
    let digits = value.trim();
    if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::bad_response("invalid Content-Length"));
    }
    digits
        .parse()
        .map_err(|_| Error::bad_response("invalid Content-Length"))
}
