//! Task scheduling: the task slab, wakers, the ready queue and `JoinHandle`.
//!
//! Tasks are `!Send` and live in a slab owned by one loop. Their wakers are
//! `Send` (the `Waker` contract demands it) and carry only the task's id and
//! the loop's shared state. A wake on the loop's own thread while the loop is
//! running goes straight onto the local ready queue through a thread-local
//! (no lock, no syscall); a wake from anywhere else goes through the shared
//! queue and the `mio::Waker`.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, Location};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use slab::Slab;

use crate::error::{Error, ErrorKind, Result};
use crate::handle::{Remote, Shared};

type LocalTask = Pin<Box<dyn Future<Output = ()>>>;

/// The ready queue of one loop, reachable from its wakers through the
/// thread-local `ENTERED` while the loop runs.
pub(crate) struct LocalQueue {
    pub(crate) ready: RefCell<VecDeque<u64>>,
    loop_id: u64,
}

thread_local! {
    /// The loops running on this thread, innermost last.
    static ENTERED: RefCell<Vec<Rc<LocalQueue>>> = const { RefCell::new(Vec::new()) };
}

/// Marks a loop as running on this thread until dropped.
pub(crate) struct EnterGuard;

impl EnterGuard {
    pub(crate) fn new(queue: &Rc<LocalQueue>) -> Self {
        ENTERED.with(|e| e.borrow_mut().push(queue.clone()));
        EnterGuard
    }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let _ = ENTERED.try_with(|e| e.borrow_mut().pop());
    }
}

/// The waker of one task. Pooled: when a task ends and nothing else holds
/// its waker, the allocation is reused for the next task.
pub(crate) struct TaskWaker {
    id: AtomicU64,
    /// Set from wake until the task is polled, so that many wakes queue the
    /// task once.
    queued: AtomicBool,
    shared: Arc<Shared>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let id = self.id.load(Ordering::Acquire);
        let loop_id = self.shared.id;
        let local = ENTERED
            .try_with(|entered| {
                let entered = entered.borrow();
                match entered.iter().rev().find(|q| q.loop_id == loop_id) {
                    Some(queue) => {
                        queue.ready.borrow_mut().push_back(id);
                        true
                    }
                    None => false,
                }
            })
            .unwrap_or(false);
        if !local {
            self.shared.push(Remote::Wake(id));
        }
    }
}

struct TaskSlot {
    future: Option<LocalTask>,
    /// The task's waker; a `Waker` is made from it for each poll (one
    /// reference-count increment, as cloning a stored `Waker` would be).
    raw: Arc<TaskWaker>,
    id: u64,
    /// Abort was requested while the task was being polled.
    aborted: bool,
}

/// The task side of one loop.
pub(crate) struct Executor {
    tasks: RefCell<Slab<TaskSlot>>,
    pool: RefCell<Vec<Arc<TaskWaker>>>,
    pub(crate) local: Rc<LocalQueue>,
    shared: Arc<Shared>,
    generation: Cell<u32>,
}

const MAX_POOLED_WAKERS: usize = 1024;

