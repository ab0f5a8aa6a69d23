//! Readiness: the mio `Poll`, registered sources, and [`IoSource`], the
//! async readiness registration that streams build on.
//!
//! # Edge-triggered readiness
//!
//! Sources are registered with mio, which is edge-triggered: an event says
//! the state *changed* to readable (or writable), and no further event comes
//! until the operation has been retried to `WouldBlock`. The rule for every
//! user of this module is therefore: **after a readiness event, repeat the
//! operation until it fails with `WouldBlock`**, and only then wait again.
//! [`IoSource::poll_read_with`] and [`IoSource::poll_write_with`] implement
//! the rule: they retry the operation and clear the readiness flag only when
//! it reports `WouldBlock`. Because the loop is single-threaded, no event
//! can be processed between the failed syscall and clearing the flag, so no
//! wake-up is lost.

use std::cell::RefCell;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::ops::{BitOr, BitOrAssign};
use std::os::fd::RawFd;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use mio::event::Source;
use mio::{Interest, Token};
use slab::Slab;

use crate::IoLoop;

/// The token of the loop's `mio::Waker`.
pub(crate) const WAKER_TOKEN: Token = Token(usize::MAX);

/// Tornado's event bits for [`IoLoop::add_handler`]: `IOLoop.READ`,
/// `IOLoop.WRITE`, `IOLoop.ERROR`.
#[doc(alias = "READ")]
#[doc(alias = "WRITE")]
#[doc(alias = "ERROR")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Events(u32);

impl Events {
    /// No events (`IOLoop.NONE`).
    pub const NONE: Events = Events(0);
    /// The descriptor is readable (`IOLoop.READ`, 1).
    pub const READ: Events = Events(0x001);
    /// The descriptor is writable (`IOLoop.WRITE`, 4).
    pub const WRITE: Events = Events(0x004);
    /// An error or hang-up (`IOLoop.ERROR`, 0x018).
    pub const ERROR: Events = Events(0x018);

    /// The raw bits, equal to Tornado's constants.
    pub fn bits(self) -> u32 {
        self.public().0
    }

    /// True when every bit of `other` is set.
    pub fn contains(self, other: Events) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// True when some bit of `other` is set.
    pub fn intersects(self, other: Events) -> bool {
        self.0 & other.0 != 0
    }

    pub(crate) fn interest(self) -> Interest {
        match (
            self.intersects(Events::READ),
            self.intersects(Events::WRITE),
        ) {
            (_, false) => Interest::READABLE,
            (false, true) => Interest::WRITABLE,
            (true, true) => Interest::READABLE | Interest::WRITABLE,
        }
    }

    pub(crate) fn from_mio(event: &mio::event::Event) -> Events {
        let mut e = Events::NONE;
        if event.is_readable() || event.is_read_closed() {
            e |= Events::READ;
        }
        if event.is_writable() || event.is_write_closed() {
            e |= Events::WRITE;
        }
        if event.is_error() || (event.is_read_closed() && event.is_write_closed()) {
            e |= Events::ERROR;
        }
        if event.is_read_closed() {
            e |= Events::READ_CLOSED;
        }
        e
    }

    /// Internal: the peer closed its side; reading will not block again.
    /// Not one of Tornado's bits, and never shown to handlers.
    pub(crate) const READ_CLOSED: Events = Events(0x1000);

    /// The event without internal bits, as handlers see it.
    pub(crate) fn public(self) -> Events {
        Events(self.0 & !Self::READ_CLOSED.0)
    }
}

impl BitOr for Events {
    type Output = Events;
    fn bitor(self, rhs: Events) -> Events {
        Events(self.0 | rhs.0)
    }
}

impl BitOrAssign for Events {
    fn bitor_assign(&mut self, rhs: Events) {
        self.0 |= rhs.0;
    }
}

impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names = Vec::new();
        if self.intersects(Events::READ) {
            names.push("READ");
        }
        if self.intersects(Events::WRITE) {
            names.push("WRITE");
        }
        if self.intersects(Events::ERROR) {
            names.push("ERROR");
        }
        if names.is_empty() {
            names.push("NONE");
        }
        write!(f, "Events({})", names.join(" | "))
    }
}

/// The sticky "closed" flag beside the two direction bits.
const CLOSED: u8 = 4;

/// A direction of readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Readable (or closed for reading, or in error).
    Read,
    /// Writable (or closed for writing, or in error).
    Write,
}

impl Direction {
    fn bit(self) -> u8 {
        match self {
            Direction::Read => 1,
            Direction::Write => 2,
        }
    }
}

