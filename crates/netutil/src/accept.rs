//! The accept loop: [`add_accept_handler`] and the [`Listener`] trait.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::{SocketAddr as UnixSocketAddr, UnixListener, UnixStream};
use std::rc::Rc;
use std::time::Duration;

use tornado_ioloop::{Events, IoLoop, Timeout};

use crate::bind::DEFAULT_BACKLOG;
use crate::error::{Error, ErrorKind, Result};

/// A listening socket the accept loop can take connections from: TCP or
/// Unix, as a `std` or a `mio` type (Tornado accepts any `socket.socket`).
///
/// `accept` must not block and must return a non-blocking stream, ready
/// to be wrapped in a `mio` type. The `mio` listeners do this in one system
/// call (`accept4` with `SOCK_NONBLOCK`); the `std` ones need a second call
/// to switch the stream to non-blocking mode.
#[doc(alias = "socket")]
pub trait Listener: AsRawFd + 'static {
    /// The connected stream `accept` returns.
    type Stream: 'static;
    /// The peer address `accept` returns.
    type Addr: 'static;

    /// Accepts one pending connection (`socket.accept`). Fails with
    /// `WouldBlock` when none is pending.
    fn accept_nonblocking(&self) -> io::Result<(Self::Stream, Self::Addr)>;
}

impl Listener for TcpListener {
    type Stream = TcpStream;
    type Addr = SocketAddr;

    fn accept_nonblocking(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.accept()?;
        stream.set_nonblocking(true)?;
        Ok((stream, addr))
    }
}

impl Listener for UnixListener {
    type Stream = UnixStream;
    type Addr = UnixSocketAddr;

    fn accept_nonblocking(&self) -> io::Result<(UnixStream, UnixSocketAddr)> {
        let (stream, addr) = self.accept()?;
        stream.set_nonblocking(true)?;
        Ok((stream, addr))
    }
}

impl Listener for mio::net::TcpListener {
    type Stream = TcpStream;
    type Addr = SocketAddr;

    fn accept_nonblocking(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.accept()?;
        Ok((stream.into(), addr))
    }
}

impl Listener for mio::net::UnixListener {
    type Stream = UnixStream;
    type Addr = UnixSocketAddr;

    fn accept_nonblocking(&self) -> io::Result<(UnixStream, UnixSocketAddr)> {
        let (stream, addr) = self.accept()?;
        Ok((stream.into(), addr))
    }
}

/// Tuning for the accept loop. The defaults are Tornado's where Tornado has
/// one.
///
/// ```
/// use std::time::Duration;
/// use tornado_netutil::AcceptConfig;
///
/// let config = AcceptConfig::default()
///     .max_accepts_per_event(16)
///     .initial_backoff(Duration::from_millis(50))
///     .max_backoff(Duration::from_secs(2));
/// assert_eq!(config.max_accepts_per_event, 16);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[doc(alias = "_DEFAULT_BACKLOG")]
pub struct AcceptConfig {
    /// Connections accepted per readiness event before the loop lets other
    /// work run; the rest are accepted on the next turn. Default 128
    /// (Tornado's `_DEFAULT_BACKLOG`). Protects the other tasks on the loop
    /// from a connection flood. Must be at least 1.
    pub max_accepts_per_event: usize,
    /// How long to stop accepting after the process or system runs out of
    /// file descriptors (`EMFILE`, `ENFILE`) or kernel memory (`ENOBUFS`,
    /// `ENOMEM`). Default 100 ms. Without a pause the listener stays
    /// readable and the loop would spin at full CPU. Must be non-zero.
    /// (Tornado has no back-off.)
    pub initial_backoff: Duration,
    /// The pause doubles on each failure in a row up to this. Default 1 s.
    pub max_backoff: Duration,
}

impl Default for AcceptConfig {
    fn default() -> Self {
        AcceptConfig {
            max_accepts_per_event: DEFAULT_BACKLOG as usize,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
        }
    }
}

impl AcceptConfig {
    /// Sets [`max_accepts_per_event`](Self::max_accepts_per_event).
    pub fn max_accepts_per_event(mut self, n: usize) -> Self {
        self.max_accepts_per_event = n;
        self
    }

    /// Sets [`initial_backoff`](Self::initial_backoff).
    pub fn initial_backoff(mut self, pause: Duration) -> Self {
        self.initial_backoff = pause;
        self
    }

    /// Sets [`max_backoff`](Self::max_backoff).
    pub fn max_backoff(mut self, pause: Duration) -> Self {
        self.max_backoff = pause;
        self
    }

    fn validate(&self) -> Result<()> {
        if self.max_accepts_per_event == 0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "max_accepts_per_event must be at least 1",
            ));
        }
        if self.initial_backoff.is_zero() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "initial_backoff must be greater than zero",
            ));
        }
        if self.max_backoff < self.initial_backoff {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "max_backoff must not be less than initial_backoff",
            ));
        }
        Ok(())
    }
}

