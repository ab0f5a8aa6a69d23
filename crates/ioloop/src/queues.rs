//! Queues for tasks on one loop: `Queue` (FIFO), `PriorityQueue` (smallest
//! first), `LifoQueue` (Tornado's `tornado.queues`).
//!
//! A `maxsize` of 0 means unbounded. Getters and putters wait in FIFO order;
//! one that times out or is dropped leaves the queue and never receives
//! anything. An item handed to a getter that then goes away is passed to the
//! next getter (or back into the queue): nothing is lost.
//!
//! ```
//! use std::rc::Rc;
//! use tornado_ioloop::{IoLoop, queues::Queue};
//!
//! let ioloop = IoLoop::new()?;
//! let q = Rc::new(Queue::new(2));
//! let consumer = ioloop.spawn({
//!     let q = q.clone();
//!     async move {
//!         let mut seen = Vec::new();
//!         while let Some(item) = q.next().await {
//!             seen.push(item);
//!             q.task_done()?;
//!             if item == 3 { break; }
//!         }
//!         Ok::<_, tornado_ioloop::Error>(seen)
//!     }
//! });
//! ioloop.run_sync(async {
//!     for i in 1..=3 { q.put(i).await; }
//!     q.join().await;
//! }, None)?;
//! assert_eq!(ioloop.run_sync(consumer, None)???, vec![1, 2, 3]);
//! # Ok::<(), tornado_ioloop::Error>(())
//! ```

use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;
use std::future::Future;

use crate::error::{Error, ErrorKind, QueueFull, Result};
use crate::r#gen::with_timeout;
use crate::ioloop::IntoDeadline;
use crate::locks::{Event, WaitOwner, Waiter};
use crate::wait_list::WaitList;

/// How a queue orders its items: FIFO, LIFO or by priority.
pub trait Store<T>: Default {
    /// Adds an item.
    fn push(&mut self, item: T);
    /// Removes the next item.
    fn pop(&mut self) -> Option<T>;
    /// The number of items.
    fn len(&self) -> usize;
    /// True when empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// First in, first out (`Queue`).
#[derive(Debug)]
pub struct Fifo<T>(VecDeque<T>);

impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Fifo(VecDeque::new())
    }
}

