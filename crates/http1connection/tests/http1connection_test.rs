//! Mirrors `tornado/test/http1connection_test.py`: its client-role tests on
//! `Http1ClientConnection`, its delegate tests on the server role, plus the
//! delegate call-order contract and the response framing rules (HEAD, 204,
//! 304, Content-Length mismatches, `100-continue`). Each test runs over a
//! Unix socket pair with both ends on the same loop, bounded by `run_sync`.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use bytes::Bytes;
use tornado_http1connection::{
    ConnectionInfo, Http1ClientConnection, Http1ConnectionParameters, HttpMessageDelegate,
    HttpServerConnectionDelegate, RequestHead, ResponseWriter, Result, serve_connection,
};
use tornado_ioloop::IoLoop;
use tornado_iostream::IoStream;

/// What a delegate saw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Event {
    Headers(String),
    Data(usize),
    Finish,
    Close,
}

type Log = Rc<RefCell<Vec<Event>>>;

/// A test application: answers by path, records every delegate call, and
/// fails on purpose where a path asks for it.
#[derive(Debug, Default)]
struct App {
    log: Log,
}

#[derive(Debug)]
struct Message {
    log: Log,
    path: String,
    body: Vec<u8>,
}

impl HttpServerConnectionDelegate for App {
    type Message = Message;
    fn start_request(&self, _: &ConnectionInfo) -> Message {
        Message {
            log: self.log.clone(),
            path: String::new(),
            body: Vec::new(),
        }
    }
}

/// An error as a delegate would get one from the writer: a body written
/// before the headers.
fn writer_error(w: &mut ResponseWriter) -> Result<()> {
    w.write(b"x")
}

impl HttpMessageDelegate for Message {
    async fn headers_received(&mut self, head: &RequestHead, w: &mut ResponseWriter) -> Result<()> {
        self.path = head.path().to_owned();
        self.log
            .borrow_mut()
            .push(Event::Headers(head.path().to_owned()));
        match head.path() {
            "/error/headers_received" => writer_error(w),
            // Answers before reading the body: no 100 Continue.
            "/early" => w.respond(401, [], b"no"),
            _ => Ok(()),
        }
    }

    async fn data_received(&mut self, chunk: Bytes, w: &mut ResponseWriter) -> Result<()> {
        self.log.borrow_mut().push(Event::Data(chunk.len()));
        self.body.extend_from_slice(&chunk);
        if self.path == "/error/data_received" {
            return writer_error(w);
        }
        Ok(())
    }

    async fn finish(&mut self, head: &RequestHead, w: &mut ResponseWriter) -> Result<()> {
        self.log.borrow_mut().push(Event::Finish);
        match self.path.as_str() {
            "/error/finish" => writer_error(w),
            "/early" => Ok(()),
            "/204" => {
                w.write_headers(204, None, [], b"")?;
                w.finish()
            }
            "/304" => {
                w.write_headers(304, None, [("Etag", "\"x\"")], b"")?;
                w.finish()
            }
            "/204-with-body" => {
                w.write_headers(204, None, [], b"")?;
                w.write(b"oops")?;
                w.finish()
            }
            "/head" => {
                // HEAD keeps the GET's Content-Length and sends no body.
                w.write_headers(200, None, [("Content-Length", "11")], b"")?;
                if head.method() != "HEAD" {
                    w.write(b"Hello world")?;
                }
                w.finish()
            }
            "/more" => {
                w.write_headers(200, None, [("Content-Length", "5")], b"")?;
                w.write(b"1234567890")?;
                w.finish()
            }
            "/fewer" => {
                w.write_headers(200, None, [("Content-Length", "10")], b"12345")?;
                w.finish()
            }
            "/chunked" => {
                w.write_headers(200, None, [], b"")?;
                w.write(b"part1")?;
                w.write(b"")?;
                w.write(b"part2")?;
                w.finish()
            }
            _ => {
                let body = format!("{} {}", self.path, self.body.len());
                w.respond(200, [], body.as_bytes())
            }
        }
    }

    fn on_connection_close(&mut self) {
        self.log.borrow_mut().push(Event::Close);
    }
}

