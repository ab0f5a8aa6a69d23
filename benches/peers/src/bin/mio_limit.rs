//! Peer (c): the practical limit of this design — one thread, mio's edge-
//! triggered epoll, httparse on each request (pipelining included) and a
//! fixed response. No routing, no header map, no timers, no Date header;
//! one `recv` and one `send` per request (or per pipelined batch).

use std::io::{self, Read, Write};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use slab::Slab;

const RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nHello, world";
const LISTENER: Token = Token(usize::MAX);
/// A request head larger than this closes the connection.
const MAX_BUFFERED: usize = 64 * 1024;

struct Conn {
    stream: TcpStream,
    /// Bytes read but not yet parsed (a partial request).
    input: Vec<u8>,
    /// Responses not yet written, from `written` on.
    output: Vec<u8>,
    written: usize,
    /// Close once `output` is flushed.
    close_after_flush: bool,
    /// Whether WRITABLE interest is registered.
    want_write: bool,
}

enum Parsed {
    /// The first `consumed` bytes were complete requests, all answered;
    /// `close` when the last one asked to close the connection.
    Requests {
        consumed: usize,
        close: bool,
    },
    Invalid,
}

/// Parses every complete request in `input`, appending one response each.
fn parse_all(input: &[u8], output: &mut Vec<u8>) -> Parsed {
    let mut pos = 0;
    let mut close = false;
    while pos < input.len() && !close {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut request = httparse::Request::new(&mut headers);
        let head_len = match request.parse(&input[pos..]) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => break,
            Err(_) => return Parsed::Invalid,
        };
        let mut body_len = 0usize;
        let mut keep_alive = request.version == Some(1);
        for header in request.headers.iter() {
            if header.name.eq_ignore_ascii_case("content-length") {
                match std::str::from_utf8(header.value)
                    .ok()
                    .and_then(|v| v.trim().parse().ok())
                {
                    Some(n) => body_len = n,
                    None => return Parsed::Invalid,
                }
            } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
                // Chunked request bodies are out of scope for the limit server.
                return Parsed::Invalid;
            } else if header.name.eq_ignore_ascii_case("connection") {
                if header.value.eq_ignore_ascii_case(b"close") {
                    keep_alive = false;
                } else if header.value.eq_ignore_ascii_case(b"keep-alive") {
                    keep_alive = true;
                }
            }
        }
        if input.len() - pos - head_len < body_len {
            break;
        }
        pos += head_len + body_len;
        output.extend_from_slice(RESPONSE);
        close = !keep_alive;
    }
    Parsed::Requests {
        consumed: pos,
        close,
    }
}

/// Reads what is available, answers complete requests and flushes.
/// Returns `false` when the connection should be dropped.
fn on_readable(conn: &mut Conn, scratch: &mut [u8]) -> bool {
    loop {
        match conn.stream.read(scratch) {
            Ok(0) => return false,
            Ok(n) => {
                // Parse straight from the scratch buffer when nothing is
                // pending; otherwise append and parse the joined bytes.
                let parsed = if conn.input.is_empty() {
                    let parsed = parse_all(&scratch[..n], &mut conn.output);
                    if let Parsed::Requests { consumed, .. } = parsed {
                        conn.input.extend_from_slice(&scratch[consumed..n]);
                    }
                    parsed
                } else {
                    conn.input.extend_from_slice(&scratch[..n]);
                    let parsed = parse_all(&conn.input, &mut conn.output);
                    if let Parsed::Requests { consumed, .. } = parsed {
                        conn.input.drain(..consumed);
                    }
                    parsed
                };
                match parsed {
                    Parsed::Invalid => return false,
                    Parsed::Requests { close, .. } => {
                        if close {
                            conn.close_after_flush = true;
                            break;
                        }
                    }
                }
                if conn.input.len() > MAX_BUFFERED {
                    return false;
                }
                // A short read drained the socket: with edge-triggered
                // epoll, bytes arriving later raise a new edge, so the
                // read that would only return EAGAIN is skipped (tokio's
                // trick, which saves one syscall per request).
                if n < scratch.len() {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return false,
        }
    }
    flush(conn)
}

/// Writes pending output. Returns `false` when the connection should be dropped.
fn flush(conn: &mut Conn) -> bool {
    while conn.written < conn.output.len() {
        match conn.stream.write(&conn.output[conn.written..]) {
            Ok(0) => return false,
            Ok(n) => conn.written += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return false,
        }
    }
    conn.output.clear();
    conn.written = 0;
    !conn.close_after_flush
}

fn main() -> io::Result<()> {
    let port = tornado_bench_peers::port_from_args();
    let mut poll = Poll::new()?;
    let mut listener = TcpListener::bind(([127, 0, 0, 1], port).into())?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    println!("mio limit server listening on {}", listener.local_addr()?);
    let mut conns: Slab<Conn> = Slab::new();
    let mut events = Events::with_capacity(1024);
    let mut scratch = vec![0u8; 64 * 1024];
    loop {
        if let Err(e) = poll.poll(&mut events, None) {
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        for event in events.iter() {
            if event.token() == LISTENER {
                loop {
                    match listener.accept() {
                        Ok((mut stream, _)) => {
                            let _ = stream.set_nodelay(true);
                            let entry = conns.vacant_entry();
                            let token = Token(entry.key());
                            if poll
                                .registry()
                                .register(&mut stream, token, Interest::READABLE)
                                .is_ok()
                            {
                                entry.insert(Conn {
                                    stream,
                                    input: Vec::new(),
                                    output: Vec::new(),
                                    written: 0,
                                    close_after_flush: false,
                                    want_write: false,
                                });
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => {
                            // EMFILE and friends: stop accepting for this
                            // wake-up; the backlog keeps the rest.
                            eprintln!("accept: {e}");
                            break;
                        }
                    }
                }
                continue;
            }
            let key = event.token().0;
            let Some(conn) = conns.get_mut(key) else {
                continue;
            };
            let mut keep = true;
            if event.is_readable() || event.is_read_closed() || event.is_error() {
                keep = on_readable(conn, &mut scratch);
            }
            if keep && event.is_writable() {
                keep = flush(conn);
            }
            if keep {
                let pending = conn.written < conn.output.len();
                if pending != conn.want_write {
                    let interest = if pending {
                        Interest::READABLE | Interest::WRITABLE
                    } else {
                        Interest::READABLE
                    };
                    keep = poll
                        .registry()
                        .reregister(&mut conn.stream, event.token(), interest)
                        .is_ok();
                    conn.want_write = pending;
                }
            }
            if !keep {
                let mut conn = conns.remove(key);
                let _ = poll.registry().deregister(&mut conn.stream);
            }
        }
    }
}
