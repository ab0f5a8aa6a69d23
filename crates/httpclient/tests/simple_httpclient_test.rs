//! Mirrors `tornado/test/simple_httpclient_test.py`: the queue, timeouts,
//! framing edge cases, `100-continue`, limits, TLS and name mapping,
//! against this project's `HttpServer` and raw-socket peers.

mod common;

use std::rc::Rc;
use std::time::Duration;

use common::{canned, cert, gzip, run, start, start_tls};
use tornado_httpclient::{AsyncHttpClient, ClientOptions, ErrorKind, HttpRequest};
use tornado_ioloop::r#gen;
use tornado_netutil::{AddressFamily, ResolveFuture, Resolver};

fn client() -> AsyncHttpClient {
    AsyncHttpClient::new()
}

/// Lets the loop run until `done` or a second passes.
async fn wait_until(done: impl Fn() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        r#gen::sleep(Duration::from_millis(1)).await;
    }
    panic!("condition not reached");
}

#[test]
fn test_singleton() {
    run(async {
        // The thread's instance is shared; new() makes another.
        let a = AsyncHttpClient::instance();
        let b = AsyncHttpClient::instance();
        assert!(std::ptr::eq(a.options(), b.options()));
        let c = AsyncHttpClient::new();
        assert!(!std::ptr::eq(a.options(), c.options()));
        // A closed instance is replaced.
        a.close();
        let d = AsyncHttpClient::instance();
        assert!(!std::ptr::eq(a.options(), d.options()));
    });
}

#[test]
fn test_connection_limit() {
    run(async {
        let s = start();
        let client = AsyncHttpClient::with_options(ClientOptions::default().max_clients(2));
        assert_eq!(client.max_clients(), 2);
        let seen = Rc::new(std::cell::RefCell::new(Vec::new()));
        for i in 0..4 {
            let (client, seen, url) = (client.clone(), seen.clone(), s.url("/trigger"));
            tornado_ioloop::spawn(async move {
                client.fetch(url).await.unwrap();
                seen.borrow_mut().push(i);
            });
        }
        wait_until(|| s.waiting() == 2).await;
        assert_eq!(client.queued(), 2);
        assert_eq!(client.active(), 2);
        s.trigger();
        s.trigger();
        wait_until(|| s.waiting() == 2 && seen.borrow().len() == 2).await;
        let mut first: Vec<i32> = seen.borrow().clone();
        first.sort();
        assert_eq!(first, [0, 1], "the queue is first in, first out");
        assert_eq!(client.queued(), 0);
        s.trigger();
        s.trigger();
        wait_until(|| seen.borrow().len() == 4).await;
        assert_eq!(s.waiting(), 0);
    });
}

#[test]
fn test_redirect_connection_limit() {
    // Following redirects takes no extra slot: no deadlock at max_clients 1.
    run(async {
        let s = start();
        let client = AsyncHttpClient::with_options(ClientOptions::default().max_clients(1));
        let r = client
            .fetch(HttpRequest::new(s.url("/countdown?n=3")).max_redirects(3))
            .await
            .unwrap();
        assert_eq!(r.text(), Some("Zero"));
    });
}

#[test]
fn test_max_redirects() {
    run(async {
        let s = start();
        let r = client()
            .fetch_with(
                HttpRequest::new(s.url("/countdown?n=5")).max_redirects(3),
                false,
            )
            .await
            .unwrap();
        assert_eq!(r.code, 302);
        assert!(r.request_url.ends_with("/countdown?n=5"));
        assert!(r.effective_url.ends_with("/countdown?n=2"));
        assert!(
            r.headers
                .get("Location")
                .unwrap()
                .ends_with("/countdown?n=1")
        );
    });
}

#[test]
fn test_redirect_loop() {
    // A redirect to itself ends after max_redirects with the 302.
    run(async {
        let s = start();
        let url = s.url("/redirect?status=302&url=/redirect%3Fstatus%3D302%26url%3D/redirect");
        let e = client().fetch(url).await.unwrap_err();
        assert_eq!(e.code(), 302);
    });
}

#[test]
fn test_redirect_unsupported_scheme() {
    run(async {
        let s = start();
        for location in [
            "ftp://example.com/",
            "h:5",
            "file:///etc/passwd",
            "javascript:alert(1)",
        ] {
            let url = s.url(&format!("/redirect?url={}", location.replace(':', "%3A")));
            let e = client().fetch(url).await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidRequest, "{location}");
            assert!(e.message().contains("Unsupported url scheme"), "{e}");
        }
    });
}