type AcceptCallback<L> = Box<dyn FnMut(<L as Listener>::Stream, <L as Listener>::Addr)>;

struct AcceptState<L: Listener> {
    ioloop: IoLoop,
    fd: RawFd,
    config: AcceptConfig,
    listener: RefCell<Option<L>>,
    callback: RefCell<AcceptCallback<L>>,
    removed: Cell<bool>,
    /// Accepting is paused after resource exhaustion until this timer fires.
    backoff_timer: RefCell<Option<Timeout>>,
    next_backoff: Cell<Duration>,
}

/// Starts accepting connections on `listener` with the loop `ioloop`,
/// calling `callback(stream, address)` for each one (Tornado's
/// `netutil.add_accept_handler`), with the default [`AcceptConfig`].
///
/// The streams are non-blocking. Dropping the returned [`AcceptHandle`] (or
/// calling [`AcceptHandle::remove`]) stops accepting; Tornado returns a
/// `remove_handler` function instead.
///
/// Readiness is edge-triggered, so every event is drained: connections are
/// accepted until the kernel has none left, but at most
/// [`max_accepts_per_event`](AcceptConfig::max_accepts_per_event) at a
/// time, after which the rest wait for the next turn of the loop so other
/// work can run. When the process runs out of file descriptors, the loop
/// logs a warning (target `tornado.general`) and stops accepting for a
/// growing pause instead of retrying at full speed; pending connections
/// stay in the kernel's backlog until descriptors are free again.
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use tornado_ioloop::IoLoop;
/// use tornado_netutil::{AddressFamily, add_accept_handler, bind_sockets};
///
/// let ioloop = IoLoop::new()?;
/// let listener = bind_sockets(0, Some("127.0.0.1"), AddressFamily::Inet, 128, false)?.remove(0);
/// let port = listener.local_addr()?.port();
/// let peers = Rc::new(RefCell::new(Vec::new()));
/// let handle = add_accept_handler(&ioloop, listener, {
///     let peers = peers.clone();
///     let ioloop = ioloop.clone();
///     move |_stream, addr| {
///         peers.borrow_mut().push(addr);
///         ioloop.stop();
///     }
/// })?;
/// let client = std::net::TcpStream::connect(("127.0.0.1", port))?;
/// ioloop.start()?;
/// assert_eq!(peers.borrow()[0], client.local_addr()?);
/// drop(handle);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn add_accept_handler<L, F>(
    ioloop: &IoLoop,
    listener: L,
    callback: F,
) -> Result<AcceptHandle<L>>
where
    L: Listener,
    F: FnMut(L::Stream, L::Addr) + 'static,
{
    add_accept_handler_with_config(ioloop, listener, AcceptConfig::default(), callback)
}

/// [`add_accept_handler`] with explicit [`AcceptConfig`] limits.
#[doc(alias = "add_accept_handler")]
pub fn add_accept_handler_with_config<L, F>(
    ioloop: &IoLoop,
    listener: L,
    config: AcceptConfig,
    callback: F,
) -> Result<AcceptHandle<L>>
where
    L: Listener,
    F: FnMut(L::Stream, L::Addr) + 'static,
{
    config.validate()?;
    let fd = listener.as_raw_fd();
    let state = Rc::new(AcceptState {
        ioloop: ioloop.clone(),
        fd,
        next_backoff: Cell::new(config.initial_backoff),
        config,
        listener: RefCell::new(Some(listener)),
        callback: RefCell::new(Box::new(callback)),
        removed: Cell::new(false),
        backoff_timer: RefCell::new(None),
    });
    let handler_state = state.clone();
    ioloop
        .add_handler(fd, Events::READ, move |_fd, _events| {
            accept_ready(&handler_state);
        })
        .map_err(|e| Error::io("cannot watch the listening socket", e))?;
    Ok(AcceptHandle { state })
}

/// What to do after a failed `accept`.
enum AcceptFailure {
    /// Nothing more is pending: wait for the next readiness event.
    Drained,
    /// This one connection failed (reset, aborted, interrupted, a network
    /// error the kernel reports on accept): try the next.
    SkipConnection,
    /// Out of descriptors or kernel memory: pause, then retry.
    Exhausted,
    /// Anything else: pause as well, so that a persistent error cannot spin.
    Unexpected,
}

