//! Shared helpers: a test application on this project's `HttpServer`
//! (the handlers of Tornado's `httpclient_test.py` and
//! `simple_httpclient_test.py`), raw-socket servers for misbehaving peers,
//! and a runner with a hard deadline.

#![allow(dead_code, unreachable_pub)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;
use tornado_http1connection::{ResponseWriter, Result as HttpResult};
use tornado_httpserver::{Handler, HttpServer, HttpServerOptions, Request};
use tornado_ioloop::IoLoop;
use tornado_ioloop::locks::Event;

/// Every test is bounded by this deadline on the loop.
pub const TEST_DEADLINE: Duration = Duration::from_secs(10);

/// Runs `future` on a fresh loop, failing the test after the deadline.
pub fn run<F: Future>(future: F) -> F::Output {
    let ioloop = IoLoop::new().expect("loop");
    ioloop.make_current();
    ioloop
        .run_sync(future, Some(TEST_DEADLINE))
        .expect("the test ran past its deadline")
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// The certificates of `tornado-netutil`'s tests.
pub fn cert(name: &str) -> String {
    format!(
        "{}/../netutil/tests/certs/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// The test application (Tornado's handlers, by path).
#[derive(Default)]
pub struct App {
    /// `/trigger` requests waiting to be released, oldest first.
    pub triggers: Rc<RefCell<VecDeque<Rc<Event>>>>,
}

fn arg(request: &tornado_httputil::HttpServerRequest, name: &str) -> Option<String> {
    request
        .arguments
        .get(name)
        .and_then(|v| v.last())
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

impl Handler for App {
    async fn handle(&self, request: &Request<'_>, w: &mut ResponseWriter) -> HttpResult<()> {
        let mut req = match request.to_server_request() {
            Ok(r) => r,
            Err(_) => return w.respond(400, [], b""),
        };
        let _ = req.parse_body(&Default::default());
        let method = req.method.clone();
        let path = req.path.clone();
        let text = [("Content-Type", "text/plain")];
        if method == "HEAD" && path != "/redirect" {
            // A HEAD response carries no body.
            return w.respond(200, text, b"");
        }
        match path.as_str() {
            "/hello" => {
                let name = arg(&req, "name").unwrap_or_else(|| "world".into());
                w.respond(200, text, format!("Hello {name}!").as_bytes())
            }
            "/post" => {
                let a = arg(&req, "arg1").unwrap_or_default();
                let b = arg(&req, "arg2").unwrap_or_default();
                w.respond(200, text, format!("Post arg1: {a}, arg2: {b}").as_bytes())
            }
            "/put" => {
                let body = String::from_utf8_lossy(&req.body).into_owned();
                w.respond(200, text, format!("Put body: {body}").as_bytes())
            }
            "/patch" => w.respond(200, text, &req.body),
            "/echo_post" | "/echo_body" => w.respond(200, text, &req.body),
            "/redirect" => {
                let url = arg(&req, "url").unwrap_or_default();
                let status: u16 = arg(&req, "status")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(302);
                w.respond(status, [("Location", url.as_str())], b"")
            }
            "/redirect_without_location" => w.respond(301, [], b""),
            "/chunk" => {
                w.write_headers(200, None, text, b"asdf")?;
                w.flush().await?;
                w.write(b"qwer")?;
                w.finish()
            }
            "/auth" => {
                let auth = req
                    .headers
                    .get("Authorization")
                    .unwrap_or_default()
                    .into_owned();
                w.respond(200, text, auth.as_bytes())
            }
            "/echo_headers" => {
                let mut map = serde_json::Map::new();
                for (name, value) in req.headers.get_all() {
                    map.insert(name.to_owned(), value.into());
                }
                w.respond(
                    200,
                    [],
                    serde_json::Value::Object(map).to_string().as_bytes(),
                )
            }
            "/user_agent" => {
                let agent = req
                    .headers
                    .get("User-Agent")
                    .unwrap_or_default()
                    .into_owned();
                w.respond(200, text, agent.as_bytes())
            }
            "/host_echo" => {
                let host = req.headers.get("Host").unwrap_or_default().into_owned();
                w.respond(200, text, host.as_bytes())
            }
            "/304_with_content_length" => {
                w.write_headers(304, None, [("Content-Length", "42")], b"")?;
                w.finish()
            }
            "/all_methods" => {
                let mut body = method.clone().into_bytes();
                body.extend_from_slice(&req.body);
                w.respond(200, text, &body)
            }
            "/method" => w.respond(200, text, method.as_bytes()),
            "/set_header" => {
                let k = arg(&req, "k").unwrap_or_default();
                let v = arg(&req, "v").unwrap_or_default();
                w.respond(200, [(k.as_str(), v.as_str())], b"")
            }
            "/invalid_gzip" => w.respond(
                200,
                [("Content-Encoding", "gzip")],
                b"not gzip at all, just some bytes",
            ),
            "/gzip" => {
                let body = gzip(b"asdfqwer".repeat(100).as_slice());
                w.respond(200, [("Content-Encoding", "gzip")], &body)
            }
            "/countdown" => {
                let n: u32 = arg(&req, "n").and_then(|s| s.parse().ok()).unwrap_or(0);
                if n == 0 {
                    w.respond(200, text, b"Zero")
                } else {
                    let location = format!("/countdown?n={}", n - 1);
                    w.respond(302, [("Location", location.as_str())], b"")
                }
            }
            "/see_other_post" => {
                if method != "POST" {
                    return w.respond(400, [], b"expected POST");
                }
                w.respond(303, [("Location", "/see_other_get")], b"")
            }
            "/see_other_get" => {
                let status = if method == "GET" && req.body.is_empty() {
                    200
                } else {
                    400
                };
                w.respond(status, [], b"")
            }
            "/no_content" => {
                w.write_headers(204, None, [], b"")?;
                w.finish()
            }
            "/head" => w.respond(200, text, b"1234567"),
            "/options" => w.respond(200, [("Access-Control-Allow-Origin", "*")], b"ok"),
            "/trigger" => {
                let event = Rc::new(Event::new());
                self.triggers.borrow_mut().push_back(event.clone());
                event.wait().await;
                w.respond(200, text, b"ok")
            }
            "/sleep" => {
                let ms: u64 = arg(&req, "ms").and_then(|s| s.parse().ok()).unwrap_or(0);
                tornado_ioloop::r#gen::sleep(Duration::from_millis(ms)).await;
                w.respond(200, text, b"slept")
            }
            "/large" => {
                let n: usize = arg(&req, "n").and_then(|s| s.parse().ok()).unwrap_or(0);
                w.respond(
                    200,
                    [("Content-Type", "application/octet-stream")],
                    &vec![b'a'; n],
                )
            }
            "/bomb" => {
                let n: usize = arg(&req, "n").and_then(|s| s.parse().ok()).unwrap_or(0);
                let body = gzip(&vec![0; n]);
                w.respond(200, [("Content-Encoding", "gzip")], &body)
            }
            "/body_bearing_redirect" => {
                let n: usize = arg(&req, "n").and_then(|s| s.parse().ok()).unwrap_or(0);
                w.respond(302, [("Location", "/large?n=10")], &vec![b'x'; n])
            }
            "/digest" => {
                // Digest auth as curl_httpclient_test's DigestAuthHandler:
                // a challenge, then the credentials echoed back.
                let auth = req
                    .headers
                    .get("Authorization")
                    .unwrap_or_default()
                    .into_owned();
                if let Some(params) = auth.strip_prefix("Digest ") {
                    let ok = params.contains("username=\"foo\"")
                        && params.contains("realm=\"test realm\"")
                        && params.contains("nonce=\"1234\"")
                        && params.contains("uri=\"/digest?a=1\"")
                        && params.contains("opaque=\"asdf\"")
                        && params.contains("qop=auth, nc=00000001");
                    if ok {
                        return w.respond(200, text, auth.as_bytes());
                    }
                }
                w.respond(
                    401,
                    [(
                        "WWW-Authenticate",
                        "Digest realm=\"test realm\", nonce=\"1234\", qop=\"auth\", opaque=\"asdf\"",
                    )],
                    b"challenge body",
                )
            }
            _ => w.respond(404, text, b"not found"),
        }
    }
}

/// A running test server on this thread's loop.
pub struct TestServer {
    pub server: HttpServer<tornado_httpserver::HandlerDelegate<App>>,
    pub port: u16,
    pub triggers: Rc<RefCell<VecDeque<Rc<Event>>>>,
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Releases the oldest waiting `/trigger` request.
    pub fn trigger(&self) {
        if let Some(event) = self.triggers.borrow_mut().pop_front() {
            event.set();
        }
    }

    pub fn waiting(&self) -> usize {
        self.triggers.borrow().len()
    }
}

/// Starts the test application on 127.0.0.1 (call inside the loop).
pub fn start() -> TestServer {
    start_with(HttpServerOptions::default())
}

pub fn start_with(options: HttpServerOptions) -> TestServer {
    let app = App::default();
    let triggers = app.triggers.clone();
    let server = HttpServer::handler_with(app, options);
    let port = server.listen(0, Some("127.0.0.1")).expect("listen")[0].port();
    TestServer {
        server,
        port,
        triggers,
    }
}

/// A TLS test server with the test certificate (signed by `ca.pem`).
pub fn start_tls() -> TestServer {
    let config =
        tornado_netutil::tls::server_config(cert("server.pem"), cert("server.key")).unwrap();
    start_with(HttpServerOptions::default().tls(config))
}

/// A raw server on its own thread: for each accepted connection, reads
/// whole requests (head plus Content-Length body) and passes each to
/// `respond`, which returns the bytes to write and whether to close after.
/// Counts accepted connections.
pub struct RawServer {
    pub port: u16,
    pub connections: Arc<AtomicUsize>,
    _thread: JoinHandle<()>,
}

impl RawServer {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Reads one request head and its Content-Length body; `None` at EOF.
pub fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let length = text
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    stream.read_exact(&mut body).ok()?;
    Some((text, body))
}

pub fn raw_server<F>(respond: F) -> RawServer
where
    F: Fn(usize, &str, &[u8]) -> (Vec<u8>, bool) + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    let respond = Arc::new(respond);
    let thread = std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let n = count.fetch_add(1, Ordering::SeqCst);
            let respond = respond.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(TEST_DEADLINE));
                while let Some((head, body)) = read_request(&mut stream) {
                    let (reply, close) = respond(n, &head, &body);
                    if stream.write_all(&reply).is_err() || close {
                        return;
                    }
                }
            });
        }
    });
    RawServer {
        port,
        connections,
        _thread: thread,
    }
}

/// A raw server that answers every request with the same bytes and then
/// closes.
pub fn canned(reply: &'static [u8]) -> RawServer {
    raw_server(move |_, _, _| (reply.to_vec(), true))
}
