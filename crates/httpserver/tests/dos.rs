//! The denial-of-service rows of `reliability.md` §4 (1–13, 17, 18) as
//! bounded loopback tests: every limit set tiny, every test well under 5 s,
//! closes measured as "within [t, t + margin]" rather than slept for.

mod common;

use std::cell::Cell;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use tornado_http1connection::{
    ConnectionInfo, HttpMessageDelegate, HttpServerConnectionDelegate, RequestHead, ResponseWriter,
    Result as HttpResult,
};
use tornado_httpserver::{Handler, HttpServer, HttpServerOptions, Request};

fn with_echo<T: Send + 'static>(
    options: HttpServerOptions,
    client: impl FnOnce(SocketAddr) -> T + Send + 'static,
) -> T {
    capture_logs();
    let ioloop = new_loop();
    let server = HttpServer::handler_with(Echo, options);
    let addr = listen(&server);
    run_client(&ioloop, move || client(addr))
}

fn status(addr: SocketAddr, raw: &[u8]) -> u16 {
    Client::connect(addr).fetch(raw).status
}

fn head_limit(bytes: usize) -> HttpServerOptions {
    let mut options = HttpServerOptions::default();
    options.params.max_header_size = bytes;
    options
}

fn filler_request(filler: usize) -> Vec<u8> {
    format!(
        "GET / HTTP/1.1\r\nHost: a\r\nX-Filler: {}\r\n\r\n",
        "a".repeat(filler)
    )
    .into_bytes()
}

/// Row 1: a head one byte over `max_header_size` gets 431, whole or in
/// 1 KiB writes, and the server reads no further than the limit.
#[test]
fn row01_request_head_size() {
    with_echo(head_limit(4096), |addr| {
        let base = filler_request(0).len();
        let at_limit = filler_request(4096 - base);
        assert_eq!(at_limit.len(), 4096);
        assert_eq!(status(addr, &at_limit), 200);
        let over = filler_request(4096 - base + 1);
        assert_eq!(status(addr, &over), 431);
        let mut client = Client::connect(addr);
        for piece in over.chunks(1024) {
            client.send(piece);
            std::thread::sleep(Duration::from_millis(2));
        }
        assert_eq!(client.response().expect("a response").status, 431);
        assert!(client.closes_within(Duration::from_secs(1)));
        // A head that never ends is refused once the limit passes, without
        // waiting for the rest.
        let mut endless = Client::connect(addr);
        endless.send(b"GET / HTTP/1.1\r\nHost: a\r\nX: ");
        endless.send(&vec![b'a'; 8192]);
        assert_eq!(endless.response().expect("a response").status, 431);
    });
}

/// Row 2: more than `max_header_count` (100) header lines: 431; 100 pass.
#[test]
fn row02_header_count() {
    let request = |n: usize| {
        let mut raw = "GET / HTTP/1.1\r\n".to_owned();
        raw.push_str("Host: a\r\n");
        raw.push_str(&"X: a\r\n".repeat(n - 1));
        raw.push_str("\r\n");
        raw.into_bytes()
    };
    with_echo(HttpServerOptions::default(), move |addr| {
        assert_eq!(status(addr, &request(100)), 200);
        assert_eq!(status(addr, &request(101)), 431);
    });
    // The limit is configurable both ways.
    let mut options = HttpServerOptions::default();
    options.params.max_header_count = 10;
    with_echo(options, move |addr| {
        assert_eq!(status(addr, &request(10)), 200);
        assert_eq!(status(addr, &request(11)), 431);
    });
}

/// Row 3: the request target counts against the head limit: 431 (hyper
/// answers 414 for its own URI limit; see docs/deviations.md).
#[test]
fn row03_request_target_length() {
    with_echo(head_limit(2048), |addr| {
        let raw = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(4096));
        assert_eq!(status(addr, raw.as_bytes()), 431);
    });
}

