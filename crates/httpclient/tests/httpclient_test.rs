//! Mirrors `tornado/test/httpclient_test.py` against this project's
//! `HttpServer` and raw-socket peers. Python-only and curl-only tests are
//! listed in `docs/test-map.md`.

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use common::{canned, gzip, raw_server, run, start};
use tornado_httpclient::{
    AsyncHttpClient, ClientOptions, ErrorKind, HttpClient, HttpClientError, HttpRequest,
};
use tornado_httputil::HttpHeaders;

fn client() -> AsyncHttpClient {
    AsyncHttpClient::new()
}

#[test]
fn test_patch_receives_payload() {
    run(async {
        let s = start();
        let body = "some patch data";
        let r = client()
            .fetch(HttpRequest::new(s.url("/patch")).method("PATCH").body(body))
            .await
            .unwrap();
        assert_eq!(r.code, 200);
        assert_eq!(r.text(), Some(body));
    });
}

#[test]
fn test_hello_world() {
    run(async {
        let s = start();
        let r = client().fetch(s.url("/hello")).await.unwrap();
        assert_eq!(r.code, 200);
        assert_eq!(r.headers.get("Content-Type").unwrap(), "text/plain");
        assert_eq!(r.text(), Some("Hello world!"));
        assert!(r.request_time > Duration::ZERO);
        let r = client().fetch(s.url("/hello?name=Ben")).await.unwrap();
        assert_eq!(r.text(), Some("Hello Ben!"));
    });
}

#[test]
fn test_streaming_callback() {
    run(async {
        let s = start();
        let chunks = Rc::new(RefCell::new(Vec::<Bytes>::new()));
        let sink = chunks.clone();
        let r = client()
            .fetch(
                HttpRequest::new(s.url("/hello"))
                    .streaming_callback(move |c| sink.borrow_mut().push(c)),
            )
            .await
            .unwrap();
        assert_eq!(chunks.borrow().concat(), b"Hello world!");
        // With a streaming callback, the response body is empty.
        assert!(r.body.is_empty());
    });
}

#[test]
fn test_streaming_callback_large_body() {
    run(async {
        let s = start();
        let total = Rc::new(Cell::new(0usize));
        let count = Rc::new(Cell::new(0usize));
        let (t, c) = (total.clone(), count.clone());
        client()
            .fetch(
                HttpRequest::new(s.url("/large?n=1048576")).streaming_callback(move |chunk| {
                    t.set(t.get() + chunk.len());
                    c.set(c.get() + 1);
                    assert!(chunk.len() <= 64 * 1024);
                }),
            )
            .await
            .unwrap();
        assert_eq!(total.get(), 1 << 20);
        assert!(count.get() >= 16, "the body arrived in pieces");
    });
}

#[test]
fn test_streaming_decompression_bomb() {
    run(async {
        let s = start();
        let client = AsyncHttpClient::with_options(ClientOptions::default().max_body_size(1 << 20));
        let received = Rc::new(Cell::new(0usize));
        let r = received.clone();
        let e = client
            .fetch(
                HttpRequest::new(s.url("/bomb?n=50000000"))
                    .streaming_callback(move |c| r.set(r.get() + c.len())),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), 599);
        assert_eq!(e.kind(), ErrorKind::TooLarge);
        assert!(received.get() <= 1 << 20);
    });
}

#[test]
fn test_decompression_bomb_without_streaming_callback() {
    run(async {
        let s = start();
        let client = AsyncHttpClient::with_options(ClientOptions::default().max_body_size(1 << 20));
        let e = client.fetch(s.url("/bomb?n=50000000")).await.unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::TooLarge));
        assert_eq!(e.message(), "decompressed body too large");
    });
}

#[test]
fn test_post() {
    run(async {
        let s = start();
        let r = client()
            .fetch(
                HttpRequest::new(s.url("/post"))
                    .method("POST")
                    .body("arg1=foo&arg2=bar"),
            )
            .await
            .unwrap();
        assert_eq!(r.text(), Some("Post arg1: foo, arg2: bar"));
    });
}

#[test]
fn test_chunked() {
    run(async {
        let s = start();
        let r = client().fetch(s.url("/chunk")).await.unwrap();
        assert_eq!(r.text(), Some("asdfqwer"));
        let chunks = Rc::new(RefCell::new(Vec::new()));
        let sink = chunks.clone();
        client()
            .fetch(
                HttpRequest::new(s.url("/chunk"))
                    .streaming_callback(move |c| sink.borrow_mut().push(c)),
            )
            .await
            .unwrap();
        assert_eq!(chunks.borrow().concat(), b"asdfqwer");
        assert_eq!(chunks.borrow().len(), 2);
    });
}

