//! Side-by-side TCP benchmark: a `tornado-tcpserver` server against a
//! tokio (current-thread) server doing the same work, driven by the same
//! tokio client, in one run.
//!
//! 1. echo: 64-byte lines over 64 connections; round trips per second and
//!    server CPU µs per round trip;
//! 2. bulk: 1 GiB through one connection in 64 KiB writes; MB/s and server
//!    CPU per MB;
//! 3. idle: server RSS growth per idle connection, 5,000 connections (each
//!    server in a fresh child process).
//!
//! Server CPU is the server thread's on-CPU time from
//! `/proc/self/task/TID/schedstat`. Run with
//! `cargo bench -p tornado-tcpserver --bench tcp` (environment:
//! `TCP_BENCH_SECS` for the echo duration, default 3; `TCP_BENCH_BULK_MIB`,
//! default 1024; `TCP_BENCH_BULK_ROUNDS`, default 9, alternating, medians kept;
//! `TCP_BENCH_IDLE`, default 5000; a knob set to 0 skips its benchmark).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tornado_ioloop::IoLoop;
use tornado_iostream::IoStream;
use tornado_tcpserver::{PeerAddr, TcpServer};

const LINE: usize = 64;
const CONNECTIONS: usize = 64;
const CHUNK: usize = 64 * 1024;

/// Reads the bulk servers made; bytes per read tells how each server was
/// paced against the client (fewer, fuller reads cost less per byte).
static BULK_READS: AtomicU64 = AtomicU64::new(0);

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The calling thread's id, from `/proc/thread-self` (`PID/task/TID`).
fn thread_id() -> String {
    let link = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
    link.file_name().unwrap().to_string_lossy().into_owned()
}

/// A thread's on-CPU time so far, in nanoseconds.
fn cpu_ns(tid: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).unwrap();
    text.split_whitespace().next().unwrap().parse().unwrap()
}

/// The process's resident set, in bytes.
fn rss_bytes() -> u64 {
    let text = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Ours,
    Tokio,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Work {
    Echo,
    Bulk,
}

/// A server running on its own thread.
struct Server {
    addr: SocketAddr,
    tid: String,
    accepted: Arc<AtomicUsize>,
    stop: Box<dyn FnOnce() + Send>,
    thread: thread::JoinHandle<()>,
}

impl Server {
    fn shutdown(self) {
        (self.stop)();
        self.thread.join().unwrap();
    }
}

/// Spawns a named thread (the name shows in `perf report --sort comm`).
fn named<F: FnOnce() + Send + 'static>(name: &str, f: F) -> thread::JoinHandle<()> {
    thread::Builder::new().name(name.into()).spawn(f).unwrap()
}

fn start_server(kind: Kind, work: Work) -> Server {
    match kind {
        Kind::Ours => start_ours(work),
        Kind::Tokio => start_tokio(work),
    }
}

fn start_ours(work: Work) -> Server {
    let (tx, rx) = mpsc::channel();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    let thread = named("ours-server", move || {
        let ioloop = IoLoop::new().unwrap();
        let server = TcpServer::new(move |stream: IoStream, _: PeerAddr| {
            counter.fetch_add(1, Ordering::Relaxed);
            async move {
                match work {
                    Work::Echo => loop {
                        let line = stream.read_until(b"\n", None).await?;
                        stream.write(line).await?;
                    },
                    Work::Bulk => {
                        let header = stream.read_bytes(8, false).await?;
                        let total = u64::from_be_bytes(header[..].try_into().unwrap());
                        // Tornado's `read_into` with a reused buffer: the same
                        // shape as the tokio peer's `read` into 64 KiB.
                        let mut buf = vec![0u8; CHUNK];
                        let mut seen = 0u64;
                        while seen < total {
                            seen += stream.read_into(&mut buf, true).await? as u64;
                            BULK_READS.fetch_add(1, Ordering::Relaxed);
                        }
                        stream.write(&b"k"[..]).await?;
                        Ok::<(), tornado_iostream::Error>(())
                    }
                }
            }
        });
        server.listen(0, Some("127.0.0.1")).unwrap();
        let addr = server.local_addrs()[0];
        tx.send((addr, thread_id(), ioloop.handle())).unwrap();
        ioloop.start().unwrap();
        server.stop();
    });
    let (addr, tid, handle) = rx.recv().unwrap();
    Server {
        addr,
        tid,
        accepted,
        stop: Box::new(move || handle.stop()),
        thread,
    }
}

