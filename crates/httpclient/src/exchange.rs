//! One request and its response on one connection (Tornado's
//! `_HTTPConnection`): connecting (directly, through a proxy, or through a
//! `CONNECT` tunnel), TLS, the request head and body, `100-continue`, and
//! reading the response.

use std::borrow::Cow;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::Instant;

use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use tornado_http1connection::{Http1ClientConnection, Http1ConnectionParameters};
use tornado_httputil::{HttpHeaders, encode_username_password, format_system_time};
use tornado_ioloop::IoLoop;
use tornado_ioloop::r#gen::{self, Sleep};
use tornado_iostream::{IoStream, TlsSide};
use tornado_netutil::AddressFamily;
use tornado_netutil::tls::{ClientTlsOptions, client_config, default_client_config};
use tornado_tcpclient::ConnectOptions;

use crate::client::{Inner, deadline};
use crate::error::{ErrorKind, HttpClientError, Result};
use crate::request::{AuthMode, DEFAULT_USER_AGENT, HttpRequest};
use crate::response::TimeInfo;
use crate::url::Url;

/// How to run one request of a fetch.
#[derive(Clone, Copy)]
pub(crate) struct Plan {
    /// When the fetch was called (`time_info` counts from here).
    pub(crate) start: Instant,
    /// When this request must be complete.
    pub(crate) deadline: Option<Instant>,
    /// Whether a redirect response is to be followed.
    pub(crate) follow: bool,
    /// Leave the final body unread, for a [`crate::ResponseStream`].
    pub(crate) stream_body: bool,
    /// Answer a `401` with a `Digest` challenge (its body is dropped and
    /// the caller retries with credentials).
    pub(crate) digest: bool,
}

/// What one request produced.
pub(crate) struct Hop {
    pub(crate) code: u16,
    pub(crate) reason: String,
    pub(crate) headers: HttpHeaders,
    pub(crate) body: Bytes,
    /// A redirect the caller is to follow (its body was dropped).
    pub(crate) followed: bool,
    /// For a streamed response: the connection with the body still to
    /// read, and its pool key.
    pub(crate) unread: Option<(Http1ClientConnection, String)>,
}

/// Runs `future` until `at`; a timeout error with `message` after.
pub(crate) async fn within<F: Future>(
    at: Option<Instant>,
    message: &str,
    future: F,
) -> Result<F::Output> {
    match at {
        None => Ok(future.await),
        Some(at) => r#gen::with_timeout(at, future)
            .await
            .map_err(|_| HttpClientError::timeout(message)),
    }
}

/// [`within`] for a future already pinned in its caller's frame: it is
/// polled where it lies, never moved. The exchange is the largest future
/// of a fetch, and each move of it is a copy of its whole state.
async fn within_pinned<F: Future>(
    at: Option<Instant>,
    message: &str,
    mut future: Pin<&mut F>,
) -> Result<F::Output> {
    let Some(at) = at else {
        return Ok(future.await);
    };
    let mut sleep = Sleep::new(IoLoop::current(), at);
    poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        match Pin::new(&mut sleep).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(HttpClientError::timeout(message))),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

fn is_redirect(code: u16) -> bool {
    matches!(code, 301 | 302 | 303 | 307 | 308)
}

/// Methods RFC 9110 §9.2.2 calls idempotent: safe to send again.
fn idempotent(method: &str) -> bool {
    matches!(
        method,
        "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE" | "TRACE"
    )
}

