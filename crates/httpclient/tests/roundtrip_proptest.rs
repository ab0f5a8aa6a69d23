//! Property tests: bodies survive every framing round trip through the
//! client role of the HTTP/1 engine (responses: Content-Length, chunked
//! in random pieces, close-delimited, gzip-compressed; requests: chunked
//! and Content-Length uploads read back by the server role), and URLs
//! survive a redirect to themselves.

mod common;

use bytes::Bytes;
use proptest::prelude::*;
use tornado_http1connection::{
    ConnectionInfo, Http1ClientConnection, Http1ConnectionParameters, HttpMessageDelegate,
    HttpServerConnectionDelegate, RequestHead, ResponseWriter, serve_connection,
};
use tornado_httputil::HttpHeaders;
use tornado_ioloop::IoLoop;
use tornado_iostream::IoStream;

#[derive(Debug, Clone, Copy)]
enum Framing {
    Length,
    Chunked,
    Close,
}

fn pair() -> (IoStream, IoStream) {
    let (a, b) = mio::net::UnixStream::pair().unwrap();
    (IoStream::unix(a).unwrap(), IoStream::unix(b).unwrap())
}

/// The raw response carrying `body` split at `cuts`.
fn response(body: &[u8], cuts: &[usize], framing: Framing, gzip: bool) -> Vec<u8> {
    let payload = if gzip {
        common::gzip(body)
    } else {
        body.to_vec()
    };
    let encoding = if gzip {
        "Content-Encoding: gzip\r\n"
    } else {
        ""
    };
    let mut out = Vec::new();
    match framing {
        Framing::Length => {
            out.extend(
                format!(
                    "HTTP/1.1 200 OK\r\n{encoding}Content-Length: {}\r\n\r\n",
                    payload.len()
                )
                .bytes(),
            );
            out.extend(&payload);
        }
        Framing::Close => {
            out.extend(format!("HTTP/1.0 200 OK\r\n{encoding}\r\n").bytes());
            out.extend(&payload);
        }
        Framing::Chunked => {
            out.extend(
                format!("HTTP/1.1 200 OK\r\n{encoding}Transfer-Encoding: chunked\r\n\r\n").bytes(),
            );
            let mut points: Vec<usize> = cuts.iter().map(|c| c % (payload.len() + 1)).collect();
            points.push(0);
            points.push(payload.len());
            points.sort_unstable();
            points.dedup();
            for w in points.windows(2) {
                let piece = &payload[w[0]..w[1]];
                out.extend(format!("{:x}\r\n", piece.len()).bytes());
                out.extend(piece);
                out.extend(b"\r\n");
            }
            out.extend(b"0\r\n\r\n");
        }
    }
    out
}

fn read_back(raw: Vec<u8>, framing: Framing) -> (Vec<u8>, bool) {
    let ioloop = IoLoop::new().unwrap();
    ioloop
        .run_sync(
            async move {
                let (client, server) = pair();
                let writer = {
                    let server = server.clone();
                    tornado_ioloop::spawn(async move {
                        let _ = server.write(raw).await;
                        if matches!(framing, Framing::Close) {
                            server.close(None);
                        }
                    })
                };
                let mut conn = Http1ClientConnection::new(
                    client,
                    Http1ConnectionParameters::default().decompress(true),
                );
                let mut headers = HttpHeaders::new();
                headers.add("Host", "x").unwrap();
                conn.write_request(
                    "GET",
                    "/",
                    &headers.get_all().collect::<Vec<_>>(),
                    Bytes::new(),
                )
                .unwrap();
                let head = conn.read_response_head().await.unwrap();
                assert_eq!(head.code, 200);
                let mut body = Vec::new();
                while let Some(chunk) = conn.read_body_chunk().await.unwrap() {
                    body.extend_from_slice(&chunk);
                }
                let _ = writer.await;
                (body, conn.keep_alive())
            },
            Some(std::time::Duration::from_secs(10)),
        )
        .unwrap()
}

/// Collects a request body and echoes it.
struct Echo(Vec<u8>);

impl HttpMessageDelegate for Echo {
    async fn headers_received(
        &mut self,
        _: &RequestHead,
        _: &mut ResponseWriter,
    ) -> tornado_http1connection::Result<()> {
        Ok(())
    }
    async fn data_received(
        &mut self,
        chunk: Bytes,
        _: &mut ResponseWriter,
    ) -> tornado_http1connection::Result<()> {
        self.0.extend_from_slice(&chunk);
        Ok(())
    }
    async fn finish(
        &mut self,
        _: &RequestHead,
        w: &mut ResponseWriter,
    ) -> tornado_http1connection::Result<()> {
        w.respond(200, [], &self.0)
    }
}

struct EchoApp;

impl HttpServerConnectionDelegate for EchoApp {
    type Message = Echo;
    fn start_request(&self, _: &ConnectionInfo) -> Echo {
        Echo(Vec::new())
    }
}

