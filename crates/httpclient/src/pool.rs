//! Keep-alive pooling: idle connections kept per origin and settings,
//! with an idle timeout and a cap per key.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

use tornado_http1connection::Http1ClientConnection;

struct Idle {
    conn: Http1ClientConnection,
    since: Instant,
}

/// The idle connections of one client.
///
/// A connection enters only when its exchange left it clean (whole
/// request written, whole response read, neither side asked to close). An
/// idle connection is watched, so a server that closes it is noticed; one
/// that is closed, has unsolicited bytes, or outlived the idle timeout is
/// never handed out. One sweep timer, armed while connections are idle,
/// closes the expired ones, so that no timer is set per request.
pub(crate) struct Pool {
    idle: RefCell<HashMap<String, Vec<Idle>>>,
    max_per_key: usize,
    idle_timeout: Option<Duration>,
    sweeping: Cell<bool>,
}

impl Pool {
    pub(crate) fn new(max_per_key: usize, idle_timeout: Option<Duration>) -> Rc<Pool> {
        Rc::new(Pool {
            idle: RefCell::new(HashMap::new()),
            max_per_key,
            idle_timeout,
            sweeping: Cell::new(false),
        })
    }

    /// The most recently used live connection for `key`.
    pub(crate) fn take(&self, key: &str) -> Option<Http1ClientConnection> {
        loop {
            // An emptied list stays in the map: the next put for the key
            // reuses it instead of allocating a key and a list again.
            let idle = self.idle.borrow_mut().get_mut(key)?.pop()?;
            let stream = idle.conn.stream();
            let expired = self
                .idle_timeout
                .is_some_and(|t| stream.ioloop().time() >= idle.since + t);
            if expired || stream.closed() || stream.buffered() > 0 || stream.ioloop().is_closed() {
                stream.close(None);
                continue;
            }
            return Some(idle.conn);
        }
    }

    /// Keeps `conn` for reuse under `key`, or closes it when the key holds
    /// its cap already.
    pub(crate) fn put(self: &Rc<Self>, key: String, conn: Http1ClientConnection) {
        let stream = conn.stream().clone();
        if self.max_per_key == 0 || stream.closed() {
            stream.close(None);
            return;
        }
        {
            let mut map = self.idle.borrow_mut();
            let list = match map.get_mut(key.as_str()) {
                Some(list) => list,
                None => map.entry(key).or_default(),
            };
            if list.len() >= self.max_per_key {
                drop(map);
                stream.close(None);
                return;
            }
            list.push(Idle {
                conn,
                since: stream.ioloop().time(),
            });
        }
        // Watch the idle stream so that a close by the server is seen.
        stream.set_close_callback(|| {});
        if let Some(after) = self.idle_timeout {
            if !self.sweeping.replace(true) {
                self.arm(&stream, after);
            }
        }
    }

    fn arm(self: &Rc<Self>, stream: &tornado_iostream::IoStream, after: Duration) {
        let pool: Weak<Pool> = Rc::downgrade(self);
        stream.ioloop().call_later(after, move || {
            if let Some(pool) = pool.upgrade() {
                pool.sweep();
            }
        });
    }

    /// Closes the connections idle for longer than the timeout and re-arms
    /// for the next one due.
    fn sweep(self: &Rc<Self>) {
        let Some(timeout) = self.idle_timeout else {
            return;
        };
        let mut expired = Vec::new();
        let mut next: Option<(Instant, tornado_iostream::IoStream)> = None;
        {
            let mut map = self.idle.borrow_mut();
            for list in map.values_mut() {
                let mut i = 0;
                while i < list.len() {
                    let stream = list[i].conn.stream();
                    let due = list[i].since + timeout;
                    if stream.ioloop().time() >= due || stream.closed() {
                        expired.push(list.remove(i));
                    } else {
                        if next.as_ref().is_none_or(|(at, _)| due < *at) {
                            next = Some((due, stream.clone()));
                        }
                        i += 1;
                    }
                }
            }
            map.retain(|_, list| !list.is_empty());
        }
        for idle in expired {
            idle.conn.stream().close(None);
        }
        match next {
            Some((due, stream)) => {
                let wait = due.saturating_duration_since(stream.ioloop().time());
                self.arm(&stream, wait);
            }
            None => self.sweeping.set(false),
        }
    }

    /// How many idle connections are kept.
    pub(crate) fn idle_count(&self) -> usize {
        self.idle.borrow().values().map(Vec::len).sum()
    }

    /// Closes every idle connection.
    pub(crate) fn clear(&self) {
        let all: Vec<Idle> = self
            .idle
            .borrow_mut()
            .drain()
            .flat_map(|(_, list)| list)
            .collect();
        for idle in all {
            idle.conn.stream().close(None);
        }
    }
}
