//! [`AsyncHttpClient`]: the queue under `max_clients`, redirects, and the
//! response.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tornado_ioloop::IoLoop;
use tornado_ioloop::locks::Semaphore;
use tornado_netutil::{OverrideResolver, Resolver};
use tornado_tcpclient::TcpClient;

use crate::error::{ErrorKind, HttpClientError, Result};
use crate::exchange;
use crate::pool::Pool;
use crate::request::{AuthMode, HttpRequest};
use crate::response::{HttpResponse, TimeInfo};
use crate::stream::{ResponseStream, Unread};
use crate::url::Url;

/// The settings of one client (the keyword arguments of Tornado's
/// `SimpleAsyncHTTPClient.initialize`), with Tornado's defaults, plus the
/// keep-alive pool, which Tornado's simple client does not have.
///
/// ```
/// use std::time::Duration;
/// use tornado_httpclient::ClientOptions;
///
/// let options = ClientOptions::default()
///     .max_clients(4)
///     .map_host("www.example.com", "127.0.0.1")
///     .idle_timeout(Some(Duration::from_secs(5)));
/// assert_eq!(options.max_clients, 4);
/// assert_eq!(options.max_buffer_size, 100 * 1024 * 1024);
/// ```
#[doc(alias = "initialize")]
#[doc(alias = "configure")]
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    /// Requests in flight at once; the rest wait in a FIFO queue
    /// (`max_clients`): 10.
    pub max_clients: usize,
    /// Host names answered with another host (`hostname_mapping`), e.g.
    /// to test a virtual host on loopback.
    pub hostname_mapping: Vec<(String, String)>,
    /// `(host, port)` pairs answered with another pair (the tuple form of
    /// `hostname_mapping`).
    pub port_mapping: Vec<((String, u16), (String, u16))>,
    /// The resolver (`resolver`); default the system's, on the loop's
    /// thread pool.
    pub resolver: Option<Rc<dyn Resolver>>,
    /// The read buffer of each connection (`max_buffer_size`): 100 MiB.
    pub max_buffer_size: usize,
    /// The most bytes of a response head (`max_header_size`): 64 KiB.
    pub max_header_size: usize,
    /// The most header lines in a response head: 1,000 (ours; Tornado has
    /// only the size limit).
    pub max_header_count: usize,
    /// The most bytes of a response body, after decompression
    /// (`max_body_size`); `None`: `max_buffer_size`.
    pub max_body_size: Option<usize>,
    /// Keep connections alive and reuse them (ours, default true). False
    /// sends `Connection: close` on every request, as Tornado's simple
    /// client does.
    pub keep_alive: bool,
    /// Idle connections kept per origin and TLS/proxy settings: 10.
    pub max_idle_per_host: usize,
    /// How long an idle connection is kept: 60 s; `None` for as long as
    /// the server keeps it.
    pub idle_timeout: Option<Duration>,
    /// Request settings every fetch starts from (`defaults`): a setting a
    /// request leaves at Tornado's default is taken from here, as
    /// Tornado's `_RequestProxy` fills the arguments a request left `None`.
    /// The URL, method, headers and body of this request are not used.
    pub defaults: Option<HttpRequest>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            max_clients: 10,
            hostname_mapping: Vec::new(),
            port_mapping: Vec::new(),
            resolver: None,
            max_buffer_size: 100 * 1024 * 1024,
            max_header_size: 64 * 1024,
            max_header_count: 1000,
            max_body_size: None,
            keep_alive: true,
            max_idle_per_host: 10,
            idle_timeout: Some(Duration::from_secs(60)),
            defaults: None,
        }
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("max_clients", &self.max_clients)
            .field("hostname_mapping", &self.hostname_mapping)
            .field("port_mapping", &self.port_mapping)
            .field("resolver", &self.resolver)
            .field("max_buffer_size", &self.max_buffer_size)
            .field("max_header_size", &self.max_header_size)
            .field("max_header_count", &self.max_header_count)
            .field("max_body_size", &self.max_body_size)
            .field("keep_alive", &self.keep_alive)
            .field("max_idle_per_host", &self.max_idle_per_host)
            .field("idle_timeout", &self.idle_timeout)
            .field("defaults", &self.defaults)
            .finish()
    }
}

impl ClientOptions {
    /// Sets `max_clients` (at least 1).
    pub fn max_clients(mut self, n: usize) -> Self {
        self.max_clients = n.max(1);
        self
    }

    /// Answers `host` with `to` (an entry of `hostname_mapping`).
    #[doc(alias = "hostname_mapping")]
    pub fn map_host(mut self, host: &str, to: &str) -> Self {
        self.hostname_mapping.push((host.to_owned(), to.to_owned()));
        self
    }