pub(crate) type HandlerFn = Box<dyn FnMut(RawFd, Events)>;

/// What a token stands for.
pub(crate) enum IoEntry {
    /// An [`IoSource`]: readiness flags and the tasks waiting on them.
    Source {
        ready: u8,
        read_waker: Option<Waker>,
        write_waker: Option<Waker>,
    },
    /// A raw descriptor registered with `add_handler`. The callback is taken
    /// out while it runs.
    Handler {
        fd: RawFd,
        callback: Option<HandlerFn>,
    },
    /// The read end of a signal's self-pipe.
    Signal { signal: i32 },
}

/// The readiness side of one loop.
pub(crate) struct Reactor {
    poll: RefCell<mio::Poll>,
    events: RefCell<mio::Events>,
    pub(crate) registry: mio::Registry,
    pub(crate) io: RefCell<Slab<IoEntry>>,
}

impl Reactor {
    pub(crate) fn new() -> io::Result<(Self, mio::Waker)> {
        let poll = mio::Poll::new()?;
        let waker = mio::Waker::new(poll.registry(), WAKER_TOKEN)?;
        let registry = poll.registry().try_clone()?;
        Ok((
            Reactor {
                poll: RefCell::new(poll),
                events: RefCell::new(mio::Events::with_capacity(1024)),
                registry,
                io: RefCell::new(Slab::new()),
            },
            waker,
        ))
    }

    /// Waits for readiness and appends `(token, events)` pairs to `out`.
    pub(crate) fn poll(
        &self,
        timeout: Option<Duration>,
        out: &mut Vec<(usize, Events)>,
    ) -> io::Result<()> {
        let mut events = self.events.borrow_mut();
        match self.poll.borrow_mut().poll(&mut events, timeout) {
            Ok(()) => {}
            // A signal interrupted the wait: a normal, empty turn.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
            Err(e) => return Err(e),
        }
        out.extend(
            events
                .iter()
                .map(|event| (event.token().0, Events::from_mio(event))),
        );
        Ok(())
    }

    /// Records readiness for an `IoSource` and returns the wakers to wake.
    pub(crate) fn set_ready(&self, entry: &mut IoEntry, events: Events) -> [Option<Waker>; 2] {
        let IoEntry::Source {
            ready,
            read_waker,
            write_waker,
        } = entry
        else {
            return [None, None];
        };
        let mut woken = [None, None];
        if events.intersects(Events::READ | Events::ERROR) {
            *ready |= Direction::Read.bit();
            woken[0] = read_waker.take();
        }
        if events.intersects(Events::READ_CLOSED | Events::ERROR) {
            // Sticky: after end of stream or an error, reads never block, so
            // an early `clear_ready` must not make a reader wait for an
            // event that will not come.
            *ready |= CLOSED;
        }
        if events.intersects(Events::WRITE | Events::ERROR) {
            *ready |= Direction::Write.bit();
            woken[1] = write_waker.take();
        }
        woken
    }
}

/// An I/O source registered with a loop, with async readiness.
///
/// The source is registered for both directions when created and
/// deregistered when dropped; [`poll_read_with`](IoSource::poll_read_with)
/// and friends apply the drain-until-`WouldBlock` rule (see the module
/// docs). Tornado keeps this inside `BaseIOStream` (`_add_io_state`,
/// `_handle_events`); it is public here so that new stream types can be
/// written outside this crate.
///
/// ```
/// use std::io::{Read, Write};
/// use tornado_ioloop::{IoLoop, reactor::IoSource};
///
/// let ioloop = IoLoop::new()?;
/// let (a, b) = mio::net::UnixStream::pair()?;
/// let received = ioloop.run_sync(async {
///     let a = IoSource::new(a)?;
///     let b = IoSource::new(b)?;
///     a.write_with(|mut s| s.write(b"ping")).await?;
///     let mut buf = [0u8; 4];
///     let n = b.read_with(|mut s| s.read(&mut buf)).await?;
///     Ok::<_, std::io::Error>(buf[..n].to_vec())
/// }, None)??;
/// assert_eq!(received, b"ping");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "add_io_state")]
pub struct IoSource<S: Source> {
    source: Option<S>,
    token: usize,
    ioloop: IoLoop,
}

impl<S: Source + fmt::Debug> fmt::Debug for IoSource<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IoSource")
            .field("source", &self.source)
            .field("token", &self.token)
            .finish()
    }
}

impl<S: Source> IoSource<S> {
    /// Registers `source` with the current thread's loop.
    pub fn new(source: S) -> io::Result<Self> {
        Self::with_loop(&IoLoop::current(), source)
    }

