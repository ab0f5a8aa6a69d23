//! The request-smuggling catalogue, run over real sockets.
//!
//! The 103 cases are read at test time from the Markdown table of
//! `../shared/reference/reliability.md` §1.3 (relative to the workspace
//! root): the raw bytes (a Python bytes expression, `P` being the
//! pipelined probe) and the "Strict server must" column. Our stance is
//! SECURITY.md, which that column already follows. Each case is sent whole,
//! one byte per write, and at seeded random split points; the test checks
//! the status sequence, whether the server closed, and that nothing after a
//! rejected request (the probe `P`, a smuggled `GET /admin`) is answered.
//!
//! Tornado's security corpus (`security_corpus_test.py`, inventory §4.1:
//! the HTTP-level cases 10–20, 30, 31 and the three scaling cases) is
//! transcribed below.

mod common;

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use tornado_http1connection::{ResponseWriter, Result as HttpResult};
use tornado_httpserver::{Handler, HttpServer, HttpServerOptions, Request};

const PROBE: &[u8] = b"GET /probe HTTP/1.1\r\nHost: a\r\n\r\n";

/// Answers every request with `METHOD uri len=<body length>`, the handler
/// the catalogue was recorded with.
struct Describe;

impl Handler for Describe {
    async fn handle(&self, request: &Request<'_>, response: &mut ResponseWriter) -> HttpResult<()> {
        let body = format!(
            "{} {} len={}",
            request.head.method(),
            request.head.target(),
            request.body.len()
        );
        response.respond(200, [("Content-Type", "text/plain")], body.as_bytes())
    }
}

// ------------------------------------------------------------ the catalogue

/// What the server must do with a case.
#[derive(Debug, Clone)]
enum Expect {
    /// These statuses in order (each one of a set), then closed or open.
    Seq {
        statuses: Vec<Vec<u16>>,
        close: bool,
    },
    /// Either of two behaviours (the RFC allows both).
    Either(Box<Expect>, Box<Expect>),
}

impl Expect {
    fn seq(statuses: &[&[u16]], close: bool) -> Expect {
        Expect::Seq {
            statuses: statuses.iter().map(|s| s.to_vec()).collect(),
            close,
        }
    }

    fn max_responses(&self) -> usize {
        match self {
            Expect::Seq { statuses, .. } => statuses.len(),
            Expect::Either(a, b) => a.max_responses().max(b.max_responses()),
        }
    }

    fn matches(&self, seen: &[u16], closed: bool) -> bool {
        match self {
            Expect::Seq { statuses, close } => {
                *close == closed
                    && seen.len() == statuses.len()
                    && seen.iter().zip(statuses).all(|(s, ok)| ok.contains(s))
            }
            Expect::Either(a, b) => a.matches(seen, closed) || b.matches(seen, closed),
        }
    }
}

/// Maps the "Strict server must" wording to an expectation. `requests` is
/// how many requests the bytes hold when all are accepted. An unknown
/// wording fails the test, so a new case forces a look.
fn expectation(text: &str, requests: usize) -> Expect {
    let accept = || Expect::Seq {
        statuses: vec![vec![200]; requests],
        close: false,
    };
    let reject = Expect::seq(&[&[400]], true);
    match text {
        "400+close" => reject,
        "501 (or 400)+close" => Expect::seq(&[&[501, 400]], true),
        "505 (or 400)+close" => Expect::seq(&[&[505, 400]], true),
        "accept"
        | "200, 200"
        | "200, 200 in order"
        | "accept (ignore unknown ext): 200, 200"
        | "accept (discard trailer): 200, 200"
        | "accept as trailer: 200, 200 (never 3 responses)"
        | "200 (5-byte body), 200" => accept(),
        "accept or 400+close" => Expect::Either(Box::new(accept()), Box::new(reject)),
        "400+close, or process then close" => {
            Expect::Either(Box::new(reject), Box::new(Expect::seq(&[&[200]], true)))
        }
        "200 (close: HTTP/1.0 default)" | "200, then close (probe unanswered)" => {
            Expect::seq(&[&[200]], true)
        }
        "200, then 400+close" => Expect::seq(&[&[200], &[400]], true),
        "200, then keep waiting (idle timeout)" => Expect::seq(&[&[200]], false),
        "100 Continue, then 200" => Expect::seq(&[&[100], &[200]], false),
        other => panic!("unknown expectation {other:?}: extend `expectation`"),
    }
}

/// One case of the catalogue.
#[derive(Debug, Clone)]
struct Case {
    id: String,
    raw: Vec<u8>,
    expect: Expect,
}

