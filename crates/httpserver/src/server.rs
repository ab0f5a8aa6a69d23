//! `HttpServer`: listeners, connections, and graceful shutdown.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use slab::Slab;
use tornado_http1connection::{
    ConnectionInfo, ConnectionState, Http1ConnectionParameters, HttpServerConnectionDelegate,
    RequestHead, serve_connection_with,
};
use tornado_ioloop::IoLoop;
use tornado_iostream::{IoStream, StreamOptions};
use tornado_netutil::{AcceptConfig, AddressFamily, DEFAULT_BACKLOG};

use crate::handler::{Handler, HandlerMessage};
use crate::xheaders::XHeaders;

/// Everything configurable on an [`HttpServer`], with Tornado's defaults.
///
/// Counterpart of the keyword arguments of Tornado's `HTTPServer`
/// constructor (taken by `HTTPServer.initialize`): `xheaders`,
/// `ssl_options`, `decompress_request`, `max_body_size`, `body_timeout`,
/// `idle_connection_timeout`, `trusted_downstream` and the rest, gathered
/// in one value.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
#[doc(alias = "HTTPServer")]
pub struct HttpServerOptions {
    /// HTTP/1 limits and timeouts. The server's defaults are those of
    /// [`Http1ConnectionParameters`], whose `idle_timeout` is Tornado's
    /// `idle_connection_timeout` (3,600 s).
    pub params: Http1ConnectionParameters,
    /// Stream buffer limits (`max_buffer_size`, `read_chunk_size`).
    pub stream: StreamOptions,
    /// Serve TLS with this configuration (`ssl_options`).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Trust `X-Real-Ip`/`X-Forwarded-For` and `X-Scheme`/`X-Forwarded-Proto`
    /// (`xheaders`); only behind a proxy that sets them. Each request's
    /// [`ConnectionInfo`] (what `start_request` gets) carries the result, as
    /// does a [`Handler`]'s `Request`.
    pub xheaders: Option<XHeaders>,
    /// Accept-loop tuning (connections per event, EMFILE back-off).
    pub accept: AcceptConfig,
}

impl HttpServerOptions {
    /// Sets the HTTP/1 parameters.
    pub fn params(mut self, params: Http1ConnectionParameters) -> Self {
        self.params = params;
        self
    }

    /// Sets the stream options.
    pub fn stream(mut self, stream: StreamOptions) -> Self {
        self.stream = stream;
        self
    }

    /// Serves TLS.
    pub fn tls(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// Enables `xheaders` with the given trusted downstream proxies.
    pub fn xheaders(mut self, trusted_downstream: Vec<String>) -> Self {
        self.xheaders = Some(XHeaders { trusted_downstream });
        self
    }

    /// Sets `decompress_request`.
    pub fn decompress_request(mut self, yes: bool) -> Self {
        self.params.decompress = yes;
        self
    }

    /// Sets `max_body_size`.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.params.max_body_size = bytes;
        self
    }

    /// Sets `body_timeout`.
    pub fn body_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.params.body_timeout = timeout;
        self
    }

    /// Sets `idle_connection_timeout`.
    pub fn idle_connection_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.params.idle_timeout = timeout;
        self
    }
}

struct Connection {
    stream: IoStream,
    state: Rc<ConnectionState>,
}

struct Inner<D> {
    ioloop: IoLoop,
    delegate: D,
    options: HttpServerOptions,
    /// Accept handles, held to keep accepting: dropping one stops it.
    acceptors: RefCell<Vec<Box<dyn std::any::Any>>>,
    pending: RefCell<Vec<std::net::TcpListener>>,
    connections: RefCell<Slab<Connection>>,
    closed_one: tornado_ioloop::locks::Condition,
    stopped: Cell<bool>,
}