impl Executor {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Executor {
            tasks: RefCell::new(Slab::new()),
            pool: RefCell::new(Vec::new()),
            local: Rc::new(LocalQueue {
                ready: RefCell::new(VecDeque::new()),
                loop_id: shared.id,
            }),
            shared,
            generation: Cell::new(0),
        }
    }

    /// Inserts a task and queues it to run.
    pub(crate) fn insert(&self, future: LocalTask) -> u64 {
        let generation = self.generation.get().wrapping_add(1);
        self.generation.set(generation);
        let mut tasks = self.tasks.borrow_mut();
        let entry = tasks.vacant_entry();
        let id = (u64::from(generation) << 32) | entry.key() as u64;
        let raw = match self.pool.borrow_mut().pop() {
            Some(raw) => {
                raw.id.store(id, Ordering::Release);
                raw
            }
            None => Arc::new(TaskWaker {
                id: AtomicU64::new(id),
                queued: AtomicBool::new(false),
                shared: self.shared.clone(),
            }),
        };
        // The task is queued now; wakes before its first poll are no-ops.
        raw.queued.store(true, Ordering::Release);
        entry.insert(TaskSlot {
            future: Some(future),
            raw,
            id,
            aborted: false,
        });
        drop(tasks);
        self.local.ready.borrow_mut().push_back(id);
        id
    }

    fn slot_index(id: u64) -> usize {
        (id & 0xffff_ffff) as usize
    }

    /// Queues a task woken from another thread.
    pub(crate) fn wake_remote(&self, id: u64) {
        self.local.ready.borrow_mut().push_back(id);
    }

    /// True when tasks are queued to run.
    pub(crate) fn has_ready(&self) -> bool {
        !self.local.ready.borrow().is_empty()
    }

    /// The number of live tasks.
    pub(crate) fn len(&self) -> usize {
        self.tasks.borrow().len()
    }

    /// Polls up to `budget` queued tasks; returns how many ran.
    pub(crate) fn run_ready(&self, budget: usize) -> usize {
        let mut ran = 0;
        while ran < budget {
            let next = self.local.ready.borrow_mut().pop_front();
            let Some(id) = next else { break };
            self.poll_task(id);
            ran += 1;
        }
        ran
    }

    fn poll_task(&self, id: u64) {
        let index = Self::slot_index(id);
        let (mut future, waker) = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(slot) = tasks.get_mut(index).filter(|s| s.id == id) else {
                return; // a stale wake of a finished task
            };
            slot.raw.queued.store(false, Ordering::Release);
            let Some(future) = slot.future.take() else {
                return;
            };
            (future, Waker::from(slot.raw.clone()))
        };
        let mut cx = Context::from_waker(&waker);
        let done = future.as_mut().poll(&mut cx).is_ready();
        let mut tasks = self.tasks.borrow_mut();
        let slot = &mut tasks[index];
        if done || slot.aborted {
            let slot = tasks.remove(index);
            drop(tasks);
            self.recycle(slot);
            drop(future);
        } else {
            slot.future = Some(future);
        }
    }

    fn recycle(&self, slot: TaskSlot) {
        let TaskSlot { raw, .. } = slot;
        if Arc::strong_count(&raw) == 1 {
            let mut pool = self.pool.borrow_mut();
            // Keep as many wakers as the task table has room for: memory that
            // follows the peak number of tasks, as the table's own does.
            let keep = MAX_POOLED_WAKERS.max(self.tasks.borrow().capacity());
            if pool.len() < keep {
                raw.queued.store(false, Ordering::Release);
                pool.push(raw);
            }
        }
    }

    /// Drops a task's future now (or right after its current poll).
    pub(crate) fn abort(&self, id: u64) {
        let index = Self::slot_index(id);
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(index).filter(|s| s.id == id) else {
            return;
        };
        if slot.future.is_none() {
            slot.aborted = true; // it is polling itself; dropped after
            return;
        }
        let slot = tasks.remove(index);
        drop(tasks);
        self.recycle(slot);
        // The future (and its drop code, which may call back into the loop)
        // is dropped here, outside every borrow.
    }

    /// Drops every task (on close).
    pub(crate) fn clear(&self) {
        loop {
            let slots: Vec<TaskSlot> = self.tasks.borrow_mut().drain().collect();
            if slots.is_empty() {
                break;
            }
            drop(slots); // futures may spawn more tasks while dropping
        }
        self.local.ready.borrow_mut().clear();
    }
}

/// The state a task shares with its [`JoinHandle`].
struct JoinState<T> {
    result: RefCell<Option<Result<T>>>,
    joiner: RefCell<Option<Waker>>,
    finished: Cell<bool>,
    abort_requested: Cell<bool>,
}

