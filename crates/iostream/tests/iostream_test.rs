//! Mirrors `tornado/test/iostream_test.py`. Tests keep the Python names; each
//! read/write test runs over TCP, TLS, Unix sockets and pipes where it
//! applies (`support::ALL`, `support::SOCKETS`). What does not carry over is
//! listed in `docs/test-map.md`.

mod support;

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;

use bytes::Bytes;
use regex::bytes::Regex;
use tornado_ioloop::locks::Event;
use tornado_ioloop::{r#gen, spawn};
use tornado_iostream::{Error, ErrorKind, IoStream, StreamOptions, TlsSide};

use support::{ALL, Kind, Rng, SOCKETS, each, pair, pair_with, pause, run, settle};

const MB: usize = 1024 * 1024;

fn opts() -> StreamOptions {
    StreamOptions::default()
}

/// The io::Error at the bottom of a stream error, if any.
fn io_kind(e: &Error) -> Option<io::ErrorKind> {
    e.io_error().map(io::Error::kind)
}

/// The kind of the `tornado_iostream::Error` behind a `StreamClosed` error.
fn real_kind(e: &Error) -> Option<ErrorKind> {
    e.real_error()
        .and_then(|r| r.downcast_ref::<Error>())
        .map(Error::kind)
}

// --- TestIOStreamWebMixin: a client against a tiny HTTP responder ----------

/// Serves one canned HTTP response per connection, as Tornado's
/// `HelloHandler` app does, over TCP or TLS; returns the port.
fn hello_server(tls: bool) -> std::net::SocketAddr {
    let (listener, addr) = support::listener();
    listener.set_nonblocking(true).unwrap();
    let listener = mio::net::TcpListener::from_std(listener);
    let source = tornado_ioloop::IoSource::new(listener).unwrap();
    let _accepting = spawn(async move {
        loop {
            let accepted = source.read_with(|l| l.accept()).await;
            let Ok((conn, _)) = accepted else { return };
            let stream = if tls {
                IoStream::tls_server(conn, support::server_config(), opts()).unwrap()
            } else {
                IoStream::tcp(conn).unwrap()
            };
            let _conn = spawn(async move {
                if stream.read_until(b"\r\n\r\n", Some(65536)).await.is_err() {
                    return;
                }
                let response = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\
                    Content-Type: text/html; charset=UTF-8\r\n\r\nHello";
                let _ = stream.write(&response[..]).await;
                stream.close(None);
            });
        }
    });
    addr
}

async fn web_client(tls: bool, addr: std::net::SocketAddr) -> IoStream {
    let stream = IoStream::connect(addr, None).await.unwrap();
    if !tls {
        return stream;
    }
    let stream = stream
        .start_tls(TlsSide::Client {
            config: support::client_config_no_verify(),
            server_name: "foo.example.com".into(),
        })
        .unwrap();
    stream.wait_for_handshake().await.unwrap();
    stream
}

#[test]
fn test_read_until_close() {
    for tls in [false, true] {
        run(async move {
            let addr = hello_server(tls);
            let stream = web_client(tls, addr).await;
            drop(stream.write(&b"GET / HTTP/1.0\r\n\r\n"[..]));
            let data = stream.read_until_close().await.unwrap();
            assert!(data.starts_with(b"HTTP/1.1 200"), "{data:?}");
            assert!(data.ends_with(b"Hello"), "{data:?}");
        });
    }
}

#[test]
fn test_read_zero_bytes() {
    for tls in [false, true] {
        run(async move {
            let stream = web_client(tls, hello_server(tls)).await;
            drop(stream.write(&b"GET / HTTP/1.0\r\n\r\n"[..]));
            assert_eq!(
                &stream.read_bytes(9, false).await.unwrap()[..],
                b"HTTP/1.1 "
            );
            assert_eq!(&stream.read_bytes(0, false).await.unwrap()[..], b"");
            assert_eq!(&stream.read_bytes(3, false).await.unwrap()[..], b"200");
            stream.close(None);
        });
    }
}

// Our `connect` returns the stream only once connected, so a write cannot
// be queued before the connection exists (see docs/test-map.md). What
// carries over: data written before the server has even accepted the
// connection is delivered, and the write resolves before the response.
#[test]
fn test_write_while_connecting() {
    run(async {
        let (listener, addr) = support::listener();
        let stream = IoStream::connect(addr, None).await.unwrap();
        let write = stream.write(&b"GET / HTTP/1.0\r\nConnection: close\r\n\r\n"[..]);
        let (conn, _) = listener.accept().unwrap();
        conn.set_nonblocking(true).unwrap();
        let server = IoStream::tcp(mio::net::TcpStream::from_std(conn)).unwrap();
        write.await.unwrap();
        let request = server.read_until(b"\r\n\r\n", None).await.unwrap();
        assert!(request.starts_with(b"GET / HTTP/1.0\r\n"));
        drop(server.write(&b"HTTP/1.1 200 OK\r\n\r\nHello"[..]));
        server.close(None);
        let data = stream.read_until_close().await.unwrap();
        assert!(data.ends_with(b"Hello"));
    });
}

#[test]
fn test_future_interface() {
    for tls in [false, true] {
        run(async move {
            let stream = web_client(tls, hello_server(tls)).await;
            stream.write(&b"GET / HTTP/1.0\r\n\r\n"[..]).await.unwrap();
            let first_line = stream.read_until(b"\r\n", None).await.unwrap();
            assert_eq!(&first_line[..], b"HTTP/1.1 200 OK\r\n");
            let header_data = stream.read_until(b"\r\n\r\n", None).await.unwrap();
            let headers = String::from_utf8(header_data.to_vec()).unwrap();
            let length: usize = headers
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .unwrap()
                .parse()
                .unwrap();
            let body = stream.read_bytes(length, false).await.unwrap();
            assert_eq!(&body[..], b"Hello");
            stream.close(None);
        });
    }
}

#[test]
fn test_future_close_while_reading() {
    for tls in [false, true] {
        run(async move {
            let stream = web_client(tls, hello_server(tls)).await;
            stream.write(&b"GET / HTTP/1.0\r\n\r\n"[..]).await.unwrap();
            let err = stream.read_bytes(MB, false).await.unwrap_err();
            assert!(err.is_closed(), "{err:?}");
            stream.close(None);
        });
    }
}

#[test]
fn test_future_read_until_close() {
    for tls in [false, true] {
        run(async move {
            let stream = web_client(tls, hello_server(tls)).await;
            stream
                .write(&b"GET / HTTP/1.0\r\nConnection: close\r\n\r\n"[..])
                .await
                .unwrap();
            stream.read_until(b"\r\n\r\n", None).await.unwrap();
            let body = stream.read_until_close().await.unwrap();
            assert_eq!(&body[..], b"Hello");
            // Nothing else to read: the error comes at once.
            let err = stream.read_bytes(1, false).await.unwrap_err();
            assert!(err.is_closed());
        });
    }
}

// --- TestReadWriteMixin: one side reads, the other writes -------------------

#[test]
fn test_write_zero_bytes() {
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        ws.write(Bytes::new()).await.unwrap();
        assert!(!ws.writing());
        ws.close(None);
        rs.close(None);
    });
}