/// A non-blocking, single-threaded HTTP/1.1 server
/// (`tornado.httpserver.HTTPServer`).
///
/// Built from an [`HttpServerConnectionDelegate`] (Tornado's delegate
/// interface, what `tornado.web.Application` implements) or from a
/// [`Handler`]. Use one server per loop; for several cores, run one loop and
/// server per thread ([`crate::run_threads`]) on `SO_REUSEPORT` sockets.
///
/// ```
/// use tornado_httpserver::{FnHandler, HttpServer, Request, Response};
/// use tornado_ioloop::IoLoop;
/// use std::io::{Read, Write};
///
/// let ioloop = IoLoop::new()?;
/// let server = HttpServer::handler(FnHandler(|_req: Request| async {
///     Response::new(200).body("Hello, world")
/// }));
/// let addrs = server.listen(0, Some("127.0.0.1"))?;
/// let port = addrs[0].port();
/// let client = std::thread::spawn(move || {
///     let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
///     s.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
///     let mut reply = String::new();
///     s.read_to_string(&mut reply).unwrap();
///     reply
/// });
/// let reply = ioloop.run_sync(async move {
///     loop {
///         if client.is_finished() { return client.join().unwrap(); }
///         tornado_ioloop::r#gen::sleep(std::time::Duration::from_millis(1)).await;
///     }
/// }, None)?;
/// assert!(reply.ends_with("Hello, world"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "HTTPServer")]
pub struct HttpServer<D: HttpServerConnectionDelegate + 'static> {
    inner: Rc<Inner<D>>,
}

impl<D: HttpServerConnectionDelegate + 'static> fmt::Debug for HttpServer<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpServer")
            .field("connections", &self.connection_count())
            .field("stopped", &self.inner.stopped.get())
            .finish()
    }
}

impl<D: HttpServerConnectionDelegate + 'static> Clone for HttpServer<D> {
    fn clone(&self) -> Self {
        HttpServer {
            inner: self.inner.clone(),
        }
    }
}

/// The delegate behind [`HttpServer::handler`].
///
/// No Tornado class of its own: it does what `HTTPServer.start_request`
/// does for a plain `request_callback` (wrap it in `_CallableAdapter`).
#[derive(Debug)]
pub struct HandlerDelegate<H> {
    handler: Rc<H>,
    decompress: bool,
}

impl<H: Handler + 'static> HttpServerConnectionDelegate for HandlerDelegate<H> {
    type Message = HandlerMessage<H>;

    fn start_request(&self, connection: &ConnectionInfo) -> HandlerMessage<H> {
        HandlerMessage::new(self.handler.clone(), connection, self.decompress)
    }
}

/// A server's delegate as its connections see it: the application's, with
/// `xheaders` applied to each request's context (Tornado's `_ProxyAdapter`),
/// whatever the delegate. (The server itself, so that a connection holds
/// nothing more than its handle on the server.)
impl<D: HttpServerConnectionDelegate> HttpServerConnectionDelegate for Inner<D> {
    type Message = D::Message;

    fn start_request(&self, connection: &ConnectionInfo) -> D::Message {
        self.delegate.start_request(connection)
    }

    fn request_context(
        &self,
        head: &RequestHead,
        connection: &ConnectionInfo,
    ) -> Option<Box<ConnectionInfo>> {
        let base = self.delegate.request_context(head, connection);
        let Some(xheaders) = &self.options.xheaders else {
            return base;
        };
        let mut context = base.unwrap_or_else(|| Box::new(connection.clone()));
        xheaders.apply(head, &mut context.forwarded_ip, &mut context.protocol);
        Some(context)
    }

    fn on_close(&self, connection: &ConnectionInfo) {
        self.delegate.on_close(connection);
    }
}

impl<H: Handler + 'static> HttpServer<HandlerDelegate<H>> {
    /// A server answering every request with `handler`, on the current
    /// loop, with default options.
    pub fn handler(handler: H) -> Self {
        Self::handler_with(handler, HttpServerOptions::default())
    }

    /// [`handler`](Self::handler) with options.
    pub fn handler_with(handler: H, options: HttpServerOptions) -> Self {
        let delegate = HandlerDelegate {
            handler: Rc::new(handler),
            decompress: options.params.decompress,
        };
        HttpServer::with_options(delegate, options)
    }
}