    /// Answers `(host, port)` with `(to_host, to_port)`.
    pub fn map_host_port(mut self, host: &str, port: u16, to_host: &str, to_port: u16) -> Self {
        self.port_mapping
            .push(((host.to_owned(), port), (to_host.to_owned(), to_port)));
        self
    }

    /// Sets `resolver`.
    pub fn resolver(mut self, resolver: Rc<dyn Resolver>) -> Self {
        self.resolver = Some(resolver);
        self
    }

    /// Sets `max_buffer_size`.
    pub fn max_buffer_size(mut self, bytes: usize) -> Self {
        self.max_buffer_size = bytes;
        self
    }

    /// Sets `max_header_size`.
    pub fn max_header_size(mut self, bytes: usize) -> Self {
        self.max_header_size = bytes;
        self
    }

    /// Sets `max_header_count`.
    pub fn max_header_count(mut self, lines: usize) -> Self {
        self.max_header_count = lines;
        self
    }

    /// Sets `max_body_size`.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = Some(bytes);
        self
    }

    /// Sets `keep_alive`.
    pub fn keep_alive(mut self, keep_alive: bool) -> Self {
        self.keep_alive = keep_alive;
        self
    }

    /// Sets `max_idle_per_host`.
    pub fn max_idle_per_host(mut self, n: usize) -> Self {
        self.max_idle_per_host = n;
        self
    }

    /// Sets `idle_timeout`.
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets `defaults`.
    ///
    /// ```
    /// use tornado_httpclient::{ClientOptions, HttpRequest};
    /// let options = ClientOptions::default()
    ///     .defaults(HttpRequest::new("").user_agent("MyUserAgent"));
    /// assert!(options.defaults.is_some());
    /// ```
    pub fn defaults(mut self, defaults: HttpRequest) -> Self {
        self.defaults = Some(defaults);
        self
    }
}

pub(crate) struct Inner {
    pub(crate) options: ClientOptions,
    pub(crate) tcp: TcpClient,
    pub(crate) slots: Semaphore,
    pub(crate) pool: Rc<Pool>,
    pub(crate) closed: Cell<bool>,
    pub(crate) connections_opened: Cell<u64>,
    pub(crate) tls_configs: RefCell<HashMap<String, Arc<rustls::ClientConfig>>>,
}

/// A non-blocking HTTP/1.1 client (`tornado.httpclient.AsyncHTTPClient`,
/// implemented as `SimpleAsyncHTTPClient` is, plus keep-alive pooling and
/// proxies).
///
/// [`instance`](Self::instance) is the thread's shared client (Tornado's
/// per-loop pseudo-singleton); [`new`](Self::new) and
/// [`with_options`](Self::with_options) make independent ones
/// (`force_instance=True`). Clones share one client. The client is `!Send`:
/// it lives on its thread's loop.
///
/// At most `max_clients` requests run at once; the others wait in FIFO
/// order, their timeouts counted from the call. Connections are kept alive
/// and reused per origin and TLS/proxy settings; a pooled connection the
/// server closed is noticed, and an idempotent request that found its
/// pooled connection dead before any response byte is retried once on a
/// new connection.
///
/// ```
/// use tornado_httpclient::AsyncHttpClient;
/// use tornado_httpserver::{FnHandler, HttpServer, Request, Response};
/// use tornado_ioloop::IoLoop;
///
/// let ioloop = IoLoop::new()?;
/// let server = HttpServer::handler(FnHandler(|_: Request| async {
///     Response::new(200).body("Hello, world")
/// }));
/// let port = server.listen(0, Some("127.0.0.1"))?[0].port();
/// let client = AsyncHttpClient::new();
/// let response = ioloop.run_sync(
///     client.fetch(format!("http://127.0.0.1:{port}/")),
///     None,
/// )??;
/// assert_eq!(response.code, 200);
/// assert_eq!(&response.body[..], b"Hello, world");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "AsyncHTTPClient")]
#[doc(alias = "SimpleAsyncHTTPClient")]
#[derive(Clone)]
pub struct AsyncHttpClient {
    inner: Rc<Inner>,
}

impl fmt::Debug for AsyncHttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncHttpClient")
            .field("options", &self.inner.options)
            .field("active", &self.active())
            .field("queued", &self.queued())
            .field("idle", &self.inner.pool.idle_count())
            .field("closed", &self.inner.closed.get())
            .finish()
    }
}

impl Default for AsyncHttpClient {
    fn default() -> Self {
        AsyncHttpClient::new()
    }
}

