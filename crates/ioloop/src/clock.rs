//! The loop's clock: the system's monotonic clock, or a manual one for tests.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

/// The time source of an [`IoLoop`](crate::IoLoop).
///
/// Tornado's `IOLoop.time()` reads `time.monotonic()`; tests replace it by
/// patching. Here a loop is built with a clock: [`Clock::system`] (the
/// default) or [`Clock::manual`], whose time moves only when a test calls
/// [`Clock::advance`], so timer tests never sleep.
///
/// ```
/// use std::time::Duration;
/// use tornado_ioloop::Clock;
///
/// let clock = Clock::manual();
/// let start = clock.now();
/// clock.advance(Duration::from_secs(5));
/// assert_eq!(clock.now() - start, Duration::from_secs(5));
/// ```
#[derive(Clone, Default)]
pub struct Clock {
    manual: Option<Arc<Manual>>,
}

struct Manual {
    base: Instant,
    /// Nanoseconds from `base`; may go negative so that tests can move the
    /// clock backwards (an NTP step on a wall clock).
    offset: AtomicI64,
}

impl Clock {
    /// The system's monotonic clock.
    pub fn system() -> Self {
        Clock { manual: None }
    }

    /// A clock that stands still until [`advance`](Clock::advance) moves it.
    ///
    /// A loop on a manual clock never sleeps waiting for a timer: when only
    /// timers remain, it blocks until something else wakes it (a callback
    /// from another thread, I/O). Advance the clock from a task or callback
    /// on the loop, or wake the loop through its handle after advancing from
    /// another thread.
    pub fn manual() -> Self {
        Clock {
            manual: Some(Arc::new(Manual {
                base: Instant::now(),
                offset: AtomicI64::new(0),
            })),
        }
    }

    /// True for a clock made by [`Clock::manual`].
    pub fn is_manual(&self) -> bool {
        self.manual.is_some()
    }

    /// The current time.
    #[doc(alias = "time")]
    pub fn now(&self) -> Instant {
        match &self.manual {
            None => Instant::now(),
            Some(m) => {
                let offset = m.offset.load(Ordering::Acquire);
                let magnitude = Duration::from_nanos(offset.unsigned_abs());
                if offset >= 0 {
                    m.base + magnitude
                } else {
                    m.base.checked_sub(magnitude).unwrap_or(m.base)
                }
            }
        }
    }

    /// Moves a manual clock forward. Does nothing on the system clock.
    pub fn advance(&self, by: Duration) {
        if let Some(m) = &self.manual {
            m.offset.fetch_add(duration_nanos(by), Ordering::AcqRel);
        }
    }

    /// Moves a manual clock backward, as a wall clock stepped back by NTP
    /// would. Does nothing on the system clock.
    pub fn rewind(&self, by: Duration) {
        if let Some(m) = &self.manual {
            m.offset.fetch_sub(duration_nanos(by), Ordering::AcqRel);
        }
    }
}

fn duration_nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.manual.is_some() {
            f.write_str("Clock::Manual")
        } else {
            f.write_str("Clock::System")
        }
    }
}