#[test]
fn test_header_reuse() {
    run(async {
        let s = start();
        let request = HttpRequest::new(s.url("/hello"))
            .header("User-Agent", "Foo")
            .unwrap();
        let before: Vec<(String, String)> = request
            .headers
            .get_all()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        client().fetch(request.clone()).await.unwrap();
        let after: Vec<(String, String)> = request
            .headers
            .get_all()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(before, after);
        assert_eq!(after, [("User-Agent".to_owned(), "Foo".to_owned())]);
    });
}

#[test]
fn test_default_user_agent() {
    run(async {
        let s = start();
        let r = client().fetch(s.url("/user_agent")).await.unwrap();
        assert_eq!(r.text(), Some(tornado_httpclient::DEFAULT_USER_AGENT));
        let r = client()
            .fetch(HttpRequest::new(s.url("/user_agent")).user_agent("custom/1"))
            .await
            .unwrap();
        assert_eq!(r.text(), Some("custom/1"));
    });
}

#[test]
fn test_see_other_redirect() {
    run(async {
        let s = start();
        let r = client()
            .fetch(
                HttpRequest::new(s.url("/see_other_post"))
                    .method("POST")
                    .body("123"),
            )
            .await
            .unwrap();
        assert_eq!(r.code, 200);
        assert!(r.effective_url.ends_with("/see_other_get"));
    });
}

/// A resolver that never answers.
#[derive(Debug)]
struct NeverResolver;

impl Resolver for NeverResolver {
    fn resolve(&self, _: &str, _: u16, _: AddressFamily) -> ResolveFuture {
        Box::pin(std::future::pending())
    }
}

#[test]
fn test_connect_timeout() {
    run(async {
        let client = AsyncHttpClient::with_options(
            ClientOptions::default().resolver(Rc::new(NeverResolver)),
        );
        let e = client
            .fetch(
                HttpRequest::new("http://example.com/").connect_timeout(Duration::from_millis(50)),
            )
            .await
            .unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::Timeout));
        assert_eq!(e.message(), "Timeout while connecting");
    });
}

#[test]
fn test_resolve_timeout() {
    // ResolveTimeoutTestCase: a slow resolver is bounded by connect_timeout.
    run(async {
        let client = AsyncHttpClient::with_options(
            ClientOptions::default().resolver(Rc::new(NeverResolver)),
        );
        let started = tornado_ioloop::IoLoop::current().time();
        let e = client
            .fetch(
                HttpRequest::new("http://example.com/").connect_timeout(Duration::from_millis(100)),
            )
            .await
            .unwrap_err();
        assert!(e.is_timeout());
        assert!(tornado_ioloop::IoLoop::current().time() - started < Duration::from_secs(2));
    });
}

#[test]
fn test_request_timeout() {
    run(async {
        let s = start();
        let e = client()
            .fetch(HttpRequest::new(s.url("/trigger")).request_timeout(Duration::from_millis(100)))
            .await
            .unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::Timeout));
        assert_eq!(e.message(), "Timeout during request");
        s.trigger();
    });
}

#[test]
fn test_ipv6() {
    run(async {
        let server = tornado_httpserver::HttpServer::handler(common::App::default());
        let Ok(addrs) = server.listen(0, Some("::1")) else {
            println!("warning: no IPv6 loopback here; test_ipv6 checks nothing");
            return;
        };
        let port = addrs[0].port();
        let r = client()
            .fetch(format!("http://[::1]:{port}/hello"))
            .await
            .unwrap();
        assert_eq!(r.text(), Some("Hello world!"));
        let r = client()
            .fetch(format!("http://[::1]:{port}/host_echo"))
            .await
            .unwrap();
        assert_eq!(r.text(), Some(format!("[::1]:{port}").as_str()));
    });
}

#[test]
fn test_multiple_content_length_accepted() {
    let same = canned(b"HTTP/1.1 200 OK\r\nContent-Length: 2,2\r\n\r\nok");
    let spaced = canned(b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok");
    let differing = canned(b"HTTP/1.1 200 OK\r\nContent-Length: 2,4\r\n\r\nok");
    run(async {
        for server in [&same, &spaced] {
            let r = client().fetch(server.url("/")).await.unwrap();
            assert_eq!(r.text(), Some("ok"));
        }
        let e = client().fetch(differing.url("/")).await.unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::BadResponse));
    });
}