fn classify(e: &io::Error) -> AcceptFailure {
    if e.kind() == io::ErrorKind::WouldBlock {
        return AcceptFailure::Drained;
    }
    match e.raw_os_error() {
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM) => {
            AcceptFailure::Exhausted
        }
        // accept(2) on Linux: errors already pending on the new connection
        // are reported by accept and are to be treated like EAGAIN, retrying.
        Some(
            libc::EINTR
            | libc::ECONNABORTED
            | libc::ECONNRESET
            | libc::EPROTO
            | libc::EPERM
            | libc::ENETDOWN
            | libc::ENOPROTOOPT
            | libc::EHOSTDOWN
            | libc::ENONET
            | libc::EHOSTUNREACH
            | libc::EOPNOTSUPP
            | libc::ENETUNREACH,
        ) => AcceptFailure::SkipConnection,
        _ if e.kind() == io::ErrorKind::Interrupted => AcceptFailure::SkipConnection,
        _ => AcceptFailure::Unexpected,
    }
}

/// Accepts a batch of connections; called on readiness, after a back-off,
/// and on the turn after a full batch.
fn accept_ready<L: Listener>(state: &Rc<AcceptState<L>>) {
    if state.removed.get() || state.backoff_timer.borrow().is_some() {
        // Paused: the back-off timer drains the backlog when it fires.
        return;
    }
    for _ in 0..state.config.max_accepts_per_event {
        if state.removed.get() {
            return; // removed from inside the callback
        }
        let accepted = {
            let listener = state.listener.borrow();
            let Some(listener) = listener.as_ref() else {
                return;
            };
            listener.accept_nonblocking()
        };
        match accepted {
            Ok((stream, addr)) => {
                state.next_backoff.set(state.config.initial_backoff);
                // The borrow is released before any other accept can run:
                // accept_ready is only entered from the loop, never from the
                // callback.
                (state.callback.borrow_mut())(stream, addr);
            }
            Err(e) => match classify(&e) {
                AcceptFailure::Drained => return,
                AcceptFailure::SkipConnection => {}
                AcceptFailure::Exhausted => {
                    let pause = state.next_backoff.get();
                    log::warn!(
                        target: "tornado.general",
                        "cannot accept on fd {}: {e}; pausing accepts for {} ms",
                        state.fd,
                        pause.as_millis()
                    );
                    pause_accepting(state, pause);
                    return;
                }
                AcceptFailure::Unexpected => {
                    let pause = state.next_backoff.get();
                    log::error!(
                        target: "tornado.general",
                        "error accepting on fd {}: {e}; pausing accepts for {} ms",
                        state.fd,
                        pause.as_millis()
                    );
                    pause_accepting(state, pause);
                    return;
                }
            },
        }
    }
    // The batch is full and more connections may be waiting. No new edge
    // will announce them, so come back on the next turn.
    let state = state.clone();
    let ioloop = state.ioloop.clone();
    ioloop.add_callback(move || accept_ready(&state));
}

fn pause_accepting<L: Listener>(state: &Rc<AcceptState<L>>, pause: Duration) {
    state
        .next_backoff
        .set((pause * 2).min(state.config.max_backoff));
    let resume = state.clone();
    let timer = state.ioloop.call_later(pause, move || {
        resume.backoff_timer.borrow_mut().take();
        accept_ready(&resume);
    });
    *state.backoff_timer.borrow_mut() = Some(timer);
}

/// Stops the accept loop when dropped or [removed](AcceptHandle::remove):
/// the `remove_handler` function that Tornado's `add_accept_handler`
/// returns.
///
/// Dropping the handle closes the listening socket; `remove` hands it back.
#[doc(alias = "remove_handler")]
pub struct AcceptHandle<L: Listener> {
    state: Rc<AcceptState<L>>,
}

impl<L: Listener> fmt::Debug for AcceptHandle<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcceptHandle")
            .field("fd", &self.state.fd)
            .field("removed", &self.state.removed.get())
            .field("paused", &self.is_paused())
            .finish()
    }
}

impl<L: Listener> AcceptHandle<L> {
    /// Stops accepting and returns the listening socket (Tornado's
    /// `remove_handler()`). Connections accepted so far are unaffected.
    /// Safe to call from inside the accept callback.
    #[doc(alias = "remove_handler")]
    pub fn remove(self) -> Option<L> {
        self.stop()
    }

    /// True while accepting is paused after running out of descriptors.
    pub fn is_paused(&self) -> bool {
        self.state.backoff_timer.borrow().is_some()
    }

    /// The raw descriptor of the listening socket.
    pub fn fd(&self) -> RawFd {
        self.state.fd
    }

    /// Runs `f` with the listening socket, for example to read its address.
    pub fn with_listener<R>(&self, f: impl FnOnce(&L) -> R) -> Option<R> {
        self.state.listener.borrow().as_ref().map(f)
    }

    fn stop(&self) -> Option<L> {
        let state = &self.state;
        if state.removed.replace(true) {
            return None;
        }
        state.ioloop.remove_handler(state.fd);
        if let Some(timer) = state.backoff_timer.borrow_mut().take() {
            state.ioloop.remove_timeout(timer);
        }
        state.listener.borrow_mut().take()
    }
}

impl<L: Listener> Drop for AcceptHandle<L> {
    fn drop(&mut self) {
        drop(self.stop());
    }
}
