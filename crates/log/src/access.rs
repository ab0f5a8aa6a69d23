//! The access log line the web layer writes for every request.

use std::fmt;
use std::time::Duration;

use log::Level;

use crate::ACCESS_LOG;
use crate::format::escape_all_control;

/// One request, as Tornado's `Application.log_request` reports it:
/// `200 GET /path (127.0.0.1) 0.52ms`.
///
/// `Display` gives the line (control characters in the method, URI and
/// address escaped, line breaks included, since they come from the client); [`AccessRecord::level`]
/// the level (INFO below 400, WARNING for 4xx, ERROR for 5xx).
///
/// ```
/// use std::time::Duration;
/// use tornado_log::AccessRecord;
/// let r = AccessRecord::new(404, "GET", "/missing\x1b[2J", "10.0.0.1", Duration::from_micros(520));
/// assert_eq!(r.to_string(), "404 GET /missing\\x1b[2J (10.0.0.1) 0.52ms");
/// assert_eq!(r.level(), log::Level::Warn);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(alias = "log_request")]
pub struct AccessRecord<'a> {
    /// The response status code.
    pub status: u16,
    /// The request method.
    pub method: &'a str,
    /// The request URI (path and query).
    pub uri: &'a str,
    /// The client address.
    pub remote_ip: &'a str,
    /// How long the request took.
    pub request_time: Duration,
}

impl<'a> AccessRecord<'a> {
    /// A record of one request.
    pub fn new(
        status: u16,
        method: &'a str,
        uri: &'a str,
        remote_ip: &'a str,
        request_time: Duration,
    ) -> Self {
        Self {
            status,
            method,
            uri,
            remote_ip,
            request_time,
        }
    }

    /// INFO below 400, WARNING for 400–499, ERROR from 500.
    pub fn level(&self) -> Level {
        match self.status {
            0..=399 => Level::Info,
            400..=499 => Level::Warn,
            _ => Level::Error,
        }
    }

    /// Writes the line to the `tornado.access` channel at its level.
    pub fn log(&self) {
        log::log!(target: ACCESS_LOG, self.level(), "{self}");
    }
}

impl fmt::Display for AccessRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Tornado: "%d %s %.2fms" with the summary "METHOD URI (IP)".
        write!(
            f,
            "{} {} {} ({}) {:.2}ms",
            self.status,
            escape_all_control(self.method),
            escape_all_control(self.uri),
            escape_all_control(self.remote_ip),
            self.request_time.as_secs_f64() * 1000.0
        )
    }
}
