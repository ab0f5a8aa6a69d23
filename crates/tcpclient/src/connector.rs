//! [`Connector`]: the Happy Eyeballs (RFC 6555) state machine.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tornado_ioloop::IoLoop;
use tornado_ioloop::r#gen::Sleep;

use crate::error::{Error, ErrorKind, Result};

/// How long the first address family has the field to itself before the
/// second one is tried in parallel: 0.3 s (Tornado's
/// `_INITIAL_CONNECT_TIMEOUT`).
#[doc(alias = "_INITIAL_CONNECT_TIMEOUT")]
pub const INITIAL_CONNECT_TIMEOUT: Duration = Duration::from_millis(300);

/// One connection attempt in flight: what a connect function returns.
#[doc(alias = "Future")]
pub type AttemptFuture<S> = Pin<Box<dyn Future<Output = Result<S>>>>;

/// The connect function a [`Connector`] calls for each address: it starts
/// an attempt and returns its future, or fails at once (say, an address
/// family the system does not support). Dropping the future must abandon
/// the attempt and close its socket.
#[doc(alias = "connect")]
pub type ConnectFn<K, A, S> = Box<dyn FnMut(K, &A) -> Result<AttemptFuture<S>>>;

/// Resolved addresses with their families, in the resolver's order
/// (Tornado's `addrinfo` list of `(family, address)` pairs).
#[doc(alias = "addrinfo")]
pub type AddrInfo<K, A> = Vec<(K, A)>;

/// Which of the two address queues an attempt came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    Primary,
    Secondary,
}

struct Attempt<K, A, S> {
    queue: Queue,
    family: K,
    addr: A,
    future: AttemptFuture<S>,
}

/// The Happy Eyeballs algorithm of RFC 6555 as a state machine (Tornado's
/// `tornado.tcpclient._Connector`).
///
/// The addresses are split by family ([`split`](Connector::split)): the
/// family of the first address is tried first, one address at a time. If
/// an attempt fails, or [`INITIAL_CONNECT_TIMEOUT`] passes without an
/// answer, the other family starts in parallel, again one address at a
/// time. The first attempt to succeed wins; every other attempt is dropped,
/// which closes its socket. When every address failed, the last real error
/// is reported; when the overall deadline passes first, a
/// [`Timeout`](ErrorKind::Timeout) error names the addresses still being
/// tried.
///
/// The connector is generic over the address family `K`, the address `A`
/// and the stream `S`, and takes its connect function as an argument, so
/// that tests drive it with fake connects (as Tornado's `ConnectorTest`
/// does). It is a future: await it (or poll it) to run it. Its two timers
/// run on the current loop's clock, so a loop built with
/// [`Clock::manual`](tornado_ioloop::Clock::manual) moves them without
/// sleeping; [`on_timeout`](Connector::on_timeout) and
/// [`on_connect_timeout`](Connector::on_connect_timeout) fire them by hand.
/// Dropping the connector abandons every attempt.
///
/// ```
/// use tornado_ioloop::IoLoop;
/// use tornado_tcpclient::{AttemptFuture, ConnectFn, Connector, Error, INITIAL_CONNECT_TIMEOUT};
///
/// let ioloop = IoLoop::new()?;
/// let addrs: Vec<(u8, &'static str)> = vec![(4, "bad"), (4, "good")];
/// let winner = ioloop.run_sync(async {
///     // A fake connect: "good" answers with its length, the rest fail.
///     let connect: ConnectFn<u8, &'static str, usize> = Box::new(|_family, addr| {
///         let addr: &'static str = addr;
///         let attempt: AttemptFuture<usize> = Box::pin(async move {
///             if addr == "good" { Ok(addr.len()) } else { Err(Error::cancelled()) }
///         });
///         Ok(attempt)
///     });
///     Connector::start(addrs, connect, INITIAL_CONNECT_TIMEOUT, None).await
/// }, None)??;
/// assert_eq!(winner, (4, "good", 4));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "_Connector")]
pub struct Connector<K, A, S> {
    ioloop: IoLoop,
    connect: ConnectFn<K, A, S>,
    primary: std::vec::IntoIter<(K, A)>,
    secondary: std::vec::IntoIter<(K, A)>,
    attempts: Vec<Attempt<K, A, S>>,
    /// Addresses not yet finished, in flight or queued.
    remaining: usize,
    last_error: Option<Error>,
    /// The Happy Eyeballs timer: when it fires, the second family starts.
    delay: Option<Sleep>,
    /// The overall deadline.
    deadline: Option<Sleep>,
    outcome: Option<Result<(K, A, S)>>,
    finished: bool,
}