/// Decodes a Python bytes expression: `b'..'` literals (with `*N`) joined
/// by `+`, and `P` for the probe.
fn python_bytes(expr: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let s = expr.as_bytes();
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b' ' | b'+' => i += 1,
            b'P' => {
                out.extend_from_slice(PROBE);
                i += 1;
            }
            b'b' => {
                let quote = s[i + 1];
                assert!(quote == b'\'' || quote == b'"', "bad literal in {expr}");
                i += 2;
                let mut lit = Vec::new();
                while s[i] != quote {
                    if s[i] == b'\\' {
                        let (byte, used) = match s[i + 1] {
                            b'r' => (b'\r', 2),
                            b'n' => (b'\n', 2),
                            b't' => (b'\t', 2),
                            b'0' => (0, 2),
                            b'\\' => (b'\\', 2),
                            b'\'' => (b'\'', 2),
                            b'"' => (b'"', 2),
                            b'x' => {
                                let hex = std::str::from_utf8(&s[i + 2..i + 4]).expect("hex");
                                (u8::from_str_radix(hex, 16).expect("hex escape"), 4)
                            }
                            other => panic!("unknown escape \\{} in {expr}", other as char),
                        };
                        lit.push(byte);
                        i += used;
                    } else {
                        lit.push(s[i]);
                        i += 1;
                    }
                }
                i += 1;
                let mut times = 1;
                if s.get(i) == Some(&b'*') {
                    let digits: String = s[i + 1..]
                        .iter()
                        .take_while(|b| b.is_ascii_digit())
                        .map(|&b| b as char)
                        .collect();
                    times = digits.parse().expect("repeat count");
                    i += 1 + digits.len();
                }
                for _ in 0..times {
                    out.extend_from_slice(&lit);
                }
            }
            other => panic!("unexpected {:?} in {expr}", other as char),
        }
    }
    out
}

fn reference_file() -> Option<PathBuf> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/reliability.md");
    path.exists().then_some(path)
}

/// The 103 cases of §1.3, or `None` (with a warning) if the file is gone.
fn catalogue() -> Option<Vec<Case>> {
    let Some(path) = reference_file() else {
        eprintln!(
            "warning: ../shared/reference/reliability.md not found; smuggling catalogue skipped"
        );
        return None;
    };
    let text = std::fs::read_to_string(path).expect("readable");
    let start = text.find("### 1.3").expect("section 1.3");
    let end = text[start..].find("### 1.4").expect("section 1.4") + start;
    let mut cases = Vec::new();
    for line in text[start..end].lines() {
        let Some(rest) = line.strip_prefix("| ") else {
            continue;
        };
        let Some((id, rest)) = rest.split_once(" | `") else {
            continue;
        };
        if id.len() != 5 || id.as_bytes()[2] != b'-' {
            continue;
        }
        let (raw, rest) = rest.split_once("` | ").expect("raw column");
        let strict = rest.split(" | ").next().expect("strict column");
        let raw_bytes = python_bytes(raw);
        // Two requests when the probe follows, or PL-01's explicit pair.
        let requests = if raw.trim_end().ends_with("+ P") || id == "PL-01" {
            2
        } else {
            1
        };
        cases.push(Case {
            id: id.to_owned(),
            raw: raw_bytes,
            expect: expectation(strict, requests),
        });
    }
    Some(cases)
}

// ------------------------------------------------------------- running one

/// How the bytes go out.
#[derive(Debug, Clone, Copy)]
enum Delivery {
    Whole,
    BytePerWrite,
    RandomSplits(u64),
}

fn split_points(len: usize, seed: u64) -> Vec<usize> {
    // xorshift64*, seeded per case: reproducible.
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let pieces = 2 + (next() % 6) as usize;
    let mut points: Vec<usize> = (0..pieces)
        .map(|_| 1 + (next() as usize) % len.max(2).saturating_sub(1))
        .collect();
    points.sort_unstable();
    points.dedup();
    points
}

