//! Cases the issue asks for beyond Tornado's own tests: every split point
//! of a message, a delimiter straddling two reads, resets, closes with I/O
//! pending, buffer caps on both sides, and idle memory. Each runs over every
//! transport where it applies.

mod support;

use std::future::Future;
use std::io;

use bytes::Bytes;
use regex::bytes::Regex;
use tornado_ioloop::spawn;
use tornado_iostream::{Error, ErrorKind, IoStream, StreamOptions};

use support::{ALL, Kind, SOCKETS, each, pair, pair_with, pause, run, settle};

const MESSAGE: &[u8] = b"HEAD /x\r\nHost: y\r\n\r\n0123456789tail;id=42|rest";

/// What each read of [`read_message`] returns for [`MESSAGE`].
const PIECES: [&[u8]; 5] = [
    b"HEAD /x\r\nHost: y\r\n\r\n",
    b"0123",
    b"456789",
    b"tail;id=42|",
    b"rest",
];

/// Reads [`MESSAGE`] back with every read API.
async fn read_message(stream: &IoStream, regex: &Regex) -> Result<Vec<Bytes>, Error> {
    let head = stream.read_until(b"\r\n\r\n", Some(1024)).await?;
    let mut into = [0u8; 4];
    let n = stream.read_into(&mut into, false).await?;
    let digits = stream.read_bytes(6, false).await?;
    let id = stream.read_until_regex(regex, Some(1024)).await?;
    let rest = stream.read_bytes(4, false).await?;
    Ok(vec![
        head,
        Bytes::copy_from_slice(&into[..n]),
        digits,
        id,
        rest,
    ])
}

fn spawn_reader(stream: &IoStream) -> tornado_ioloop::JoinHandle<Result<Vec<Bytes>, Error>> {
    let reader = stream.clone();
    spawn(async move {
        let regex = Regex::new(r"id=\d+\|").unwrap();
        read_message(&reader, &regex).await
    })
}

fn assert_pieces(got: &[Bytes], context: &str) {
    let got: Vec<&[u8]> = got.iter().map(|b| &b[..]).collect();
    assert_eq!(got, PIECES, "{context}");
}

#[test]
fn reads_split_at_every_byte_boundary() {
    // The message arrives in two writes, split at each point in turn; every
    // read API returns the same answer wherever the split falls.
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        for split in 0..=MESSAGE.len() {
            let reader = spawn_reader(&rs);
            settle().await;
            ws.write(Bytes::from_static(&MESSAGE[..split]))
                .await
                .unwrap();
            settle().await;
            ws.write(Bytes::from_static(&MESSAGE[split..]))
                .await
                .unwrap();
            let got = reader.await.unwrap().unwrap();
            assert_pieces(&got, &format!("{kind:?}, split at {split}"));
            assert_eq!(rs.buffered(), 0);
        }
    });
}

#[test]
fn reads_one_byte_at_a_time() {
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let reader = spawn_reader(&rs);
        for i in 0..MESSAGE.len() {
            ws.write(Bytes::from_static(&MESSAGE[i..=i])).await.unwrap();
            settle().await;
        }
        let got = reader.await.unwrap().unwrap();
        assert_pieces(&got, &format!("{kind:?}, one byte per write"));
    });
}

#[test]
fn delimiter_straddling_two_reads() {
    // A long delimiter cut at each of its positions, after a false start
    // (a prefix of the delimiter) that the search must not skip past.
    let delimiter = b"--boundary--";
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        for cut in 1..delimiter.len() {
            let reader = rs.clone();
            let read = spawn(async move { reader.read_until(delimiter, Some(4096)).await });
            settle().await;
            let mut first = b"body --bound".to_vec();
            first.extend_from_slice(&delimiter[..cut]);
            ws.write(first).await.unwrap();
            settle().await;
            let mut second = delimiter[cut..].to_vec();
            second.extend_from_slice(b"next");
            ws.write(second).await.unwrap();
            let got = read.await.unwrap().unwrap();
            let mut want = b"body --bound".to_vec();
            want.extend_from_slice(delimiter);
            assert_eq!(got, want, "{kind:?}, cut at {cut}");
            assert_eq!(&rs.read_bytes(4, false).await.unwrap()[..], b"next");
        }
    });
}

