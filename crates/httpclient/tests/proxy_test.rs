//! Proxies (Tornado issue #1266): plain HTTP proxying and `CONNECT`
//! tunnels for https, against small proxies written here.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

use common::{cert, raw_server, read_request, run, start_tls};
use tornado_httpclient::{AsyncHttpClient, ErrorKind, HttpRequest};

#[test]
fn plain_proxy_gets_the_absolute_url_and_credentials() {
    let proxy = raw_server(|_, head, _| {
        let line = head.lines().next().unwrap_or_default().to_owned();
        let auth = head
            .lines()
            .find_map(|l| l.strip_prefix("Proxy-Authorization: "))
            .unwrap_or("none")
            .to_owned();
        let body = format!("{line}|{auth}");
        (
            format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
            false,
        )
    });
    run(async {
        let r = AsyncHttpClient::new()
            .fetch(
                HttpRequest::new("http://example.invalid:1234/path?q=1")
                    .proxy("127.0.0.1", proxy.port)
                    .proxy_auth("user", "pass"),
            )
            .await
            .unwrap();
        assert_eq!(
            r.text(),
            Some("GET http://example.invalid:1234/path?q=1 HTTP/1.1|Basic dXNlcjpwYXNz")
        );
    });
}

/// A `CONNECT` proxy: checks the request line, connects to the target and
/// pipes bytes both ways. Answers 407 to requests without credentials when
/// `require_auth`.
fn connect_proxy(require_auth: bool) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { return };
            thread::spawn(move || {
                let Some((head, _)) = read_request(&mut client) else {
                    return;
                };
                let line = head.lines().next().unwrap_or_default();
                let Some(target) = line
                    .strip_prefix("CONNECT ")
                    .and_then(|l| l.strip_suffix(" HTTP/1.1"))
                else {
                    let _ =
                        client.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
                    return;
                };
                if require_auth && !head.contains("Proxy-Authorization: Basic ") {
                    let _ = client.write_all(
                        b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n",
                    );
                    return;
                }
                let Ok(upstream) = TcpStream::connect(target) else {
                    let _ =
                        client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
                    return;
                };
                client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .unwrap();
                let (mut a, mut b) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                let (mut c, mut d) = (client, upstream);
                thread::spawn(move || {
                    let _ = std::io::copy(&mut a, &mut b);
                    let _ = b.shutdown(std::net::Shutdown::Write);
                });
                let mut buf = [0u8; 16384];
                while let Ok(n) = d.read(&mut buf) {
                    if n == 0 || c.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = c.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    port
}

#[test]
fn https_through_a_connect_tunnel() {
    let proxy = connect_proxy(false);
    run(async {
        let s = start_tls();
        let client = AsyncHttpClient::new();
        for _ in 0..3 {
            let r = client
                .fetch(
                    HttpRequest::new(format!("https://localhost:{}/hello", s.port))
                        .ca_certs(cert("ca.pem"))
                        .proxy("127.0.0.1", proxy),
                )
                .await
                .unwrap();
            assert_eq!(r.text(), Some("Hello world!"));
        }
        // The tunnel is kept alive like any connection.
        assert_eq!(client.connections_opened(), 1);
    });
}

#[test]
fn tunnel_refused_by_the_proxy() {
    let proxy = connect_proxy(true);
    run(async {
        let s = start_tls();
        let request = HttpRequest::new(format!("https://localhost:{}/hello", s.port))
            .ca_certs(cert("ca.pem"))
            .proxy("127.0.0.1", proxy);
        let e = AsyncHttpClient::new()
            .fetch(request.clone())
            .await
            .unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::Connect));
        assert!(e.message().contains("407"));
        let r = AsyncHttpClient::new()
            .fetch(request.proxy_auth("u", "p"))
            .await
            .unwrap();
        assert_eq!(r.text(), Some("Hello world!"));
    });
}

#[test]
fn tunnel_still_verifies_the_origin_certificate() {
    let proxy = connect_proxy(false);
    run(async {
        let s = start_tls();
        let e = AsyncHttpClient::new()
            .fetch(
                HttpRequest::new(format!("https://localhost:{}/hello", s.port))
                    .proxy("127.0.0.1", proxy),
            )
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Tls);
    });
}