fn start_tokio(work: Work) -> Server {
    let (tx, rx) = mpsc::channel();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = named("tokio-server", move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send((listener.local_addr().unwrap(), thread_id()))
                .unwrap();
            let accept = async {
                loop {
                    let (stream, _) = listener.accept().await.unwrap();
                    counter.fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(async move {
                        let _ = match work {
                            Work::Echo => tokio_echo(stream).await,
                            Work::Bulk => tokio_bulk(stream).await,
                        };
                    });
                }
            };
            tokio::select! {
                _ = accept => {}
                _ = stop_rx => {}
            }
        });
    });
    let (addr, tid) = rx.recv().unwrap();
    Server {
        addr,
        tid,
        accepted,
        stop: Box::new(move || {
            let _ = stop_tx.send(());
        }),
        thread,
    }
}

async fn tokio_echo(stream: tokio::net::TcpStream) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut line = Vec::new();
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        write.write_all(&line).await?;
    }
}

async fn tokio_bulk(mut stream: tokio::net::TcpStream) -> std::io::Result<()> {
    let total = stream.read_u64().await?;
    let mut buf = vec![0u8; CHUNK];
    let mut seen = 0u64;
    while seen < total {
        let n = stream.read(&mut buf).await?;
        BULK_READS.fetch_add(1, Ordering::Relaxed);
        if n == 0 {
            return Ok(());
        }
        seen += n as u64;
    }
    stream.write_all(b"k").await
}

struct EchoResult {
    rps: f64,
    cpu_us_per_rt: f64,
}

/// 64 connections, each sending a 64-byte line and waiting for its echo,
/// for `secs` seconds, from a tokio client on its own thread.
fn run_echo(kind: Kind, secs: u64) -> EchoResult {
    let server = start_server(kind, Work::Echo);
    let addr = server.addr;
    let count = Arc::new(AtomicU64::new(0));
    let measuring = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let client = {
        let (count, measuring, done) = (count.clone(), measuring.clone(), done.clone());
        thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_io()
                .build()
                .unwrap();
            rt.block_on(async move {
                let mut tasks = Vec::new();
                for _ in 0..CONNECTIONS {
                    let (count, measuring, done) = (count.clone(), measuring.clone(), done.clone());
                    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                    stream.set_nodelay(true).unwrap();
                    tasks.push(tokio::spawn(async move {
                        let mut line = [b'x'; LINE];
                        line[LINE - 1] = b'\n';
                        let mut echo = [0u8; LINE];
                        while !done.load(Ordering::Relaxed) {
                            stream.write_all(&line).await.unwrap();
                            stream.read_exact(&mut echo).await.unwrap();
                            if measuring.load(Ordering::Relaxed) {
                                count.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }));
                }
                for t in tasks {
                    t.await.unwrap();
                }
            });
        })
    };
    // Warm up, then measure.
    thread::sleep(Duration::from_millis(500));
    let cpu0 = cpu_ns(&server.tid);
    let t0 = Instant::now();
    measuring.store(true, Ordering::Relaxed);
    thread::sleep(Duration::from_secs(secs));
    measuring.store(false, Ordering::Relaxed);
    let elapsed = t0.elapsed().as_secs_f64();
    let cpu = cpu_ns(&server.tid) - cpu0;
    done.store(true, Ordering::Relaxed);
    client.join().unwrap();
    server.shutdown();
    let n = count.load(Ordering::Relaxed) as f64;
    EchoResult {
        rps: n / elapsed,
        cpu_us_per_rt: cpu as f64 / 1000.0 / n,
    }
}

struct BulkResult {
    mb_per_s: f64,
    cpu_ms_per_gb: f64,
    bytes_per_read: f64,
}

/// `mib` MiB through one connection in 64 KiB writes, blocking client.
fn run_bulk(kind: Kind, mib: u64) -> BulkResult {
    let server = start_server(kind, Work::Bulk);
    let total = mib * 1024 * 1024;
    let mut conn = TcpStream::connect(server.addr).unwrap();
    let chunk = vec![0x5au8; CHUNK];
    BULK_READS.store(0, Ordering::Relaxed);
    let cpu0 = cpu_ns(&server.tid);
    let t0 = Instant::now();
    conn.write_all(&total.to_be_bytes()).unwrap();
    let mut sent = 0u64;
    while sent < total {
        conn.write_all(&chunk).unwrap();
        sent += CHUNK as u64;
    }
    let mut ack = [0u8; 1];
    conn.read_exact(&mut ack).unwrap();
    let elapsed = t0.elapsed().as_secs_f64();
    let cpu = cpu_ns(&server.tid) - cpu0;
    server.shutdown();
    let mb = total as f64 / 1e6;
    BulkResult {
        mb_per_s: mb / elapsed,
        cpu_ms_per_gb: cpu as f64 / 1e6 / (total as f64 / 1e9),
        bytes_per_read: total as f64 / BULK_READS.load(Ordering::Relaxed).max(1) as f64,
    }
}