/// Serves `app` on one end of a socket pair, writes `request` from the
/// other end (all at once or in `pieces`), and returns what came back
/// when the server closed (or at `deadline`).
fn exchange(
    params: Http1ConnectionParameters,
    pieces: Vec<Vec<u8>>,
    close_client_after: Option<Duration>,
) -> (Vec<u8>, Vec<Event>) {
    let ioloop = IoLoop::new().expect("loop");
    ioloop.make_current();
    let app = App::default();
    let log = app.log.clone();
    let out = ioloop
        .run_sync(
            async move {
                let (client, server) = mio::net::UnixStream::pair().expect("pair");
                let client = IoStream::unix(client).expect("client");
                let server = IoStream::unix(server).expect("server");
                let info = ConnectionInfo::new(None, "http");
                let served = tornado_ioloop::spawn(async move {
                    serve_connection(server, &params, &app, &info).await;
                });
                for piece in pieces {
                    let _ = client.write(piece).await;
                    tornado_ioloop::r#gen::sleep(Duration::from_millis(2)).await;
                }
                let out = match close_client_after {
                    Some(after) => {
                        tornado_ioloop::r#gen::sleep(after).await;
                        let got = client.try_read_bytes(usize::MAX).unwrap_or_default();
                        client.close(None);
                        got.to_vec()
                    }
                    None => client.read_until_close().await.unwrap_or_default().to_vec(),
                };
                let _ = served.await;
                out
            },
            Some(Duration::from_secs(5)),
        )
        .expect("bounded");
    let events = log.borrow().clone();
    (out, events)
}

fn whole(request: &[u8]) -> Vec<Vec<u8>> {
    vec![request.to_vec()]
}

/// Status codes of the responses in `out`, in order.
fn statuses(out: &[u8]) -> Vec<u16> {
    let text = String::from_utf8_lossy(out);
    text.match_indices("HTTP/1.1 ")
        .filter(|(at, _)| *at == 0 || text[..*at].ends_with('\n'))
        .filter_map(|(at, _)| text.get(at + 9..at + 12)?.parse().ok())
        .collect()
}

/// The call-order contract: per request, `headers_received`, then
/// `data_received` any number of times, then exactly one of `finish` or
/// `on_connection_close`.
fn assert_contract(events: &[Event]) {
    let mut state = 0; // 0: expect headers; 1: in a message
    for event in events {
        state = match (state, event) {
            (0, Event::Headers(_)) => 1,
            (1, Event::Data(_)) => 1,
            (1, Event::Finish | Event::Close) => 0,
            _ => panic!("call order broken at {event:?}: {events:?}"),
        };
    }
    assert_eq!(
        state, 0,
        "a message was neither finished nor closed: {events:?}"
    );
}

const CLOSE: &str = "Connection: close\r\n";