impl<T> Store<T> for Fifo<T> {
    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Last in, first out (`LifoQueue`).
#[derive(Debug)]
pub struct Lifo<T>(Vec<T>);

impl<T> Default for Lifo<T> {
    fn default() -> Self {
        Lifo(Vec::new())
    }
}

impl<T> Store<T> for Lifo<T> {
    fn push(&mut self, item: T) {
        self.0.push(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Smallest first (`PriorityQueue`); put `(priority, item)` tuples in it as
/// in Python.
#[derive(Debug)]
pub struct Priority<T: Ord>(BinaryHeap<Reverse<T>>);

impl<T: Ord> Default for Priority<T> {
    fn default() -> Self {
        Priority(BinaryHeap::new())
    }
}

impl<T: Ord> Store<T> for Priority<T> {
    fn push(&mut self, item: T) {
        self.0.push(Reverse(item));
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop().map(|Reverse(item)| item)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// A queue of items for producer and consumer tasks
/// (`tornado.queues.Queue`).
pub struct Queue<T, S: Store<T> = Fifo<T>> {
    store: RefCell<S>,
    maxsize: usize,
    getters: RefCell<WaitList<(), T>>,
    putters: RefCell<WaitList<T, ()>>,
    unfinished: Cell<usize>,
    finished: Event,
}

/// A queue that yields the smallest item first
/// (`tornado.queues.PriorityQueue`); every [`Queue`] method is available
/// through `Deref`.
///
/// ```
/// use tornado_ioloop::queues::PriorityQueue;
///
/// let q = PriorityQueue::new(0);
/// for item in [(1, "medium"), (0, "high"), (10, "low")] {
///     q.put_nowait(item).unwrap();
/// }
/// assert_eq!(q.get_nowait().unwrap(), (0, "high"));
/// assert_eq!(q.get_nowait().unwrap(), (1, "medium"));
/// ```
#[derive(Debug)]
pub struct PriorityQueue<T: Ord>(Queue<T, Priority<T>>);

/// A queue that yields the most recently put item first
/// (`tornado.queues.LifoQueue`); every [`Queue`] method is available
/// through `Deref`.
#[derive(Debug)]
pub struct LifoQueue<T>(Queue<T, Lifo<T>>);

impl<T: Ord> PriorityQueue<T> {
    /// A priority queue holding at most `maxsize` items (0: unbounded).
    pub fn new(maxsize: usize) -> Self {
        PriorityQueue(Queue::with_store(maxsize))
    }
}

impl<T: Ord> std::ops::Deref for PriorityQueue<T> {
    type Target = Queue<T, Priority<T>>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<T> LifoQueue<T> {
    /// A LIFO queue holding at most `maxsize` items (0: unbounded).
    pub fn new(maxsize: usize) -> Self {
        LifoQueue(Queue::with_store(maxsize))
    }
}

impl<T> std::ops::Deref for LifoQueue<T> {
    type Target = Queue<T, Lifo<T>>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<T, S: Store<T>> fmt::Debug for Queue<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("maxsize", &self.maxsize)
            .field("qsize", &self.qsize())
            .field("getters", &self.getters.borrow().len())
            .field("putters", &self.putters.borrow().len())
            .field("unfinished_tasks", &self.unfinished.get())
            .finish()
    }
}

impl<T> Queue<T, Fifo<T>> {
    /// A FIFO queue holding at most `maxsize` items (0: unbounded).
    pub fn new(maxsize: usize) -> Self {
        Self::with_store(maxsize)
    }
}

/// The getters' side: a getter's value is the item it receives.
struct Getters<'a, T, S: Store<T>>(&'a Queue<T, S>);
/// The putters' side: a putter's data is the item it brings.
struct Putters<'a, T, S: Store<T>>(&'a Queue<T, S>);

impl<T, S: Store<T>> WaitOwner<(), T> for Getters<'_, T, S> {
    fn list(&self) -> &RefCell<WaitList<(), T>> {
        &self.0.getters
    }
    fn try_now(&self, (): ()) -> std::result::Result<T, ()> {
        self.0.get_nowait().map_err(|_| ())
    }
    fn pass_on(&self, item: T) {
        // Already counted in unfinished_tasks when it was put.
        self.0.deliver(item);
    }
}

impl<T, S: Store<T>> WaitOwner<T, ()> for Putters<'_, T, S> {
    fn list(&self) -> &RefCell<WaitList<T, ()>> {
        &self.0.putters
    }
    fn try_now(&self, item: T) -> std::result::Result<(), T> {
        self.0.put_nowait(item).map_err(QueueFull::into_inner)
    }
    fn pass_on(&self, (): ()) {}
}

impl<T, S: Store<T>> Queue<T, S> {
    /// A queue with a given item order.
    pub fn with_store(maxsize: usize) -> Self {
        let finished = Event::new();
        finished.set();
        Queue {
            store: RefCell::new(S::default()),
            maxsize,
            getters: RefCell::new(WaitList::default()),
            putters: RefCell::new(WaitList::default()),
            unfinished: Cell::new(0),
            finished,
        }
    }

    /// The capacity; 0 means unbounded (`Queue.maxsize`).
    pub fn maxsize(&self) -> usize {
        self.maxsize
    }

    /// The number of items queued (`Queue.qsize`).
    pub fn qsize(&self) -> usize {
        self.store.borrow().len()
    }

    /// True when no item is queued (`Queue.empty`).
    pub fn empty(&self) -> bool {
        self.store.borrow().is_empty()
    }

    /// True when `maxsize` items are queued (`Queue.full`).
    pub fn full(&self) -> bool {
        self.maxsize > 0 && self.qsize() >= self.maxsize
    }

