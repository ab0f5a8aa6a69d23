//! [`TcpClient`]: resolve, connect with Happy Eyeballs, optionally start
//! TLS.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};
use tornado_ioloop::{IoLoop, IoSource, r#gen};
use tornado_iostream::{IoStream, StreamOptions, TlsSide};
use tornado_netutil::{AddressFamily, DefaultResolver, Resolver};

use crate::connector::{AttemptFuture, ConnectFn, Connector, INITIAL_CONNECT_TIMEOUT};
#[cfg(doc)]
use crate::error::ErrorKind;
use crate::error::{Error, Result};

/// How to connect: the keyword arguments of Tornado's `TCPClient.connect`.
///
/// ```
/// use std::time::Duration;
/// use tornado_netutil::AddressFamily;
/// use tornado_tcpclient::ConnectOptions;
///
/// let options = ConnectOptions::default()
///     .family(AddressFamily::Inet)
///     .timeout(Duration::from_secs(5))
///     .max_buffer_size(1 << 20);
/// assert_eq!(options.timeout, Some(Duration::from_secs(5)));
/// ```
#[doc(alias = "af")]
#[doc(alias = "ssl_options")]
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct ConnectOptions {
    /// Which address family to resolve and connect over (`af`, default
    /// either).
    pub family: AddressFamily,
    /// Connect in TLS with this client configuration (`ssl_options`); build
    /// one with `tornado_netutil::tls::client_config` (which can turn
    /// verification off for tests). `None`, the default, connects in clear.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// The name sent as SNI and verified against the certificate; default
    /// the `host` passed to `connect` (Tornado's `server_hostname`).
    pub server_hostname: Option<String>,
    /// The stream's read-buffer cap (`max_buffer_size`); default the
    /// stream's, 100 MiB.
    pub max_buffer_size: Option<usize>,
    /// The local address to connect from (`source_ip`). An address of the
    /// other family than the one being tried makes that attempt fail, and
    /// the next address is tried.
    pub source_ip: Option<IpAddr>,
    /// The local port to connect from (`source_port`); without
    /// `source_ip`, the socket binds the loopback address of its family,
    /// as Tornado does.
    pub source_port: Option<u16>,
    /// A limit on the whole connection: name resolution, TCP connect and
    /// TLS handshake together (`timeout`, default none). The
    /// [`Timeout`](ErrorKind::Timeout) error names the phase that ran out.
    pub timeout: Option<Duration>,
}

impl fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("family", &self.family)
            .field("tls", &self.tls.is_some())
            .field("server_hostname", &self.server_hostname)
            .field("max_buffer_size", &self.max_buffer_size)
            .field("source_ip", &self.source_ip)
            .field("source_port", &self.source_port)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl ConnectOptions {
    /// Sets [`family`](Self::family) (`af`).
    #[doc(alias = "af")]
    pub fn family(mut self, family: AddressFamily) -> Self {
        self.family = family;
        self
    }

    /// Sets [`tls`](Self::tls) (`ssl_options`).
    #[doc(alias = "ssl_options")]
    pub fn tls(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// Sets [`server_hostname`](Self::server_hostname).
    pub fn server_hostname(mut self, name: impl Into<String>) -> Self {
        self.server_hostname = Some(name.into());
        self
    }

    /// Sets [`max_buffer_size`](Self::max_buffer_size).
    pub fn max_buffer_size(mut self, bytes: usize) -> Self {
        self.max_buffer_size = Some(bytes);
        self
    }

    /// Sets [`source_ip`](Self::source_ip).
    pub fn source_ip(mut self, ip: IpAddr) -> Self {
        self.source_ip = Some(ip);
        self
    }

    /// Sets [`source_port`](Self::source_port).
    pub fn source_port(mut self, port: u16) -> Self {
        self.source_port = Some(port);
        self
    }

    /// Sets [`timeout`](Self::timeout).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    fn stream_options(&self) -> StreamOptions {
        let mut options = StreamOptions::default();
        if let Some(max) = self.max_buffer_size {
            options = options.max_buffer_size(max);
        }
        options
    }
}

/// A non-blocking TCP connection factory (`tornado.tcpclient.TCPClient`).
///
/// [`connect`](TcpClient::connect) resolves the host with the client's
/// [`Resolver`], races the addresses with Happy Eyeballs ([`Connector`]),
/// and for TLS upgrades the winning connection and completes the handshake,
/// all within the optional timeout. The client holds no connections; one
/// client serves any number of `connect` calls on its loop.
///
/// ```
/// use tornado_ioloop::IoLoop;
/// use tornado_tcpclient::{ConnectOptions, TcpClient};
///
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let port = listener.local_addr()?.port();
/// let ioloop = IoLoop::new()?;
/// let stream = ioloop.run_sync(async {
///     TcpClient::new().connect("127.0.0.1", port, ConnectOptions::default()).await
/// }, None)??;
/// assert_eq!(stream.peer_addr().unwrap().port(), port);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "TCPClient")]
pub struct TcpClient {
    resolver: Rc<dyn Resolver>,
    own_resolver: bool,
}

impl fmt::Debug for TcpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpClient")
            .field("resolver", &self.resolver)
            .finish()
    }
}