#[test]
fn test_head_request() {
    run(async {
        let s = start();
        let r = client()
            .fetch(HttpRequest::new(s.url("/head")).method("HEAD"))
            .await
            .unwrap();
        assert_eq!(r.code, 200);
        assert!(r.body.is_empty());
    });
}

#[test]
fn test_options_request() {
    run(async {
        let s = start();
        let r = client()
            .fetch(HttpRequest::new(s.url("/options")).method("OPTIONS"))
            .await
            .unwrap();
        assert_eq!(r.code, 200);
        assert_eq!(r.text(), Some("ok"));
        assert_eq!(r.headers.get("Access-Control-Allow-Origin").unwrap(), "*");
    });
}

#[test]
fn test_no_content() {
    run(async {
        let s = start();
        let r = client().fetch(s.url("/no_content")).await.unwrap();
        assert_eq!(r.code, 204);
        assert!(r.body.is_empty());
        assert!(!r.headers.contains("Content-Length"));
    });
}

#[test]
fn test_host_header() {
    run(async {
        let s = start();
        let r = client().fetch(s.url("/host_echo")).await.unwrap();
        assert_eq!(r.text(), Some(format!("127.0.0.1:{}", s.port).as_str()));
    });
}

#[test]
fn test_connection_refused() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    run(async {
        let e = client()
            .fetch(format!("http://127.0.0.1:{port}/"))
            .await
            .unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::Connect));
        assert!(e.is_network());
    });
}

#[test]
fn test_queue_timeout() {
    run(async {
        let s = start();
        let client = AsyncHttpClient::with_options(ClientOptions::default().max_clients(1));
        let first = {
            let (client, url) = (client.clone(), s.url("/trigger"));
            tornado_ioloop::spawn(async move { client.fetch(url).await })
        };
        wait_until(|| s.waiting() == 1).await;
        let e = client
            .fetch(HttpRequest::new(s.url("/hello")).connect_timeout(Duration::from_millis(50)))
            .await
            .unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::Timeout));
        assert_eq!(e.message(), "Timeout in request queue");
        s.trigger();
        assert_eq!(first.await.unwrap().unwrap().code, 200);
        assert_eq!(client.queued(), 0);
    });
}

#[test]
fn test_no_content_length() {
    // HTTP/1.0, no Content-Length: the body runs until the server closes.
    let server = canned(b"HTTP/1.0 200 OK\r\n\r\nhello");
    run(async {
        let client = client();
        let r = client.fetch(server.url("/")).await.unwrap();
        assert_eq!(r.text(), Some("hello"));
        assert_eq!(
            client.idle_connections(),
            0,
            "a close-delimited response is not reused"
        );
    });
}

fn producer_request(url: String, content_length: bool) -> HttpRequest {
    let mut request = HttpRequest::new(url)
        .method("POST")
        .body_producer(|writer| async move {
            writer.write(&b"1234"[..]).await?;
            r#gen::moment().await;
            writer.write(&b"5678"[..]).await
        });
    if content_length {
        request = request.header("Content-Length", "8").unwrap();
    }
    request
}

#[test]
fn test_async_body_producer_chunked() {
    run(async {
        let s = start();
        let r = client()
            .fetch(producer_request(s.url("/echo_post"), false))
            .await
            .unwrap();
        assert_eq!(r.text(), Some("12345678"));
    });
}

#[test]
fn test_async_body_producer_content_length() {
    run(async {
        let s = start();
        let r = client()
            .fetch(producer_request(s.url("/echo_post"), true))
            .await
            .unwrap();
        assert_eq!(r.text(), Some("12345678"));
    });
}

#[test]
fn test_body_producer_wrong_length() {
    // A producer that writes more than its Content-Length is refused.
    run(async {
        let s = start();
        let request = producer_request(s.url("/echo_post"), false)
            .header("Content-Length", "4")
            .unwrap();
        let e = client().fetch(request).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    });
}

#[test]
fn test_100_continue() {
    run(async {
        let s = start();
        let r = client()
            .fetch(
                HttpRequest::new(s.url("/echo_post"))
                    .method("POST")
                    .body("1234")
                    .expect_100_continue(true),
            )
            .await
            .unwrap();
        assert_eq!(r.text(), Some("1234"));
    });
}

