//! Mirrors `tornado/test/netutil_test.py`, plus the behaviour this port adds
//! or pins down: port sharing across families, `SO_REUSEPORT`, Unix socket
//! files, the accept loop's batching and its back-off when out of file
//! descriptors.

use std::cell::{Cell, RefCell};
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::process::Command;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tornado_ioloop::{IoLoop, r#gen};
use tornado_netutil::{
    AcceptConfig, AddressFamily, BlockingResolver, DEFAULT_BACKLOG, DEFAULT_UNIX_SOCKET_MODE,
    DefaultResolver, ErrorKind, ExecutorResolver, OverrideResolver, Resolver, add_accept_handler,
    add_accept_handler_with_config, bind_sockets, bind_unix_socket, is_valid_ip,
};

fn run<F: std::future::Future>(f: F) -> F::Output {
    let ioloop = IoLoop::new().unwrap();
    ioloop.run_sync(f, Some(Duration::from_secs(5))).unwrap()
}

/// Runs `ioloop` until `done()` holds, checking every few milliseconds.
fn run_until(ioloop: &IoLoop, done: impl Fn() -> bool) {
    ioloop
        .run_sync(
            async {
                while !done() {
                    r#gen::sleep(Duration::from_millis(2)).await;
                }
            },
            Some(Duration::from_secs(5)),
        )
        .expect("condition not reached within 5 s");
}

fn bind_one(address: &str) -> TcpListener {
    bind_sockets(
        0,
        Some(address),
        AddressFamily::Unspec,
        DEFAULT_BACKLOG,
        false,
    )
    .unwrap()
    .remove(0)
}

fn ipv6_available() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tornado-netutil-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

// --- resolvers (_ResolverTestMixin, _ResolverErrorTestMixin) ----------------

fn check_localhost(resolver: &dyn Resolver) {
    let addrs = run(resolver.resolve("localhost", 80, AddressFamily::Unspec)).unwrap();
    let v4: SocketAddr = "127.0.0.1:80".parse().unwrap();
    let v6: SocketAddr = "[::1]:80".parse().unwrap();
    assert!(
        addrs.contains(&v4) || addrs.contains(&v6),
        "loopback address not found in {addrs:?}"
    );
}

fn check_bad_host(resolver: &dyn Resolver) {
    let err = run(resolver.resolve("an invalid domain", 80, AddressFamily::Unspec)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Resolve);
    // A NUL byte never reaches getaddrinfo; it is refused just the same.
    let err = run(resolver.resolve("bad\0host", 80, AddressFamily::Unspec)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Resolve);
}

mod blocking_resolver_test {
    use super::*;

    #[test]
    fn test_localhost() {
        check_localhost(&BlockingResolver::new());
    }
}

mod blocking_resolver_error_test {
    use super::*;

    #[test]
    fn test_bad_host() {
        check_bad_host(&BlockingResolver::new());
    }
}

mod threaded_resolver_test {
    use super::*;

    #[test]
    fn test_localhost() {
        let resolver = ExecutorResolver::threaded(tornado_netutil::DEFAULT_RESOLVER_THREADS);
        check_localhost(&resolver);
        resolver.close();
    }
}

mod threaded_resolver_error_test {
    use super::*;

    #[test]
    fn test_bad_host() {
        let resolver = ExecutorResolver::threaded(2);
        check_bad_host(&resolver);
        resolver.close();
    }
}

/// The default resolver (Tornado's `DefaultLoopResolver`) runs the same
/// mixins; Tornado's suite only covers it through other modules.
mod default_resolver_test {
    use super::*;

    #[test]
    fn test_localhost() {
        check_localhost(&DefaultResolver::new());
    }

    #[test]
    fn test_bad_host() {
        check_bad_host(&DefaultResolver::new());
    }

    #[test]
    fn results_are_filtered_by_family() {
        let v4 = run(DefaultResolver::new().resolve("localhost", 80, AddressFamily::Inet)).unwrap();
        assert!(
            !v4.is_empty() && v4.iter().all(SocketAddr::is_ipv4),
            "{v4:?}"
        );
        let err =
            run(DefaultResolver::new().resolve("127.0.0.1", 80, AddressFamily::Inet6)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Resolve);
    }
}

mod override_resolver_test {
    use super::*;

    fn resolver() -> OverrideResolver {
        OverrideResolver::new(BlockingResolver::new())
            .map_host_port("google.com", 80, "1.2.3.4", 80)
            .map_host_port_family("google.com", 80, AddressFamily::Inet, "1.2.3.4", 80)
            .map_host_port_family(
                "google.com",
                80,
                AddressFamily::Inet6,
                "2a02:6b8:7c:40c:c51e:495f:e23a:3",
                80,
            )
    }

    #[test]
    fn test_localhost() {
        check_localhost(&resolver());
    }

    #[test]
    fn test_resolve_multiaddr() {
        let resolver = resolver();
        let result = run(resolver.resolve("google.com", 80, AddressFamily::Inet)).unwrap();
        assert!(result.contains(&"1.2.3.4:80".parse().unwrap()));
        let result = run(resolver.resolve("google.com", 80, AddressFamily::Inet6)).unwrap();
        assert!(result.contains(&"[2a02:6b8:7c:40c:c51e:495f:e23a:3]:80".parse().unwrap()));
    }

    #[test]
    fn most_specific_override_wins() {
        let resolver = OverrideResolver::new(BlockingResolver::new())
            .map_host("example.com", "127.0.0.3")
            .map_host_port("example.com", 443, "127.0.0.2", 8443)
            .map_host_port_family("example.com", 443, AddressFamily::Inet6, "::1", 9443);
        assert_eq!(
            resolver.rewrite("example.com", 443, AddressFamily::Inet6),
            ("::1".to_owned(), 9443)
        );
        assert_eq!(
            resolver.rewrite("example.com", 443, AddressFamily::Unspec),
            ("127.0.0.2".to_owned(), 8443)
        );
        assert_eq!(
            resolver.rewrite("example.com", 80, AddressFamily::Inet),
            ("127.0.0.3".to_owned(), 80)
        );
        assert_eq!(
            resolver.rewrite("other.com", 80, AddressFamily::Inet),
            ("other.com".to_owned(), 80)
        );
        let addrs = run(resolver.resolve("example.com", 443, AddressFamily::Unspec)).unwrap();
        assert_eq!(addrs, vec!["127.0.0.2:8443".parse::<SocketAddr>().unwrap()]);
    }

    #[test]
    fn close_reaches_the_wrapped_resolver() {
        #[derive(Debug, Default)]
        struct Counting(Rc<Cell<usize>>);
        impl Resolver for Counting {
            fn resolve(
                &self,
                host: &str,
                port: u16,
                family: AddressFamily,
            ) -> tornado_netutil::ResolveFuture {
                BlockingResolver::new().resolve(host, port, family)
            }
            fn close(&self) {
                self.0.set(self.0.get() + 1);
            }
        }
        let closed = Rc::new(Cell::new(0));
        let resolver = OverrideResolver::new(Counting(closed.clone()));
        resolver.close();
        assert_eq!(closed.get(), 1);
    }
}

// --- IsValidIPTest -------------------------------------------------------------

mod is_valid_ip_test {
    use super::*;

    #[test]
    fn test_is_valid_ip() {
        assert!(is_valid_ip("127.0.0.1"));
        assert!(is_valid_ip("4.4.4.4"));
        assert!(is_valid_ip("::1"));
        assert!(is_valid_ip("2620:0:1cfe:face:b00c::3"));
        assert!(!is_valid_ip("www.google.com"));
        assert!(!is_valid_ip("localhost"));
        assert!(!is_valid_ip("4.4.4.4<"));
        assert!(!is_valid_ip(" 127.0.0.1"));
        assert!(!is_valid_ip(""));
        assert!(!is_valid_ip(" "));
        assert!(!is_valid_ip("\n"));
        assert!(!is_valid_ip("\x00"));
        assert!(!is_valid_ip(&"a".repeat(100)));
    }

    #[test]
    fn non_ascii_is_refused() {
        // Python's IDNA step maps full-width digits to ASCII first; we
        // refuse them (docs/deviations.md).
        assert!(!is_valid_ip("１.2.3.4"));
        assert!(!is_valid_ip("1.2.3.4\u{ad}"));
    }
}

// --- TestPortAllocation --------------------------------------------------------

mod test_port_allocation {
    use super::*;

    #[test]
    fn test_same_port_allocation() {
        let sockets = bind_sockets(
            0,
            Some("localhost"),
            AddressFamily::Unspec,
            DEFAULT_BACKLOG,
            false,
        )
        .unwrap();
        let port = sockets[0].local_addr().unwrap().port();
        assert_ne!(port, 0);
        assert!(
            sockets[1..]
                .iter()
                .all(|s| s.local_addr().unwrap().port() == port)
        );
    }

    #[test]
    fn test_reuse_port() {
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
        let sockets = bind_sockets(
            port,
            Some("127.0.0.1"),
            AddressFamily::Unspec,
            DEFAULT_BACKLOG,
            true,
        )
        .unwrap();
        assert!(
            sockets
                .iter()
                .all(|s| s.local_addr().unwrap().port() == port)
        );
        // Without SO_REUSEPORT the same bind is refused.
        let err = bind_sockets(
            port,
            Some("127.0.0.1"),
            AddressFamily::Unspec,
            DEFAULT_BACKLOG,
            false,
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
        assert_eq!(err.io_error().unwrap().kind(), io::ErrorKind::AddrInUse);
    }

    #[test]
    fn port_zero_is_shared_by_ipv4_and_ipv6() {
        if !ipv6_available() {
            eprintln!("warning: IPv6 unavailable; skipping port_zero_is_shared_by_ipv4_and_ipv6");
            return;
        }
        let sockets = bind_sockets(0, None, AddressFamily::Unspec, DEFAULT_BACKLOG, false).unwrap();
        assert_eq!(sockets.len(), 2);
        let a = sockets[0].local_addr().unwrap();
        let b = sockets[1].local_addr().unwrap();
        assert!(a.is_ipv4() && a.ip().is_unspecified(), "{a}");
        assert!(b.is_ipv6() && b.ip().is_unspecified(), "{b}");
        assert_eq!(a.port(), b.port());
        // Both answer on that port, on loopback of each family.
        TcpStream::connect(("127.0.0.1", a.port())).unwrap();
        TcpStream::connect((Ipv6Addr::LOCALHOST, a.port())).unwrap();
    }
}

// --- bind_sockets options --------------------------------------------------------

#[test]
fn sockets_get_tornado_options() {
    let sockets = bind_sockets(0, None, AddressFamily::Unspec, DEFAULT_BACKLOG, false).unwrap();
    for s in &sockets {
        let sock = socket2::SockRef::from(s);
        assert!(sock.reuse_address().unwrap());
        assert!(!sock.reuse_port().unwrap());
        if s.local_addr().unwrap().is_ipv6() {
            assert!(sock.only_v6().unwrap());
        }
        // Non-blocking: nothing to accept is WouldBlock, not a hang.
        assert_eq!(s.accept().unwrap_err().kind(), io::ErrorKind::WouldBlock);
    }
}

#[test]
fn family_restricts_addresses() {
    let v4 = bind_sockets(0, None, AddressFamily::Inet, DEFAULT_BACKLOG, false).unwrap();
    assert_eq!(v4.len(), 1);
    assert!(v4[0].local_addr().unwrap().is_ipv4());
    let err = bind_sockets(
        0,
        Some("127.0.0.1"),
        AddressFamily::Inet6,
        DEFAULT_BACKLOG,
        false,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Resolve);
    if ipv6_available() {
        let v6 = bind_sockets(
            0,
            Some("::1"),
            AddressFamily::Unspec,
            DEFAULT_BACKLOG,
            false,
        )
        .unwrap();
        assert_eq!(
            v6[0].local_addr().unwrap().ip(),
            IpAddr::V6(Ipv6Addr::LOCALHOST)
        );
    }
}

#[test]
fn empty_address_means_every_interface() {
    let sockets = bind_sockets(0, Some(""), AddressFamily::Inet, DEFAULT_BACKLOG, false).unwrap();
    assert!(sockets[0].local_addr().unwrap().ip().is_unspecified());
}

#[test]
fn unresolvable_address_is_an_error() {
    let err = bind_sockets(
        0,
        Some("an invalid domain"),
        AddressFamily::Unspec,
        128,
        false,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Resolve);
    assert!(!err.to_string().ends_with('.'));
}

/// The listen backlog reaches the kernel: `ss` shows it as the Send-Q of a
/// listening socket.
#[test]
fn backlog_is_configurable() {
    for backlog in [DEFAULT_BACKLOG, 7] {
        let listener = bind_sockets(0, Some("127.0.0.1"), AddressFamily::Inet, backlog, false)
            .unwrap()
            .remove(0);
        let port = listener.local_addr().unwrap().port();
        let Ok(out) = Command::new("ss")
            .args(["-ltnH", &format!("sport = :{port}")])
            .output()
        else {
            eprintln!("warning: `ss` unavailable; skipping backlog_is_configurable");
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let send_q: u32 = text
            .split_whitespace()
            .nth(2)
            .unwrap_or_else(|| panic!("unexpected ss output {text:?}"))
            .parse()
            .unwrap();
        assert_eq!(send_q, backlog);
    }
}

// --- bind_unix_socket ------------------------------------------------------------

#[test]
fn unix_socket_default_mode_is_0600() {
    let path = temp_path("mode.sock");
    let _listener = bind_unix_socket(&path, DEFAULT_UNIX_SOCKET_MODE, DEFAULT_BACKLOG).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let other = temp_path("mode660.sock");
    let _listener = bind_unix_socket(&other, 0o660, DEFAULT_BACKLOG).unwrap();
    let mode = std::fs::metadata(&other).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o660);
}

#[test]
fn unix_socket_refuses_to_replace_a_regular_file() {
    let path = temp_path("regular.sock");
    std::fs::write(&path, b"precious").unwrap();
    let err = bind_unix_socket(&path, DEFAULT_UNIX_SOCKET_MODE, DEFAULT_BACKLOG).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotASocket);
    assert!(
        err.to_string().contains("exists and is not a socket"),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"precious");
}

#[test]
fn unix_socket_replaces_a_stale_socket() {
    let path = temp_path("stale.sock");
    drop(UnixListener::bind(&path).unwrap()); // leaves the file behind
    assert!(path.exists());
    let listener = bind_unix_socket(&path, DEFAULT_UNIX_SOCKET_MODE, DEFAULT_BACKLOG).unwrap();
    let mut client = UnixStream::connect(&path).unwrap();
    client.write_all(b"x").unwrap();
    let (mut conn, _) = listener.accept().unwrap();
    let mut buf = [0u8; 1];
    conn.set_nonblocking(false).unwrap();
    conn.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"x");
}

