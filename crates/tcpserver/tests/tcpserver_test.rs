//! Mirrors Tornado's `tornado/test/tcpserver_test.py` (`TCPServerTest`,
//! and `TestMultiprocess` with threads in place of forked processes), plus
//! the isolation, TLS and limit cases of the issue.

use std::cell::RefCell;
use std::future::Future;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Mutex, Once};
use std::thread::ThreadId;
use std::time::Duration;

use tornado_ioloop::{IoLoop, r#gen};
use tornado_iostream::IoStream;
use tornado_netutil::tls::{ClientTlsOptions, client_config, server_config};
use tornado_netutil::{AddressFamily, DEFAULT_BACKLOG, bind_sockets, bind_unix_socket};
use tornado_tcpclient::{ConnectOptions, TcpClient};
use tornado_tcpserver::{ErrorKind, PeerAddr, ServerOptions, StreamHandler, TcpServer};

const ASYNC_TEST_TIMEOUT: Duration = Duration::from_secs(5);

// --- log capture (Tornado's ExpectLog) -----------------------------------

struct Capture;

static RECORDS: Mutex<Vec<(ThreadId, log::Level, String)>> = Mutex::new(Vec::new());

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        RECORDS.lock().unwrap().push((
            std::thread::current().id(),
            record.level(),
            record.args().to_string(),
        ));
    }
    fn flush(&self) {}
}

fn capture_logs() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        log::set_boxed_logger(Box::new(Capture)).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// This thread's log records at `level`.
fn logged(level: log::Level) -> Vec<String> {
    let me = std::thread::current().id();
    RECORDS
        .lock()
        .unwrap()
        .iter()
        .filter(|(t, l, _)| *t == me && *l == level)
        .map(|(_, _, m)| m.clone())
        .collect()
}

fn run<F: Future>(f: F) -> F::Output {
    capture_logs();
    let ioloop = IoLoop::new().unwrap();
    ioloop
        .run_sync(f, Some(ASYNC_TEST_TIMEOUT))
        .expect("test timed out")
}

/// `bind_unused_port`: a listening socket on a free loopback port.
fn bind_unused_port() -> (TcpListener, u16) {
    let sock = bind_sockets(
        0,
        Some("127.0.0.1"),
        AddressFamily::Inet,
        DEFAULT_BACKLOG,
        false,
    )
    .unwrap()
    .remove(0);
    let port = sock.local_addr().unwrap().port();
    (sock, port)
}

/// Connects a client stream (through `TcpClient`, which waits for the
/// connection to complete).
async fn connect(addr: SocketAddr) -> tornado_tcpclient::Result<IoStream> {
    TcpClient::new()
        .connect(
            &addr.ip().to_string(),
            addr.port(),
            ConnectOptions::default(),
        )
        .await
}

fn localhost(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

/// A handler error that is the application's fault (Tornado's `1 / 0`).
#[derive(Debug)]
struct ZeroDivision;

impl std::fmt::Display for ZeroDivision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("division by zero")
    }
}

impl std::error::Error for ZeroDivision {}

#[test]
fn test_handle_stream_coroutine_logging() {
    // An error from the handler's future is logged.
    run(async {
        let (sock, port) = bind_unused_port();
        let server = TcpServer::new(|stream: IoStream, _: PeerAddr| async move {
            stream.read_bytes(5, false).await?;
            stream.close(None);
            Err::<(), tornado_tcpserver::BoxError>(Box::new(ZeroDivision))
        });
        server.add_socket(sock).unwrap();
        let client = connect(localhost(port)).await.unwrap();
        client.write(&b"hello"[..]).await.unwrap();
        client.read_until_close().await.unwrap();
        r#gen::moment().await;
        r#gen::sleep(Duration::from_millis(10)).await;
        let errors = logged(log::Level::Error);
        assert!(
            errors
                .iter()
                .any(|m| m.contains("error in connection callback")
                    && m.contains("division by zero")),
            "{errors:?}"
        );
        server.stop();
        client.close(None);
    });
}