#[test]
fn test_future_delayed_close_callback() {
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        drop(ws.write(&b"12"[..]));
        let mut chunks = vec![rs.read_bytes(1, false).await.unwrap()];
        ws.close(None);
        chunks.push(rs.read_bytes(1, false).await.unwrap());
        assert_eq!(chunks, [&b"1"[..], &b"2"[..]]);
        rs.close(None);
    });
}

#[test]
fn test_close_buffered_data() {
    // The data waits in the kernel, not in our buffer, when the peer closes:
    // it must still all be read before the close is reported.
    each(&ALL, |kind| async move {
        let (rs, ws) = pair_with(kind, opts().read_chunk_size(256)).await;
        drop(ws.write(vec![b'A'; 512]));
        assert_eq!(rs.read_bytes(256, false).await.unwrap(), vec![b'A'; 256]);
        ws.close(None);
        pause().await;
        assert_eq!(rs.read_bytes(256, false).await.unwrap(), vec![b'A'; 256]);
        rs.close(None);
    });
}

#[test]
fn test_read_until_close_after_close() {
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        drop(ws.write(&b"1234"[..]));
        let data = rs.read_bytes(1, false).await.unwrap();
        ws.close(None);
        assert_eq!(&data[..], b"1");
        assert_eq!(&rs.read_until_close().await.unwrap()[..], b"234");
        rs.close(None);
    });
}

#[test]
fn test_large_read_until() {
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        const NUM_KB: usize = 4096;
        let block = Bytes::from(vec![b'A'; 1024]);
        for _ in 0..NUM_KB {
            drop(ws.write(block.clone()));
        }
        drop(ws.write(&b"\r\n"[..]));
        let data = rs.read_until(b"\r\n", None).await.unwrap();
        assert_eq!(data.len(), NUM_KB * 1024 + 2);
        ws.close(None);
        rs.close(None);
    });
}

#[test]
fn test_read_until_with_close_after_second_packet() {
    // Tornado #2717: the second packet, smaller than the first, arrives with
    // the close.
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let reader = rs.clone();
        let rf = spawn(async move { reader.read_until(b"done", None).await });
        settle().await;
        ws.write(vec![b'x'; 2048]).await.unwrap();
        drop(ws.write(&b"done"[..]));
        ws.close(None);
        let data = rf.await.unwrap().unwrap();
        assert_eq!(data.len(), 2052);
        assert!(data.ends_with(b"done"));
    });
}