thread_local! {
    static INSTANCE: RefCell<Option<AsyncHttpClient>> = const { RefCell::new(None) };
}

impl AsyncHttpClient {
    /// A new client with the default options
    /// (`AsyncHTTPClient(force_instance=True)`).
    pub fn new() -> Self {
        AsyncHttpClient::with_options(ClientOptions::default())
    }

    /// A new client with `options` (`AsyncHTTPClient(force_instance=True,
    /// **kwargs)`).
    #[doc(alias = "force_instance")]
    pub fn with_options(options: ClientOptions) -> Self {
        let base: Rc<dyn Resolver> = match &options.resolver {
            Some(r) => r.clone(),
            None => Rc::new(tornado_netutil::DefaultResolver::new()),
        };
        let resolver: Rc<dyn Resolver> =
            if options.hostname_mapping.is_empty() && options.port_mapping.is_empty() {
                base
            } else {
                let mut mapped = OverrideResolver::new(base);
                for (host, to) in &options.hostname_mapping {
                    mapped = mapped.map_host(host, to);
                }
                for ((host, port), (to_host, to_port)) in &options.port_mapping {
                    mapped = mapped.map_host_port(host, *port, to_host, *to_port);
                }
                Rc::new(mapped)
            };
        let max_clients = options.max_clients.max(1);
        let pool = Pool::new(options.max_idle_per_host, options.idle_timeout);
        AsyncHttpClient {
            inner: Rc::new(Inner {
                tcp: TcpClient::with_resolver(resolver),
                slots: Semaphore::new(max_clients),
                pool,
                closed: Cell::new(false),
                connections_opened: Cell::new(0),
                tls_configs: RefCell::new(HashMap::new()),
                options: ClientOptions {
                    max_clients,
                    ..options
                },
            }),
        }
    }

    /// The thread's shared client (Tornado's per-`IOLoop` instance, made
    /// on first use; one loop runs per thread). A closed instance is
    /// replaced by a new one.
    #[doc(alias = "_async_clients")]
    pub fn instance() -> Self {
        INSTANCE.with(|slot| {
            let mut slot = slot.borrow_mut();
            match &*slot {
                Some(client) if !client.inner.closed.get() => client.clone(),
                _ => {
                    let client = AsyncHttpClient::new();
                    *slot = Some(client.clone());
                    client
                }
            }
        })
    }

    /// The options in use.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// `max_clients`.
    pub fn max_clients(&self) -> usize {
        self.inner.options.max_clients
    }

    /// Requests running now.
    pub fn active(&self) -> usize {
        self.inner.options.max_clients - self.inner.slots.value()
    }

    /// Requests waiting for a slot (`len(client.queue)`).
    #[doc(alias = "queue")]
    pub fn queued(&self) -> usize {
        self.inner.slots.waiters()
    }

    /// Connections opened so far (reused ones count once); Tornado's
    /// client opens one per request.
    pub fn connections_opened(&self) -> u64 {
        self.inner.connections_opened.get()
    }

    /// Idle connections in the pool.
    pub fn idle_connections(&self) -> usize {
        self.inner.pool.idle_count()
    }

    /// Closes the client (`AsyncHTTPClient.close`): idle connections are
    /// closed and later fetches fail with [`ErrorKind::Closed`]. Requests
    /// in flight finish.
    pub fn close(&self) {
        if self.inner.closed.replace(true) {
            return;
        }
        self.inner.pool.clear();
        self.inner.tcp.close();
    }

    /// Fetches `request` (a URL or an [`HttpRequest`]) with `raise_error`:
    /// a status outside 200–299 is an `Err` of kind [`ErrorKind::Http`]
    /// carrying the response (`AsyncHTTPClient.fetch`).
    pub async fn fetch(&self, request: impl Into<HttpRequest>) -> Result<HttpResponse> {
        self.fetch_with(request, true).await
    }

    /// Fetches a URL (`fetch("http://...")`).
    #[doc(alias = "fetch")]
    pub async fn fetch_url(&self, url: &str) -> Result<HttpResponse> {
        self.fetch_with(HttpRequest::new(url), true).await
    }

    /// [`fetch`](Self::fetch) with `raise_error` chosen: when false, any
    /// complete response is `Ok`, with [`HttpResponse::error`] set for a
    /// status outside 200–299. Failures without a response (timeouts,
    /// connection errors: the 599 kinds) are `Err` either way, as in
    /// Tornado.
    #[doc(alias = "raise_error")]
    pub async fn fetch_with(
        &self,
        request: impl Into<HttpRequest>,
        raise_error: bool,
    ) -> Result<HttpResponse> {
        let (response, _) = self.fetch_impl(request.into(), false).await?;
        if let Some(error) = &response.error {
            if raise_error {
                return Err((**error).clone().attach(response));
            }
        }
        Ok(response)
    }