#[test]
fn test_handle_stream_native_coroutine() {
    run(async {
        let (sock, port) = bind_unused_port();
        let server = TcpServer::new(|stream: IoStream, _: PeerAddr| async move {
            let written = stream.write(&b"data"[..]);
            stream.close(None);
            drop(written);
        });
        server.add_socket(sock).unwrap();
        let client = connect(localhost(port)).await.unwrap();
        let result = client.read_until_close().await.unwrap();
        assert_eq!(&result[..], b"data");
        server.stop();
        client.close(None);
    });
}

#[test]
fn test_stop_twice() {
    run(async {
        let (sock, _port) = bind_unused_port();
        let server = TcpServer::new(|_: IoStream, _: PeerAddr| async {});
        server.add_socket(sock).unwrap();
        server.stop();
        server.stop();
        assert_eq!(server.listener_count(), 0);
    });
}

#[test]
fn test_stop_in_callback() {
    // Tornado #2069: stop() from a handler while the loop still has other
    // connections of the same turn to serve must not fail.
    run(async {
        let (sock, port) = bind_unused_port();
        let server_slot: Rc<RefCell<Option<TcpServer>>> = Rc::default();
        let served = Rc::new(RefCell::new(0));
        let server = TcpServer::new({
            let server_slot = server_slot.clone();
            let served = served.clone();
            move |stream: IoStream, _: PeerAddr| {
                let server_slot = server_slot.clone();
                let served = served.clone();
                async move {
                    if let Some(server) = server_slot.borrow().as_ref() {
                        server.stop();
                    }
                    *served.borrow_mut() += 1;
                    let _ = stream.read_until_close().await;
                }
            }
        });
        *server_slot.borrow_mut() = Some(server.clone());
        server.add_socket(sock).unwrap();
        let n = 40;
        let connects = (0..n).map(|_| connect(localhost(port)));
        let clients: Vec<IoStream> = r#gen::multi(connects)
            .await
            .into_iter()
            .filter_map(Result::ok)
            .collect();
        assert!(!clients.is_empty(), "all clients failed connecting");
        r#gen::sleep(Duration::from_millis(20)).await;
        assert!(*served.borrow() >= 1);
        assert_eq!(server.listener_count(), 0);
        for c in &clients {
            c.close(None);
        }
        assert!(logged(log::Level::Error).is_empty());
        // The listener is closed: new connections are refused.
        assert!(connect(localhost(port)).await.is_err());
        server_slot.borrow_mut().take();
    });
}

// --- TestMultiprocess, with threads --------------------------------------
//
// Tornado's tests fork worker processes. One loop per thread over shared
// or reuse_port sockets is our scaling model; each worker here serves one
// connection and reports its task id.

fn echo_id_server(id: u8) -> TcpServer {
    TcpServer::new(move |stream: IoStream, _: PeerAddr| async move {
        stream.write(vec![b'0' + id]).await?;
        stream.close(None);
        Ok::<_, tornado_iostream::Error>(())
    })
}

/// Runs `n` workers, each with its own loop and a server that answers one
/// connection with its id and then stops; returns the ids the clients
/// read, sorted.
fn run_workers(port: u16, n: u8, listen: impl Fn(&TcpServer) + Send + Sync + 'static) -> String {
    let listen = std::sync::Arc::new(listen);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(usize::from(n) + 1));
    let workers: Vec<_> = (0..n)
        .map(|id| {
            let listen = listen.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let ioloop = IoLoop::new().unwrap();
                let (server, done) = one_shot(id);
                listen(&server);
                barrier.wait();
                ioloop
                    .run_sync(
                        async {
                            while !done.get() {
                                r#gen::sleep(Duration::from_millis(5)).await;
                            }
                        },
                        Some(Duration::from_secs(10)),
                    )
                    .is_ok()
            })
        })
        .collect();
    barrier.wait();
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while seen.len() < usize::from(n) && std::time::Instant::now() < deadline {
        let Ok(mut conn) = TcpStream::connect(localhost(port)) else {
            continue;
        };
        let mut reply = Vec::new();
        if conn.read_to_end(&mut reply).is_ok() && reply.len() == 1 && !seen.contains(&reply[0]) {
            seen.push(reply[0]);
        }
    }
    for w in workers {
        assert!(w.join().unwrap());
    }
    seen.sort_unstable();
    String::from_utf8(seen).unwrap()
}