impl<D: HttpServerConnectionDelegate + 'static> HttpServer<D> {
    /// A server for `delegate` on the current loop, with default options.
    pub fn new(delegate: D) -> Self {
        Self::with_options(delegate, HttpServerOptions::default())
    }

    /// A server with options.
    pub fn with_options(delegate: D, options: HttpServerOptions) -> Self {
        HttpServer {
            inner: Rc::new(Inner {
                ioloop: IoLoop::current(),
                delegate,
                options,
                acceptors: RefCell::new(Vec::new()),
                pending: RefCell::new(Vec::new()),
                connections: RefCell::new(Slab::new()),
                closed_one: tornado_ioloop::locks::Condition::new(),
                stopped: Cell::new(false),
            }),
        }
    }

    /// The delegate.
    pub fn delegate(&self) -> &D {
        &self.inner.delegate
    }

    /// Binds to `port` on `address` (all interfaces when `None`) and starts
    /// accepting (`TCPServer.listen`). Returns the bound addresses (useful
    /// with port 0).
    pub fn listen(
        &self,
        port: u16,
        address: Option<&str>,
    ) -> tornado_netutil::Result<Vec<SocketAddr>> {
        self.bind(port, address, false)?;
        self.start()
    }

    /// Binds without accepting yet (`TCPServer.bind`); `reuse_port` sets
    /// `SO_REUSEPORT` so that several threads can bind the same port.
    pub fn bind(
        &self,
        port: u16,
        address: Option<&str>,
        reuse_port: bool,
    ) -> tornado_netutil::Result<()> {
        let listeners = tornado_netutil::bind_sockets(
            port,
            address,
            AddressFamily::Unspec,
            DEFAULT_BACKLOG,
            reuse_port,
        )?;
        self.inner.pending.borrow_mut().extend(listeners);
        Ok(())
    }

    /// Starts accepting on the sockets given to [`bind`](Self::bind)
    /// (`TCPServer.start`, in this process). Returns their addresses.
    pub fn start(&self) -> tornado_netutil::Result<Vec<SocketAddr>> {
        let listeners = std::mem::take(&mut *self.inner.pending.borrow_mut());
        self.add_sockets(listeners)
    }

    /// Accepts on already-bound sockets (`TCPServer.add_sockets`).
    pub fn add_sockets(
        &self,
        listeners: Vec<std::net::TcpListener>,
    ) -> tornado_netutil::Result<Vec<SocketAddr>> {
        let mut addrs = Vec::new();
        for listener in listeners {
            listener.set_nonblocking(true)?;
            addrs.push(listener.local_addr()?);
            let listener = mio::net::TcpListener::from_std(listener);
            let server = Rc::downgrade(&self.inner);
            let handle = tornado_netutil::add_accept_handler_with_config(
                &self.inner.ioloop,
                listener,
                self.inner.options.accept.clone(),
                move |stream: std::net::TcpStream, addr: SocketAddr| {
                    if let Some(server) = server.upgrade() {
                        let _ = stream.set_nodelay(true);
                        let stream = mio::net::TcpStream::from_std(stream);
                        Inner::accepted_tcp(&server, stream, addr);
                    }
                },
            )?;
            self.inner.acceptors.borrow_mut().push(Box::new(handle));
        }
        Ok(addrs)
    }

    /// Accepts on a Unix-domain socket (from
    /// [`tornado_netutil::bind_unix_socket`]).
    pub fn add_unix_socket(
        &self,
        listener: std::os::unix::net::UnixListener,
    ) -> tornado_netutil::Result<()> {
        listener.set_nonblocking(true)?;
        let listener = mio::net::UnixListener::from_std(listener);
        let server = Rc::downgrade(&self.inner);
        let handle = tornado_netutil::add_accept_handler_with_config(
            &self.inner.ioloop,
            listener,
            self.inner.options.accept.clone(),
            move |stream: std::os::unix::net::UnixStream, _addr| {
                if let Some(server) = server.upgrade() {
                    let stream = mio::net::UnixStream::from_std(stream);
                    match IoStream::unix_with(stream, server.options.stream.clone()) {
                        Ok(stream) => Inner::serve(&server, stream, None),
                        Err(e) => {
                            log::warn!(target: "tornado.general", "cannot register a connection: {e}")
                        }
                    }
                }
            },
        )?;
        self.inner.acceptors.borrow_mut().push(Box::new(handle));
        Ok(())
    }

    /// Stops accepting new connections (`TCPServer.stop`); open
    /// connections carry on until they close.
    pub fn stop(&self) {
        self.inner.stopped.set(true);
        let acceptors = std::mem::take(&mut *self.inner.acceptors.borrow_mut());
        drop(acceptors);
    }

    /// The number of open connections.
    pub fn connection_count(&self) -> usize {
        self.inner.connections.borrow().len()
    }

    /// Closes every open connection at once and waits until they are gone
    /// (`HTTPServer.close_all_connections`).
    pub async fn close_all_connections(&self) {
        let connections: Vec<(IoStream, Rc<ConnectionState>)> = self
            .inner
            .connections
            .borrow()
            .iter()
            .map(|(_, c)| (c.stream.clone(), c.state.clone()))
            .collect();
        for (stream, state) in connections {
            // A handler that never returns must not hold the connection.
            state.kill();
            stream.close(None);
        }
        while self.connection_count() > 0 {
            self.inner.closed_one.wait().await;
        }
    }

    /// Graceful shutdown: stops accepting, closes idle keep-alive
    /// connections at once, lets requests in flight finish (their responses
    /// carry `Connection: close`), and force-closes whatever is left when
    /// `timeout` passes. Resolves when every connection is closed.
    pub async fn shutdown(&self, timeout: Duration) {
        self.stop();
        let deadline = self.inner.ioloop.time() + timeout;
        let connections: Vec<(IoStream, Rc<ConnectionState>)> = self
            .inner
            .connections
            .borrow()
            .iter()
            .map(|(_, c)| (c.stream.clone(), c.state.clone()))
            .collect();
        for (stream, state) in connections {
            state.drain();
            if !state.busy() {
                stream.close(None);
            }
        }
        while self.connection_count() > 0 {
            let notified = self.inner.closed_one.wait_timeout(deadline).await;
            if !notified && self.inner.ioloop.time() >= deadline {
                log::info!(
                    target: "tornado.general",
                    "shutdown deadline passed: closing {} connection(s)",
                    self.connection_count()
                );
                self.close_all_connections().await;
            }
        }
    }
}

