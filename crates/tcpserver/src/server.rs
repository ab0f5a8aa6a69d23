//! [`TcpServer`]: listeners, the accept loop, one task per connection.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::net::{SocketAddr, TcpListener};
use std::os::unix::net::UnixListener;
use std::rc::Rc;
use std::sync::Arc;

use tornado_ioloop::IoLoop;
use tornado_iostream::{IoStream, StreamOptions, TlsSide};
use tornado_netutil::{
    AcceptConfig, AcceptHandle, AddressFamily, DEFAULT_BACKLOG, add_accept_handler_with_config,
    bind_sockets,
};

use crate::error::{Error, ErrorKind, Result};
use crate::handler::{ErasedHandler, PeerAddr, StreamHandler, erase};

/// How a server makes its streams: Tornado's `TCPServer(ssl_options,
/// max_buffer_size, read_chunk_size)`, plus the accept loop's limits.
///
/// ```
/// use tornado_tcpserver::ServerOptions;
/// let options = ServerOptions::default().max_buffer_size(1 << 20).read_chunk_size(16 * 1024);
/// assert_eq!(options.max_buffer_size, Some(1 << 20));
/// ```
#[doc(alias = "ssl_options")]
#[doc(alias = "max_buffer_size")]
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct ServerOptions {
    /// Serve TLS with this configuration (`ssl_options`); build one with
    /// `tornado_netutil::tls::server_config`. Every accepted stream is then
    /// a TLS server stream whose handshake runs with its first read or
    /// write. `None`, the default, serves in clear.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Each stream's read-buffer cap (`max_buffer_size`); default the
    /// stream's, 100 MiB. Bounds what one client can make the server hold.
    pub max_buffer_size: Option<usize>,
    /// How much one read from a socket asks for (`read_chunk_size`);
    /// default the stream's, 64 KiB.
    pub read_chunk_size: Option<usize>,
    /// Each stream's write-buffer cap; default unlimited, as in Tornado.
    pub max_write_buffer_size: Option<usize>,
    /// The accept loop's limits: connections accepted per readiness event
    /// (default 128) and the back-off after running out of descriptors.
    pub accept: AcceptConfig,
}

impl fmt::Debug for ServerOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerOptions")
            .field("tls", &self.tls.is_some())
            .field("max_buffer_size", &self.max_buffer_size)
            .field("read_chunk_size", &self.read_chunk_size)
            .field("max_write_buffer_size", &self.max_write_buffer_size)
            .field("accept", &self.accept)
            .finish()
    }
}