/// A worker's server: answers its first connection with its id, then
/// stops; `done` is set once the answer went out.
fn one_shot(id: u8) -> (TcpServer, Rc<std::cell::Cell<bool>>) {
    let done = Rc::new(std::cell::Cell::new(false));
    let me = Rc::new(RefCell::new(None::<TcpServer>));
    let server = TcpServer::new({
        let me = me.clone();
        let done = done.clone();
        move |stream: IoStream, _: PeerAddr| {
            let me = me.clone();
            let done = done.clone();
            async move {
                if let Some(s) = me.borrow_mut().take() {
                    s.stop();
                }
                stream.write(vec![b'0' + id]).await?;
                stream.close(None);
                done.set(true);
                Ok::<_, tornado_iostream::Error>(())
            }
        }
    });
    *me.borrow_mut() = Some(server.clone());
    (server, done)
}

#[test]
fn test_listen_single() {
    run(async {
        let server = echo_id_server(0);
        server.listen(0, Some("127.0.0.1")).unwrap();
        let addr = server.local_addrs()[0];
        let client = connect(addr).await.unwrap();
        assert_eq!(&client.read_until_close().await.unwrap()[..], b"0");
        server.stop();
    });
}

#[test]
fn test_bind_start() {
    run(async {
        let server = echo_id_server(0);
        server
            .bind(
                0,
                Some("127.0.0.1"),
                AddressFamily::Inet,
                DEFAULT_BACKLOG,
                false,
            )
            .unwrap();
        assert_eq!(server.listener_count(), 0, "bind must not accept yet");
        server.start().unwrap();
        assert_eq!(
            server.start().unwrap_err().kind(),
            ErrorKind::AlreadyStarted
        );
        let addr = server.local_addrs()[0];
        let client = connect(addr).await.unwrap();
        assert_eq!(&client.read_until_close().await.unwrap()[..], b"0");
        server.stop();
    });
}

#[test]
fn test_add_sockets() {
    // One set of sockets bound before the workers start, shared by all.
    let (sock, port) = bind_unused_port();
    let sock = std::sync::Mutex::new(sock);
    let out = run_workers(port, 3, move |server| {
        let clone = sock.lock().unwrap().try_clone().unwrap();
        server.add_sockets([clone]).unwrap();
    });
    assert_eq!(out, "012");
}

#[test]
fn test_listen_multi_reuse_port() {
    // A free port each worker binds again with SO_REUSEPORT.
    let first = bind_sockets(
        0,
        Some("127.0.0.1"),
        AddressFamily::Inet,
        DEFAULT_BACKLOG,
        true,
    )
    .unwrap()
    .remove(0);
    let port = first.local_addr().unwrap().port();
    drop(first);
    let out = run_workers(port, 3, move |server| {
        server
            .listen_with(
                port,
                Some("127.0.0.1"),
                AddressFamily::Inet,
                DEFAULT_BACKLOG,
                true,
            )
            .unwrap();
    });
    assert_eq!(out, "012");
}

// --- beyond Tornado's tests ------------------------------------------------

fn echo_server(options: ServerOptions) -> TcpServer {
    TcpServer::with_options(
        |stream: IoStream, _: PeerAddr| async move {
            loop {
                let line = stream.read_until(b"\n", None).await?;
                stream.write(line).await?;
            }
            #[allow(unreachable_code)]
            Ok::<(), tornado_iostream::Error>(())
        },
        options,
    )
}

