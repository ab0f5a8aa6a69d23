//! Coordination primitives for tasks on one loop: `Condition`, `Event`,
//! `Semaphore`, `BoundedSemaphore`, `Lock` (Tornado's `tornado.locks`).
//!
//! Like Tornado's, these are not thread-safe: they coordinate tasks of one
//! loop, and are shared between tasks with `Rc`. Waiters are served in FIFO
//! order; a waiter that times out or is dropped leaves the queue at once and
//! is never woken. Every `*_timeout` method takes a [`Duration`] or an
//! [`Instant`](std::time::Instant) deadline.
//!
//! ```
//! use std::rc::Rc;
//! use tornado_ioloop::{IoLoop, locks::Event};
//!
//! let ioloop = IoLoop::new()?;
//! let event = Rc::new(Event::new());
//! let waiter = ioloop.spawn({
//!     let event = event.clone();
//!     async move { event.wait().await; "woken" }
//! });
//! ioloop.add_callback(move || event.set());
//! assert_eq!(ioloop.run_sync(waiter, None)??, "woken");
//! # Ok::<(), tornado_ioloop::Error>(())
//! ```
//!
//! [`Duration`]: std::time::Duration

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::error::{Error, ErrorKind, Result};
use crate::r#gen::with_timeout;
use crate::ioloop::IntoDeadline;
use crate::wait_list::{Polled, WaitList};

/// The owner of a wait list: how to satisfy a waiter at once, and what to do
/// with a value that a waiter was given but dropped.
pub(crate) trait WaitOwner<D, T> {
    fn list(&self) -> &RefCell<WaitList<D, T>>;
    /// Satisfies the waiter without waiting, or hands its data back.
    fn try_now(&self, data: D) -> std::result::Result<T, D>;
    /// A waiter was notified with `value` but went away before taking it.
    fn pass_on(&self, value: T);
}

impl<O: WaitOwner<D, T>, D, T> WaitOwner<D, T> for &O {
    fn list(&self) -> &RefCell<WaitList<D, T>> {
        (**self).list()
    }
    fn try_now(&self, data: D) -> std::result::Result<T, D> {
        (**self).try_now(data)
    }
    fn pass_on(&self, value: T) {
        (**self).pass_on(value);
    }
}

/// A future that waits its turn in an owner's wait list.
pub(crate) struct Waiter<O: WaitOwner<D, T>, D, T> {
    owner: O,
    key: Option<usize>,
    data: Option<D>,
    _value: std::marker::PhantomData<fn() -> T>,
}

// The data is never pinned: it is moved into the list or handed back.
impl<O: WaitOwner<D, T>, D, T> Unpin for Waiter<O, D, T> {}

impl<O: WaitOwner<D, T>, D, T> Waiter<O, D, T> {
    pub(crate) fn new(owner: O, data: D) -> Self {
        Waiter {
            owner,
            key: None,
            data: Some(data),
            _value: std::marker::PhantomData,
        }
    }
}

impl<O: WaitOwner<D, T>, D, T> Future for Waiter<O, D, T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = &mut *self;
        match this.key {
            None => {
                let data = this.data.take().expect("polled after completion");
                match this.owner.try_now(data) {
                    Ok(value) => Poll::Ready(value),
                    Err(data) => {
                        let key = this
                            .owner
                            .list()
                            .borrow_mut()
                            .push(data, cx.waker().clone());
                        this.key = Some(key);
                        Poll::Pending
                    }
                }
            }
            Some(key) => {
                let polled = this.owner.list().borrow_mut().poll(key, cx.waker());
                match polled {
                    Polled::Notified(value) => {
                        this.key = None;
                        Poll::Ready(value)
                    }
                    Polled::Waiting => Poll::Pending,
                }
            }
        }
    }
}

impl<O: WaitOwner<D, T>, D, T> Drop for Waiter<O, D, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let cancelled = self.owner.list().borrow_mut().cancel(key);
            if let Some(Ok(value)) = cancelled {
                self.owner.pass_on(value);
            }
        }
    }
}

/// Lets tasks wait until another notifies them (`tornado.locks.Condition`).
#[derive(Default)]
pub struct Condition {
    waiters: RefCell<WaitList<(), ()>>,
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Condition(waiters: {})", self.waiters.borrow().len())
    }
}

impl WaitOwner<(), ()> for Condition {
    fn list(&self) -> &RefCell<WaitList<(), ()>> {
        &self.waiters
    }
    fn try_now(&self, data: ()) -> std::result::Result<(), ()> {
        Err(data)
    }
    fn pass_on(&self, (): ()) {
        self.notify(1);
    }
}