#[test]
fn test_chunked_close() {
    // A chunked response whose connection closes right after the last
    // chunk (Tornado issue #1065).
    let server = canned(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n1\r\n1\r\n2\r\n0\r\n\r\n",
    );
    run(async {
        let r = client().fetch(server.url("/")).await.unwrap();
        assert_eq!(r.text(), Some("12"));
    });
}

#[test]
fn test_basic_auth() {
    run(async {
        let s = start();
        let r = client()
            .fetch(HttpRequest::new(s.url("/auth")).auth("Aladdin", "open sesame"))
            .await
            .unwrap();
        assert_eq!(r.text(), Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
    });
}

#[test]
fn test_basic_auth_explicit_mode() {
    run(async {
        let s = start();
        let mut request = HttpRequest::new(s.url("/auth")).auth("Aladdin", "open sesame");
        request.auth_mode = tornado_httpclient::AuthMode::Basic;
        let r = client().fetch(request).await.unwrap();
        assert_eq!(r.text(), Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
    });
}

#[test]
fn test_basic_auth_unicode() {
    run(async {
        let s = start();
        let r = client()
            .fetch(HttpRequest::new(s.url("/auth")).auth("test", "123£"))
            .await
            .unwrap();
        assert_eq!(r.text(), Some("Basic dGVzdDoxMjPCow=="));
        // NFC: the decomposed form is sent composed.
        let r = client()
            .fetch(HttpRequest::new(s.url("/auth")).auth("test", "\u{df}\u{65}\u{301}"))
            .await
            .unwrap();
        assert_eq!(r.text(), Some("Basic dGVzdDrDn8Op"));
    });
}

#[test]
fn test_follow_redirect() {
    run(async {
        let s = start();
        let e = client()
            .fetch(HttpRequest::new(s.url("/countdown?n=2")).follow_redirects(false))
            .await
            .unwrap_err();
        let r = e.response().unwrap();
        assert_eq!(r.code, 302);
        assert!(
            r.headers
                .get("Location")
                .unwrap()
                .ends_with("/countdown?n=1")
        );
        let r = client().fetch(s.url("/countdown?n=2")).await.unwrap();
        assert_eq!(r.code, 200);
        assert!(r.effective_url.ends_with("/countdown?n=0"));
        assert_eq!(r.text(), Some("Zero"));
    });
}

#[test]
fn test_redirect_without_location() {
    run(async {
        let s = start();
        let e = client()
            .fetch(s.url("/redirect_without_location"))
            .await
            .unwrap_err();
        // A redirect without a Location cannot be followed: it is the
        // response.
        assert_eq!(e.code(), 301);
    });
}

#[test]
fn test_redirect_put_with_body() {
    run(async {
        let s = start();
        let r = client()
            .fetch(
                HttpRequest::new(s.url("/redirect?url=/put&status=307"))
                    .method("PUT")
                    .body("hello"),
            )
            .await
            .unwrap();
        assert_eq!(r.text(), Some("Put body: hello"));
    });
}

#[test]
fn test_redirect_put_without_body() {
    run(async {
        let s = start();
        let r = client()
            .fetch(
                HttpRequest::new(s.url("/redirect?url=/put&status=307"))
                    .method("PUT")
                    .allow_nonstandard_methods(true),
            )
            .await
            .unwrap();
        assert_eq!(r.text(), Some("Put body: "));
    });
}

#[test]
fn test_method_after_redirect() {
    // Legacy redirect codes (301, 302) turn POST into GET; 303 turns
    // everything but HEAD into GET; 307 and 308 keep the method.
    run(async {
        let s = start();
        for status in [301, 302, 303] {
            let url = s.url(&format!("/redirect?url=/all_methods&status={status}"));
            let r = client()
                .fetch(HttpRequest::new(&url).method("POST").body(""))
                .await
                .unwrap();
            assert_eq!(r.text(), Some("GET"), "{status}");
            for method in ["GET", "OPTIONS", "PUT", "DELETE"] {
                let mut req = HttpRequest::new(&url)
                    .method(method)
                    .allow_nonstandard_methods(true);
                if method == "PUT" {
                    req = req.body("");
                }
                let r = client().fetch(req).await.unwrap();
                let expected = if status == 303 { "GET" } else { method };
                assert_eq!(r.text(), Some(expected), "{status} {method}");
            }
            let r = client()
                .fetch(HttpRequest::new(&url).method("HEAD"))
                .await
                .unwrap();
            assert!(r.body.is_empty());
        }
        for status in [307, 308] {
            let url = s.url(&format!("/redirect?url=/all_methods&status={status}"));
            for method in ["GET", "OPTIONS", "DELETE"] {
                let r = client()
                    .fetch(HttpRequest::new(&url).method(method))
                    .await
                    .unwrap();
                assert_eq!(r.text(), Some(method));
            }
            let r = client()
                .fetch(HttpRequest::new(&url).method("POST").body("b"))
                .await
                .unwrap();
            assert_eq!(r.text(), Some("POSTb"));
        }
    });
}

#[test]
fn test_credentials_in_url() {
    run(async {
        let s = start();
        let url = s.url("/auth").replace("http://", "http://me:secret@");
        let r = client().fetch(url).await.unwrap();
        assert_eq!(r.text(), Some("Basic bWU6c2VjcmV0"));
    });
}

#[test]
fn test_body_encoding() {
    run(async {
        let s = start();
        let unicode = "\u{e9}";
        let r = client()
            .fetch(
                HttpRequest::new(s.url("/echo_post"))
                    .method("POST")
                    .body(unicode),
            )
            .await
            .unwrap();
        assert_eq!(r.headers.get("Content-Length").unwrap(), "2");
        assert_eq!(&r.body[..], "\u{e9}".as_bytes());
        let bytes: &'static [u8] = b"\xe9";
        let r = client()
            .fetch(
                HttpRequest::new(s.url("/echo_post"))
                    .method("POST")
                    .body(bytes),
            )
            .await
            .unwrap();
        assert_eq!(&r.body[..], b"\xe9");
    });
}

#[test]
fn test_gzip() {
    run(async {
        let s = start();
        let r = client().fetch(s.url("/gzip")).await.unwrap();
        assert_eq!(
            r.headers.get("X-Consumed-Content-Encoding").unwrap(),
            "gzip"
        );
        assert!(!r.headers.contains("Content-Encoding"));
        assert_eq!(&r.body[..], b"asdfqwer".repeat(100).as_slice());
        let r = client()
            .fetch(HttpRequest::new(s.url("/gzip")).decompress_response(false))
            .await
            .unwrap();
        assert_eq!(r.headers.get("Content-Encoding").unwrap(), "gzip");
        assert_eq!(&r.body[..], gzip(b"asdfqwer".repeat(100).as_slice()));
    });
}

#[test]
fn test_invalid_gzip() {
    run(async {
        let s = start();
        let e = client().fetch(s.url("/invalid_gzip")).await.unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::BadResponse));
    });
}