#[test]
fn handler_failure_touches_no_other_connection() {
    run(async {
        let server = TcpServer::new(|stream: IoStream, _: PeerAddr| async move {
            let line = stream.read_until(b"\n", None).await?;
            if &line[..] == b"panic\n" {
                panic!("handler bug");
            }
            if &line[..] == b"fail\n" {
                return Err(tornado_tcpserver::BoxError::from("application failure"));
            }
            stream.write(line).await?;
            let _ = stream.read_until_close().await;
            Ok(())
        });
        server.listen(0, Some("127.0.0.1")).unwrap();
        let addr = server.local_addrs()[0];
        let good = connect(addr).await.unwrap();
        let panicking = connect(addr).await.unwrap();
        let failing = connect(addr).await.unwrap();
        panicking.write(&b"panic\n"[..]).await.unwrap();
        failing.write(&b"fail\n"[..]).await.unwrap();
        // Both bad connections end (their streams are dropped).
        assert!(panicking.read_until_close().await.unwrap().is_empty());
        assert!(failing.read_until_close().await.unwrap().is_empty());
        good.write(&b"still here\n"[..]).await.unwrap();
        assert_eq!(
            &good.read_until(b"\n", None).await.unwrap()[..],
            b"still here\n"
        );
        let errors = logged(log::Level::Error);
        assert!(
            errors.iter().any(|m| m.contains("handler bug")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|m| m.contains("application failure")),
            "{errors:?}"
        );
        server.stop();
    });
}

#[test]
fn client_reset_is_not_logged_as_an_error() {
    run(async {
        let server = echo_server(ServerOptions::default());
        server.listen(0, Some("127.0.0.1")).unwrap();
        let addr = server.local_addrs()[0];
        // A client that sends half a line and resets the connection.
        let sock =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        sock.connect(&addr.into()).unwrap();
        sock.set_linger(Some(Duration::ZERO)).unwrap();
        (&sock).write_all(b"half a li").unwrap();
        r#gen::sleep(Duration::from_millis(20)).await;
        drop(sock);
        // A normal client afterwards.
        let client = connect(addr).await.unwrap();
        client.write(&b"ok\n"[..]).await.unwrap();
        assert_eq!(&client.read_until(b"\n", None).await.unwrap()[..], b"ok\n");
        client.close(None);
        r#gen::sleep(Duration::from_millis(20)).await;
        assert!(
            logged(log::Level::Error).is_empty(),
            "{:?}",
            logged(log::Level::Error)
        );
        assert!(!logged(log::Level::Debug).is_empty());
        server.stop();
    });
}

#[test]
fn stop_keeps_open_streams() {
    run(async {
        let server = echo_server(ServerOptions::default());
        server.listen(0, Some("127.0.0.1")).unwrap();
        let addr = server.local_addrs()[0];
        let client = connect(addr).await.unwrap();
        client.write(&b"one\n"[..]).await.unwrap();
        assert_eq!(&client.read_until(b"\n", None).await.unwrap()[..], b"one\n");
        server.stop();
        assert!(server.local_addrs().is_empty());
        client.write(&b"two\n"[..]).await.unwrap();
        assert_eq!(&client.read_until(b"\n", None).await.unwrap()[..], b"two\n");
        let refused = connect(addr).await.unwrap_err();
        assert_eq!(
            refused.io_error().unwrap().kind(),
            std::io::ErrorKind::ConnectionRefused
        );
        client.close(None);
    });
}

#[test]
fn dropping_the_server_stops_accepting() {
    run(async {
        let server = echo_server(ServerOptions::default());
        server.listen(0, Some("127.0.0.1")).unwrap();
        let addr = server.local_addrs()[0];
        drop(server);
        assert!(connect(addr).await.is_err());
    });
}

#[test]
fn max_buffer_size_limits_each_stream() {
    run(async {
        let result: Rc<RefCell<Option<tornado_iostream::Error>>> = Rc::default();
        let server = TcpServer::with_options(
            {
                let result = result.clone();
                move |stream: IoStream, _: PeerAddr| {
                    let result = result.clone();
                    async move {
                        let e = stream.read_until(b"\n", None).await.unwrap_err();
                        *result.borrow_mut() = Some(e);
                    }
                }
            },
            ServerOptions::default()
                .max_buffer_size(64)
                .read_chunk_size(16),
        );
        server.listen(0, Some("127.0.0.1")).unwrap();
        let client = connect(server.local_addrs()[0]).await.unwrap();
        client.write(vec![b'x'; 200]).await.unwrap();
        client.read_until_close().await.unwrap();
        assert!(result.borrow().as_ref().unwrap().is_buffer_full());
        server.stop();
    });
}