fn request(path: &str, extra: &str, body: &[u8]) -> Vec<u8> {
    let mut raw = format!(
        "POST {path} HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n{extra}\r\n",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(body);
    raw
}

// --- http1connection_test.py, server side ------------------------------------

fn check_delegate_error(method: &str) {
    let raw = request(&format!("/error/{method}"), "", b"hello");
    let (out, events) = exchange(Http1ConnectionParameters::default(), whole(&raw), None);
    // Logged and closed: the delegate hears of the close once and the
    // connection ends. As in Tornado, a `finish` that fails is followed by
    // `on_connection_close` (the one case where both are called).
    assert_eq!(
        events.iter().filter(|e| **e == Event::Close).count(),
        1,
        "{events:?}"
    );
    assert!(!statuses(&out).contains(&200), "{out:?}");
    if method == "finish" {
        assert_eq!(events[events.len() - 2..], [Event::Finish, Event::Close]);
    } else {
        assert_contract(&events);
        assert!(!events.contains(&Event::Finish), "{events:?}");
    }
}

#[test]
fn test_error_in_headers_received() {
    check_delegate_error("headers_received");
}

#[test]
fn test_error_in_data_received() {
    check_delegate_error("data_received");
}

#[test]
fn test_error_in_finish() {
    check_delegate_error("finish");
}

#[test]
fn test_chunked_body_tiny_chunks() {
    let mut raw =
        b"POST /tiny HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            .to_vec();
    raw.extend_from_slice(&b"1\r\nx\r\n".repeat(5000));
    raw.extend_from_slice(b"0\r\n\r\n");
    let (out, events) = exchange(Http1ConnectionParameters::default(), whole(&raw), None);
    assert!(
        out.ends_with(b"/tiny 5000"),
        "{:?}",
        String::from_utf8_lossy(&out)
    );
    let delivered: usize = events
        .iter()
        .map(|e| if let Event::Data(n) = e { *n } else { 0 })
        .sum();
    assert_eq!(delivered, 5000);
    assert_contract(&events);
}

#[test]
fn test_chunked_body_bad_chunk_terminator() {
    let raw =
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nfooXX0\r\n\r\n";
    let (out, events) = exchange(Http1ConnectionParameters::default(), whole(raw), None);
    assert_eq!(statuses(&out), [400]);
    assert_contract(&events);
    assert_eq!(events.last(), Some(&Event::Close));
}

// --- the call-order contract ---------------------------------------------------

#[test]
fn delegate_call_order_with_a_body_in_pieces() {
    let params = Http1ConnectionParameters::default().chunk_size(4);
    let raw = request("/ok", CLOSE, b"0123456789");
    let (out, events) = exchange(params, whole(&raw), None);
    assert!(out.ends_with(b"/ok 10"));
    assert_eq!(
        events,
        [
            Event::Headers("/ok".into()),
            Event::Data(4),
            Event::Data(4),
            Event::Data(2),
            Event::Finish
        ]
    );
}

#[test]
fn delegate_call_order_when_the_client_leaves_mid_body() {
    let head = b"POST /gone HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc".to_vec();
    let (_, events) = exchange(
        Http1ConnectionParameters::default(),
        vec![head],
        Some(Duration::from_millis(50)),
    );
    assert_eq!(events.first(), Some(&Event::Headers("/gone".into())));
    assert_eq!(events.last(), Some(&Event::Close));
    assert!(!events.contains(&Event::Finish));
    assert_contract(&events);
}

#[test]
fn delegate_call_order_over_pipelined_requests() {
    let raw = [
        request("/a", "", b"xy"),
        request("/error/data_received", "", b"z"),
        request("/never", "", b""),
    ]
    .concat();
    let (out, events) = exchange(Http1ConnectionParameters::default(), whole(&raw), None);
    assert_eq!(statuses(&out), [200]);
    assert_contract(&events);
    assert!(
        !events.contains(&Event::Headers("/never".into())),
        "{events:?}"
    );
}

// --- response framing ------------------------------------------------------------

#[test]
fn head_204_and_304_carry_no_body() {
    let raw = [
        b"HEAD /head HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(),
        b"GET /204 HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(),
        b"GET /304 HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(),
        b"GET /head HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".to_vec(),
    ]
    .concat();
    let (out, _) = exchange(Http1ConnectionParameters::default(), whole(&raw), None);
    let text = String::from_utf8_lossy(&out);
    assert_eq!(statuses(&out), [200, 204, 304, 200], "{text}");
    // Only the GET carries "Hello world", and nothing is chunked.
    assert_eq!(text.matches("Hello world").count(), 1, "{text}");
    assert!(!text.contains("Transfer-Encoding"), "{text}");
    assert!(text.ends_with("\r\n\r\nHello world"), "{text}");
}

#[test]
fn a_body_on_a_204_is_an_error_not_a_corrupt_stream() {
    let raw = [
        b"GET /204-with-body HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(),
        b"GET /probe HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(),
    ]
    .concat();
    let (out, events) = exchange(Http1ConnectionParameters::default(), whole(&raw), None);
    // The queued head may be dropped with the close; what never happens is
    // a body on the 204 or an answer to the next request.
    assert!(!String::from_utf8_lossy(&out).contains("oops"));
    assert!(matches!(statuses(&out)[..], [] | [204]), "{out:?}");
    // The failing `finish` is followed by `on_connection_close`.
    assert_eq!(events[events.len() - 2..], [Event::Finish, Event::Close]);
}

#[test]
fn writing_more_than_content_length_fails_and_closes() {
    let raw = [
        b"GET /more HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(),
        b"GET /probe HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(),
    ]
    .concat();
    let (out, _) = exchange(Http1ConnectionParameters::default(), whole(&raw), None);
    let text = String::from_utf8_lossy(&out);
    assert!(statuses(&out).len() <= 1, "{text}");
    assert!(
        !text.contains("67890"),
        "bytes past the Content-Length: {text}"
    );
    assert!(!text.contains("/probe"), "{text}");
}

#[test]
fn writing_fewer_than_content_length_fails_and_closes() {
    let raw = [
        b"GET /fewer HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(),
        b"GET /probe HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(),
    ]
    .concat();
    let (out, _) = exchange(Http1ConnectionParameters::default(), whole(&raw), None);
    let text = String::from_utf8_lossy(&out);
    assert!(matches!(statuses(&out)[..], [] | [200]), "{text}");
    assert!(!text.contains("/probe"), "{text}");
}

#[test]
fn chunked_output_skips_empty_writes() {
    let (out, _) = exchange(
        Http1ConnectionParameters::default(),
        whole(b"GET /chunked HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
        None,
    );
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("Transfer-Encoding: chunked"), "{text}");
    assert!(
        text.ends_with("\r\n\r\n5\r\npart1\r\n5\r\npart2\r\n0\r\n\r\n"),
        "{text}"
    );
}

// --- 100-continue ------------------------------------------------------------------

#[test]
fn continue_is_sent_when_the_body_will_be_read() {
    let head = b"POST /ok HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n";
    let (out, _) = exchange(
        Http1ConnectionParameters::default(),
        vec![head.to_vec(), b"abc".to_vec()],
        None,
    );
    assert_eq!(statuses(&out), [100, 200]);
    assert!(out.ends_with(b"/ok 3"));
}

#[test]
fn continue_is_not_sent_for_a_body_over_the_limit() {
    let params = Http1ConnectionParameters::default().max_body_size(10);
    let head =
        b"POST /ok HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n";
    let (out, events) = exchange(params, whole(head), None);
    assert_eq!(statuses(&out), [413]);
    assert!(events.is_empty(), "the delegate never starts: {events:?}");
}

#[test]
fn continue_is_not_sent_when_the_delegate_answers_first() {
    let head =
        b"POST /early HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n";
    let (out, _) = exchange(Http1ConnectionParameters::default(), whole(head), None);
    // The body was never read, so the connection cannot be reused.
    assert_eq!(statuses(&out), [401]);
}

#[test]
fn parameters_have_tornados_defaults() {
    let p = Http1ConnectionParameters::default();
    assert!(!p.no_keep_alive);
    assert_eq!(p.chunk_size, 64 * 1024);
    assert_eq!(p.max_header_size, 64 * 1024);
    assert_eq!(p.max_body_size, 100 * 1024 * 1024);
    assert_eq!(p.idle_timeout, Some(Duration::from_secs(3600)));
    assert_eq!(p.header_timeout, Some(Duration::from_secs(60)));
    assert_eq!(p.body_timeout, None);
    assert!(!p.decompress);
    assert_eq!(p.max_header_count, 100);
    assert_eq!(p.max_chunk_extensions, 16 * 1024);
    assert_eq!(p.max_trailer_size, 16 * 1024);
}

#[test]
fn no_keep_alive_closes_after_each_response() {
    let raw = [request("/one", "", b""), request("/two", "", b"")].concat();
    let params = Http1ConnectionParameters::default().no_keep_alive(true);
    let (out, _) = exchange(params, whole(&raw), None);
    assert_eq!(statuses(&out), [200]);
    assert!(String::from_utf8_lossy(&out).contains("Connection: close"));
}

/// The client role: `Http1ClientConnection` sends a GET, the raw server end
/// answers with `response` and closes. Returns the codes of the heads read
/// (informational ones first), the body, how many times the body read
/// reported its end, and whether a further head read is refused.
fn client_reads(response: &'static [u8]) -> (Vec<u16>, Vec<u8>, usize, bool) {
    let ioloop = IoLoop::new().expect("loop");
    ioloop.make_current();
    ioloop
        .run_sync(
            async move {
                let (client, server) = mio::net::UnixStream::pair().expect("pair");
                let client = IoStream::unix(client).expect("client");
                let server = IoStream::unix(server).expect("server");
                let mut conn =
                    Http1ClientConnection::new(client, Http1ConnectionParameters::default());
                conn.write_request::<&str, &str>("GET", "/", &[("Host", "x")], Bytes::new())
                    .expect("request queued");
                let _ = server.read_until(b"\r\n\r\n", None).await;
                let _ = server.write(Bytes::from_static(response)).await;
                server.close(None);
                let mut codes = Vec::new();
                loop {
                    let head = conn.read_response_head().await.expect("a head");
                    codes.push(head.code);
                    if !head.is_informational() {
                        break;
                    }
                }
                let mut body = Vec::new();
                while let Some(chunk) = conn.read_body_chunk().await.expect("body") {
                    body.extend_from_slice(&chunk);
                }
                // Once finished, nothing more is read: a second body would
                // count as a second end.
                let second = conn.read_body_chunk().await.expect("done");
                let ends = 1 + usize::from(second.is_some());
                let no_second_head = conn.read_response_head().await.is_err();
                (codes, body, ends, no_second_head)
            },
            Some(Duration::from_secs(5)),
        )
        .expect("bounded")
}

#[test]
fn test_1xx_does_not_read_a_second_body() {
    let (codes, body, ends, no_second_head) = client_reads(
        b"HTTP/1.1 100 CONTINUE\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert_eq!(codes, [100, 200]);
    assert_eq!(body, b"hello");
    assert_eq!(ends, 1);
    assert!(no_second_head);
}

#[test]
fn test_http10_no_content_length() {
    // HTTP/1.0 without a length: the close ends the body.
    let (codes, body, ends, _) = client_reads(b"HTTP/1.0 200 Not Modified\r\n\r\nhello");
    assert_eq!(codes, [200]);
    assert_eq!(body, b"hello");
    assert_eq!(ends, 1);
}

/// A small response's head and body leave in one write: over a
/// `SOCK_SEQPACKET` socket, which keeps each write a record of its own, the
/// whole response arrives as one record.
#[test]
fn a_small_response_leaves_in_one_write() {
    use socket2::{Domain, Socket, Type};
    let (client, server) = Socket::pair(Domain::UNIX, Type::SEQPACKET, None).expect("pair");
    // Plain read and write work on a packet socket; each read takes one
    // record (one write of the other end).
    let mut client = std::os::unix::net::UnixStream::from(std::os::fd::OwnedFd::from(client));
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let server = std::os::unix::net::UnixStream::from(std::os::fd::OwnedFd::from(server));
    server.set_nonblocking(true).expect("nonblocking");
    let reader = std::thread::spawn(move || {
        use std::io::{Read, Write};
        client
            .write_all(b"GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
            .expect("send");
        let mut records = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = client.read(&mut buf) {
            records.push(buf[..n].to_vec());
        }
        records
    });
    let ioloop = IoLoop::new().expect("loop");
    ioloop.make_current();
    let app = App::default();
    ioloop
        .run_sync(
            async move {
                let stream =
                    IoStream::unix(mio::net::UnixStream::from_std(server)).expect("stream");
                let info = ConnectionInfo::new(None, "http");
                let params = Http1ConnectionParameters::default();
                let serve = serve_connection(stream, &params, &app, &info);
                let _ =
                    tornado_ioloop::r#gen::with_timeout(Duration::from_millis(300), serve).await;
            },
            Some(Duration::from_secs(5)),
        )
        .expect("bounded");
    let records = reader.join().expect("reader");
    assert_eq!(records.len(), 1);
    let text = String::from_utf8_lossy(&records[0]).into_owned();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text:?}");
    assert!(text.ends_with("\r\n\r\n/small 0"), "{text:?}");
}