#[test]
fn test_header_callback() {
    run(async {
        let s = start();
        let lines = Rc::new(RefCell::new(Vec::<String>::new()));
        let sink = lines.clone();
        let chunks = Rc::new(RefCell::new(Vec::<Bytes>::new()));
        let chunk_sink = chunks.clone();
        let seen_head = lines.clone();
        client()
            .fetch(
                HttpRequest::new(s.url("/chunk"))
                    .header_callback(move |line| sink.borrow_mut().push(line.to_owned()))
                    .streaming_callback(move |c| {
                        // The whole head arrived before any body piece.
                        assert_eq!(seen_head.borrow().last().unwrap(), "\r\n");
                        chunk_sink.borrow_mut().push(c);
                    }),
            )
            .await
            .unwrap();
        let lines = lines.borrow();
        assert_eq!(lines[0], "HTTP/1.1 200 OK\r\n");
        assert_eq!(lines.last().unwrap(), "\r\n");
        let mut headers = HttpHeaders::new();
        for line in &lines[1..lines.len() - 1] {
            headers.parse_line(line.trim_end()).unwrap();
        }
        assert_eq!(headers.get("Content-Type").unwrap(), "text/plain");
        assert_eq!(chunks.borrow().concat(), b"asdfqwer");
    });
}