fn certs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../netutil/tests/certs")
}

fn tls_options() -> ServerOptions {
    let dir = certs_dir();
    ServerOptions::default()
        .tls(server_config(dir.join("server.pem"), dir.join("server.key")).unwrap())
}

#[test]
fn tls_echo() {
    run(async {
        let server = echo_server(tls_options());
        server.listen(0, Some("127.0.0.1")).unwrap();
        let port = server.local_addrs()[0].port();
        let config =
            client_config(&ClientTlsOptions::default().ca_file(certs_dir().join("ca.pem")))
                .unwrap();
        let stream = TcpClient::new()
            .connect(
                "localhost",
                port,
                ConnectOptions::default()
                    .family(AddressFamily::Inet)
                    .tls(config),
            )
            .await
            .unwrap();
        stream.write(&b"secret\n"[..]).await.unwrap();
        assert_eq!(
            &stream.read_until(b"\n", None).await.unwrap()[..],
            b"secret\n"
        );
        stream.close(None);
        server.stop();
    });
}

#[test]
fn plain_text_to_a_tls_port_is_refused_quietly() {
    run(async {
        let server = echo_server(tls_options());
        server.listen(0, Some("127.0.0.1")).unwrap();
        let addr = server.local_addrs()[0];
        let client = connect(addr).await.unwrap();
        client
            .write(&b"GET / HTTP/1.0\r\nHost: x\r\n\r\n"[..])
            .await
            .unwrap();
        // The server closes (after a TLS alert); nothing is echoed.
        let reply = client.read_until_close().await.unwrap_or_default();
        assert!(!reply.ends_with(b"\r\n\r\n"));
        r#gen::sleep(Duration::from_millis(20)).await;
        assert!(
            logged(log::Level::Error).is_empty(),
            "{:?}",
            logged(log::Level::Error)
        );
        server.stop();
    });
}