impl Condition {
    /// A condition with no waiters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Waits for a notification (`Condition.wait()`).
    pub fn wait(&self) -> impl Future<Output = ()> + '_ {
        Waiter::new(self, ())
    }

    /// Waits for a notification until `timeout`; true when notified, false
    /// on timeout (`Condition.wait(timeout)` resolves to a bool too).
    pub async fn wait_timeout(&self, timeout: impl IntoDeadline) -> bool {
        with_timeout(timeout, self.wait()).await.is_ok()
    }

    /// Wakes up to `n` waiters, oldest first (`Condition.notify(n)`).
    pub fn notify(&self, n: usize) {
        for _ in 0..n {
            if !self.waiters.borrow_mut().notify_one(|()| ()) {
                break;
            }
        }
    }

    /// Wakes every waiter (`Condition.notify_all`).
    pub fn notify_all(&self) {
        while self.waiters.borrow_mut().notify_one(|()| ()) {}
    }

    /// The number of tasks waiting.
    pub fn waiters(&self) -> usize {
        self.waiters.borrow().len()
    }
}

/// A flag tasks can wait for (`tornado.locks.Event`).
#[derive(Default)]
pub struct Event {
    flag: Cell<bool>,
    waiters: RefCell<WaitList<(), ()>>,
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Event({})",
            if self.flag.get() { "set" } else { "clear" }
        )
    }
}

impl WaitOwner<(), ()> for Event {
    fn list(&self) -> &RefCell<WaitList<(), ()>> {
        &self.waiters
    }
    fn try_now(&self, data: ()) -> std::result::Result<(), ()> {
        if self.flag.get() { Ok(()) } else { Err(data) }
    }
    fn pass_on(&self, (): ()) {}
}

impl Event {
    /// A clear event.
    pub fn new() -> Self {
        Self::default()
    }

    /// True when set (`Event.is_set`).
    pub fn is_set(&self) -> bool {
        self.flag.get()
    }

    /// Sets the flag and wakes every waiter (`Event.set`).
    pub fn set(&self) {
        if !self.flag.replace(true) {
            while self.waiters.borrow_mut().notify_one(|()| ()) {}
        }
    }

    /// Clears the flag (`Event.clear`).
    pub fn clear(&self) {
        self.flag.set(false);
    }

    /// Waits until the flag is set (`Event.wait()`).
    pub fn wait(&self) -> impl Future<Output = ()> + '_ {
        Waiter::new(self, ())
    }

    /// Waits until the flag is set, or fails with a timeout error
    /// (`Event.wait(timeout)`).
    pub async fn wait_timeout(&self, timeout: impl IntoDeadline) -> Result<()> {
        with_timeout(timeout, self.wait()).await
    }

    /// The number of tasks waiting.
    pub fn waiters(&self) -> usize {
        self.waiters.borrow().len()
    }
}

/// A counter of permits: `acquire` takes one (waiting when none is left),
/// `release` returns one (`tornado.locks.Semaphore`; with a bound,
/// `BoundedSemaphore`).
///
/// ```
/// use tornado_ioloop::{IoLoop, locks::Semaphore};
///
/// let ioloop = IoLoop::new()?;
/// let sem = Semaphore::new(1);
/// ioloop.run_sync(async {
///     let guard = sem.acquire().await;
///     assert!(sem.try_acquire().is_none());
///     drop(guard); // releases
///     assert!(sem.try_acquire().is_some());
/// }, None)?;
/// # Ok::<(), tornado_ioloop::Error>(())
/// ```
pub struct Semaphore {
    value: Cell<usize>,
    bound: Option<usize>,
    waiters: RefCell<WaitList<(), ()>>,
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("value", &self.value.get())
            .field("bound", &self.bound)
            .field("waiters", &self.waiters.borrow().len())
            .finish()
    }
}

impl WaitOwner<(), ()> for Semaphore {
    fn list(&self) -> &RefCell<WaitList<(), ()>> {
        &self.waiters
    }
    fn try_now(&self, data: ()) -> std::result::Result<(), ()> {
        let value = self.value.get();
        if value > 0 {
            self.value.set(value - 1);
            Ok(())
        } else {
            Err(data)
        }
    }
    fn pass_on(&self, (): ()) {
        // The permit was handed to a waiter that left: give it to the next.
        let _ = self.release();
    }
}

impl Semaphore {
    /// A semaphore with `value` permits.
    pub fn new(value: usize) -> Self {
        Semaphore {
            value: Cell::new(value),
            bound: None,
            waiters: RefCell::new(WaitList::default()),
        }
    }