#[test]
fn test_header_callback_to_parse_line() {
    run(async {
        let s = start();
        let headers = Rc::new(RefCell::new(HttpHeaders::new()));
        let h = headers.clone();
        client()
            .fetch(
                HttpRequest::new(s.url("/chunk")).header_callback(move |line| {
                    if !line.starts_with("HTTP/") && line != "\r\n" {
                        h.borrow_mut().parse_line(line.trim_end()).unwrap();
                    }
                }),
            )
            .await
            .unwrap();
        assert_eq!(
            headers.borrow().get("Transfer-Encoding").unwrap(),
            "chunked"
        );
    });
}

#[test]
fn test_multi_line_headers() {
    // Obsolete line folding: the continuation lines are joined with spaces.
    let server = canned(
        b"HTTP/1.1 200 OK\r\nX-XSS-Protection: 1;\r\n\tmode=block\r\nContent-Length: 0\r\n\r\n",
    );
    run(async {
        let r = client().fetch(server.url("/")).await.unwrap();
        assert_eq!(r.headers.get("X-XSS-Protection").unwrap(), "1; mode=block");
    });
}

#[test]
fn test_header_encoding() {
    // Header values are latin-1 on the wire.
    let server = canned(b"HTTP/1.1 200 OK\r\nFoo: caf\xe9\r\nContent-Length: 0\r\n\r\n");
    run(async {
        let r = client().fetch(server.url("/")).await.unwrap();
        assert_eq!(r.headers.get("Foo").unwrap(), "caf\u{e9}");
    });
}

#[test]
fn test_304_with_content_length() {
    // A 304 has no body even when it names a Content-Length.
    run(async {
        let s = start();
        let e = client()
            .fetch(s.url("/304_with_content_length"))
            .await
            .unwrap_err();
        let r = e.response().unwrap();
        assert_eq!(r.code, 304);
        assert_eq!(r.headers.get("Content-Length").unwrap(), "42");
        assert!(r.body.is_empty());
    });
}

#[test]
fn test_future_interface() {
    run(async {
        let s = start();
        let r = client().fetch_url(&s.url("/hello")).await.unwrap();
        assert_eq!(r.text(), Some("Hello world!"));
    });
}

#[test]
fn test_future_http_error() {
    run(async {
        let s = start();
        let e = client().fetch(s.url("/notfound")).await.unwrap_err();
        assert_eq!(e.code(), 404);
        assert_eq!(e.kind(), ErrorKind::Http);
        assert_eq!(e.response().unwrap().code, 404);
        assert_eq!(e.to_string(), "http 404: Not Found");
    });
}

#[test]
fn test_future_http_error_no_raise() {
    run(async {
        let s = start();
        let r = client()
            .fetch_with(s.url("/notfound"), false)
            .await
            .unwrap();
        assert_eq!(r.code, 404);
        let e = r.rethrow().unwrap_err();
        assert_eq!(e.code(), 404);
        assert_eq!(e.response().unwrap().code, 404);
    });
}

#[test]
fn test_reuse_request_from_response() {
    // The response names the request it answers (Tornado: response.request).
    run(async {
        let s = start();
        let url = s.url("/redirect?url=/hello");
        let r = client().fetch(url.clone()).await.unwrap();
        assert_eq!(r.request_url, url);
        assert!(r.effective_url.ends_with("/hello"));
        let again = client().fetch(r.request_url.clone()).await.unwrap();
        assert_eq!(again.body, r.body);
    });
}

#[test]
fn test_bind_source_ip() {
    run(async {
        let s = start();
        let r = client()
            .fetch(
                HttpRequest::new(s.url("/hello")).network_interface("127.0.0.1".parse().unwrap()),
            )
            .await
            .unwrap();
        assert_eq!(r.code, 200);
    });
}

#[test]
fn test_all_methods() {
    run(async {
        let s = start();
        for method in ["GET", "DELETE", "OPTIONS"] {
            let r = client()
                .fetch(HttpRequest::new(s.url("/all_methods")).method(method))
                .await
                .unwrap();
            assert_eq!(r.text(), Some(method));
        }
        for method in ["POST", "PUT", "PATCH"] {
            let r = client()
                .fetch(
                    HttpRequest::new(s.url("/all_methods"))
                        .method(method)
                        .body(""),
                )
                .await
                .unwrap();
            assert_eq!(r.text(), Some(method));
        }
        let r = client()
            .fetch(HttpRequest::new(s.url("/all_methods")).method("HEAD"))
            .await
            .unwrap();
        assert!(r.body.is_empty());
        let r = client()
            .fetch(
                HttpRequest::new(s.url("/all_methods"))
                    .method("OTHER")
                    .allow_nonstandard_methods(true),
            )
            .await
            .unwrap();
        // A nonstandard method goes out as given.
        assert_eq!(r.text(), Some("OTHER"));
    });
}