#[test]
fn second_read_while_one_is_pending_is_an_error() {
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let reader = rs.clone();
        let first = spawn(async move { reader.read_bytes(3, false).await });
        settle().await;
        assert!(rs.reading());
        let err = rs.read_bytes(1, false).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyReading);
        // The first read is untouched.
        drop(ws.write(&b"abc"[..]));
        assert_eq!(&first.await.unwrap().unwrap()[..], b"abc");
        assert!(!rs.closed());
    });
}

#[test]
fn data_that_satisfies_a_read_comes_before_the_close() {
    // The peer writes and closes at once: the pending read gets the data,
    // and only the next read sees the close.
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let reader = rs.clone();
        let read = spawn(async move { reader.read_bytes(5, false).await });
        settle().await;
        drop(ws.write(&b"hello"[..]));
        ws.close(None);
        assert_eq!(&read.await.unwrap().unwrap()[..], b"hello");
        let err = rs.read_bytes(1, false).await.unwrap_err();
        assert!(err.is_closed());
        assert!(err.real_error().is_none());
    });
}

#[test]
fn close_with_a_read_and_a_write_pending() {
    // Both fail with StreamClosed carrying the real error given to close.
    each(&SOCKETS, |kind| async move {
        let (_rs, ws) = pair(kind).await;
        let reader = ws.clone();
        let read = spawn(async move { reader.read_bytes(1, false).await });
        // Nobody reads on the other side, so most of this stays queued.
        let write = ws.write(vec![b'x'; 16 * 1024 * 1024]);
        settle().await;
        assert!(ws.reading() && ws.writing());
        ws.close(Some(io::Error::other("shutting down")));
        for err in [read.await.unwrap().unwrap_err(), write.await.unwrap_err()] {
            assert!(err.is_closed(), "{kind:?}: {err:?}");
            assert_eq!(err.io_error().unwrap().to_string(), "shutting down");
        }
        assert_eq!(ws.buffer_capacity(), 0);
        // And later calls fail at once.
        assert!(ws.write(&b"more"[..]).await.unwrap_err().is_closed());
        assert!(ws.read_bytes(1, false).await.unwrap_err().is_closed());
    });
}

#[test]
fn reset_by_peer_fails_a_pending_read() {
    each(&[Kind::Tcp, Kind::Tls], |kind| async move {
        let (server, client) = support::tcp_sockets();
        socket2::SockRef::from(&client)
            .set_linger(Some(std::time::Duration::ZERO))
            .unwrap();
        let (rs, ws) = match kind {
            Kind::Tcp => (
                IoStream::tcp(mio::net::TcpStream::from_std(server)).unwrap(),
                IoStream::tcp(mio::net::TcpStream::from_std(client)).unwrap(),
            ),
            _ => support::tls_pair_from(server, client, StreamOptions::default()).await,
        };
        let reader = rs.clone();
        let read = spawn(async move { reader.read_bytes(10, false).await });
        settle().await;
        ws.close(Some(io::Error::other("abort")));
        let err = read.await.unwrap().unwrap_err();
        assert!(err.is_closed(), "{err:?}");
        assert_eq!(
            err.io_error().map(io::Error::kind),
            Some(io::ErrorKind::ConnectionReset),
            "{kind:?}: {err:?}"
        );
        assert!(rs.closed());
    });
}