    /// Gives an already-counted item to the oldest getter, or queues it.
    fn deliver(&self, item: T) {
        let mut item = Some(item);
        let handed = self
            .getters
            .borrow_mut()
            .notify_one(|()| item.take().expect("taken once"));
        if let Some(item) = item.filter(|_| !handed) {
            self.store.borrow_mut().push(item);
        }
    }

    fn count_put(&self) {
        self.unfinished.set(self.unfinished.get() + 1);
        self.finished.clear();
    }

    /// Puts an item without waiting (`Queue.put_nowait`); a full queue hands
    /// the item back in [`QueueFull`].
    pub fn put_nowait(&self, item: T) -> std::result::Result<(), QueueFull<T>> {
        if self.getters.borrow().len() == 0 && self.full() {
            return Err(QueueFull(item));
        }
        self.count_put();
        self.deliver(item);
        Ok(())
    }

    /// Takes an item without waiting (`Queue.get_nowait`); fails with
    /// [`ErrorKind::QueueEmpty`].
    pub fn get_nowait(&self) -> Result<T> {
        if self.store.borrow().is_empty() {
            return Err(Error::new(ErrorKind::QueueEmpty));
        }
        // The oldest waiting putter's item moves in *before* the next item
        // is taken, as in Tornado: for a LIFO queue it is the one taken.
        let mut moved = None;
        let handed = self
            .putters
            .borrow_mut()
            .notify_one(|waiting| moved = Some(waiting));
        if handed {
            self.count_put();
            if let Some(waiting) = moved {
                self.store.borrow_mut().push(waiting);
            }
        }
        let item = self.store.borrow_mut().pop();
        item.ok_or_else(|| Error::new(ErrorKind::QueueEmpty))
    }

    /// Puts an item, waiting while the queue is full (`Queue.put`).
    pub fn put(&self, item: T) -> impl Future<Output = ()> + '_ {
        Waiter::new(Putters(self), item)
    }

    /// Puts an item, or fails with a timeout error once `timeout` passes;
    /// the item is dropped then (`Queue.put(item, timeout)`).
    pub async fn put_timeout(&self, item: T, timeout: impl IntoDeadline) -> Result<()> {
        with_timeout(timeout, self.put(item)).await
    }

    /// Takes an item, waiting while the queue is empty (`Queue.get`).
    pub fn get(&self) -> impl Future<Output = T> + '_ {
        Waiter::new(Getters(self), ())
    }

    /// Takes an item, or fails with a timeout error (`Queue.get(timeout)`).
    pub async fn get_timeout(&self, timeout: impl IntoDeadline) -> Result<T> {
        with_timeout(timeout, self.get()).await
    }

    /// The next item, for `while let Some(item) = queue.next().await`
    /// (Python's `async for item in queue`). A Tornado queue is never
    /// closed, so this waits for an item and never yields `None`.
    #[allow(clippy::should_implement_trait)]
    pub async fn next(&self) -> Option<T> {
        Some(self.get().await)
    }

    /// Marks one item as processed (`Queue.task_done`). Fails with
    /// [`ErrorKind::TooManyReleases`] (Python's `ValueError`) when called
    /// more times than items were put.
    pub fn task_done(&self) -> Result<()> {
        let unfinished = self.unfinished.get();
        if unfinished == 0 {
            return Err(Error::with_message(
                ErrorKind::TooManyReleases,
                "task_done() called too many times",
            ));
        }
        self.unfinished.set(unfinished - 1);
        if unfinished == 1 {
            self.finished.set();
        }
        Ok(())
    }

    /// The number of items put and not yet marked done.
    pub fn unfinished_tasks(&self) -> usize {
        self.unfinished.get()
    }

    /// Waits until every item put has been marked done (`Queue.join`).
    pub fn join(&self) -> impl Future<Output = ()> + '_ {
        self.finished.wait()
    }

    /// [`join`](Self::join) with a timeout (`Queue.join(timeout)`).
    pub async fn join_timeout(&self, timeout: impl IntoDeadline) -> Result<()> {
        self.finished.wait_timeout(timeout).await
    }
}
