//! Shared helpers for the raw-socket tests: a server on this thread's loop,
//! a blocking client on another thread, a response parser, a log capture
//! and a tiny gzip writer.

#![allow(dead_code, unreachable_pub)]

use std::io::{ErrorKind as IoErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Mutex, OnceLock};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tornado_http1connection::HttpServerConnectionDelegate;
use tornado_http1connection::{ResponseWriter, Result as HttpResult};
use tornado_httpserver::{Handler, HttpServer, Request};
use tornado_ioloop::IoLoop;

/// Every test is bounded by this deadline on the loop.
pub const TEST_DEADLINE: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------- logging

/// One captured log record.
#[derive(Debug, Clone)]
pub struct Record {
    pub level: log::Level,
    pub target: String,
    pub message: String,
    thread: ThreadId,
}

struct Capture;

fn records() -> &'static Mutex<Vec<Record>> {
    static RECORDS: OnceLock<Mutex<Vec<Record>>> = OnceLock::new();
    RECORDS.get_or_init(|| Mutex::new(Vec::new()))
}

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        if !record.target().starts_with("tornado") {
            return;
        }
        let entry = Record {
            level: record.level(),
            target: record.target().to_owned(),
            message: record.args().to_string(),
            thread: std::thread::current().id(),
        };
        if let Ok(mut all) = records().lock() {
            all.push(entry);
        }
    }

    fn flush(&self) {}
}

/// Installs the capturing logger (once per test binary).
pub fn capture_logs() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        if log::set_boxed_logger(Box::new(Capture)).is_ok() {
            log::set_max_level(log::LevelFilter::Trace);
        }
    });
}