impl<T> JoinState<T> {
    fn finish(&self, result: Result<T>) {
        if self.finished.replace(true) {
            return;
        }
        *self.result.borrow_mut() = Some(result);
        let joiner = self.joiner.borrow_mut().take();
        if let Some(w) = joiner {
            w.wake();
        }
    }
}

/// Completes the join state with an error if the task is dropped unfinished
/// (aborted, or the loop closed).
struct FinishOnDrop<T>(Rc<JoinState<T>>);

impl<T> Drop for FinishOnDrop<T> {
    fn drop(&mut self) {
        let kind = if self.0.abort_requested.get() {
            ErrorKind::Aborted
        } else {
            ErrorKind::Closed
        };
        self.0.finish(Err(Error::new(kind)));
    }
}

/// What happens to a task's outcome: the join state records it, a remote
/// handle receives it, or a detached task drops it.
pub(crate) trait Outcome<T> {
    fn deliver(self, result: Result<T>);
}

impl<T> Outcome<T> for FinishOnDrop<T> {
    fn deliver(self, result: Result<T>) {
        self.0.finish(result);
    }
}

/// A detached task's outcome: a panic was logged already; the rest is
/// nobody's business.
pub(crate) struct Detached;

impl<T> Outcome<T> for Detached {
    fn deliver(self, _: Result<T>) {}
}

/// A callback for the output (`IoLoop::add_future`). A panic of the future
/// was logged already; one of the callback is logged here, with the place
/// `add_future` was called.
pub(crate) struct OnOutput<C> {
    pub(crate) callback: C,
    pub(crate) location: &'static Location<'static>,
}

impl<T, C: FnOnce(T)> Outcome<T> for OnOutput<C> {
    fn deliver(self, result: Result<T>) {
        let Ok(output) = result else { return };
        let location = self.location;
        let callback = self.callback;
        if let Err(payload) = std::panic::catch_unwind(AssertUnwindSafe(|| callback(output))) {
            log::error!(
                target: "tornado.application",
                "callback of a future added at {location} panicked: {}",
                panic_message(&*payload)
            );
        }
    }
}

pin_project_lite::pin_project! {
    /// A spawned future with panics caught: polls it and hands its output,
    /// or the panic as an error, to `outcome`. Holding the future as a field
    /// (rather than awaiting it inside an `async` block, which would keep
    /// both the captured future and its pinned copy) keeps a task's memory
    /// to the future itself.
    pub(crate) struct Task<F, O> {
        #[pin]
        future: F,
        location: &'static Location<'static>,
        outcome: Option<O>,
    }
}

impl<F, O> Task<F, O> {
    pub(crate) fn new(future: F, location: &'static Location<'static>, outcome: O) -> Self {
        Task {
            future,
            location,
            outcome: Some(outcome),
        }
    }
}

impl<F: Future, O: Outcome<F::Output>> Future for Task<F, O> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        let location = *this.location;
        let polled = std::panic::catch_unwind(AssertUnwindSafe(|| this.future.as_mut().poll(cx)));
        let result = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) => {
                let message = panic_message(&*payload);
                log::error!(
                    target: "tornado.application",
                    "task spawned at {location} panicked: {message}"
                );
                Err(Error::panicked(message, location))
            }
        };
        if let Some(outcome) = this.outcome.take() {
            outcome.deliver(result);
        }
        Poll::Ready(())
    }
}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

/// Runs `f`, logging a panic instead of unwinding into the loop (Tornado
/// logs an exception raised by a callback and keeps running).
pub(crate) fn run_callback(what: &str, f: impl FnOnce()) {
    if let Err(payload) = std::panic::catch_unwind(AssertUnwindSafe(f)) {
        log::error!(
            target: "tornado.application",
            "exception in {what}: {}",
            panic_message(&*payload)
        );
    }
}

