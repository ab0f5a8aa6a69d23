//! The timer queue: an indexed binary heap.
//!
//! Every connection of a busy server resets an idle timeout per request, so
//! cancel and reset must be cheap and must not leave garbage behind (Python's
//! heap with lazy deletion needs a periodic sweep for that). Each live timer
//! has a slot in a slab that records its position in the heap, so cancel is a
//! swap-remove plus one sift: O(log n), and the memory held is exactly the
//! live timers.
//!
//! Order is (deadline, scheduling order): timers due at the same instant fire
//! in the order they were scheduled.

use std::fmt;
use std::time::Instant;

use slab::Slab;

/// Identifies one scheduled timer. Stale keys (the timer fired or was
/// cancelled, and its slot reused) are recognised and ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimerKey {
    slot: usize,
    id: u64,
}

#[derive(Clone, Copy)]
struct HeapItem {
    deadline: Instant,
    order: u64,
    slot: usize,
}

impl HeapItem {
    fn before(&self, other: &HeapItem) -> bool {
        (self.deadline, self.order) < (other.deadline, other.order)
    }
}

struct Entry<T> {
    pos: usize,
    id: u64,
    payload: T,
}

/// A min-queue of timers keyed by deadline, with O(log n) insert, cancel and
/// reset, and O(1) access to the earliest deadline.
pub struct TimerQueue<T> {
    entries: Slab<Entry<T>>,
    heap: Vec<HeapItem>,
    next_order: u64,
}

impl<T> Default for TimerQueue<T> {
    fn default() -> Self {
        TimerQueue {
            entries: Slab::new(),
            heap: Vec::new(),
            next_order: 0,
        }
    }
}

impl<T> fmt::Debug for TimerQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerQueue")
            .field("len", &self.len())
            .field("next_deadline", &self.next_deadline())
            .finish()
    }
}