impl<D: HttpServerConnectionDelegate + 'static> Inner<D> {
    fn accepted_tcp(server: &Rc<Self>, stream: mio::net::TcpStream, addr: SocketAddr) {
        let options = server.options.stream.clone();
        let stream = match &server.options.tls {
            Some(config) => IoStream::tls_server(stream, config.clone(), options),
            None => IoStream::tcp_with(stream, options),
        };
        match stream {
            Ok(stream) => Self::serve(server, stream, Some(addr)),
            Err(e) => log::warn!(target: "tornado.general", "cannot register a connection: {e}"),
        }
    }

    fn serve(server: &Rc<Self>, stream: IoStream, addr: Option<SocketAddr>) {
        let state = Rc::new(ConnectionState::default());
        let key = server.connections.borrow_mut().insert(Connection {
            stream: stream.clone(),
            state: state.clone(),
        });
        let server = server.clone();
        // Made before the task, so that the task holds it once.
        let info = ConnectionInfo::new(
            addr,
            if server.options.tls.is_some() {
                "https"
            } else {
                "http"
            },
        );
        server.ioloop.clone().spawn_detached(async move {
            serve_connection_with(stream, &server.options.params, &*server, &info, &state).await;
            let removed = server.connections.borrow_mut().try_remove(key);
            drop(removed);
            server.closed_one.notify_all();
        });
    }
}
