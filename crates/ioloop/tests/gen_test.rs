//! Mirrors the parts of `tornado/test/gen_test.py` that carry over to Rust:
//! `multi` (lists and tuples), `with_timeout`, `sleep`, `moment`,
//! `WaitIterator`, and the behaviour of tasks that fail, are cancelled or are
//! dropped with their loop. Most of gen_test.py tests Python's coroutine
//! machinery (`gen.coroutine`, `gen.Return`, yield points); those tests are
//! listed with the reason in `docs/test-map.md`.

mod common;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use common::*;
use tornado_ioloop::r#gen::{self, WaitIterator};
use tornado_ioloop::{Error, ErrorKind, IoLoop, ThreadPoolExecutor};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Resolves to `value` after `iterations` turns of the loop (Python's
/// `GenBasicTest.delay`).
async fn delay<T>(iterations: usize, value: T) -> T {
    settle_n(iterations).await;
    value
}

/// Resolves to `value` after one turn (`async_future`).
async fn async_future<T>(value: T) -> T {
    r#gen::moment().await;
    value
}

/// Fails with `message` after one turn (`async_exception`).
async fn async_exception<T>(message: &'static str) -> Result<T, String> {
    r#gen::moment().await;
    Err(message.to_owned())
}

/// `x + 1` after one turn (`add_one_async`).
async fn add_one_async(x: i32) -> i32 {
    r#gen::moment().await;
    x + 1
}

mod gen_basic_test {
    use super::*;

    #[test]
    fn test_no_yield() {
        system_loop().run_sync(async {}, GUARD).unwrap();
    }

    #[test]
    fn test_exception_phase1() {
        // A task that fails before its first yield.
        quiet_expected_panics();
        let ioloop = system_loop();
        let task = ioloop.spawn(async { panic!("expected: phase 1") });
        let err = ioloop.run_sync(task, GUARD).unwrap().unwrap_err();
        assert!(err.is_panic());
        assert_eq!(err.message(), Some("expected: phase 1"));
    }

    #[test]
    fn test_exception_phase2() {
        // A task that fails after a yield.
        quiet_expected_panics();
        let ioloop = system_loop();
        let task = ioloop.spawn(async {
            r#gen::moment().await;
            panic!("expected: phase 2")
        });
        let err = ioloop.run_sync(task, GUARD).unwrap().unwrap_err();
        assert!(err.is_panic());
        assert_eq!(err.message(), Some("expected: phase 2"));
    }

    #[test]
    fn test_reuse() {
        // The same loop runs one future after another.
        let ioloop = system_loop();
        ioloop.run_sync(r#gen::moment(), GUARD).unwrap();
        ioloop.run_sync(r#gen::moment(), GUARD).unwrap();
    }

    #[test]
    fn test_multi() {
        let ioloop = system_loop();
        let results = ioloop
            .run_sync(r#gen::multi([add_one_async(1), add_one_async(2)]), GUARD)
            .unwrap();
        assert_eq!(results, vec![2, 3]);
    }

    #[test]
    fn test_multi_delayed() {
        // Children finish in a different order than given; results keep the
        // given order.
        let ioloop = system_loop();
        let responses = ioloop
            .run_sync(r#gen::multi([delay(3, "v1"), delay(1, "v2")]), GUARD)
            .unwrap();
        assert_eq!(responses, vec!["v1", "v2"]);
    }

    #[test]
    fn test_multi_performance() {
        // Python times a multi of 2000 moments. Here the cost is counted:
        // each child is polled only when woken, so twice in all.
        struct Counted<F> {
            inner: Pin<Box<F>>,
            polls: Rc<Cell<usize>>,
        }
        impl<F: Future> Future for Counted<F> {
            type Output = F::Output;
            fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
                self.polls.set(self.polls.get() + 1);
                self.inner.as_mut().poll(cx)
            }
        }
        let ioloop = system_loop();
        let polls = Rc::new(Cell::new(0));
        let children = (0..2000).map(|_| Counted {
            inner: Box::pin(r#gen::moment()),
            polls: polls.clone(),
        });
        let results = ioloop.run_sync(r#gen::multi(children), GUARD).unwrap();
        assert_eq!(results.len(), 2000);
        assert_eq!(polls.get(), 4000);
    }

    #[test]
    fn test_multi_empty() {
        let ioloop = system_loop();
        let empty: Vec<std::future::Ready<u8>> = Vec::new();
        let x = ioloop.run_sync(r#gen::multi(empty), GUARD).unwrap();
        assert!(x.is_empty());
        let empty: Vec<std::future::Ready<Result<u8, String>>> = Vec::new();
        let y = ioloop.run_sync(r#gen::try_multi(empty), GUARD).unwrap();
        assert_eq!(y, Ok(vec![]));
    }

    #[test]
    fn test_future() {
        let ioloop = system_loop();
        assert_eq!(ioloop.run_sync(async_future(1), GUARD).unwrap(), 1);
    }

    #[test]
    fn test_multi_future() {
        // A list of spawned tasks.
        let ioloop = system_loop();
        let tasks = [ioloop.spawn(async_future(1)), ioloop.spawn(async_future(2))];
        let results: Vec<i32> = ioloop
            .run_sync(r#gen::multi(tasks), GUARD)
            .unwrap()
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(results, vec![1, 2]);
    }

    #[test]
    fn test_multi_tuple() {
        // Not in Python's suite by name (Python yields a tuple): join() keeps
        // the order of differently typed children.
        let ioloop = system_loop();
        let out = ioloop
            .run_sync(
                r#gen::join((delay(3, 1u8), delay(1, "two"), async_future(3.0f64))),
                GUARD,
            )
            .unwrap();
        assert_eq!(out, (1, "two", 3.0));
    }

    #[test]
    fn test_multi_exceptions() {
        // The first error wins; the other children are dropped.
        let ioloop = system_loop();
        let err = ioloop
            .run_sync(
                r#gen::try_multi([
                    async_exception::<i32>("error 1"),
                    async_exception("error 2"),
                ]),
                GUARD,
            )
            .unwrap()
            .unwrap_err();
        assert_eq!(err, "error 1");
        // With only one error.
        let one = ioloop
            .run_sync(
                r#gen::try_multi([
                    Box::pin(async_exception::<i32>("error 1"))
                        as Pin<Box<dyn Future<Output = Result<i32, String>>>>,
                    Box::pin(async { Ok(async_future(2).await) }),
                ]),
                GUARD,
            )
            .unwrap();
        assert_eq!(one.unwrap_err(), "error 1");
        // With none, the outputs in order.
        let ok = ioloop
            .run_sync(
                r#gen::try_multi([1, 2, 3].map(|i| async move {
                    settle_n(4 - i).await;
                    Ok::<_, String>(i)
                })),
                GUARD,
            )
            .unwrap();
        assert_eq!(ok.unwrap(), vec![1, 2, 3]);
    }

    #[test]
    fn test_multi_exceptions_drop_others() {
        // Not a Python test: the children still running when one fails are
        // dropped, not left running.
        let ioloop = system_loop();
        struct Flag(Rc<Cell<bool>>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.set(true);
            }
        }
        let dropped = Rc::new(Cell::new(false));
        let slow = {
            let flag = Flag(dropped.clone());
            Box::pin(async move {
                let _flag = flag;
                std::future::pending::<()>().await;
                Ok(0)
            }) as Pin<Box<dyn Future<Output = Result<i32, &str>>>>
        };
        let failing = Box::pin(async {
            r#gen::moment().await;
            Err("fail")
        });
        let out = ioloop
            .run_sync(r#gen::try_multi([slow, failing]), GUARD)
            .unwrap();
        assert_eq!(out, Err("fail"));
        assert!(dropped.get());
    }

    #[test]
    fn test_multi_cancelled() {
        // A child cancelled while try_multi waits makes it fail with
        // Aborted.
        let ioloop = system_loop();
        let slot = Rc::new(RefCell::new(ioloop.spawn(std::future::pending::<i32>())));
        let cancelled_later = {
            let slot = slot.clone();
            std::future::poll_fn(move |cx| Pin::new(&mut *slot.borrow_mut()).poll(cx))
        };
        ioloop.add_callback({
            let slot = slot.clone();
            move || slot.borrow().abort()
        });
        let err = ioloop
            .run_sync(
                r#gen::try_multi([
                    Box::pin(cancelled_later) as Pin<Box<dyn Future<Output = _>>>,
                    Box::pin(ioloop.spawn(async_future(2))),
                ]),
                GUARD,
            )
            .unwrap()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Aborted);
        // A child that is already cancelled.
        let already = ioloop.spawn(std::future::pending::<i32>());
        already.abort();
        let err = ioloop
            .run_sync(r#gen::try_multi([already]), GUARD)
            .unwrap()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Aborted);
    }

    #[test]
    fn test_multi_future_exceptions() {
        // try_multi over spawned tasks whose results are fallible.
        let ioloop = system_loop();
        let tasks = [
            ioloop.spawn(async_exception::<i32>("error 1")),
            ioloop.spawn(async_exception("error 2")),
        ];
        let results = ioloop
            .run_sync(
                r#gen::try_multi(tasks.map(|t| async move { t.await.unwrap() })),
                GUARD,
            )
            .unwrap();
        assert_eq!(results.unwrap_err(), "error 1");
    }
}