#[test]
fn test_100_continue_early_response() {
    // The server answers before asking for the body: the body is never
    // sent and the connection is not reused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut stream, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
            head.push(byte[0]);
        }
        stream
            .write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            .unwrap();
        // Nothing of the body may follow the head.
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let extra = stream.read(&mut [0u8; 16]).unwrap_or(0);
        (String::from_utf8(head).unwrap(), extra)
    });
    run(async {
        let client = client();
        let r = client
            .fetch_with(
                HttpRequest::new(format!("http://127.0.0.1:{port}/"))
                    .method("POST")
                    .body("1234")
                    .expect_100_continue(true),
                false,
            )
            .await
            .unwrap();
        assert_eq!(r.code, 403);
        assert_eq!(client.idle_connections(), 0);
    });
    let (head, extra) = server.join().unwrap();
    assert!(head.contains("Expect: 100-continue\r\n"));
    assert_eq!(extra, 0, "the body was never sent");
}

#[test]
fn test_streaming_follow_redirects() {
    // Redirect bodies never reach the streaming callback.
    run(async {
        let s = start();
        let chunks = Rc::new(std::cell::RefCell::new(Vec::new()));
        let sink = chunks.clone();
        client()
            .fetch(
                HttpRequest::new(s.url("/redirect?url=/hello&status=302"))
                    .streaming_callback(move |c| sink.borrow_mut().push(c)),
            )
            .await
            .unwrap();
        assert_eq!(chunks.borrow().concat(), b"Hello world!");
    });
}

#[test]
fn test_100_continue_unsolicited() {
    // HTTP100ContinueTestCase: a 100 the client did not ask for is skipped.
    let server =
        canned(b"HTTP/1.1 100 CONTINUE\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA");
    run(async {
        let r = client().fetch(server.url("/")).await.unwrap();
        assert_eq!(r.text(), Some("A"));
    });
}

fn informational(n: usize) -> &'static [u8] {
    let mut reply = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(n);
    reply.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    Vec::leak(reply)
}

#[test]
fn test_1xx_within_limit() {
    let server = canned(informational(10));
    run(async {
        let r = client().fetch(server.url("/")).await.unwrap();
        assert_eq!(r.text(), Some("hello"));
    });
}

#[test]
fn test_too_many_1xx() {
    let server = canned(informational(11));
    run(async {
        let e = client().fetch(server.url("/")).await.unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::BadResponse));
        assert_eq!(e.message(), "too many 1xx responses");
    });
}

#[test]
fn test_concatenated() {
    // GzipResponseTestCase: a body of two gzip members decodes to both.
    let mut body = gzip(b"hello ");
    body.extend(gzip(b"world"));
    let mut reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    reply.extend(body);
    let server = canned(Vec::leak(reply));
    run(async {
        let r = client().fetch(server.url("/")).await.unwrap();
        assert_eq!(r.text(), Some("hello world"));
    });
}

#[test]
fn test_head() {
    // A HEAD response with Content-Encoding: gzip has no body to decode.
    let server = canned(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 33\r\n\r\n");
    run(async {
        let r = client()
            .fetch(HttpRequest::new(server.url("/")).method("HEAD"))
            .await
            .unwrap();
        assert!(r.body.is_empty());
    });
}

#[test]
fn test_invalid() {
    // Gzip with trailing garbage is an error, never silently truncated.
    let mut body = gzip(b"hello");
    body.extend_from_slice(b"garbage");
    let mut reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    reply.extend(body);
    let server = canned(Vec::leak(reply));
    run(async {
        let e = client().fetch(server.url("/")).await.unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::BadResponse));
    });
}

#[test]
fn test_204_no_content() {
    let server = canned(b"HTTP/1.1 204 No Content\r\n\r\n");
    run(async {
        let r = client().fetch(server.url("/")).await.unwrap();
        assert_eq!(r.code, 204);
        assert!(r.body.is_empty());
    });
}

#[test]
fn test_204_invalid_content_length() {
    let server = canned(b"HTTP/1.1 204 No Content\r\nContent-Length: 1\r\n\r\n1");
    run(async {
        let e = client().fetch(server.url("/")).await.unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::BadResponse));
    });
}