#[test]
fn test_body_sanity_checks() {
    run(async {
        let s = start();
        for method in ["POST", "PUT", "PATCH"] {
            let e = client()
                .fetch(HttpRequest::new(s.url("/all_methods")).method(method))
                .await
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidRequest);
            assert!(e.message().contains("must not be None"), "{e}");
        }
        for method in ["GET", "DELETE", "OPTIONS"] {
            let e = client()
                .fetch(
                    HttpRequest::new(s.url("/all_methods"))
                        .method(method)
                        .body("data"),
                )
                .await
                .unwrap_err();
            assert!(e.message().contains("must be None"), "{e}");
            let e = client()
                .fetch(
                    HttpRequest::new(s.url("/all_methods"))
                        .method(method)
                        .body_producer(|w| async move { w.write(&b"x"[..]).await }),
                )
                .await
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        }
        let e = client()
            .fetch(HttpRequest::new(s.url("/all_methods")).method("FROB"))
            .await
            .unwrap_err();
        assert!(e.message().contains("unknown method"));
    });
}

#[test]
fn test_put_307() {
    run(async {
        let s = start();
        let r = client()
            .fetch(
                HttpRequest::new(s.url("/redirect?status=307&url=/put"))
                    .method("PUT")
                    .body("hello"),
            )
            .await
            .unwrap();
        assert_eq!(r.text(), Some("Put body: hello"));
    });
}

#[test]
fn test_non_ascii_header() {
    // A non-ASCII value in a response header comes back as latin-1 text.
    let server = canned(b"HTTP/1.1 200 OK\r\nX-Non-Ascii: \xe9\xe8\r\nContent-Length: 0\r\n\r\n");
    run(async {
        let r = client().fetch(server.url("/")).await.unwrap();
        assert_eq!(r.headers.get("X-Non-Ascii").unwrap(), "\u{e9}\u{e8}");
    });
}

#[test]
fn test_response_times() {
    run(async {
        let s = start();
        let before = SystemTime::now();
        let r = client().fetch(s.url("/sleep?ms=20")).await.unwrap();
        assert!(r.request_time >= Duration::from_millis(20));
        assert!(r.request_time < Duration::from_secs(5));
        assert!(r.start_time >= before - Duration::from_secs(1));
        let t = r.time_info;
        assert!(t.connect.unwrap() <= t.first_byte.unwrap());
        assert!(t.first_byte.unwrap() <= t.total);
        assert!(t.tls.is_none());
        assert_eq!(t.total, r.request_time);
    });
}

#[test]
fn test_zero_timeout() {
    // A zero timeout means none.
    run(async {
        let s = start();
        let r = client()
            .fetch(
                HttpRequest::new(s.url("/hello"))
                    .connect_timeout(Duration::ZERO)
                    .request_timeout(Duration::ZERO),
            )
            .await
            .unwrap();
        assert_eq!(r.code, 200);
    });
}

#[test]
fn test_error_after_cancel() {
    // Dropping a fetch in progress leaves the client usable.
    run(async {
        let s = start();
        let client = client();
        let fetch = client.fetch(s.url("/trigger"));
        let timed = tornado_ioloop::r#gen::with_timeout(Duration::from_millis(50), fetch).await;
        assert!(timed.is_err());
        s.trigger();
        let r = client.fetch(s.url("/hello")).await.unwrap();
        assert_eq!(r.code, 200);
    });
}