fn send(stream: &mut TcpStream, raw: &[u8], delivery: Delivery) {
    use std::io::Write;
    match delivery {
        Delivery::Whole => {
            let _ = stream.write_all(raw);
        }
        Delivery::BytePerWrite => {
            for byte in raw {
                if stream.write_all(std::slice::from_ref(byte)).is_err() {
                    return;
                }
            }
        }
        Delivery::RandomSplits(seed) => {
            let mut at = 0;
            for point in split_points(raw.len(), seed).into_iter().chain([raw.len()]) {
                if stream.write_all(&raw[at..point]).is_err() {
                    return;
                }
                at = point;
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
}

/// What the server did: statuses in order, response bodies, and whether it
/// closed.
#[derive(Debug)]
struct Outcome {
    statuses: Vec<u16>,
    bodies: Vec<String>,
    closed: bool,
}

fn observe(addr: SocketAddr, raw: &[u8], delivery: Delivery, wanted: usize) -> Outcome {
    use std::io::Read;
    let mut stream = TcpStream::connect(addr).expect("connect");
    let _ = stream.set_nodelay(true);
    send(&mut stream, raw, delivery);
    let mut buf = Vec::new();
    let mut outcome = Outcome {
        statuses: Vec::new(),
        bodies: Vec::new(),
        closed: false,
    };
    let give_up = Instant::now() + Duration::from_secs(3);
    loop {
        // Once every expected response is in, a short wait tells an open
        // connection from one about to close.
        let wait = if outcome.statuses.len() >= wanted {
            Duration::from_millis(150)
        } else {
            give_up
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1))
        };
        stream.set_read_timeout(Some(wait)).expect("timeout");
        let mut chunk = [0u8; 8192];
        match stream.read(&mut chunk) {
            Ok(0) => outcome.closed = true,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break;
            }
            Err(_) => outcome.closed = true,
        }
        while let Some((response, used)) =
            parse_response(&buf, false, outcome.closed).expect("a well-formed response")
        {
            outcome.statuses.push(response.status);
            outcome
                .bodies
                .push(String::from_utf8_lossy(&response.body).into_owned());
            buf.drain(..used);
        }
        if outcome.closed {
            assert!(buf.is_empty(), "trailing bytes {buf:?}");
            break;
        }
        if Instant::now() >= give_up {
            break;
        }
    }
    outcome
}

fn check(case: &Case, delivery: Delivery, outcome: &Outcome) -> Result<(), String> {
    let mut problems = Vec::new();
    if !case.expect.matches(&outcome.statuses, outcome.closed) {
        problems.push(format!("expected {:?}", case.expect));
    }
    // After a rejection nothing else may be processed.
    if let Some(at) = outcome.statuses.iter().position(|&s| s >= 400) {
        if at + 1 != outcome.statuses.len() {
            problems.push("a response followed a rejection".to_owned());
        }
    }
    let rejected = outcome.statuses.iter().any(|&s| s >= 400);
    for body in &outcome.bodies {
        if body.contains("/admin") || (rejected && body.contains("/probe")) {
            problems.push(format!("a smuggled request was answered: {body:?}"));
        }
    }
    if case.id == "CL-17"
        && outcome
            .bodies
            .first()
            .is_some_and(|b| !b.ends_with("len=5"))
    {
        problems.push("the GET body was not framed by Content-Length".to_owned());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} ({delivery:?}): {}; got statuses {:?}, closed {}",
            case.id,
            problems.join("; "),
            outcome.statuses,
            outcome.closed
        ))
    }
}