#[test]
fn test_read_until_unsatisfied_after_close() {
    // A close while reading is StreamClosed, not UnsatisfiableRead (that is
    // only for byte limits).
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let reader = rs.clone();
        let rf = spawn(async move { reader.read_until(b"done", None).await });
        ws.write(vec![b'x'; 2048]).await.unwrap();
        drop(ws.write(&b"foo"[..]));
        ws.close(None);
        let err = rf.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StreamClosed);
        assert!(err.real_error().is_none(), "a clean close: {err:?}");
    });
}

#[test]
fn test_close_callback_with_pending_read() {
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let event = Rc::new(Event::new());
        let set = event.clone();
        rs.set_close_callback(move || set.set());
        drop(ws.write(&b"OK\r\n"[..]));
        assert_eq!(&rs.read_until(b"\r\n", None).await.unwrap()[..], b"OK\r\n");
        ws.close(None);
        let reader = rs.clone();
        let pending = spawn(async move { reader.read_until(b"\r\n", None).await });
        event.wait().await;
        assert!(pending.await.unwrap().unwrap_err().is_closed());
    });
}

#[test]
fn test_future_close_callback() {
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let closed = Rc::new(Cell::new(false));
        let cond = Rc::new(Event::new());
        let (c, e) = (closed.clone(), cond.clone());
        rs.set_close_callback(move || {
            c.set(true);
            e.set();
        });
        drop(ws.write(&b"a"[..]));
        assert_eq!(&rs.read_bytes(1, false).await.unwrap()[..], b"a");
        assert!(!closed.get());
        ws.close(None);
        // Nobody reads: the close is still noticed.
        cond.wait().await;
        assert!(closed.get());
        assert!(rs.closed());
    });
}

#[test]
fn test_write_memoryview() {
    // A view into a larger buffer (`Bytes::slice`) is written as is.
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let reader = rs.clone();
        let fut = spawn(async move { reader.read_bytes(4, false).await });
        let whole = Bytes::from_static(b"<<hello>>");
        drop(ws.write(whole.slice(2..7)));
        assert_eq!(&fut.await.unwrap().unwrap()[..], b"hell");
    });
}

#[test]
fn test_read_bytes_partial() {
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        // More than is available, with partial.
        let reader = rs.clone();
        let fut = spawn(async move { reader.read_bytes(50, true).await });
        drop(ws.write(&b"hello"[..]));
        assert_eq!(&fut.await.unwrap().unwrap()[..], b"hello");
        // Less than is available: n still holds.
        drop(ws.write(&b"world"[..]));
        assert_eq!(&rs.read_bytes(3, true).await.unwrap()[..], b"wor");
        // A partial read never returns nothing, but a zero-byte read does.
        assert_eq!(&rs.read_bytes(0, true).await.unwrap()[..], b"");
        assert_eq!(&rs.read_bytes(2, true).await.unwrap()[..], b"ld");
    });
}

/// Sets a close callback that fires `event`.
fn close_event(stream: &IoStream) -> Rc<Event> {
    let event = Rc::new(Event::new());
    let set = event.clone();
    stream.set_close_callback(move || set.set());
    event
}

#[test]
fn test_read_until_max_bytes() {
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let closed = close_event(&rs);
        // Extra room under the limit.
        let reader = rs.clone();
        let fut = spawn(async move { reader.read_until(b"def", Some(50)).await });
        drop(ws.write(&b"abcdef"[..]));
        assert_eq!(&fut.await.unwrap().unwrap()[..], b"abcdef");
        // Just enough room.
        let reader = rs.clone();
        let fut = spawn(async move { reader.read_until(b"def", Some(6)).await });
        drop(ws.write(&b"abcdef"[..]));
        assert_eq!(&fut.await.unwrap().unwrap()[..], b"abcdef");
        // Not enough room, which shows only once the data arrives: the read
        // fails and the stream closes.
        let reader = rs.clone();
        let fut = spawn(async move { reader.read_until(b"def", Some(5)).await });
        settle().await;
        drop(ws.write(&b"123456"[..]));
        closed.wait().await;
        let err = fut.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnsatisfiableRead);
        assert!(rs.closed());
        assert_eq!(
            rs.error().map(|e| e.kind()),
            Some(ErrorKind::UnsatisfiableRead)
        );
    });
}

#[test]
fn test_read_until_max_bytes_inline() {
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let closed = close_event(&rs);
        // The data is already buffered when the read starts.
        ws.write(&b"123456"[..]).await.unwrap();
        pause().await;
        let err = rs.read_until(b"def", Some(5)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnsatisfiableRead);
        closed.wait().await;
        assert!(rs.closed());
    });
}

#[test]
fn test_read_until_max_bytes_ignores_extra() {
    // The delimiter arrives in the same packet that passes the limit, but
    // not within the limit: the read fails.
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let closed = close_event(&rs);
        drop(ws.write(&b"abcdef"[..]));
        let err = rs.read_until(b"def", Some(5)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnsatisfiableRead);
        closed.wait().await;
    });
}

