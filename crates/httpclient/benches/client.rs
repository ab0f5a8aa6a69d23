//! Client benchmark: requests per second and client CPU per request for
//! sequential and concurrent (64 in flight) GETs against a `hello` server
//! (the handler of `tornado-httpserver`'s `hello` example, on its own
//! thread and loop), side by side in one run with hyper's pooled client on
//! a tokio current-thread runtime and, when importable, Python Tornado's
//! `AsyncHTTPClient`.
//!
//! `cargo bench -p tornado-httpclient --bench client [-- --requests N --rounds R]`
//!
//! Client CPU is the client thread's on-CPU time (`/proc/thread-self/schedstat`,
//! nanoseconds) over the run, divided by the requests; both Rust clients
//! run their whole event loop on that one thread.

use std::io::BufRead;
use std::process::Command;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tornado_http1connection::{ResponseWriter, Result as HttpResult};
use tornado_httpclient::{AsyncHttpClient, ClientOptions};
use tornado_httpserver::{Handler, HttpServer, Request};
use tornado_ioloop::IoLoop;

const IN_FLIGHT: usize = 64;

struct Hello;

impl Handler for Hello {
    async fn handle(&self, _: &Request<'_>, response: &mut ResponseWriter) -> HttpResult<()> {
        response.respond(200, [("Content-Type", "text/plain")], b"Hello, world")
    }
}

/// Starts the hello server on its own thread; returns its port.
fn start_server() -> u16 {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let ioloop = IoLoop::new().expect("server loop");
        let server = HttpServer::handler(Hello);
        let port = server.listen(0, Some("127.0.0.1")).expect("listen")[0].port();
        tx.send(port).expect("port");
        ioloop.start().expect("server loop ran");
    });
    rx.recv().expect("server started")
}

/// This thread's CPU time so far.
fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = text
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(ns)
}

#[derive(Clone, Copy)]
struct Sample {
    wall: Duration,
    cpu: Duration,
    requests: usize,
    connections: Option<u64>,
}

impl Sample {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.wall.as_secs_f64()
    }
    fn cpu_us(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.requests as f64
    }
}

fn tornado_rs(port: u16, requests: usize, concurrent: bool) -> Sample {
    let ioloop = IoLoop::new().expect("client loop");
    let url = format!("http://127.0.0.1:{port}/");
    let client = AsyncHttpClient::with_options(
        ClientOptions::default()
            .max_clients(IN_FLIGHT)
            .max_idle_per_host(IN_FLIGHT),
    );
    // Warm-up: resolve, connect, fill the pool.
    ioloop
        .run_sync(
            {
                let (client, url) = (client.clone(), url.clone());
                async move {
                    let warm = (0..IN_FLIGHT).map(|_| client.fetch(url.clone()));
                    for r in tornado_ioloop::r#gen::multi(warm).await {
                        r.expect("warm-up");
                    }
                }
            },
            None,
        )
        .expect("warm-up ran");
    let (start, cpu) = (Instant::now(), thread_cpu());
    ioloop
        .run_sync(
            {
                let (client, url) = (client.clone(), url.clone());
                async move {
                    if concurrent {
                        let url = Rc::new(url);
                        let workers = (0..IN_FLIGHT).map(|w| {
                            let (client, url) = (client.clone(), url.clone());
                            let count =
                                requests / IN_FLIGHT + usize::from(w < requests % IN_FLIGHT);
                            async move {
                                for _ in 0..count {
                                    let r = client.fetch(url.as_str()).await.expect("fetch");
                                    assert_eq!(r.body.len(), 12);
                                }
                            }
                        });
                        tornado_ioloop::r#gen::multi(workers).await;
                    } else {
                        for _ in 0..requests {
                            let r = client.fetch(url.as_str()).await.expect("fetch");
                            assert_eq!(r.body.len(), 12);
                        }
                    }
                }
            },
            None,
        )
        .expect("run");
    Sample {
        wall: start.elapsed(),
        cpu: thread_cpu() - cpu,
        requests,
        // Warm-up included: every connection this client ever opened.
        connections: Some(client.connections_opened()),
    }
}

fn hyper_client(port: u16, requests: usize, concurrent: bool) -> Sample {
    use http_body_util::{BodyExt, Empty};
    use hyper::body::Bytes;
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(IN_FLIGHT)
        .build_http();
    let uri: hyper::Uri = format!("http://127.0.0.1:{port}/").parse().expect("uri");
    let fetch = |client: Client<_, Empty<Bytes>>, uri: hyper::Uri| async move {
        let response = client.get(uri).await.expect("hyper fetch");
        assert_eq!(response.status(), 200);
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        assert_eq!(body.len(), 12);
    };
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async {
        let warm: Vec<_> = (0..IN_FLIGHT)
            .map(|_| tokio::task::spawn_local(fetch(client.clone(), uri.clone())))
            .collect();
        for w in warm {
            w.await.expect("warm-up");
        }
    });
    let (start, cpu) = (Instant::now(), thread_cpu());
    local.block_on(&runtime, async {
        if concurrent {
            let workers: Vec<_> = (0..IN_FLIGHT)
                .map(|w| {
                    let (client, uri) = (client.clone(), uri.clone());
                    let count = requests / IN_FLIGHT + usize::from(w < requests % IN_FLIGHT);
                    tokio::task::spawn_local(async move {
                        for _ in 0..count {
                            fetch(client.clone(), uri.clone()).await;
                        }
                    })
                })
                .collect();
            for w in workers {
                w.await.expect("worker");
            }
        } else {
            for _ in 0..requests {
                fetch(client.clone(), uri.clone()).await;
            }
        }
    });
    Sample {
        wall: start.elapsed(),
        cpu: thread_cpu() - cpu,
        requests,
        connections: None,
    }
}

