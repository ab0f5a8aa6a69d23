//! `HttpServerRequest`: one HTTP request as the server delivers it.

use std::time::{Duration, Instant};

use tornado_escape::{ParseQsOptions, QueryArguments, latin1_encode, parse_qs_bytes};

use crate::body::{HttpFiles, ParseBodyConfig, parse_body_arguments};
use crate::cookie::{is_legal_cookie_name, parse_cookie};
use crate::error::HttpInputError;
use crate::headers::HttpHeaders;
use crate::start_line::RequestStartLine;
use crate::util::split_host_and_port;

/// RFC 3986 `uri-host [":" port]` as Tornado checks the Host header:
/// unreserved, sub-delims, `[`, `]`, `:` and `%XX` escapes.
fn is_valid_host(host: &str) -> bool {
    let b = host.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            if i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit() {
                i += 3;
                continue;
            }
            return false;
        }
        let ok = c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=[]:".contains(&c);
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

/// A single HTTP request: start line, headers, body and what is derived
/// from them.
///
/// Counterpart of Tornado's `tornado.httputil.HTTPServerRequest`. Built by
/// the HTTP/1 engine (or a test) from a parsed start line and headers; the
/// query string is parsed at construction, the body with
/// [`parse_body`](Self::parse_body).
///
/// ```
/// use tornado_httputil::{HttpHeaders, HttpServerRequest, parse_request_start_line};
/// let line = parse_request_start_line("GET /search?q=rust&q=tornado HTTP/1.1").unwrap();
/// let headers = HttpHeaders::parse("Host: Example.com:8080\r\nCookie: sid=abc\r\n").unwrap();
/// let request = HttpServerRequest::new(line, headers, Vec::new()).unwrap();
/// assert_eq!(request.host_name, "example.com");
/// assert_eq!(request.path, "/search");
/// assert_eq!(request.arguments.get_last("q"), Some(b"tornado".as_slice()));
/// assert_eq!(request.cookies(), [("sid".to_owned(), "abc".to_owned())]);
/// assert_eq!(request.full_url(), "http://Example.com:8080/search?q=rust&q=tornado");
/// ```
#[derive(Debug, Clone)]
#[doc(alias = "HTTPServerRequest")]
#[non_exhaustive]
pub struct HttpServerRequest {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The request target as sent.
    pub uri: String,
    /// The part of `uri` before the first `?`.
    pub path: String,
    /// The part of `uri` after the first `?` (empty if none).
    pub query: String,
    /// The version, e.g. `HTTP/1.1`.
    pub version: String,
    /// The request headers.
    pub headers: HttpHeaders,
    /// The request body.
    pub body: Vec<u8>,
    /// The client's address, when the connection knows it.
    pub remote_ip: Option<String>,
    /// `http` or `https`.
    pub protocol: String,
    /// The Host header (or `127.0.0.1` for HTTP/1.0 without one).
    pub host: String,
    /// `host` lower-cased, without the port.
    pub host_name: String,
    /// Query and body arguments together.
    pub arguments: QueryArguments,
    /// Arguments from the query string.
    pub query_arguments: QueryArguments,
    /// Arguments from the body (after [`parse_body`](Self::parse_body)).
    pub body_arguments: QueryArguments,
    /// Uploaded files (after [`parse_body`](Self::parse_body)).
    pub files: HttpFiles,
    start_time: Instant,
    finish_time: Option<Instant>,
}

impl HttpServerRequest {
    /// Builds a request with the default limits ([`ParseBodyConfig`]).
    pub fn new(
        start_line: RequestStartLine,
        headers: HttpHeaders,
        body: Vec<u8>,
    ) -> Result<Self, HttpInputError> {
        Self::with_config(start_line, headers, body, &ParseBodyConfig::default())
    }