#[test]
fn unix_socket_in_the_abstract_namespace() {
    let name = format!("\0tornado-netutil-{}", std::process::id());
    let listener = bind_unix_socket(&name, DEFAULT_UNIX_SOCKET_MODE, DEFAULT_BACKLOG).unwrap();
    assert!(listener.local_addr().unwrap().as_pathname().is_none());
    assert_eq!(
        listener.accept().unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
}

// --- add_accept_handler -------------------------------------------------------------

#[test]
fn accept_handler_accepts_many_connections() {
    let ioloop = IoLoop::new().unwrap();
    // A backlog above the client count, so that every connect completes
    // before the loop runs.
    let listener = bind_sockets(0, Some("127.0.0.1"), AddressFamily::Inet, 512, false)
        .unwrap()
        .remove(0);
    let addr = listener.local_addr().unwrap();
    let peers = Rc::new(RefCell::new(Vec::new()));
    let _handle = add_accept_handler(&ioloop, listener, {
        let peers = peers.clone();
        move |stream: TcpStream, peer| {
            // The stream is handed over non-blocking.
            let mut buf = [0u8; 1];
            assert_eq!(
                (&stream).read(&mut buf).unwrap_err().kind(),
                io::ErrorKind::WouldBlock
            );
            peers.borrow_mut().push(peer);
        }
    })
    .unwrap();
    // More than one batch (128) is waiting when the loop first looks.
    let clients: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(addr).unwrap())
        .collect();
    run_until(&ioloop, || peers.borrow().len() == clients.len());
    let mut expected: Vec<SocketAddr> = clients.iter().map(|c| c.local_addr().unwrap()).collect();
    let mut got = peers.borrow().clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
}

