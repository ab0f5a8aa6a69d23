//! [`HttpResponse`]: what a fetch returns.

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use tornado_httputil::HttpHeaders;

use crate::error::HttpClientError;

/// Where the time of a fetch went (Tornado's `time_info`, with curl's
/// names where they apply). Each phase is measured from the call of
/// `fetch`; phases that did not happen (no connect on a reused
/// connection, no TLS on `http`) are `None`.
#[doc(alias = "time_info")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimeInfo {
    /// Waiting for a free slot under `max_clients` (`queue`).
    pub queue: Duration,
    /// Until the TCP connection was made, name resolution included
    /// (`connect`).
    pub connect: Option<Duration>,
    /// Until the TLS handshake finished (`appconnect`).
    pub tls: Option<Duration>,
    /// Until the first byte of the final response (`starttransfer`).
    pub first_byte: Option<Duration>,
    /// Until the response was complete (`total`).
    pub total: Duration,
    /// Time spent on redirects before the final request (`redirect`).
    pub redirect: Duration,
}

/// The response to a fetch (`tornado.httpclient.HTTPResponse`).
///
/// With `raise_error` (the default of [`fetch`](crate::AsyncHttpClient::fetch))
/// a status outside 200–299 is an `Err` carrying this response; with
/// [`fetch_with`](crate::AsyncHttpClient::fetch_with) and
/// `raise_error: false` it comes back as `Ok`, with
/// [`error`](Self::error) set and [`rethrow`](Self::rethrow) to turn it
/// into the `Err`.
#[doc(alias = "HTTPResponse")]
#[derive(Clone)]
#[non_exhaustive]
pub struct HttpResponse {
    /// The status code (`code`).
    pub code: u16,
    /// The reason phrase (`reason`); the standard one when the server
    /// sent none.
    pub reason: String,
    /// The headers (`headers`). A decompressed body's `Content-Encoding`
    /// is renamed `X-Consumed-Content-Encoding`.
    pub headers: HttpHeaders,
    /// The body (`body`), decompressed; empty with a `streaming_callback`.
    pub body: Bytes,
    /// The URL of the final request, after redirects (`effective_url`).
    pub effective_url: String,
    /// The URL that was asked for (Tornado's `response.request.url`).
    pub request_url: String,
    /// From the call to the complete response, redirects included
    /// (`request_time`).
    pub request_time: Duration,
    /// When the fetch started (`start_time`).
    pub start_time: SystemTime,
    /// Where the time went (`time_info`).
    pub time_info: TimeInfo,
    /// The error this response stands for, when its status is outside
    /// 200–299 (`error`).
    pub error: Option<Box<HttpClientError>>,
}

impl HttpResponse {
    /// `Err` with the [`error`](Self::error) when there is one, else `Ok`
    /// (`HTTPResponse.rethrow`).
    pub fn rethrow(&self) -> Result<(), HttpClientError> {
        match &self.error {
            None => Ok(()),
            Some(error) => Err((**error).clone().attach(self.clone())),
        }
    }

    /// The body as text, when it is UTF-8 (`response.body.decode()`).
    #[doc(alias = "body")]
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Tornado's repr: HTTPResponse(code=200, ...), without the body.
        f.debug_struct("HttpResponse")
            .field("code", &self.code)
            .field("reason", &self.reason)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .field("effective_url", &self.effective_url)
            .field("request_time", &self.request_time)
            .field("error", &self.error)
            .finish()
    }
}