impl<T> TimerQueue<T> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of live timers.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when no timer is scheduled.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The earliest deadline, if any timer is scheduled.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.heap.first().map(|item| item.deadline)
    }

    /// The scheduling order the next inserted timer will get. Firing with
    /// [`pop_due`](Self::pop_due) up to this mark leaves timers that callbacks
    /// schedule while firing for the next turn of the loop.
    pub fn order_mark(&self) -> u64 {
        self.next_order
    }

    /// Schedules `payload` at `deadline`.
    pub fn insert(&mut self, deadline: Instant, payload: T) -> TimerKey {
        let order = self.next_order;
        self.next_order += 1;
        let pos = self.heap.len();
        let slot = self.entries.insert(Entry {
            pos,
            id: order,
            payload,
        });
        self.heap.push(HeapItem {
            deadline,
            order,
            slot,
        });
        self.sift_up(pos);
        TimerKey { slot, id: order }
    }

    fn entry(&self, key: TimerKey) -> Option<&Entry<T>> {
        self.entries.get(key.slot).filter(|e| e.id == key.id)
    }

    /// True while the timer is scheduled (it has neither fired nor been
    /// cancelled).
    pub fn contains(&self, key: TimerKey) -> bool {
        self.entry(key).is_some()
    }

    /// The payload of a scheduled timer.
    pub fn get_mut(&mut self, key: TimerKey) -> Option<&mut T> {
        self.entries
            .get_mut(key.slot)
            .filter(|e| e.id == key.id)
            .map(|e| &mut e.payload)
    }

    /// The deadline of a scheduled timer.
    pub fn deadline(&self, key: TimerKey) -> Option<Instant> {
        self.entry(key).map(|e| self.heap[e.pos].deadline)
    }

    /// Removes a timer, returning its payload; `None` for a stale key.
    pub fn cancel(&mut self, key: TimerKey) -> Option<T> {
        let pos = self.entry(key)?.pos;
        self.remove_at(pos);
        Some(self.entries.remove(key.slot).payload)
    }

    /// Moves a scheduled timer to a new deadline; it then orders after
    /// timers already scheduled for the same instant. False for a stale key.
    pub fn reset(&mut self, key: TimerKey, deadline: Instant) -> bool {
        let Some(pos) = self.entry(key).map(|e| e.pos) else {
            return false;
        };
        let order = self.next_order;
        self.next_order += 1;
        let item = &mut self.heap[pos];
        let earlier = deadline < item.deadline;
        item.deadline = deadline;
        item.order = order;
        if earlier {
            self.sift_up(pos);
        } else {
            self.sift_down(pos);
        }
        true
    }

    /// Removes and returns the earliest timer if it is due at `now` (a timer
    /// due exactly now is due) and was scheduled before `order_mark`.
    pub fn pop_due(&mut self, now: Instant, order_mark: u64) -> Option<(TimerKey, T)> {
        let first = *self.heap.first()?;
        if first.deadline > now || first.order >= order_mark {
            return None;
        }
        self.remove_at(0);
        let entry = self.entries.remove(first.slot);
        Some((
            TimerKey {
                slot: first.slot,
                id: entry.id,
            },
            entry.payload,
        ))
    }

    /// Removes every timer, returning the payloads.
    pub fn drain(&mut self) -> Vec<T> {
        self.heap.clear();
        self.entries.drain().map(|e| e.payload).collect()
    }

    fn remove_at(&mut self, pos: usize) {
        let last = self.heap.len() - 1;
        self.heap.swap(pos, last);
        self.heap.pop();
        if pos < self.heap.len() {
            self.set_pos(pos);
            // The moved item may belong above or below its new place.
            if pos > 0 && self.heap[pos].before(&self.heap[(pos - 1) / 2]) {
                self.sift_up(pos);
            } else {
                self.sift_down(pos);
            }
        }
    }

    fn set_pos(&mut self, pos: usize) {
        let slot = self.heap[pos].slot;
        self.entries[slot].pos = pos;
    }

    fn sift_up(&mut self, mut pos: usize) {
        let item = self.heap[pos];
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if !item.before(&self.heap[parent]) {
                break;
            }
            self.heap[pos] = self.heap[parent];
            self.set_pos(pos);
            pos = parent;
        }
        self.heap[pos] = item;
        self.set_pos(pos);
    }

    fn sift_down(&mut self, mut pos: usize) {
        let item = self.heap[pos];
        let len = self.heap.len();
        loop {
            let left = 2 * pos + 1;
            if left >= len {
                break;
            }
            let right = left + 1;
            let child = if right < len && self.heap[right].before(&self.heap[left]) {
                right
            } else {
                left
            };
            if !self.heap[child].before(&item) {
                break;
            }
            self.heap[pos] = self.heap[child];
            self.set_pos(pos);
            pos = child;
        }
        self.heap[pos] = item;
        self.set_pos(pos);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn equal_deadlines_fire_in_scheduling_order() {
        let t0 = Instant::now();
        let mut q = TimerQueue::new();
        for i in 0..10 {
            q.insert(t0, i);
        }
        let fired: Vec<_> =
            std::iter::from_fn(|| q.pop_due(t0, u64::MAX).map(|(_, v)| v)).collect();
        assert_eq!(fired, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn cancel_leaves_no_garbage() {
        let t0 = Instant::now();
        let mut q = TimerQueue::new();
        for round in 0..1000u64 {
            let k = q.insert(t0 + Duration::from_millis(round % 7), round);
            assert_eq!(q.cancel(k), Some(round));
            assert_eq!(q.cancel(k), None, "a stale key is ignored");
        }
        assert!(q.is_empty());
        assert!(q.entries.capacity() <= 4);
    }

    #[test]
    fn reset_moves_a_timer() {
        let t0 = Instant::now();
        let mut q = TimerQueue::new();
        let a = q.insert(t0 + Duration::from_secs(1), "a");
        q.insert(t0 + Duration::from_secs(2), "b");
        assert!(q.reset(a, t0 + Duration::from_secs(3)));
        assert_eq!(q.next_deadline(), Some(t0 + Duration::from_secs(2)));
        assert_eq!(q.deadline(a), Some(t0 + Duration::from_secs(3)));
    }
}