#[test]
fn accept_handler_works_on_unix_sockets_and_mio_listeners() {
    let ioloop = IoLoop::new().unwrap();
    let path = temp_path("accept.sock");
    let listener = bind_unix_socket(&path, DEFAULT_UNIX_SOCKET_MODE, DEFAULT_BACKLOG).unwrap();
    let listener = mio::net::UnixListener::from_std(listener);
    let count = Rc::new(Cell::new(0));
    let _handle = add_accept_handler(&ioloop, listener, {
        let count = count.clone();
        move |_stream: UnixStream, _addr| count.set(count.get() + 1)
    })
    .unwrap();
    let _clients: Vec<UnixStream> = (0..3)
        .map(|_| UnixStream::connect(&path).unwrap())
        .collect();
    run_until(&ioloop, || count.get() == 3);
}

/// At most `max_accepts_per_event` connections are taken before other work
/// runs; the rest follow on later turns.
#[test]
fn accept_batch_is_bounded() {
    for (cap, expected_at_marker) in [(2, 2), (DEFAULT_BACKLOG as usize, 5)] {
        let ioloop = IoLoop::new().unwrap();
        let listener = bind_one("127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let count = Rc::new(Cell::new(0));
        let at_marker = Rc::new(Cell::new(None));
        let config = AcceptConfig::default().max_accepts_per_event(cap);
        let _handle = add_accept_handler_with_config(&ioloop, listener, config, {
            let count = count.clone();
            let at_marker = at_marker.clone();
            let ioloop = ioloop.clone();
            move |_stream: TcpStream, _| {
                if count.get() == 0 {
                    // Queued behind the current batch, ahead of any
                    // continuation of it.
                    let count = count.clone();
                    let at_marker = at_marker.clone();
                    ioloop.add_callback(move || at_marker.set(Some(count.get())));
                }
                count.set(count.get() + 1);
            }
        })
        .unwrap();
        let _clients: Vec<TcpStream> = (0..5).map(|_| TcpStream::connect(addr).unwrap()).collect();
        run_until(&ioloop, || count.get() == 5);
        assert_eq!(at_marker.get(), Some(expected_at_marker), "cap {cap}");
    }
}

#[test]
fn accept_config_defaults_and_validation() {
    let config = AcceptConfig::default();
    assert_eq!(config.max_accepts_per_event, 128);
    assert_eq!(config.initial_backoff, Duration::from_millis(100));
    assert_eq!(config.max_backoff, Duration::from_secs(1));
    let ioloop = IoLoop::new().unwrap();
    for bad in [
        AcceptConfig::default().max_accepts_per_event(0),
        AcceptConfig::default().initial_backoff(Duration::ZERO),
        AcceptConfig::default().max_backoff(Duration::from_millis(1)),
    ] {
        let err = add_accept_handler_with_config(&ioloop, bind_one("127.0.0.1"), bad, |_, _| {})
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    }
}

#[test]
fn remove_stops_accepting_and_returns_the_listener() {
    let ioloop = IoLoop::new().unwrap();
    let listener = bind_one("127.0.0.1");
    let addr = listener.local_addr().unwrap();
    let count = Rc::new(Cell::new(0));
    let handle = add_accept_handler(&ioloop, listener, {
        let count = count.clone();
        move |_s: TcpStream, _| count.set(count.get() + 1)
    })
    .unwrap();
    let _c1 = TcpStream::connect(addr).unwrap();
    run_until(&ioloop, || count.get() == 1);
    let listener = handle.remove().expect("listener handed back");
    let _c2 = TcpStream::connect(addr).unwrap();
    ioloop
        .run_sync(r#gen::sleep(Duration::from_millis(30)), None)
        .unwrap();
    assert_eq!(count.get(), 1);
    // The second connection waits in the listener for its new owner.
    assert!(listener.accept().is_ok());
}

#[test]
fn remove_from_inside_the_callback() {
    let ioloop = IoLoop::new().unwrap();
    let listener = bind_one("127.0.0.1");
    let addr = listener.local_addr().unwrap();
    let count = Rc::new(Cell::new(0));
    let slot: Rc<RefCell<Option<tornado_netutil::AcceptHandle<TcpListener>>>> =
        Rc::new(RefCell::new(None));
    let handle = add_accept_handler(&ioloop, listener, {
        let count = count.clone();
        let slot = slot.clone();
        move |_s: TcpStream, _| {
            count.set(count.get() + 1);
            let handle = slot.borrow_mut().take();
            drop(handle);
        }
    })
    .unwrap();
    *slot.borrow_mut() = Some(handle);
    let _clients: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(addr).unwrap()).collect();
    ioloop
        .run_sync(r#gen::sleep(Duration::from_millis(50)), None)
        .unwrap();
    assert_eq!(count.get(), 1);
}

#[test]
fn dropping_the_handle_closes_the_listener() {
    let ioloop = IoLoop::new().unwrap();
    let listener = bind_one("127.0.0.1");
    let addr = listener.local_addr().unwrap();
    let handle = add_accept_handler(&ioloop, listener, |_s: TcpStream, _| {}).unwrap();
    assert!(!handle.is_paused());
    assert_eq!(
        handle.with_listener(|l| l.local_addr().unwrap()),
        Some(addr)
    );
    drop(handle);
    assert_eq!(
        TcpStream::connect(addr).unwrap_err().kind(),
        io::ErrorKind::ConnectionRefused
    );
}

// --- EMFILE back-off ------------------------------------------------------------------

const EMFILE_CHILD_ENV: &str = "TORNADO_NETUTIL_EMFILE_CHILD";

/// Out of file descriptors, the accept loop must neither spin (retrying at
/// full speed on a listener that stays readable) nor stall (waiting for a
/// readiness edge that never comes): it pauses with a growing back-off,
/// logging a warning per attempt, and drains the backlog once descriptors
/// are free. Runs in a child process started by `prlimit` with a low
/// descriptor limit (the workspace forbids the `unsafe` `setrlimit`).
#[test]
fn accept_backs_off_when_out_of_file_descriptors() {
    if std::env::var_os(EMFILE_CHILD_ENV).is_some() {
        emfile_child();
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let output = Command::new("prlimit")
        .arg("--nofile=128:128")
        .arg("--")
        .arg(exe)
        .args([
            "--exact",
            "accept_backs_off_when_out_of_file_descriptors",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(EMFILE_CHILD_ENV, "1")
        .output();
    let Ok(output) = output else {
        eprintln!("warning: prlimit unavailable; skipping the EMFILE back-off test");
        return;
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "child failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let report = stdout.lines().find(|l| l.contains("emfile child ok"));
    println!(
        "{}",
        report.unwrap_or_else(|| panic!("no report in stdout:\n{stdout}"))
    );
}

static WARNINGS: AtomicUsize = AtomicUsize::new(0);
static ERRORS: AtomicUsize = AtomicUsize::new(0);

struct CountingLogger;

impl log::Log for CountingLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        if record.target() == "tornado.general" {
            match record.level() {
                log::Level::Warn => WARNINGS.fetch_add(1, Ordering::SeqCst),
                log::Level::Error => ERRORS.fetch_add(1, Ordering::SeqCst),
                _ => 0,
            };
        }
    }
    fn flush(&self) {}
}

fn emfile_child() {
    log::set_boxed_logger(Box::new(CountingLogger)).unwrap();
    log::set_max_level(log::LevelFilter::Warn);
    let ioloop = IoLoop::new().unwrap();
    let listener = bind_one("127.0.0.1");
    let addr = listener.local_addr().unwrap();
    let accepted = Rc::new(RefCell::new(Vec::new()));
    let config = AcceptConfig::default()
        .initial_backoff(Duration::from_millis(20))
        .max_backoff(Duration::from_millis(80));
    let handle = add_accept_handler_with_config(&ioloop, listener, config, {
        let accepted = accepted.clone();
        move |stream: TcpStream, _| accepted.borrow_mut().push(stream)
    })
    .unwrap();
    let clients: Vec<TcpStream> = (0..5).map(|_| TcpStream::connect(addr).unwrap()).collect();

    // Use up every remaining descriptor.
    let mut hog = Vec::new();
    loop {
        match std::fs::File::open("/dev/null") {
            Ok(f) => hog.push(f),
            Err(e) if e.raw_os_error() == Some(libc::EMFILE) => break,
            Err(e) => panic!("unexpected error filling descriptors: {e}"),
        }
        assert!(hog.len() < 100_000, "the descriptor limit was not lowered");
    }
    ioloop
        .run_sync(r#gen::sleep(Duration::from_millis(300)), None)
        .unwrap();
    let warnings = WARNINGS.load(Ordering::SeqCst);
    assert_eq!(accepted.borrow().len(), 0);
    assert!(handle.is_paused());
    // 20 + 40 + 80 + 80 ms...: about six attempts in 300 ms. A loop that
    // retried without pausing would make thousands.
    assert!((2..=20).contains(&warnings), "{warnings} accept attempts");
    assert_eq!(
        ERRORS.load(Ordering::SeqCst),
        0,
        "EMFILE must not log at ERROR"
    );

    // Free the descriptors: the backlog drains with no new connection to
    // announce it.
    drop(hog);
    run_until(&ioloop, || accepted.borrow().len() == clients.len());
    assert!(!handle.is_paused());
    println!("emfile child ok: {warnings} warnings");
}

#[test]
fn handle_may_outlive_a_closed_loop() {
    let ioloop = IoLoop::new().unwrap();
    let handle = add_accept_handler(&ioloop, bind_one("127.0.0.1"), |_s: TcpStream, _| {}).unwrap();
    ioloop.close().unwrap();
    assert!(handle.remove().is_some());
}