const PYTHON: &str = r#"
import sys, time
from tornado.httpclient import AsyncHTTPClient
from tornado.ioloop import IOLoop
from tornado import gen
url, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
async def main():
    client = AsyncHTTPClient(max_clients=64)
    await client.fetch(url)
    t, c = time.perf_counter(), time.thread_time()
    if mode == "concurrent":
        async def worker(k):
            for _ in range(k):
                await client.fetch(url)
        await gen.multi([worker(n // 64 + (1 if w < n % 64 else 0)) for w in range(64)])
    else:
        for _ in range(n):
            await client.fetch(url)
    print(time.perf_counter() - t, time.thread_time() - c)
IOLoop.current().run_sync(main)
"#;

fn python_tornado(port: u16, requests: usize, concurrent: bool) -> Option<Sample> {
    let mode = if concurrent {
        "concurrent"
    } else {
        "sequential"
    };
    let output = Command::new("python3")
        .args([
            "-c",
            PYTHON,
            &format!("http://127.0.0.1:{port}/"),
            &requests.to_string(),
            mode,
        ])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let line = output.stdout.lines().next()?.ok()?;
    let mut parts = line.split_whitespace().map(|p| p.parse::<f64>());
    let (wall, cpu) = (parts.next()?.ok()?, parts.next()?.ok()?);
    Some(Sample {
        wall: Duration::from_secs_f64(wall),
        cpu: Duration::from_secs_f64(cpu),
        requests,
        // Tornado's simple client closes every connection.
        connections: Some(requests as u64),
    })
}

fn median(mut samples: Vec<Sample>) -> Sample {
    samples.sort_by(|a, b| a.cpu_us().total_cmp(&b.cpu_us()));
    samples[samples.len() / 2]
}

fn flag(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let requests = flag(&args, "--requests", 10_000);
    let rounds = flag(&args, "--rounds", 3).max(1);
    let python_requests = flag(&args, "--python-requests", 2_000);
    let port = start_server();
    println!(
        "client benchmark: {requests} GETs per run, {rounds} rounds (median by CPU), {IN_FLIGHT} in flight when concurrent"
    );
    println!();
    println!(
        "| client | mode | req/s | client CPU µs/req | vs hyper | connections opened (incl. {IN_FLIGHT} warm-up requests) |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    for concurrent in [false, true] {
        let mode = if concurrent {
            "concurrent (64)"
        } else {
            "sequential"
        };
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        // Profiling aids: run one client alone.
        let only_ours = args.iter().any(|a| a == "--only-ours");
        let only_hyper = args.iter().any(|a| a == "--only-hyper");
        for _ in 0..rounds {
            if !only_hyper {
                ours.push(tornado_rs(port, requests, concurrent));
            }
            if !only_ours {
                theirs.push(hyper_client(port, requests, concurrent));
            }
        }
        if only_hyper {
            let s = median(theirs);
            println!(
                "| hyper | {mode} | {:.0} | {:.2} | | |",
                s.rps(),
                s.cpu_us()
            );
            continue;
        }
        if only_ours {
            let s = median(ours);
            println!(
                "| tornado-rs AsyncHttpClient | {mode} | {:.0} | {:.2} | | |",
                s.rps(),
                s.cpu_us()
            );
            continue;
        }
        let (ours, theirs) = (median(ours), median(theirs));
        let python = (python_requests > 0)
            .then(|| python_tornado(port, python_requests, concurrent))
            .flatten();
        let rows = [
            ("tornado-rs AsyncHttpClient", Some(ours)),
            ("hyper 1 pooled client (tokio current-thread)", Some(theirs)),
            ("Python Tornado 6.6.1 AsyncHTTPClient", python),
        ];
        for (name, sample) in rows {
            match sample {
                Some(s) => println!(
                    "| {name} | {mode} | {:.0} | {:.2} | {:.2}× | {} |",
                    s.rps(),
                    s.cpu_us(),
                    s.cpu_us() / theirs.cpu_us(),
                    s.connections
                        .map_or_else(|| "pooled".to_owned(), |c| c.to_string()),
                ),
                None if python_requests == 0 => {
                    println!("| {name} | {mode} | skipped (--python-requests 0) | | | |")
                }
                None => println!("| {name} | {mode} | not importable | | | |"),
            }
        }
    }
}