/// The run with the median CPU per GB.
fn median_bulk(mut runs: Vec<BulkResult>) -> BulkResult {
    runs.sort_by(|a, b| a.cpu_ms_per_gb.total_cmp(&b.cpu_ms_per_gb));
    let mid = runs.len() / 2;
    runs.swap_remove(mid)
}

/// Child process: RSS growth per idle connection; prints the bytes.
fn idle_child(kind: Kind, n: usize) {
    let server = start_server(kind, Work::Echo);
    // Warm up: one connection through a full round trip.
    {
        let mut warm = TcpStream::connect(server.addr).unwrap();
        warm.write_all(b"warm\n").unwrap();
        let mut echo = [0u8; 5];
        warm.read_exact(&mut echo).unwrap();
    }
    thread::sleep(Duration::from_millis(200));
    let before = rss_bytes();
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        conns.push(TcpStream::connect(server.addr).unwrap());
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.accepted.load(Ordering::Relaxed) < n + 1 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    thread::sleep(Duration::from_millis(300));
    let after = rss_bytes();
    let per = after.saturating_sub(before) as f64 / n as f64;
    println!("{per:.0}");
    drop(conns);
    server.shutdown();
}

fn run_idle(kind: Kind, n: usize) -> f64 {
    let exe = std::env::current_exe().unwrap();
    let which = match kind {
        Kind::Ours => "ours",
        Kind::Tokio => "tokio",
    };
    // Both ends of every connection live in the child: raise the soft
    // descriptor limit to the hard one if it is too low.
    let out = Command::new("prlimit")
        .arg(format!("--nofile={}", 2 * n + 256))
        .arg(&exe)
        .args(["--idle-child", which, &n.to_string()])
        .output()
        .or_else(|_| {
            Command::new(&exe)
                .args(["--idle-child", which, &n.to_string()])
                .output()
        })
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().parse().unwrap_or_else(|_| {
        panic!(
            "idle child failed: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--idle-child") {
        let kind = if args[i + 1] == "ours" {
            Kind::Ours
        } else {
            Kind::Tokio
        };
        idle_child(kind, args[i + 2].parse().unwrap());
        return;
    }
    if args.iter().any(|a| a == "--list") {
        println!("tcp: benchmark");
        return;
    }
    let secs = env_or("TCP_BENCH_SECS", 3);
    let mib = env_or("TCP_BENCH_BULK_MIB", 1024);
    let idle = env_or("TCP_BENCH_IDLE", 5000) as usize;

    println!("| benchmark | tornado-rs | tokio | ratio (ours / tokio) |");
    println!("|---|---:|---:|---:|");
    // A knob set to 0 skips its benchmark.
    if secs > 0 {
        let ours = run_echo(Kind::Ours, secs);
        let theirs = run_echo(Kind::Tokio, secs);
        row(
            &format!("echo 64 B x {CONNECTIONS} conns: round trips/s"),
            ours.rps,
            theirs.rps,
        );
        row(
            "echo: server CPU µs per round trip",
            ours.cpu_us_per_rt,
            theirs.cpu_us_per_rt,
        );
    }
    if mib > 0 {
        // Bulk runs alternate between the servers, each going first in turn;
        // the median of each is kept.
        let rounds = env_or("TCP_BENCH_BULK_ROUNDS", 9).max(1);
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            if round % 2 == 0 {
                ours.push(run_bulk(Kind::Ours, mib));
                theirs.push(run_bulk(Kind::Tokio, mib));
            } else {
                theirs.push(run_bulk(Kind::Tokio, mib));
                ours.push(run_bulk(Kind::Ours, mib));
            }
        }
        let (ours, theirs) = (median_bulk(ours), median_bulk(theirs));
        row(
            &format!("bulk {mib} MiB in 64 KiB writes: MB/s"),
            ours.mb_per_s,
            theirs.mb_per_s,
        );
        row(
            "bulk: server CPU ms per GB",
            ours.cpu_ms_per_gb,
            theirs.cpu_ms_per_gb,
        );
        row(
            "bulk: bytes per server read",
            ours.bytes_per_read,
            theirs.bytes_per_read,
        );
    }
    if idle > 0 {
        row(
            &format!("idle: server RSS bytes per connection ({idle} conns)"),
            run_idle(Kind::Ours, idle),
            run_idle(Kind::Tokio, idle),
        );
    }
}

/// One table row: both figures and their ratio.
fn row(name: &str, ours: f64, theirs: f64) {
    let precision = if ours < 100.0 { 2 } else { 0 };
    println!(
        "| {name} | {ours:.precision$} | {theirs:.precision$} | {:.2} |",
        ours / theirs.max(f64::MIN_POSITIVE)
    );
}