mod gen_coroutine_test {
    use super::*;

    #[test]
    fn test_async_await() {
        // Native coroutines calling each other.
        async fn f2() -> i32 {
            r#gen::moment().await;
            42
        }
        async fn f1() -> i32 {
            f2().await
        }
        assert_eq!(system_loop().run_sync(f1(), GUARD).unwrap(), 42);
    }

    #[test]
    fn test_asyncio_sleep_zero() {
        // Yielding once lets another task run.
        let ioloop = system_loop();
        let ran = Rc::new(Cell::new(false));
        ioloop.spawn({
            let ran = ran.clone();
            async move { ran.set(true) }
        });
        ioloop
            .run_sync(
                async {
                    assert!(!ran.get());
                    r#gen::sleep(Duration::ZERO).await;
                    r#gen::moment().await;
                    assert!(ran.get());
                },
                GUARD,
            )
            .unwrap();
    }

    #[test]
    fn test_async_await_mixed_multi_native_future() {
        // A tuple of a plain async fn and a spawned task.
        let ioloop = system_loop();
        let task = ioloop.spawn(async_future(1));
        let (a, b) = ioloop
            .run_sync(r#gen::join((add_one_async(1), task)), GUARD)
            .unwrap();
        assert_eq!((a, b.unwrap()), (2, 1));
    }

    #[test]
    fn test_async_with_timeout() {
        let ioloop = system_loop();
        let out = ioloop
            .run_sync(
                r#gen::with_timeout(Duration::from_secs(3600), async_future(5)),
                GUARD,
            )
            .unwrap();
        assert_eq!(out.unwrap(), 5);
    }

    #[test]
    fn test_async_early_return() {
        async fn f(early: bool) -> i32 {
            if early {
                return 42;
            }
            r#gen::moment().await;
            0
        }
        let ioloop = system_loop();
        assert_eq!(ioloop.run_sync(f(true), GUARD).unwrap(), 42);
        assert_eq!(ioloop.run_sync(f(false), GUARD).unwrap(), 0);
    }

    #[test]
    fn test_async_raise() {
        quiet_expected_panics();
        let ioloop = system_loop();
        let task = ioloop.spawn(async {
            r#gen::moment().await;
            panic!("expected: async raise")
        });
        let err: Error = ioloop.run_sync(task, GUARD).unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Panicked);
    }

