//! `IoLoop`: one thread's event loop.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::os::fd::RawFd;
use std::panic::Location;
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Wake, Waker};
use std::time::{Duration, Instant};

use mio::Token;
use mio::unix::SourceFd;

use crate::clock::Clock;
use crate::error::{Error, ErrorKind, Result};
use crate::executor::{self, EnterGuard, Executor, JoinHandle, run_callback};
use crate::handle::{IoLoopHandle, Remote, Shared};
use crate::pool::{ExecutorFuture, ThreadPoolExecutor};
use crate::reactor::{Events, IoEntry, Reactor, WAKER_TOKEN};
use crate::signal::Signals;
use crate::timer::{TimerKey, TimerQueue};

/// How many tasks run between two looks at the poller when work keeps
/// coming, so that a busy connection cannot starve I/O and timers.
const TASK_BUDGET: usize = 128;
/// Turns with queued work that may skip the (zero-timeout) poll syscall.
const TURNS_BETWEEN_POLLS: u32 = 4;

static NEXT_LOOP_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// Loops currently running on this thread, innermost last.
    static RUNNING: RefCell<Vec<IoLoop>> = const { RefCell::new(Vec::new()) };
    /// The thread's default loop, made by `current()` or the first `new()`.
    static DEFAULT: RefCell<Option<IoLoop>> = const { RefCell::new(None) };
}

pub(crate) enum TimerAction {
    Callback(Box<dyn FnOnce()>),
    Wake(Waker),
}

pub(crate) struct Inner {
    pub(crate) reactor: Reactor,
    pub(crate) executor: Rc<Executor>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) timers: RefCell<TimerQueue<TimerAction>>,
    pub(crate) clock: Clock,
    callbacks: RefCell<VecDeque<Box<dyn FnOnce()>>>,
    running: Cell<bool>,
    stopping: Cell<bool>,
    closed: Cell<bool>,
    executor_pool: RefCell<Option<ThreadPoolExecutor>>,
    signals: RefCell<Signals>,
    handlers: RefCell<HashMap<RawFd, usize>>,
    scratch_events: RefCell<Vec<(usize, Events)>>,
    /// The clock as read once per turn while the loop runs (see
    /// [`IoLoop::turn_time`]); `None` when not running.
    turn_time: Cell<Option<Instant>>,
    /// The loop's half of the cross-thread queue's double buffer.
    remote: RefCell<Vec<Remote>>,
    /// Keeps the `mio::Waker` alive for the loop's whole life, so that a
    /// wake-up can never be lost because the last `Waker` clone went away.
    _waker: Arc<mio::Waker>,
}

/// One thread's event loop: tasks, callbacks, timers and I/O readiness over
/// `mio::Poll`. Tornado's `tornado.ioloop.IOLoop`.
///
/// `IoLoop` is a cheap handle (`Clone` shares the same loop) and is not
/// `Send`: a loop belongs to the thread that made it, and so do its tasks,
/// which may therefore hold `Rc` and `RefCell` state. Reach a loop from other
/// threads through [`IoLoop::handle`].
///
/// ```
/// use std::time::Duration;
/// use tornado_ioloop::{IoLoop, r#gen};
///
/// let ioloop = IoLoop::new()?;
/// let answer = ioloop.run_sync(async {
///     r#gen::sleep(Duration::from_millis(1)).await;
///     42
/// }, Some(Duration::from_secs(5)))?;
/// assert_eq!(answer, 42);
/// # Ok::<(), tornado_ioloop::Error>(())
/// ```
///
/// The loop is not `Send`:
///
/// ```compile_fail
/// fn assert_send<T: Send>(_: T) {}
/// assert_send(tornado_ioloop::IoLoop::new().unwrap());
/// ```
///
/// Tasks need no `Send` bound, so a task may hold an `Rc`:
///
/// ```
/// use std::rc::Rc;
/// let ioloop = tornado_ioloop::IoLoop::new()?;
/// let shared = Rc::new(5);
/// let task = ioloop.spawn(async move { *shared + 1 });
/// assert_eq!(ioloop.run_sync(task, None)??, 6);
/// # Ok::<(), tornado_ioloop::Error>(())
/// ```
///
/// while the same `Rc`-holding future cannot be sent to another thread's
/// loop:
///
/// ```compile_fail
/// use std::rc::Rc;
/// let ioloop = tornado_ioloop::IoLoop::new().unwrap();
/// let shared = Rc::new(5);
/// ioloop.handle().spawn(async move { *shared + 1 });
/// ```
#[doc(alias = "IOLoop")]
#[derive(Clone)]
pub struct IoLoop {
    pub(crate) inner: Rc<Inner>,
    _not_send: PhantomData<Rc<()>>,
}

