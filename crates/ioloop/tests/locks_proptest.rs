//! Property tests of `Semaphore` and `Lock` under random contention on a
//! manual clock: never more holders than permits, waiters served in FIFO
//! order, timed-out waiters never get a permit, and every permit comes back.

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use proptest::prelude::*;
use tornado_ioloop::r#gen;
use tornado_ioloop::locks::{Lock, Semaphore};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn semaphore_never_exceeds_permits(
        permits in 1usize..4,
        // (start delay, hold time, optional acquire timeout) per task
        tasks in proptest::collection::vec((0u64..10, 0u64..6, proptest::option::of(0u64..8)), 1..16),
        with_timeouts in any::<bool>(),
    ) {
        let tasks: Vec<_> = tasks
            .into_iter()
            .map(|(start, hold, timeout)| (start, hold, timeout.filter(|_| with_timeouts)))
            .collect();
        let _w = common::Watchdog::new("semaphore_never_exceeds_permits");
        let (ioloop, clock) = common::manual_loop();
        let sem = Rc::new(Semaphore::new(permits));
        let holders = Rc::new(Cell::new(0usize));
        let max_holders = Rc::new(Cell::new(0usize));
        // Task ids in the order they started waiting and got the permit.
        let queued = Rc::new(RefCell::new(Vec::new()));
        let acquired = Rc::new(RefCell::new(Vec::new()));
        let handles: Vec<_> = tasks
            .iter()
            .enumerate()
            .map(|(id, &(start, hold, timeout))| {
                let (sem, holders, max_holders) = (sem.clone(), holders.clone(), max_holders.clone());
                let (queued, acquired) = (queued.clone(), acquired.clone());
                ioloop.spawn(async move {
                    r#gen::sleep(Duration::from_millis(start)).await;
                    let free_now = sem.value() > 0 && sem.waiters() == 0;
                    if !free_now {
                        queued.borrow_mut().push(id);
                    }
                    let guard = match timeout {
                        Some(t) => match sem.acquire_timeout(Duration::from_millis(t)).await {
                            Ok(guard) => guard,
                            Err(e) => {
                                assert!(e.is_timeout());
                                return false;
                            }
                        },
                        None => sem.acquire().await,
                    };
                    if !free_now {
                        acquired.borrow_mut().push(id);
                    }
                    holders.set(holders.get() + 1);
                    max_holders.set(max_holders.get().max(holders.get()));
                    r#gen::sleep(Duration::from_millis(hold)).await;
                    holders.set(holders.get() - 1);
                    drop(guard);
                    true
                })
            })
            .collect();
        let results = common::drive(&ioloop, &clock, Duration::from_millis(1), r#gen::multi(handles));
        let got: Vec<bool> = results.into_iter().map(Result::unwrap).collect();
        prop_assert!(max_holders.get() <= permits);
        prop_assert_eq!(holders.get(), 0);
        // Every permit came back, and no waiter is left behind.
        prop_assert_eq!(sem.value(), permits);
        prop_assert_eq!(sem.waiters(), 0);
        // Tasks without a timeout always get the permit.
        for (ok, (_, _, timeout)) in got.iter().zip(&tasks) {
            if timeout.is_none() {
                prop_assert!(*ok);
            }
        }
        // Waiters resume in the order they queued. (With timeouts, a waiter
        // whose timer fires as it is granted the permit may resume before
        // one granted earlier, so the order is only checked without.)
        if with_timeouts {
            return Ok(());
        }
        let order: Vec<usize> = queued
            .borrow()
            .iter()
            .copied()
            .filter(|id| acquired.borrow().contains(id))
            .collect();
        prop_assert_eq!(&order, &*acquired.borrow());
        prop_assert_eq!(ioloop.pending_timers(), 0);
    }

    #[test]
    fn lock_is_exclusive(holds in proptest::collection::vec(0u64..4, 1..12)) {
        let _w = common::Watchdog::new("lock_is_exclusive");
        let (ioloop, clock) = common::manual_loop();
        let lock = Rc::new(Lock::new());
        let inside = Rc::new(Cell::new(false));
        let order = Rc::new(RefCell::new(Vec::new()));
        let handles: Vec<_> = holds
            .iter()
            .enumerate()
            .map(|(id, &hold)| {
                let (lock, inside, order) = (lock.clone(), inside.clone(), order.clone());
                ioloop.spawn(async move {
                    let _guard = lock.acquire().await;
                    assert!(!inside.replace(true), "two holders at once");
                    order.borrow_mut().push(id);
                    r#gen::sleep(Duration::from_millis(hold)).await;
                    inside.set(false);
                })
            })
            .collect();
        let results = common::drive(&ioloop, &clock, Duration::from_millis(1), r#gen::multi(handles));
        prop_assert!(results.iter().all(Result::is_ok));
        // All started waiting on the first turn, in spawn order.
        prop_assert_eq!(order.borrow().clone(), (0..holds.len()).collect::<Vec<_>>());
        prop_assert!(!lock.locked());
    }
}