/// Row 4: a Content-Length over `max_body_size` is refused with 413 as
/// soon as the head arrives (no body sent at all); a chunked body as soon
/// as its running total passes.
#[test]
fn row04_body_size() {
    let options = HttpServerOptions::default().max_body_size(1000);
    with_echo(options, |addr| {
        let mut client = Client::connect(addr);
        client.send(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n");
        let response = client.response().expect("413 before the body");
        assert_eq!(response.status, 413);
        assert!(client.closes_within(Duration::from_secs(1)));

        assert_eq!(
            status(addr, &post("/", &[], &[b'x'; 1000])),
            200,
            "the limit itself passes"
        );

        let mut chunked = Client::connect(addr);
        chunked.send(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
        chunked.send(b"3e8\r\n");
        chunked.send(&[b'x'; 1000]);
        chunked.send(b"\r\n1\r\n");
        // Refused at the chunk header that passes the limit, before its data.
        assert_eq!(chunked.response().expect("413").status, 413);
    });
}

/// Row 5: slowloris. A head trickled one byte per 50 ms is cut at
/// `header_timeout` however long the trickle goes on.
#[test]
fn row05_header_timeout_slowloris() {
    let mut options = HttpServerOptions::default();
    options.params.header_timeout = Some(Duration::from_millis(400));
    let took = with_echo(options, |addr| {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let start = Instant::now();
        let trickle =
            b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        stream
            .set_read_timeout(Some(Duration::from_millis(50)))
            .expect("timeout");
        for byte in trickle {
            if stream.write_all(std::slice::from_ref(byte)).is_err() {
                break;
            }
            let mut buf = [0u8; 64];
            match stream.read(&mut buf) {
                Ok(0) => return start.elapsed(),
                Ok(n) => panic!("unexpected bytes {:?}", &buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return start.elapsed(),
            }
        }
        panic!("the trickle outlived the header timeout")
    });
    assert!(
        took >= Duration::from_millis(350) && took < Duration::from_millis(1500),
        "{took:?}"
    );
}

/// Row 6: a body that stops arriving is cut at `body_timeout`, with no
/// response.
#[test]
fn row06_body_timeout() {
    let options = HttpServerOptions::default().body_timeout(Some(Duration::from_millis(300)));
    let (rest, took) = with_echo(options, |addr| {
        let mut client = Client::connect(addr);
        client.send(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
        let start = Instant::now();
        (client.read_until_close(), start.elapsed())
    });
    assert!(rest.is_empty(), "{rest:?}");
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_millis(1500),
        "{took:?}"
    );
}

/// Row 7: a kept-alive connection left idle after its response closes at
/// `idle_connection_timeout`; the timer restarts with each request.
#[test]
fn row07_idle_timeout() {
    let options =
        HttpServerOptions::default().idle_connection_timeout(Some(Duration::from_millis(300)));
    with_echo(options, |addr| {
        let mut client = Client::connect(addr);
        for _ in 0..3 {
            assert_eq!(client.fetch(&get("/hello")).status, 200);
            std::thread::sleep(Duration::from_millis(150));
        }
        let took = client.time_to_close(Duration::from_secs(2));
        assert!(took >= Duration::from_millis(100), "{took:?}");
        assert!(took < Duration::from_millis(1000), "{took:?}");
    });
}

/// Row 8: out of file descriptors the server neither spins nor stalls, and
/// serves the waiting connections once descriptors free up. Runs in a child
/// process under `prlimit` (the workspace forbids `unsafe` `setrlimit`).
#[test]
fn row08_fd_exhaustion() {
    const CHILD: &str = "TORNADO_HTTPSERVER_EMFILE_CHILD";
    if std::env::var_os(CHILD).is_some() {
        fd_exhaustion_child();
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    let output = std::process::Command::new("prlimit")
        .arg("--nofile=96:96")
        .arg("--")
        .arg(exe)
        .args([
            "--exact",
            "row08_fd_exhaustion",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output();
    let Ok(output) = output else {
        eprintln!("warning: prlimit unavailable; skipping the fd-exhaustion test");
        return;
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("fd child ok"), "{stdout}");
}

fn fd_exhaustion_child() {
    let ioloop = new_loop();
    let server = HttpServer::handler(Echo);
    let addr = listen(&server);
    let mut stat = std::fs::File::open("/proc/thread-self/stat").expect("thread stat");
    // Hold every free descriptor but a few for the clients.
    let mut hog = Vec::new();
    loop {
        match std::fs::File::open("/dev/null") {
            Ok(f) => hog.push(f),
            Err(e) if e.raw_os_error() == Some(24) => break,
            Err(e) => panic!("unexpected error: {e}"),
        }
        assert!(hog.len() < 10_000, "the descriptor limit was not lowered");
    }
    // Room for the client sockets, none for the server's accepts.
    for _ in 0..4 {
        hog.pop();
    }
    let clients: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(addr).expect("connect"))
        .collect();
    let start = Instant::now();
    // The loop must back off, not spin, while accepts fail: its thread
    // may use at most half of the time on a CPU (a busy retry uses all).
    let cpu_before = thread_cpu_ticks(&mut stat);
    spin(&ioloop, Duration::from_millis(600));
    let busy = thread_cpu_ticks(&mut stat) - cpu_before;
    assert!(
        busy <= 30,
        "the loop used {busy} ticks of CPU in 600 ms while out of descriptors"
    );
    // Give the server its descriptors back; the backlog is drained.
    hog.clear();
    let answered = run_client(&ioloop, move || {
        clients
            .into_iter()
            .map(|stream| {
                let mut client = Client::from_stream(stream);
                client.fetch(&get("/hello")).status
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(answered, [200; 4]);
    println!(
        "fd child ok after {:?} ({busy} ticks of CPU while out of descriptors)",
        start.elapsed()
    );
}

/// CPU time this thread used, user and system, in clock ticks (1/100 s on
/// Linux): fields 14 and 15 of `/proc/thread-self/stat`.
/// `file` is that file, opened before the descriptors ran out.
fn thread_cpu_ticks(file: &mut std::fs::File) -> u64 {
    use std::io::{Read, Seek};
    let mut stat = String::new();
    file.rewind().expect("rewind");
    file.read_to_string(&mut stat).expect("thread stat");
    // The command name may hold spaces; the fields after it are plain.
    let after = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = after.split(' ').collect();
    // `after` starts at field 3 (state): utime is field 14, stime 15.
    fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
}

/// Records the largest piece and the total that reached the delegate.
#[derive(Debug, Default)]
struct Measure {
    largest: Rc<Cell<usize>>,
    total: Rc<Cell<usize>>,
}

#[derive(Debug)]
struct MeasureMessage {
    largest: Rc<Cell<usize>>,
    total: Rc<Cell<usize>>,
}

impl HttpServerConnectionDelegate for Measure {
    type Message = MeasureMessage;
    fn start_request(&self, _: &ConnectionInfo) -> MeasureMessage {
        MeasureMessage {
            largest: self.largest.clone(),
            total: self.total.clone(),
        }
    }
}

impl HttpMessageDelegate for MeasureMessage {
    async fn headers_received(
        &mut self,
        _: &RequestHead,
        _: &mut ResponseWriter,
    ) -> HttpResult<()> {
        Ok(())
    }
    async fn data_received(&mut self, chunk: Bytes, _: &mut ResponseWriter) -> HttpResult<()> {
        self.largest.set(self.largest.get().max(chunk.len()));
        self.total.set(self.total.get() + chunk.len());
        Ok(())
    }
    async fn finish(&mut self, _: &RequestHead, w: &mut ResponseWriter) -> HttpResult<()> {
        w.respond(200, [], b"ok")
    }
}

/// Row 9: a gzip bomb (64 × the limit) with `decompress_request` is refused with
/// 413 once the inflated size passes the limit; what reached the delegate
/// never passes the limit, so the output was never allocated whole.
#[test]
fn row09_gzip_bomb() {
    capture_logs();
    let ioloop = new_loop();
    let max = 64 * 1024;
    let options = HttpServerOptions::default()
        .decompress_request(true)
        .max_body_size(max);
    let server = HttpServer::with_options(Measure::default(), options);
    let (largest, total) = (
        server.delegate().largest.clone(),
        server.delegate().total.clone(),
    );
    let addr = listen(&server);
    let bomb = gzip_zeros(64 * max);
    // Fixed-Huffman back-references: about 160:1.
    assert!(bomb.len() < max / 2, "{} compressed bytes", bomb.len());
    let response = run_client(&ioloop, move || {
        Client::connect(addr).fetch(&post("/", &[("Content-Encoding", "gzip")], &bomb))
    });
    assert_eq!(response.status, 413);
    assert!(total.get() <= max, "{} bytes delivered", total.get());
    assert!(
        largest.get() <= 64 * 1024,
        "{} bytes in one piece",
        largest.get()
    );
}

/// Row 10: multipart limits (100 parts pass, 101 are refused; 50
/// malformed parts give one 400 and at most one log line).
#[test]
fn row10_multipart() {
    let body = |parts: usize, disposition: &str| {
        let mut body = String::new();
        for _ in 0..parts {
            body.push_str(&format!(
                "--1234\r\nContent-Disposition: {disposition}\r\n\r\nb\r\n"
            ));
        }
        body.push_str("--1234--\r\n");
        post(
            "/",
            &[("Content-Type", "multipart/form-data; boundary=1234")],
            body.as_bytes(),
        )
    };
    with_echo(HttpServerOptions::default(), move |addr| {
        assert_eq!(status(addr, &body(100, "form-data; name=\"a\"")), 200);
        assert_eq!(status(addr, &body(101, "form-data; name=\"a\"")), 400);
        assert_eq!(status(addr, &body(50, "invalid; name=\"a\"")), 400);
    });
    assert_quiet_logs(3);
}

/// Row 11: 1,000 query or urlencoded arguments pass; 1,001 are refused.
#[test]
fn row11_argument_count() {
    with_echo(HttpServerOptions::default(), |addr| {
        let query = |n: usize| get(&format!("/?{}", vec!["a=b"; n].join("&")));
        let form = |n: usize| {
            post(
                "/",
                &[("Content-Type", "application/x-www-form-urlencoded")],
                vec!["a=b"; n].join("&").as_bytes(),
            )
        };
        assert_eq!(status(addr, &query(1000)), 200);
        assert_eq!(status(addr, &query(1001)), 400);
        assert_eq!(status(addr, &form(1000)), 200);
        assert_eq!(status(addr, &form(1001)), 400);
    });
}

/// Row 12: a cookie full of escapes is parsed in linear time; the timed
/// case is `smuggling.rs::scaling_cookie_backslashes`. Here: it parses.
#[test]
fn row12_cookie_escapes() {
    with_echo(HttpServerOptions::default(), |addr| {
        let raw = format!(
            "GET / HTTP/1.1\r\nHost: a\r\nCookie: a=\"b={}\"; c=d\r\n\r\n",
            "\\\\".repeat(5000)
        );
        let response = Client::connect(addr).fetch(raw.as_bytes());
        assert_eq!(response.status, 200);
        assert_eq!(response.json()["cookies"], 2);
    });
}

/// Row 13: chunk-size line, extension and trailer limits, and a long run
/// of tiny chunks that stays linear.
#[test]
fn row13_chunk_limits() {
    let mut options = HttpServerOptions::default();
    options.params.max_chunk_extensions = 256;
    options.params.max_trailer_size = 256;
    with_echo(options, |addr| {
        let chunked = |body: &[u8]| {
            [
                &b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"[..],
                body,
            ]
            .concat()
        };
        // One long chunk-size line (CH-18 with a small limit).
        let long_line = [&b"1;"[..], &vec![b'a'; 512], b"\r\nZ\r\n0\r\n\r\n"].concat();
        assert_eq!(status(addr, &chunked(&long_line)), 400);
        // Extensions within a line but over the total across chunks.
        let ext = format!(";e={}", "v".repeat(100));
        let many = format!("1{ext}\r\nZ\r\n1{ext}\r\nZ\r\n1{ext}\r\nZ\r\n0\r\n\r\n");
        assert_eq!(status(addr, &chunked(many.as_bytes())), 400);
        let few = format!("1{ext}\r\nZ\r\n0\r\n\r\n");
        assert_eq!(status(addr, &chunked(few.as_bytes())), 200);
        // Trailers: accepted and dropped within the limit, refused past it.
        let small = format!("1\r\nZ\r\n0\r\nX-T: {}\r\n\r\n", "t".repeat(100));
        assert_eq!(status(addr, &chunked(small.as_bytes())), 200);
        let large = format!(
            "1\r\nZ\r\n0\r\nX-T: {}\r\nX-U: {}\r\n\r\n",
            "t".repeat(200),
            "u".repeat(200)
        );
        assert_eq!(status(addr, &chunked(large.as_bytes())), 400);
        // Tiny chunks: ten times as many cost at most twenty times as long.
        let time = |n: usize| {
            let body = [b"1\r\nx\r\n".repeat(n), b"0\r\n\r\n".to_vec()].concat();
            let raw = chunked(&body);
            (0..3)
                .map(|_| {
                    let mut client = Client::connect(addr);
                    let start = Instant::now();
                    let response = client.fetch(&raw);
                    assert_eq!(response.json()["body_length"], n);
                    start.elapsed()
                })
                .min()
                .expect("rounds")
        };
        let (t1, t2) = (time(2_000).max(Duration::from_millis(1)), time(20_000));
        let ratio = t2.as_secs_f64() / t1.as_secs_f64();
        assert!(ratio <= 20.0, "tiny chunks: {t1:?} -> {t2:?}");
    });
}

/// A handler that streams `pieces` of 64 KiB, waiting for each to reach the
/// kernel, and counts how many went out.
struct Streamer {
    sent: Rc<Cell<usize>>,
}

impl Handler for Streamer {
    async fn handle(&self, _: &Request<'_>, w: &mut ResponseWriter) -> HttpResult<()> {
        let piece = vec![b'x'; 64 * 1024];
        let pieces = 1024; // 64 MiB
        let length = (pieces * piece.len()).to_string();
        w.write_headers(200, None, [("Content-Length", length.as_str())], b"")?;
        for _ in 0..pieces {
            w.write(&piece)?;
            w.flush().await?;
            self.sent.set(self.sent.get() + 1);
        }
        w.finish()
    }
}

/// A client with a 4 KiB receive buffer that sends `GET /`, never reads,
/// and hangs up after `stay`.
fn silent_client(addr: SocketAddr, stay: Duration) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
            .expect("socket");
        sock.set_recv_buffer_size(4096).expect("SO_RCVBUF");
        sock.connect(&addr.into()).expect("connect");
        let mut stream: TcpStream = sock.into();
        stream.write_all(&get("/")).expect("request");
        std::thread::sleep(stay);
    })
}

/// Row 17: a client that never reads suspends a writer that waits for its
/// writes, so the bytes buffered stay bounded; with no byte taken for
/// `send_timeout` (1 s here) the server closes the connection, while the
/// client is still there.
#[test]
fn row17_slow_reader_backpressure() {
    capture_logs();
    let ioloop = new_loop();
    let sent = Rc::new(Cell::new(0));
    let mut options = HttpServerOptions::default();
    options.params.send_timeout = Some(Duration::from_secs(1));
    let server = HttpServer::handler_with(Streamer { sent: sent.clone() }, options);
    let addr = listen(&server);
    // Stays connected longer than the send timeout.
    let client = silent_client(addr, Duration::from_millis(2500));
    let start = Instant::now();
    let mut during = 0;
    let mut closed_after = None;
    ioloop
        .run_sync(
            async {
                tornado_ioloop::r#gen::sleep(Duration::from_millis(500)).await;
                during = sent.get();
                while !client.is_finished() {
                    if server.connection_count() == 0 && closed_after.is_none() {
                        closed_after = Some(start.elapsed());
                    }
                    tornado_ioloop::r#gen::sleep(Duration::from_millis(5)).await;
                }
            },
            Some(TEST_DEADLINE),
        )
        .expect("bounded");
    // 64 MiB were asked for; kernel buffers take a few MiB at most.
    assert!(during > 0, "nothing was written");
    assert!(
        during < 128,
        "{during} pieces of 64 KiB left with a client that never reads"
    );
    // The writer stopped when the send timeout cut the connection.
    let closed_after = closed_after.expect("the server closed the connection");
    assert!(
        (Duration::from_millis(900)..Duration::from_millis(2300)).contains(&closed_after),
        "closed after {closed_after:?}"
    );
    assert!(sent.get() < 128, "the writer went on after the close");
    let logs = logs_here();
    assert!(logs.iter().all(|r| r.level > log::Level::Error), "{logs:?}");
}

/// A handler that writes a 16 MiB response in one call and never waits
/// for it: the send timeout still closes the connection of a client that
/// stops reading, and the buffered response goes with it.
struct Dumper;

impl Handler for Dumper {
    async fn handle(&self, _: &Request<'_>, w: &mut ResponseWriter) -> HttpResult<()> {
        w.respond(200, [], &vec![b'x'; 16 * 1024 * 1024])
    }
}

#[test]
fn row17_send_timeout_after_the_handler_returned() {
    capture_logs();
    let ioloop = new_loop();
    let mut options = HttpServerOptions::default();
    options.params.send_timeout = Some(Duration::from_millis(500));
    let server = HttpServer::handler_with(Dumper, options);
    let addr = listen(&server);
    let client = silent_client(addr, Duration::from_millis(2000));
    let start = Instant::now();
    let mut closed_after = None;
    ioloop
        .run_sync(
            async {
                while !client.is_finished() {
                    if server.connection_count() == 0 && start.elapsed() > Duration::from_millis(50)
                    {
                        closed_after.get_or_insert(start.elapsed());
                    }
                    tornado_ioloop::r#gen::sleep(Duration::from_millis(5)).await;
                }
            },
            Some(TEST_DEADLINE),
        )
        .expect("bounded");
    let closed_after = closed_after.expect("the server closed the connection");
    assert!(
        (Duration::from_millis(450)..Duration::from_millis(1800)).contains(&closed_after),
        "closed after {closed_after:?}"
    );
}

/// Counts the requests that reached the handler; answers with 16 KiB.
struct Counter {
    seen: Rc<Cell<usize>>,
}

impl Handler for Counter {
    async fn handle(&self, _: &Request<'_>, w: &mut ResponseWriter) -> HttpResult<()> {
        self.seen.set(self.seen.get() + 1);
        w.respond(200, [], &[b'r'; 16 * 1024])
    }
}

/// Row 18: 10,000 pipelined requests from a client that never reads: the
/// server stops taking requests while its output is blocked, so memory
/// stays bounded.
#[test]
fn row18_pipelining_flood() {
    capture_logs();
    let ioloop = new_loop();
    let seen = Rc::new(Cell::new(0));
    let server = HttpServer::handler(Counter { seen: seen.clone() });
    let addr = listen(&server);
    let client = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_write_timeout(Some(Duration::from_millis(500)))
            .expect("timeout");
        let flood = get("/").repeat(10_000);
        let _ = stream.write_all(&flood);
        std::thread::sleep(Duration::from_millis(300));
        stream
    });
    ioloop
        .run_sync(
            async {
                while !client.is_finished() {
                    tornado_ioloop::r#gen::sleep(Duration::from_millis(5)).await;
                }
            },
            Some(TEST_DEADLINE),
        )
        .expect("bounded");
    let answered = seen.get();
    // 10,000 × 16 KiB would be 160 MiB; the kernel's buffers and
    // `max_pending_output` hold a few MiB.
    assert!(answered > 0);
    assert!(
        answered < 1500,
        "{answered} requests answered for a client that never reads"
    );
    drop(client.join().expect("client"));
}