impl fmt::Debug for IoLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IoLoop")
            .field("id", &self.inner.shared.id)
            .field("running", &self.inner.running.get())
            .field("closed", &self.inner.closed.get())
            .field("tasks", &self.inner.executor.len())
            .field("timers", &self.inner.timers.borrow().len())
            .finish()
    }
}

/// A scheduled timeout, returned by [`IoLoop::call_later`] and friends, for
/// [`IoLoop::remove_timeout`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timeout(pub(crate) TimerKey);

/// A point in time given either as an absolute [`Instant`] on the loop's
/// clock or as a [`Duration`] from now, as Tornado accepts a deadline or a
/// `timedelta` for `add_timeout` and every `timeout=` argument.
pub trait IntoDeadline {
    /// The absolute deadline, given the loop's current time.
    fn into_deadline(self, now: Instant) -> Instant;
}

impl IntoDeadline for Instant {
    fn into_deadline(self, _now: Instant) -> Instant {
        self
    }
}

impl IntoDeadline for Duration {
    fn into_deadline(self, now: Instant) -> Instant {
        now.checked_add(self)
            .unwrap_or_else(|| now + Duration::from_secs(86400 * 365 * 100))
    }
}

/// The wake-up of the future passed to `run_sync`.
struct MainWaker {
    woken: AtomicBool,
    shared: Arc<Shared>,
    owner: std::thread::ThreadId,
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if !self.woken.swap(true, Ordering::AcqRel) && std::thread::current().id() != self.owner {
            self.shared.notify();
        }
    }
}

/// Options for building a loop; see [`IoLoop::builder`].
#[derive(Debug, Default)]
#[must_use]
pub struct IoLoopBuilder {
    clock: Clock,
    make_current: bool,
}

impl IoLoopBuilder {
    /// The loop's time source ([`Clock::manual`] for tests).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Make this the thread's current loop even if one exists
    /// (Tornado's `IOLoop(make_current=True)`).
    pub fn make_current(mut self, yes: bool) -> Self {
        self.make_current = yes;
        self
    }

    /// Builds the loop.
    pub fn build(self) -> Result<IoLoop> {
        let (reactor, waker) = Reactor::new()?;
        let waker = Arc::new(waker);
        let shared = Arc::new(Shared::new(
            waker.clone(),
            NEXT_LOOP_ID.fetch_add(1, Ordering::Relaxed),
        ));
        let inner = Inner {
            reactor,
            executor: Rc::new(Executor::new(shared.clone())),
            shared,
            timers: RefCell::new(TimerQueue::new()),
            clock: self.clock,
            callbacks: RefCell::new(VecDeque::new()),
            running: Cell::new(false),
            stopping: Cell::new(false),
            closed: Cell::new(false),
            executor_pool: RefCell::new(None),
            signals: RefCell::new(Signals::default()),
            handlers: RefCell::new(HashMap::new()),
            scratch_events: RefCell::new(Vec::with_capacity(64)),
            turn_time: Cell::new(None),
            remote: RefCell::new(Vec::new()),
            _waker: waker,
        };
        let ioloop = IoLoop {
            inner: Rc::new(inner),
            _not_send: PhantomData,
        };
        DEFAULT.with(|d| {
            let mut d = d.borrow_mut();
            if self.make_current || d.is_none() {
                *d = Some(ioloop.clone());
            }
        });
        Ok(ioloop)
    }
}

