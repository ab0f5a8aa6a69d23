//! Side-by-side benchmarks, each pair in one criterion run:
//!
//! - `is_valid_ip` (glibc's numeric rules, written in Rust) against
//!   `str::parse::<IpAddr>` from the standard library, the stricter parser a
//!   Rust programmer would reach for, and against the system's
//!   `getaddrinfo(AI_NUMERICHOST)` that Tornado calls (through
//!   `ToSocketAddrs`, which also parses literals itself first, so it is
//!   measured on names only).
//! - Accepting 64 connections with `add_accept_handler` on the loop against
//!   a hand-written `mio` poll-and-accept loop.

#![allow(missing_docs)]

use std::cell::Cell;
use std::hint::black_box;
use std::net::{IpAddr, TcpStream, ToSocketAddrs};
use std::rc::Rc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use tornado_ioloop::{IoLoop, r#gen};
use tornado_netutil::{AddressFamily, add_accept_handler, bind_sockets, is_valid_ip};

const INPUTS: &[&str] = &[
    "127.0.0.1",
    "203.0.113.195",
    "2001:db8:85a3::8a2e:370:7334",
    "::ffff:192.0.2.128",
    "not-an-ip.example.com",
    "1.2.3.4, 5.6.7.8",
];

fn bench_is_valid_ip(c: &mut Criterion) {
    let mut group = c.benchmark_group("is_valid_ip");
    group.bench_function("ours", |b| {
        b.iter(|| INPUTS.iter().filter(|s| is_valid_ip(black_box(s))).count())
    });
    group.bench_function("std_parse", |b| {
        b.iter(|| {
            INPUTS
                .iter()
                .filter(|s| black_box(s).parse::<IpAddr>().is_ok())
                .count()
        })
    });
    group.finish();

    // What Tornado pays for a name: a full getaddrinfo call that fails.
    let mut group = c.benchmark_group("is_valid_ip_name");
    group.bench_function("ours", |b| {
        b.iter(|| is_valid_ip(black_box("not-an-ip.invalid")))
    });
    group.bench_function("getaddrinfo", |b| {
        b.iter(|| ("not an ip", 0).to_socket_addrs().is_ok())
    });
    group.finish();
}

const CONNECTIONS: usize = 64;

fn bench_accept(c: &mut Criterion) {
    let mut group = c.benchmark_group("accept_64");
    group.sample_size(20);

    let ioloop = IoLoop::new().unwrap();
    let listener = bind_sockets(0, Some("127.0.0.1"), AddressFamily::Inet, 1024, false)
        .unwrap()
        .remove(0);
    let addr = listener.local_addr().unwrap();
    let count = Rc::new(Cell::new(0usize));
    let _handle = add_accept_handler(&ioloop, mio::net::TcpListener::from_std(listener), {
        let count = count.clone();
        move |stream: TcpStream, _| {
            drop(stream);
            count.set(count.get() + 1);
        }
    })
    .unwrap();
    group.bench_function("add_accept_handler", |b| {
        b.iter(|| {
            count.set(0);
            let clients: Vec<TcpStream> = (0..CONNECTIONS)
                .map(|_| TcpStream::connect(addr).unwrap())
                .collect();
            ioloop
                .run_sync(
                    async {
                        while count.get() < CONNECTIONS {
                            r#gen::moment().await;
                        }
                    },
                    Some(Duration::from_secs(5)),
                )
                .unwrap();
            drop(clients);
        })
    });

    let mut poll = mio::Poll::new().unwrap();
    let mut events = mio::Events::with_capacity(64);
    let std_listener = bind_sockets(0, Some("127.0.0.1"), AddressFamily::Inet, 1024, false)
        .unwrap()
        .remove(0);
    let addr = std_listener.local_addr().unwrap();
    let mut listener = mio::net::TcpListener::from_std(std_listener);
    poll.registry()
        .register(&mut listener, mio::Token(0), mio::Interest::READABLE)
        .unwrap();
    group.bench_function("mio_by_hand", |b| {
        b.iter(|| {
            let clients: Vec<TcpStream> = (0..CONNECTIONS)
                .map(|_| TcpStream::connect(addr).unwrap())
                .collect();
            let mut accepted = 0;
            // The first poll may find the edge already consumed by the
            // previous iteration's drain; accept first, then wait.
            loop {
                while let Ok((stream, _)) = listener.accept() {
                    drop(std::net::TcpStream::from(stream));
                    accepted += 1;
                }
                if accepted >= CONNECTIONS {
                    break;
                }
                poll.poll(&mut events, Some(Duration::from_millis(100)))
                    .unwrap();
            }
            drop(clients);
        })
    });
    group.finish();
}

criterion_group!(benches, bench_is_valid_ip, bench_accept);
criterion_main!(benches);
