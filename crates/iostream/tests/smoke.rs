//! Quick end-to-end checks of the stream over Unix sockets and TCP.

use std::time::Duration;

use tornado_ioloop::IoLoop;
use tornado_iostream::{ErrorKind, IoStream};

fn run<F: std::future::Future>(f: F) -> F::Output {
    IoLoop::new()
        .unwrap()
        .run_sync(f, Some(Duration::from_secs(10)))
        .expect("test timed out")
}

#[test]
fn large_write_flushes_in_background() {
    run(async {
        let (a, b) = mio::net::UnixStream::pair().unwrap();
        let (a, b) = (IoStream::unix(a).unwrap(), IoStream::unix(b).unwrap());
        let data: Vec<u8> = (0..5_000_000u32).map(|i| i as u8).collect();
        let write = a.write(data.clone());
        let received = b.read_bytes(data.len(), false).await.unwrap();
        write.await.unwrap();
        assert_eq!(&received[..], &data[..]);
        assert_eq!(a.buffer_capacity(), 0);
        assert_eq!(b.buffer_capacity(), 0);
    });
}

#[test]
fn tcp_connect_and_echo() {
    run(async {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let client = IoStream::connect(addr, None).await.unwrap();
        let (server, _) = listener.accept().unwrap();
        server.set_nonblocking(true).unwrap();
        let server = IoStream::tcp(mio::net::TcpStream::from_std(server)).unwrap();
        client.write(&b"line one\nline two\n"[..]).await.unwrap();
        assert_eq!(
            &server.read_until(b"\n", None).await.unwrap()[..],
            b"line one\n"
        );
        assert_eq!(
            &server.read_until(b"\n", None).await.unwrap()[..],
            b"line two\n"
        );
        client.close(None);
        let err = server.read_bytes(1, false).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StreamClosed);
        assert!(server.closed());
    });
}

#[test]
fn max_bytes_is_unsatisfiable() {
    run(async {
        let (a, b) = mio::net::UnixStream::pair().unwrap();
        let (a, b) = (IoStream::unix(a).unwrap(), IoStream::unix(b).unwrap());
        a.write(&b"abcdefghij"[..]).await.unwrap();
        let err = b.read_until(b"\n", Some(5)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnsatisfiableRead);
        assert!(b.closed());
    });
}