impl IoLoop {
    /// A new loop on the system clock. If the thread has no current loop yet,
    /// this one becomes current (as `IOLoop()` does in Tornado).
    pub fn new() -> Result<IoLoop> {
        IoLoop::builder().build()
    }

    /// A builder for a loop with options (a manual clock, forced current).
    pub fn builder() -> IoLoopBuilder {
        IoLoopBuilder::default()
    }

    /// The current thread's loop: the innermost running one, else the
    /// thread's default loop, created if missing (Tornado's
    /// `IOLoop.current()`).
    ///
    /// # Panics
    /// When no loop exists and the operating system refuses to create one
    /// (out of file descriptors); use [`IoLoop::try_current`] to avoid that.
    pub fn current() -> IoLoop {
        if let Some(running) = Self::try_current() {
            return running;
        }
        IoLoop::builder()
            .make_current(true)
            .build()
            .expect("cannot create an event loop for this thread")
    }

    /// The current thread's loop, without creating one
    /// (`IOLoop.current(instance=False)`).
    pub fn try_current() -> Option<IoLoop> {
        RUNNING
            .with(|r| r.borrow().last().cloned())
            .or_else(|| DEFAULT.with(|d| d.borrow().clone()))
    }

    /// Makes this loop the thread's default (`IOLoop.make_current`).
    pub fn make_current(&self) {
        DEFAULT.with(|d| *d.borrow_mut() = Some(self.clone()));
    }

    /// A `Send + Sync` handle for reaching this loop from other threads.
    pub fn handle(&self) -> IoLoopHandle {
        IoLoopHandle {
            shared: self.inner.shared.clone(),
        }
    }

    /// The loop's clock.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The loop's current time, monotonic (`IOLoop.time`).
    pub fn time(&self) -> Instant {
        self.inner.clock.now()
    }

    /// The loop's time as of the start of the current turn (after its wait
    /// for events) or of its last timer check, whichever came later: at most
    /// one turn's work behind [`time`](Self::time), and free to read. For
    /// deadlines of timeouts, where being microseconds early does not
    /// matter, on paths that run once per request. Outside a running loop,
    /// and on a manual clock, the same as `time`.
    ///
    /// ```
    /// let ioloop = tornado_ioloop::IoLoop::new().unwrap();
    /// assert!(ioloop.turn_time() <= ioloop.time());
    /// ```
    pub fn turn_time(&self) -> Instant {
        match self.inner.turn_time.get() {
            Some(at) => at,
            None => self.inner.clock.now(),
        }
    }

    /// Reads the clock and remembers it as the turn's time (real clocks
    /// only: a manual clock may move in the middle of a turn).
    fn refresh_turn_time(&self) -> Instant {
        let now = self.inner.clock.now();
        if !self.inner.clock.is_manual() {
            self.inner.turn_time.set(Some(now));
        }
        now
    }

    /// True while `start` or `run_sync` runs this loop.
    pub fn is_running(&self) -> bool {
        self.inner.running.get()
    }

