//! Mirrors `tornado/test/locks_test.py`: `Condition`, `Event`, `Semaphore`,
//! `BoundedSemaphore` (`Semaphore::bounded`) and `Lock`.
//!
//! Python's `wait()`/`acquire()` register the waiter when called; a Rust
//! future registers on its first poll. Where Python calls `c.wait()` and
//! looks at the future later, these tests spawn a task and let the loop run
//! it once (`settle`). Timeouts run on a manual clock.

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use common::*;
use tornado_ioloop::locks::{Condition, Event, Lock, Semaphore};
use tornado_ioloop::{ErrorKind, IoLoop, JoinHandle, r#gen};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A history shared by the waiters of a test.
type History = Rc<RefCell<Vec<String>>>;

fn history() -> History {
    Rc::new(RefCell::new(Vec::new()))
}

fn seen(history: &History) -> Vec<String> {
    history.borrow().clone()
}

fn strs(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

mod condition_test {
    use super::*;

    /// Spawns a task that waits on `c` (with an optional timeout) and
    /// records `key`, or "timeout" (Python's `record_done`).
    fn record_done(
        c: &Rc<Condition>,
        timeout: Option<Duration>,
        key: &str,
        history: &History,
    ) -> JoinHandle<()> {
        let (c, key, history) = (c.clone(), key.to_owned(), history.clone());
        IoLoop::current().spawn(async move {
            let notified = match timeout {
                Some(t) => c.wait_timeout(t).await,
                None => {
                    c.wait().await;
                    true
                }
            };
            history
                .borrow_mut()
                .push(if notified { key } else { "timeout".to_owned() });
        })
    }

    #[test]
    fn test_repr() {
        let (ioloop, _clock) = manual_loop();
        let c = Rc::new(Condition::new());
        assert!(format!("{c:?}").contains("Condition"));
        assert!(format!("{c:?}").contains("waiters: 0"));
        let _waiting = ioloop.spawn({
            let c = c.clone();
            async move { c.wait().await }
        });
        ioloop.run_sync(settle(), None).unwrap();
        assert!(format!("{c:?}").contains("waiters: 1"));
    }

    #[test]
    fn test_notify() {
        let _w = Watchdog::new("condition_test::test_notify");
        let (ioloop, clock) = manual_loop();
        let c = Rc::new(Condition::new());
        ioloop.call_later(ms(10), {
            let c = c.clone();
            move || c.notify(1)
        });
        let waiter = ioloop.spawn({
            let c = c.clone();
            async move { c.wait().await }
        });
        ioloop
            .run_sync(
                async {
                    advance(&clock, ms(9)).await;
                    assert!(!waiter.is_finished());
                    advance(&clock, ms(1)).await;
                    waiter.await.unwrap();
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_notify_1() {
        let (ioloop, _clock) = manual_loop();
        let c = Rc::new(Condition::new());
        let h = history();
        ioloop
            .run_sync(
                async {
                    record_done(&c, None, "wait1", &h);
                    record_done(&c, None, "wait2", &h);
                    settle().await;
                    c.notify(1);
                    settle().await;
                    h.borrow_mut().push("notify1".into());
                    c.notify(1);
                    settle().await;
                    h.borrow_mut().push("notify2".into());
                },
                None,
            )
            .unwrap();
        assert_eq!(seen(&h), strs(&["wait1", "notify1", "wait2", "notify2"]));
    }

    #[test]
    fn test_notify_n() {
        let (ioloop, _clock) = manual_loop();
        let c = Rc::new(Condition::new());
        let h = history();
        let upto = |n: usize| (0..n).map(|i| i.to_string()).collect::<Vec<_>>();
        ioloop
            .run_sync(
                async {
                    for i in 0..6 {
                        record_done(&c, None, &i.to_string(), &h);
                    }
                    settle().await;
                    c.notify(3);
                    settle().await;
                    // Waiters are woken in the order they started waiting.
                    assert_eq!(seen(&h), upto(3));
                    c.notify(1);
                    settle().await;
                    assert_eq!(seen(&h), upto(4));
                    c.notify(2);
                    settle().await;
                    assert_eq!(seen(&h), upto(6));
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_notify_all() {
        let (ioloop, _clock) = manual_loop();
        let c = Rc::new(Condition::new());
        let h = history();
        ioloop
            .run_sync(
                async {
                    for i in 0..4 {
                        record_done(&c, None, &i.to_string(), &h);
                    }
                    settle().await;
                    c.notify_all();
                    settle().await;
                    h.borrow_mut().push("notify_all".into());
                },
                None,
            )
            .unwrap();
        assert_eq!(seen(&h), strs(&["0", "1", "2", "3", "notify_all"]));
        assert_eq!(c.waiters(), 0);
    }

    #[test]
    fn test_wait_timeout() {
        let _w = Watchdog::new("condition_test::test_wait_timeout");
        let (ioloop, clock) = manual_loop();
        let c = Rc::new(Condition::new());
        let wait = ioloop.spawn({
            let c = c.clone();
            async move { c.wait_timeout(ms(10)).await }
        });
        ioloop.call_later(ms(20), {
            let c = c.clone();
            move || c.notify(1) // too late
        });
        ioloop
            .run_sync(
                async {
                    advance_steps(&clock, ms(10), 3).await;
                    assert!(!wait.await.unwrap(), "timed out");
                },
                None,
            )
            .unwrap();
        assert_eq!(c.waiters(), 0);
    }

    #[test]
    fn test_wait_timeout_preempted() {
        let _w = Watchdog::new("condition_test::test_wait_timeout_preempted");
        let (ioloop, clock) = manual_loop();
        let c = Rc::new(Condition::new());
        // This fires before the wait times out.
        ioloop.call_later(ms(10), {
            let c = c.clone();
            move || c.notify(1)
        });
        let wait = ioloop.spawn({
            let c = c.clone();
            async move { c.wait_timeout(ms(20)).await }
        });
        ioloop
            .run_sync(
                async {
                    advance_steps(&clock, ms(10), 3).await;
                    assert!(wait.await.unwrap(), "notified, no timeout");
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_notify_n_with_timeout() {
        // A waiter that timed out does not count against notify's n.
        let _w = Watchdog::new("condition_test::test_notify_n_with_timeout");
        let (ioloop, clock) = manual_loop();
        let c = Rc::new(Condition::new());
        let h = history();
        ioloop
            .run_sync(
                async {
                    record_done(&c, None, "0", &h);
                    record_done(&c, Some(ms(10)), "1", &h);
                    record_done(&c, None, "2", &h);
                    record_done(&c, None, "3", &h);
                    settle().await;
                    assert_eq!(c.waiters(), 4);
                    advance(&clock, ms(20)).await;
                    assert_eq!(seen(&h), strs(&["timeout"]));
                    assert_eq!(c.waiters(), 3);
                    c.notify(2);
                    advance(&clock, ms(10)).await;
                    assert_eq!(seen(&h), strs(&["timeout", "0", "2"]));
                    c.notify(1);
                    settle().await;
                    assert_eq!(seen(&h), strs(&["timeout", "0", "2", "3"]));
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_notify_all_with_timeout() {
        let _w = Watchdog::new("condition_test::test_notify_all_with_timeout");
        let (ioloop, clock) = manual_loop();
        let c = Rc::new(Condition::new());
        let h = history();
        ioloop
            .run_sync(
                async {
                    record_done(&c, None, "0", &h);
                    record_done(&c, Some(ms(10)), "1", &h);
                    record_done(&c, None, "2", &h);
                    settle().await;
                    advance(&clock, ms(20)).await;
                    assert_eq!(seen(&h), strs(&["timeout"]));
                    c.notify_all();
                    settle().await;
                    assert_eq!(seen(&h), strs(&["timeout", "0", "2"]));
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_nested_notify() {
        // No notification is lost when a waiter calls notify() itself.
        let (ioloop, _clock) = manual_loop();
        let c = Rc::new(Condition::new());
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                let c = c.clone();
                ioloop.spawn(async move {
                    c.wait().await;
                    if i == 1 {
                        c.notify(1);
                    }
                })
            })
            .collect();
        ioloop
            .run_sync(
                async {
                    settle().await;
                    c.notify(2);
                    settle().await;
                },
                None,
            )
            .unwrap();
        assert!(tasks.iter().all(JoinHandle::is_finished));
    }

    #[test]
    fn test_garbage_collection() {
        // Waiters that time out leave the queue at once.
        let _w = Watchdog::new("condition_test::test_garbage_collection");
        let (ioloop, clock) = manual_loop();
        let c = Rc::new(Condition::new());
        for _ in 0..101 {
            let c = c.clone();
            ioloop.spawn(async move { c.wait_timeout(ms(10)).await });
        }
        let last = ioloop.spawn({
            let c = c.clone();
            async move { c.wait().await }
        });
        ioloop
            .run_sync(
                async {
                    settle().await;
                    assert_eq!(c.waiters(), 102);
                    advance(&clock, ms(20)).await;
                    assert_eq!(c.waiters(), 1);
                    // The final waiter is still active.
                    assert!(!last.is_finished());
                    c.notify(1);
                    settle().await;
                    assert!(last.is_finished());
                },
                None,
            )
            .unwrap();
        assert_eq!(c.waiters(), 0);
        assert_eq!(ioloop.pending_timers(), 0, "no timer left behind");
    }

    #[test]
    fn test_dropped_waiter_passes_notification_on() {
        // Not in Python's suite: a waiter notified and then dropped before it
        // ran hands the notification to the next waiter.
        let (ioloop, _clock) = manual_loop();
        let c = Rc::new(Condition::new());
        let h = history();
        let first = record_done(&c, None, "first", &h);
        record_done(&c, None, "second", &h);
        ioloop
            .run_sync(
                async {
                    settle().await;
                    c.notify(1);
                    first.abort();
                    settle().await;
                },
                None,
            )
            .unwrap();
        assert_eq!(seen(&h), strs(&["second"]));
    }
}

mod event_test {
    use super::*;

    /// Spawns a task waiting on the event.
    fn wait_task(e: &Rc<Event>) -> JoinHandle<()> {
        let e = e.clone();
        IoLoop::current().spawn(async move { e.wait().await })
    }

    #[test]
    fn test_repr() {
        let event = Event::new();
        assert!(format!("{event:?}").contains("clear"));
        assert!(!format!("{event:?}").contains("set"));
        event.set();
        assert!(!format!("{event:?}").contains("clear"));
        assert!(format!("{event:?}").contains("set"));
    }

    #[test]
    fn test_event() {
        let (ioloop, _clock) = manual_loop();
        let e = Rc::new(Event::new());
        let (f0, f1, f2) = ioloop
            .run_sync(
                async {
                    let f0 = wait_task(&e);
                    settle().await;
                    e.set();
                    let f1 = wait_task(&e);
                    settle().await;
                    e.clear();
                    let f2 = wait_task(&e);
                    settle().await;
                    (f0, f1, f2)
                },
                None,
            )
            .unwrap();
        assert!(f0.is_finished());
        assert!(f1.is_finished());
        assert!(!f2.is_finished());
        assert_eq!(e.waiters(), 1);
    }

    #[test]
    fn test_event_timeout() {
        let _w = Watchdog::new("event_test::test_event_timeout");
        let (ioloop, clock) = manual_loop();
        let e = Rc::new(Event::new());
        let timed_out = ioloop.spawn({
            let e = e.clone();
            async move { e.wait_timeout(ms(10)).await }
        });
        ioloop
            .run_sync(
                async {
                    advance(&clock, ms(10)).await;
                    let err = timed_out.await.unwrap().unwrap_err();
                    assert_eq!(err.kind(), ErrorKind::Timeout);
                    // After a timed-out waiter, normal operation works.
                    IoLoop::current().add_timeout(ms(10), {
                        let e = e.clone();
                        move || e.set()
                    });
                    let ok = IoLoop::current().spawn({
                        let e = e.clone();
                        async move { e.wait_timeout(Duration::from_secs(1)).await }
                    });
                    advance(&clock, ms(10)).await;
                    ok.await.unwrap().unwrap();
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_event_set_multiple() {
        let e = Event::new();
        e.set();
        e.set();
        assert!(e.is_set());
    }

    #[test]
    fn test_event_wait_clear() {
        let (ioloop, _clock) = manual_loop();
        let e = Rc::new(Event::new());
        let (f0, f1) = ioloop
            .run_sync(
                async {
                    let f0 = wait_task(&e);
                    settle().await;
                    e.clear();
                    let f1 = wait_task(&e);
                    settle().await;
                    e.set();
                    settle().await;
                    (f0, f1)
                },
                None,
            )
            .unwrap();
        assert!(f0.is_finished());
        assert!(f1.is_finished());
    }
}

/// Spawns a task that takes a permit and keeps it (Python's bare
/// `sem.acquire()`, whose permit is never released).
fn acquire_task(sem: &Rc<Semaphore>) -> JoinHandle<()> {
    let sem = sem.clone();
    IoLoop::current().spawn(async move { sem.acquire().await.forget() })
}

mod semaphore_test {
    use super::*;

    #[test]
    fn test_repr() {
        let (ioloop, _clock) = manual_loop();
        let sem = Rc::new(Semaphore::new(1));
        let repr = format!("{sem:?}");
        assert!(repr.contains("Semaphore"), "{repr}");
        assert!(
            repr.contains("value: 1") && repr.contains("waiters: 0"),
            "{repr}"
        );
        ioloop
            .run_sync(
                async {
                    acquire_task(&sem);
                    settle().await;
                    assert!(format!("{sem:?}").contains("value: 0"));
                    acquire_task(&sem);
                    settle().await;
                    assert!(format!("{sem:?}").contains("waiters: 1"));
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_acquire() {
        let (ioloop, _clock) = manual_loop();
        let sem = Rc::new(Semaphore::new(1));
        ioloop
            .run_sync(
                async {
                    let f0 = acquire_task(&sem);
                    settle().await;
                    assert!(f0.is_finished());
                    // Wait for release().
                    let f1 = acquire_task(&sem);
                    settle().await;
                    assert!(!f1.is_finished());
                    let f2 = acquire_task(&sem);
                    settle().await;
                    sem.release().unwrap();
                    settle().await;
                    assert!(f1.is_finished());
                    assert!(!f2.is_finished());
                    sem.release().unwrap();
                    settle().await;
                    assert!(f2.is_finished());
                    sem.release().unwrap();
                    // Now acquire() is instant.
                    assert!(sem.try_acquire().is_some());
                    assert_eq!(sem.waiters(), 0);
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_acquire_timeout() {
        let _w = Watchdog::new("semaphore_test::test_acquire_timeout");
        let (ioloop, clock) = manual_loop();
        let sem = Rc::new(Semaphore::new(2));
        ioloop
            .run_sync(
                async {
                    sem.acquire().await.forget();
                    sem.acquire().await.forget();
                    let acquire = IoLoop::current().spawn({
                        let sem = sem.clone();
                        async move { sem.acquire_timeout(ms(10)).await.map(|g| g.forget()) }
                    });
                    IoLoop::current().call_later(ms(20), {
                        let sem = sem.clone();
                        move || sem.release().unwrap() // too late
                    });
                    advance_steps(&clock, ms(10), 30).await;
                    let err = acquire.await.unwrap().unwrap_err();
                    assert!(err.is_timeout());
                    // The late release made a permit available.
                    assert_eq!(sem.value(), 1);
                    sem.acquire().await.forget();
                    let f = acquire_task(&sem);
                    settle().await;
                    assert!(!f.is_finished());
                    sem.release().unwrap();
                    settle().await;
                    assert!(f.is_finished());
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_acquire_timeout_preempted() {
        let _w = Watchdog::new("semaphore_test::test_acquire_timeout_preempted");
        let (ioloop, clock) = manual_loop();
        let sem = Rc::new(Semaphore::new(1));
        ioloop
            .run_sync(
                async {
                    sem.acquire().await.forget();
                    // This fires before the wait times out.
                    IoLoop::current().call_later(ms(10), {
                        let sem = sem.clone();
                        move || sem.release().unwrap()
                    });
                    let acquire = IoLoop::current().spawn({
                        let sem = sem.clone();
                        async move { sem.acquire_timeout(ms(20)).await.map(|g| g.forget()) }
                    });
                    advance_steps(&clock, ms(10), 3).await;
                    acquire.await.unwrap().unwrap();
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_release_unacquired() {
        // Unbounded releases are allowed and raise the value.
        let (ioloop, _clock) = manual_loop();
        let sem = Rc::new(Semaphore::new(1));
        sem.release().unwrap();
        sem.release().unwrap();
        assert_eq!(sem.value(), 3);
        ioloop
            .run_sync(
                async {
                    let tasks: Vec<_> = (0..4).map(|_| acquire_task(&sem)).collect();
                    settle().await;
                    let done: Vec<_> = tasks.iter().map(JoinHandle::is_finished).collect();
                    assert_eq!(done, [true, true, true, false]);
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_garbage_collection() {
        let _w = Watchdog::new("semaphore_test::test_garbage_collection");
        let (ioloop, clock) = manual_loop();
        let sem = Rc::new(Semaphore::new(0));
        let timed: Vec<_> = (0..101)
            .map(|_| {
                let sem = sem.clone();
                ioloop.spawn(async move { sem.acquire_timeout(ms(10)).await.map(|g| g.forget()) })
            })
            .collect();
        let last = acquire_task(&sem);
        ioloop
            .run_sync(
                async {
                    settle().await;
                    assert_eq!(sem.waiters(), 102);
                    advance(&clock, ms(20)).await;
                    assert_eq!(sem.waiters(), 1);
                    assert!(!last.is_finished());
                    sem.release().unwrap();
                    settle().await;
                    assert!(last.is_finished());
                    for t in timed {
                        assert!(t.await.unwrap().unwrap_err().is_timeout());
                    }
                },
                None,
            )
            .unwrap();
        assert_eq!(ioloop.pending_timers(), 0);
    }

    #[test]
    fn test_aborted_waiter_passes_permit_on() {
        // Not in Python's suite: a waiter handed a permit and then dropped
        // before it ran passes the permit to the next waiter.
        let (ioloop, _clock) = manual_loop();
        let sem = Rc::new(Semaphore::new(0));
        let first = acquire_task(&sem);
        let second = acquire_task(&sem);
        ioloop
            .run_sync(
                async {
                    settle().await;
                    sem.release().unwrap();
                    first.abort();
                    settle().await;
                    assert!(second.is_finished());
                    assert_eq!(sem.value(), 0);
                },
                None,
            )
            .unwrap();
    }
}

mod semaphore_context_manager_test {
    use super::*;

    #[test]
    fn test_context_manager() {
        let (ioloop, _clock) = manual_loop();
        let sem = Semaphore::new(1);
        ioloop
            .run_sync(
                async {
                    {
                        let _guard = sem.acquire().await;
                        assert_eq!(sem.value(), 0);
                    }
                    // Released: it can be acquired again.
                    assert!(sem.try_acquire().is_some());
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_context_manager_async_await() {
        // Same through an async fn holding the guard.
        let (ioloop, _clock) = manual_loop();
        let sem = Rc::new(Semaphore::new(1));
        async fn f(sem: &Semaphore) {
            let _guard = sem.acquire().await;
            r#gen::moment().await;
            assert_eq!(sem.value(), 0);
        }
        ioloop
            .run_sync(
                async {
                    f(&sem).await;
                    assert!(sem.try_acquire().is_some());
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_context_manager_exception() {
        // A task that panics while holding the permit releases it.
        let (ioloop, _clock) = manual_loop();
        quiet_expected_panics();
        let sem = Rc::new(Semaphore::new(1));
        let task = ioloop.spawn({
            let sem = sem.clone();
            async move {
                let _guard = sem.acquire().await;
                r#gen::moment().await;
                panic!("expected: holding a permit");
            }
        });
        let err = ioloop.run_sync(task, None).unwrap().unwrap_err();
        assert!(err.is_panic());
        assert_eq!(sem.value(), 1);
        assert!(sem.try_acquire().is_some());
    }

    #[test]
    fn test_context_manager_timeout() {
        let (ioloop, _clock) = manual_loop();
        let sem = Semaphore::new(1);
        ioloop
            .run_sync(
                async {
                    {
                        let _guard = sem.acquire_timeout(ms(10)).await.unwrap();
                    }
                    assert!(sem.try_acquire().is_some());
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_context_manager_timeout_error() {
        let _w =
            Watchdog::new("semaphore_context_manager_test::test_context_manager_timeout_error");
        let (ioloop, clock) = manual_loop();
        let sem = Rc::new(Semaphore::new(0));
        let attempt = ioloop.spawn({
            let sem = sem.clone();
            async move { sem.acquire_timeout(ms(10)).await.map(|g| g.forget()) }
        });
        ioloop
            .run_sync(
                async {
                    advance(&clock, ms(10)).await;
                    assert!(attempt.await.unwrap().unwrap_err().is_timeout());
                },
                None,
            )
            .unwrap();
        // The counter is still 0.
        assert_eq!(sem.value(), 0);
        assert!(sem.try_acquire().is_none());
    }

    #[test]
    fn test_context_manager_contended() {
        let _w = Watchdog::new("semaphore_context_manager_test::test_context_manager_contended");
        let (ioloop, clock) = manual_loop();
        let sem = Rc::new(Semaphore::new(1));
        let h = history();
        let tasks = (0..2).map(|i| {
            let (sem, h) = (sem.clone(), h.clone());
            async move {
                let _guard = sem.acquire().await;
                h.borrow_mut().push(format!("acquired {i}"));
                r#gen::sleep(ms(10)).await;
                h.borrow_mut().push(format!("release {i}"));
            }
        });
        drive(&ioloop, &clock, ms(1), r#gen::multi(tasks));
        assert_eq!(
            seen(&h),
            strs(&["acquired 0", "release 0", "acquired 1", "release 1"])
        );
    }
}

mod bounded_semaphore_test {
    use super::*;

    #[test]
    fn test_release_unacquired() {
        let (ioloop, _clock) = manual_loop();
        let sem = Rc::new(Semaphore::bounded(1));
        let err = sem.release().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TooManyReleases);
        ioloop
            .run_sync(
                async {
                    // Value is 0.
                    sem.acquire().await.forget();
                    // Block on acquire().
                    let future = acquire_task(&sem);
                    settle().await;
                    assert!(!future.is_finished());
                    sem.release().unwrap();
                    settle().await;
                    assert!(future.is_finished());
                    // Value is 0 again; one release brings it to 1.
                    sem.release().unwrap();
                    assert_eq!(sem.value(), 1);
                    assert_eq!(
                        sem.release().unwrap_err().kind(),
                        ErrorKind::TooManyReleases
                    );
                },
                None,
            )
            .unwrap();
    }
}

mod lock_tests {
    use super::*;

    #[test]
    fn test_repr() {
        let (ioloop, _clock) = manual_loop();
        let lock = Lock::new();
        assert!(format!("{lock:?}").contains("unlocked"));
        ioloop
            .run_sync(async { lock.acquire().await.forget() }, None)
            .unwrap();
        assert!(format!("{lock:?}").contains("locked"));
        assert!(!format!("{lock:?}").contains("unlocked"));
    }

    /// Spawns a task that takes the lock and keeps it.
    fn acquire_task(lock: &Rc<Lock>) -> JoinHandle<()> {
        let lock = lock.clone();
        IoLoop::current().spawn(async move { lock.acquire().await.forget() })
    }

    #[test]
    fn test_acquire_release() {
        let (ioloop, _clock) = manual_loop();
        let lock = Rc::new(Lock::new());
        ioloop
            .run_sync(
                async {
                    let first = acquire_task(&lock);
                    settle().await;
                    assert!(first.is_finished());
                    let future = acquire_task(&lock);
                    settle().await;
                    assert!(!future.is_finished());
                    lock.release().unwrap();
                    settle().await;
                    assert!(future.is_finished());
                    assert!(lock.locked());
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_acquire_fifo() {
        let (ioloop, _clock) = manual_loop();
        let lock = Rc::new(Lock::new());
        let order = Rc::new(RefCell::new(Vec::new()));
        ioloop
            .run_sync(
                async {
                    lock.acquire().await.forget();
                    let tasks: Vec<_> = (0..5)
                        .map(|i| {
                            let (lock, order) = (lock.clone(), order.clone());
                            IoLoop::current().spawn(async move {
                                let _guard = lock.acquire().await;
                                order.borrow_mut().push(i);
                            })
                        })
                        .collect();
                    settle().await;
                    assert!(!tasks.iter().any(JoinHandle::is_finished));
                    lock.release().unwrap();
                    for t in r#gen::multi(tasks).await {
                        t.unwrap();
                    }
                },
                None,
            )
            .unwrap();
        assert_eq!(*order.borrow(), vec![0, 1, 2, 3, 4]);
        assert!(!lock.locked());
    }

    #[test]
    fn test_acquire_fifo_async_with() {
        // The same with explicit release() calls instead of guards, each
        // task yielding while it holds the lock.
        let (ioloop, _clock) = manual_loop();
        let lock = Rc::new(Lock::new());
        let order = Rc::new(RefCell::new(Vec::new()));
        ioloop
            .run_sync(
                async {
                    lock.acquire().await.forget();
                    let tasks = (0..5).map(|i| {
                        let (lock, order) = (lock.clone(), order.clone());
                        async move {
                            lock.acquire().await.forget();
                            order.borrow_mut().push(i);
                            r#gen::moment().await;
                            lock.release().unwrap();
                        }
                    });
                    let tasks: Vec<_> = tasks.collect();
                    let all = IoLoop::current().spawn(r#gen::multi(tasks));
                    settle().await;
                    lock.release().unwrap();
                    all.await.unwrap();
                },
                None,
            )
            .unwrap();
        assert_eq!(*order.borrow(), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn test_acquire_timeout() {
        let _w = Watchdog::new("lock_tests::test_acquire_timeout");
        let (ioloop, clock) = manual_loop();
        let lock = Rc::new(Lock::new());
        ioloop
            .run_sync(
                async {
                    lock.acquire().await.forget();
                    let attempt = IoLoop::current().spawn({
                        let lock = lock.clone();
                        async move { lock.acquire_timeout(ms(10)).await.map(|g| g.forget()) }
                    });
                    advance(&clock, ms(10)).await;
                    assert!(attempt.await.unwrap().unwrap_err().is_timeout());
                    // Still locked.
                    let f = acquire_task(&lock);
                    settle().await;
                    assert!(!f.is_finished());
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_multi_release() {
        let (ioloop, _clock) = manual_loop();
        let lock = Lock::new();
        assert_eq!(lock.release().unwrap_err().kind(), ErrorKind::NotLocked);
        ioloop
            .run_sync(async { lock.acquire().await.forget() }, None)
            .unwrap();
        lock.release().unwrap();
        assert_eq!(lock.release().unwrap_err().kind(), ErrorKind::NotLocked);
    }
}