#[test]
fn test_header_crlf() {
    // A header value with CR or LF is refused before anything is sent.
    let request = HttpRequest::new("http://127.0.0.1/");
    for value in ["foo\r\nX-Injected: yes", "foo\nbar", "foo\rbar"] {
        assert!(request.clone().header("X-Foo", value).is_err());
    }
    run(async {
        let s = start();
        let e = client()
            .fetch(HttpRequest::new(s.url("/hello")).user_agent("a\r\nX-Injected: 1"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    });
}

#[test]
fn test_strip_headers_on_redirect() {
    // Authorization and Cookie never follow a redirect to another origin
    // (here, another port on the same host); they do within one origin.
    run(async {
        let a = start();
        let b = start();
        type Setup = fn(HttpRequest) -> HttpRequest;
        let cases: [(&str, Setup, &str); 5] = [
            (
                "manual auth header",
                |r| r.header("Authorization", "secret").unwrap(),
                "",
            ),
            ("credentials in URL", |r| r, "me:secret"),
            ("auth parameters", |r| r.auth("me", "secret"), ""),
            (
                "manual cookie header",
                |r| r.header("Cookie", "secret").unwrap(),
                "",
            ),
            // Ours in addition: proxy credentials set by hand.
            (
                "manual proxy-authorization header",
                |r| r.header("Proxy-Authorization", "secret").unwrap(),
                "",
            ),
        ];
        for (name, setup, creds) in cases {
            for (target, same) in [
                (b.url("/echo_headers"), false),
                (a.url("/echo_headers"), true),
            ] {
                let mut url = a.url(&format!("/redirect?status=302&url={target}"));
                if !creds.is_empty() {
                    url = url.replacen("http://", &format!("http://{creds}@"), 1);
                }
                let r = client().fetch(setup(HttpRequest::new(url))).await.unwrap();
                let echoed: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
                assert!(echoed.get("User-Agent").is_some(), "{name}");
                if same {
                    assert!(
                        echoed.get("Authorization").is_some()
                            || echoed.get("Cookie").is_some()
                            || echoed.get("Proxy-Authorization").is_some(),
                        "{name}: kept within the origin"
                    );
                } else {
                    assert!(echoed.get("Authorization").is_none(), "{name}");
                    assert!(echoed.get("Cookie").is_none(), "{name}");
                    assert!(echoed.get("Proxy-Authorization").is_none(), "{name}");
                }
            }
        }
    });
}

#[test]
fn test_str() {
    // HTTPResponseTestCase: the debug form names the code.
    run(async {
        let s = start();
        let r = client().fetch(s.url("/hello")).await.unwrap();
        let text = format!("{r:?}");
        assert!(text.starts_with("HttpResponse {"));
        assert!(text.contains("code: 200"));
    });
}

#[test]
fn test_sync_client() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let ioloop = tornado_ioloop::IoLoop::new().unwrap();
        let s = start();
        tx.send(s.port).unwrap();
        let _ = ioloop.run_sync(tornado_ioloop::r#gen::sleep(Duration::from_secs(5)), None);
        drop(s);
    });
    let port = rx.recv().unwrap();
    let client = HttpClient::new().unwrap();
    let r = client
        .fetch(format!("http://127.0.0.1:{port}/hello"))
        .unwrap();
    assert_eq!(r.text(), Some("Hello world!"));
    // test_sync_client_error: a 404 is an error carrying the response.
    let e = client
        .fetch(format!("http://127.0.0.1:{port}/notfound"))
        .unwrap_err();
    assert_eq!(e.code(), 404);
    assert_eq!(e.response().unwrap().code, 404);
    client.close();
}

#[test]
fn test_sync_client_inside_a_running_loop() {
    // Tornado's HTTPClient cannot run while a loop runs; neither can ours.
    let client = HttpClient::new().unwrap();
    run(async {
        let e = client.fetch("http://127.0.0.1:1/").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    });
}

#[test]
fn test_headers() {
    // HTTPRequestTestCase: headers given at construction are kept.
    let mut headers = HttpHeaders::new();
    headers.add("Foo", "bar").unwrap();
    let request = HttpRequest::new("http://example.com").headers(headers.clone());
    assert_eq!(request.headers, headers);
    let request = HttpRequest::new("http://example.com");
    assert!(request.headers.is_empty());
}

#[test]
fn test_body() {
    let request = HttpRequest::new("http://example.com").body("foo");
    assert_eq!(request.body.as_deref(), Some(&b"foo"[..]));
}

#[test]
fn test_if_modified_since() {
    run(async {
        let s = start();
        let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_400_000_000);
        let r = client()
            .fetch(HttpRequest::new(s.url("/echo_headers")).if_modified_since(when))
            .await
            .unwrap();
        let echoed: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(echoed["If-Modified-Since"], "Tue, 13 May 2014 16:53:20 GMT");
    });
}

#[test]
fn test_copy() {
    // HTTPErrorTestCase
    let e = HttpClientError::new(ErrorKind::Timeout, "Timeout");
    let copy = e.clone();
    assert_eq!(copy.code(), 599);
    assert_eq!(copy.message(), "Timeout");
}