    /// Registers `source` with `ioloop`.
    pub fn with_loop(ioloop: &IoLoop, mut source: S) -> io::Result<Self> {
        let reactor = &ioloop.inner.reactor;
        let token = reactor.io.borrow_mut().insert(IoEntry::Source {
            // Assume ready until a syscall says otherwise: the first attempt
            // costs at most one `WouldBlock`, and no initial edge is missed.
            ready: Direction::Read.bit() | Direction::Write.bit(),
            read_waker: None,
            write_waker: None,
        });
        if let Err(e) = reactor.registry.register(
            &mut source,
            Token(token),
            Interest::READABLE | Interest::WRITABLE,
        ) {
            reactor.io.borrow_mut().remove(token);
            return Err(e);
        }
        Ok(IoSource {
            source: Some(source),
            token,
            ioloop: ioloop.clone(),
        })
    }

    /// The source.
    pub fn get_ref(&self) -> &S {
        self.source.as_ref().expect("present until drop")
    }

    /// The source, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        self.source.as_mut().expect("present until drop")
    }

    /// The loop this source is registered with.
    pub fn ioloop(&self) -> &IoLoop {
        &self.ioloop
    }

    /// Deregisters and returns the source.
    pub fn into_inner(mut self) -> io::Result<S> {
        let mut source = self.source.take().expect("present until drop");
        self.deregister(&mut source)?;
        Ok(source)
    }

    fn deregister(&self, source: &mut S) -> io::Result<()> {
        let reactor = &self.ioloop.inner.reactor;
        let removed = reactor.io.borrow_mut().try_remove(self.token);
        drop(removed); // wakers dropped outside the borrow
        reactor.registry.deregister(source)
    }

    /// Ready when the last readiness event for `direction` has not yet been
    /// consumed by a `WouldBlock`; otherwise registers the waker.
    pub fn poll_ready(&self, cx: &mut Context<'_>, direction: Direction) -> Poll<()> {
        let mut io = self.ioloop.inner.reactor.io.borrow_mut();
        let Some(IoEntry::Source {
            ready,
            read_waker,
            write_waker,
        }) = io.get_mut(self.token)
        else {
            return Poll::Ready(()); // deregistered: let the syscall report it
        };
        if *ready & direction.bit() != 0 {
            return Poll::Ready(());
        }
        let slot = match direction {
            Direction::Read => read_waker,
            Direction::Write => write_waker,
        };
        match slot {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// Forgets readiness in `direction`; call after `WouldBlock`.
    pub fn clear_ready(&self, direction: Direction) {
        if let Some(IoEntry::Source { ready, .. }) = self
            .ioloop
            .inner
            .reactor
            .io
            .borrow_mut()
            .get_mut(self.token)
        {
            if !(direction == Direction::Read && *ready & CLOSED != 0) {
                *ready &= !direction.bit();
            }
        }
    }

    /// Waits until the source is readable.
    pub async fn readable(&self) {
        poll_fn(|cx| self.poll_ready(cx, Direction::Read)).await;
    }

    /// Waits until the source is writable.
    pub async fn writable(&self) {
        poll_fn(|cx| self.poll_ready(cx, Direction::Write)).await;
    }

    /// Runs `op` until it does not fail with `WouldBlock`, waiting for
    /// readiness in `direction` in between.
    pub fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            if self.poll_ready(cx, direction).is_pending() {
                return Poll::Pending;
            }
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_ready(direction),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => return Poll::Ready(result),
            }
        }
    }

    /// [`poll_io`](Self::poll_io) for reading.
    pub fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(cx, Direction::Read, op)
    }

    /// [`poll_io`](Self::poll_io) for writing.
    pub fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(cx, Direction::Write, op)
    }

    /// Reads with `op`, waiting for readiness as needed.
    pub async fn read_with<R>(&self, mut op: impl FnMut(&S) -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_io(cx, Direction::Read, &mut op)).await
    }

    /// Writes with `op`, waiting for readiness as needed.
    pub async fn write_with<R>(&self, mut op: impl FnMut(&S) -> io::Result<R>) -> io::Result<R> {
        poll_fn(|cx| self.poll_io(cx, Direction::Write, &mut op)).await
    }
}

impl<S: Source> Drop for IoSource<S> {
    fn drop(&mut self) {
        if let Some(mut source) = self.source.take() {
            // Deregistering a source whose descriptor is already broken can
            // fail; the slot is freed either way.
            let _ = self.deregister(&mut source);
        }
    }
}
