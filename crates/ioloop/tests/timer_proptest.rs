//! Property tests of the timer queue against a simple model, and of the
//! loop's timers on a manual clock.
//!
//! The model is a list of live timers `(deadline, order, id)`; a timer fires
//! when the clock reaches its deadline, timers due together fire by
//! deadline then by scheduling order (a reset counts as scheduling anew),
//! and a cancelled or fired timer leaves nothing behind.

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use tornado_ioloop::timer::{TimerKey, TimerQueue};

#[derive(Debug, Clone)]
enum Op {
    Insert(u64),
    Cancel(usize),
    Reset(usize, u64),
    Advance(u64),
    /// Insert a timer due now, then fire with the mark taken before it: the
    /// new timer must wait for the next pass.
    InsertDuringFire,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u64..100).prop_map(Op::Insert),
        2 => any::<usize>().prop_map(Op::Cancel),
        2 => (any::<usize>(), 0u64..100).prop_map(|(i, d)| Op::Reset(i, d)),
        3 => (0u64..60).prop_map(Op::Advance),
        1 => Just(Op::InsertDuringFire),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Live {
    deadline: u64,
    order: u64,
    id: usize,
}

struct Model {
    live: Vec<Live>,
    next_order: u64,
    now: u64,
}

impl Model {
    fn schedule(&mut self, id: usize, deadline: u64) {
        let order = self.next_order;
        self.next_order += 1;
        self.live.retain(|l| l.id != id);
        self.live.push(Live {
            deadline,
            order,
            id,
        });
    }

    /// Removes and returns the due timers, in firing order.
    fn fire(&mut self, mark: u64) -> Vec<usize> {
        let now = self.now;
        let mut due: Vec<Live> = self
            .live
            .iter()
            .copied()
            .filter(|l| l.deadline <= now && l.order < mark)
            .collect();
        due.sort_by_key(|l| (l.deadline, l.order));
        self.live.retain(|l| !due.contains(l));
        due.into_iter().map(|l| l.id).collect()
    }

    fn is_live(&self, id: usize) -> bool {
        self.live.iter().any(|l| l.id == id)
    }
}

fn at(t0: Instant, ms: u64) -> Instant {
    t0 + Duration::from_millis(ms)
}

fn fire_queue(q: &mut TimerQueue<usize>, now: Instant, mark: u64) -> Vec<usize> {
    std::iter::from_fn(|| q.pop_due(now, mark).map(|(_, id)| id)).collect()
}

