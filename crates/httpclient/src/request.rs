//! [`HttpRequest`]: what to fetch and how, with Tornado's defaults.

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use tornado_http1connection::RequestBodyWriter;
use tornado_httputil::HttpHeaders;

/// The `User-Agent` sent when the request names none (Tornado's, for
/// parity with servers that look for it).
#[doc(alias = "user_agent")]
pub const DEFAULT_USER_AGENT: &str = "Tornado/6.6.1";

/// The writer a [`BodyProducer`] streams the request body into
/// (the `write` function Tornado passes to `body_producer`).
#[doc(alias = "write")]
pub type BodyWriter = RequestBodyWriter;

/// The future a [`BodyProducer`] returns.
#[doc(alias = "body_producer")]
pub type BodyFuture = Pin<Box<dyn Future<Output = tornado_http1connection::Result<()>>>>;

/// A streamed request body (`body_producer`): called with a
/// [`BodyWriter`] once per attempt, it writes the body piece by piece,
/// each write resolving once the bytes reached the kernel. Without a
/// `Content-Length` header the body goes out chunked.
#[doc(alias = "body_producer")]
pub type BodyProducer = Rc<dyn Fn(BodyWriter) -> BodyFuture>;

/// Receives the response body piece by piece instead of buffering it
/// (`streaming_callback`); the response's `body` is then empty.
#[doc(alias = "streaming_callback")]
pub type StreamingCallback = Rc<dyn Fn(Bytes)>;

/// Receives each line of the final response head, status line first and
/// the empty line (`"\r\n"`) last, each with its CRLF (`header_callback`).
#[doc(alias = "header_callback")]
pub type HeaderCallback = Rc<dyn Fn(&str)>;

/// How `auth_username` and `auth_password` are sent (`auth_mode`).
#[doc(alias = "auth_mode")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthMode {
    /// HTTP Basic (`"basic"`, the default and the only mode Tornado's
    /// simple client supports).
    #[default]
    Basic,
    /// HTTP Digest with MD5 (`"digest"`, curl-only in Tornado): the
    /// request goes out without credentials, and a `401` with a `Digest`
    /// challenge is answered once.
    Digest,
}

/// One HTTP request (`tornado.httpclient.HTTPRequest`), with Tornado's
/// defaults: `GET`, connect and request timeouts of 20 s, up to 5
/// redirects followed, responses decompressed, certificates verified.
///
/// Build it with [`HttpRequest::new`] and the setters, which take and
/// return the request:
///
/// ```
/// use std::time::Duration;
/// use tornado_httpclient::HttpRequest;
///
/// let request = HttpRequest::new("http://example.com/api")
///     .method("POST")
///     .header("Content-Type", "application/json")?
///     .body(r#"{"a": 1}"#)
///     .request_timeout(Duration::from_secs(5));
/// assert_eq!(request.connect_timeout, Some(Duration::from_secs(20)));
/// assert_eq!(request.max_redirects, 5);
/// # Ok::<(), tornado_httputil::HttpInputError>(())
/// ```
#[doc(alias = "HTTPRequest")]
#[derive(Clone)]
#[non_exhaustive]
pub struct HttpRequest {
    /// The URL, `http` or `https` (`url`).
    pub url: String,
    /// The method, default `GET` (`method`). Only `GET HEAD POST PUT
    /// DELETE PATCH OPTIONS` unless `allow_nonstandard_methods`.
    pub method: String,
    /// Extra headers (`headers`); the client adds `Host`, `User-Agent`,
    /// `Accept-Encoding`, `Content-Length` and the like when absent.
    pub headers: HttpHeaders,
    /// The body (`body`); `POST`, `PUT` and `PATCH` need one (or a
    /// producer), other methods must not have one unless
    /// `allow_nonstandard_methods`.
    pub body: Option<Bytes>,
    /// A streamed body (`body_producer`).
    pub body_producer: Option<BodyProducer>,
    /// User name for HTTP authentication (`auth_username`).
    pub auth_username: Option<String>,
    /// Password for HTTP authentication (`auth_password`).
    pub auth_password: Option<String>,
    /// How to authenticate (`auth_mode`), default basic. Applies to the
    /// URL's credentials too.
    pub auth_mode: AuthMode,
    /// Limit on name resolution, TCP connect and TLS handshake
    /// (`connect_timeout`): 20 s; `None` or zero for none.
    pub connect_timeout: Option<Duration>,
    /// Limit on the whole request, counted from the call, queue wait
    /// included (`request_timeout`): 20 s; `None` or zero for none.
    pub request_timeout: Option<Duration>,
    /// Sends `If-Modified-Since` with this time (`if_modified_since`).
    pub if_modified_since: Option<SystemTime>,
    /// Follow `301 302 303 307 308` redirects (`follow_redirects`): true.
    pub follow_redirects: bool,
    /// The most redirects followed (`max_redirects`): 5. After that the
    /// redirect response itself is the result.
    pub max_redirects: u32,
    /// `User-Agent` (`user_agent`); default [`DEFAULT_USER_AGENT`] unless
    /// the headers carry one.
    pub user_agent: Option<String>,
    /// Ask for and decompress gzip/deflate responses
    /// (`decompress_response`, alias `use_gzip`): true.
    #[doc(alias = "use_gzip")]
    pub decompress_response: bool,
    /// The local address to connect from (`network_interface`).
    pub network_interface: Option<IpAddr>,
    /// Receives the body in pieces (`streaming_callback`).
    pub streaming_callback: Option<StreamingCallback>,
    /// Receives the head line by line (`header_callback`).
    pub header_callback: Option<HeaderCallback>,
    /// Allow any method and a body on any method
    /// (`allow_nonstandard_methods`): false.
    pub allow_nonstandard_methods: bool,
    /// Verify the server's certificate and name (`validate_cert`): true.
    pub validate_cert: bool,
    /// PEM file of trusted CAs instead of the web PKI roots (`ca_certs`).
    pub ca_certs: Option<PathBuf>,
    /// PEM file with a client certificate chain (`client_cert`).
    pub client_cert: Option<PathBuf>,
    /// PEM file with the client key (`client_key`); default the
    /// certificate file.
    pub client_key: Option<PathBuf>,
    /// A complete TLS configuration, overriding `validate_cert`,
    /// `ca_certs` and the client certificate (`ssl_options`).
    pub tls_config: Option<Arc<rustls::ClientConfig>>,
    /// Send `Expect: 100-continue` and the body only once the server
    /// answers `100 Continue` (`expect_100_continue`): false.
    pub expect_100_continue: bool,
    /// Connect through this HTTP proxy (`proxy_host`); `https` URLs are
    /// tunnelled with `CONNECT`.
    pub proxy_host: Option<String>,
    /// The proxy's port (`proxy_port`), default 80.
    pub proxy_port: Option<u16>,
    /// Basic credentials for the proxy (`proxy_username`).
    pub proxy_username: Option<String>,
    /// (`proxy_password`).
    pub proxy_password: Option<String>,
    /// Try IPv6 addresses too (`allow_ipv6`): true.
    pub allow_ipv6: bool,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("url", &self.url)
            .field("method", &self.method)
            .field("headers", &self.headers)
            .field("body", &self.body.as_ref().map(Bytes::len))
            .field("body_producer", &self.body_producer.is_some())
            .field("follow_redirects", &self.follow_redirects)
            .field("max_redirects", &self.max_redirects)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("proxy_host", &self.proxy_host)
            .field("proxy_port", &self.proxy_port)
            .finish_non_exhaustive()
    }
}