#[test]
fn unix_socket_echo() {
    run(async {
        let dir = std::env::temp_dir().join(format!("tcpserver-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("echo.sock");
        let listener = bind_unix_socket(&path, 0o600, DEFAULT_BACKLOG).unwrap();
        let server = echo_server(ServerOptions::default());
        server.add_unix_socket(listener).unwrap();
        let conn = mio::net::UnixStream::connect(&path).unwrap();
        let client = IoStream::unix(conn).unwrap();
        client.write(&b"over unix\n"[..]).await.unwrap();
        assert_eq!(
            &client.read_until(b"\n", None).await.unwrap()[..],
            b"over unix\n"
        );
        client.close(None);
        server.stop();
        let _ = std::fs::remove_dir_all(&dir);
    });
}

/// A handler type with state, implementing the trait (a Tornado subclass).
struct Greeter {
    greeting: &'static [u8],
}

impl StreamHandler for Greeter {
    type Outcome = Result<(), tornado_iostream::Error>;

    async fn handle_stream(
        self: Rc<Self>,
        stream: IoStream,
        _address: PeerAddr,
    ) -> Result<(), tornado_iostream::Error> {
        stream.write(self.greeting).await?;
        stream.close(None);
        Ok(())
    }
}

#[test]
fn trait_handler_serves() {
    run(async {
        let server = TcpServer::new(Greeter { greeting: b"hi" });
        server.listen(0, Some("127.0.0.1")).unwrap();
        let client = connect(server.local_addrs()[0]).await.unwrap();
        assert_eq!(&client.read_until_close().await.unwrap()[..], b"hi");
        server.stop();
    });
}

#[test]
fn handler_sees_the_peer_address() {
    run(async {
        let seen: Rc<RefCell<Option<SocketAddr>>> = Rc::default();
        let server = TcpServer::new({
            let seen = seen.clone();
            move |stream: IoStream, address: PeerAddr| {
                *seen.borrow_mut() = address.socket_addr();
                async move {
                    stream.close(None);
                }
            }
        });
        server.listen(0, Some("127.0.0.1")).unwrap();
        let client = connect(server.local_addrs()[0]).await.unwrap();
        let local = client.local_addr();
        client.read_until_close().await.unwrap();
        assert_eq!(*seen.borrow(), local);
        server.stop();
    });
}

#[test]
fn listen_on_a_busy_port_fails() {
    run(async {
        let holder = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = holder.local_addr().unwrap().port();
        let server = echo_server(ServerOptions::default());
        let error = server.listen(port, Some("127.0.0.1")).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Io);
    });
}

#[test]
fn many_connections_are_served_concurrently() {
    run(async {
        let server = echo_server(ServerOptions::default());
        server.listen(0, Some("127.0.0.1")).unwrap();
        let addr = server.local_addrs()[0];
        let clients: Vec<IoStream> = r#gen::multi((0..200).map(|_| connect(addr)))
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let round_trips = clients.iter().enumerate().map(|(i, c)| async move {
            let line = format!("line {i}\n");
            c.write(line.clone().into_bytes()).await.unwrap();
            let echoed = c.read_until(b"\n", None).await.unwrap();
            assert_eq!(&echoed[..], line.as_bytes());
        });
        r#gen::multi(round_trips).await;
        server.stop();
    });
}

/// The child half of `listener_under_emfile_recovers`, run under a low
/// descriptor limit.
fn emfile_child() {
    run(async {
        let server = echo_server(
            ServerOptions::default().accept(
                tornado_netutil::AcceptConfig::default()
                    .initial_backoff(Duration::from_millis(20))
                    .max_backoff(Duration::from_millis(100)),
            ),
        );
        server.listen(0, Some("127.0.0.1")).unwrap();
        let addr = server.local_addrs()[0];
        // Fill the descriptor table with client ends; the loop does not run
        // meanwhile, so the server accepts none of them.
        let mut clients = Vec::new();
        loop {
            match TcpStream::connect(addr) {
                Ok(c) => clients.push(c),
                Err(e) if e.raw_os_error() == Some(libc::EMFILE) => break,
                Err(e) => panic!("unexpected connect error {e}"),
            }
            assert!(clients.len() < 1000, "the descriptor limit was not lowered");
        }
        assert!(clients.len() > 4);
        // The server now fails to accept (EMFILE) and must back off, not spin.
        r#gen::sleep(Duration::from_millis(200)).await;
        // Keep the newest quarter open and close the rest. The server needs
        // one descriptor per kept connection, so far fewer must stay open
        // than are freed, whatever the number of inherited descriptors.
        let keep = clients.split_off(clients.len() - clients.len() / 4);
        drop(clients);
        // Descriptors are free again: the server accepts what is pending
        // (the closed ones first, which it reads to EOF and drops), then
        // the connections still open.
        let mut kept: Vec<IoStream> = keep
            .into_iter()
            .map(|c| {
                c.set_nonblocking(true).unwrap();
                IoStream::tcp(mio::net::TcpStream::from_std(c)).unwrap()
            })
            .collect();
        let last = kept.pop().unwrap();
        last.write(&b"still served\n"[..]).await.unwrap();
        let echo = tornado_ioloop::r#gen::with_timeout(
            Duration::from_secs(4),
            last.read_until(b"\n", None),
        )
        .await
        .expect("the server did not recover from EMFILE")
        .unwrap();
        assert_eq!(&echo[..], b"still served\n");
        for c in kept {
            c.close(None);
        }
        server.stop();
    });
}

#[test]
fn listener_under_emfile_recovers() {
    if std::env::var_os("TCPSERVER_EMFILE_CHILD").is_some() {
        emfile_child();
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = match std::process::Command::new("prlimit")
        .arg("--nofile=64:64")
        .arg(&exe)
        .args([
            "listener_under_emfile_recovers",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("TCPSERVER_EMFILE_CHILD", "1")
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("warning: skipping, cannot run prlimit: {e}");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