#[test]
fn test_read_until_regex_max_bytes() {
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let closed = close_event(&rs);
        let regex = Rc::new(Regex::new("def").unwrap());
        for max in [50, 6] {
            let (reader, re) = (rs.clone(), regex.clone());
            let fut = spawn(async move { reader.read_until_regex(&re, Some(max)).await });
            drop(ws.write(&b"abcdef"[..]));
            assert_eq!(&fut.await.unwrap().unwrap()[..], b"abcdef");
        }
        let (reader, re) = (rs.clone(), regex.clone());
        let fut = spawn(async move { reader.read_until_regex(&re, Some(5)).await });
        settle().await;
        drop(ws.write(&b"123456"[..]));
        closed.wait().await;
        assert_eq!(
            fut.await.unwrap().unwrap_err().kind(),
            ErrorKind::UnsatisfiableRead
        );
    });
}

#[test]
fn test_read_until_regex_max_bytes_inline() {
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let closed = close_event(&rs);
        ws.write(&b"123456"[..]).await.unwrap();
        pause().await;
        let regex = Regex::new("def").unwrap();
        let err = rs.read_until_regex(&regex, Some(5)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnsatisfiableRead);
        closed.wait().await;
    });
}

#[test]
fn test_read_until_regex_max_bytes_ignores_extra() {
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let closed = close_event(&rs);
        drop(ws.write(&b"abcdef"[..]));
        let regex = Regex::new("def").unwrap();
        let err = rs.read_until_regex(&regex, Some(5)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnsatisfiableRead);
        closed.wait().await;
    });
}

#[test]
fn test_small_reads_from_large_buffer() {
    // A 10 KiB buffer and 100 KiB to read, 1 KiB at a time: the buffer is
    // not filled eagerly past its cap.
    each(&ALL, |kind| async move {
        let (rs, ws) = pair_with(kind, opts().max_buffer_size(10 * 1024)).await;
        drop(ws.write(vec![b'a'; 100 * 1024]));
        for _ in 0..100 {
            assert_eq!(rs.read_bytes(1024, false).await.unwrap(), vec![b'a'; 1024]);
            assert!(rs.buffered() <= 10 * 1024);
        }
    });
}

#[test]
fn test_small_read_untils_from_large_buffer() {
    each(&ALL, |kind| async move {
        let (rs, ws) = pair_with(kind, opts().max_buffer_size(10 * 1024)).await;
        let mut line = vec![b'a'; 1023];
        line.push(b'\n');
        drop(ws.write(line.repeat(100)));
        for _ in 0..100 {
            assert_eq!(rs.read_until(b"\n", Some(4096)).await.unwrap(), line);
        }
    });
}

#[test]
fn test_flow_control() {
    each(&ALL, |kind| async move {
        let (rs, ws) = pair_with(kind, opts().max_buffer_size(5 * MB)).await;
        // The writer sends more than the reader will buffer.
        let write = ws.write(vec![b'a'; 10 * MB]);
        rs.read_bytes(MB, false).await.unwrap();
        pause().await;
        assert!(rs.buffered() <= 5 * MB);
        // The reader goes on gradually.
        for _ in 0..9 {
            assert_eq!(rs.read_bytes(MB, false).await.unwrap().len(), MB);
        }
        write.await.unwrap();
        assert!(!ws.writing());
    });
}

#[test]
fn test_read_into() {
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let reader = rs.clone();
        let fut = spawn(async move {
            let mut buf = [0u8; 10];
            let n = reader.read_into(&mut buf, false).await.unwrap();
            (n, buf)
        });
        drop(ws.write(&b"hello"[..]));
        pause().await;
        assert!(rs.reading());
        drop(ws.write(&b"world!!"[..]));
        let (n, buf) = fut.await.unwrap();
        assert!(!rs.reading());
        assert_eq!(n, 10);
        assert_eq!(&buf, b"helloworld");

        // Buffered data goes into the caller's buffer first.
        let reader = rs.clone();
        let fut = spawn(async move {
            let mut buf = [0u8; 10];
            let n = reader.read_into(&mut buf, false).await.unwrap();
            (n, buf)
        });
        pause().await;
        assert!(rs.reading());
        drop(ws.write(&b"1234567890"[..]));
        let (n, buf) = fut.await.unwrap();
        assert!(!rs.reading());
        assert_eq!(n, 10);
        assert_eq!(&buf, b"!!12345678");

        // The buffer satisfies the read at once.
        let mut buf = [0u8; 4];
        ws.write(&b"abcdefghi"[..]).await.unwrap();
        assert_eq!(rs.read_into(&mut buf, false).await.unwrap(), 4);
        assert_eq!(&buf, b"90ab");
        assert_eq!(&rs.read_bytes(7, false).await.unwrap()[..], b"cdefghi");
    });
}

