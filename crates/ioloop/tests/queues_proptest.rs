//! Property tests of the queues against simple models: what goes in comes
//! out once, in the queue's order, with the counts (`qsize`, `full`,
//! `unfinished_tasks`) and errors (`QueueFull`, `QueueEmpty`) of the model.

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use proptest::prelude::*;
use tornado_ioloop::queues::{LifoQueue, PriorityQueue, Queue};
use tornado_ioloop::{ErrorKind, IoLoop, r#gen};

#[derive(Debug, Clone)]
enum Op {
    Put(u8),
    Get,
    TaskDone,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<u8>().prop_map(Op::Put),
        2 => Just(Op::Get),
        1 => Just(Op::TaskDone),
    ]
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Fifo,
    Lifo,
    Priority,
}

/// The model: a plain list taken from the front, the back, or the minimum.
fn model_take(kind: Kind, items: &mut Vec<u8>) -> Option<u8> {
    if items.is_empty() {
        return None;
    }
    Some(match kind {
        Kind::Fifo => items.remove(0),
        Kind::Lifo => items.pop().unwrap(),
        Kind::Priority => {
            let (i, _) = items.iter().enumerate().min_by_key(|(_, v)| **v).unwrap();
            items.remove(i)
        }
    })
}

fn check_nowait<S: tornado_ioloop::queues::Store<u8>>(
    kind: Kind,
    q: &Queue<u8, S>,
    maxsize: usize,
    ops: &[Op],
) -> Result<(), TestCaseError> {
    let mut items: Vec<u8> = Vec::new();
    let mut unfinished = 0usize;
    for op in ops {
        match op {
            Op::Put(x) => {
                let result = q.put_nowait(*x);
                if maxsize > 0 && items.len() >= maxsize {
                    let rejected = result.unwrap_err().into_inner();
                    prop_assert_eq!(rejected, *x);
                } else {
                    prop_assert!(result.is_ok());
                    items.push(*x);
                    unfinished += 1;
                }
            }
            Op::Get => match model_take(kind, &mut items) {
                Some(expected) => prop_assert_eq!(q.get_nowait().unwrap(), expected),
                None => prop_assert_eq!(q.get_nowait().unwrap_err().kind(), ErrorKind::QueueEmpty),
            },
            Op::TaskDone => {
                let result = q.task_done();
                if unfinished == 0 {
                    prop_assert_eq!(result.unwrap_err().kind(), ErrorKind::TooManyReleases);
                } else {
                    prop_assert!(result.is_ok());
                    unfinished -= 1;
                }
            }
        }
        prop_assert_eq!(q.qsize(), items.len());
        prop_assert_eq!(q.empty(), items.is_empty());
        prop_assert_eq!(q.full(), maxsize > 0 && items.len() >= maxsize);
        prop_assert_eq!(q.unfinished_tasks(), unfinished);
    }
    Ok(())
}

proptest! {
    #[test]
    fn fifo_nowait_matches_model(maxsize in 0usize..5, ops in proptest::collection::vec(op(), 0..80)) {
        check_nowait(Kind::Fifo, &Queue::new(maxsize), maxsize, &ops)?;
    }

    #[test]
    fn lifo_nowait_matches_model(maxsize in 0usize..5, ops in proptest::collection::vec(op(), 0..80)) {
        check_nowait(Kind::Lifo, &LifoQueue::new(maxsize), maxsize, &ops)?;
    }

    #[test]
    fn priority_nowait_matches_model(maxsize in 0usize..5, ops in proptest::collection::vec(op(), 0..80)) {
        check_nowait(Kind::Priority, &PriorityQueue::new(maxsize), maxsize, &ops)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Producers and consumers that sleep varied times on a manual clock
    /// through a queue: every item arrives exactly once (in each producer's
    /// order when there is one consumer), and join() resolves.
    #[test]
    fn producers_consumers_deliver_everything_once(
        maxsize in 0usize..4,
        producers in proptest::collection::vec(proptest::collection::vec(0u64..5, 0..12), 1..4),
        consumer_pauses in proptest::collection::vec(0u64..5, 1..8),
        consumers in 1usize..4,
    ) {
        let _w = common::Watchdog::new("producers_consumers_deliver_everything_once");
        let (ioloop, clock) = common::manual_loop();
        let q = Rc::new(Queue::new(maxsize));
        let got: Rc<RefCell<Vec<(usize, usize)>>> = Rc::new(RefCell::new(Vec::new()));
        for c in 0..consumers {
            let (q, got, pauses) = (q.clone(), got.clone(), consumer_pauses.clone());
            ioloop.spawn(async move {
                let mut n = c;
                loop {
                    let item = q.get().await;
                    got.borrow_mut().push(item);
                    n += 1;
                    r#gen::sleep(Duration::from_millis(pauses[n % pauses.len()])).await;
                    q.task_done().unwrap();
                }
            });
        }
        let tasks: Vec<_> = producers
            .iter()
            .enumerate()
            .map(|(p, pauses)| {
                let (q, pauses) = (q.clone(), pauses.clone());
                IoLoop::current().spawn(async move {
                    for (i, pause) in pauses.into_iter().enumerate() {
                        q.put((p, i)).await;
                        r#gen::sleep(Duration::from_millis(pause)).await;
                    }
                })
            })
            .collect();
        common::drive(&ioloop, &clock, Duration::from_millis(1), async {
            for t in r#gen::multi(tasks).await {
                t.unwrap();
            }
            q.join().await;
        });
        let got = got.borrow();
        let total: usize = producers.iter().map(Vec::len).sum();
        prop_assert_eq!(got.len(), total);
        for (p, pauses) in producers.iter().enumerate() {
            let mut mine: Vec<usize> =
                got.iter().filter(|(q, _)| *q == p).map(|(_, i)| *i).collect();
            // With several consumers, one may record a later item before
            // another records the earlier one it was handed; with one
            // consumer the order is exactly the producer's.
            if consumers > 1 {
                mine.sort_unstable();
            }
            prop_assert_eq!(mine, (0..pauses.len()).collect::<Vec<_>>());
        }
        prop_assert_eq!(q.unfinished_tasks(), 0);
        prop_assert!(q.empty());
    }
}
