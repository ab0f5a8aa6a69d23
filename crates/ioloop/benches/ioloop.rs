//! The event loop side by side with tokio's current-thread runtime.
//!
//! `cargo bench -p tornado-ioloop` (or `cargo xtask bench ioloop`). Each case
//! runs the same work on both; criterion measures each, and the summary at
//! the end prints both medians and the ratio (tokio time / ours: above 1 means
//! we are faster) as a Markdown table for `docs/benchmarks.md`.

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::cell::Cell;
use std::io::{Read, Write};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Waker};
use std::time::Duration;

use criterion::{Criterion, criterion_group};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tornado_ioloop::queues::Queue;
use tornado_ioloop::{IoLoop, IoSource, r#gen};

const SPAWNS: usize = 100_000;
const WAKEUPS: usize = 1_000_000;
const TIMERS: usize = 100_000;
const CALLBACKS: usize = 100_000;
const PAIRS: usize = 64;
const BOUNCES: usize = 100_000;

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

// --- 1. spawn and complete empty tasks ----------------------------------------

fn spawn_ours(ioloop: &IoLoop) {
    ioloop
        .run_sync(
            async {
                let handles: Vec<_> = (0..SPAWNS).map(|_| ioloop.spawn(async {})).collect();
                for h in handles {
                    h.await.expect("task");
                }
            },
            None,
        )
        .expect("run");
}

fn spawn_tokio(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let handles: Vec<_> = (0..SPAWNS).map(|_| tokio::spawn(async {})).collect();
        for h in handles {
            h.await.expect("task");
        }
    });
}

// --- 2. ping-pong wake-ups through one-slot queues ---------------------------

fn pingpong_ours(ioloop: &IoLoop) {
    ioloop
        .run_sync(
            async {
                let ping = Rc::new(Queue::new(1));
                let pong = Rc::new(Queue::new(1));
                let echo = ioloop.spawn({
                    let (ping, pong) = (ping.clone(), pong.clone());
                    async move {
                        for _ in 0..WAKEUPS / 2 {
                            let v: usize = ping.get().await;
                            pong.put(v).await;
                        }
                    }
                });
                for i in 0..WAKEUPS / 2 {
                    ping.put(i).await;
                    pong.get().await;
                }
                echo.await.expect("echo");
            },
            None,
        )
        .expect("run");
}

fn pingpong_tokio(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let (ping_tx, mut ping_rx) = tokio::sync::mpsc::channel::<usize>(1);
        let (pong_tx, mut pong_rx) = tokio::sync::mpsc::channel::<usize>(1);
        let echo = tokio::spawn(async move {
            for _ in 0..WAKEUPS / 2 {
                let v = ping_rx.recv().await.expect("ping");
                pong_tx.send(v).await.expect("pong");
            }
        });
        for i in 0..WAKEUPS / 2 {
            ping_tx.send(i).await.expect("ping");
            pong_rx.recv().await.expect("pong");
        }
        echo.await.expect("echo");
    });
}

// --- 3. timers ------------------------------------------------------------------

fn timers_fire_ours(ioloop: &IoLoop) {
    let fired = Rc::new(Cell::new(0usize));
    let deadline = ioloop.time() + Duration::from_millis(1);
    for _ in 0..TIMERS {
        let fired = fired.clone();
        ioloop.call_at(deadline, move || fired.set(fired.get() + 1));
    }
    ioloop
        .run_sync(
            async {
                while fired.get() < TIMERS {
                    r#gen::sleep(Duration::from_millis(1)).await;
                }
            },
            None,
        )
        .expect("run");
}

fn timers_fire_tokio(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(1);
        let fired = Rc::new(Cell::new(0usize));
        let local = tokio::task::LocalSet::new();
        for _ in 0..TIMERS {
            let fired = fired.clone();
            local.spawn_local(async move {
                tokio::time::sleep_until(deadline).await;
                fired.set(fired.get() + 1);
            });
        }
        local.await;
        assert_eq!(fired.get(), TIMERS);
    });
}

fn timers_cancel_ours(ioloop: &IoLoop) {
    let timeouts: Vec<_> = (0..TIMERS)
        .map(|i| ioloop.call_later(Duration::from_secs(1 + i as u64 % 60), || {}))
        .collect();
    for t in timeouts {
        ioloop.remove_timeout(t);
    }
    assert_eq!(ioloop.pending_timers(), 0);
}

fn timers_cancel_tokio(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        // A tokio timer is scheduled when its Sleep is first polled.
        let mut cx = Context::from_waker(Waker::noop());
        let mut sleeps: Vec<_> = (0..TIMERS)
            .map(|i| Box::pin(tokio::time::sleep(Duration::from_secs(1 + i as u64 % 60))))
            .collect();
        for s in &mut sleeps {
            assert!(s.as_mut().poll(&mut cx).is_pending());
        }
        drop(sleeps);
    });
}

use std::future::Future;

// --- 4. callbacks from another thread ---------------------------------------------

fn remote_callbacks_ours(ioloop: &IoLoop) {
    let count = Arc::new(AtomicUsize::new(0));
    let handle = ioloop.handle();
    let sender = {
        let count = count.clone();
        std::thread::spawn(move || {
            for _ in 0..CALLBACKS {
                let count = count.clone();
                handle.add_callback(move || {
                    if count.fetch_add(1, Ordering::Relaxed) + 1 == CALLBACKS {
                        IoLoop::current().stop();
                    }
                });
            }
        })
    };
    ioloop.start().expect("run");
    assert_eq!(count.load(Ordering::Relaxed), CALLBACKS);
    sender.join().expect("sender");
}