    /// Fetches `request` and returns as soon as the final head arrived,
    /// with the body to be read piece by piece from the
    /// [`ResponseStream`], at the reader's pace (the async-stream form of
    /// Tornado's `streaming_callback`). Redirects are followed first. Any
    /// status is `Ok` (check [`ResponseStream::code`]); failures without a
    /// response are `Err`. The request holds its `max_clients` slot, and
    /// its `request_timeout` keeps running, until the body is read or the
    /// stream dropped.
    ///
    /// ```
    /// use tornado_httpclient::AsyncHttpClient;
    /// use tornado_httpserver::{FnHandler, HttpServer, Request, Response};
    /// use tornado_ioloop::IoLoop;
    ///
    /// let ioloop = IoLoop::new()?;
    /// let server = HttpServer::handler(FnHandler(|_: Request| async {
    ///     Response::new(200).body(vec![b'x'; 200_000])
    /// }));
    /// let port = server.listen(0, Some("127.0.0.1"))?[0].port();
    /// let total = ioloop.run_sync(async {
    ///     let client = AsyncHttpClient::new();
    ///     let mut stream = client.fetch_stream(format!("http://127.0.0.1:{port}/")).await?;
    ///     assert_eq!(stream.code, 200);
    ///     let mut total = 0;
    ///     while let Some(chunk) = stream.next_chunk().await? {
    ///         total += chunk.len();
    ///     }
    ///     Ok::<_, tornado_httpclient::HttpClientError>(total)
    /// }, None)??;
    /// assert_eq!(total, 200_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[doc(alias = "streaming_callback")]
    pub async fn fetch_stream(&self, request: impl Into<HttpRequest>) -> Result<ResponseStream> {
        let (response, unread) = self.fetch_impl(request.into(), true).await?;
        Ok(ResponseStream::new(self.inner.clone(), response, unread))
    }

    /// The fetch proper: the queue, the redirects, the response. With
    /// `stream_body`, the final body is left unread on the returned
    /// connection, which keeps the request's slot and deadline.
    async fn fetch_impl(
        &self,
        request: HttpRequest,
        stream_body: bool,
    ) -> Result<(HttpResponse, Option<Unread>)> {
        let inner = self.inner.clone();
        if inner.closed.get() {
            return Err(HttpClientError::new(
                ErrorKind::Closed,
                "fetch() called on a closed client",
            ));
        }
        let ioloop = IoLoop::current();
        let start = ioloop.time();
        let start_time = SystemTime::now();
        let request = match &inner.options.defaults {
            Some(defaults) => request.with_defaults(defaults),
            None => request,
        };
        check_request(&request)?;
        let url = Url::parse(&request.url)?;
        let request_deadline = deadline(start, request.request_timeout);
        let queue_deadline = match (deadline(start, request.connect_timeout), request_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // A free slot is taken at once; only a wait needs a timer.
        let slot = match (inner.slots.try_acquire(), queue_deadline) {
            (Some(slot), _) => slot,
            (None, Some(at)) => inner
                .slots
                .acquire_timeout(at)
                .await
                .map_err(|_| HttpClientError::timeout("Timeout in request queue"))?,
            (None, None) => inner.slots.acquire().await,
        };
        let mut time_info = TimeInfo {
            queue: ioloop.time() - start,
            ..TimeInfo::default()
        };
        let request_url = request.url.clone();
        let mut redirects_left = request.max_redirects;
        let mut current = request;
        let mut current_url = url;
        let mut hop_deadline = request_deadline;
        let mut digest_answered = false;
        loop {
            let follow = current.follow_redirects && redirects_left > 0;
            let plan = exchange::Plan {
                start,
                deadline: hop_deadline,
                follow,
                stream_body,
                digest: current.auth_mode == AuthMode::Digest
                    && !digest_answered
                    && exchange::credentials(&current, &current_url).is_some(),
            };
            let hop = exchange::run(&inner, &current, &current_url, plan, &mut time_info).await?;
            if hop.followed && hop.code == 401 {
                // A Digest challenge, answered once.
                let challenge = crate::digest::parse_challenge(
                    hop.headers
                        .get_list("WWW-Authenticate")
                        .iter()
                        .map(String::as_str),
                )
                .ok_or_else(|| HttpClientError::invalid("unanswerable Digest challenge"))?;
                let (user, password) = exchange::credentials(&current, &current_url)
                    .ok_or_else(|| HttpClientError::invalid("no credentials for Digest"))?;
                let value = crate::digest::authorization(
                    &challenge,
                    user,
                    password,
                    &current.method,
                    &current_url.target(),
                );
                current
                    .headers
                    .set("Authorization", &value)
                    .map_err(|_| HttpClientError::invalid("invalid Digest credentials"))?;
                digest_answered = true;
                continue;
            }
            if hop.followed {
                digest_answered = false;
                let location = hop.headers.get("Location").unwrap_or_default();
                let next_url = current_url.join(&location)?;
                current = redirected(&current, &current_url, &next_url, hop.code);
                current_url = Url::parse(&current.url)?;
                redirects_left -= 1;
                time_info.redirect = ioloop.time() - start;
                time_info.connect = None;
                time_info.tls = None;
                time_info.first_byte = None;
                hop_deadline = deadline(ioloop.time(), current.request_timeout);
                continue;
            }
            let elapsed = ioloop.time() - start;
            time_info.total = elapsed;
            let reason = if hop.reason.is_empty() {
                tornado_http1connection::reason_phrase(hop.code).to_owned()
            } else {
                hop.reason
            };
            let mut response = HttpResponse {
                code: hop.code,
                reason,
                headers: hop.headers,
                body: hop.body,
                effective_url: current.url,
                request_url,
                request_time: elapsed,
                start_time,
                time_info,
                error: None,
            };
            if !(200..300).contains(&response.code) {
                let error = HttpClientError::from_response(response.clone()).without_response();
                response.error = Some(Box::new(error));
            }
            let unread = hop.unread.map(|(conn, key)| {
                // The slot goes with the unread body; the stream gives it
                // back.
                slot.forget();
                Unread {
                    conn,
                    key,
                    deadline: hop_deadline,
                }
            });
            return Ok((response, unread));
        }
    }
}

/// A deadline `timeout` after `start`; none for `None` or zero.
pub(crate) fn deadline(start: Instant, timeout: Option<Duration>) -> Option<Instant> {
    timeout
        .filter(|t| !t.is_zero())
        .and_then(|t| start.checked_add(t))
}

const SUPPORTED_METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];

