//! Coroutine helpers: `sleep`, `with_timeout`, `multi`, `WaitIterator`,
//! `moment`. Tornado's `tornado.gen`, minus what `async fn` already gives.

use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::ioloop::{IntoDeadline, IoLoop, TimerAction};
use crate::timer::TimerKey;

/// A future that resolves at a deadline on the loop's clock; made by
/// [`sleep`] and [`sleep_until`]. Dropping it cancels its timer.
pub struct Sleep {
    ioloop: IoLoop,
    deadline: Instant,
    key: Option<TimerKey>,
    /// Where the timer under `key` was armed (it may have fired since).
    armed: Option<Instant>,
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .finish()
    }
}

/// Resolves after `duration` on the current loop's clock (`gen.sleep`).
///
/// ```
/// use std::time::Duration;
/// use tornado_ioloop::{IoLoop, r#gen};
///
/// IoLoop::new()?.run_sync(r#gen::sleep(Duration::from_millis(1)), None)?;
/// # Ok::<(), tornado_ioloop::Error>(())
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    let ioloop = IoLoop::current();
    let deadline = duration.into_deadline(ioloop.time());
    Sleep::new(ioloop, deadline)
}

/// Resolves at `deadline` on the current loop's clock.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(IoLoop::current(), deadline)
}

impl Sleep {
    /// A sleep on a given loop.
    pub fn new(ioloop: IoLoop, deadline: Instant) -> Sleep {
        Sleep {
            ioloop,
            deadline,
            key: None,
            armed: None,
        }
    }

    /// The deadline.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True once the deadline passed.
    pub fn is_elapsed(&self) -> bool {
        self.ioloop.time() >= self.deadline
    }

    /// Moves the deadline, reusing the timer. Moving it later costs nothing
    /// now: the armed timer stays where it is and, if it fires before the
    /// new deadline, the sleep simply re-arms itself. So an idle timeout that
    /// restarts on every request does no heap work per request; moving it
    /// earlier is one O(log n) sift.
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        let Some(key) = self.key else { return };
        // `armed` is set with `key`, and only this sleep moves its timer.
        if self.armed.is_some_and(|armed| armed <= deadline) {
            // Later (the usual case): the timer wakes the sleep early, or
            // has already, and `poll` re-arms it; no need to look.
            return;
        }
        let mut timers = self.ioloop.inner.timers.borrow_mut();
        if timers.deadline(key).is_some() {
            timers.reset(key, deadline);
            self.armed = Some(deadline);
        } else {
            // Fired or cancelled: `poll` arms a new one.
            self.key = None;
            self.armed = None;
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        // The turn's time is enough: a deadline that passed since the turn
        // began is caught by the armed timer, which the loop checks against
        // a fresh reading before it sleeps.
        if this.ioloop.turn_time() >= this.deadline {
            this.armed = None;
            if let Some(key) = this.key.take() {
                let cancelled = this.ioloop.inner.timers.borrow_mut().cancel(key);
                drop(cancelled);
            }
            return Poll::Ready(());
        }
        let mut timers = this.ioloop.inner.timers.borrow_mut();
        if let Some(TimerAction::Wake(waker)) = this.key.and_then(|k| timers.get_mut(k)) {
            if !waker.will_wake(cx.waker()) {
                *waker = cx.waker().clone();
            }
        } else {
            this.key = Some(timers.insert(this.deadline, TimerAction::Wake(cx.waker().clone())));
            this.armed = Some(this.deadline);
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            if let Ok(mut timers) = self.ioloop.inner.timers.try_borrow_mut() {
                let cancelled = timers.cancel(key);
                drop(timers);
                drop(cancelled);
            }
        }
    }
}

/// Resolves to `future`'s output, or to an [`ErrorKind::Timeout`] error once
/// `timeout` (a [`Duration`] or an [`Instant`] deadline) passes
/// (`gen.with_timeout`).
///
/// Unlike Tornado, the timed-out future is dropped, which cancels it: Rust
/// futures do nothing unless polled, so a future nobody polls any more could
/// not finish anyway (see `docs/deviations.md`).
///
/// ```
/// use std::time::Duration;
/// use tornado_ioloop::{IoLoop, r#gen};
///
/// let ioloop = IoLoop::new()?;
/// let result = ioloop.run_sync(
///     r#gen::with_timeout(Duration::from_millis(1), std::future::pending::<()>()),
///     None,
/// )?;
/// assert!(result.unwrap_err().is_timeout());
/// # Ok::<(), tornado_ioloop::Error>(())
/// ```
///
/// [`ErrorKind::Timeout`]: crate::ErrorKind::Timeout
pub async fn with_timeout<F: Future>(timeout: impl IntoDeadline, future: F) -> Result<F::Output> {
    let ioloop = IoLoop::current();
    let deadline = timeout.into_deadline(ioloop.time());
    with_timeout_in(&ioloop, deadline, None, future).await
}