    /// A semaphore that refuses to be released above its initial `value`
    /// (`tornado.locks.BoundedSemaphore`).
    #[doc(alias = "BoundedSemaphore")]
    pub fn bounded(value: usize) -> Self {
        Semaphore {
            bound: Some(value),
            ..Semaphore::new(value)
        }
    }

    /// The permits available now.
    pub fn value(&self) -> usize {
        self.value.get()
    }

    /// The number of tasks waiting.
    pub fn waiters(&self) -> usize {
        self.waiters.borrow().len()
    }

    /// Takes a permit, waiting for one if needed (`Semaphore.acquire()`).
    /// The guard releases it when dropped.
    pub async fn acquire(&self) -> SemaphoreGuard<'_> {
        Waiter::new(self, ()).await;
        SemaphoreGuard { semaphore: self }
    }

    /// Takes a permit, or fails with a timeout error
    /// (`Semaphore.acquire(timeout)`).
    pub async fn acquire_timeout(&self, timeout: impl IntoDeadline) -> Result<SemaphoreGuard<'_>> {
        with_timeout(timeout, self.acquire()).await
    }

    /// Takes a permit if one is free now.
    pub fn try_acquire(&self) -> Option<SemaphoreGuard<'_>> {
        self.try_now(())
            .ok()
            .map(|()| SemaphoreGuard { semaphore: self })
    }

    /// Returns a permit, waking the oldest waiter (`Semaphore.release`).
    /// For a bounded semaphore, releasing above the initial value fails with
    /// [`ErrorKind::TooManyReleases`] (Python's `ValueError`).
    pub fn release(&self) -> Result<()> {
        if self.waiters.borrow_mut().notify_one(|()| ()) {
            return Ok(());
        }
        let value = self.value.get();
        if self.bound.is_some_and(|bound| value >= bound) {
            return Err(Error::with_message(
                ErrorKind::TooManyReleases,
                "semaphore released too many times",
            ));
        }
        self.value.set(value + 1);
        Ok(())
    }
}

/// A permit of a [`Semaphore`]; released on drop.
#[must_use = "the permit is released as soon as the guard is dropped"]
pub struct SemaphoreGuard<'a> {
    semaphore: &'a Semaphore,
}

impl fmt::Debug for SemaphoreGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SemaphoreGuard")
    }
}

impl SemaphoreGuard<'_> {
    /// Keeps the permit taken: nothing is released on drop (pair it with an
    /// explicit [`Semaphore::release`] later).
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for SemaphoreGuard<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.semaphore.release() {
            log::warn!(target: "tornado.general", "semaphore guard: {e}");
        }
    }
}

/// A lock for tasks (`tornado.locks.Lock`): `acquire` waits until it is free.
///
/// ```
/// use tornado_ioloop::{IoLoop, locks::Lock};
///
/// let lock = Lock::new();
/// IoLoop::new()?.run_sync(async {
///     let guard = lock.acquire().await;
///     assert!(lock.locked());
///     drop(guard);
///     assert!(!lock.locked());
/// }, None)?;
/// # Ok::<(), tornado_ioloop::Error>(())
/// ```
pub struct Lock {
    semaphore: Semaphore,
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Lock({})",
            if self.locked() { "locked" } else { "unlocked" }
        )
    }
}

impl Default for Lock {
    fn default() -> Self {
        Lock::new()
    }
}

impl Lock {
    /// An unlocked lock.
    pub fn new() -> Self {
        Lock {
            semaphore: Semaphore::bounded(1),
        }
    }

    /// True while held.
    pub fn locked(&self) -> bool {
        self.semaphore.value() == 0
    }

    /// Waits for the lock (`Lock.acquire()`); the guard releases it on drop.
    pub async fn acquire(&self) -> SemaphoreGuard<'_> {
        self.semaphore.acquire().await
    }

    /// Waits for the lock until `timeout` (`Lock.acquire(timeout)`).
    pub async fn acquire_timeout(&self, timeout: impl IntoDeadline) -> Result<SemaphoreGuard<'_>> {
        self.semaphore.acquire_timeout(timeout).await
    }

    /// Releases the lock (`Lock.release`); fails with
    /// [`ErrorKind::NotLocked`] (Python's `RuntimeError`) when unlocked.
    pub fn release(&self) -> Result<()> {
        self.semaphore
            .release()
            .map_err(|_| Error::with_message(ErrorKind::NotLocked, "release unlocked lock"))
    }
}