impl<K, A: fmt::Debug, S> fmt::Debug for Connector<K, A, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector")
            .field(
                "pending",
                &self.attempts.iter().map(|a| &a.addr).collect::<Vec<_>>(),
            )
            .field("remaining", &self.remaining)
            .field("finished", &self.finished)
            .finish()
    }
}

impl<K: Copy + PartialEq, A: Clone + fmt::Display, S> Connector<K, A, S> {
    /// Partitions `addrinfo` by family (`_Connector.split`): the first list
    /// holds the first entry and every other of its family, the second all
    /// the rest, each in the resolver's order.
    ///
    /// ```
    /// use tornado_tcpclient::Connector;
    /// let (primary, secondary) =
    ///     Connector::<u8, &str, ()>::split(vec![(1, "a"), (2, "b"), (1, "c")]);
    /// assert_eq!(primary, vec![(1, "a"), (1, "c")]);
    /// assert_eq!(secondary, vec![(2, "b")]);
    /// ```
    pub fn split(addrinfo: AddrInfo<K, A>) -> (AddrInfo<K, A>, AddrInfo<K, A>) {
        let Some(first) = addrinfo.first().map(|(k, _)| *k) else {
            return (Vec::new(), Vec::new());
        };
        addrinfo.into_iter().partition(|(k, _)| *k == first)
    }

    /// Starts connecting (`_Connector.start`): the first attempt is made
    /// before this returns. `timeout` is the Happy Eyeballs delay before
    /// the second family starts ([`INITIAL_CONNECT_TIMEOUT`] normally);
    /// `connect_deadline` is the point on the loop's clock where the whole
    /// attempt gives up, if any.
    ///
    /// An empty `addrinfo` fails at once with [`ErrorKind::Connect`].
    pub fn start(
        addrinfo: AddrInfo<K, A>,
        connect: ConnectFn<K, A, S>,
        timeout: Duration,
        connect_deadline: Option<Instant>,
    ) -> Self {
        let ioloop = IoLoop::current();
        let remaining = addrinfo.len();
        let (primary, secondary) = Self::split(addrinfo);
        let mut connector = Connector {
            delay: Some(Sleep::new(ioloop.clone(), ioloop.time() + timeout)),
            deadline: connect_deadline.map(|d| Sleep::new(ioloop.clone(), d)),
            ioloop,
            connect,
            primary: primary.into_iter(),
            secondary: secondary.into_iter(),
            attempts: Vec::new(),
            remaining,
            last_error: None,
            outcome: None,
            finished: false,
        };
        if remaining == 0 {
            connector.finish(Err(Error::new(
                ErrorKind::Connect,
                "no addresses to connect to",
            )));
        } else {
            connector.try_connect(Queue::Primary);
        }
        connector
    }

    /// The addresses with an attempt in flight.
    #[doc(alias = "streams")]
    pub fn pending_addrs(&self) -> Vec<&A> {
        self.attempts.iter().map(|a| &a.addr).collect()
    }

    /// True once the outcome is decided (it may not have been taken yet).
    #[doc(alias = "done")]
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// What the Happy Eyeballs timer does when it fires
    /// (`_Connector.on_timeout`): start the second family, unless the
    /// outcome is already decided. The timer fires once: calling this again
    /// (or after a failure already started the second family) does nothing.
    /// Public so that tests can fire it by hand.
    pub fn on_timeout(&mut self) {
        if self.delay.take().is_none() {
            return;
        }
        if !self.finished {
            self.try_connect(Queue::Secondary);
        }
    }

    /// What the overall deadline does when it passes
    /// (`_Connector.on_connect_timeout`): fail with a
    /// [`Timeout`](ErrorKind::Timeout) error naming the addresses still in
    /// flight, and drop every attempt. Public so that tests can fire it by
    /// hand.
    pub fn on_connect_timeout(&mut self) {
        if !self.finished {
            let mut pending: Vec<String> =
                self.attempts.iter().map(|a| a.addr.to_string()).collect();
            let message = if pending.is_empty() {
                "timeout while connecting".to_owned()
            } else {
                pending.sort();
                format!("timeout while connecting to {}", pending.join(", "))
            };
            self.finish(Err(Error::timeout(message)));
        }
        self.close_streams();
    }