#[test]
fn test_read_into_partial() {
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let reader = rs.clone();
        let fut = spawn(async move {
            let mut buf = [0u8; 10];
            let n = reader.read_into(&mut buf, true).await.unwrap();
            (n, buf)
        });
        drop(ws.write(&b"hello"[..]));
        let (n, mut buf) = fut.await.unwrap();
        assert!(!rs.reading());
        assert_eq!(n, 5);
        assert_eq!(&buf, b"hello\0\0\0\0\0");

        // A full read despite partial.
        ws.write(&b"world!1234567890"[..]).await.unwrap();
        pause().await;
        assert_eq!(rs.read_into(&mut buf, true).await.unwrap(), 10);
        assert_eq!(&buf, b"world!1234");

        // The buffer satisfies the read at once.
        assert_eq!(rs.read_into(&mut buf, true).await.unwrap(), 6);
        assert_eq!(&buf, b"5678901234");
    });
}

#[test]
fn test_write_bytearray_resizable_after_close_while_writing() {
    // Closing with a large write pending fails the write.
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let write = ws.write(vec![b'x'; 10 * MB]);
        assert!(ws.writing());
        ws.close(None);
        assert!(write.await.unwrap_err().is_closed());
        assert_eq!(ws.buffer_capacity(), 0);
        rs.close(None);
    });
}

#[test]
fn test_write_bytearray_resizable_after_error() {
    // The peer is gone: the write fails and the stream closes.
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        rs.close(None);
        let err = ws.write(vec![b'x'; 10 * MB]).await.unwrap_err();
        assert!(err.is_closed(), "{err:?}");
        assert!(ws.closed());
        assert!(ws.error().is_some());
    });
}

#[test]
fn test_read_into_resizable_after_close() {
    // A read_into pending at close fails with StreamClosed.
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        drop(ws.write(&b"ab"[..]));
        rs.read_bytes(1, false).await.unwrap();
        let reader = rs.clone();
        let fut = spawn(async move {
            let mut buf = [0u8; 10];
            reader.read_into(&mut buf, false).await
        });
        drop(ws.write(&b"cd"[..]));
        pause().await;
        ws.close(None);
        assert!(fut.await.unwrap().unwrap_err().is_closed());
    });
}

#[test]
fn test_read_into_zero_bytes() {
    each(&ALL, |kind| async move {
        let (rs, _ws) = pair(kind).await;
        let mut buf = [0u8; 0];
        assert_eq!(rs.read_into(&mut buf, false).await.unwrap(), 0);
    });
}

#[test]
fn test_many_mixed_reads() {
    // Alternates read_bytes and read_into over random sizes.
    each(&ALL, |kind| async move {
        const NBYTES: usize = 1_000_000;
        let (rs, ws) = pair(kind).await;
        let produced = Rc::new(RefCell::new(Vec::with_capacity(NBYTES)));
        let sink = produced.clone();
        let producer = spawn(async move {
            let mut rng = Rng::new(42);
            let mut remaining = NBYTES;
            while remaining > 0 {
                let size = rng.range(1, remaining.min(1000));
                let data = rng.bytes(size);
                sink.borrow_mut().extend_from_slice(&data);
                ws.write(data).await.unwrap();
                remaining -= size;
            }
        });
        let mut consumed = Vec::with_capacity(NBYTES);
        let mut rng = Rng::new(7);
        let mut remaining = NBYTES;
        while remaining > 0 {
            let size = rng.range(1, remaining.min(1000));
            if rng.next_u64() % 2 == 0 {
                let data = rs.read_bytes(size, false).await.unwrap();
                assert_eq!(data.len(), size);
                consumed.extend_from_slice(&data);
            } else {
                let mut buf = vec![0u8; size];
                assert_eq!(rs.read_into(&mut buf, false).await.unwrap(), size);
                consumed.extend_from_slice(&buf);
            }
            remaining -= size;
        }
        producer.await.unwrap();
        assert!(*produced.borrow() == consumed);
    });
}

// --- TestIOStreamMixin: socket streams ---------------------------------------

/// A loopback port that refuses connections.
fn refusing_port() -> std::net::SocketAddr {
    let (listener, addr) = support::listener();
    drop(listener);
    addr
}

#[test]
fn test_connection_refused() {
    run(async {
        let err = IoStream::connect(refusing_port(), None).await.unwrap_err();
        assert_eq!(
            io_kind(&err),
            Some(io::ErrorKind::ConnectionRefused),
            "{err:?}"
        );
        assert_eq!(err.kind(), ErrorKind::Io);
    });
}

#[test]
fn test_read_until_close_after_error_close() {
    // A read_until_close pending when the stream closes with an error
    // reports the error, not the truncated data as if it were complete.
    each(&SOCKETS, |kind| async move {
        let (server, client) = pair(kind).await;
        let reader = client.clone();
        let fut = spawn(async move { reader.read_until_close().await });
        drop(server.write(&b"hello"[..]));
        pause().await;
        client.close(Some(io::Error::other("boom")));
        let err = fut.await.unwrap().unwrap_err();
        assert!(err.is_closed());
        assert_eq!(real_kind(&err), Some(ErrorKind::Io), "{err:?}");
        assert_eq!(err.io_error().unwrap().to_string(), "boom");
    });
}