fn upload(body: Vec<u8>, cuts: Vec<usize>, chunked: bool) -> Vec<u8> {
    let ioloop = IoLoop::new().unwrap();
    ioloop
        .run_sync(
            async move {
                let (client, server) = pair();
                tornado_ioloop::spawn(async move {
                    let info = ConnectionInfo::new(None, "http");
                    serve_connection(
                        server,
                        &Http1ConnectionParameters::default(),
                        &EchoApp,
                        &info,
                    )
                    .await;
                });
                let mut conn =
                    Http1ClientConnection::new(client, Http1ConnectionParameters::default());
                let mut headers = HttpHeaders::new();
                headers.add("Host", "x").unwrap();
                if chunked {
                    headers.add("Transfer-Encoding", "chunked").unwrap();
                } else {
                    headers
                        .add("Content-Length", &body.len().to_string())
                        .unwrap();
                }
                let writer = conn
                    .write_request_head("POST", "/", &headers.get_all().collect::<Vec<_>>())
                    .unwrap();
                let mut points: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
                points.push(0);
                points.push(body.len());
                points.sort_unstable();
                points.dedup();
                for w in points.windows(2) {
                    writer
                        .write(Bytes::copy_from_slice(&body[w[0]..w[1]]))
                        .await
                        .unwrap();
                }
                writer.finish().await.unwrap();
                let head = conn.read_response_head().await.unwrap();
                assert_eq!(head.code, 200);
                let mut echoed = Vec::new();
                while let Some(chunk) = conn.read_body_chunk().await.unwrap() {
                    echoed.extend_from_slice(&chunk);
                }
                assert!(conn.keep_alive());
                echoed
            },
            Some(std::time::Duration::from_secs(10)),
        )
        .unwrap()
}

/// Reads whatever `raw` holds as a response; true when it parsed whole.
fn read_anything(raw: Vec<u8>) -> bool {
    let ioloop = IoLoop::new().unwrap();
    ioloop
        .run_sync(
            async move {
                let (client, server) = pair();
                let _ = server.write(raw).await;
                server.close(None);
                let params = Http1ConnectionParameters::default()
                    .max_header_size(2048)
                    .max_body_size(4096)
                    .decompress(true);
                let mut conn = Http1ClientConnection::new(client, params);
                conn.write_request("GET", "/", &[("Host", "x")], Bytes::new())
                    .unwrap();
                loop {
                    match conn.read_response_head().await {
                        Ok(head) if head.is_informational() => continue,
                        Ok(_) => break,
                        Err(_) => return false,
                    }
                }
                let mut total = 0;
                loop {
                    match conn.read_body_chunk().await {
                        Ok(Some(chunk)) => {
                            total += chunk.len();
                            assert!(total <= 4096, "the body limit holds");
                        }
                        Ok(None) => return true,
                        Err(_) => return false,
                    }
                }
            },
            Some(std::time::Duration::from_secs(10)),
        )
        .expect("any response ends, whole or refused")
}

fn response_like() -> impl Strategy<Value = Vec<u8>> {
    let head = prop_oneof![
        Just(b"HTTP/1.1 200 OK\r\n".to_vec()),
        Just(b"HTTP/1.0 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..40),
    ];
    let lines = proptest::collection::vec(
        prop_oneof![
            Just(b"Transfer-Encoding: chunked\r\n".to_vec()),
            Just(b"Content-Length: 5\r\n".to_vec()),
            Just(b"Content-Encoding: gzip\r\n".to_vec()),
            Just(b"Content-Encoding: deflate\r\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"5\r\nhello\r\n0\r\n\r\n".to_vec()),
            proptest::collection::vec(any::<u8>(), 0..30),
        ],
        0..8,
    );
    (head, lines).prop_map(|(head, lines)| {
        let mut raw = head;
        for line in lines {
            raw.extend(line);
        }
        raw
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_responses_end_without_panic(raw in response_like()) {
        // Parsed or refused, never a panic, a hang or a body past the limit.
        read_anything(raw);
    }

    #[test]
    fn response_bodies_round_trip(
        body in proptest::collection::vec(any::<u8>(), 0..3000),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
        framing in prop_oneof![Just(Framing::Length), Just(Framing::Chunked), Just(Framing::Close)],
        gzip in any::<bool>(),
    ) {
        let (read, keep_alive) = read_back(response(&body, &cuts, framing, gzip), framing);
        prop_assert_eq!(read, body);
        prop_assert_eq!(keep_alive, !matches!(framing, Framing::Close));
    }

    #[test]
    fn request_bodies_round_trip(
        body in proptest::collection::vec(any::<u8>(), 0..3000),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
        chunked in any::<bool>(),
    ) {
        prop_assert_eq!(upload(body.clone(), cuts, chunked), body);
    }
}