/// [`with_timeout`] whose error carries `message` (Tornado 6.6's
/// `with_timeout(..., message=...)`).
pub async fn with_timeout_message<F: Future>(
    timeout: impl IntoDeadline,
    message: impl Into<String>,
    future: F,
) -> Result<F::Output> {
    let ioloop = IoLoop::current();
    let deadline = timeout.into_deadline(ioloop.time());
    with_timeout_in(&ioloop, deadline, Some(message.into()), future).await
}

pub(crate) async fn with_timeout_in<F: Future>(
    ioloop: &IoLoop,
    deadline: Instant,
    message: Option<String>,
    future: F,
) -> Result<F::Output> {
    let mut future = pin!(future);
    let mut sleep = Sleep::new(ioloop.clone(), deadline);
    let mut message = message;
    poll_fn(|cx| {
        if let Poll::Ready(v) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        match Pin::new(&mut sleep).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Error::timeout(message.take()))),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

/// Yields to the loop once, letting other tasks and I/O run
/// (`gen.moment`).
pub fn moment() -> Moment {
    Moment { yielded: false }
}

/// The future of [`moment`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Moment {
    yielded: bool,
}

impl Future for Moment {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Wake on the loop's next turn, after its timers and I/O have had
        // their chance, as Tornado's `moment` gives up one IOLoop iteration.
        // Waking at once would run the task again in the same pass of ready
        // tasks, ahead of due timers.
        match IoLoop::try_current().filter(IoLoop::is_running) {
            Some(ioloop) => {
                let waker = cx.waker().clone();
                ioloop.add_callback(move || waker.wake());
            }
            None => cx.waker().wake_by_ref(),
        }
        Poll::Pending
    }
}

// --- sets of futures ---------------------------------------------------------

/// Which children of a [`FutureSet`] were woken.
struct SetShared {
    woken: Mutex<Vec<usize>>,
    parent: Mutex<Option<Waker>>,
}

struct ChildWaker {
    index: usize,
    queued: AtomicBool,
    shared: Arc<SetShared>,
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        self.shared
            .woken
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(self.index);
        let parent = self
            .shared
            .parent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

/// Many futures polled as one, each only when woken, yielding outputs in
/// completion order with their index.
struct FutureSet<F: Future> {
    futures: Vec<Option<Pin<Box<F>>>>,
    wakers: Vec<(Arc<ChildWaker>, Waker)>,
    shared: Arc<SetShared>,
    /// Children woken before the current pass, polled in wake-up order.
    batch: VecDeque<usize>,
    remaining: usize,
}

impl<F: Future> FutureSet<F> {
    fn new(futures: impl IntoIterator<Item = F>) -> Self {
        let futures: Vec<_> = futures.into_iter().map(|f| Some(Box::pin(f))).collect();
        let shared = Arc::new(SetShared {
            woken: Mutex::new((0..futures.len()).collect()),
            parent: Mutex::new(None),
        });
        let wakers = (0..futures.len())
            .map(|index| {
                let raw = Arc::new(ChildWaker {
                    index,
                    queued: AtomicBool::new(true),
                    shared: shared.clone(),
                });
                (raw.clone(), Waker::from(raw))
            })
            .collect();
        FutureSet {
            remaining: futures.len(),
            futures,
            wakers,
            shared,
            batch: VecDeque::new(),
        }
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, F::Output)>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        *self.shared.parent.lock().unwrap_or_else(|p| p.into_inner()) = Some(cx.waker().clone());
        let mut refilled = false;
        loop {
            let Some(index) = self.batch.pop_front() else {
                if refilled {
                    // Children woke while this pass polled others (a
                    // `moment`, say): let the loop run a turn before polling
                    // them again, so that `moment` yields inside `multi` too.
                    if !self
                        .shared
                        .woken
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .is_empty()
                    {
                        cx.waker().wake_by_ref();
                    }
                    return Poll::Pending;
                }
                refilled = true;
                let mut woken = self.shared.woken.lock().unwrap_or_else(|p| p.into_inner());
                self.batch.extend(woken.drain(..));
                continue;
            };
            let (raw, waker) = &self.wakers[index];
            raw.queued.store(false, Ordering::Release);
            let Some(future) = self.futures[index].as_mut() else {
                continue;
            };
            if let Poll::Ready(output) = future.as_mut().poll(&mut Context::from_waker(waker)) {
                self.futures[index] = None;
                self.remaining -= 1;
                return Poll::Ready(Some((index, output)));
            }
        }
    }
}

/// Runs many futures at once and resolves to their outputs in the order
/// given (`gen.multi` with a list). Each child is polled only when it is
/// woken, so a thousand children cost a thousand polls, not a million.
///
/// ```
/// use tornado_ioloop::{IoLoop, r#gen};
///
/// let ioloop = IoLoop::new()?;
/// let out = ioloop.run_sync(r#gen::multi((1..=3).map(|i| async move { i * 10 })), None)?;
/// assert_eq!(out, vec![10, 20, 30]);
/// # Ok::<(), tornado_ioloop::Error>(())
/// ```
#[doc(alias = "multi_future")]
pub async fn multi<I>(futures: I) -> Vec<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future,
{
    let mut set = FutureSet::new(futures);
    let mut outputs: Vec<Option<_>> = (0..set.futures.len()).map(|_| None).collect();
    while let Some((index, output)) = poll_fn(|cx| set.poll_next(cx)).await {
        outputs[index] = Some(output);
    }
    outputs.into_iter().flatten().collect()
}