fn basic(username: &str, password: &str) -> String {
    let raw = encode_username_password(username, password);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// The proxy a request goes through, if any.
fn proxy(request: &HttpRequest) -> Option<(&str, u16)> {
    request
        .proxy_host
        .as_deref()
        .map(|host| (host, request.proxy_port.unwrap_or(80)))
}

/// Connections are shared only between requests that would have made the
/// same one: same origin, and the same TLS, proxy and source settings.
fn pool_key(request: &HttpRequest, url: &Url) -> String {
    use std::fmt::Write as _;
    let mut key = String::with_capacity(url.scheme.len() + url.host.len() + 16);
    key.push_str(url.scheme);
    key.push_str("://");
    key.push_str(&url.host);
    let _ = write!(key, ":{}", url.port_or_default());
    let plain = request.validate_cert
        && request.ca_certs.is_none()
        && request.client_cert.is_none()
        && request.client_key.is_none()
        && request.tls_config.is_none()
        && request.proxy_host.is_none()
        && request.network_interface.is_none()
        && request.allow_ipv6;
    if !plain {
        // Rare: spell out every setting that changes the connection.
        let tls = request
            .tls_config
            .as_ref()
            .map_or(0, |c| Arc::as_ptr(c) as usize);
        let _ = write!(
            key,
            "|{}|{:?}|{:?}|{:?}|{tls:x}|{:?}|{:?}|{:?}|{:?}|{:?}|{}",
            request.validate_cert,
            request.ca_certs,
            request.client_cert,
            request.client_key,
            request.proxy_host,
            request.proxy_port,
            request.proxy_username,
            request.proxy_password,
            request.network_interface,
            request.allow_ipv6,
        );
    }
    key
}

fn params(inner: &Inner, request: &HttpRequest) -> Http1ConnectionParameters {
    let options = &inner.options;
    Http1ConnectionParameters::default()
        .max_header_size(options.max_header_size)
        .max_header_count(options.max_header_count)
        .max_body_size(options.max_body_size.unwrap_or(options.max_buffer_size))
        .decompress(request.decompress_response)
}

/// One request: on a pooled connection when there is one, else a new one;
/// retried once on a new connection when a pooled one turns out dead
/// before any response byte and the request is safe to send again.
pub(crate) async fn run(
    inner: &Inner,
    request: &HttpRequest,
    url: &Url,
    plan: Plan,
    time_info: &mut TimeInfo,
) -> Result<Hop> {
    let Plan {
        start,
        deadline: request_deadline,
        stream_body,
        ..
    } = plan;
    let key = pool_key(request, url);
    let mut retried = false;
    loop {
        // A client closed while this request ran keeps no connection.
        let keep_alive = inner.options.keep_alive && !inner.closed.get();
        let pooled = if keep_alive && !retried {
            inner.pool.take(&key)
        } else {
            None
        };
        let reused = pooled.is_some();
        let mut conn = match pooled {
            Some(mut conn) => {
                conn.set_decompress(request.decompress_response);
                conn
            }
            // Boxed: connecting (resolve, Happy Eyeballs, tunnel, TLS) is a
            // large future that a reused connection never needs; inline, it
            // would make every fetch's future, and every move of it, larger.
            None => {
                Box::pin(connect(
                    inner,
                    request,
                    url,
                    start,
                    request_deadline,
                    time_info,
                ))
                .await?
            }
        };
        let outcome = {
            let exchange = pin!(exchange(&mut conn, inner, request, url, plan, time_info));
            within_pinned(request_deadline, "Timeout during request", exchange)
                .await
                .and_then(|result| result)
        };
        match outcome {
            Ok((mut hop, reusable)) => {
                if stream_body && !hop.followed {
                    hop.unread = Some((conn, key));
                } else if reusable && keep_alive && !inner.closed.get() {
                    inner.pool.put(key, conn);
                } else {
                    conn.stream().close(None);
                }
                return Ok(hop);
            }
            Err(e)
                if reused
                    && !conn.response_started()
                    && e.kind() == ErrorKind::StreamClosed
                    && idempotent(&request.method)
                    && request.body_producer.is_none() =>
            {
                log::debug!(
                    target: "tornado.general",
                    "pooled connection closed by the server; retrying on a new one"
                );
                conn.stream().close(None);
                retried = true;
            }
            Err(e) => {
                conn.stream().close(None);
                return Err(e);
            }
        }
    }
}

/// A new connection for `request`, through its proxy when it has one,
/// in TLS for `https`, within `connect_timeout` (and the request's
/// deadline).
async fn connect(
    inner: &Inner,
    request: &HttpRequest,
    url: &Url,
    start: Instant,
    request_deadline: Option<Instant>,
    time_info: &mut TimeInfo,
) -> Result<Http1ClientConnection> {
    let ioloop = IoLoop::current();
    let connect_deadline = match (
        deadline(ioloop.time(), request.connect_timeout),
        request_deadline,
    ) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let (host, port) = proxy(request).unwrap_or((url.host.as_str(), url.port_or_default()));
    let mut options = ConnectOptions::default().max_buffer_size(inner.options.max_buffer_size);
    if let Some(ip) = request.network_interface {
        options = options.source_ip(ip);
    }
    if !request.allow_ipv6 {
        options = options.family(AddressFamily::Inet);
    }
    let stream = within(
        connect_deadline,
        "Timeout while connecting",
        inner.tcp.connect(host, port, options),
    )
    .await?
    .map_err(|e| {
        if e.is_timeout() {
            HttpClientError::timeout("Timeout while connecting").with_source(e)
        } else {
            let message = match e.io_error() {
                Some(cause) => format!("{e}: {cause}"),
                None => e.to_string(),
            };
            HttpClientError::new(ErrorKind::Connect, message).with_source(e)
        }
    })?;
    inner
        .connections_opened
        .set(inner.connections_opened.get() + 1);
    time_info.connect = Some(ioloop.time() - start);
    let _ = stream.set_nodelay(true);
    let mut stream = stream;
    let params = params(inner, request);
    if url.scheme == "https" {
        if proxy(request).is_some() {
            let tunnel = open_tunnel(stream, request, url, params.clone());
            stream = within(connect_deadline, "Timeout while connecting", tunnel).await??;
        }
        let config = tls_config(inner, request)?;
        let tls = stream
            .start_tls(TlsSide::Client {
                config,
                server_name: url.host.clone(),
            })
            .map_err(|e| HttpClientError::new(ErrorKind::Tls, e.to_string()).with_source(e))?;
        within(
            connect_deadline,
            "Timeout while connecting",
            tls.wait_for_handshake(),
        )
        .await?
        .map_err(|e| HttpClientError::new(ErrorKind::Tls, e.to_string()).with_source(e))?;
        time_info.tls = Some(ioloop.time() - start);
        stream = tls;
    }
    Ok(Http1ClientConnection::new(stream, params))
}

/// Asks the proxy for a tunnel to the URL's host and port (`CONNECT`,
/// RFC 9110 §9.3.6); the stream then carries the TLS connection.
async fn open_tunnel(
    stream: IoStream,
    request: &HttpRequest,
    url: &Url,
    params: Http1ConnectionParameters,
) -> Result<IoStream> {
    let authority = if url.host.contains(':') {
        format!("[{}]:{}", url.host, url.port_or_default())
    } else {
        format!("{}:{}", url.host, url.port_or_default())
    };
    let credentials = request
        .proxy_username
        .as_ref()
        .map(|user| basic(user, request.proxy_password.as_deref().unwrap_or("")));
    let mut headers = vec![("Host", authority.as_str())];
    if let Some(credentials) = &credentials {
        headers.push(("Proxy-Authorization", credentials.as_str()));
    }
    let mut conn = Http1ClientConnection::new(stream, params.decompress(false));
    conn.write_request("CONNECT", &authority, &headers, Bytes::new())?;
    let head = loop {
        let head = conn.read_response_head().await?;
        if !head.is_informational() {
            break head;
        }
    };
    if !(200..300).contains(&head.code) {
        return Err(HttpClientError::new(
            ErrorKind::Connect,
            format!("proxy refused the tunnel: HTTP {}", head.code),
        ));
    }
    let stream = conn.into_stream();
    if stream.buffered() > 0 {
        return Err(HttpClientError::new(
            ErrorKind::BadResponse,
            "proxy sent data before the tunnel was used",
        ));
    }
    Ok(stream)
}

/// The TLS configuration of a request: its own, the shared default, or
/// one built from its options (cached per option set).
fn tls_config(inner: &Inner, request: &HttpRequest) -> Result<Arc<rustls::ClientConfig>> {
    if let Some(config) = &request.tls_config {
        return Ok(config.clone());
    }
    if request.validate_cert && request.ca_certs.is_none() && request.client_cert.is_none() {
        return Ok(default_client_config());
    }
    let key = format!(
        "{}|{:?}|{:?}|{:?}",
        request.validate_cert, request.ca_certs, request.client_cert, request.client_key
    );
    if let Some(config) = inner.tls_configs.borrow().get(&key) {
        return Ok(config.clone());
    }
    let mut options = ClientTlsOptions::default().validate_cert(request.validate_cert);
    if let Some(ca) = &request.ca_certs {
        options = options.ca_file(ca);
    }
    if let Some(cert) = &request.client_cert {
        options = options.client_cert(cert, request.client_key.clone());
    }
    let config = client_config(&options)
        .map_err(|e| HttpClientError::new(ErrorKind::Tls, e.to_string()).with_source(e))?;
    inner.tls_configs.borrow_mut().insert(key, config.clone());
    Ok(config)
}

/// The header lines sent: the request's, plus what Tornado's client adds
/// (`Host`, `User-Agent`, `Accept-Encoding`, `Content-Length`, ...) when
/// absent, and the ones it always sets from the request's fields
/// (`Authorization` from credentials, `Content-Length` of a body).
fn request_headers<'a>(
    inner: &Inner,
    request: &'a HttpRequest,
    url: &'a Url,
) -> Vec<(&'a str, Cow<'a, str>)> {
    let user = &request.headers;
    let has = |name: &str| !user.is_empty() && user.contains(name);
    let mut ours: Vec<(&'a str, Cow<'a, str>)> = Vec::with_capacity(10);
    if !inner.options.keep_alive && !has("Connection") {
        ours.push(("Connection", Cow::Borrowed("close")));
    }
    if !has("Host") {
        ours.push(("Host", Cow::Borrowed(url.host_header.as_str())));
    }
    if request.auth_mode == AuthMode::Basic {
        if let Some((user, password)) = credentials(request, url) {
            ours.push(("Authorization", Cow::Owned(basic(user, password))));
        }
    }
    match &request.user_agent {
        Some(agent) => ours.push(("User-Agent", Cow::Borrowed(agent.as_str()))),
        None if !has("User-Agent") => ours.push(("User-Agent", Cow::Borrowed(DEFAULT_USER_AGENT))),
        None => {}
    }
    if request.decompress_response && !has("Accept-Encoding") {
        ours.push(("Accept-Encoding", Cow::Borrowed("gzip")));
    }
    if let Some(time) = request.if_modified_since {
        ours.push(("If-Modified-Since", Cow::Owned(format_system_time(time))));
    }
    if let Some(body) = &request.body {
        ours.push(("Content-Length", Cow::Owned(body.len().to_string())));
    } else if request.body_producer.is_some() {
        if !has("Content-Length") && !has("Transfer-Encoding") {
            ours.push(("Transfer-Encoding", Cow::Borrowed("chunked")));
        }
    } else if matches!(request.method.as_str(), "POST" | "PUT" | "PATCH") {
        ours.push(("Content-Length", Cow::Borrowed("0")));
    }
    if request.method == "POST" && !has("Content-Type") {
        ours.push((
            "Content-Type",
            Cow::Borrowed("application/x-www-form-urlencoded"),
        ));
    }
    if request.expect_100_continue {
        ours.push(("Expect", Cow::Borrowed("100-continue")));
    }
    if url.scheme == "http" && proxy(request).is_some() {
        if let Some(user) = &request.proxy_username {
            let password = request.proxy_password.as_deref().unwrap_or("");
            ours.push(("Proxy-Authorization", Cow::Owned(basic(user, password))));
        }
    }
    if user.is_empty() {
        return ours;
    }
    // The request's own lines first, minus those a field replaces.
    let mut lines: Vec<(&'a str, Cow<'a, str>)> = user
        .get_all()
        .filter(|(name, _)| !ours.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)))
        .map(|(n, v)| (n, Cow::Borrowed(v)))
        .collect();
    lines.append(&mut ours);
    lines
}