#[test]
fn test_hostname_mapping() {
    run(async {
        let s = start();
        let client = AsyncHttpClient::with_options(
            ClientOptions::default().map_host("www.example.com", "127.0.0.1"),
        );
        let r = client
            .fetch(format!("http://www.example.com:{}/hello", s.port))
            .await
            .unwrap();
        assert_eq!(r.text(), Some("Hello world!"));
    });
}

#[test]
fn test_port_mapping() {
    run(async {
        let s = start();
        let client = AsyncHttpClient::with_options(ClientOptions::default().map_host_port(
            "foo.example.com",
            80,
            "127.0.0.1",
            s.port,
        ));
        let r = client.fetch("http://foo.example.com/hello").await.unwrap();
        assert_eq!(r.text(), Some("Hello world!"));
    });
}

#[test]
fn test_tls_handshake_timeout() {
    // A server that accepts and never speaks: the handshake is bounded by
    // connect_timeout.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    run(async {
        let e = client()
            .fetch(
                HttpRequest::new(format!("https://127.0.0.1:{port}/"))
                    .connect_timeout(Duration::from_millis(100)),
            )
            .await
            .unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::Timeout));
        assert_eq!(e.message(), "Timeout while connecting");
    });
    drop(listener);
}

#[test]
fn test_small_headers() {
    run(async {
        let s = start();
        let client = AsyncHttpClient::with_options(ClientOptions::default().max_header_size(1024));
        let r = client
            .fetch(s.url(&format!("/set_header?k=X-Filler&v={}", "a".repeat(100))))
            .await
            .unwrap();
        assert_eq!(r.headers.get("X-Filler").unwrap().len(), 100);
    });
}

#[test]
fn test_large_headers() {
    run(async {
        let s = start();
        let client = AsyncHttpClient::with_options(ClientOptions::default().max_header_size(1024));
        let e = client
            .fetch(s.url(&format!("/set_header?k=X-Filler&v={}", "a".repeat(1000))))
            .await
            .unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::TooLarge));
    });
}

#[test]
fn test_large_body_until_close() {
    // MaxBodySizeUntilCloseTest: the limit holds for close-delimited bodies.
    let body = vec![b'a'; 100 * 1024];
    let mut reply = b"HTTP/1.0 200 OK\r\n\r\n".to_vec();
    reply.extend(body);
    let server = canned(Vec::leak(reply));
    run(async {
        let client =
            AsyncHttpClient::with_options(ClientOptions::default().max_body_size(64 * 1024));
        let e = client.fetch(server.url("/")).await.unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::TooLarge));
    });
}

#[test]
fn test_large_body() {
    // MaxBufferSizeTest: a body larger than the stream buffer still
    // arrives, in pieces.
    run(async {
        let s = start();
        let client = AsyncHttpClient::with_options(
            ClientOptions::default()
                .max_buffer_size(16 * 1024)
                .max_body_size(100 * 1024),
        );
        let r = client.fetch(s.url("/large?n=65536")).await.unwrap();
        assert_eq!(r.body.len(), 65536);
    });
}

#[test]
fn test_chunked_with_content_length() {
    let server = canned(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 11\r\n\r\nHello world",
    );
    run(async {
        let e = client().fetch(server.url("/")).await.unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::BadResponse));
        assert_eq!(
            e.message(),
            "message with both Transfer-Encoding and Content-Length"
        );
    });
}

#[test]
fn test_wrong_content_length() {
    // Fewer body bytes than promised, then a close: 599, never a short body.
    let server = canned(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort");
    run(async {
        let e = client().fetch(server.url("/")).await.unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::StreamClosed));
    });
}

// SimpleHTTPSClientTestCase: TLS with the test certificates.

#[test]
fn test_ssl_options() {
    // validate_cert false accepts the self-signed chain.
    run(async {
        let s = start_tls();
        let url = format!("https://127.0.0.1:{}/hello", s.port);
        let r = client()
            .fetch(HttpRequest::new(url).validate_cert(false))
            .await
            .unwrap();
        assert_eq!(r.text(), Some("Hello world!"));
        assert!(r.time_info.tls.is_some());
    });
}