impl HttpRequest {
    /// A `GET` of `url` with Tornado's defaults (`HTTPRequest(url)`).
    #[doc(alias = "HTTPRequest")]
    pub fn new(url: impl Into<String>) -> Self {
        HttpRequest {
            url: url.into(),
            method: "GET".to_owned(),
            headers: HttpHeaders::new(),
            body: None,
            body_producer: None,
            auth_username: None,
            auth_password: None,
            auth_mode: AuthMode::Basic,
            connect_timeout: Some(Duration::from_secs(20)),
            request_timeout: Some(Duration::from_secs(20)),
            if_modified_since: None,
            follow_redirects: true,
            max_redirects: 5,
            user_agent: None,
            decompress_response: true,
            network_interface: None,
            streaming_callback: None,
            header_callback: None,
            allow_nonstandard_methods: false,
            validate_cert: true,
            ca_certs: None,
            client_cert: None,
            client_key: None,
            tls_config: None,
            expect_100_continue: false,
            proxy_host: None,
            proxy_port: None,
            proxy_username: None,
            proxy_password: None,
            allow_ipv6: true,
        }
    }

    /// Sets the method.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = method.into();
        self
    }

    /// Adds a header line; CR, LF and other controls are refused.
    pub fn header(
        mut self,
        name: &str,
        value: &str,
    ) -> Result<Self, tornado_httputil::HttpInputError> {
        self.headers.add(name, value)?;
        Ok(self)
    }

    /// Replaces the headers.
    pub fn headers(mut self, headers: HttpHeaders) -> Self {
        self.headers = headers;
        self
    }

    /// Sets the body (a `&str` is sent as UTF-8).
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Streams the body from `producer` (`body_producer`).
    ///
    /// ```
    /// use tornado_httpclient::HttpRequest;
    /// let request = HttpRequest::new("http://example.com/upload")
    ///     .method("PUT")
    ///     .body_producer(|writer| async move {
    ///         writer.write(&b"part 1, "[..]).await?;
    ///         writer.write(&b"part 2"[..]).await
    ///     });
    /// assert!(request.body_producer.is_some());
    /// ```
    pub fn body_producer<F, Fut>(mut self, producer: F) -> Self
    where
        F: Fn(BodyWriter) -> Fut + 'static,
        Fut: Future<Output = tornado_http1connection::Result<()>> + 'static,
    {
        self.body_producer = Some(Rc::new(move |w| Box::pin(producer(w))));
        self
    }

    /// Sets basic-auth credentials (`auth_username`, `auth_password`).
    #[doc(alias = "auth_username")]
    #[doc(alias = "auth_password")]
    pub fn auth(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.auth_username = Some(username.into());
        self.auth_password = Some(password.into());
        self
    }

    /// Sets `connect_timeout`.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Sets `request_timeout`.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// Sets `if_modified_since`.
    pub fn if_modified_since(mut self, time: SystemTime) -> Self {
        self.if_modified_since = Some(time);
        self
    }

    /// Sets `follow_redirects`.
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        self.follow_redirects = follow;
        self
    }

    /// Sets `max_redirects`.
    pub fn max_redirects(mut self, max: u32) -> Self {
        self.max_redirects = max;
        self
    }

    /// Sets `user_agent`.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = Some(agent.into());
        self
    }

    /// Sets `decompress_response`.
    pub fn decompress_response(mut self, decompress: bool) -> Self {
        self.decompress_response = decompress;
        self
    }

    /// Sets `network_interface` (the source address).
    #[doc(alias = "source_ip")]
    pub fn network_interface(mut self, ip: IpAddr) -> Self {
        self.network_interface = Some(ip);
        self
    }

    /// Sets `streaming_callback`.
    pub fn streaming_callback(mut self, callback: impl Fn(Bytes) + 'static) -> Self {
        self.streaming_callback = Some(Rc::new(callback));
        self
    }

    /// Sets `header_callback`.
    pub fn header_callback(mut self, callback: impl Fn(&str) + 'static) -> Self {
        self.header_callback = Some(Rc::new(callback));
        self
    }

    /// Sets `allow_nonstandard_methods`.
    pub fn allow_nonstandard_methods(mut self, allow: bool) -> Self {
        self.allow_nonstandard_methods = allow;
        self
    }

    /// Sets `validate_cert`.
    pub fn validate_cert(mut self, validate: bool) -> Self {
        self.validate_cert = validate;
        self
    }

    /// Sets `ca_certs`.
    pub fn ca_certs(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_certs = Some(path.into());
        self
    }

    /// Sets `client_cert` and `client_key`.
    pub fn client_cert(mut self, cert: impl Into<PathBuf>, key: Option<PathBuf>) -> Self {
        self.client_cert = Some(cert.into());
        self.client_key = key;
        self
    }

    /// Sets `tls_config` (`ssl_options`).
    #[doc(alias = "ssl_options")]
    pub fn tls_config(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls_config = Some(config);
        self
    }

    /// Sets `expect_100_continue`.
    pub fn expect_100_continue(mut self, expect: bool) -> Self {
        self.expect_100_continue = expect;
        self
    }

    /// Sets `proxy_host` and `proxy_port`.
    #[doc(alias = "proxy_host")]
    #[doc(alias = "proxy_port")]
    pub fn proxy(mut self, host: impl Into<String>, port: u16) -> Self {
        self.proxy_host = Some(host.into());
        self.proxy_port = Some(port);
        self
    }

    /// Sets `proxy_username` and `proxy_password`.
    #[doc(alias = "proxy_username")]
    #[doc(alias = "proxy_password")]
    pub fn proxy_auth(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.proxy_username = Some(username.into());
        self.proxy_password = Some(password.into());
        self
    }

    /// Sets `allow_ipv6`.
    pub fn allow_ipv6(mut self, allow: bool) -> Self {
        self.allow_ipv6 = allow;
        self
    }
}