/// Makes `socket` send a reset instead of a FIN when it closes.
fn linger_zero(socket: &std::net::TcpStream) {
    socket2::SockRef::from(socket)
        .set_linger(Some(std::time::Duration::ZERO))
        .unwrap();
}

/// A (server, client) pair over `kind` (TCP or TLS) whose client resets
/// the connection when it closes.
async fn resetting_pair(kind: Kind) -> (IoStream, IoStream) {
    let (server, client) = support::tcp_sockets();
    linger_zero(&client);
    match kind {
        Kind::Tcp => (
            IoStream::tcp(mio::net::TcpStream::from_std(server)).unwrap(),
            IoStream::tcp(mio::net::TcpStream::from_std(client)).unwrap(),
        ),
        Kind::Tls => support::tls_pair_from(server, client, opts()).await,
        _ => unreachable!("only TCP sockets reset"),
    }
}

#[test]
fn test_read_until_close_after_connection_reset() {
    // A reset counts as a close: the pending read_until_close returns what
    // was buffered.
    each(&[Kind::Tcp, Kind::Tls], |kind| async move {
        let (rs, ws) = resetting_pair(kind).await;
        ws.write(&b"1234"[..]).await.unwrap();
        assert_eq!(&rs.read_bytes(1, false).await.unwrap()[..], b"1");
        ws.close(Some(io::Error::other("reset on purpose")));
        assert_eq!(&rs.read_until_close().await.unwrap()[..], b"234");
        let error = rs.error().expect("the reset is recorded");
        assert_eq!(
            io_kind(&error),
            Some(io::ErrorKind::ConnectionReset),
            "{error:?}"
        );
    });
}

#[test]
fn test_read_until_close_with_buffer_overflow() {
    // Passing the read buffer cap during read_until_close fails the read
    // instead of returning a truncated result.
    each(&SOCKETS, |kind| async move {
        let (server, client) = pair_with(kind, opts().max_buffer_size(1024)).await;
        let reader = client.clone();
        let fut = spawn(async move { reader.read_until_close().await });
        drop(server.write(vec![b'a'; 4096]));
        let err = fut.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StreamBufferFull, "{err:?}");
        assert!(client.closed());
        assert_eq!(
            client.error().map(|e| e.kind()),
            Some(ErrorKind::StreamBufferFull)
        );
    });
}

#[test]
fn test_future_write() {
    // Concurrent writers clog the socket and queue in our buffer; no write
    // future is ever orphaned.
    each(&SOCKETS, |kind| async move {
        const M: usize = 5000;
        const N: usize = 200;
        const PRODUCERS: usize = 10;
        let total = M * N * PRODUCERS;
        let (server, client) = pair_with(kind, opts().max_buffer_size(total)).await;
        let data = Bytes::from(vec![b'x'; M]);
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|_| {
                let (server, data) = (server.clone(), data.clone());
                spawn(async move {
                    for _ in 0..N {
                        server.write(data.clone()).await.unwrap();
                    }
                })
            })
            .collect();
        let mut nread = 0;
        while nread < total {
            nread += client.read_bytes(M, false).await.unwrap().len();
        }
        for p in producers {
            p.await.unwrap();
        }
        assert_eq!(nread, total);
    });
}

// --- TestIOStreamStartTLS ------------------------------------------------------

/// Tornado's `TestIOStreamStartTLS` fixture: a clear (server, client) TCP
/// pair.
fn clear_pair() -> (IoStream, IoStream) {
    let (server, client) = support::tcp_sockets();
    (
        IoStream::tcp(mio::net::TcpStream::from_std(server)).unwrap(),
        IoStream::tcp(mio::net::TcpStream::from_std(client)).unwrap(),
    )
}

async fn send_line(from: &IoStream, to: &IoStream, line: &[u8]) {
    drop(from.write(Bytes::copy_from_slice(line)));
    assert_eq!(&to.read_until(b"\r\n", None).await.unwrap()[..], line);
}

fn client_side(
    config: std::sync::Arc<tornado_iostream::rustls::ClientConfig>,
    name: &str,
) -> TlsSide {
    TlsSide::Client {
        config,
        server_name: name.into(),
    }
}

