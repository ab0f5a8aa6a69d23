//! Property: whatever lines a client sends, split at whatever points, a
//! `TcpServer` line-echo handler returns exactly the bytes it was sent.

use std::time::Duration;

use proptest::prelude::*;
use tornado_ioloop::{IoLoop, r#gen};
use tornado_iostream::IoStream;
use tornado_tcpclient::{ConnectOptions, TcpClient};
use tornado_tcpserver::{PeerAddr, ServerOptions, TcpServer};

fn lines() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(
        prop::collection::vec(
            any::<u8>().prop_filter("no newline", |b| *b != b'\n'),
            0..300,
        ),
        1..12,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn echo_round_trip(lines in lines(), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8), chunk in 1usize..64) {
        let mut payload = Vec::new();
        for line in &lines {
            payload.extend_from_slice(line);
            payload.push(b'\n');
        }
        // Split points, sorted and unique.
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(payload.len())).collect();
        points.push(payload.len());
        points.sort_unstable();
        points.dedup();
        let ioloop = IoLoop::new().unwrap();
        let echoed = ioloop.run_sync(async {
            let server = TcpServer::with_options(
                |stream: IoStream, _: PeerAddr| async move {
                    loop {
                        let line = stream.read_until(b"\n", Some(1024)).await?;
                        stream.write(line).await?;
                    }
                    #[allow(unreachable_code)]
                    Ok::<(), tornado_iostream::Error>(())
                },
                // A tiny read chunk makes the server see many partial reads.
                ServerOptions::default().read_chunk_size(chunk),
            );
            server.listen(0, Some("127.0.0.1")).unwrap();
            let port = server.local_addrs()[0].port();
            let client = TcpClient::new()
                .connect("127.0.0.1", port, ConnectOptions::default())
                .await
                .unwrap();
            let mut start = 0;
            for end in points {
                client.write(payload[start..end].to_vec()).await.unwrap();
                r#gen::moment().await;
                start = end;
            }
            let mut echoed = Vec::new();
            while echoed.len() < payload.len() {
                let part = client.read_bytes(payload.len() - echoed.len(), true).await.unwrap();
                echoed.extend_from_slice(&part);
            }
            client.close(None);
            server.stop();
            echoed
        }, Some(Duration::from_secs(10))).unwrap();
        prop_assert_eq!(echoed, payload);
    }
}