impl Default for TcpClient {
    fn default() -> Self {
        TcpClient::new()
    }
}

impl TcpClient {
    /// A client with the default resolver (the system's `getaddrinfo` on
    /// the loop's thread pool).
    pub fn new() -> Self {
        TcpClient {
            resolver: Rc::new(DefaultResolver::new()),
            own_resolver: true,
        }
    }

    /// A client that resolves with `resolver` (`TCPClient(resolver=...)`),
    /// for example an `OverrideResolver` in tests. [`close`](Self::close)
    /// leaves a resolver passed in open, as Tornado does.
    #[doc(alias = "resolver")]
    pub fn with_resolver(resolver: Rc<dyn Resolver>) -> Self {
        TcpClient {
            resolver,
            own_resolver: false,
        }
    }

    /// Frees the resolver the client made itself (`TCPClient.close`).
    pub fn close(&self) {
        if self.own_resolver {
            self.resolver.close();
        }
    }

    /// Connects to `host` and `port` (`TCPClient.connect`) and returns the
    /// stream, in TLS when [`ConnectOptions::tls`] is set.
    ///
    /// Errors: [`Resolve`](ErrorKind::Resolve) when the name does not
    /// resolve, [`Connect`](ErrorKind::Connect) with the last attempt's
    /// operating-system error when every address failed (connection
    /// refused, say), [`Stream`](ErrorKind::Stream) when the TLS handshake
    /// failed, [`Timeout`](ErrorKind::Timeout) when
    /// [`ConnectOptions::timeout`] passed; its message names the phase:
    /// `timeout while resolving example.com`, `timeout while connecting to
    /// 192.0.2.1:443, [2001:db8::1]:443`, `timeout during tls handshake with
    /// 127.0.0.1:443`. Dropping the future abandons every attempt and closes
    /// their sockets.
    pub async fn connect(
        &self,
        host: &str,
        port: u16,
        options: ConnectOptions,
    ) -> Result<IoStream> {
        let create = create_stream_fn(&options);
        self.connect_with(host, port, options, create).await
    }