impl HttpRequest {
    /// This request with every setting it left at Tornado's default taken
    /// from `defaults` (the client's `defaults`; see
    /// [`ClientOptions::defaults`](crate::ClientOptions::defaults)).
    pub(crate) fn with_defaults(mut self, defaults: &HttpRequest) -> HttpRequest {
        let tornado = HttpRequest::new("");
        macro_rules! fill {
            ($($field:ident),* $(,)?) => {
                $(
                    if self.$field == tornado.$field {
                        self.$field = defaults.$field.clone();
                    }
                )*
            };
        }
        fill!(
            auth_username,
            auth_password,
            auth_mode,
            connect_timeout,
            request_timeout,
            if_modified_since,
            follow_redirects,
            max_redirects,
            user_agent,
            decompress_response,
            network_interface,
            allow_nonstandard_methods,
            validate_cert,
            ca_certs,
            client_cert,
            client_key,
            expect_100_continue,
            proxy_host,
            proxy_port,
            proxy_username,
            proxy_password,
            allow_ipv6,
        );
        // Callbacks and TLS configurations compare by presence.
        if self.streaming_callback.is_none() {
            self.streaming_callback
                .clone_from(&defaults.streaming_callback);
        }
        if self.header_callback.is_none() {
            self.header_callback.clone_from(&defaults.header_callback);
        }
        if self.tls_config.is_none() {
            self.tls_config.clone_from(&defaults.tls_config);
        }
        self
    }
}

impl From<&str> for HttpRequest {
    fn from(url: &str) -> Self {
        HttpRequest::new(url)
    }
}

impl From<String> for HttpRequest {
    fn from(url: String) -> Self {
        HttpRequest::new(url)
    }
}
