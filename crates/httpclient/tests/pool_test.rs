//! Keep-alive pooling (Tornado issue #324): reuse, a server that closes a
//! pooled connection, safe retries, idle timeout and caps.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{raw_server, run, start};
use tornado_httpclient::{AsyncHttpClient, ClientOptions, ErrorKind, HttpRequest};
use tornado_ioloop::r#gen;

#[test]
fn sequential_requests_share_one_connection() {
    run(async {
        let s = start();
        let client = AsyncHttpClient::new();
        for _ in 0..100 {
            let r = client.fetch(s.url("/hello")).await.unwrap();
            assert_eq!(r.text(), Some("Hello world!"));
        }
        assert_eq!(client.connections_opened(), 1);
        assert_eq!(client.idle_connections(), 1);
        assert!(s.server.connection_count() <= 1);
    });
}

#[test]
fn concurrent_requests_reuse_connections() {
    // 640 requests, 64 in flight: at least 10x fewer connections than
    // requests.
    run(async {
        let s = start();
        let client = AsyncHttpClient::with_options(
            ClientOptions::default()
                .max_clients(64)
                .max_idle_per_host(64),
        );
        for _ in 0..10 {
            let fetches = (0..64).map(|_| client.fetch(s.url("/hello")));
            for r in r#gen::multi(fetches).await {
                assert_eq!(r.unwrap().code, 200);
            }
        }
        assert!(
            client.connections_opened() <= 64,
            "{}",
            client.connections_opened()
        );
    });
}

/// A server that answers the first request on a connection, then closes
/// that connection when the next request arrives, without answering: a
/// pooled connection that died just as it was reused.
fn closes_on_second_request(total: Arc<AtomicUsize>) -> common::RawServer {
    raw_server(move |_, _, _| {
        let n = total.fetch_add(1, Ordering::SeqCst);
        if n == 1 {
            (Vec::new(), true)
        } else {
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec(),
                false,
            )
        }
    })
}

#[test]
fn dead_pooled_connection_is_retried_for_idempotent_requests() {
    let total = Arc::new(AtomicUsize::new(0));
    let server = closes_on_second_request(total.clone());
    run(async {
        let client = AsyncHttpClient::new();
        assert_eq!(
            client.fetch(server.url("/")).await.unwrap().text(),
            Some("ok")
        );
        // Sent on the pooled connection, which the server drops unanswered:
        // retried once on a new connection.
        assert_eq!(
            client.fetch(server.url("/")).await.unwrap().text(),
            Some("ok")
        );
        assert_eq!(client.connections_opened(), 2);
    });
    assert_eq!(total.load(Ordering::SeqCst), 3);
}

#[test]
fn dead_pooled_connection_is_not_retried_for_post() {
    let total = Arc::new(AtomicUsize::new(0));
    let server = closes_on_second_request(total.clone());
    run(async {
        let client = AsyncHttpClient::new();
        client.fetch(server.url("/")).await.unwrap();
        let e = client
            .fetch(HttpRequest::new(server.url("/")).method("POST").body("x"))
            .await
            .unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::StreamClosed));
        assert_eq!(client.connections_opened(), 1);
    });
    assert_eq!(total.load(Ordering::SeqCst), 2);
}

#[test]
fn server_close_of_an_idle_connection_is_noticed() {
    // The server closes right after its response (no Connection: close):
    // the idle connection is dropped, the next request opens another.
    let server = raw_server(|_, _, _| {
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec(),
            true,
        )
    });
    run(async {
        let client = AsyncHttpClient::new();
        for _ in 0..3 {
            assert_eq!(
                client.fetch(server.url("/")).await.unwrap().text(),
                Some("ok")
            );
            r#gen::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(client.connections_opened(), 3);
    });
    assert_eq!(server.connections(), 3);
}