    /// Builds a request, checking the Host header (required on HTTP/1.1; a
    /// valid `uri-host[:port]` without commas) and parsing the query string
    /// (blank values kept, at most `config.urlencoded.max_arguments` fields).
    pub fn with_config(
        start_line: RequestStartLine,
        headers: HttpHeaders,
        body: Vec<u8>,
        config: &ParseBodyConfig,
    ) -> Result<Self, HttpInputError> {
        let RequestStartLine {
            method,
            path: uri,
            version,
        } = start_line;
        let host = match headers.get("Host") {
            Some(host) => host.into_owned(),
            None if version == "HTTP/1.0" => "127.0.0.1".to_owned(),
            None => return Err(HttpInputError::MissingHost),
        };
        if !is_valid_host(&host) {
            return Err(HttpInputError::InvalidHost);
        }
        if host.contains(',') {
            return Err(HttpInputError::MultipleHosts);
        }
        let host_name = split_host_and_port(&host.to_lowercase()).0.to_owned();
        let (path, query) = uri.split_once('?').unwrap_or((&uri, ""));
        let (path, query) = (path.to_owned(), query.to_owned());
        let options = ParseQsOptions::default()
            .keep_blank_values(true)
            .max_num_fields(Some(config.urlencoded.max_arguments));
        let query_bytes = latin1_encode(&query).map_err(|_| HttpInputError::InvalidQuery)?;
        let arguments =
            parse_qs_bytes(&query_bytes, &options).map_err(|_| HttpInputError::InvalidQuery)?;
        Ok(Self {
            method,
            uri,
            path,
            query,
            version,
            headers,
            body,
            remote_ip: None,
            protocol: "http".to_owned(),
            host,
            host_name,
            query_arguments: arguments.clone(),
            arguments,
            body_arguments: QueryArguments::new(),
            files: HttpFiles::new(),
            start_time: Instant::now(),
            finish_time: None,
        })
    }

    /// Parses the body per its `Content-Type` into
    /// [`body_arguments`](Self::body_arguments) and [`files`](Self::files),
    /// and adds the body arguments to [`arguments`](Self::arguments).
    ///
    /// Counterpart of Tornado's private `HTTPServerRequest._parse_body`, which
    /// uses the process-wide config from `set_parse_body_config`; here the
    /// limits are passed in as `config`.
    #[doc(alias = "_parse_body")]
    pub fn parse_body(&mut self, config: &ParseBodyConfig) -> Result<(), HttpInputError> {
        let content_type = self
            .headers
            .get("Content-Type")
            .unwrap_or_default()
            .into_owned();
        parse_body_arguments(
            &content_type,
            &self.body,
            &mut self.body_arguments,
            &mut self.files,
            Some(&self.headers),
            config,
        )?;
        self.arguments.extend_from(&self.body_arguments);
        Ok(())
    }

    /// The cookies of the `Cookie` header, in order, keeping only names that
    /// Python's `SimpleCookie` accepts (so `path=…`, `expires=…`, names with
    /// spaces and the empty name are dropped, as in Tornado).
    pub fn cookies(&self) -> Vec<(String, String)> {
        self.headers.get("Cookie").map_or_else(Vec::new, |header| {
            parse_cookie(&header)
                .into_iter()
                .filter(|(name, _)| is_legal_cookie_name(name))
                .collect()
        })
    }

    /// `protocol://host` followed by the URI, as Tornado builds it.
    pub fn full_url(&self) -> String {
        format!("{}://{}{}", self.protocol, self.host, self.uri)
    }

    /// Records the end of the request (what Tornado does when the response
    /// is finished).
    pub fn finish(&mut self) {
        self.finish_time = Some(Instant::now());
    }

    /// Time taken so far, or until [`finish`](Self::finish).
    pub fn request_time(&self) -> Duration {
        self.finish_time.unwrap_or_else(Instant::now) - self.start_time
    }

    /// Sets the connection facts the transport knows (Tornado takes them
    /// from `connection.context`).
    pub fn set_connection_info(&mut self, remote_ip: Option<String>, protocol: &str) {
        self.remote_ip = remote_ip;
        self.protocol = protocol.to_owned();
    }
}
