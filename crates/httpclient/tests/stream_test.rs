//! `fetch_stream`: the body as an async stream of pieces, read at the
//! reader's pace (the issue's `streaming_callback` equivalent).

mod common;

use std::time::Duration;

use common::{run, start};
use tornado_httpclient::{AsyncHttpClient, ClientOptions, ErrorKind, HttpRequest};

#[test]
fn body_arrives_in_pieces_and_the_connection_is_reused() {
    run(async {
        let s = start();
        let client = AsyncHttpClient::new();
        let mut stream = client
            .fetch_stream(s.url("/large?n=1048576"))
            .await
            .unwrap();
        assert_eq!(stream.code, 200);
        assert_eq!(stream.headers.get("Content-Length").unwrap(), "1048576");
        let (mut total, mut pieces) = (0, 0);
        while let Some(chunk) = stream.next_chunk().await.unwrap() {
            assert!(chunk.len() <= 64 * 1024);
            total += chunk.len();
            pieces += 1;
        }
        assert_eq!(total, 1 << 20);
        assert!(pieces >= 16);
        assert_eq!(client.idle_connections(), 1);
        let body = client
            .fetch_stream(s.url("/hello"))
            .await
            .unwrap()
            .read_to_end()
            .await
            .unwrap();
        assert_eq!(&body[..], b"Hello world!");
        assert_eq!(client.connections_opened(), 1);
    });
}

#[test]
fn dropping_a_stream_frees_its_slot_and_closes_its_connection() {
    run(async {
        let s = start();
        let client = AsyncHttpClient::with_options(ClientOptions::default().max_clients(1));
        let mut stream = client
            .fetch_stream(s.url("/large?n=1048576"))
            .await
            .unwrap();
        assert_eq!(client.active(), 1);
        stream.next_chunk().await.unwrap().unwrap();
        drop(stream);
        assert_eq!(client.active(), 0);
        assert_eq!(client.idle_connections(), 0);
        let r = client.fetch(s.url("/hello")).await.unwrap();
        assert_eq!(r.code, 200);
        assert_eq!(client.connections_opened(), 2);
    });
}

#[test]
fn statuses_are_returned_and_redirects_followed() {
    run(async {
        let s = start();
        let client = AsyncHttpClient::new();
        let mut stream = client.fetch_stream(s.url("/notfound")).await.unwrap();
        assert_eq!(stream.code, 404);
        assert_eq!(stream.rethrow().unwrap_err().code(), 404);
        assert_eq!(&stream.read_to_end().await.unwrap()[..], b"not found");
        let mut stream = client.fetch_stream(s.url("/countdown?n=2")).await.unwrap();
        assert!(stream.effective_url.ends_with("/countdown?n=0"));
        assert_eq!(&stream.read_to_end().await.unwrap()[..], b"Zero");
    });
}

#[test]
fn the_request_timeout_bounds_the_body() {
    // Head and part of the body, then silence.
    let server = common::raw_server(|_, _, _| {
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial".to_vec(),
            false,
        )
    });
    run(async {
        let client = AsyncHttpClient::new();
        let mut stream = client
            .fetch_stream(
                HttpRequest::new(server.url("/")).request_timeout(Duration::from_millis(500)),
            )
            .await
            .unwrap();
        assert_eq!(&stream.next_chunk().await.unwrap().unwrap()[..], b"partial");
        let e = stream.next_chunk().await.unwrap_err();
        assert_eq!((e.code(), e.kind()), (599, ErrorKind::Timeout));
        assert_eq!(client.active(), 0);
        assert!(stream.next_chunk().await.unwrap().is_none());
    });
}

#[test]
fn limits_apply_to_streams() {
    run(async {
        let s = start();
        let client = AsyncHttpClient::with_options(ClientOptions::default().max_body_size(1000));
        let e = client
            .fetch_stream(s.url("/large?n=1001"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TooLarge);
        let mut stream = client.fetch_stream(s.url("/bomb?n=100000")).await.unwrap();
        let mut total = 0;
        let e = loop {
            match stream.next_chunk().await {
                Ok(Some(chunk)) => total += chunk.len(),
                Ok(None) => panic!("a bomb must not complete"),
                Err(e) => break e,
            }
        };
        assert_eq!(e.message(), "decompressed body too large");
        assert!(total <= 1000);
    });
}