#[test]
fn read_buffer_full() {
    // A read that needs more than max_buffer_size fails with
    // StreamBufferFull and closes the stream; the buffer never passes the
    // cap.
    each(&ALL, |kind| async move {
        let options = StreamOptions::default().max_buffer_size(1024);
        let (rs, ws) = pair_with(kind, options).await;
        drop(ws.write(vec![b'a'; 8192]));
        let err = rs.read_bytes(2048, false).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StreamBufferFull, "{kind:?}");
        assert!(rs.closed());
        assert!(rs.buffered() <= 1024);

        let (rs, ws) = pair_with(kind, StreamOptions::default().max_buffer_size(1024)).await;
        drop(ws.write(vec![b'a'; 8192]));
        let err = rs.read_until(b"\n", None).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StreamBufferFull, "{kind:?}");
    });
}

#[test]
fn read_buffer_limit_default_is_tornados() {
    let options = StreamOptions::default();
    assert_eq!(options.max_buffer_size, 100 * 1024 * 1024);
    assert_eq!(options.read_chunk_size, 64 * 1024);
    assert_eq!(options.max_write_buffer_size, None);
}

#[test]
fn write_buffer_full() {
    // With max_write_buffer_size, a write that would pass it fails with
    // StreamBufferFull; the stream stays open and what was accepted is
    // delivered.
    each(
        &[Kind::Tcp, Kind::Tls, Kind::Unix, Kind::Pipe],
        |kind| async move {
            const LIMIT: usize = 256 * 1024;
            let options = StreamOptions::default().max_write_buffer_size(Some(LIMIT));
            let (rs, ws) = pair_with(kind, options).await;
            // Fill the kernel, then our buffer, while nobody reads.
            let mut accepted = 0usize;
            let mut full = false;
            for i in 0..2000u32 {
                let chunk = vec![(i % 251) as u8; 64 * 1024];
                let write = ws.write(chunk);
                if ws.closed() {
                    break;
                }
                // A refused write fails at once; an accepted one is counted.
                let refused = futures_ready_err(write).await;
                if refused {
                    full = true;
                    break;
                }
                accepted += 64 * 1024;
            }
            assert!(full, "{kind:?}: the write buffer never filled");
            assert!(!ws.closed());
            // With the socket full, a write larger than the cap is refused whole.
            let err = ws.write(vec![0u8; LIMIT + 1]).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::StreamBufferFull);
            assert!(!ws.closed());
            // Everything accepted arrives, in order.
            let data = rs.read_bytes(accepted, false).await.unwrap();
            for (i, block) in data.chunks(64 * 1024).enumerate() {
                assert!(
                    block.iter().all(|&b| b == (i % 251) as u8),
                    "{kind:?} block {i}"
                );
            }
        },
    );
}

/// Polls a write future once: true if it failed with StreamBufferFull at
/// once, false if it is pending or done (it is then left to finish in the
/// background).
async fn futures_ready_err(write: tornado_iostream::WriteFuture) -> bool {
    let mut write = Box::pin(write);
    std::future::poll_fn(|cx| {
        std::task::Poll::Ready(match write.as_mut().poll(cx) {
            std::task::Poll::Ready(Err(e)) => {
                assert_eq!(e.kind(), ErrorKind::StreamBufferFull, "{e:?}");
                true
            }
            _ => false,
        })
    })
    .await
}

#[test]
fn idle_streams_hold_no_buffers() {
    // After an exchange, neither side holds read or write buffer memory.
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        for _ in 0..3 {
            let big = ws.write(vec![b'q'; 100_000]);
            let small = ws.write(&b"small\n"[..]);
            rs.read_bytes(100_000, false).await.unwrap();
            rs.read_until(b"\n", None).await.unwrap();
            big.await.unwrap();
            small.await.unwrap();
            if kind != Kind::Pipe {
                drop(rs.write(&b"ok\n"[..]));
                ws.read_until(b"\n", None).await.unwrap();
            }
        }
        pause().await;
        assert_eq!(rs.buffer_capacity(), 0, "{kind:?} reader");
        assert_eq!(ws.buffer_capacity(), 0, "{kind:?} writer");
        assert!(!rs.writing() && !ws.writing());
    });
}

