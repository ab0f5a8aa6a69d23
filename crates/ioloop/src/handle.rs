//! The cross-thread side of a loop: `IoLoopHandle`, the remote queue, and a
//! one-shot channel for results that come back from other threads.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use crate::error::{Error, ErrorKind, Result};
use crate::executor::{Outcome, Task};

pub(crate) type SendJob = Box<dyn FnOnce() + Send>;
pub(crate) type SendTask = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What other threads hand to the loop.
pub(crate) enum Remote {
    /// Wake the task with this id.
    Wake(u64),
    /// Run a callback on the loop's thread.
    Callback(SendJob),
    /// Spawn a task (already wrapped to catch panics, with its location).
    Spawn(SendTask),
    /// Stop `start()` after the current turn.
    Stop,
}

/// State shared between a loop and every handle and waker of it.
pub(crate) struct Shared {
    /// Items for the loop. The loop swaps the whole vector out with an
    /// empty one it keeps, so the lock is held for a push or a swap only and
    /// no memory is allocated per item once the vectors have grown.
    queue: Mutex<Vec<Remote>>,
    /// Set while a mio wake-up is pending, so that a burst of remote pushes
    /// costs one `write` to the eventfd, not one each.
    notified: AtomicBool,
    /// Something was queued or a wake was asked for since the loop last
    /// looked: the loop checks this every turn, without a system call.
    pending: AtomicBool,
    /// The loop is blocked (or about to block) in its poll. Only then does a
    /// push need the eventfd; a running loop sees `pending` on its next turn.
    parked: AtomicBool,
    pub(crate) waker: Arc<mio::Waker>,
    pub(crate) closed: AtomicBool,
    /// Distinguishes loops in the thread-local fast path of task wakes.
    pub(crate) id: u64,
}

impl Shared {
    pub(crate) fn new(waker: Arc<mio::Waker>, id: u64) -> Self {
        Shared {
            queue: Mutex::new(Vec::new()),
            notified: AtomicBool::new(false),
            pending: AtomicBool::new(false),
            parked: AtomicBool::new(false),
            waker,
            closed: AtomicBool::new(false),
            id,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Remote>> {
        // A panic while holding this lock cannot leave the Vec inconsistent.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues an item and wakes the loop's poll. After the loop closed (or
    /// was dropped) the item is dropped at once: a task's result handle then
    /// resolves to `Closed`, and nothing piles up.
    pub(crate) fn push(&self, item: Remote) {
        let mut queue = self.lock();
        if self.closed.load(Ordering::Acquire) {
            drop(queue);
            drop(item);
            return;
        }
        queue.push(item);
        drop(queue);
        self.notify();
    }

    /// Marks the loop closed: handles stop queueing, and what is queued is
    /// dropped. The lock orders this with `push`.
    pub(crate) fn mark_closed(&self) {
        let orphans = {
            let mut queue = self.lock();
            self.closed.store(true, Ordering::Release);
            std::mem::take(&mut *queue)
        };
        drop(orphans);
    }

    /// Swaps the queued items into `into` (which must be empty).
    pub(crate) fn take_into(&self, into: &mut Vec<Remote>) {
        std::mem::swap(&mut *self.lock(), into);
    }

    /// Tells the loop to look at its queue: a flag it checks every turn,
    /// plus an eventfd write only when it is parked in its poll.
    ///
    /// `pending` and `parked` pair up as in Dekker's algorithm (both
    /// sequentially consistent): either this sees `parked` and wakes the
    /// poll, or the loop, having set `parked`, sees `pending` and does not
    /// block. No wake-up is lost either way.
    pub(crate) fn notify(&self) {
        self.pending.store(true, Ordering::SeqCst);
        if self.parked.load(Ordering::SeqCst) && !self.notified.swap(true, Ordering::AcqRel) {
            // Nothing to do when the wake fails: the loop is being torn down.
            let _ = self.waker.wake();
        }
    }

    /// True when something was queued since the last drain.
    pub(crate) fn has_pending(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    /// Called by the loop right before a blocking poll; false when work
    /// arrived meanwhile and the poll must not block.
    pub(crate) fn park(&self) -> bool {
        self.parked.store(true, Ordering::SeqCst);
        if self.pending.load(Ordering::SeqCst) {
            self.parked.store(false, Ordering::SeqCst);
            return false;
        }
        true
    }

    /// Called by the loop after its poll returned.
    pub(crate) fn unpark(&self) {
        self.parked.store(false, Ordering::SeqCst);
    }

    /// Clears the flags before the loop drains its queue, so that a push
    /// racing with the drain is seen again.
    pub(crate) fn begin_drain(&self) {
        self.notified.store(false, Ordering::Release);
        self.pending.store(false, Ordering::SeqCst);
    }
}

/// A `Send + Sync + Clone` handle to an [`IoLoop`](crate::IoLoop), usable
/// from any thread.
///
/// This is Tornado's thread-safe `IOLoop.add_callback`: the only way to
/// reach a loop from another thread. Callbacks and tasks handed over here
/// run on the loop's thread on its next turn.
///
/// ```
/// use tornado_ioloop::IoLoop;
///
/// let ioloop = IoLoop::new()?;
/// let handle = ioloop.handle();
/// std::thread::spawn(move || handle.add_callback(|| println!("on the loop"))).join().unwrap();
/// ioloop.run_sync(async {}, None)?;
/// # Ok::<(), tornado_ioloop::Error>(())
/// ```
#[doc(alias = "add_callback")]
#[derive(Clone)]
pub struct IoLoopHandle {
    pub(crate) shared: Arc<Shared>,
}

impl fmt::Debug for IoLoopHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IoLoopHandle")
            .field("loop", &self.shared.id)
            .finish()
    }
}

impl IoLoopHandle {
    /// Runs `f` on the loop's thread on its next turn. Callbacks added after
    /// the loop closed are dropped.
    pub fn add_callback(&self, f: impl FnOnce() + Send + 'static) {
        if !self.shared.closed.load(Ordering::Acquire) {
            self.shared.push(Remote::Callback(Box::new(f)));
        }
    }

    /// Spawns a `Send` future on the loop; its output comes back through the
    /// returned handle, which may be awaited on any thread or loop.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> RemoteJoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (tx, rx) = oneshot();
        if self.shared.closed.load(Ordering::Acquire) {
            tx.send(Err(Error::new(ErrorKind::Closed)));
        } else {
            // A panic becomes the handle's error, not a lost result.
            let task = Task::new(future, Location::caller(), tx);
            self.shared.push(Remote::Spawn(Box::pin(task)));
        }
        RemoteJoinHandle { rx }
    }

    /// Asks the loop's `start()` to return after its current turn
    /// (Tornado's `IOLoop.stop`, from another thread).
    pub fn stop(&self) {
        self.shared.push(Remote::Stop);
    }

    /// Wakes the loop's poll without queueing anything; useful after moving a
    /// manual clock from another thread.
    pub fn wake(&self) {
        self.shared.notify();
    }

    /// True once the loop was closed.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire)
    }
}

