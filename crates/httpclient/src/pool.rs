//! Keep-alive pooling: idle connections kept per origin and settings,
//! with an idle timeout and a cap per key.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use std::time::Duration;

use tornado_http1connection::Http1ClientConnection;
use tornado_ioloop::Timeout;

struct Idle {
    id: u64,
    conn: Http1ClientConnection,
    timer: Option<Timeout>,
}

/// The idle connections of one client.
///
/// A connection enters only when its exchange left it clean (whole
/// request written, whole response read, neither side asked to close). An
/// idle connection is watched, so a server that closes it is noticed; one
/// that is closed, has unsolicited bytes, or outlived the idle timeout is
/// never handed out.
pub(crate) struct Pool {
    idle: RefCell<HashMap<String, Vec<Idle>>>,
    max_per_key: usize,
    idle_timeout: Option<Duration>,
    next_id: Cell<u64>,
}

impl Pool {
    pub(crate) fn new(max_per_key: usize, idle_timeout: Option<Duration>) -> Rc<Pool> {
        Rc::new(Pool {
            idle: RefCell::new(HashMap::new()),
            max_per_key,
            idle_timeout,
            next_id: Cell::new(0),
        })
    }

    /// The most recently used live connection for `key`.
    pub(crate) fn take(&self, key: &str) -> Option<Http1ClientConnection> {
        loop {
            let idle = {
                let mut map = self.idle.borrow_mut();
                let list = map.get_mut(key)?;
                let idle = list.pop();
                if list.is_empty() {
                    map.remove(key);
                }
                idle?
            };
            let stream = idle.conn.stream();
            if let Some(timer) = idle.timer {
                stream.ioloop().remove_timeout(timer);
            }
            if stream.closed() || stream.buffered() > 0 || stream.ioloop().is_closed() {
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
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        // Watch the idle stream so that a close by the server is seen.
        stream.set_close_callback(|| {});
        let timer = self.idle_timeout.map(|after| {
            let pool: Weak<Pool> = Rc::downgrade(self);
            let key = key.clone();
            stream.ioloop().call_later(after, move || {
                if let Some(pool) = pool.upgrade() {
                    pool.expire(&key, id);
                }
            })
        });
        let mut map = self.idle.borrow_mut();
        let list = map.entry(key).or_default();
        if list.len() >= self.max_per_key {
            drop(map);
            if let Some(timer) = timer {
                stream.ioloop().remove_timeout(timer);
            }
            stream.close(None);
            return;
        }
        list.push(Idle { id, conn, timer });
    }

    fn expire(&self, key: &str, id: u64) {
        let removed = {
            let mut map = self.idle.borrow_mut();
            let Some(list) = map.get_mut(key) else {
                return;
            };
            let Some(at) = list.iter().position(|i| i.id == id) else {
                return;
            };
            let idle = list.remove(at);
            if list.is_empty() {
                map.remove(key);
            }
            idle
        };
        removed.conn.stream().close(None);
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
            let stream = idle.conn.stream();
            if let Some(timer) = idle.timer {
                if !stream.ioloop().is_closed() {
                    stream.ioloop().remove_timeout(timer);
                }
            }
            stream.close(None);
        }
    }
}