/// A handle to a spawned task: a future of the task's output.
///
/// Resolves to `Ok(output)`, or to an error when the task panicked
/// ([`ErrorKind::Panicked`], with the panic message and the place the task
/// was spawned), was aborted ([`ErrorKind::Aborted`]) or was dropped by
/// [`IoLoop::close`](crate::IoLoop::close) ([`ErrorKind::Closed`]).
/// Dropping the handle detaches the task; it keeps running.
///
/// This is what Tornado's `IOLoop.spawn_callback` and `asyncio.Task` give.
#[doc(alias = "Task")]
#[doc(alias = "Future")]
pub struct JoinHandle<T> {
    state: Rc<JoinState<T>>,
    id: u64,
    executor: Weak<Executor>,
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl<T> JoinHandle<T> {
    /// Cancels the task: its future is dropped and the handle resolves to an
    /// [`ErrorKind::Aborted`] error. Does nothing once the task finished.
    #[doc(alias = "cancel")]
    pub fn abort(&self) {
        if self.state.finished.get() {
            return;
        }
        self.state.abort_requested.set(true);
        self.state.finish(Err(Error::new(ErrorKind::Aborted)));
        if let Some(executor) = self.executor.upgrade() {
            executor.abort(self.id);
        }
    }

    /// True once the task finished, panicked, or was aborted.
    #[doc(alias = "done")]
    pub fn is_finished(&self) -> bool {
        self.state.finished.get()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        if let Some(result) = self.state.result.borrow_mut().take() {
            return Poll::Ready(result);
        }
        if self.state.finished.get() {
            return Poll::Ready(Err(Error::with_message(
                ErrorKind::Closed,
                "the output was already taken",
            )));
        }
        let mut joiner = self.state.joiner.borrow_mut();
        match &*joiner {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *joiner = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

/// Spawns a wrapped task on an executor.
pub(crate) fn spawn_on<F>(
    executor: &Rc<Executor>,
    future: F,
    location: &'static Location<'static>,
) -> JoinHandle<F::Output>
where
    F: Future + 'static,
{
    let (task, state) = task_inner(future, location);
    let id = executor.insert(task);
    JoinHandle {
        state,
        id,
        executor: Rc::downgrade(executor),
    }
}

/// Spawns a task nobody will join: no join state is allocated, and a panic
/// is logged and dropped.
pub(crate) fn spawn_detached_on<F>(
    executor: &Rc<Executor>,
    future: F,
    location: &'static Location<'static>,
) where
    F: Future<Output = ()> + 'static,
{
    executor.insert(Box::pin(Task::new(future, location, Detached)));
}

/// Spawns a task whose outcome goes to `outcome`.
pub(crate) fn spawn_with_outcome_on<F, O>(
    executor: &Rc<Executor>,
    future: F,
    location: &'static Location<'static>,
    outcome: O,
) where
    F: Future + 'static,
    O: Outcome<F::Output> + 'static,
{
    executor.insert(Box::pin(Task::new(future, location, outcome)));
}

/// A join handle for a task that could not be spawned (the loop is closed).
pub(crate) fn closed_handle<T>() -> JoinHandle<T> {
    let state = Rc::new(JoinState {
        result: RefCell::new(None),
        joiner: RefCell::new(None),
        finished: Cell::new(false),
        abort_requested: Cell::new(false),
    });
    state.finish(Err(Error::new(ErrorKind::Closed)));
    JoinHandle {
        state,
        id: 0,
        executor: Weak::new(),
    }
}

fn task_inner<F>(
    future: F,
    location: &'static Location<'static>,
) -> (LocalTask, Rc<JoinState<F::Output>>)
where
    F: Future + 'static,
{
    let state = Rc::new(JoinState {
        result: RefCell::new(None),
        joiner: RefCell::new(None),
        finished: Cell::new(false),
        abort_requested: Cell::new(false),
    });
    let task = Box::pin(Task::new(future, location, FinishOnDrop(state.clone())));
    (task, state)
}
