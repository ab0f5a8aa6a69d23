//! Any bytes from a server: the client role of the HTTP/1 engine returns
//! a response or an error, never panics or hangs, and holds no more than
//! its limits.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use tornado_http1connection::{Http1ClientConnection, Http1ConnectionParameters};
use tornado_httputil::HttpHeaders;
use tornado_ioloop::IoLoop;
use tornado_iostream::IoStream;

fuzz_target!(|data: &[u8]| {
    let ioloop = IoLoop::new().unwrap();
    let data = data.to_vec();
    let _ = ioloop.run_sync(
        async move {
            let (a, b) = mio::net::UnixStream::pair().unwrap();
            let (client, server) = (IoStream::unix(a).unwrap(), IoStream::unix(b).unwrap());
            let _ = server.write(data).await;
            server.close(None);
            let params = Http1ConnectionParameters::default()
                .max_header_size(4096)
                .max_body_size(64 * 1024)
                .decompress(true);
            let mut conn = Http1ClientConnection::new(client, params);
            let mut headers = HttpHeaders::new();
            headers.add("Host", "fuzz").unwrap();
            conn.write_request("GET", "/", &headers.get_all().collect::<Vec<_>>(), Bytes::new()).unwrap();
            loop {
                match conn.read_response_head().await {
                    Ok(head) if head.is_informational() => continue,
                    Ok(_) => break,
                    Err(_) => return,
                }
            }
            let mut total = 0;
            while let Ok(Some(chunk)) = conn.read_body_chunk().await {
                total += chunk.len();
                assert!(total <= 64 * 1024);
            }
        },
        Some(std::time::Duration::from_secs(5)),
    );
});