    /// True once [`close`](Self::close) ran.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.get()
    }

    // --- tasks and callbacks ---------------------------------------------

    /// Spawns a task on this loop. No `Send` bound: the task stays on this
    /// thread. It starts on the loop's next turn; the returned
    /// [`JoinHandle`] resolves to its output.
    ///
    /// A panic inside the task is caught and logged (target
    /// `tornado.application`, with the place the task was spawned) and
    /// surfaces as an error on the `JoinHandle`; the loop keeps running.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        if self.inner.closed.get() {
            return executor::closed_handle();
        }
        executor::spawn_on(&self.inner.executor, future, Location::caller())
    }

    /// Spawns a task without a [`JoinHandle`]: cheaper for fire-and-forget
    /// work such as serving one connection (no join state is allocated). A
    /// panic inside is caught and logged as with [`spawn`](Self::spawn).
    #[track_caller]
    pub fn spawn_detached(&self, future: impl Future<Output = ()> + 'static) {
        if !self.inner.closed.get() {
            executor::spawn_detached_on(&self.inner.executor, future, Location::caller());
        }
    }

    /// Calls `f` on the next turn and runs the future it returns as a task,
    /// detached (`IOLoop.spawn_callback`).
    #[track_caller]
    pub fn spawn_callback<F, Fut>(&self, f: F)
    where
        F: FnOnce() -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        self.spawn_detached(async move { f().await });
    }

    /// Runs `f` on this loop's next turn (`IOLoop.add_callback`). From other
    /// threads use [`IoLoopHandle::add_callback`].
    pub fn add_callback(&self, f: impl FnOnce() + 'static) {
        if !self.inner.closed.get() {
            self.inner.callbacks.borrow_mut().push_back(Box::new(f));
        }
    }

    /// Calls `callback` with the output of `future` once it resolves
    /// (`IOLoop.add_future`). Runs as a detached task that holds just the
    /// future and the callback; if the future panics, the panic is logged
    /// and the callback is not called.
    #[track_caller]
    pub fn add_future<F, C>(&self, future: F, callback: C)
    where
        F: Future + 'static,
        C: FnOnce(F::Output) + 'static,
    {
        if !self.inner.closed.get() {
            let location = Location::caller();
            executor::spawn_with_outcome_on(
                &self.inner.executor,
                future,
                location,
                executor::OnOutput { callback, location },
            );
        }
    }

    // --- timers ------------------------------------------------------------

    /// Runs `f` at `deadline` on the loop's clock (`IOLoop.call_at`).
    pub fn call_at(&self, deadline: Instant, f: impl FnOnce() + 'static) -> Timeout {
        Timeout(
            self.inner
                .timers
                .borrow_mut()
                .insert(deadline, TimerAction::Callback(Box::new(f))),
        )
    }

    /// Runs `f` after `delay` (`IOLoop.call_later`).
    pub fn call_later(&self, delay: Duration, f: impl FnOnce() + 'static) -> Timeout {
        self.call_at(delay.into_deadline(self.time()), f)
    }

    /// Runs `f` at a deadline given as an [`Instant`] or a [`Duration`] from
    /// now (`IOLoop.add_timeout`).
    pub fn add_timeout(&self, deadline: impl IntoDeadline, f: impl FnOnce() + 'static) -> Timeout {
        self.call_at(deadline.into_deadline(self.time()), f)
    }

    /// Cancels a timeout; false when it already ran or was removed
    /// (`IOLoop.remove_timeout`). O(log n), and nothing stays behind.
    pub fn remove_timeout(&self, timeout: Timeout) -> bool {
        let removed = self.inner.timers.borrow_mut().cancel(timeout.0);
        removed.is_some()
    }

    /// The number of scheduled timers.
    pub fn pending_timers(&self) -> usize {
        self.inner.timers.borrow().len()
    }

    // --- executor ------------------------------------------------------------

    /// Runs blocking `f` on the loop's thread pool and resolves to its
    /// result (`IOLoop.run_in_executor(None, f)`). The default pool has
    /// [`ThreadPoolExecutor::default_size`] threads, started on demand.
    pub fn run_in_executor<T, F>(&self, f: F) -> ExecutorFuture<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let pool = self
            .inner
            .executor_pool
            .borrow_mut()
            .get_or_insert_with(ThreadPoolExecutor::default)
            .clone();
        pool.submit(f)
    }

    /// Replaces the pool that `run_in_executor` uses
    /// (`IOLoop.set_default_executor`).
    pub fn set_default_executor(&self, executor: ThreadPoolExecutor) {
        let old = self.inner.executor_pool.borrow_mut().replace(executor);
        if let Some(old) = old {
            old.shutdown();
        }
    }

    // --- raw descriptors ---------------------------------------------------

    /// Calls `callback(fd, events)` when `fd` becomes ready for `events`
    /// (`IOLoop.add_handler`).
    ///
    /// Readiness is **edge-triggered**: the callback runs when the state
    /// changes, so it must read (or write) until `WouldBlock` each time, or
    /// it will not be called again. `fd` must stay open until
    /// [`remove_handler`](Self::remove_handler); `fd` must be non-blocking.
    pub fn add_handler(
        &self,
        fd: RawFd,
        events: Events,
        callback: impl FnMut(RawFd, Events) + 'static,
    ) -> io::Result<()> {
        if self.inner.handlers.borrow().contains_key(&fd) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("fd {fd} already has a handler"),
            ));
        }
        let reactor = &self.inner.reactor;
        let token = reactor.io.borrow_mut().insert(IoEntry::Handler {
            fd,
            callback: Some(Box::new(callback)),
        });
        // mio cannot watch for nothing: a handler for `Events::NONE` is kept
        // but not registered until `update_handler` asks for READ or WRITE.
        let registered = if events.intersects(Events::READ | Events::WRITE) {
            reactor
                .registry
                .register(&mut SourceFd(&fd), Token(token), events.interest())
        } else {
            Ok(())
        };
        if let Err(e) = registered {
            reactor.io.borrow_mut().remove(token);
            return Err(e);
        }
        self.inner.handlers.borrow_mut().insert(fd, token);
        Ok(())
    }

    /// Changes the events a handler listens for (`IOLoop.update_handler`).
    /// `Events::NONE` stops watching `fd` but keeps the handler.
    pub fn update_handler(&self, fd: RawFd, events: Events) -> io::Result<()> {
        let token = self.handler_token(fd)?;
        let registry = &self.inner.reactor.registry;
        let not_registered = |e: &io::Error| e.kind() == io::ErrorKind::NotFound;
        if !events.intersects(Events::READ | Events::WRITE) {
            return match registry.deregister(&mut SourceFd(&fd)) {
                Err(e) if not_registered(&e) => Ok(()),
                result => result,
            };
        }
        match registry.reregister(&mut SourceFd(&fd), Token(token), events.interest()) {
            Err(e) if not_registered(&e) => {
                registry.register(&mut SourceFd(&fd), Token(token), events.interest())
            }
            result => result,
        }
    }

    /// Stops watching `fd` (`IOLoop.remove_handler`); safe to call from the
    /// handler itself. False when `fd` had no handler.
    pub fn remove_handler(&self, fd: RawFd) -> bool {
        let Some(token) = self.inner.handlers.borrow_mut().remove(&fd) else {
            return false;
        };
        let _ = self.inner.reactor.registry.deregister(&mut SourceFd(&fd));
        let removed = self.inner.reactor.io.borrow_mut().try_remove(token);
        drop(removed);
        true
    }

    fn handler_token(&self, fd: RawFd) -> io::Result<usize> {
        self.inner
            .handlers
            .borrow()
            .get(&fd)
            .copied()
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::NotFound, format!("fd {fd} has no handler"))
            })
    }

    // --- signals -------------------------------------------------------------

    /// Runs `callback` on this loop's thread whenever `signal` arrives
    /// (asyncio's `loop.add_signal_handler`, which Tornado apps use for
    /// graceful shutdown). Replaces an earlier handler for the same signal.
    /// Signals that cannot be caught (`SIGKILL`, `SIGSTOP`) and those that
    /// `signal-hook` forbids (`SIGSEGV`, `SIGILL`, `SIGFPE`) are refused.
    pub fn add_signal_handler(
        &self,
        signal: i32,
        callback: impl FnMut() + 'static,
    ) -> io::Result<()> {
        self.inner
            .signals
            .borrow_mut()
            .add(&self.inner.reactor, signal, Box::new(callback))
    }

    /// Removes a signal handler; the signal's default action applies again.
    /// False when there was none.
    pub fn remove_signal_handler(&self, signal: i32) -> bool {
        self.inner
            .signals
            .borrow_mut()
            .remove(&self.inner.reactor, signal)
    }

    // --- running -------------------------------------------------------------

    /// Runs the loop until [`stop`](Self::stop) (`IOLoop.start`). If `stop`
    /// was called while the loop was not running, returns at once.
    pub fn start(&self) -> Result<()> {
        self.run_until_stopped_or(None::<std::future::Pending<()>>)
            .map(|_| ())
    }

    /// Makes `start` return after the current turn (`IOLoop.stop`). From
    /// another thread use [`IoLoopHandle::stop`].
    pub fn stop(&self) {
        self.inner.stopping.set(true);
    }

    /// Runs the loop until `future` resolves and returns its output
    /// (`IOLoop.run_sync`). With a `timeout`, gives up after that long on the
    /// loop's clock, dropping (cancelling) the future, and returns an
    /// [`ErrorKind::Timeout`] error. Fails with
    /// [`ErrorKind::AlreadyRunning`] when called from inside this loop, and
    /// with [`ErrorKind::Closed`] when [`stop`](Self::stop) is called before
    /// the future resolves.
    pub fn run_sync<F: Future>(&self, future: F, timeout: Option<Duration>) -> Result<F::Output> {
        match timeout {
            None => self.run_until(future),
            Some(timeout) => {
                let deadline = timeout.into_deadline(self.time());
                self.run_until(crate::r#gen::with_timeout_in(self, deadline, None, future))?
            }
        }
    }

    fn run_until<F: Future>(&self, future: F) -> Result<F::Output> {
        match self.run_until_stopped_or(Some(future))? {
            Some(output) => Ok(output),
            None => Err(Error::with_message(
                ErrorKind::Closed,
                "the loop was stopped before the future resolved",
            )),
        }
    }

    /// The loop proper: runs turns until `future` resolves or, without a
    /// future, until `stop`.
    fn run_until_stopped_or<F: Future>(&self, future: Option<F>) -> Result<Option<F::Output>> {
        let inner = &self.inner;
        if inner.closed.get() {
            return Err(Error::new(ErrorKind::Closed));
        }
        if inner.running.replace(true) {
            return Err(Error::new(ErrorKind::AlreadyRunning));
        }
        let has_future = future.is_some();
        if !has_future && inner.stopping.replace(false) {
            inner.running.set(false);
            return Ok(None);
        }
        let _running = RunningGuard::enter(self);
        let _entered = EnterGuard::new(&inner.executor.local);
        let main = Arc::new(MainWaker {
            // Without a future (`start`), nothing waits on this waker.
            woken: AtomicBool::new(has_future),
            shared: inner.shared.clone(),
            owner: std::thread::current().id(),
        });
        let waker = Waker::from(main.clone());
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        let mut turns_without_poll = 0u32;
        loop {
            if let Some(f) = future.as_mut().as_pin_mut() {
                if main.woken.swap(false, Ordering::AcqRel) {
                    if let std::task::Poll::Ready(output) = f.poll(&mut cx) {
                        return Ok(Some(output));
                    }
                }
            }
            // `stop` ends `run_sync` too, before its future resolves (as
            // Tornado's "Event loop stopped before Future completed").
            if inner.stopping.replace(false) {
                return Ok(None);
            }
            if inner.shared.has_pending() {
                self.drain_remote();
            }
            self.run_callbacks();
            inner.executor.run_ready(TASK_BUDGET);
            self.fire_timers();
            let busy = main.woken.load(Ordering::Acquire)
                || inner.executor.has_ready()
                || !inner.callbacks.borrow().is_empty()
                || inner.stopping.get();
            if busy && turns_without_poll < TURNS_BETWEEN_POLLS {
                turns_without_poll += 1;
                continue;
            }
            turns_without_poll = 0;
            let timeout = if busy {
                Some(Duration::ZERO)
            } else {
                self.poll_timeout()
            };
            self.poll_once(timeout)?;
            // The wait may have been long: the turn starts now.
            self.refresh_turn_time();
        }
    }

    fn run_callbacks(&self) {
        // Only the callbacks queued before this turn: one that re-adds
        // itself runs again next turn, after I/O had its chance.
        let count = self.inner.callbacks.borrow().len();
        for _ in 0..count {
            let next = self.inner.callbacks.borrow_mut().pop_front();
            let Some(callback) = next else { break };
            run_callback("callback", callback);
        }
    }

    fn fire_timers(&self) {
        let timers = &self.inner.timers;
        if timers.borrow().is_empty() {
            return;
        }
        let now = self.refresh_turn_time();
        let mark = timers.borrow().order_mark();
        loop {
            let due = timers.borrow_mut().pop_due(now, mark);
            match due {
                Some((_, TimerAction::Callback(f))) => run_callback("timeout callback", f),
                Some((_, TimerAction::Wake(w))) => w.wake(),
                None => break,
            }
        }
    }

    /// Until the next timer, rounded **up** to the millisecond: epoll counts
    /// in milliseconds, and rounding down would turn a timer due in 0.4 ms
    /// into a busy `poll(0)` loop until it is due.
    fn poll_timeout(&self) -> Option<Duration> {
        let deadline = self.inner.timers.borrow().next_deadline()?;
        // `fire_timers` read the clock just before: nothing ran since.
        let now = self.turn_time();
        if deadline <= now {
            return Some(Duration::ZERO);
        }
        if self.inner.clock.is_manual() {
            // Manual time only moves when a test moves it; sleeping would
            // not bring the timer closer.
            return None;
        }
        Some(round_up_to_millis(deadline - now))
    }

    fn poll_once(&self, timeout: Option<Duration>) -> Result<()> {
        let mut events = std::mem::take(&mut *self.inner.scratch_events.borrow_mut());
        events.clear();
        let shared = &self.inner.shared;
        let blocking = timeout != Some(Duration::ZERO);
        let timeout = if blocking && !shared.park() {
            Some(Duration::ZERO) // work arrived from another thread meanwhile
        } else {
            timeout
        };
        let polled = self.inner.reactor.poll(timeout, &mut events);
        if blocking {
            shared.unpark();
        }
        polled?;
        for &(token, ready) in &events {
            self.dispatch(token, ready);
        }
        *self.inner.scratch_events.borrow_mut() = events;
        Ok(())
    }

    fn dispatch(&self, token: usize, ready: Events) {
        if token == WAKER_TOKEN.0 {
            self.drain_remote();
            return;
        }
        enum Action {
            Wake([Option<Waker>; 2]),
            Handler(RawFd, crate::reactor::HandlerFn),
            Signal(i32),
        }
        let action = {
            let mut io = self.inner.reactor.io.borrow_mut();
            match io.get_mut(token) {
                Some(entry @ IoEntry::Source { .. }) => {
                    Action::Wake(self.inner.reactor.set_ready(entry, ready))
                }
                Some(IoEntry::Handler { fd, callback }) => match callback.take() {
                    Some(cb) => Action::Handler(*fd, cb),
                    None => return,
                },
                Some(IoEntry::Signal { signal }) => Action::Signal(*signal),
                None => return,
            }
        };
        match action {
            Action::Wake(wakers) => wakers.into_iter().flatten().for_each(Waker::wake),
            Action::Handler(fd, mut callback) => {
                let ready = ready.public();
                run_callback("fd handler", || callback(fd, ready));
                let mut io = self.inner.reactor.io.borrow_mut();
                if let Some(IoEntry::Handler {
                    fd: slot_fd,
                    callback: slot @ None,
                }) = io.get_mut(token)
                {
                    if *slot_fd == fd {
                        *slot = Some(callback);
                    }
                }
            }
            Action::Signal(signal) => {
                let callback = self.inner.signals.borrow_mut().take_callback(signal);
                if let Some(mut callback) = callback {
                    run_callback("signal handler", &mut callback);
                    self.inner
                        .signals
                        .borrow_mut()
                        .restore_callback(signal, callback);
                }
            }
        }
    }

    fn drain_remote(&self) {
        let inner = &self.inner;
        inner.shared.begin_drain();
        let mut items = std::mem::take(&mut *inner.remote.borrow_mut());
        inner.shared.take_into(&mut items);
        for item in items.drain(..) {
            match item {
                Remote::Wake(id) => inner.executor.wake_remote(id),
                // Runs now: it was queued before this turn began.
                Remote::Callback(f) => run_callback("callback", f),
                // Already a panic-catching task (built by the handle).
                Remote::Spawn(task) => {
                    inner.executor.insert(task);
                }
                Remote::Stop => inner.stopping.set(true),
            }
        }
        // Keep the (empty) vector's memory for the next swap.
        *inner.remote.borrow_mut() = items;
    }

    /// Closes the loop (`IOLoop.close`): drops every task, callback, timer,
    /// fd handler and signal handler, and shuts the thread pool down. Tasks'
    /// `JoinHandle`s resolve to [`ErrorKind::Closed`]. Fails with
    /// [`ErrorKind::AlreadyRunning`] while the loop runs; call `stop` first.
    pub fn close(&self) -> Result<()> {
        let inner = &self.inner;
        if inner.running.get() {
            return Err(Error::new(ErrorKind::AlreadyRunning));
        }
        if inner.closed.replace(true) {
            return Ok(());
        }
        inner.shared.closed.store(true, Ordering::Release);
        inner.executor.clear();
        let timers = inner.timers.borrow_mut().drain();
        drop(timers);
        let callbacks = std::mem::take(&mut *inner.callbacks.borrow_mut());
        drop(callbacks);
        let fds: Vec<RawFd> = inner.handlers.borrow().keys().copied().collect();
        for fd in fds {
            self.remove_handler(fd);
        }
        let signals = inner.signals.borrow().signals();
        for signal in signals {
            self.remove_signal_handler(signal);
        }
        if let Some(pool) = inner.executor_pool.borrow_mut().take() {
            pool.shutdown();
        }
        inner.shared.mark_closed();
        DEFAULT.with(|d| {
            let mut d = d.borrow_mut();
            if d.as_ref().is_some_and(|l| Rc::ptr_eq(&l.inner, inner)) {
                *d = None;
            }
        });
        Ok(())
    }
}