/// Like [`multi`] for fallible futures: resolves to the first error as soon
/// as one fails (dropping the others), else to every output in order.
pub async fn try_multi<I, T, E>(futures: I) -> std::result::Result<Vec<T>, E>
where
    I: IntoIterator,
    I::Item: Future<Output = std::result::Result<T, E>>,
{
    let mut set = FutureSet::new(futures);
    let mut outputs: Vec<Option<T>> = (0..set.futures.len()).map(|_| None).collect();
    while let Some((index, output)) = poll_fn(|cx| set.poll_next(cx)).await {
        outputs[index] = Some(output?);
    }
    Ok(outputs.into_iter().flatten().collect())
}

/// Yields the outputs of many futures in the order they finish, with their
/// index (`gen.WaitIterator`).
///
/// ```
/// use tornado_ioloop::{IoLoop, r#gen::{self, WaitIterator}};
/// use std::time::Duration;
///
/// let ioloop = IoLoop::new()?;
/// let order = ioloop.run_sync(async {
///     let mut it = WaitIterator::new([30u64, 10, 20].map(|ms| async move {
///         r#gen::sleep(Duration::from_millis(ms)).await;
///         ms
///     }));
///     let mut order = Vec::new();
///     while let Some((index, ms)) = it.next().await {
///         assert_eq!(it.current_index(), Some(index));
///         order.push(ms);
///     }
///     order
/// }, None)?;
/// assert_eq!(order, vec![10, 20, 30]);
/// # Ok::<(), tornado_ioloop::Error>(())
/// ```
pub struct WaitIterator<F: Future> {
    set: FutureSet<F>,
    current_index: Option<usize>,
}

impl<F: Future> fmt::Debug for WaitIterator<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitIterator")
            .field("remaining", &self.set.remaining)
            .field("current_index", &self.current_index)
            .finish()
    }
}

impl<F: Future> WaitIterator<F> {
    /// Starts waiting on `futures`.
    pub fn new(futures: impl IntoIterator<Item = F>) -> Self {
        WaitIterator {
            set: FutureSet::new(futures),
            current_index: None,
        }
    }

    /// True when every future has been yielded (`WaitIterator.done`).
    pub fn done(&self) -> bool {
        self.set.remaining == 0
    }

    /// The index of the future yielded last (`WaitIterator.current_index`).
    pub fn current_index(&self) -> Option<usize> {
        self.current_index
    }

    /// The next future to finish: its index and output; `None` when done.
    #[allow(clippy::should_implement_trait)]
    pub async fn next(&mut self) -> Option<(usize, F::Output)> {
        let next = poll_fn(|cx| self.set.poll_next(cx)).await;
        if let Some((index, _)) = &next {
            self.current_index = Some(*index);
        }
        next
    }
}

/// Joining a tuple of futures of different types; see [`join`].
pub trait Join {
    /// The tuple of outputs.
    type Output;
    /// Polls every future until all are done.
    fn join(self) -> impl Future<Output = Self::Output>;
}

macro_rules! impl_join {
    ($($F:ident $f:ident $o:ident),+) => {
        impl<$($F: Future),+> Join for ($($F,)+) {
            type Output = ($($F::Output,)+);

            async fn join(self) -> Self::Output {
                let ($($f,)+) = self;
                $(let mut $f = pin!($f); let mut $o = None;)+
                poll_fn(|cx| {
                    let mut pending = false;
                    $(
                        if $o.is_none() {
                            match $f.as_mut().poll(cx) {
                                Poll::Ready(v) => $o = Some(v),
                                Poll::Pending => pending = true,
                            }
                        }
                    )+
                    if pending {
                        Poll::Pending
                    } else {
                        Poll::Ready(($($o.take().expect("set when ready"),)+))
                    }
                })
                .await
            }
        }
    };
}

impl_join!(A a oa, B b ob);
impl_join!(A a oa, B b ob, C c oc);
impl_join!(A a oa, B b ob, C c oc, D d od);
impl_join!(A a oa, B b ob, C c oc, D d od, E e oe);
impl_join!(A a oa, B b ob, C c oc, D d od, E e oe, G g og);
impl_join!(A a oa, B b ob, C c oc, D d od, E e oe, G g og, H h oh);
impl_join!(A a oa, B b ob, C c oc, D d od, E e oe, G g og, H h oh, I i oi);

/// Runs a tuple of futures (of any types) at once and resolves to the tuple
/// of their outputs, in order (`gen.multi` with a tuple).
///
/// ```
/// use tornado_ioloop::{IoLoop, r#gen};
///
/// let ioloop = IoLoop::new()?;
/// let (a, b) = ioloop.run_sync(r#gen::join((async { 1 }, async { "two" })), None)?;
/// assert_eq!((a, b), (1, "two"));
/// # Ok::<(), tornado_ioloop::Error>(())
/// ```
#[doc(alias = "multi")]
pub fn join<J: Join>(futures: J) -> impl Future<Output = J::Output> {
    futures.join()
}