#[test]
fn close_callback_sees_close_without_a_read() {
    // Tornado notices a peer's close while no read is pending when a close
    // callback is set; the data sent before the close stays readable.
    each(&ALL, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let closed = std::rc::Rc::new(tornado_ioloop::locks::Event::new());
        let set = closed.clone();
        rs.set_close_callback(move || set.set());
        drop(ws.write(&b"last words"[..]));
        ws.close(None);
        closed.wait().await;
        assert!(rs.closed());
        assert_eq!(&rs.read_until_close().await.unwrap()[..], b"last words");
    });
}

#[test]
fn close_callback_runs_once_and_after_close() {
    run(async {
        let (rs, ws) = pair(Kind::Unix).await;
        let count = std::rc::Rc::new(std::cell::Cell::new(0));
        let c = count.clone();
        rs.set_close_callback(move || c.set(c.get() + 1));
        rs.close(None);
        rs.close(None);
        settle().await;
        assert_eq!(count.get(), 1);
        // Set on a closed stream: runs on the next loop turn.
        let c = count.clone();
        rs.set_close_callback(move || c.set(c.get() + 10));
        assert_eq!(count.get(), 1);
        settle().await;
        assert_eq!(count.get(), 11);
        drop(ws);
    });
}

#[test]
fn nodelay_and_addresses() {
    run(async {
        let (rs, ws) = pair(Kind::Tcp).await;
        rs.set_nodelay(true).unwrap();
        assert_eq!(rs.peer_addr(), ws.local_addr());
        assert!(rs.fileno().is_some());
        let (u, _) = pair(Kind::Unix).await;
        u.set_nodelay(true).unwrap(); // a no-op off TCP
        assert!(u.peer_addr().is_none());
        rs.close(None);
        assert!(rs.fileno().is_none());
    });
}

#[test]
fn tls_server_speaks_first() {
    // An SMTP-style greeting over implicit TLS: the server writes before it
    // ever reads, and the client only reads; the write drives the handshake.
    run(async {
        let (server, client) = support::tcp_sockets();
        let server = IoStream::tls_server(
            mio::net::TcpStream::from_std(server),
            support::server_config(),
            StreamOptions::default(),
        )
        .unwrap();
        let client = IoStream::tls_client(
            mio::net::TcpStream::from_std(client),
            support::client_config_trusting_ca(),
            "foo.example.com",
            StreamOptions::default(),
        )
        .unwrap();
        let greeting = server.write(&b"220 ready\r\n"[..]);
        assert_eq!(
            &client.read_until(b"\r\n", None).await.unwrap()[..],
            b"220 ready\r\n"
        );
        greeting.await.unwrap();
        // Then both directions at once, from separate tasks.
        let echo = {
            let server = server.clone();
            spawn(async move {
                let line = server.read_until(b"\r\n", None).await.unwrap();
                server.write(line).await.unwrap();
            })
        };
        drop(client.write(&b"EHLO x\r\n"[..]));
        assert_eq!(
            &client.read_until(b"\r\n", None).await.unwrap()[..],
            b"EHLO x\r\n"
        );
        echo.await.unwrap();
    });
}

#[test]
fn tls_write_resolves_only_when_records_left() {
    // A large TLS write resolves only once its records reached the kernel:
    // the last one to resolve accounts for every byte.
    run(async {
        let (rs, ws) = pair(Kind::Tls).await;
        let data = vec![7u8; 3 * 1024 * 1024];
        let write = ws.write(data.clone());
        let reader = rs.clone();
        let read = spawn(async move { reader.read_bytes(3 * 1024 * 1024, false).await });
        write.await.unwrap();
        assert!(!ws.writing());
        // Dropping the writer now loses nothing.
        drop(ws);
        assert_eq!(read.await.unwrap().unwrap(), data);
    });
}