impl ServerOptions {
    /// Sets [`tls`](Self::tls) (`ssl_options`).
    #[doc(alias = "ssl_options")]
    pub fn tls(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// Sets [`max_buffer_size`](Self::max_buffer_size).
    pub fn max_buffer_size(mut self, bytes: usize) -> Self {
        self.max_buffer_size = Some(bytes);
        self
    }

    /// Sets [`read_chunk_size`](Self::read_chunk_size).
    pub fn read_chunk_size(mut self, bytes: usize) -> Self {
        self.read_chunk_size = Some(bytes);
        self
    }

    /// Sets [`max_write_buffer_size`](Self::max_write_buffer_size).
    pub fn max_write_buffer_size(mut self, bytes: usize) -> Self {
        self.max_write_buffer_size = Some(bytes);
        self
    }

    /// Sets [`accept`](Self::accept).
    pub fn accept(mut self, config: AcceptConfig) -> Self {
        self.accept = config;
        self
    }

    fn stream_options(&self) -> StreamOptions {
        let mut options = StreamOptions::default();
        if let Some(n) = self.max_buffer_size {
            options = options.max_buffer_size(n);
        }
        if let Some(n) = self.read_chunk_size {
            options = options.read_chunk_size(n);
        }
        options.max_write_buffer_size(self.max_write_buffer_size)
    }
}

/// What the accept callbacks share: enough to make and serve a stream.
struct Shared {
    ioloop: IoLoop,
    handler: ErasedHandler,
    tls: Option<Arc<rustls::ServerConfig>>,
    stream_options: StreamOptions,
}

/// An accept loop; dropping it stops accepting and closes the socket.
enum Listening {
    Tcp(AcceptHandle<TcpListener>),
    Unix(#[allow(dead_code)] AcceptHandle<UnixListener>),
}

struct Inner {
    shared: Rc<Shared>,
    accept: AcceptConfig,
    listening: RefCell<Vec<Listening>>,
    /// Sockets bound by `bind`, waiting for `start`.
    pending: RefCell<Vec<TcpListener>>,
    started: Cell<bool>,
}

/// A non-blocking, single-threaded TCP server (`tornado.tcpserver.TCPServer`).
///
/// Give it a [`StreamHandler`] (any `async` closure taking the stream and
/// the peer's address will do), then make it listen:
///
/// 1. [`listen`](TcpServer::listen): bind and start accepting at once;
/// 2. [`add_sockets`](TcpServer::add_sockets): accept on sockets bound
///    elsewhere (`tornado_netutil::bind_sockets`, before forking or for
///    several threads);
/// 3. [`bind`](TcpServer::bind) then [`start`](TcpServer::start).
///
/// Every accepted connection becomes an [`IoStream`] (in TLS when
/// [`ServerOptions::tls`] is set) served by its own task, so one slow or
/// failing connection never holds up the others. An error the handler
/// returns is logged (see [`HandlerOutcome`](crate::HandlerOutcome)).
///
/// The handle is cheap to clone (a handler may keep one to call
/// [`stop`](TcpServer::stop)). Dropping the last handle stops accepting,
/// as `stop` does; connections already accepted stay open.
///
/// ```
/// use tornado_ioloop::IoLoop;
/// use tornado_iostream::IoStream;
/// use tornado_tcpclient::{ConnectOptions, TcpClient};
/// use tornado_tcpserver::{PeerAddr, TcpServer};
///
/// let ioloop = IoLoop::new()?;
/// // An upper-casing line server, as in Tornado's class docs.
/// let server = TcpServer::new(|stream: IoStream, _address: PeerAddr| async move {
///     while let Ok(line) = stream.read_until(b"\n", Some(1024)).await {
///         stream.write(line.to_ascii_uppercase()).await?;
///     }
///     Ok::<_, tornado_iostream::Error>(())
/// });
/// server.listen(0, Some("127.0.0.1"))?;
/// let port = server.local_addrs()[0].port();
///
/// let reply = ioloop.run_sync(async move {
///     let client = TcpClient::new().connect("127.0.0.1", port, ConnectOptions::default()).await?;
///     client.write(&b"hello\n"[..]).await?;
///     Ok::<_, Box<dyn std::error::Error>>(client.read_until(b"\n", None).await?)
/// }, None)??;
/// assert_eq!(&reply[..], b"HELLO\n");
/// server.stop();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "TCPServer")]
#[derive(Clone)]
pub struct TcpServer {
    inner: Rc<Inner>,
}

impl fmt::Debug for TcpServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpServer")
            .field("listening", &self.local_addrs())
            .field("tls", &self.inner.shared.tls.is_some())
            .field("started", &self.inner.started.get())
            .finish()
    }
}

impl TcpServer {
    /// A server on the current loop with default options.
    pub fn new<H: StreamHandler>(handler: H) -> TcpServer {
        Self::with_options(handler, ServerOptions::default())
    }

    /// A server on the current loop with `options` (`TCPServer(ssl_options,
    /// max_buffer_size, read_chunk_size)`).
    pub fn with_options<H: StreamHandler>(handler: H, options: ServerOptions) -> TcpServer {
        TcpServer {
            inner: Rc::new(Inner {
                shared: Rc::new(Shared {
                    ioloop: IoLoop::current(),
                    handler: erase(handler),
                    stream_options: options.stream_options(),
                    tls: options.tls,
                }),
                accept: options.accept,
                listening: RefCell::new(Vec::new()),
                pending: RefCell::new(Vec::new()),
                started: Cell::new(false),
            }),
        }
    }

    /// Binds `port` on `address` (every interface when `None`) and starts
    /// accepting (`TCPServer.listen`). May be called more than once. Port 0
    /// takes a free port; [`local_addrs`](Self::local_addrs) tells which.
    pub fn listen(&self, port: u16, address: Option<&str>) -> Result<()> {
        self.listen_with(port, address, AddressFamily::Unspec, DEFAULT_BACKLOG, false)
    }

    /// [`listen`](Self::listen) with `bind_sockets`' other arguments:
    /// address family, `backlog` (default 128) and `reuse_port`.
    #[doc(alias = "listen")]
    pub fn listen_with(
        &self,
        port: u16,
        address: Option<&str>,
        family: AddressFamily,
        backlog: u32,
        reuse_port: bool,
    ) -> Result<()> {
        let sockets = bind_sockets(port, address, family, backlog, reuse_port)?;
        self.add_sockets(sockets)
    }

    /// Starts accepting on listening sockets made elsewhere
    /// (`TCPServer.add_sockets`), such as those of
    /// `tornado_netutil::bind_sockets`. The sockets must be non-blocking.
    pub fn add_sockets(&self, sockets: impl IntoIterator<Item = TcpListener>) -> Result<()> {
        for socket in sockets {
            self.add_socket(socket)?;
        }
        Ok(())
    }

