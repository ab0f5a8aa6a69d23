//! What a server calls for each connection: [`StreamHandler`], the peer's
//! [`PeerAddr`], and how a handler's outcome is reported.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::os::unix::net::SocketAddr as UnixSocketAddr;
use std::rc::Rc;

use tornado_ioloop::IoLoop;
use tornado_iostream::IoStream;

/// An error a handler returns, boxed.
#[doc(alias = "Exception")]
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// The address of the peer of an accepted connection (the `address`
/// argument of Tornado's `handle_stream`: an `(ip, port)` tuple for TCP,
/// an empty string for a Unix socket).
#[doc(alias = "address")]
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PeerAddr {
    /// A TCP peer.
    Tcp(SocketAddr),
    /// A peer on a Unix-domain socket (usually unnamed); boxed, so that the
    /// TCP case every connection carries stays small.
    Unix(Box<UnixSocketAddr>),
}

impl PeerAddr {
    /// The peer's socket address, for TCP.
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        match self {
            PeerAddr::Tcp(addr) => Some(*addr),
            PeerAddr::Unix(_) => None,
        }
    }

    /// The peer's IP address, for TCP (what `HTTPServer` reports as
    /// `remote_ip`).
    pub fn ip(&self) -> Option<IpAddr> {
        self.socket_addr().map(|a| a.ip())
    }
}

impl fmt::Display for PeerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerAddr::Tcp(addr) => write!(f, "{addr}"),
            PeerAddr::Unix(addr) => match addr.as_pathname() {
                Some(path) => write!(f, "unix:{}", path.display()),
                None => f.write_str("unix socket peer"),
            },
        }
    }
}

/// What a handler's future may resolve to: `()`, or a `Result` whose error
/// the server logs (Tornado logs an exception raised by a `handle_stream`
/// coroutine).
///
/// Failures the client caused (the connection closed or reset, a line over
/// its limit, a TLS handshake from a client that does not speak TLS) are
/// logged at debug level; anything else at error level, target
/// `tornado.application`. Either way no other connection is touched.
#[doc(alias = "app_log")]
pub trait HandlerOutcome {
    /// The outcome as a result.
    fn into_result(self) -> Result<(), BoxError>;
}

impl HandlerOutcome for () {
    fn into_result(self) -> Result<(), BoxError> {
        Ok(())
    }
}

impl<E: Into<BoxError>> HandlerOutcome for Result<(), E> {
    fn into_result(self) -> Result<(), BoxError> {
        self.map_err(Into::into)
    }
}

/// Handles each accepted connection (Tornado's `TCPServer.handle_stream`,
/// which a subclass overrides).
///
/// Any `Fn(IoStream, PeerAddr) -> impl Future` closure is a handler; a type
/// with state can implement the trait, taking itself as an `Rc` so that
/// its future owns what it uses:
///
/// ```
/// use std::rc::Rc;
/// use tornado_iostream::IoStream;
/// use tornado_tcpserver::{PeerAddr, StreamHandler};
///
/// struct Greeter { greeting: String }
///
/// impl StreamHandler for Greeter {
///     type Outcome = Result<(), tornado_iostream::Error>;
///
///     async fn handle_stream(self: Rc<Self>, stream: IoStream, _address: PeerAddr)
///         -> Result<(), tornado_iostream::Error> {
///         stream.write(self.greeting.clone().into_bytes()).await?;
///         stream.close(None);
///         Ok(())
///     }
/// }
/// ```
///
/// The handler's future runs as its own task on the server's loop, so a
/// slow connection never blocks accepting. For a TLS server the handshake
/// may not have happened yet when the handler starts; it runs with the
/// first read or write, or with
/// [`IoStream::wait_for_handshake`](tornado_iostream::IoStream::wait_for_handshake).
/// A panic in a handler is caught and logged by the loop.
#[doc(alias = "handle_stream")]
pub trait StreamHandler: 'static {
    /// What the handler's future resolves to: `()` or a `Result`.
    type Outcome: HandlerOutcome;

    /// Serves one connection.
    fn handle_stream(
        self: Rc<Self>,
        stream: IoStream,
        address: PeerAddr,
    ) -> impl Future<Output = Self::Outcome> + 'static;
}

impl<F, Fut> StreamHandler for F
where
    F: Fn(IoStream, PeerAddr) -> Fut + 'static,
    Fut: Future + 'static,
    Fut::Output: HandlerOutcome,
{
    type Outcome = Fut::Output;

    fn handle_stream(
        self: Rc<Self>,
        stream: IoStream,
        address: PeerAddr,
    ) -> impl Future<Output = Fut::Output> + 'static {
        (self)(stream, address)
    }
}

/// The one type-erasure point: a handler that spawns its connection's task
/// on a loop. The task's future keeps its concrete type, so each
/// connection costs one allocation for it (inside `spawn`).
pub(crate) type ErasedHandler = Rc<dyn Fn(&IoLoop, IoStream, PeerAddr)>;

pub(crate) fn erase<H: StreamHandler>(handler: H) -> ErasedHandler {
    let handler = Rc::new(handler);
    Rc::new(move |ioloop: &IoLoop, stream, address: PeerAddr| {
        let future = handler.clone().handle_stream(stream, address.clone());
        // `add_future` keeps the future once (awaiting it inside an `async`
        // block would store it twice: an idle connection's whole task).
        ioloop.add_future(future, move |outcome| {
            if let Err(e) = outcome.into_result() {
                log_handler_error(&address, &*e);
            }
        });
    })
}

/// True when `error` is the client's doing: the connection closed or was
/// reset, a read over its limit, TLS refused by the peer.
pub(crate) fn client_caused(error: &(dyn StdError + 'static)) -> bool {
    let mut cause: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = cause {
        if let Some(stream) = e.downcast_ref::<tornado_iostream::Error>() {
            use tornado_iostream::ErrorKind as K;
            if matches!(
                stream.kind(),
                K::StreamClosed | K::UnsatisfiableRead | K::StreamBufferFull | K::Tls
            ) {
                return true;
            }
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            use io::ErrorKind as K;
            if matches!(
                io.kind(),
                K::ConnectionReset
                    | K::ConnectionAborted
                    | K::BrokenPipe
                    | K::UnexpectedEof
                    | K::TimedOut
                    | K::NotConnected
            ) {
                return true;
            }
        }
        cause = e.source();
    }
    false
}

/// Logs a handler's error: debug level when the client caused it, error
/// level otherwise (Tornado: "Error in connection callback").
pub(crate) fn log_handler_error(address: &PeerAddr, error: &(dyn StdError + 'static)) {
    if client_caused(error) {
        log::debug!(
            target: "tornado.general",
            "connection from {address} ended: {}",
            chain(error)
        );
    } else {
        log::error!(
            target: "tornado.application",
            "error in connection callback for {address}: {}",
            chain(error)
        );
    }
}

/// The error and its causes on one line, control characters escaped.
fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text.escape_debug().to_string()
}