/// The `tornado.*` records logged on the current thread (the server's loop
/// runs on the test's own thread, so these are the server's records for
/// this test; mio's trace records are left out).
pub fn logs_here() -> Vec<Record> {
    let me = std::thread::current().id();
    records()
        .lock()
        .map(|all| {
            all.iter()
                .filter(|r| r.thread == me && r.target.starts_with("tornado"))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts bad client input was logged below ERROR and at most `max` times.
pub fn assert_quiet_logs(max: usize) {
    let logs = logs_here();
    assert!(
        logs.iter().all(|r| r.level > log::Level::Error),
        "error-level logs: {logs:?}"
    );
    assert!(logs.len() <= max, "too many log records: {logs:?}");
    for r in &logs {
        assert!(
            !r.message.chars().any(|c| c.is_control()),
            "control character in log: {r:?}"
        );
    }
}

// ----------------------------------------------------------------- server

/// Runs `client` on its own thread while this thread's loop serves, and
/// returns the client's result. Fails the test after [`TEST_DEADLINE`].
pub fn run_client<T: Send + 'static>(
    ioloop: &IoLoop,
    client: impl FnOnce() -> T + Send + 'static,
) -> T {
    let thread = std::thread::spawn(client);
    ioloop
        .run_sync(
            async {
                while !thread.is_finished() {
                    tornado_ioloop::r#gen::sleep(Duration::from_millis(1)).await;
                }
            },
            Some(TEST_DEADLINE),
        )
        .expect("test client did not finish within the deadline");
    match thread.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Lets the loop run for `d` (for the server to notice a close, say).
pub fn spin(ioloop: &IoLoop, d: Duration) {
    ioloop
        .run_sync(tornado_ioloop::r#gen::sleep(d), None)
        .expect("loop runs");
}

/// A fresh loop for this test's thread, made current.
pub fn new_loop() -> IoLoop {
    let ioloop = IoLoop::new().expect("a loop");
    ioloop.make_current();
    ioloop
}

/// Starts `server` on an ephemeral port of 127.0.0.1.
pub fn listen<D: HttpServerConnectionDelegate + 'static>(server: &HttpServer<D>) -> SocketAddr {
    server
        .listen(0, Some("127.0.0.1"))
        .expect("listen on port 0")[0]
}

// ----------------------------------------------------------------- handler

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Turns a latin-1 JSON string back into its bytes.
pub fn bytes_of(value: &Value) -> Vec<u8> {
    value
        .as_str()
        .expect("a string")
        .chars()
        .map(|c| c as u32 as u8)
        .collect()
}

/// The `http_echo` example's handler, plus a few fixed routes that
/// Tornado's tests use:
///
/// - `/hello`: `GET` → `Hello world`; `POST` → `Got N bytes in POST`;
///   `HEAD` → headers only;
/// - `/large`: 512 KiB body;
/// - `/sleep?ms=N`: waits N ms, then `slept`;
/// - anything else: a JSON description of the request (`http_echo`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Echo;

impl Handler for Echo {
    async fn handle(&self, request: &Request<'_>, response: &mut ResponseWriter) -> HttpResult<()> {
        let head = &request.head;
        match (head.method(), head.path()) {
            ("GET", "/hello") => {
                return response.respond(200, [("Content-Type", "text/plain")], b"Hello world");
            }
            ("HEAD", "/hello") => {
                return response.respond(200, [("Content-Type", "text/plain")], b"");
            }
            ("POST", "/hello") => {
                let body = format!("Got {} bytes in POST", request.body.len());
                return response.respond(200, [], body.as_bytes());
            }
            (_, "/large") => {
                let body: Vec<u8> = (0..512usize)
                    .flat_map(|i| std::iter::repeat_n((i % 256) as u8, 1024))
                    .collect();
                return response.respond(200, [], &body);
            }
            (_, "/sleep") => {
                let ms: u64 = head
                    .query()
                    .strip_prefix("ms=")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(100);
                tornado_ioloop::r#gen::sleep(Duration::from_millis(ms)).await;
                return response.respond(200, [], b"slept");
            }
            _ => {}
        }
        if !matches!(
            head.method(),
            "GET" | "POST" | "PUT" | "HEAD" | "DELETE" | "PATCH" | "OPTIONS"
        ) {
            // What a Tornado Application answers for a valid but unknown method.
            return response.respond(405, [], b"");
        }
        let headers: Vec<Value> = head
            .headers()
            .map(|(name, value)| json!([name, latin1(value)]))
            .collect();
        let mut arguments = Map::new();
        let mut files = Map::new();
        let mut status = 200;
        let mut cookies = Vec::new();
        match request.to_server_request() {
            Ok(mut parsed) => {
                if parsed.parse_body(&Default::default()).is_err() {
                    status = 400;
                }
                for (name, values) in parsed.arguments.iter() {
                    let values: Vec<Value> =
                        values.iter().map(|v| Value::from(latin1(v))).collect();
                    arguments.insert(name.to_owned(), Value::from(values));
                }
                for (name, list) in parsed.files.iter() {
                    let list: Vec<Value> = list
                        .iter()
                        .map(|f| {
                            json!({"filename": f.filename, "content_type": f.content_type,
                                   "length": f.body.len(), "body": latin1(&f.body)})
                        })
                        .collect();
                    files.insert(name.to_owned(), Value::from(list));
                }
                cookies = parsed.cookies();
            }
            Err(_) => status = 400,
        }
        let body = json!({
            "method": head.method(),
            "uri": head.target(),
            "path": head.path(),
            "version": head.version().as_str(),
            "remote_ip": request.remote_ip(),
            "protocol": request.protocol,
            "headers": headers,
            "body_length": request.body.len(),
            "body_sha256": format!("{:x}", Sha256::digest(&request.body)),
            "arguments": arguments,
            "files": files,
            "cookies": cookies.len(),
        });
        let body = serde_json::to_vec(&body).unwrap_or_default();
        response.respond(status, [("Content-Type", "application/json")], &body)
    }
}

// ------------------------------------------------------------------ client

/// A parsed response.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of a header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }
}

/// Parses one response from the front of `buf`. `Ok(None)`: incomplete.
/// `head_request`: the response to a HEAD has no body. `eof`: the peer
/// closed, which ends a body without a length.
pub fn parse_response(
    buf: &[u8],
    head_request: bool,
    eof: bool,
) -> Result<Option<(Response, usize)>, String> {
    let Some(end) = find(buf, b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = std::str::from_utf8(&buf[..end]).map_err(|_| "non-UTF-8 head".to_owned())?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if version != "HTTP/1.1" {
        return Err(format!("bad status line {status_line:?}"));
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let reason = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("bad header line {line:?}"))?;
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    let mut response = Response {
        status,
        reason,
        headers,
        body: Vec::new(),
    };
    let start = end + 4;
    if head_request || status < 200 || status == 204 || status == 304 {
        return Ok(Some((response, start)));
    }
    if let Some(length) = response.header("Content-Length") {
        let length: usize = length.parse().map_err(|_| "bad Content-Length")?;
        if buf.len() < start + length {
            return Ok(None);
        }
        response.body = buf[start..start + length].to_vec();
        return Ok(Some((response, start + length)));
    }
    if response
        .header("Transfer-Encoding")
        .is_some_and(|te| te.eq_ignore_ascii_case("chunked"))
    {
        let mut at = start;
        loop {
            let Some(line_end) = find(&buf[at..], b"\r\n") else {
                return Ok(None);
            };
            let size = std::str::from_utf8(&buf[at..at + line_end]).map_err(|_| "chunk size")?;
            let size =
                usize::from_str_radix(size, 16).map_err(|_| format!("chunk size {size:?}"))?;
            at += line_end + 2;
            if buf.len() < at + size + 2 {
                return Ok(None);
            }
            if &buf[at + size..at + size + 2] != b"\r\n" {
                return Err("chunk not followed by CRLF".to_owned());
            }
            response.body.extend_from_slice(&buf[at..at + size]);
            at += size + 2;
            if size == 0 {
                return Ok(Some((response, at)));
            }
        }
    }
    // Delimited by the close.
    if !eof {
        return Ok(None);
    }
    response.body = buf[start..].to_vec();
    Ok(Some((response, buf.len())))
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A blocking raw-socket client.
#[derive(Debug)]
pub struct Client {
    pub stream: TcpStream,
    buf: Vec<u8>,
    eof: bool,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).expect("connect");
        Client::from_stream(stream)
    }

    pub fn from_stream(stream: TcpStream) -> Client {
        stream
            .set_read_timeout(Some(Duration::from_secs(4)))
            .expect("timeout");
        let _ = stream.set_nodelay(true);
        Client {
            stream,
            buf: Vec::new(),
            eof: false,
        }
    }

    /// Writes everything; a write refused because the server closed is not
    /// an error (the server may reject early).
    pub fn send(&mut self, bytes: &[u8]) -> bool {
        self.stream.write_all(bytes).is_ok()
    }

    /// One read into the buffer; false on EOF (a reset counts as EOF).
    fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        let mut chunk = [0u8; 65536];
        match self.stream.read(&mut chunk) {
            Ok(0) => {
                self.eof = true;
                false
            }
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
            Err(e) if e.kind() == IoErrorKind::Interrupted => true,
            Err(e) if matches!(e.kind(), IoErrorKind::WouldBlock | IoErrorKind::TimedOut) => {
                panic!("timed out waiting for the server; have {:?}", self.text())
            }
            Err(_) => {
                self.eof = true;
                false
            }
        }
    }

    /// The next response, or `None` when the server closed first.
    pub fn response(&mut self) -> Option<Response> {
        self.response_to(false)
    }

    /// The next response to a HEAD request.
    pub fn head_response(&mut self) -> Option<Response> {
        self.response_to(true)
    }

    fn response_to(&mut self, head_request: bool) -> Option<Response> {
        loop {
            match parse_response(&self.buf, head_request, self.eof) {
                Ok(Some((response, used))) => {
                    self.buf.drain(..used);
                    return Some(response);
                }
                Ok(None) => {
                    if !self.fill() && self.buf.is_empty() {
                        return None;
                    }
                    if self.eof {
                        match parse_response(&self.buf, head_request, true) {
                            Ok(Some((response, used))) => {
                                self.buf.drain(..used);
                                return Some(response);
                            }
                            Ok(None) => panic!("truncated response: {:?}", self.text()),
                            Err(e) => panic!("{e}: {:?}", self.text()),
                        }
                    }
                }
                Err(e) => panic!("{e}: {:?}", self.text()),
            }
        }
    }

    /// Sends `request` and reads one response.
    pub fn fetch(&mut self, request: &[u8]) -> Response {
        self.send(request);
        self.response().expect("a response")
    }

    /// Reads until the server closes; returns what was left.
    pub fn read_until_close(&mut self) -> Vec<u8> {
        while self.fill() {}
        std::mem::take(&mut self.buf)
    }

    /// True when the server closes (EOF or reset) within `d` with no
    /// further bytes; false if it stays open that long. Extra bytes fail.
    pub fn closes_within(&mut self, d: Duration) -> bool {
        self.stream.set_read_timeout(Some(d)).expect("timeout");
        let mut chunk = [0u8; 1024];
        let closed = match self.stream.read(&mut chunk) {
            Ok(0) => true,
            Ok(n) => panic!(
                "unexpected bytes from the server: {:?}",
                String::from_utf8_lossy(&chunk[..n])
            ),
            Err(e) if matches!(e.kind(), IoErrorKind::WouldBlock | IoErrorKind::TimedOut) => false,
            Err(_) => true,
        };
        self.stream
            .set_read_timeout(Some(Duration::from_secs(4)))
            .expect("timeout");
        if closed {
            self.eof = true;
        }
        closed
    }

    /// Waits for the close, returning how long it took.
    pub fn time_to_close(&mut self, limit: Duration) -> Duration {
        let start = Instant::now();
        assert!(
            self.closes_within(limit),
            "the server did not close within {limit:?}"
        );
        start.elapsed()
    }

    /// Bytes buffered but not yet parsed.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buf).into_owned()
    }
}

