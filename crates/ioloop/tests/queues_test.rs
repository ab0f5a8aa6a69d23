//! Mirrors `tornado/test/queues_test.py`: `Queue`, `PriorityQueue`,
//! `LifoQueue`, `task_done`/`join`, producer and consumer.
//!
//! Python's `q.get()` and `q.put(x)` register a waiter when called; a Rust
//! future registers on its first poll, so these tests spawn the waiter and
//! let the loop run it (`settle`). Timeouts run on a manual clock.
//! Python's tests peek at `q._getters`/`q._putters`; here the counts come
//! from the queue's `Debug` output.

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use common::*;
use tornado_ioloop::queues::{LifoQueue, PriorityQueue, Queue};
use tornado_ioloop::{ErrorKind, IoLoop, JoinHandle, QueueFull, r#gen};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// `getters: N` / `putters: N` as the queue's Debug output reports them.
fn waiting(q: &impl std::fmt::Debug, what: &str) -> usize {
    let repr = format!("{q:?}");
    let start = repr.find(&format!("{what}: ")).expect(what) + what.len() + 2;
    repr[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

fn getters(q: &impl std::fmt::Debug) -> usize {
    waiting(q, "getters")
}

fn putters(q: &impl std::fmt::Debug) -> usize {
    waiting(q, "putters")
}

/// Spawns a task putting `item` (Python's bare `q.put(item)`).
fn put_task(q: &Rc<Queue<i32>>, item: i32) -> JoinHandle<()> {
    let q = q.clone();
    IoLoop::current().spawn(async move { q.put(item).await })
}

/// Spawns a task getting an item (Python's bare `q.get()`).
fn get_task(q: &Rc<Queue<i32>>) -> JoinHandle<i32> {
    let q = q.clone();
    IoLoop::current().spawn(async move { q.get().await })
}

mod queue_basic_test {
    use super::*;

    #[test]
    fn test_repr_and_str() {
        let (ioloop, _clock) = manual_loop();
        let q = Rc::new(Queue::<Option<()>>::new(1));
        let repr = format!("{q:?}");
        assert!(repr.starts_with("Queue"), "{repr}");
        assert!(repr.contains("maxsize: 1"), "{repr}");
        ioloop
            .run_sync(
                async {
                    let getter = IoLoop::current().spawn({
                        let q = q.clone();
                        async move { q.get().await }
                    });
                    settle().await;
                    assert_eq!(getters(&*q), 1);
                    assert_eq!(putters(&*q), 0);
                    assert!(format!("{q:?}").contains("unfinished_tasks: 0"));
                    q.put_nowait(None).unwrap(); // to the getter
                    getter.await.unwrap();
                    q.put_nowait(None).unwrap();
                    // Now the queue is full: this putter waits.
                    let _putter = IoLoop::current().spawn({
                        let q = q.clone();
                        async move { q.put(None).await }
                    });
                    settle().await;
                    assert_eq!(getters(&*q), 0);
                    assert_eq!(putters(&*q), 1);
                    assert!(format!("{q:?}").contains("unfinished_tasks: 2"));
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_order() {
        let q = Queue::new(0);
        for i in [1, 3, 2] {
            q.put_nowait(i).unwrap();
        }
        let items: Vec<i32> = (0..3).map(|_| q.get_nowait().unwrap()).collect();
        assert_eq!(items, vec![1, 3, 2]);
    }

    #[test]
    fn test_maxsize() {
        let (ioloop, _clock) = manual_loop();
        let q = Rc::new(Queue::new(2));
        assert!(q.empty());
        assert!(!q.full());
        assert_eq!(q.maxsize(), 2);
        ioloop
            .run_sync(
                async {
                    let put0 = put_task(&q, 0);
                    let put1 = put_task(&q, 1);
                    settle().await;
                    assert!(put0.is_finished() && put1.is_finished());
                    assert!(!q.empty());
                    assert!(q.full());
                    let put2 = put_task(&q, 2);
                    settle().await;
                    assert!(!put2.is_finished());
                    assert_eq!(q.get().await, 0); // make room
                    settle().await;
                    assert!(put2.is_finished());
                    assert!(!q.empty());
                    assert!(q.full());
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_unbounded() {
        // Not in Python's suite: maxsize 0 is unbounded.
        let q = Queue::new(0);
        for i in 0..10_000 {
            q.put_nowait(i).unwrap();
        }
        assert!(!q.full());
        assert_eq!(q.qsize(), 10_000);
    }
}

mod queue_get_test {
    use super::*;

    #[test]
    fn test_blocking_get() {
        let (ioloop, _clock) = manual_loop();
        let q = Queue::new(0);
        q.put_nowait(0).unwrap();
        assert_eq!(ioloop.run_sync(q.get(), None).unwrap(), 0);
    }

    #[test]
    fn test_nonblocking_get() {
        let q = Queue::new(0);
        q.put_nowait(0).unwrap();
        assert_eq!(q.get_nowait().unwrap(), 0);
    }

    #[test]
    fn test_nonblocking_get_exception() {
        let q = Queue::<i32>::new(0);
        let err = q.get_nowait().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::QueueEmpty);
    }

    #[test]
    fn test_get_with_putters() {
        let (ioloop, _clock) = manual_loop();
        let q = Rc::new(Queue::new(1));
        q.put_nowait(0).unwrap();
        ioloop
            .run_sync(
                async {
                    let put = put_task(&q, 1);
                    settle().await;
                    assert_eq!(q.get().await, 0);
                    put.await.unwrap();
                    assert_eq!(q.get_nowait().unwrap(), 1);
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_blocking_get_wait() {
        let _w = Watchdog::new("queue_get_test::test_blocking_get_wait");
        let (ioloop, clock) = manual_loop();
        let q = Rc::new(Queue::new(0));
        ioloop
            .run_sync(
                async {
                    put_task(&q, 0);
                    for (delay, item) in [(10, 1), (20, 2)] {
                        let q = q.clone();
                        IoLoop::current()
                            .call_later(ms(delay), move || q.put_nowait(item).unwrap());
                    }
                    let one_second = Duration::from_secs(1);
                    assert_eq!(q.get_timeout(one_second).await.unwrap(), 0);
                    let second = IoLoop::current().spawn({
                        let q = q.clone();
                        async move { q.get_timeout(one_second).await }
                    });
                    advance(&clock, ms(10)).await;
                    assert_eq!(second.await.unwrap().unwrap(), 1);
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_get_timeout() {
        let _w = Watchdog::new("queue_get_test::test_get_timeout");
        let (ioloop, clock) = manual_loop();
        let q = Rc::new(Queue::new(0));
        ioloop
            .run_sync(
                async {
                    let get_timeout = IoLoop::current().spawn({
                        let q = q.clone();
                        async move { q.get_timeout(ms(10)).await }
                    });
                    let get = get_task(&q);
                    settle().await;
                    advance(&clock, ms(10)).await;
                    assert!(get_timeout.await.unwrap().unwrap_err().is_timeout());
                    q.put_nowait(0).unwrap();
                    assert_eq!(get.await.unwrap(), 0);
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_get_zero_timeout() {
        let (ioloop, _clock) = manual_loop();
        let q = Queue::<i32>::new(0);
        ioloop
            .run_sync(
                async {
                    assert!(
                        q.get_timeout(Duration::ZERO)
                            .await
                            .unwrap_err()
                            .is_timeout()
                    );
                    let now = IoLoop::current().time();
                    assert!(q.get_timeout(now).await.unwrap_err().is_timeout());
                },
                None,
            )
            .unwrap();
        assert_eq!(getters(&q), 0);
    }

    #[test]
    fn test_get_timeout_preempted() {
        let _w = Watchdog::new("queue_get_test::test_get_timeout_preempted");
        let (ioloop, clock) = manual_loop();
        let q = Rc::new(Queue::new(0));
        ioloop
            .run_sync(
                async {
                    let get = IoLoop::current().spawn({
                        let q = q.clone();
                        async move { q.get_timeout(ms(10)).await }
                    });
                    settle().await;
                    put_task(&q, 0);
                    advance(&clock, ms(20)).await;
                    assert_eq!(get.await.unwrap().unwrap(), 0);
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_get_clears_timed_out_putters() {
        // Timed-out putters leave the queue as they time out (Tornado clears
        // them lazily on the next get or put).
        let _w = Watchdog::new("queue_get_test::test_get_clears_timed_out_putters");
        let (ioloop, clock) = manual_loop();
        let q = Rc::new(Queue::new(1));
        ioloop
            .run_sync(
                async {
                    // The first putter succeeds, the rest wait.
                    let putters_: Vec<_> = (0..10)
                        .map(|i| {
                            let q = q.clone();
                            IoLoop::current().spawn(async move { q.put_timeout(i, ms(10)).await })
                        })
                        .collect();
                    let put = put_task(&q, 10);
                    settle().await;
                    assert_eq!(putters(&*q), 10);
                    advance(&clock, ms(20)).await;
                    assert_eq!(putters(&*q), 1);
                    assert!(!put.is_finished()); // the final waiter is still active
                    put_task(&q, 11);
                    settle().await;
                    assert_eq!(putters(&*q), 2);
                    assert_eq!(q.get().await, 0);
                    assert_eq!(putters(&*q), 1);
                    let mut results = r#gen::multi(putters_).await.into_iter();
                    results.next().unwrap().unwrap().unwrap();
                    for r in results {
                        assert!(r.unwrap().unwrap_err().is_timeout());
                    }
                    // Item 10 moved into the queue when 0 was taken.
                    assert_eq!(q.get_nowait().unwrap(), 10);
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_get_clears_timed_out_getters() {
        let _w = Watchdog::new("queue_get_test::test_get_clears_timed_out_getters");
        let (ioloop, clock) = manual_loop();
        let q = Rc::new(Queue::<i32>::new(0));
        ioloop
            .run_sync(
                async {
                    let getters_: Vec<_> = (0..10)
                        .map(|_| {
                            let q = q.clone();
                            IoLoop::current().spawn(async move { q.get_timeout(ms(10)).await })
                        })
                        .collect();
                    let get = get_task(&q);
                    settle().await;
                    assert_eq!(getters(&*q), 11);
                    advance(&clock, ms(20)).await;
                    assert_eq!(getters(&*q), 1);
                    assert!(!get.is_finished()); // the final waiter is still active
                    get_task(&q);
                    settle().await;
                    assert_eq!(getters(&*q), 2);
                    for g in r#gen::multi(getters_).await {
                        assert!(g.unwrap().unwrap_err().is_timeout());
                    }
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_async_for() {
        let (ioloop, _clock) = manual_loop();
        let q = Rc::new(Queue::new(0));
        let results = ioloop
            .run_sync(
                async {
                    for i in 0..5 {
                        put_task(&q, i);
                    }
                    let mut results = Vec::new();
                    while let Some(i) = q.next().await {
                        results.push(i);
                        if i == 4 {
                            break;
                        }
                    }
                    results
                },
                None,
            )
            .unwrap();
        assert_eq!(results, vec![0, 1, 2, 3, 4]);
    }
}

mod queue_put_test {
    use super::*;

    #[test]
    fn test_blocking_put() {
        let (ioloop, _clock) = manual_loop();
        let q = Queue::new(0);
        ioloop.run_sync(q.put(0), None).unwrap();
        assert_eq!(q.get_nowait().unwrap(), 0);
    }

    #[test]
    fn test_nonblocking_put_exception() {
        let q = Queue::new(1);
        q.put_nowait(0).unwrap();
        let QueueFull(item) = q.put_nowait(1).unwrap_err();
        assert_eq!(item, 1, "the rejected item is handed back");
        let err: tornado_ioloop::Error = QueueFull(2).into();
        assert_eq!(err.kind(), ErrorKind::QueueFull);
    }

    #[test]
    fn test_put_with_getters() {
        let (ioloop, _clock) = manual_loop();
        let q = Rc::new(Queue::new(0));
        ioloop
            .run_sync(
                async {
                    let get0 = get_task(&q);
                    let get1 = get_task(&q);
                    settle().await;
                    q.put(0).await;
                    assert_eq!(get0.await.unwrap(), 0);
                    q.put(1).await;
                    assert_eq!(get1.await.unwrap(), 1);
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_nonblocking_put_with_getters() {
        let (ioloop, _clock) = manual_loop();
        let q = Rc::new(Queue::new(0));
        ioloop
            .run_sync(
                async {
                    let get0 = get_task(&q);
                    let get1 = get_task(&q);
                    settle().await;
                    q.put_nowait(0).unwrap();
                    // put_nowait does not run the getter at once.
                    assert!(!get0.is_finished());
                    r#gen::moment().await;
                    assert_eq!(get0.await.unwrap(), 0);
                    q.put_nowait(1).unwrap();
                    r#gen::moment().await;
                    assert_eq!(get1.await.unwrap(), 1);
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_blocking_put_wait() {
        let _w = Watchdog::new("queue_put_test::test_blocking_put_wait");
        let (ioloop, clock) = manual_loop();
        let q = Rc::new(Queue::new(1));
        q.put_nowait(0).unwrap();
        for delay in [10, 20] {
            let q = q.clone();
            ioloop.call_later(ms(delay), move || {
                q.get_nowait().unwrap();
            });
        }
        ioloop
            .run_sync(
                async {
                    let puts = [put_task(&q, 0), put_task(&q, 1)];
                    settle().await;
                    assert!(!puts.iter().any(JoinHandle::is_finished));
                    advance(&clock, ms(10)).await;
                    assert!(puts[0].is_finished() && !puts[1].is_finished());
                    advance(&clock, ms(10)).await;
                    for p in r#gen::multi(puts).await {
                        p.unwrap();
                    }
                },
                None,
            )
            .unwrap();
        assert_eq!(q.get_nowait().unwrap(), 1);
    }

    #[test]
    fn test_put_timeout() {
        let _w = Watchdog::new("queue_put_test::test_put_timeout");
        let (ioloop, clock) = manual_loop();
        let q = Rc::new(Queue::new(1));
        q.put_nowait(0).unwrap(); // now it is full
        ioloop
            .run_sync(
                async {
                    let put_timeout = IoLoop::current().spawn({
                        let q = q.clone();
                        async move { q.put_timeout(1, ms(10)).await }
                    });
                    let put = put_task(&q, 2);
                    settle().await;
                    advance(&clock, ms(10)).await;
                    assert!(put_timeout.await.unwrap().unwrap_err().is_timeout());
                    assert_eq!(q.get_nowait().unwrap(), 0);
                    // 1 was never put in the queue.
                    assert_eq!(q.get().await, 2);
                    // The final get() unblocked this putter.
                    put.await.unwrap();
                    assert!(q.empty());
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_put_timeout_preempted() {
        let _w = Watchdog::new("queue_put_test::test_put_timeout_preempted");
        let (ioloop, clock) = manual_loop();
        let q = Rc::new(Queue::new(1));
        q.put_nowait(0).unwrap();
        ioloop
            .run_sync(
                async {
                    let put = IoLoop::current().spawn({
                        let q = q.clone();
                        async move { q.put_timeout(1, ms(10)).await }
                    });
                    settle().await;
                    get_task(&q);
                    advance(&clock, ms(20)).await;
                    put.await.unwrap().unwrap(); // no timeout
                    assert_eq!(q.get_nowait().unwrap(), 1);
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_put_clears_timed_out_putters() {
        let _w = Watchdog::new("queue_put_test::test_put_clears_timed_out_putters");
        let (ioloop, clock) = manual_loop();
        let q = Rc::new(Queue::new(1));
        ioloop
            .run_sync(
                async {
                    let timed: Vec<_> = (0..10)
                        .map(|i| {
                            let q = q.clone();
                            IoLoop::current().spawn(async move { q.put_timeout(i, ms(10)).await })
                        })
                        .collect();
                    let put = put_task(&q, 10);
                    settle().await;
                    assert_eq!(putters(&*q), 10);
                    advance(&clock, ms(20)).await;
                    assert_eq!(putters(&*q), 1);
                    assert!(!put.is_finished());
                    put_task(&q, 11);
                    settle().await;
                    assert_eq!(putters(&*q), 2);
                    let mut results = r#gen::multi(timed).await.into_iter();
                    results.next().unwrap().unwrap().unwrap();
                    for r in results {
                        assert!(r.unwrap().unwrap_err().is_timeout());
                    }
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_put_clears_timed_out_getters() {
        let _w = Watchdog::new("queue_put_test::test_put_clears_timed_out_getters");
        let (ioloop, clock) = manual_loop();
        let q = Rc::new(Queue::new(0));
        ioloop
            .run_sync(
                async {
                    let timed: Vec<_> = (0..10)
                        .map(|_| {
                            let q = q.clone();
                            IoLoop::current().spawn(async move { q.get_timeout(ms(10)).await })
                        })
                        .collect();
                    let get = get_task(&q);
                    let _get2 = get_task(&q);
                    settle().await;
                    assert_eq!(getters(&*q), 12);
                    advance(&clock, ms(20)).await;
                    assert_eq!(getters(&*q), 2);
                    assert!(!get.is_finished());
                    q.put(0).await;
                    assert_eq!(getters(&*q), 1);
                    assert_eq!(get.await.unwrap(), 0);
                    for g in r#gen::multi(timed).await {
                        assert!(g.unwrap().unwrap_err().is_timeout());
                    }
                },
                None,
            )
            .unwrap();
    }

    #[test]
    fn test_aborted_getter_passes_item_on() {
        // Not in Python's suite: an item handed to a getter that is dropped
        // before it runs goes to the next getter, not lost.
        let (ioloop, _clock) = manual_loop();
        let q = Rc::new(Queue::new(0));
        ioloop
            .run_sync(
                async {
                    let first = get_task(&q);
                    let second = get_task(&q);
                    settle().await;
                    q.put_nowait(7).unwrap();
                    first.abort();
                    assert_eq!(second.await.unwrap(), 7);
                },
                None,
            )
            .unwrap();
        assert_eq!(q.unfinished_tasks(), 1);
    }
}

/// `QueueJoinTest` and its subclasses for the three queue kinds.
macro_rules! queue_join_tests {
    ($module:ident, $queue:ident) => {
        mod $module {
            use super::*;

            fn new_queue() -> Rc<$queue<i32>> {
                Rc::new($queue::new(0))
            }

            #[test]
            fn test_task_done_underflow() {
                let q = new_queue();
                let err = q.task_done().unwrap_err();
                assert_eq!(err.kind(), ErrorKind::TooManyReleases);
            }

            #[test]
            fn test_task_done() {
                let _w = Watchdog::new(concat!(stringify!($module), "::test_task_done"));
                let (ioloop, clock) = manual_loop();
                let q = new_queue();
                for i in 0..100 {
                    q.put_nowait(i).unwrap();
                }
                let accumulator = Rc::new(Cell::new(0));
                // Two workers share the work, sleeping varied times.
                for worker in 0..2u64 {
                    let (q, accumulator) = (q.clone(), accumulator.clone());
                    ioloop.spawn(async move {
                        let mut n = worker;
                        loop {
                            let item = q.get().await;
                            accumulator.set(accumulator.get() + item);
                            q.task_done().unwrap();
                            n = (n * 7 + 3) % 11;
                            r#gen::sleep(Duration::from_millis(n)).await;
                        }
                    });
                }
                drive(&ioloop, &clock, Duration::from_millis(1), q.join());
                assert_eq!(accumulator.get(), (0..100).sum::<i32>());
                assert_eq!(q.unfinished_tasks(), 0);
            }

            #[test]
            fn test_task_done_delay() {
                // It is task_done(), not get(), that unblocks join().
                let (ioloop, _clock) = manual_loop();
                let q = new_queue();
                q.put_nowait(0).unwrap();
                ioloop
                    .run_sync(
                        async {
                            let join = IoLoop::current().spawn({
                                let q = q.clone();
                                async move { q.join().await }
                            });
                            settle().await;
                            assert!(!join.is_finished());
                            q.get().await;
                            settle().await;
                            assert!(!join.is_finished());
                            q.task_done().unwrap();
                            settle().await;
                            assert!(join.is_finished());
                        },
                        None,
                    )
                    .unwrap();
            }

            #[test]
            fn test_join_empty_queue() {
                let (ioloop, _clock) = manual_loop();
                let q = new_queue();
                ioloop
                    .run_sync(
                        async {
                            q.join().await;
                            q.join().await;
                        },
                        None,
                    )
                    .unwrap();
            }

            #[test]
            fn test_join_timeout() {
                let _w = Watchdog::new(concat!(stringify!($module), "::test_join_timeout"));
                let (ioloop, clock) = manual_loop();
                let q = new_queue();
                q.put_nowait(0).unwrap();
                let join = ioloop.spawn({
                    let q = q.clone();
                    async move { q.join_timeout(Duration::from_millis(10)).await }
                });
                ioloop
                    .run_sync(
                        async {
                            advance(&clock, Duration::from_millis(10)).await;
                            assert!(join.await.unwrap().unwrap_err().is_timeout());
                        },
                        None,
                    )
                    .unwrap();
            }
        }
    };
}

queue_join_tests!(queue_join_test, Queue);
queue_join_tests!(priority_queue_join_test, PriorityQueue);
queue_join_tests!(lifo_queue_join_test, LifoQueue);

mod priority_queue_order {
    use super::*;

    #[test]
    fn test_order() {
        // PriorityQueueJoinTest.test_order
        let (ioloop, _clock) = manual_loop();
        let q = Rc::new(PriorityQueue::new(2));
        q.put_nowait((1, "a")).unwrap();
        q.put_nowait((0, "b")).unwrap();
        assert!(q.full());
        ioloop
            .run_sync(
                async {
                    for item in [(3, "c"), (2, "d")] {
                        let q = q.clone();
                        IoLoop::current().spawn(async move { q.put(item).await });
                    }
                    settle().await;
                    assert_eq!(q.get_nowait().unwrap(), (0, "b"));
                    assert_eq!(q.get().await, (1, "a"));
                    assert_eq!(q.get_nowait().unwrap(), (2, "d"));
                    assert_eq!(q.get().await, (3, "c"));
                    assert!(q.empty());
                },
                None,
            )
            .unwrap();
    }
}

mod lifo_queue_order {
    use super::*;

    #[test]
    fn test_order() {
        // LifoQueueJoinTest.test_order: a waiting putter's item goes in
        // before the next get takes the newest item.
        let (ioloop, _clock) = manual_loop();
        let q = Rc::new(LifoQueue::new(2));
        q.put_nowait(1).unwrap();
        q.put_nowait(0).unwrap();
        assert!(q.full());
        ioloop
            .run_sync(
                async {
                    for item in [3, 2] {
                        let q = q.clone();
                        IoLoop::current().spawn(async move { q.put(item).await });
                    }
                    settle().await;
                    assert_eq!(q.get_nowait().unwrap(), 3);
                    assert_eq!(q.get().await, 2);
                    assert_eq!(q.get_nowait().unwrap(), 0);
                    assert_eq!(q.get().await, 1);
                    assert!(q.empty());
                },
                None,
            )
            .unwrap();
    }
}

mod producer_consumer_test {
    use super::*;

    #[test]
    fn test_producer_consumer() {
        let (ioloop, _clock) = manual_loop();
        let q = Rc::new(Queue::new(3));
        let history = Rc::new(RefCell::new(Vec::new()));
        // No yield between get() and task_done(): get() must wait for the
        // next turn, or join() would resolve before put() resumes.
        ioloop.spawn({
            let (q, history) = (q.clone(), history.clone());
            async move {
                loop {
                    let item = q.get().await;
                    history.borrow_mut().push(item);
                    q.task_done().unwrap();
                }
            }
        });
        ioloop
            .run_sync(
                async {
                    let producer = IoLoop::current().spawn({
                        let q = q.clone();
                        async move {
                            for item in 0..10 {
                                q.put(item).await;
                            }
                        }
                    });
                    producer.await.unwrap();
                    q.join().await;
                },
                None,
            )
            .unwrap();
        assert_eq!(*history.borrow(), (0..10).collect::<Vec<_>>());
    }
}
