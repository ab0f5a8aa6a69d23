//! `PeriodicCallback`: a callback on a fixed schedule.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::executor::panic_message;
use crate::ioloop::{IoLoop, Timeout};

type Callback = Box<dyn FnMut() -> Option<Pin<Box<dyn Future<Output = ()>>>>>;

struct State {
    ioloop: IoLoop,
    callback: RefCell<Callback>,
    interval: Duration,
    jitter: f64,
    running: Cell<bool>,
    next_timeout: Cell<Instant>,
    timeout: Cell<Option<Timeout>>,
    rng: Cell<u64>,
}

/// Calls a function every `interval` on the current loop
/// (`tornado.ioloop.PeriodicCallback`).
///
/// The schedule is Tornado's: runs are due on multiples of the interval from
/// `start`; a run that overruns skips the runs it missed instead of bursting
/// to catch up; if the clock goes backwards, the next run is one interval
/// after the previous due time rather than a stall. An async callback is
/// awaited before the next run is scheduled. With [`jitter`](Self::jitter)
/// `j`, each interval is multiplied by a random factor in `1 ± j/2`.
///
/// ```
/// use std::{cell::Cell, rc::Rc, time::Duration};
/// use tornado_ioloop::{IoLoop, PeriodicCallback, r#gen};
///
/// let ioloop = IoLoop::new()?;
/// let count = Rc::new(Cell::new(0));
/// let pc = PeriodicCallback::new({
///     let count = count.clone();
///     move || count.set(count.get() + 1)
/// }, Duration::from_millis(1));
/// ioloop.run_sync(async {
///     pc.start();
///     while count.get() < 3 { r#gen::sleep(Duration::from_millis(1)).await; }
///     pc.stop();
/// }, None)?;
/// assert!(!pc.is_running());
/// # Ok::<(), tornado_ioloop::Error>(())
/// ```
pub struct PeriodicCallback {
    state: Rc<State>,
}

impl fmt::Debug for PeriodicCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeriodicCallback")
            .field("interval", &self.state.interval)
            .field("jitter", &self.state.jitter)
            .field("running", &self.state.running.get())
            .finish()
    }
}

impl PeriodicCallback {
    /// A periodic call of `callback` on the current loop; call
    /// [`start`](Self::start) to begin.
    ///
    /// # Panics
    /// When `interval` is zero (Tornado raises `ValueError`).
    pub fn new(mut callback: impl FnMut() + 'static, interval: Duration) -> Self {
        Self::build(
            Box::new(move || {
                callback();
                None
            }),
            interval,
        )
    }

    /// A periodic async callback: each run's future is awaited before the
    /// next run is scheduled.
    ///
    /// # Panics
    /// When `interval` is zero.
    pub fn new_async<F, Fut>(mut callback: F, interval: Duration) -> Self
    where
        F: FnMut() -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        Self::build(
            Box::new(move || Some(Box::pin(callback()) as Pin<Box<dyn Future<Output = ()>>>)),
            interval,
        )
    }

    fn build(callback: Callback, interval: Duration) -> Self {
        assert!(
            !interval.is_zero(),
            "a periodic callback needs a positive interval"
        );
        let ioloop = IoLoop::current();
        let now = ioloop.time();
        let seed = now.elapsed().as_nanos() as u64 ^ (Rc::as_ptr(&ioloop.inner) as u64);
        PeriodicCallback {
            state: Rc::new(State {
                ioloop,
                callback: RefCell::new(callback),
                interval,
                jitter: 0.0,
                running: Cell::new(false),
                next_timeout: Cell::new(now),
                timeout: Cell::new(None),
                rng: Cell::new(seed | 1),
            }),
        }
    }

    /// Sets the jitter fraction (Tornado's `jitter=` argument); call before
    /// [`start`](Self::start).
    pub fn jitter(mut self, fraction: f64) -> Self {
        if let Some(state) = Rc::get_mut(&mut self.state) {
            state.jitter = fraction;
        }
        self
    }

    /// The interval between runs (`callback_time`).
    pub fn interval(&self) -> Duration {
        self.state.interval
    }

    /// Starts the schedule; the first run is one interval from now.
    pub fn start(&self) {
        if self.state.running.replace(true) {
            return;
        }
        self.state.next_timeout.set(self.state.ioloop.time());
        schedule_next(&self.state);
    }

    /// Stops the schedule; a run in progress finishes.
    pub fn stop(&self) {
        self.state.running.set(false);
        if let Some(timeout) = self.state.timeout.take() {
            self.state.ioloop.remove_timeout(timeout);
        }
    }

    /// True between `start` and `stop`.
    pub fn is_running(&self) -> bool {
        self.state.running.get()
    }

    /// The time the next run is due.
    pub fn next_run(&self) -> Instant {
        self.state.next_timeout.get()
    }
}