type Job = Box<dyn FnOnce() + Send>;

fn remote_callbacks_tokio(rt: &tokio::runtime::Runtime) {
    let count = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Job>();
    let sender = {
        let count = count.clone();
        std::thread::spawn(move || {
            for _ in 0..CALLBACKS {
                let count = count.clone();
                let _ = tx.send(Box::new(move || {
                    count.fetch_add(1, Ordering::Relaxed);
                }));
            }
        })
    };
    rt.block_on(async {
        while let Some(job) = rx.recv().await {
            job();
        }
    });
    assert_eq!(count.load(Ordering::Relaxed), CALLBACKS);
    sender.join().expect("sender");
}

// --- 5. readiness: 1-byte bounces over socket pairs ----------------------------

fn bounce_ours(ioloop: &IoLoop) {
    ioloop
        .run_sync(
            async {
                let mut tasks = Vec::new();
                for _ in 0..PAIRS {
                    let (a, b) = mio::net::UnixStream::pair().expect("pair");
                    let (a, b) = (IoSource::new(a).expect("a"), IoSource::new(b).expect("b"));
                    // The echo side waits for readiness on its own socket.
                    tasks.push(ioloop.spawn(async move {
                        let mut byte = [0u8; 1];
                        for _ in 0..BOUNCES / PAIRS {
                            b.read_with(|mut s| s.read(&mut byte)).await.expect("read");
                            b.write_with(|mut s| s.write(&byte)).await.expect("write");
                        }
                    }));
                    tasks.push(ioloop.spawn(async move {
                        let mut byte = [0u8; 1];
                        for _ in 0..BOUNCES / PAIRS {
                            a.write_with(|mut s| s.write(b"x")).await.expect("write");
                            a.read_with(|mut s| s.read(&mut byte)).await.expect("read");
                        }
                    }));
                }
                for t in tasks {
                    t.await.expect("pair task");
                }
            },
            None,
        )
        .expect("run");
}

fn bounce_tokio(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..PAIRS {
            let (mut a, mut b) = tokio::net::UnixStream::pair().expect("pair");
            tasks.push(tokio::spawn(async move {
                let mut byte = [0u8; 1];
                for _ in 0..BOUNCES / PAIRS {
                    b.read_exact(&mut byte).await.expect("read");
                    b.write_all(&byte).await.expect("write");
                }
            }));
            tasks.push(tokio::spawn(async move {
                let mut byte = [0u8; 1];
                for _ in 0..BOUNCES / PAIRS {
                    a.write_all(b"x").await.expect("write");
                    a.read_exact(&mut byte).await.expect("read");
                }
            }));
        }
        for t in tasks {
            t.await.expect("pair task");
        }
    });
}

// --- the harness -------------------------------------------------------------------

const CASES: &[(&str, &str)] = &[
    ("spawn_100k", "spawn and complete 100,000 empty tasks"),
    (
        "wakeups_1m",
        "1,000,000 wake-ups ping-ponged through one-slot queues",
    ),
    ("timers_fire_100k", "100,000 timers scheduled then fired"),
    (
        "timers_cancel_100k",
        "100,000 timers scheduled then cancelled",
    ),
    (
        "remote_callbacks_100k",
        "100,000 callbacks from another thread",
    ),
    (
        "bounce_64x100k",
        "64 socket pairs, 100,000 one-byte round trips between two tasks each",
    ),
];

fn benches(c: &mut Criterion) {
    let ioloop = IoLoop::new().expect("loop");
    let rt = tokio_rt();
    macro_rules! case {
        ($name:expr, $ours:expr, $tokio:expr) => {{
            let mut group = c.benchmark_group($name);
            group.bench_function("tornado", |b| b.iter(|| $ours(&ioloop)));
            group.bench_function("tokio", |b| b.iter(|| $tokio(&rt)));
            group.finish();
        }};
    }
    case!("spawn_100k", spawn_ours, spawn_tokio);
    case!("wakeups_1m", pingpong_ours, pingpong_tokio);
    case!("timers_fire_100k", timers_fire_ours, timers_fire_tokio);
    case!(
        "timers_cancel_100k",
        timers_cancel_ours,
        timers_cancel_tokio
    );
    case!(
        "remote_callbacks_100k",
        remote_callbacks_ours,
        remote_callbacks_tokio
    );
    case!("bounce_64x100k", bounce_ours, bounce_tokio);
}

criterion_group! {
    name = group;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = benches
}

/// Reads criterion's median estimate (nanoseconds) for one benchmark.
fn median_ns(group: &str, id: &str) -> Option<f64> {
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../target").to_owned());
    let path = format!("{target}/criterion/{group}/{id}/new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let key = "\"median\":{\"confidence_interval\":";
    let rest = &text[text.find(key)?..];
    let point = &rest[rest.find("\"point_estimate\":")? + 17..];
    let end = point.find([',', '}'])?;
    point[..end].parse().ok()
}

fn summary() {
    println!("\n| case | tornado-ioloop | tokio current-thread | ratio (tokio / ours) |");
    println!("|---|---:|---:|---:|");
    for (group, what) in CASES {
        let (Some(ours), Some(tokio)) = (median_ns(group, "tornado"), median_ns(group, "tokio"))
        else {
            continue;
        };
        println!(
            "| {what} | {:.2} ms | {:.2} ms | {:.2}x |",
            ours / 1e6,
            tokio / 1e6,
            tokio / ours
        );
    }
}

fn main() {
    group();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