#[test]
fn connection_close_from_the_server_is_honoured() {
    // The server says `Connection: close` but leaves the socket open: the
    // client must still not reuse it.
    let server = raw_server(|_, _, _| {
        (
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok".to_vec(),
            false,
        )
    });
    run(async {
        let client = AsyncHttpClient::new();
        for _ in 0..3 {
            assert_eq!(
                client.fetch(server.url("/")).await.unwrap().text(),
                Some("ok")
            );
        }
        assert_eq!(client.connections_opened(), 3);
        assert_eq!(client.idle_connections(), 0);
    });
    assert_eq!(server.connections(), 3);
}

#[test]
fn http10_keep_alive_is_reused() {
    let server = raw_server(|_, _, _| {
        (
            b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok".to_vec(),
            false,
        )
    });
    run(async {
        let client = AsyncHttpClient::new();
        for _ in 0..3 {
            assert_eq!(
                client.fetch(server.url("/")).await.unwrap().text(),
                Some("ok")
            );
        }
        assert_eq!(client.connections_opened(), 1);
    });
}

#[test]
fn idle_connections_expire() {
    run(async {
        let s = start();
        let client = AsyncHttpClient::with_options(
            ClientOptions::default().idle_timeout(Some(Duration::from_millis(30))),
        );
        client.fetch(s.url("/hello")).await.unwrap();
        assert_eq!(client.idle_connections(), 1);
        r#gen::sleep(Duration::from_millis(100)).await;
        assert_eq!(client.idle_connections(), 0);
        client.fetch(s.url("/hello")).await.unwrap();
        assert_eq!(client.connections_opened(), 2);
    });
}

#[test]
fn idle_cap_per_host() {
    run(async {
        let s = start();
        let client = AsyncHttpClient::with_options(ClientOptions::default().max_idle_per_host(2));
        let fetches = (0..5).map(|_| client.fetch(s.url("/sleep?ms=20")));
        for r in r#gen::multi(fetches).await {
            r.unwrap();
        }
        assert_eq!(client.connections_opened(), 5);
        assert_eq!(client.idle_connections(), 2);
    });
}

#[test]
fn keep_alive_off_sends_connection_close() {
    run(async {
        let s = start();
        let client = AsyncHttpClient::with_options(ClientOptions::default().keep_alive(false));
        for _ in 0..3 {
            let r = client.fetch(s.url("/echo_headers")).await.unwrap();
            let echoed: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(echoed["Connection"], "close");
        }
        assert_eq!(client.connections_opened(), 3);
        assert_eq!(client.idle_connections(), 0);
    });
}

#[test]
fn different_tls_settings_do_not_share() {
    // Pool keys separate origins: two servers, two connections.
    run(async {
        let a = start();
        let b = start();
        let client = AsyncHttpClient::new();
        for _ in 0..3 {
            client.fetch(a.url("/hello")).await.unwrap();
            client.fetch(b.url("/hello")).await.unwrap();
        }
        assert_eq!(client.connections_opened(), 2);
    });
}

#[test]
fn a_request_in_flight_at_close_keeps_no_connection() {
    run(async {
        let s = start();
        let client = AsyncHttpClient::new();
        let fetch = {
            let (client, url) = (client.clone(), s.url("/trigger"));
            tornado_ioloop::spawn(async move { client.fetch(url).await })
        };
        for _ in 0..1000 {
            if s.waiting() == 1 {
                break;
            }
            r#gen::sleep(Duration::from_millis(1)).await;
        }
        client.close();
        s.trigger();
        assert_eq!(fetch.await.unwrap().unwrap().code, 200);
        assert_eq!(client.idle_connections(), 0);
    });
}

#[test]
fn close_refuses_later_fetches() {
    run(async {
        let s = start();
        let client = AsyncHttpClient::new();
        client.fetch(s.url("/hello")).await.unwrap();
        client.close();
        assert_eq!(client.idle_connections(), 0);
        let e = client.fetch(s.url("/hello")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Closed);
    });
}