fn schedule_next(state: &Rc<State>) {
    if !state.running.get() {
        return;
    }
    update_next(state, state.ioloop.time());
    let again = state.clone();
    let timeout = state
        .ioloop
        .call_at(state.next_timeout.get(), move || run(&again));
    state.timeout.set(Some(timeout));
}

fn run(state: &Rc<State>) {
    state.timeout.set(None);
    if !state.running.get() {
        return;
    }
    let called = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        (state.callback.borrow_mut())()
    }));
    match called {
        Ok(Some(future)) => {
            let state = state.clone();
            state.ioloop.clone().spawn_detached(async move {
                future.await;
                schedule_next(&state);
            });
        }
        Ok(None) => schedule_next(state),
        Err(payload) => {
            log::error!(
                target: "tornado.application",
                "exception in periodic callback: {}",
                panic_message(&*payload)
            );
            schedule_next(state);
        }
    }
}

/// Tornado's schedule arithmetic (`PeriodicCallback._update_next`).
fn update_next(state: &State, now: Instant) {
    let mut period = state.interval.as_secs_f64();
    if state.jitter != 0.0 {
        period *= 1.0 + state.jitter * (next_random(&state.rng) - 0.5);
    }
    let next = state.next_timeout.get();
    let advanced = if next <= now {
        // Skip the runs missed while overrunning: stay on the original
        // schedule's multiples.
        let behind = (now - next).as_secs_f64();
        next + Duration::from_secs_f64(((behind / period).floor() + 1.0) * period)
    } else {
        // The clock went backwards: move one period on rather than
        // scheduling the same instant again.
        next + Duration::from_secs_f64(period)
    };
    state.next_timeout.set(advanced);
}

/// A uniform float in [0, 1) from a xorshift generator: jitter needs spread,
/// not cryptographic quality.
fn next_random(rng: &Cell<u64>) -> f64 {
    let mut x = rng.get();
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng.set(x);
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Clock;

    fn schedule(interval_s: u64, calls: &[f64]) -> Vec<f64> {
        let clock = Clock::manual();
        let ioloop = IoLoop::builder().clock(clock.clone()).build().unwrap();
        let start = clock.now();
        let pc = {
            ioloop.make_current();
            PeriodicCallback::new(|| {}, Duration::from_secs(interval_s))
        };
        pc.state.running.set(true);
        pc.state.next_timeout.set(start);
        calls
            .iter()
            .map(|&t| {
                let now = start + Duration::from_secs_f64(t);
                update_next(&pc.state, now);
                (pc.state.next_timeout.get() - start).as_secs_f64()
            })
            .collect()
    }

    #[test]
    fn test_basic() {
        assert_eq!(schedule(10, &[0.0, 10.0, 20.0]), vec![10.0, 20.0, 30.0]);
    }

    #[test]
    fn test_overrun() {
        // Runs that take longer than the interval skip the missed slots.
        assert_eq!(
            schedule(10, &[0.0, 10.0, 32.0, 50.0, 51.0]),
            vec![10.0, 20.0, 40.0, 60.0, 70.0]
        );
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let rng = Cell::new(12345);
        for _ in 0..10_000 {
            let r = next_random(&rng);
            assert!((0.0..1.0).contains(&r));
        }
    }
}