    /// [`connect`](Self::connect) with the function that opens each TCP
    /// attempt supplied by the caller (Tornado's tests override
    /// `TCPClient._create_stream` for this); [`create_stream_fn`] makes the
    /// standard one.
    #[doc(alias = "_create_stream")]
    pub async fn connect_with(
        &self,
        host: &str,
        port: u16,
        options: ConnectOptions,
        create_stream: ConnectFn<AddressFamily, SocketAddr, IoStream>,
    ) -> Result<IoStream> {
        let ioloop = IoLoop::current();
        let deadline: Option<Instant> = options.timeout.map(|t| ioloop.time() + t);
        let resolving = self.resolver.resolve(host, port, options.family);
        let addrs = match deadline {
            Some(deadline) => r#gen::with_timeout_message(
                deadline,
                format!("timeout while resolving {host}"),
                resolving,
            )
            .await
            .map_err(timeout_error)??,
            None => resolving.await?,
        };
        let addrinfo: Vec<(AddressFamily, SocketAddr)> = addrs
            .into_iter()
            .filter(|a| options.family.matches(a))
            .map(|a| (AddressFamily::of(&a), a))
            .collect();
        let connector =
            Connector::start(addrinfo, create_stream, INITIAL_CONNECT_TIMEOUT, deadline);
        let (_family, addr, stream) = connector.await?;
        let Some(config) = options.tls.clone() else {
            return Ok(stream);
        };
        let server_name = options
            .server_hostname
            .clone()
            .unwrap_or_else(|| host.to_owned());
        let stream = stream.start_tls(TlsSide::Client {
            config,
            server_name,
        })?;
        let handshake = stream.wait_for_handshake();
        let result = match deadline {
            Some(deadline) => {
                match r#gen::with_timeout_message(
                    deadline,
                    format!("timeout during tls handshake with {addr}"),
                    handshake,
                )
                .await
                {
                    Ok(r) => r.map_err(Error::from),
                    Err(e) => Err(timeout_error(e)),
                }
            }
            None => handshake.await.map_err(Error::from),
        };
        match result {
            Ok(()) => Ok(stream),
            Err(e) => {
                // The TLS stream owns the socket now: close it rather than
                // leave the server waiting on a half-made connection.
                stream.close(None);
                Err(e)
            }
        }
    }
}

fn timeout_error(e: tornado_ioloop::Error) -> Error {
    Error::timeout(e.message().unwrap_or("timeout").to_owned())
}

/// The standard connect function of [`TcpClient::connect`]
/// (`TCPClient._create_stream`): a non-blocking socket of the address's
/// family, bound to `source_ip`/`source_port` when given, connecting in
/// clear. Creating or binding the socket fails at once (so the
/// [`Connector`] moves on to the next address); the connection itself
/// completes in the returned future.
#[doc(alias = "_create_stream")]
pub fn create_stream_fn(
    options: &ConnectOptions,
) -> ConnectFn<AddressFamily, SocketAddr, IoStream> {
    let source_ip = options.source_ip;
    let source_port = options.source_port.unwrap_or(0);
    let stream_options = options.stream_options();
    Box::new(move |_family, addr: &SocketAddr| {
        create_stream(*addr, source_ip, source_port, stream_options.clone())
    })
}

fn create_stream(
    addr: SocketAddr,
    source_ip: Option<IpAddr>,
    source_port: u16,
    options: StreamOptions,
) -> Result<AttemptFuture<IoStream>> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_nonblocking(true)?;
    socket.set_cloexec(true)?;
    let bind_ip = match source_ip {
        Some(ip) => Some(ip),
        // A port without an address binds the family's loopback address.
        None if source_port != 0 => Some(if addr.is_ipv6() {
            IpAddr::V6(Ipv6Addr::LOCALHOST)
        } else {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        }),
        None => None,
    };
    if let Some(ip) = bind_ip {
        socket.bind(&SocketAddr::new(ip, source_port).into())?;
    }
    match socket.connect(&addr.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
        Err(e) => return Err(e.into()),
    }
    let source = IoSource::new(mio::net::TcpStream::from_std(socket.into()))?;
    Ok(Box::pin(async move {
        // Writable means connected or failed; a wake-up before either
        // (ENOTCONN, no pending error) waits for the next edge.
        source
            .write_with(|s| {
                if let Some(e) = s.take_error()? {
                    return Err(e);
                }
                match s.peer_addr() {
                    Ok(_) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    Err(e) => Err(e),
                }
            })
            .await?;
        let stream = source.into_inner()?;
        Ok(IoStream::tcp_with(stream, options)?)
    }))
}