#[test]
fn test_start_tls_smtp() {
    // RFC 3207 §5, simplified: clear traffic, STARTTLS, then TLS traffic on
    // the same connection, upgraded on both sides.
    run(async {
        let (server, client) = clear_pair();
        send_line(&server, &client, b"220 mail.example.com ready\r\n").await;
        send_line(&client, &server, b"EHLO mail.example.com\r\n").await;
        send_line(&server, &client, b"250-mail.example.com welcome\r\n").await;
        send_line(&server, &client, b"250 STARTTLS\r\n").await;
        send_line(&client, &server, b"STARTTLS\r\n").await;
        send_line(&server, &client, b"220 Go ahead\r\n").await;
        let client = client
            .start_tls(client_side(
                support::client_config_no_verify(),
                "foo.example.com",
            ))
            .unwrap();
        let server = server
            .start_tls(TlsSide::Server(support::server_config()))
            .unwrap();
        let (c, s) = r#gen::join((client.wait_for_handshake(), server.wait_for_handshake())).await;
        c.unwrap();
        s.unwrap();
        assert!(client.is_tls() && server.is_tls());
        send_line(&client, &server, b"EHLO mail.example.com\r\n").await;
        send_line(&server, &client, b"250 mail.example.com welcome\r\n").await;
    });
}

#[test]
fn test_start_tls_needs_idle_stream() {
    // Tornado asserts that no read, write or buffered data is pending.
    run(async {
        let (server, client) = clear_pair();
        drop(server.write(&b"220 ready\r\nextra"[..]));
        client.read_until(b"\r\n", None).await.unwrap();
        pause().await;
        client.read_bytes(1, false).await.unwrap();
        // "xtra" is still buffered.
        let err = client
            .start_tls(client_side(
                support::client_config_no_verify(),
                "foo.example.com",
            ))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Tls);
    });
}

#[test]
fn test_handshake_fail() {
    // Certificates are verified by default: an unknown CA fails the
    // handshake on the client, and the server sees the failure too.
    run(async {
        let (server, client) = clear_pair();
        let server = server
            .start_tls(TlsSide::Server(support::server_config()))
            .unwrap();
        let client = client
            .start_tls(client_side(support::client_config_default(), "localhost"))
            .unwrap();
        let (c, s) = r#gen::join((client.wait_for_handshake(), server.wait_for_handshake())).await;
        let c = c.unwrap_err();
        assert_eq!(c.kind(), ErrorKind::Tls, "{c:?}");
        assert!(s.is_err());
        assert!(client.closed() && server.closed());
        assert_eq!(client.error().map(|e| e.kind()), Some(ErrorKind::Tls));
    });
}

#[test]
fn test_check_hostname() {
    // The name given to start_tls is verified against the certificate.
    run(async {
        let (server, client) = clear_pair();
        let server = server
            .start_tls(TlsSide::Server(support::server_config()))
            .unwrap();
        let client = client
            .start_tls(client_side(
                support::client_config_trusting_ca(),
                "bar.example.com",
            ))
            .unwrap();
        let (c, s) = r#gen::join((client.wait_for_handshake(), server.wait_for_handshake())).await;
        let c = c.unwrap_err();
        assert_eq!(c.kind(), ErrorKind::Tls, "{c:?}");
        assert!(s.is_err());
    });
}

#[test]
fn test_start_tls_cancellation() {
    // Dropping the client before its handshake finishes closes the socket.
    run(async {
        let (server, client) = clear_pair();
        let client = client
            .start_tls(client_side(
                support::client_config_no_verify(),
                "foo.example.com",
            ))
            .unwrap();
        drop(client);
        // Completes only because the client's socket was closed.
        server.read_until_close().await.unwrap();
    });
}

#[test]
fn test_start_tls_failure_on_closed_stream() {
    run(async {
        let (server, client) = clear_pair();
        server.close(None);
        let _ = client.read_until_close().await;
        let err = client
            .start_tls(client_side(
                support::client_config_no_verify(),
                "foo.example.com",
            ))
            .unwrap_err();
        assert!(err.is_closed(), "{err:?}");
    });
}

// --- WaitForHandshakeTest ---------------------------------------------------------

#[test]
fn test_wait_for_handshake_future() {
    run(async {
        let (server, client) = support::tcp_sockets();
        let server = IoStream::tls_server(
            mio::net::TcpStream::from_std(server),
            support::server_config(),
            opts(),
        )
        .unwrap();
        let client = IoStream::tls_client(
            mio::net::TcpStream::from_std(client),
            support::client_config_no_verify(),
            "foo.example.com",
            opts(),
        )
        .unwrap();
        let handshake = spawn({
            let server = server.clone();
            async move { server.wait_for_handshake().await }
        });
        client.wait_for_handshake().await.unwrap();
        handshake.await.unwrap().unwrap();
    });
}

#[test]
fn test_wait_for_handshake_already_connected() {
    run(async {
        let (server, client) = pair(Kind::Tls).await;
        server.wait_for_handshake().await.unwrap();
        server.wait_for_handshake().await.unwrap();
        client.wait_for_handshake().await.unwrap();
        // And the connection still works.
        send_line(&client, &server, b"ping\r\n").await;
    });
}