/// The output of a task spawned through [`IoLoopHandle::spawn`]: a `Send`
/// future resolving to the task's output, or an error if the loop closed or
/// the task panicked first.
pub struct RemoteJoinHandle<T> {
    rx: Receiver<Result<T>>,
}

impl<T> fmt::Debug for RemoteJoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RemoteJoinHandle")
    }
}

impl<T> Future for RemoteJoinHandle<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        self.rx
            .poll_result(cx, "the task was dropped before it finished")
    }
}

// --- a minimal one-shot channel -------------------------------------------

struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
    sender_gone: bool,
}

pub(crate) struct Sender<T> {
    inner: Arc<Mutex<Slot<T>>>,
}

pub(crate) struct Receiver<T> {
    inner: Arc<Mutex<Slot<T>>>,
}

pub(crate) fn oneshot<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Mutex::new(Slot {
        value: None,
        waker: None,
        sender_gone: false,
    }));
    (
        Sender {
            inner: inner.clone(),
        },
        Receiver { inner },
    )
}

fn lock<T>(m: &Mutex<Slot<T>>) -> MutexGuard<'_, Slot<T>> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<T> Outcome<T> for Sender<Result<T>> {
    fn deliver(self, result: Result<T>) {
        self.send(result);
    }
}

impl<T> Sender<T> {
    pub(crate) fn send(self, value: T) {
        let waker = {
            let mut slot = lock(&self.inner);
            slot.value = Some(value);
            slot.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut slot = lock(&self.inner);
            slot.sender_gone = true;
            slot.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Receiver<Result<T>> {
    /// The result sent, or a `Closed` error saying `gone` when the sender
    /// went away without sending.
    pub(crate) fn poll_result(
        &mut self,
        cx: &mut Context<'_>,
        gone: &'static str,
    ) -> Poll<Result<T>> {
        match Pin::new(self).poll(cx) {
            Poll::Ready(Some(result)) => Poll::Ready(result),
            Poll::Ready(None) => Poll::Ready(Err(Error::with_message(ErrorKind::Closed, gone))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> Future for Receiver<T> {
    /// `None` when the sender was dropped without sending.
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut slot = lock(&self.inner);
        if let Some(v) = slot.value.take() {
            return Poll::Ready(Some(v));
        }
        if slot.sender_gone {
            return Poll::Ready(None);
        }
        match &slot.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => slot.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}