impl Drop for Inner {
    /// A loop dropped without `close` (its thread ended, say) is closed for
    /// its handles: what they send from then on is dropped, not queued for
    /// ever.
    fn drop(&mut self) {
        self.shared.mark_closed();
    }
}

struct RunningGuard<'a>(&'a IoLoop);

impl<'a> RunningGuard<'a> {
    fn enter(ioloop: &'a IoLoop) -> Self {
        RUNNING.with(|r| r.borrow_mut().push(ioloop.clone()));
        RunningGuard(ioloop)
    }
}

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        let _ = RUNNING.try_with(|r| r.borrow_mut().pop());
        self.0.inner.running.set(false);
        self.0.inner.turn_time.set(None);
    }
}

pub(crate) fn round_up_to_millis(d: Duration) -> Duration {
    let millis = d.as_nanos().div_ceil(1_000_000);
    Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX))
}

/// Spawns a task on the current thread's loop ([`IoLoop::current`]).
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    IoLoop::current().spawn(future)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_timeout_rounds_up() {
        assert_eq!(
            round_up_to_millis(Duration::from_micros(400)),
            Duration::from_millis(1)
        );
        assert_eq!(
            round_up_to_millis(Duration::from_micros(1000)),
            Duration::from_millis(1)
        );
        assert_eq!(
            round_up_to_millis(Duration::from_micros(1001)),
            Duration::from_millis(2)
        );
        assert_eq!(round_up_to_millis(Duration::ZERO), Duration::ZERO);
    }
}