    #[test]
    fn test_async_raise_cancelled() {
        // A task cancelled while waiting resolves to Aborted.
        let ioloop = system_loop();
        let task = ioloop.spawn(std::future::pending::<()>());
        ioloop.run_sync(r#gen::moment(), GUARD).unwrap();
        task.abort();
        let err = ioloop.run_sync(task, GUARD).unwrap().unwrap_err();
        assert!(err.is_aborted());
    }

    #[test]
    fn test_catch_cancelled_future() {
        // Awaiting a cancelled task gives an error the caller can handle.
        let ioloop = system_loop();
        let out = ioloop
            .run_sync(
                async {
                    let inner = IoLoop::current().spawn(std::future::pending::<()>());
                    inner.abort();
                    match inner.await {
                        Err(e) if e.is_aborted() => "caught",
                        _ => "not cancelled",
                    }
                },
                GUARD,
            )
            .unwrap();
        assert_eq!(out, "caught");
    }

    #[test]
    fn test_moment() {
        let ioloop = system_loop();
        let calls = Rc::new(RefCell::new(String::new()));
        async fn f(name: char, yield_each: bool, calls: Rc<RefCell<String>>) {
            for _ in 0..5 {
                calls.borrow_mut().push(name);
                if yield_each {
                    r#gen::moment().await;
                } else {
                    std::future::ready(()).await;
                }
            }
        }
        // Without moment, each coroutine runs to its end.
        ioloop
            .run_sync(
                r#gen::multi([f('a', false, calls.clone()), f('b', false, calls.clone())]),
                GUARD,
            )
            .unwrap();
        assert_eq!(calls.take(), "aaaaabbbbb");
        // With moment, they take turns.
        ioloop
            .run_sync(
                r#gen::multi([f('a', true, calls.clone()), f('b', true, calls.clone())]),
                GUARD,
            )
            .unwrap();
        assert_eq!(calls.take(), "ababababab");
        ioloop
            .run_sync(
                r#gen::multi([f('a', true, calls.clone()), f('b', false, calls.clone())]),
                GUARD,
            )
            .unwrap();
        assert_eq!(calls.take(), "abbbbbaaaa");
    }

    #[test]
    fn test_moment_lets_timers_run() {
        // Not a Python test by name: moment gives up a whole loop iteration
        // (Tornado's "allow the IOLoop to run for one iteration"), so a
        // timer that is due fires before the task resumes.
        let _w = Watchdog::new("gen_coroutine_test::test_moment_lets_timers_run");
        let (ioloop, _clock) = manual_loop();
        let fired = Rc::new(Cell::new(false));
        let task = ioloop.spawn({
            let fired = fired.clone();
            async move {
                IoLoop::current().call_later(Duration::ZERO, {
                    let fired = fired.clone();
                    move || fired.set(true)
                });
                r#gen::moment().await;
                fired.get()
            }
        });
        assert!(ioloop.run_sync(task, None).unwrap().unwrap());
    }

    #[test]
    fn test_moment_between_tasks() {
        // Not a Python test by name: moment lets other tasks run in between.
        let ioloop = system_loop();
        let calls = Rc::new(RefCell::new(String::new()));
        let tasks: Vec<_> = ['a', 'b']
            .into_iter()
            .map(|name| {
                let calls = calls.clone();
                ioloop.spawn(async move {
                    for _ in 0..3 {
                        calls.borrow_mut().push(name);
                        r#gen::moment().await;
                    }
                })
            })
            .collect();
        ioloop.run_sync(r#gen::multi(tasks), GUARD).unwrap();
        assert_eq!(calls.take(), "ababab");
    }

    #[test]
    fn test_sleep() {
        let _w = Watchdog::new("gen_coroutine_test::test_sleep");
        let (ioloop, clock) = manual_loop();
        let sleeper = ioloop.spawn(r#gen::sleep(ms(10)));
        ioloop
            .run_sync(
                async {
                    settle().await;
                    assert_eq!(IoLoop::current().pending_timers(), 1);
                    advance(&clock, ms(9)).await;
                    assert!(!sleeper.is_finished());
                    advance(&clock, ms(1)).await;
                    assert!(sleeper.is_finished());
                },
                None,
            )
            .unwrap();
        assert_eq!(ioloop.pending_timers(), 0);
    }

    #[test]
    fn test_sleep_system_clock() {
        // The same on the real clock: a short sleep ends.
        system_loop().run_sync(r#gen::sleep(ms(2)), GUARD).unwrap();
    }

    #[test]
    fn test_sleep_drop_and_reset() {
        // Not a Python test: dropping a sleep cancels its timer; reset moves
        // it.
        let _w = Watchdog::new("gen_coroutine_test::test_sleep_drop_and_reset");
        let (ioloop, clock) = manual_loop();
        ioloop
            .run_sync(
                async {
                    let start = clock.now();
                    let dropped = r#gen::with_timeout(ms(1), r#gen::sleep(ms(100)));
                    let spawned = IoLoop::current().spawn(dropped);
                    settle().await;
                    assert_eq!(IoLoop::current().pending_timers(), 2);
                    advance(&clock, ms(1)).await;
                    assert!(spawned.await.unwrap().unwrap_err().is_timeout());
                    assert_eq!(IoLoop::current().pending_timers(), 0);

                    let mut sleep = r#gen::sleep_until(start + ms(50));
                    assert_eq!(sleep.deadline(), start + ms(50));
                    assert!(!sleep.is_elapsed());
                    // Poll it once so that its timer exists, then move it.
                    let waker = std::task::Waker::noop();
                    let mut cx = Context::from_waker(waker);
                    assert!(Pin::new(&mut sleep).poll(&mut cx).is_pending());
                    sleep.reset(start + ms(5));
                    assert_eq!(IoLoop::current().pending_timers(), 1);
                    advance(&clock, ms(4)).await;
                    assert!(sleep.is_elapsed());
                    sleep.await;
                    assert_eq!(IoLoop::current().pending_timers(), 0);
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_coroutine_refcounting() {
        // A finished task releases what it held at once.
        let ioloop = system_loop();
        let held = Rc::new(5);
        let weak: Weak<i32> = Rc::downgrade(&held);
        let task = ioloop.spawn(async move {
            r#gen::moment().await;
            *held + 1
        });
        assert_eq!(ioloop.run_sync(task, GUARD).unwrap().unwrap(), 6);
        assert!(weak.upgrade().is_none());
    }

    #[test]
    fn test_asyncio_future_debug_info() {
        // Python shows where a coroutine was created in its repr; here a
        // failed task's error names where it was spawned.
        quiet_expected_panics();
        let ioloop = system_loop();
        let line = line!() + 1;
        let task = ioloop.spawn(async { panic!("expected: debug info") });
        let err = ioloop.run_sync(task, GUARD).unwrap().unwrap_err();
        let shown = err.to_string();
        assert!(shown.contains(&format!("{}:{line}", file!())), "{shown}");
    }
}

mod with_timeout_test {
    use super::*;

    #[test]
    fn test_timeout() {
        let _w = Watchdog::new("with_timeout_test::test_timeout");
        let (ioloop, clock) = manual_loop();
        let attempt = ioloop.spawn(r#gen::with_timeout(ms(100), std::future::pending::<()>()));
        ioloop
            .run_sync(
                async {
                    advance(&clock, ms(99)).await;
                    assert!(!attempt.is_finished());
                    advance(&clock, ms(1)).await;
                    let err = attempt.await.unwrap().unwrap_err();
                    assert!(err.is_timeout());
                    assert_eq!(err.message(), None);
                    assert_eq!(err.to_string(), "timeout");
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_timeout_message() {
        let _w = Watchdog::new("with_timeout_test::test_timeout_message");
        let (ioloop, clock) = manual_loop();
        let attempt = ioloop.spawn(r#gen::with_timeout_message(
            ms(100),
            "custom",
            std::future::pending::<()>(),
        ));
        ioloop
            .run_sync(
                async {
                    advance(&clock, ms(100)).await;
                    let err = attempt.await.unwrap().unwrap_err();
                    assert!(err.is_timeout());
                    assert_eq!(err.message(), Some("custom"));
                    assert_eq!(err.to_string(), "timeout: custom");
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_completes_before_timeout() {
        let _w = Watchdog::new("with_timeout_test::test_completes_before_timeout");
        let (ioloop, clock) = manual_loop();
        let promise = Promise::new();
        ioloop.add_timeout(ms(100), {
            let promise = promise.clone();
            move || promise.set("asdf")
        });
        let attempt = ioloop.spawn(r#gen::with_timeout(
            Duration::from_secs(3600),
            promise.wait(),
        ));
        ioloop
            .run_sync(
                async {
                    advance(&clock, ms(100)).await;
                    assert_eq!(attempt.await.unwrap().unwrap(), "asdf");
                },
                None,
            )
            .unwrap();
        assert_eq!(ioloop.pending_timers(), 0, "the timeout timer is gone");
    }

    #[test]
    fn test_fails_before_timeout() {
        let _w = Watchdog::new("with_timeout_test::test_fails_before_timeout");
        let (ioloop, clock) = manual_loop();
        let promise: Promise<Result<&str, &str>> = Promise::new();
        ioloop.add_timeout(ms(100), {
            let promise = promise.clone();
            move || promise.set(Err("division by zero"))
        });
        let attempt = ioloop.spawn(r#gen::with_timeout(
            Duration::from_secs(3600),
            promise.wait(),
        ));
        ioloop
            .run_sync(
                async {
                    advance(&clock, ms(100)).await;
                    // The future's own failure comes through, not a timeout.
                    let inner = attempt.await.unwrap().unwrap();
                    assert_eq!(inner, Err("division by zero"));
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_cancelled_before_timeout() {
        let _w = Watchdog::new("with_timeout_test::test_cancelled_before_timeout");
        let (ioloop, clock) = manual_loop();
        let task = ioloop.spawn(std::future::pending::<()>());
        let attempt = ioloop.spawn(r#gen::with_timeout(Duration::from_secs(3600), task));
        ioloop
            .run_sync(
                async {
                    settle().await;
                    advance(&clock, ms(100)).await;
                    assert!(!attempt.is_finished());
                    attempt.abort();
                    assert!(attempt.await.unwrap_err().is_aborted());
                },
                None,
            )
            .unwrap();
        assert_eq!(ioloop.pending_timers(), 0);
    }

    #[test]
    fn test_already_resolved() {
        let (ioloop, _clock) = manual_loop();
        let out = ioloop
            .run_sync(
                r#gen::with_timeout(Duration::from_secs(3600), std::future::ready("asdf")),
                None,
            )
            .unwrap();
        assert_eq!(out.unwrap(), "asdf");
        // A resolved future wins even over a deadline that already passed.
        let now = ioloop.time();
        let out = ioloop
            .run_sync(r#gen::with_timeout(now, std::future::ready(1)), None)
            .unwrap();
        assert_eq!(out.unwrap(), 1);
    }

    #[test]
    fn test_timeout_concurrent_future() {
        // A pool job that does not finish before the (already passed)
        // deadline.
        let ioloop = system_loop();
        let pool = ThreadPoolExecutor::new(1);
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let job = pool.submit(move || wait.recv_timeout(Duration::from_secs(10)).is_ok());
        let now = ioloop.time();
        let err = ioloop
            .run_sync(r#gen::with_timeout(now, job), GUARD)
            .unwrap()
            .unwrap_err();
        assert!(err.is_timeout());
        release.send(()).unwrap();
        pool.shutdown();
    }

    #[test]
    fn test_completed_concurrent_future() {
        // A pool job that finished before with_timeout looks at it.
        let ioloop = system_loop();
        let pool = ThreadPoolExecutor::new(1);
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let job = pool.submit(move || {
            done_tx.send(()).unwrap();
            7
        });
        done_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        let out = ioloop
            .run_sync(r#gen::with_timeout(Duration::from_secs(3600), job), GUARD)
            .unwrap();
        assert_eq!(out.unwrap().unwrap(), 7);
        pool.shutdown();
    }

    #[test]
    fn test_normal_concurrent_future() {
        // A pool job that finishes while with_timeout waits.
        let ioloop = system_loop();
        let pool = ThreadPoolExecutor::new(1);
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let job = pool.submit(move || go_rx.recv_timeout(Duration::from_secs(10)).is_ok());
        let out = ioloop
            .run_sync(
                async {
                    let waiting = IoLoop::current()
                        .spawn(r#gen::with_timeout(Duration::from_secs(3600), job));
                    settle().await;
                    assert!(!waiting.is_finished());
                    go_tx.send(()).unwrap();
                    waiting.await
                },
                GUARD,
            )
            .unwrap();
        assert!(out.unwrap().unwrap().unwrap());
        pool.shutdown();
    }
}

mod wait_iterator_test {
    use super::*;

    #[test]
    fn test_empty_iterator() {
        let ioloop = system_loop();
        let mut g = WaitIterator::new(Vec::<std::future::Ready<()>>::new());
        assert!(g.done(), "empty iterator is done");
        assert_eq!(g.current_index(), None);
        assert!(ioloop.run_sync(g.next(), GUARD).unwrap().is_none());
        assert_eq!(g.current_index(), None);
    }

    #[test]
    fn test_already_done() {
        // Futures that are ready come out in the order given.
        let ioloop = system_loop();
        let mut g = WaitIterator::new([24, 42, 84].map(std::future::ready));
        let mut seen = Vec::new();
        ioloop
            .run_sync(
                async {
                    while !g.done() {
                        let (index, value) = g.next().await.unwrap();
                        assert_eq!(g.current_index(), Some(index));
                        seen.push((index, value));
                    }
                    assert!(g.next().await.is_none());
                },
                GUARD,
            )
            .unwrap();
        assert_eq!(seen, vec![(0, 24), (1, 42), (2, 84)]);
    }

    #[test]
    fn test_iterator() {
        // Futures resolved by a chain of callbacks: the third on iteration
        // 3, the first (with an error) on 5, the second and fourth on 8.
        let ioloop = system_loop();
        let promises: Vec<Promise<Result<i32, &str>>> = (0..4).map(|_| Promise::new()).collect();
        fn finish(iteration: u32, promises: Vec<Promise<Result<i32, &'static str>>>) {
            match iteration {
                3 => promises[2].set(Ok(24)),
                5 => promises[0].set(Err("ZeroDivisionError")),
                8 => {
                    promises[1].set(Ok(42));
                    promises[3].set(Ok(84));
                }
                _ => {}
            }
            if iteration < 8 {
                IoLoop::current().add_callback(move || finish(iteration + 1, promises));
            }
        }
        let futures: Vec<_> = promises.iter().map(Promise::wait).collect();
        finish(0, promises);
        let seen = ioloop
            .run_sync(
                async {
                    let mut g = WaitIterator::new(futures);
                    let mut seen = Vec::new();
                    while let Some((index, result)) = g.next().await {
                        assert_eq!(g.current_index(), Some(index));
                        seen.push((index, result));
                    }
                    assert!(g.done());
                    seen
                },
                GUARD,
            )
            .unwrap();
        assert_eq!(
            seen,
            vec![
                (2, Ok(24)),
                (0, Err("ZeroDivisionError")),
                (1, Ok(42)),
                (3, Ok(84)),
            ]
        );
    }

    #[test]
    fn test_no_ref() {
        // Only the future returned by next() is held, not the iterator.
        let ioloop = system_loop();
        let out = ioloop
            .run_sync(
                async {
                    r#gen::with_timeout(
                        ms(100),
                        WaitIterator::new([r#gen::sleep(Duration::ZERO)]).next(),
                    )
                    .await
                },
                GUARD,
            )
            .unwrap();
        assert_eq!(out.unwrap(), Some((0, ())));
    }

    #[test]
    fn test_timers_in_order() {
        // Not a Python test: sleeps of different lengths come out in the
        // order they end, on a manual clock.
        let _w = Watchdog::new("wait_iterator_test::test_timers_in_order");
        let (ioloop, clock) = manual_loop();
        let order = drive(&ioloop, &clock, ms(1), async {
            let mut it = WaitIterator::new([30u64, 10, 20].map(|n| async move {
                r#gen::sleep(ms(n)).await;
                n
            }));
            let mut order = Vec::new();
            while let Some((index, n)) = it.next().await {
                order.push((index, n));
            }
            order
        });
        assert_eq!(order, vec![(1, 10), (2, 20), (0, 30)]);
    }
}

mod runner_gc_test {
    use super::*;

    #[test]
    fn test_gc_infinite_coro() {
        // A task that never ends is dropped (its finalizer runs) when its
        // loop closes.
        let _w = Watchdog::new("runner_gc_test::test_gc_infinite_coro");
        let (ioloop, clock) = manual_loop();
        let result = Rc::new(RefCell::new(Vec::new()));
        struct Finalizer(Rc<RefCell<Vec<&'static str>>>);
        impl Drop for Finalizer {
            fn drop(&mut self) {
                self.0.borrow_mut().push("finalized");
            }
        }
        let task = ioloop.spawn({
            let result = result.clone();
            async move {
                let _finalizer = Finalizer(result.clone());
                loop {
                    r#gen::sleep(ms(1)).await;
                    result.borrow_mut().push("woke");
                }
            }
        });
        ioloop
            .run_sync(advance_steps(&clock, ms(1), 5), None)
            .unwrap();
        assert!(result.borrow().len() >= 2);
        assert!(!result.borrow().contains(&"finalized"));
        ioloop.close().unwrap();
        assert_eq!(result.borrow().last(), Some(&"finalized"));
        assert!(task.is_finished());
    }

    #[test]
    fn test_multi_moment() {
        let ioloop = system_loop();
        let result = ioloop
            .run_sync(r#gen::multi([r#gen::moment(), r#gen::moment()]), GUARD)
            .unwrap();
        assert_eq!(result, vec![(), ()]);
    }
}