/// Runs every case with `delivery` (the seed offset by the case index for
/// random splits) on a few client threads, against one server.
fn run_catalogue(delivery: fn(usize) -> Delivery) {
    let Some(cases) = catalogue() else {
        return;
    };
    assert_eq!(cases.len(), 103, "the catalogue holds 103 cases");
    capture_logs();
    let ioloop = new_loop();
    let server = HttpServer::handler(Describe);
    let addr = listen(&server);
    let cases = Arc::new(cases);
    let total = cases.len();
    let failures = run_client(&ioloop, move || {
        let workers = 8;
        let threads: Vec<_> = (0..workers)
            .map(|w| {
                let cases = cases.clone();
                std::thread::spawn(move || {
                    let mut failures = Vec::new();
                    for (i, case) in cases.iter().enumerate().skip(w).step_by(workers) {
                        let how = delivery(i);
                        let outcome = observe(addr, &case.raw, how, case.expect.max_responses());
                        if let Err(e) = check(case, how, &outcome) {
                            failures.push(e);
                        }
                    }
                    failures
                })
            })
            .collect();
        threads
            .into_iter()
            .flat_map(|t| t.join().expect("worker"))
            .collect::<Vec<_>>()
    });
    println!(
        "smuggling catalogue ({:?}): {}/{} cases pass",
        delivery(0),
        total - failures.len(),
        total
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Bad input is logged below ERROR, once per request at most.
    let logs = logs_here();
    assert!(logs.iter().all(|r| r.level > log::Level::Error), "{logs:?}");
    assert!(logs.len() <= total, "{} log records", logs.len());
}

#[test]
fn catalogue_whole() {
    run_catalogue(|_| Delivery::Whole);
}

#[test]
fn catalogue_one_byte_per_write() {
    run_catalogue(|_| Delivery::BytePerWrite);
}

#[test]
fn catalogue_random_splits() {
    run_catalogue(|i| Delivery::RandomSplits(0x5eed + i as u64));
}

#[test]
fn catalogue_random_splits_second_seed() {
    run_catalogue(|i| Delivery::RandomSplits(0xfeed_0000 + 7 * i as u64));
}

#[test]
fn python_bytes_decodes_the_notation() {
    assert_eq!(python_bytes(r"b'a\r\n\x00\\' + b'z'*3"), b"a\r\n\0\\zzz");
    assert_eq!(python_bytes("b'x' + P"), [&b"x"[..], PROBE].concat());
    assert_eq!(python_bytes(r#"b'q="a\\"b"'"#), br#"q="a\"b""#);
}

// ------------------------------------------------- Tornado's security corpus

/// `security_corpus_test.request`: Host example.com, `Connection: close`,
/// a Content-Length unless the headers hold Transfer-Encoding.
fn corpus_request(method: &str, target: &str, headers: &[u8], body: Option<&[u8]>) -> Vec<u8> {
    let mut head =
        format!("{method} {target} HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n")
            .into_bytes();
    if let Some(body) = body {
        if find(headers, b"Transfer-Encoding").is_none() {
            head.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
        }
    }
    head.extend_from_slice(headers);
    head.extend_from_slice(b"\r\n");
    head.extend_from_slice(body.unwrap_or_default());
    head
}

fn corpus_post(content_type: &str, body: &[u8]) -> Vec<u8> {
    corpus_request(
        "POST",
        "/echo",
        format!("Content-Type: {content_type}\r\n").as_bytes(),
        Some(body),
    )
}

fn corpus_multipart(parts: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(b"--1234\r\n");
        body.extend_from_slice(part);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--1234--\r\n");
    corpus_post("multipart/form-data; boundary=1234", &body)
}

/// Cases 10–20, 30 and 31 of inventory §4.1 (the HTTP-level ones).
fn corpus_cases() -> Vec<(u32, &'static str, Vec<u8>)> {
    let chunked = b"Transfer-Encoding: chunked\r\n";
    let x26 = [
        b"1_a\r\n".to_vec(),
        vec![b'x'; 26],
        b"\r\n0\r\n\r\n".to_vec(),
    ]
    .concat();
    let many = vec![&b"a=b"[..]; 1001].join(&b"&"[..]);
    let query = format!("/echo?{}", vec!["a=b"; 1001].join("&"));
    vec![
        (
            10,
            "content-length plus sign",
            [
                corpus_request("POST", "/echo", b"Content-Length: +1\r\n", Some(b"")),
                b"x".to_vec(),
            ]
            .concat(),
        ),
        (
            11,
            "content-length underscore",
            [
                corpus_request("POST", "/echo", b"Content-Length: 1_0\r\n", Some(b"")),
                vec![b'x'; 10],
            ]
            .concat(),
        ),
        (
            12,
            "content-length not a number",
            corpus_request("POST", "/echo", b"Content-Length: foo\r\n", Some(b"")),
        ),
        (
            13,
            "chunk size underscore",
            corpus_request("POST", "/echo", chunked, Some(&x26)),
        ),
        (
            14,
            "chunk size hex prefix",
            corpus_request("POST", "/echo", chunked, Some(b"0x2\r\nok\r\n0\r\n\r\n")),
        ),
        (
            15,
            "chunk size sign",
            corpus_request("POST", "/echo", chunked, Some(b"+2\r\nok\r\n0\r\n\r\n")),
        ),
        (
            16,
            "transfer-encoding gzip, chunked",
            corpus_request(
                "POST",
                "/echo",
                b"Transfer-Encoding: gzip, chunked\r\n",
                Some(b"2\r\nok\r\n0\r\n\r\n"),
            ),
        ),
        (
            17,
            "transfer-encoding repeated",
            corpus_request(
                "POST",
                "/echo",
                b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                Some(b"2\r\nok\r\n0\r\n\r\n"),
            ),
        ),
        (
            18,
            "transfer-encoding and content-length",
            corpus_request(
                "POST",
                "/echo",
                b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n",
                Some(b"2\r\nok\r\n0\r\n\r\n"),
            ),
        ),
        (
            19,
            "transfer-encoding with no-break space",
            corpus_request(
                "POST",
                "/echo",
                b"Transfer-Encoding: \xa0chunked\r\n",
                Some(b"2\r\nok\r\n0\r\n\r\n"),
            ),
        ),
        (
            20,
            "content-length with no-break space",
            [
                corpus_request("POST", "/echo", b"Content-Length: 2\xa0\r\n", Some(b"")),
                b"ok".to_vec(),
            ]
            .concat(),
        ),
        (
            30,
            "too many urlencoded arguments",
            corpus_post("application/x-www-form-urlencoded", &many),
        ),
        (
            31,
            "too many query arguments",
            corpus_request("GET", &query, b"", None),
        ),
    ]
}

#[test]
fn security_corpus_cases() {
    capture_logs();
    let ioloop = new_loop();
    let server = HttpServer::handler(Echo);
    let addr = listen(&server);
    let cases = corpus_cases();
    let count = cases.len();
    let failures = run_client(&ioloop, move || {
        let mut failures = Vec::new();
        for (n, name, raw) in &cases {
            for (i, delivery) in [
                Delivery::Whole,
                Delivery::BytePerWrite,
                Delivery::RandomSplits(u64::from(*n)),
            ]
            .into_iter()
            .enumerate()
            {
                let outcome = observe(addr, raw, delivery, 1);
                if outcome.statuses != [400] || !outcome.closed {
                    failures.push(format!("case {n} {name} ({i}): {outcome:?}"));
                }
            }
        }
        failures
    });
    println!(
        "security corpus: {}/{count} cases pass",
        count - failures.len() / 3
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Each refusal is logged at most once and never at ERROR.
    let logs = logs_here();
    assert!(logs.iter().all(|r| r.level > log::Level::Error), "{logs:?}");
    assert!(logs.len() <= 3 * count, "{logs:?}");
}

/// Runs `build(n1)` and `build(n2)` three times each and returns the best
/// times; each response must be `expected`. The smaller input is also sent
/// one byte per write and at random split points (untimed), and must get
/// the same answer.
fn best_times(
    options: HttpServerOptions,
    build: fn(usize) -> Vec<u8>,
    n1: usize,
    n2: usize,
    expected: u16,
) -> (Duration, Duration) {
    let ioloop = new_loop();
    let server = HttpServer::handler_with(Echo, options);
    let addr = listen(&server);
    run_client(&ioloop, move || {
        let time = |n: usize| {
            let raw = build(n);
            (0..3)
                .map(|_| {
                    let mut client = Client::connect(addr);
                    let start = Instant::now();
                    let response = client.fetch(&raw);
                    let took = start.elapsed();
                    assert_eq!(response.status, expected, "n={n}");
                    took
                })
                .min()
                .expect("three rounds")
        };
        let raw = build(n1);
        for delivery in [Delivery::BytePerWrite, Delivery::RandomSplits(n1 as u64)] {
            let outcome = observe(addr, &raw, delivery, 1);
            assert_eq!(outcome.statuses, [expected], "n={n1}: {outcome:?}");
        }
        (time(n1), time(n2))
    })
}

fn assert_linear(name: &str, (t1, t2): (Duration, Duration)) {
    // Ten times the input may cost at most twenty times the time (Tornado's
    // `assert_linear_scaling`); a floor keeps timer noise out of tiny runs.
    let t1 = t1.max(Duration::from_micros(500));
    let ratio = t2.as_secs_f64() / t1.as_secs_f64();
    println!("scaling {name}: {t1:?} -> {t2:?} (x{ratio:.1})");
    assert!(ratio <= 20.0, "{name}: x{ratio:.1} for a 10x input");
}

#[test]
fn scaling_cookie_backslashes() {
    let times = best_times(
        HttpServerOptions::default(),
        |n| {
            let cookie = format!("Cookie: a=\"b={}\"\r\n", "\\\\".repeat(n));
            corpus_request("GET", "/echo", cookie.as_bytes(), None)
        },
        1_000,
        10_000,
        200,
    );
    assert_linear("cookie backslashes", times);
}

#[test]
fn scaling_repeated_header() {
    let mut options = HttpServerOptions::default();
    options.params.max_header_size = 1 << 20;
    options.params.max_header_count = 200_000;
    let times = best_times(
        options,
        |n| corpus_request("GET", "/echo", "X: a\r\n".repeat(n).as_bytes(), None),
        10_000,
        100_000,
        200,
    );
    assert_linear("repeated header", times);
}

#[test]
fn scaling_content_disposition_semicolons() {
    let times = best_times(
        HttpServerOptions::default(),
        |n| {
            let part = [
                &b"Content-Disposition: form-data; x=\""[..],
                &vec![b';'; n],
                b"\"; name=\"a\"\r\n\r\nb",
            ]
            .concat();
            corpus_multipart(&[&part])
        },
        1_000,
        10_000,
        200,
    );
    assert_linear("content-disposition semicolons", times);
}
