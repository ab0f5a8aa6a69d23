//! Helpers shared by the integration tests: loops on a manual clock, a
//! watchdog that turns a hang into a failure, a one-shot promise, and a
//! capturing logger.

#![allow(dead_code, unreachable_pub)]

use std::cell::RefCell;
use std::future::{Future, poll_fn};
use std::io::Write;
use std::rc::Rc;
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::task::{Poll, Waker};
use std::thread::ThreadId;
use std::time::Duration;

use tornado_ioloop::{Clock, IoLoop, JoinHandle, r#gen};

/// How long a test may run before the watchdog fails it.
pub const WATCHDOG: Duration = Duration::from_secs(30);
/// The guard timeout for `run_sync` on loops with the system clock.
pub const GUARD: Option<Duration> = Some(Duration::from_secs(5));

/// Exits the process with a message if not dropped within `limit`: a loop on
/// a manual clock has no working `run_sync` timeout, so a bug that leaves it
/// blocked would otherwise hang the test run.
pub struct Watchdog {
    done: Option<mpsc::Sender<()>>,
}

impl Watchdog {
    pub fn new(name: &'static str) -> Self {
        Self::with_limit(name, WATCHDOG)
    }

    pub fn with_limit(name: &'static str, limit: Duration) -> Self {
        let (tx, rx) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                // Straight to stderr: the test harness captures eprintln!.
                let _ = writeln!(
                    std::io::stderr(),
                    "watchdog: test {name} still running after {limit:?}; failing the run"
                );
                std::process::exit(101);
            }
        });
        Watchdog { done: Some(tx) }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if let Some(tx) = self.done.take() {
            let _ = tx.send(());
        }
    }
}

/// A loop on the system clock, made current for this thread.
pub fn system_loop() -> IoLoop {
    IoLoop::builder().make_current(true).build().unwrap()
}

/// A loop on a manual clock, made current for this thread.
pub fn manual_loop() -> (IoLoop, Clock) {
    let clock = Clock::manual();
    let ioloop = IoLoop::builder()
        .clock(clock.clone())
        .make_current(true)
        .build()
        .unwrap();
    (ioloop, clock)
}

/// Yields to the loop `n` times, so that woken tasks, callbacks and due
/// timers get to run.
pub async fn settle_n(n: usize) {
    for _ in 0..n {
        r#gen::moment().await;
    }
}

/// Yields to the loop a few times: enough for timers that are due to fire
/// and for the tasks they wake (and the tasks those wake) to run.
pub async fn settle() {
    settle_n(8).await;
}

/// Moves a manual clock forward and lets everything that became due run.
///
/// Settles first too: a Rust future does nothing until polled, so a task
/// spawned just before must get its first poll (and compute its deadlines)
/// before the clock moves.
pub async fn advance(clock: &Clock, by: Duration) {
    settle().await;
    clock.advance(by);
    settle().await;
}

/// Moves a manual clock forward one `step` at a time, settling after each,
/// `steps` times.
pub async fn advance_steps(clock: &Clock, step: Duration, steps: usize) {
    for _ in 0..steps {
        advance(clock, step).await;
    }
}

/// Runs `future` on a manual-clock loop while a driver task moves the clock
/// forward by `step` on every turn, for tests where only the order of
/// events matters, not the exact times.
pub fn drive<F: Future>(ioloop: &IoLoop, clock: &Clock, step: Duration, future: F) -> F::Output {
    let driver: JoinHandle<()> = ioloop.spawn({
        let clock = clock.clone();
        async move {
            loop {
                r#gen::moment().await;
                clock.advance(step);
            }
        }
    });
    let out = ioloop.run_sync(future, None).unwrap();
    driver.abort();
    out
}

/// A value set later by a callback: Python's bare `Future()` in tests.
pub struct Promise<T> {
    state: Rc<RefCell<PromiseState<T>>>,
}

/// The value (until taken), the waiting task, and whether it was set.
type PromiseState<T> = (Option<T>, Option<Waker>, bool);

impl<T> Clone for Promise<T> {
    fn clone(&self) -> Self {
        Promise {
            state: self.state.clone(),
        }
    }
}

impl<T> Promise<T> {
    pub fn new() -> Self {
        Promise {
            state: Rc::new(RefCell::new((None, None, false))),
        }
    }

    /// Resolves the promise (Python's `set_result`).
    pub fn set(&self, value: T) {
        let waker = {
            let mut state = self.state.borrow_mut();
            assert!(!state.2, "a promise is resolved once");
            state.0 = Some(value);
            state.2 = true;
            state.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    pub fn is_set(&self) -> bool {
        self.state.borrow().2
    }

    /// A future of the value.
    pub fn wait(&self) -> impl Future<Output = T> + 'static
    where
        T: 'static,
    {
        let state = self.state.clone();
        poll_fn(move |cx| {
            let mut state = state.borrow_mut();
            match state.0.take() {
                Some(v) => Poll::Ready(v),
                None => {
                    state.1 = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
    }
}

/// One record the capturing logger saw.
#[derive(Debug, Clone)]
pub struct Record {
    pub thread: ThreadId,
    pub level: log::Level,
    pub target: String,
    pub message: String,
}

struct Capture;

fn records() -> &'static Mutex<Vec<Record>> {
    static RECORDS: OnceLock<Mutex<Vec<Record>>> = OnceLock::new();
    RECORDS.get_or_init(|| Mutex::new(Vec::new()))
}

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        records()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Record {
                thread: std::thread::current().id(),
                level: record.level(),
                target: record.target().to_owned(),
                message: record.args().to_string(),
            });
    }
    fn flush(&self) {}
}

/// Installs the capturing logger (once per test binary).
pub fn install_logger() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        log::set_boxed_logger(Box::new(Capture)).expect("no other logger in tests");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// The records logged so far by the current thread (tests run in parallel,
/// each on its own thread).
pub fn logged_here() -> Vec<Record> {
    let me = std::thread::current().id();
    records()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter(|r| r.thread == me)
        .cloned()
        .collect()
}

/// Silences the default panic message for panics the tests provoke on
/// purpose, keeping the output readable; other panics still print.
pub fn quiet_expected_panics() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            if !text.starts_with("expected:") {
                default(info);
            }
        }));
    });
}

/// The identity of a loop, for "is this the same loop" checks.
pub fn loop_id(ioloop: &IoLoop) -> String {
    format!("{:?}", ioloop.handle())
}