#[test]
fn test_plain_error() {
    let e = HttpClientError::new(ErrorKind::StreamClosed, "Stream closed");
    assert_eq!(e.to_string(), "http 599: Stream closed");
    assert!(e.response().is_none());
}

#[test]
fn test_error_with_response() {
    run(async {
        let s = start();
        let e = client().fetch(s.url("/notfound")).await.unwrap_err();
        assert_eq!(e.to_string(), "http 404: Not Found");
        let r = e.into_response().unwrap();
        assert_eq!(r.text(), Some("not found"));
        assert_eq!(r.error.as_ref().unwrap().code(), 404);
    });
}

// HTTPClientMaxBodySizeTestCase, with max_body_size 1,000.

const MAX_BODY_SIZE: usize = 1000;

fn limited() -> AsyncHttpClient {
    AsyncHttpClient::with_options(ClientOptions::default().max_body_size(MAX_BODY_SIZE))
}

#[test]
fn test_small_body() {
    run(async {
        let s = start();
        let r = limited()
            .fetch(s.url(&format!("/large?n={MAX_BODY_SIZE}")))
            .await
            .unwrap();
        assert_eq!(r.body.len(), MAX_BODY_SIZE);
    });
}

#[test]
fn test_large_body() {
    run(async {
        let s = start();
        let e = limited()
            .fetch(s.url(&format!("/large?n={}", MAX_BODY_SIZE + 1)))
            .await
            .unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::TooLarge));
        assert_eq!(e.message(), "Content-Length too long");
    });
}

#[test]
fn test_decompressed_body_size() {
    run(async {
        let s = start();
        let e = limited().fetch(s.url("/bomb?n=100000")).await.unwrap_err();
        assert_eq!(e.code(), 599);
        assert_eq!(e.message(), "decompressed body too large");
    });
}

#[test]
fn test_streaming_callback_over_limit() {
    run(async {
        let s = start();
        let received = Rc::new(Cell::new(0));
        let r = received.clone();
        let e = limited()
            .fetch(
                HttpRequest::new(s.url(&format!("/large?n={}", MAX_BODY_SIZE + 1)))
                    .streaming_callback(move |c| r.set(r.get() + c.len())),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code(), 599);
        assert!(received.get() <= MAX_BODY_SIZE);
    });
}

#[test]
fn test_streaming_callback_decompressed_over_limit() {
    run(async {
        let s = start();
        let received = Rc::new(Cell::new(0));
        let r = received.clone();
        let e = limited()
            .fetch(
                HttpRequest::new(s.url("/bomb?n=100000"))
                    .streaming_callback(move |c| r.set(r.get() + c.len())),
            )
            .await
            .unwrap_err();
        assert_eq!(e.message(), "decompressed body too large");
        assert!(received.get() <= MAX_BODY_SIZE);
    });
}

#[test]
fn test_reuse_after_refusal() {
    run(async {
        let s = start();
        let client = limited();
        let e = client
            .fetch(s.url(&format!("/large?n={}", MAX_BODY_SIZE + 1)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), 599);
        let r = client
            .fetch(s.url(&format!("/large?n={MAX_BODY_SIZE}")))
            .await
            .unwrap();
        assert_eq!(r.body.len(), MAX_BODY_SIZE);
    });
}

#[test]
fn test_body_bearing_redirect() {
    // The limit applies to a redirect's own body too (simple_httpclient's
    // behaviour): refused before it is followed.
    run(async {
        let s = start();
        let e = limited()
            .fetch(s.url(&format!("/body_bearing_redirect?n={}", MAX_BODY_SIZE * 2)))
            .await
            .unwrap_err();
        assert_eq!(e.code(), 599);
    });
}

#[test]
fn test_raw_server_helper_counts_connections() {
    // The raw-socket helper used across these tests answers and counts.
    let server = raw_server(|_, _, _| {
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec(),
            false,
        )
    });
    run(async {
        let client = client();
        for _ in 0..3 {
            let r = client.fetch(server.url("/")).await.unwrap();
            assert_eq!(r.text(), Some("ok"));
        }
    });
    assert_eq!(server.connections(), 1);
}