#[test]
fn test_handshake_runs_with_first_read_and_write() {
    // Without an explicit wait_for_handshake, the first write and read
    // drive the handshake (Tornado's SSLIOStream does the same).
    run(async {
        let (server, client) = support::tcp_sockets();
        let server = IoStream::tls_server(
            mio::net::TcpStream::from_std(server),
            support::server_config(),
            opts(),
        )
        .unwrap();
        let client = IoStream::tls_client(
            mio::net::TcpStream::from_std(client),
            support::client_config_trusting_ca(),
            "localhost",
            opts(),
        )
        .unwrap();
        drop(client.write(&b"hello\r\n"[..]));
        assert_eq!(
            &server.read_until(b"\r\n", None).await.unwrap()[..],
            b"hello\r\n"
        );
        drop(server.write(&b"world\r\n"[..]));
        assert_eq!(
            &client.read_until(b"\r\n", None).await.unwrap()[..],
            b"world\r\n"
        );
    });
}

// --- TestIOStreamCheckHostname -------------------------------------------------------

async fn connect_tls(
    config: std::sync::Arc<tornado_iostream::rustls::ClientConfig>,
    server_hostname: &str,
) -> (Result<(), Error>, Result<(), Error>) {
    let (server, client) = support::tcp_sockets();
    let server = IoStream::tls_server(
        mio::net::TcpStream::from_std(server),
        support::server_config(),
        opts(),
    )
    .unwrap();
    let client = IoStream::tls_client(
        mio::net::TcpStream::from_std(client),
        config,
        server_hostname,
        opts(),
    )
    .unwrap();
    r#gen::join((client.wait_for_handshake(), server.wait_for_handshake())).await
}

#[test]
fn test_match() {
    run(async {
        let (c, s) = connect_tls(support::client_config_trusting_ca(), "foo.example.com").await;
        c.unwrap();
        s.unwrap();
    });
}

#[test]
fn test_no_match() {
    run(async {
        let (c, s) = connect_tls(support::client_config_trusting_ca(), "bar.example.com").await;
        let c = c.unwrap_err();
        assert_eq!(c.kind(), ErrorKind::Tls);
        let cause = c.real_error().expect("the rustls error").to_string();
        assert!(cause.contains("not valid for name"), "{cause}");
        // The server hears the client's alert.
        assert!(s.is_err());
    });
}

#[test]
fn test_check_disabled() {
    run(async {
        let (c, s) = connect_tls(support::client_config_no_verify(), "bar.example.com").await;
        c.unwrap();
        s.unwrap();
    });
}

#[test]
fn test_plain_http_to_tls_port() {
    // A clear-text client on a TLS port gets a clear TLS error on the
    // server, not a hang or a panic.
    run(async {
        let (server, client) = support::tcp_sockets();
        let server = IoStream::tls_server(
            mio::net::TcpStream::from_std(server),
            support::server_config(),
            opts(),
        )
        .unwrap();
        let client = IoStream::tcp(mio::net::TcpStream::from_std(client)).unwrap();
        drop(client.write(&b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"[..]));
        let err = server.wait_for_handshake().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Tls, "{err:?}");
        let cause = err.real_error().unwrap().to_string();
        assert!(cause.contains("does not speak TLS"), "{cause}");
        assert!(server.closed());
        // A read on the failed stream reports the close and its cause.
        let err = server.read_bytes(1, false).await.unwrap_err();
        assert!(err.is_closed());
        assert_eq!(real_kind(&err), Some(ErrorKind::Tls));
    });
}

// --- TestPipeIOStream ---------------------------------------------------------------

#[test]
fn test_pipe_iostream() {
    run(async {
        let (rs, ws) = pair(Kind::Pipe).await;
        drop(ws.write(&b"hel"[..]));
        drop(ws.write(&b"lo world"[..]));
        assert_eq!(&rs.read_until(b" ", None).await.unwrap()[..], b"hello ");
        assert_eq!(&rs.read_bytes(3, false).await.unwrap()[..], b"wor");
        ws.close(None);
        assert_eq!(&rs.read_until_close().await.unwrap()[..], b"ld");
        rs.close(None);
    });
}

#[test]
fn test_pipe_iostream_big_write() {
    run(async {
        let (rs, ws) = pair(Kind::Pipe).await;
        const NUM_BYTES: usize = 1_048_576;
        drop(ws.write(vec![b'1'; NUM_BYTES]));
        assert_eq!(
            rs.read_bytes(NUM_BYTES, false).await.unwrap(),
            vec![b'1'; NUM_BYTES]
        );
        ws.close(None);
        rs.close(None);
    });
}

#[test]
fn test_pipe_ends_refuse_the_wrong_direction() {
    run(async {
        let (rs, ws) = pair(Kind::Pipe).await;
        let err = ws.read_bytes(1, false).await.unwrap_err();
        assert!(err.is_closed(), "{err:?}");
        assert_eq!(io_kind(&err), Some(io::ErrorKind::Unsupported));
        let err = rs.write(&b"x"[..]).await.unwrap_err();
        assert!(err.is_closed(), "{err:?}");
    });
}