/// The user and password of a request: the URL's, else the auth fields.
pub(crate) fn credentials<'a>(
    request: &'a HttpRequest,
    url: &'a Url,
) -> Option<(&'a str, &'a str)> {
    match (&url.username, &request.auth_username) {
        (Some(user), _) => Some((user.as_str(), url.password.as_deref().unwrap_or(""))),
        (None, Some(user)) => Some((
            user.as_str(),
            request.auth_password.as_deref().unwrap_or(""),
        )),
        (None, None) => None,
    }
}

/// A response body being collected: a body that arrives in one piece is
/// kept as it came, without a copy.
#[derive(Default)]
enum Body {
    #[default]
    Empty,
    One(Bytes),
    Many(BytesMut),
}

impl Body {
    fn push(&mut self, chunk: Bytes) {
        *self = match std::mem::take(self) {
            Body::Empty => Body::One(chunk),
            Body::One(first) => {
                let mut all = BytesMut::with_capacity(first.len() + chunk.len());
                all.extend_from_slice(&first);
                all.extend_from_slice(&chunk);
                Body::Many(all)
            }
            Body::Many(mut all) => {
                all.extend_from_slice(&chunk);
                Body::Many(all)
            }
        };
    }

    fn finish(self) -> Bytes {
        match self {
            Body::Empty => Bytes::new(),
            Body::One(body) => body,
            Body::Many(body) => body.freeze(),
        }
    }
}