/// Tornado's checks before anything is sent: a known method, and a body
/// exactly on the methods that take one, unless `allow_nonstandard_methods`.
fn check_request(request: &HttpRequest) -> Result<()> {
    if request.allow_nonstandard_methods {
        return Ok(());
    }
    let method = request.method.as_str();
    if !SUPPORTED_METHODS.contains(&method) {
        return Err(HttpClientError::invalid(format!("unknown method {method}")));
    }
    let body_expected = matches!(method, "POST" | "PATCH" | "PUT");
    let body_present = request.body.is_some() || request.body_producer.is_some();
    if body_expected != body_present {
        return Err(HttpClientError::invalid(format!(
            "Body must {}be None for method {method} (unless allow_nonstandard_methods is true)",
            if body_expected { "not " } else { "" }
        )));
    }
    Ok(())
}

/// The request a redirect leads to (Tornado's `_HTTPConnection.finish`
/// with the redirect rules of CVE-2026-49853).
fn redirected(current: &HttpRequest, from: &Url, to: &Url, code: u16) -> HttpRequest {
    let mut next = current.clone();
    if from.same_origin(to) {
        // Within one origin the URL's credentials stay, as the
        // `Authorization` header Tornado derived from them does.
        let mut to = to.clone();
        if to.username.is_none() {
            to.username.clone_from(&from.username);
            to.password.clone_from(&from.password);
        }
        next.url = to.to_text();
    } else {
        // Credentials never follow a redirect to another origin: not the
        // auth fields, not the URL's userinfo, not a header set by hand.
        next.url = to.without_userinfo();
        next.auth_username = None;
        next.auth_password = None;
        for name in ["Authorization", "Cookie", "Proxy-Authorization"] {
            next.headers.remove(name);
        }
    }
    next.headers.remove("Host");
    // RFC 9110 §15.4: browsers turn a POST into a GET on 301/302, and 303
    // means GET for everything but HEAD; 307 and 308 keep method and body.
    if (code == 303 && current.method != "HEAD")
        || (matches!(code, 301 | 302) && current.method == "POST")
    {
        next.method = "GET".to_owned();
        next.body = None;
        next.body_producer = None;
        for name in [
            "Content-Length",
            "Content-Type",
            "Content-Encoding",
            "Transfer-Encoding",
        ] {
            next.headers.remove(name);
        }
    }
    next
}
