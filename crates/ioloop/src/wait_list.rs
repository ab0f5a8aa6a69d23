//! A FIFO list of waiting tasks with O(1) removal, shared by the locks and
//! queues.
//!
//! Each waiter holds a key. While waiting, its node is linked into the list
//! (carrying some data `D`: a queue putter's item, say). Notifying the front
//! waiter unlinks it and leaves a value `T` in its slot, which the waiter
//! collects on its next poll. A waiter that gives up (timed out, dropped)
//! removes its slot; if it had already been notified, the value is handed
//! back so the caller can pass it on, so nothing is lost. Memory is exactly
//! the live waiters: no garbage accumulates from timeouts.

use std::task::Waker;

use slab::Slab;

enum State<D, T> {
    Waiting(D),
    Notified(T),
    /// Only while `notify_one` moves the data out.
    Moving,
}

struct Node<D, T> {
    prev: Option<usize>,
    next: Option<usize>,
    waker: Option<Waker>,
    state: State<D, T>,
}

pub(crate) struct WaitList<D, T> {
    nodes: Slab<Node<D, T>>,
    head: Option<usize>,
    tail: Option<usize>,
    waiting: usize,
}

impl<D, T> Default for WaitList<D, T> {
    fn default() -> Self {
        WaitList {
            nodes: Slab::new(),
            head: None,
            tail: None,
            waiting: 0,
        }
    }
}

/// What happened to a waiter.
pub(crate) enum Polled<T> {
    Notified(T),
    Waiting,
}

impl<D, T> WaitList<D, T> {
    /// The number of waiters not yet notified.
    pub(crate) fn len(&self) -> usize {
        self.waiting
    }

    /// Adds a waiter at the back.
    pub(crate) fn push(&mut self, data: D, waker: Waker) -> usize {
        let key = self.nodes.insert(Node {
            prev: self.tail,
            next: None,
            waker: Some(waker),
            state: State::Waiting(data),
        });
        match self.tail {
            Some(tail) => self.nodes[tail].next = Some(key),
            None => self.head = Some(key),
        }
        self.tail = Some(key);
        self.waiting += 1;
        key
    }

    fn unlink(&mut self, key: usize) {
        let (prev, next) = {
            let node = &self.nodes[key];
            (node.prev, node.next)
        };
        match prev {
            Some(p) => self.nodes[p].next = next,
            None => self.head = next,
        }
        match next {
            Some(n) => self.nodes[n].prev = prev,
            None => self.tail = prev,
        }
        self.waiting -= 1;
    }

    /// Checks a waiter: collects its value if notified (freeing the slot),
    /// else records the waker.
    pub(crate) fn poll(&mut self, key: usize, waker: &Waker) -> Polled<T> {
        match self.nodes.get_mut(key) {
            Some(Node {
                state: State::Waiting(_),
                waker: slot,
                ..
            }) => {
                match slot {
                    Some(w) if w.will_wake(waker) => {}
                    _ => *slot = Some(waker.clone()),
                }
                Polled::Waiting
            }
            Some(Node {
                state: State::Notified(_),
                ..
            }) => match self.nodes.remove(key).state {
                State::Notified(value) => Polled::Notified(value),
                State::Waiting(_) | State::Moving => unreachable!("checked above"),
            },
            Some(Node {
                state: State::Moving,
                ..
            }) => unreachable!("never observable outside notify_one"),
            None => unreachable!("a waiter's slot lives until the waiter collects or cancels it"),
        }
    }

    /// Notifies the front waiter with the value `make` builds from its data;
    /// false when nobody waits.
    pub(crate) fn notify_one(&mut self, make: impl FnOnce(D) -> T) -> bool {
        let Some(key) = self.head else {
            return false;
        };
        self.unlink(key);
        let node = &mut self.nodes[key];
        let State::Waiting(data) = std::mem::replace(&mut node.state, State::Moving) else {
            unreachable!("only waiting nodes are linked")
        };
        node.state = State::Notified(make(data));
        if let Some(w) = node.waker.take() {
            w.wake();
        }
        true
    }

    /// Removes a waiter that gives up. Returns `Some(value)` if it had been
    /// notified already (the caller passes the value on), and the waiting
    /// data otherwise.
    pub(crate) fn cancel(&mut self, key: usize) -> Option<Result<T, D>> {
        let waiting = matches!(self.nodes.get(key)?.state, State::Waiting(_));
        if waiting {
            self.unlink(key);
        }
        match self.nodes.remove(key).state {
            State::Notified(value) => Some(Ok(value)),
            State::Waiting(data) => Some(Err(data)),
            State::Moving => None,
        }
    }
}
