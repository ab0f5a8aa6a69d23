//! Tornado's event loop, rebuilt on mio: one explicit, single-threaded
//! [`IoLoop`] per thread running `!Send` tasks, callbacks, timers and I/O
//! readiness, plus Tornado's `gen`, `locks` and `queues` helpers.
//!
//! This crate mirrors Python's `tornado.ioloop`, `tornado.gen`,
//! `tornado.locks` and `tornado.queues`.
//!
//! # The thread model
//!
//! A loop belongs to the thread that made it ([`IoLoop`] is not `Send`), and
//! so do its tasks: [`IoLoop::spawn`] takes any `'static` future, with no
//! `Send` bound, so handlers share state with `Rc<RefCell<_>>`. (Never hold
//! a `RefCell` borrow across an `.await`.) Other threads reach the loop only
//! through an [`IoLoopHandle`]: `add_callback` and `spawn` of `Send` work,
//! which wake the loop's poll. Blocking work goes to the loop's thread pool
//! with [`IoLoop::run_in_executor`]. To use many cores, run one loop per
//! thread.
//!
//! ```
//! use std::{cell::RefCell, rc::Rc, time::Duration};
//! use tornado_ioloop::{IoLoop, r#gen};
//!
//! let ioloop = IoLoop::new()?;
//! let log = Rc::new(RefCell::new(Vec::new()));
//! for i in 0..3 {
//!     let log = log.clone();
//!     ioloop.spawn(async move {
//!         r#gen::sleep(Duration::from_millis(3 - i)).await;
//!         log.borrow_mut().push(i);
//!     });
//! }
//! ioloop.call_later(Duration::from_millis(10), {
//!     let ioloop = ioloop.clone();
//!     move || ioloop.stop()
//! });
//! ioloop.start()?;
//! assert_eq!(*log.borrow(), vec![2, 1, 0]);
//! # Ok::<(), tornado_ioloop::Error>(())
//! ```
//!
//! # One turn of the loop
//!
//! Run the callbacks queued before this turn, then up to a budget of ready
//! tasks, then the timers that are due; then poll mio — with a zero timeout
//! if work is still queued, else until the next timer, rounded up to the
//! millisecond — and turn readiness into task wake-ups.

mod clock;
mod error;
mod executor;
pub mod r#gen;
mod handle;
mod ioloop;
pub mod locks;
mod periodic;
mod pool;
pub mod queues;
pub mod reactor;
mod signal;
pub mod timer;
mod wait_list;

pub use clock::Clock;
pub use error::{Error, ErrorKind, QueueFull, Result};
pub use executor::JoinHandle;
pub use handle::{IoLoopHandle, RemoteJoinHandle};
pub use ioloop::{IntoDeadline, IoLoop, IoLoopBuilder, Timeout, spawn};
pub use periodic::PeriodicCallback;
pub use pool::{ExecutorFuture, ThreadPoolExecutor};
pub use reactor::{Events, IoSource};

/// The `mio` version this crate registers sources with, for implementing
/// new [`IoSource`] types.
pub use mio;