#[test]
fn test_streaming_unsolicited_brotli_bomb() {
    // An encoding the client never asked for is not decoded: the bytes
    // and the header come through as sent, so nothing can expand.
    let server = canned(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 4\r\n\r\n\x1b\xff\xff\x0f",
    );
    run(async {
        let r = client().fetch(server.url("/")).await.unwrap();
        assert_eq!(r.headers.get("Content-Encoding").unwrap(), "br");
        assert_eq!(&r.body[..], b"\x1b\xff\xff\x0f");
    });
}

#[test]
fn test_deflate() {
    // `deflate` responses are inflated too, zlib-wrapped or raw.
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(b"deflated body").unwrap();
    let body = z.finish().unwrap();
    let mut reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    reply.extend(body);
    let server = canned(Vec::leak(reply));
    run(async {
        let r = client().fetch(server.url("/")).await.unwrap();
        assert_eq!(r.text(), Some("deflated body"));
        assert_eq!(
            r.headers.get("X-Consumed-Content-Encoding").unwrap(),
            "deflate"
        );
    });
}

#[test]
fn test_digest_auth() {
    // curl_httpclient_test's digest test, on our own client: the challenge
    // is answered once, its body never delivered.
    run(async {
        let s = start();
        let chunks = Rc::new(RefCell::new(Vec::<Bytes>::new()));
        let sink = chunks.clone();
        let mut request = HttpRequest::new(s.url("/digest?a=1"))
            .auth("foo", "bar")
            .streaming_callback(move |c| sink.borrow_mut().push(c));
        request.auth_mode = tornado_httpclient::AuthMode::Digest;
        let r = client().fetch(request.clone()).await.unwrap();
        assert_eq!(r.code, 200);
        let echoed = String::from_utf8(chunks.borrow().concat()).unwrap();
        assert!(echoed.starts_with("Digest username=\"foo\""), "{echoed}");
        assert!(echoed.contains("response=\""));
        // Wrong credentials: answered once, then the 401 is the result.
        let e = client()
            .fetch(request.auth("nobody", "bar"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), 401);
    });
}

#[test]
fn test_configure_defaults() {
    // Settings a request leaves at Tornado's defaults come from the
    // client's defaults (Tornado's `defaults=dict(...)`).
    run(async {
        let s = start();
        let client = AsyncHttpClient::with_options(
            ClientOptions::default()
                .defaults(HttpRequest::new("").user_agent("TestDefaultUserAgent")),
        );
        let r = client.fetch(s.url("/user_agent")).await.unwrap();
        assert_eq!(r.text(), Some("TestDefaultUserAgent"));
        // RequestProxyTest.test_request_set: the request's own value wins.
        let r = client
            .fetch(HttpRequest::new(s.url("/user_agent")).user_agent("foo"))
            .await
            .unwrap();
        assert_eq!(r.text(), Some("foo"));
    });
}

#[test]
fn test_default_set() {
    // RequestProxyTest: a default the request did not set applies
    // (here a proxy, which answers itself).
    let proxy = canned(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nproxied");
    run(async {
        let client = AsyncHttpClient::with_options(
            ClientOptions::default().defaults(HttpRequest::new("").proxy("127.0.0.1", proxy.port)),
        );
        let r = client.fetch("http://example.invalid/").await.unwrap();
        assert_eq!(r.text(), Some("proxied"));
        // test_both_set: the request's proxy wins over the default.
        let s = start();
        let direct = client
            .fetch(HttpRequest::new("http://example.invalid/hello").proxy("127.0.0.1", s.port))
            .await
            .unwrap_err();
        // Our server is no proxy: it answers the absolute URL with a 404.
        assert_eq!(direct.code(), 404);
    });
}

#[test]
fn test_redirect_location_credentials_stripped() {
    // Credentials written into a cross-origin Location are dropped too,
    // as Tornado's simple client drops them (libcurl would send them).
    run(async {
        let a = start();
        let b = start();
        let target = b.url("/auth").replace("http://", "http://me:secret@");
        let r = client()
            .fetch(a.url(&format!("/redirect?status=302&url={target}")))
            .await
            .unwrap();
        assert_eq!(r.text(), Some(""));
        assert!(!r.effective_url.contains("secret"));
        // A scheme-relative Location to another host counts as another origin.
        let target = b.url("/echo_headers").replace("http:", "");
        let r = client()
            .fetch(
                HttpRequest::new(a.url(&format!("/redirect?status=302&url={target}")))
                    .auth("me", "secret"),
            )
            .await
            .unwrap();
        let echoed: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert!(echoed.get("Authorization").is_none());
    });
}
