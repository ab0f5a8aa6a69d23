//! The crate's error type.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use crate::response::HttpResponse;

/// What went wrong with a fetch, for code that branches on it.
///
/// Everything except [`Http`](ErrorKind::Http) is the "599" kind of
/// Tornado: no complete HTTP response was received, and
/// [`HttpClientError::code`] is 599.
#[doc(alias = "HTTPError")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server answered with a status outside 200–299
    /// (`HTTPClientError` with the response attached).
    Http,
    /// A deadline passed: in the request queue, while connecting, or during
    /// the request (`simple_httpclient.HTTPTimeoutError`).
    #[doc(alias = "HTTPTimeoutError")]
    Timeout,
    /// The connection could not be made: the name did not resolve, every
    /// address refused, the proxy refused to tunnel.
    Connect,
    /// The TLS handshake failed (a certificate that does not verify, say;
    /// Tornado raises `ssl.SSLError`).
    #[doc(alias = "SSLError")]
    Tls,
    /// The connection closed before the response was complete
    /// (`simple_httpclient.HTTPStreamClosedError`).
    #[doc(alias = "HTTPStreamClosedError")]
    StreamClosed,
    /// The server sent something that is not valid HTTP/1.x: a malformed
    /// head, bad framing, more than ten `1xx` responses, an invalid gzip
    /// body (Tornado's `HTTPInputError` on the client side).
    #[doc(alias = "HTTPInputError")]
    BadResponse,
    /// The response passed `max_header_size` or `max_body_size` (the body
    /// measured after decompression).
    TooLarge,
    /// The request cannot be sent as given: a URL that does not parse, a
    /// scheme other than `http` or `https` (also as a redirect target), a
    /// body on a method that takes none, an unknown method, an unsupported
    /// `auth_mode` (Tornado raises `ValueError` or `KeyError`).
    #[doc(alias = "ValueError")]
    InvalidRequest,
    /// The client was closed (`RuntimeError: fetch() called on closed
    /// AsyncHTTPClient`).
    Closed,
}

/// The error of a fetch (`tornado.httpclient.HTTPClientError`, alias
/// `HTTPError`).
///
/// For [`ErrorKind::Http`] it carries the [`response`](Self::response),
/// whose body often explains the status. Every other kind has
/// [`code`](Self::code) 599 and, where there is one, the cause as its
/// [`source`](StdError::source). Branch on [`kind`](Self::kind) or
/// [`code`](Self::code), never on the message.
#[doc(alias = "HTTPClientError")]
#[doc(alias = "HTTPError")]
#[derive(Clone)]
pub struct HttpClientError {
    kind: ErrorKind,
    code: u16,
    message: String,
    response: Option<Box<HttpResponse>>,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl HttpClientError {
    /// An error of `kind` with `message` (599 unless the kind is
    /// [`ErrorKind::Http`], whose code is the response's).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        HttpClientError {
            kind,
            code: 599,
            message: message.into(),
            response: None,
            source: None,
        }
    }

    /// The error for a response with a status outside 200–299
    /// (`HTTPClientError(code, message, response)`); the message is the
    /// reason phrase.
    #[doc(alias = "HTTPClientError")]
    pub fn from_response(response: HttpResponse) -> Self {
        let message = if response.reason.is_empty() {
            tornado_http1connection::reason_phrase(response.code).to_owned()
        } else {
            response.reason.clone()
        };
        HttpClientError {
            kind: ErrorKind::Http,
            code: response.code,
            message,
            response: Some(Box::new(response)),
            source: None,
        }
    }

    pub(crate) fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    pub(crate) fn timeout(message: &str) -> Self {
        HttpClientError::new(ErrorKind::Timeout, message)
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        HttpClientError::new(ErrorKind::InvalidRequest, message)
    }

    /// A copy without the response (what `HttpResponse::error` holds).
    pub(crate) fn without_response(&self) -> Self {
        HttpClientError {
            response: None,
            ..self.clone()
        }
    }

    pub(crate) fn attach(mut self, response: HttpResponse) -> Self {
        self.response = Some(Box::new(response));
        self
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The HTTP status, or 599 when no complete response arrived
    /// (`HTTPClientError.code`).
    pub fn code(&self) -> u16 {
        self.code
    }

    /// A short description (`HTTPClientError.message`).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The response, for [`ErrorKind::Http`] (`HTTPClientError.response`).
    pub fn response(&self) -> Option<&HttpResponse> {
        self.response.as_deref()
    }

    /// Takes the response out of the error.
    pub fn into_response(self) -> Option<HttpResponse> {
        self.response.map(|r| *r)
    }

    /// True for a timeout.
    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }

    /// True for the 599 kinds: no complete HTTP response arrived.
    pub fn is_network(&self) -> bool {
        !matches!(
            self.kind,
            ErrorKind::Http | ErrorKind::InvalidRequest | ErrorKind::Closed
        )
    }
}

impl From<tornado_http1connection::Error> for HttpClientError {
    fn from(e: tornado_http1connection::Error) -> Self {
        use tornado_http1connection::ErrorKind as H;
        let (kind, message) = match e.kind() {
            H::BadRequest => (ErrorKind::BadResponse, e.message()),
            H::HeadTooLarge | H::BodyTooLarge => (ErrorKind::TooLarge, e.message()),
            H::BadResponse => (ErrorKind::InvalidRequest, e.message()),
            H::Timeout => (ErrorKind::Timeout, "Timeout during request"),
            _ => (ErrorKind::StreamClosed, "Stream closed"),
        };
        HttpClientError::new(kind, message).with_source(e)
    }
}

impl fmt::Debug for HttpClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClientError")
            .field("kind", &self.kind)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("response", &self.response.is_some())
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for HttpClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Tornado's str(): "HTTP 404: Not Found", "HTTP 599: Timeout ...".
        write!(f, "http {}: {}", self.code, self.message)
    }
}

impl StdError for HttpClientError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// A shorthand for results whose error is [`HttpClientError`].
pub type Result<T, E = HttpClientError> = std::result::Result<T, E>;