#[test]
fn test_ssl_ca_certs() {
    run(async {
        let s = start_tls();
        let url = format!("https://127.0.0.1:{}/hello", s.port);
        let r = client()
            .fetch(HttpRequest::new(&url).ca_certs(cert("ca.pem")))
            .await
            .unwrap();
        assert_eq!(r.text(), Some("Hello world!"));
        let r = client()
            .fetch(
                HttpRequest::new(format!("https://localhost:{}/hello", s.port))
                    .ca_certs(cert("ca.pem")),
            )
            .await
            .unwrap();
        assert_eq!(r.code, 200);
    });
}

#[test]
fn test_ssl_context() {
    // A complete TLS configuration (Tornado's ssl_options as an SSLContext).
    run(async {
        let s = start_tls();
        let options = tornado_netutil::tls::ClientTlsOptions::default().ca_file(cert("ca.pem"));
        let config = tornado_netutil::tls::client_config(&options).unwrap();
        let r = client()
            .fetch(
                HttpRequest::new(format!("https://127.0.0.1:{}/hello", s.port)).tls_config(config),
            )
            .await
            .unwrap();
        assert_eq!(r.text(), Some("Hello world!"));
    });
}

#[test]
fn test_ssl_context_handshake_fail() {
    run(async {
        let s = start_tls();
        let options =
            tornado_netutil::tls::ClientTlsOptions::default().ca_file(cert("other-ca.pem"));
        let config = tornado_netutil::tls::client_config(&options).unwrap();
        let e = client()
            .fetch(
                HttpRequest::new(format!("https://127.0.0.1:{}/hello", s.port)).tls_config(config),
            )
            .await
            .unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::Tls));
    });
}

#[test]
fn test_ssl_options_handshake_fail() {
    // A certificate that does not verify is refused unless validate_cert
    // is false.
    run(async {
        let s = start_tls();
        let url = format!("https://127.0.0.1:{}/hello", s.port);
        let e = client().fetch(url.clone()).await.unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::Tls));
        let e = client()
            .fetch(HttpRequest::new(&url).ca_certs(cert("other-ca.pem")))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Tls);
    });
}

#[test]
fn test_error_logging() {
    // A plain-HTTP server on the https port: a clean 599, not a hang.
    run(async {
        let s = start();
        let e = client()
            .fetch(
                HttpRequest::new(format!("https://127.0.0.1:{}/", s.port))
                    .connect_timeout(Duration::from_secs(2)),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), 599);
    });
}

#[test]
fn test_max_clients() {
    // CreateAsyncHTTPClientTestCase
    assert_eq!(AsyncHttpClient::new().max_clients(), 10);
    assert_eq!(
        AsyncHttpClient::with_options(ClientOptions::default().max_clients(11)).max_clients(),
        11
    );
}

#[test]
fn test_max_header_count() {
    // Our limit on header lines (1,000 by default), configurable.
    let mut reply = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..20 {
        reply.extend(format!("X-{i}: v\r\n").bytes());
    }
    reply.extend(b"Content-Length: 0\r\n\r\n");
    let server = canned(Vec::leak(reply));
    run(async {
        let r = client().fetch(server.url("/")).await.unwrap();
        assert_eq!(r.headers.len(), 21);
        let strict = AsyncHttpClient::with_options(ClientOptions::default().max_header_count(10));
        let e = strict.fetch(server.url("/")).await.unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::TooLarge));
    });
}

#[test]
fn test_trailers_and_extensions_are_bounded() {
    // Chunk extensions and trailers are accepted and dropped, within 16 KiB.
    let ok = canned(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;name=value\r\nok\r\n0\r\nX-Trailer: t\r\n\r\n",
    );
    let mut long_trailer =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n".to_vec();
    long_trailer.extend(format!("X-Big: {}\r\n\r\n", "a".repeat(20_000)).bytes());
    let long_trailer = canned(Vec::leak(long_trailer));
    let mut long_extension = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2".to_vec();
    long_extension.extend(format!(";x={}\r\nok\r\n0\r\n\r\n", "a".repeat(20_000)).bytes());
    let long_extension = canned(Vec::leak(long_extension));
    run(async {
        let r = client().fetch(ok.url("/")).await.unwrap();
        assert_eq!(r.text(), Some("ok"));
        for server in [&long_trailer, &long_extension] {
            let e = client().fetch(server.url("/")).await.unwrap_err();
            assert_eq!((e.code(), e.kind()), (599, ErrorKind::BadResponse));
        }
    });
}
