//! The thread pool behind `run_in_executor`.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll};

use crate::error::{Error, ErrorKind, Result};
use crate::executor::panic_message;
use crate::handle::{Receiver, oneshot};

type Job = Box<dyn FnOnce() + Send>;

struct State {
    jobs: VecDeque<Job>,
    idle: usize,
    threads: usize,
    shutdown: bool,
}

struct Pool {
    state: Mutex<State>,
    available: Condvar,
    max_workers: usize,
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A pool of worker threads for blocking work, Python's
/// `concurrent.futures.ThreadPoolExecutor` as Tornado's `run_in_executor`
/// uses it.
///
/// Threads are started lazily, one per job that finds no idle worker, up to
/// `max_workers`; they live until [`shutdown`](Self::shutdown) (called when
/// the owning loop closes). Cloning shares the pool.
///
/// ```
/// use tornado_ioloop::{IoLoop, ThreadPoolExecutor};
///
/// let pool = ThreadPoolExecutor::new(2);
/// let ioloop = IoLoop::new()?;
/// let answer = ioloop.run_sync(pool.submit(|| 6 * 7), None)??;
/// assert_eq!(answer, 42);
/// # Ok::<(), tornado_ioloop::Error>(())
/// ```
#[derive(Clone)]
pub struct ThreadPoolExecutor {
    pool: Arc<Pool>,
}

impl fmt::Debug for ThreadPoolExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.pool.lock();
        f.debug_struct("ThreadPoolExecutor")
            .field("max_workers", &self.pool.max_workers)
            .field("threads", &state.threads)
            .field("queued", &state.jobs.len())
            .finish()
    }
}

impl Default for ThreadPoolExecutor {
    /// A pool of [`default_size`](Self::default_size) workers.
    fn default() -> Self {
        Self::new(Self::default_size())
    }
}

impl ThreadPoolExecutor {
    /// A pool of at most `max_workers` threads (at least one).
    pub fn new(max_workers: usize) -> Self {
        ThreadPoolExecutor {
            pool: Arc::new(Pool {
                state: Mutex::new(State {
                    jobs: VecDeque::new(),
                    idle: 0,
                    threads: 0,
                    shutdown: false,
                }),
                available: Condvar::new(),
                max_workers: max_workers.max(1),
            }),
        }
    }

    /// Python's default: the number of CPUs times five.
    pub fn default_size() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get()) * 5
    }

    /// The most threads this pool will start.
    pub fn max_workers(&self) -> usize {
        self.pool.max_workers
    }

    /// Runs `f` on a worker; its result (or its panic, as an error) comes
    /// back through the returned future, which may be awaited on any loop.
    pub fn submit<T, F>(&self, f: F) -> ExecutorFuture<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = oneshot();
        self.execute(Box::new(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            tx.send(result.map_err(|payload| {
                Error::with_message(ErrorKind::Panicked, panic_message(&*payload))
            }));
        }));
        ExecutorFuture { rx }
    }

    fn execute(&self, job: Job) {
        let mut state = self.pool.lock();
        if state.shutdown {
            // The job (and its result sender) is dropped: the future
            // resolves to a `Closed` error.
            return;
        }
        state.jobs.push_back(job);
        if state.jobs.len() > state.idle && state.threads < self.pool.max_workers {
            state.threads += 1;
            let number = state.threads;
            drop(state);
            let pool = self.pool.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("tornado-executor-{number}"))
                .spawn(move || worker(&pool));
            if let Err(e) = spawned {
                log::warn!(target: "tornado.general", "cannot start an executor thread: {e}");
                self.pool.lock().threads -= 1;
            }
        } else {
            drop(state);
            self.pool.available.notify_one();
        }
    }

    /// Stops accepting jobs; workers finish the queued ones and exit.
    pub fn shutdown(&self) {
        self.pool.lock().shutdown = true;
        self.pool.available.notify_all();
    }
}

fn worker(pool: &Pool) {
    let mut state = pool.lock();
    loop {
        if let Some(job) = state.jobs.pop_front() {
            drop(state);
            job(); // `submit` wraps jobs in catch_unwind
            state = pool.lock();
            continue;
        }
        if state.shutdown {
            state.threads -= 1;
            return;
        }
        state.idle += 1;
        state = pool
            .available
            .wait(state)
            .unwrap_or_else(|p| p.into_inner());
        state.idle -= 1;
    }
}

/// The result of [`ThreadPoolExecutor::submit`] or
/// [`IoLoop::run_in_executor`](crate::IoLoop::run_in_executor).
pub struct ExecutorFuture<T> {
    rx: Receiver<Result<T>>,
}

impl<T> fmt::Debug for ExecutorFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExecutorFuture")
    }
}

impl<T> Future for ExecutorFuture<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        self.rx
            .poll_result(cx, "the executor shut down before running the job")
    }
}