    /// Starts the next attempt from `queue`; an attempt that fails at once
    /// counts as finished and the next address is tried, as Tornado's
    /// `try_connect` does by recursion (here a loop, so that a long address
    /// list cannot exhaust the stack).
    fn try_connect(&mut self, queue: Queue) {
        let mut queue = queue;
        loop {
            let mut failed_now = false;
            loop {
                let next = match queue {
                    Queue::Primary => self.primary.next(),
                    Queue::Secondary => self.secondary.next(),
                };
                let Some((family, addr)) = next else {
                    // This queue is done, but the other may still be
                    // working: fail only once every address finished.
                    if self.remaining == 0 && !self.finished {
                        let error = self
                            .last_error
                            .take()
                            .unwrap_or_else(|| Error::new(ErrorKind::Connect, "connection failed"));
                        self.finish(Err(error));
                    }
                    break;
                };
                match (self.connect)(family, &addr) {
                    Ok(future) => {
                        self.attempts.push(Attempt {
                            queue,
                            family,
                            addr,
                            future,
                        });
                        break;
                    }
                    Err(error) => {
                        self.remaining -= 1;
                        if self.finished {
                            break;
                        }
                        self.record_failure(error);
                        failed_now = true;
                    }
                }
            }
            // A failure starts the other family without waiting for the
            // timer (Tornado's `on_connect_done`).
            if failed_now && self.delay.take().is_some() && !self.finished {
                queue = Queue::Secondary;
                continue;
            }
            return;
        }
    }

    fn record_failure(&mut self, error: Error) {
        // A cancelled attempt is a failure, but not the error to report:
        // the caller did not cancel anything.
        if !error.is_cancelled() {
            self.last_error = Some(error);
        }
    }

    /// An attempt finished (`_Connector.on_connect_done`).
    fn on_connect_done(&mut self, queue: Queue, family: K, addr: A, result: Result<S>) {
        self.remaining -= 1;
        match result {
            Err(error) => {
                if self.finished {
                    return;
                }
                self.record_failure(error);
                self.try_connect(queue);
                if self.delay.is_some() {
                    // The first attempt failed: do not wait for the timer
                    // to try the other family.
                    self.on_timeout();
                }
            }
            Ok(stream) => {
                if self.finished {
                    // A late arrival: dropping it closes it.
                    drop(stream);
                } else {
                    self.finish(Ok((family, addr, stream)));
                }
            }
        }
    }

    fn finish(&mut self, outcome: Result<(K, A, S)>) {
        self.finished = true;
        self.outcome = Some(outcome);
        self.delay = None;
        self.deadline = None;
        self.close_streams();
    }

    /// Abandons every attempt still in flight; dropping an attempt's future
    /// closes its socket.
    fn close_streams(&mut self) {
        self.attempts.clear();
    }

    /// The loop this connector's timers run on.
    pub fn ioloop(&self) -> &IoLoop {
        &self.ioloop
    }
}

impl<K, A, S> Unpin for Connector<K, A, S> {}

impl<K: Copy + PartialEq, A: Clone + fmt::Display, S> Future for Connector<K, A, S> {
    type Output = Result<(K, A, S)>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            if let Some(outcome) = this.outcome.take() {
                return Poll::Ready(outcome);
            }
            if this.finished {
                return Poll::Ready(Err(Error::new(
                    ErrorKind::InvalidArgument,
                    "the connector was polled after it finished",
                )));
            }
            // Attempts first: an answer that arrived with a timer wins.
            let mut progressed = false;
            let mut i = 0;
            while i < this.attempts.len() && !this.finished {
                match this.attempts[i].future.as_mut().poll(cx) {
                    Poll::Ready(result) => {
                        let attempt = this.attempts.remove(i);
                        this.on_connect_done(attempt.queue, attempt.family, attempt.addr, result);
                        progressed = true;
                    }
                    Poll::Pending => i += 1,
                }
            }
            if this.finished {
                continue;
            }
            if let Some(deadline) = this.deadline.as_mut() {
                if Pin::new(deadline).poll(cx).is_ready() {
                    this.deadline = None;
                    this.on_connect_timeout();
                    continue;
                }
            }
            if let Some(delay) = this.delay.as_mut() {
                if Pin::new(delay).poll(cx).is_ready() {
                    this.on_timeout();
                    progressed = true;
                }
            }
            if !progressed {
                return Poll::Pending;
            }
        }
    }
}