proptest! {
    #[test]
    fn timer_queue_matches_model(ops in proptest::collection::vec(op(), 0..120)) {
        let t0 = Instant::now();
        let mut q: TimerQueue<usize> = TimerQueue::new();
        let mut model = Model { live: Vec::new(), next_order: 0, now: 0 };
        let mut keys: Vec<TimerKey> = Vec::new();
        for op in ops {
            match op {
                Op::Insert(delay) => {
                    let id = keys.len();
                    let deadline = model.now + delay;
                    keys.push(q.insert(at(t0, deadline), id));
                    model.schedule(id, deadline);
                }
                Op::Cancel(i) if !keys.is_empty() => {
                    let id = i % keys.len();
                    let expected = model.is_live(id).then_some(id);
                    prop_assert_eq!(q.cancel(keys[id]), expected);
                    model.live.retain(|l| l.id != id);
                }
                Op::Reset(i, delay) if !keys.is_empty() => {
                    let id = i % keys.len();
                    let live = model.is_live(id);
                    let deadline = model.now + delay;
                    prop_assert_eq!(q.reset(keys[id], at(t0, deadline)), live);
                    if live {
                        model.schedule(id, deadline);
                    }
                }
                Op::Cancel(_) | Op::Reset(..) => {}
                Op::Advance(by) => {
                    model.now += by;
                    let fired = fire_queue(&mut q, at(t0, model.now), u64::MAX);
                    prop_assert_eq!(fired, model.fire(u64::MAX));
                }
                Op::InsertDuringFire => {
                    let mark = q.order_mark();
                    prop_assert_eq!(mark, model.next_order);
                    let id = keys.len();
                    keys.push(q.insert(at(t0, model.now), id));
                    model.schedule(id, model.now);
                    let fired = fire_queue(&mut q, at(t0, model.now), mark);
                    prop_assert!(!fired.contains(&id), "a timer added while firing waits");
                    prop_assert_eq!(fired, model.fire(mark));
                    prop_assert!(q.contains(keys[id]));
                }
            }
            // No garbage: the queue holds exactly the live timers.
            prop_assert_eq!(q.len(), model.live.len());
            prop_assert_eq!(q.is_empty(), model.live.is_empty());
            let next = model.live.iter().map(|l| l.deadline).min();
            prop_assert_eq!(q.next_deadline(), next.map(|d| at(t0, d)));
            for (id, key) in keys.iter().enumerate() {
                let live = model.live.iter().find(|l| l.id == id);
                prop_assert_eq!(q.contains(*key), live.is_some());
                prop_assert_eq!(q.deadline(*key), live.map(|l| at(t0, l.deadline)));
            }
        }
        // Everything left fires, in order, once the clock passes it all.
        model.now += 1_000_000;
        let fired = fire_queue(&mut q, at(t0, model.now), u64::MAX);
        prop_assert_eq!(fired, model.fire(u64::MAX));
        prop_assert!(q.is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn loop_fires_call_at_in_model_order(
        timers in proptest::collection::vec((0u64..50, any::<bool>()), 0..40),
        steps in proptest::collection::vec(1u64..15, 1..10),
    ) {
        let _w = common::Watchdog::new("loop_fires_call_at_in_model_order");
        let (ioloop, clock) = common::manual_loop();
        let start = clock.now();
        let fired: Rc<RefCell<Vec<(usize, Duration)>>> = Rc::new(RefCell::new(Vec::new()));
        let mut handles = Vec::new();
        for (id, &(delay, _)) in timers.iter().enumerate() {
            let fired = fired.clone();
            let clock = clock.clone();
            handles.push(ioloop.call_at(start + Duration::from_millis(delay), move || {
                fired.borrow_mut().push((id, clock.now() - start));
            }));
        }
        for (handle, &(_, remove)) in handles.iter().zip(&timers) {
            if remove {
                prop_assert!(ioloop.remove_timeout(*handle));
            }
        }
        // Step the clock through the steps, then well past every deadline.
        let mut boundaries: Vec<u64> = steps
            .iter()
            .scan(0, |t, s| {
                *t += s;
                Some(*t)
            })
            .collect();
        boundaries.push(boundaries.last().copied().unwrap_or(0).max(50) + 1);
        ioloop
            .run_sync(
                async {
                    let mut now = 0;
                    for &b in &boundaries {
                        clock.advance(Duration::from_millis(b - now));
                        now = b;
                        common::settle_n(2).await;
                    }
                },
                None,
            )
            .unwrap();
        let mut expected: Vec<(u64, usize)> = timers
            .iter()
            .enumerate()
            .filter(|(_, (_, remove))| !remove)
            .map(|(id, (delay, _))| (*delay, id))
            .collect();
        expected.sort();
        let fired = fired.borrow();
        let ids: Vec<usize> = fired.iter().map(|(id, _)| *id).collect();
        let expected_ids: Vec<usize> = expected.iter().map(|(_, id)| *id).collect();
        prop_assert_eq!(ids, expected_ids);
        // Each ran at the first clock step that reached its deadline.
        for ((id, when), (delay, _)) in fired.iter().zip(&expected) {
            let first = boundaries.iter().copied().find(|b| b >= delay).unwrap();
            prop_assert_eq!(*when, Duration::from_millis(first), "timer {}", id);
        }
        prop_assert_eq!(ioloop.pending_timers(), 0);
    }
}