/// `GET {path}` on HTTP/1.1 with a Host header.
pub fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").into_bytes()
}

/// A request with `headers` and a body framed by Content-Length.
pub fn post(path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

// -------------------------------------------------------------------- gzip

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn gzip_member(deflate: &[u8], crc: u32, size: u64) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    out.extend_from_slice(deflate);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&(size as u32).to_le_bytes());
    out
}

/// A gzip member holding `data` in stored (uncompressed) deflate blocks.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut deflate = Vec::new();
    let mut blocks = data.chunks(65535).peekable();
    if blocks.peek().is_none() {
        deflate.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        deflate.push(u8::from(blocks.peek().is_none()));
        let len = block.len() as u16;
        deflate.extend_from_slice(&len.to_le_bytes());
        deflate.extend_from_slice(&(!len).to_le_bytes());
        deflate.extend_from_slice(block);
    }
    gzip_member(&deflate, crc32(data), data.len() as u64)
}

/// LSB-first bit writer for deflate.
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, bits: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += bits;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code, which deflate sends most significant bit first.
    fn code(&mut self, code: u32, bits: u32) {
        let reversed = code.reverse_bits() >> (32 - bits);
        self.put(reversed, bits);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// A gzip "bomb": `zeros` zero bytes in one fixed-Huffman block of
/// 258-byte back-references (about 1/1000 of the output).
pub fn gzip_zeros(zeros: usize) -> Vec<u8> {
    let mut bits = Bits {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    bits.put(1, 1); // final block
    bits.put(1, 2); // fixed Huffman codes
    let literal = |bits: &mut Bits, v: u32| match v {
        0..=143 => bits.code(0x30 + v, 8),
        256..=279 => bits.code(v - 256, 7),
        _ => unreachable!("only 0 and 256 are used"),
    };
    let mut left = zeros;
    if left > 0 {
        literal(&mut bits, 0);
        left -= 1;
    }
    while left >= 258 {
        bits.code(0xc5, 8); // length code 285 = 258 bytes
        bits.code(0, 5); // distance code 0 = 1
        left -= 258;
    }
    for _ in 0..left {
        literal(&mut bits, 0);
    }
    literal(&mut bits, 256);
    let deflate = bits.finish();
    // CRC of `zeros` zero bytes without materialising them.
    let mut crc = !0u32;
    for _ in 0..zeros {
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    gzip_member(&deflate, !crc, zeros as u64)
}