#[test]
fn try_read_with_into_hands_over_or_copies() {
    // A message that is all the buffer holds trades places with an empty
    // `out` (no copy); one followed by more bytes is copied, and the rest
    // stays buffered. Either way the stream holds nothing once drained.
    each(&SOCKETS, |kind| async move {
        let (rs, ws) = pair(kind).await;
        let line = |buf: &[u8]| buf.iter().position(|&b| b == b'\n').map(|at| at + 1);
        ws.write(&b"alone\n"[..]).await.unwrap();
        rs.wait_for_data().await.unwrap();
        let mut out = bytes::BytesMut::new();
        assert_eq!(rs.try_read_with_into(line, &mut out).unwrap().unwrap(), 6);
        assert_eq!(&out[..], b"alone\n");
        assert_eq!(rs.buffer_capacity(), 0, "{kind:?}");
        tornado_iostream::recycle_buffer(out);

        ws.write(&b"one\ntwo\nthr"[..]).await.unwrap();
        while rs.buffered() < 11 {
            rs.wait_for_data().await.unwrap();
            if rs.buffered() < 11 {
                pause().await;
            }
        }
        let mut out = bytes::BytesMut::new();
        assert_eq!(rs.try_read_with_into(line, &mut out).unwrap().unwrap(), 4);
        // Appends to what `out` holds.
        assert_eq!(rs.try_read_with_into(line, &mut out).unwrap().unwrap(), 4);
        assert_eq!(&out[..], b"one\ntwo\n");
        // Not there yet: nothing taken.
        assert!(rs.try_read_with_into(line, &mut out).is_none());
        assert_eq!(rs.buffered(), 3);
        ws.write(&b"ee\n"[..]).await.unwrap();
        assert_eq!(&rs.read_until(b"\n", None).await.unwrap()[..], b"three\n");
        assert_eq!(rs.buffer_capacity(), 0, "{kind:?}");
        // A read in progress refuses it.
        let reading = rs.clone();
        let pending = tornado_ioloop::spawn(async move { reading.read_bytes(1, false).await });
        pause().await;
        let mut out = bytes::BytesMut::new();
        let refused = rs.try_read_with_into(line, &mut out).unwrap().unwrap_err();
        assert!(refused.to_string().contains("read"), "{refused}");
        ws.write(&b"x"[..]).await.unwrap();
        pending.await.unwrap().unwrap();
    });
}

#[test]
fn pending_output_counts_unsent_bytes() {
    each(&SOCKETS, |kind| async move {
        let (rs, ws) = pair(kind).await;
        assert_eq!(ws.pending_output(), 0);
        // More than the socket takes at once, with nobody reading.
        let big = ws.write(vec![b'z'; 8 << 20]);
        pause().await;
        assert!(ws.pending_output() > 0, "{kind:?}");
        assert!(ws.pending_output() <= 8 << 20);
        rs.read_bytes(8 << 20, false).await.unwrap();
        big.await.unwrap();
        assert_eq!(ws.pending_output(), 0);
    });
}

/// `flush` resolves once everything queued so far reached the kernel, and
/// `bytes_written` counts what the kernel took.
#[test]
fn flush_waits_for_all_output_and_bytes_written_counts_it() {
    each(&SOCKETS, |kind| async move {
        let (rs, ws) = pair(kind).await;
        assert_eq!(ws.bytes_written(), 0);
        // Nothing queued: ready at once.
        ws.flush().await.unwrap();
        ws.write(&b"hello"[..]).await.unwrap();
        assert_eq!(ws.bytes_written(), 5, "{kind:?}");
        // More than the socket takes at once, with nobody reading yet.
        drop(ws.write(vec![b'z'; 8 << 20]));
        drop(ws.write(&b"!"[..]));
        pause().await;
        let taken = ws.bytes_written();
        assert!(taken < 5 + (8 << 20) + 1, "{kind:?}");
        let read = spawn(async move { rs.read_bytes(5 + (8 << 20) + 1, false).await });
        ws.flush().await.unwrap();
        let data = read.await.unwrap().unwrap();
        assert_eq!(data.last(), Some(&b'!'));
        assert_eq!(ws.bytes_written(), 5 + (8 << 20) + 1, "{kind:?}");
    });
}