    /// Starts accepting on one listening socket (`TCPServer.add_socket`).
    pub fn add_socket(&self, socket: TcpListener) -> Result<()> {
        socket.set_nonblocking(true)?;
        let shared = self.inner.shared.clone();
        let handle = add_accept_handler_with_config(
            &shared.ioloop.clone(),
            socket,
            self.inner.accept.clone(),
            move |conn, addr| {
                let conn = mio::net::TcpStream::from_std(conn);
                let stream = match &shared.tls {
                    Some(config) => {
                        IoStream::tls_server(conn, config.clone(), shared.stream_options.clone())
                    }
                    None => IoStream::tcp_with(conn, shared.stream_options.clone()),
                };
                shared.serve(stream, PeerAddr::Tcp(addr));
            },
        )?;
        self.inner
            .listening
            .borrow_mut()
            .push(Listening::Tcp(handle));
        Ok(())
    }

    /// Starts accepting on a listening Unix-domain socket, such as one from
    /// `tornado_netutil::bind_unix_socket` (Tornado passes those to
    /// `add_socket` too). With TLS configured, the streams are TLS streams.
    #[doc(alias = "add_socket")]
    pub fn add_unix_socket(&self, socket: UnixListener) -> Result<()> {
        socket.set_nonblocking(true)?;
        let shared = self.inner.shared.clone();
        let handle = add_accept_handler_with_config(
            &shared.ioloop.clone(),
            socket,
            self.inner.accept.clone(),
            move |conn, addr| {
                let conn = mio::net::UnixStream::from_std(conn);
                let stream =
                    IoStream::unix_with(conn, shared.stream_options.clone()).and_then(|plain| {
                        match &shared.tls {
                            Some(config) => plain.start_tls(TlsSide::Server(config.clone())),
                            None => Ok(plain),
                        }
                    });
                shared.serve(stream, PeerAddr::Unix(Box::new(addr)));
            },
        )?;
        self.inner
            .listening
            .borrow_mut()
            .push(Listening::Unix(handle));
        Ok(())
    }

    /// Binds `port` on `address` without accepting yet (`TCPServer.bind`);
    /// [`start`](Self::start) begins accepting. After `start`, binds take
    /// effect at once.
    pub fn bind(
        &self,
        port: u16,
        address: Option<&str>,
        family: AddressFamily,
        backlog: u32,
        reuse_port: bool,
    ) -> Result<()> {
        let sockets = bind_sockets(port, address, family, backlog, reuse_port)?;
        if self.inner.started.get() {
            self.add_sockets(sockets)
        } else {
            self.inner.pending.borrow_mut().extend(sockets);
            Ok(())
        }
    }

    /// Starts accepting on the sockets bound with [`bind`](Self::bind)
    /// (`TCPServer.start`). This process only: to use several cores, bind
    /// with `reuse_port` or share the sockets, and run one loop per thread
    /// (or per process). Fails with [`ErrorKind::AlreadyStarted`] when
    /// called twice.
    pub fn start(&self) -> Result<()> {
        if self.inner.started.replace(true) {
            return Err(Error::new(
                ErrorKind::AlreadyStarted,
                "the server was already started",
            ));
        }
        let sockets = std::mem::take(&mut *self.inner.pending.borrow_mut());
        self.add_sockets(sockets)
    }

    /// Stops accepting and closes the listening sockets (`TCPServer.stop`).
    /// Connections already accepted go on until their handlers close them.
    /// Calling it again, or from inside a handler, is harmless.
    pub fn stop(&self) {
        let listening = std::mem::take(&mut *self.inner.listening.borrow_mut());
        drop(listening);
        self.inner.pending.borrow_mut().clear();
    }

    /// The addresses the server accepts on (after `listen` on port 0, the
    /// port the kernel picked).
    #[doc(alias = "getsockname")]
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.inner
            .listening
            .borrow()
            .iter()
            .filter_map(|l| match l {
                Listening::Tcp(handle) => handle.with_listener(|s| s.local_addr().ok()).flatten(),
                Listening::Unix(_) => None,
            })
            .collect()
    }

    /// The number of listening sockets the server accepts on.
    #[doc(alias = "_sockets")]
    pub fn listener_count(&self) -> usize {
        self.inner.listening.borrow().len()
    }
}

impl Shared {
    /// Spawns the handler's task for a new stream
    /// (`TCPServer._handle_connection`).
    fn serve(&self, stream: tornado_iostream::Result<IoStream>, address: PeerAddr) {
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                // The connection died before we could use it (a port scan)
                // or TLS could not start: nothing to serve, nothing to tell
                // the application.
                log::debug!(
                    target: "tornado.general",
                    "dropping connection from {address}: {e}"
                );
                return;
            }
        };
        (self.handler)(&self.ioloop, stream, address);
    }
}