/// Writes the body of a request whose head went out.
async fn send_body(
    request: &HttpRequest,
    writer: &tornado_http1connection::RequestBodyWriter,
) -> Result<()> {
    if let Some(body) = &request.body {
        writer.write(body.clone()).await?;
    } else if let Some(producer) = &request.body_producer {
        producer(writer.clone()).await?;
    }
    writer.finish().await?;
    Ok(())
}

/// The exchange proper; returns the hop and whether the connection may be
/// reused.
async fn exchange(
    conn: &mut Http1ClientConnection,
    inner: &Inner,
    request: &HttpRequest,
    url: &Url,
    plan: Plan,
    time_info: &mut TimeInfo,
) -> Result<(Hop, bool)> {
    let Plan {
        start,
        follow,
        stream_body,
        digest,
        ..
    } = plan;
    let headers = request_headers(inner, request, url);
    // Through a plain proxy, the request line carries the absolute URL.
    let target = if url.scheme == "http" && proxy(request).is_some() {
        Cow::Owned(url.without_userinfo())
    } else {
        url.target()
    };
    let mut body_sent = false;
    let mut writer = None;
    if request.expect_100_continue {
        writer = Some(conn.write_request_head(&request.method, &target, &headers)?);
    } else if request.body_producer.is_some() {
        let w = conn.write_request_head(&request.method, &target, &headers)?;
        send_body(request, &w).await?;
        body_sent = true;
    } else {
        let body = request.body.clone().unwrap_or_default();
        conn.write_request(&request.method, &target, &headers, body)?;
        body_sent = true;
    }
    let ioloop = IoLoop::current();
    let head = loop {
        let head = conn.read_response_head().await?;
        if time_info.first_byte.is_none() {
            time_info.first_byte = Some(ioloop.time() - start);
        }
        if head.is_informational() {
            if head.code == 100 && !body_sent {
                if let Some(w) = &writer {
                    send_body(request, w).await?;
                }
                body_sent = true;
            }
            continue;
        }
        break head;
    };
    let challenged = digest
        && head.code == 401
        && crate::digest::parse_challenge(
            head.headers
                .get_list("WWW-Authenticate")
                .iter()
                .map(String::as_str),
        )
        .is_some();
    let followed =
        challenged || follow && is_redirect(head.code) && head.headers.contains("Location");
    if !followed {
        if let Some(callback) = &request.header_callback {
            callback(&format!(
                "{} {} {}\r\n",
                head.version.as_str(),
                head.code,
                head.reason
            ));
            for (name, value) in head.headers.get_all() {
                callback(&format!("{name}: {value}\r\n"));
            }
            callback("\r\n");
        }
    }
    let streaming = request.streaming_callback.as_ref().filter(|_| !followed);
    let mut body = Body::default();
    // A streamed body is left on the connection for the reader.
    if followed || !stream_body {
        while let Some(chunk) = conn.read_body_chunk().await? {
            if followed {
                continue;
            }
            match streaming {
                Some(callback) => callback(chunk),
                None => body.push(chunk),
            }
        }
    }
    let reusable = conn.keep_alive();
    Ok((
        Hop {
            code: head.code,
            reason: head.reason,
            headers: head.headers,
            body: body.finish(),
            followed,
            unread: None,
        },
        reusable,
    ))
}
