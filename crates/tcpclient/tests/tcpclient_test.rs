//! Mirrors `TCPClientTest` and `TestFormatAddr` of Tornado's
//! `tornado/test/tcpclient_test.py` over real sockets on loopback.
//! (`ConnectorTest` is in `connector_test.rs`.)

use std::cell::RefCell;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use tornado_ioloop::IoLoop;
use tornado_ioloop::queues::Queue;
use tornado_iostream::IoStream;
use tornado_netutil::tls::{ClientTlsOptions, client_config};
use tornado_netutil::{
    AcceptHandle, AddressFamily, ResolveFuture, Resolver, add_accept_handler, bind_sockets,
};
use tornado_tcpclient::{AttemptFuture, ConnectOptions, ErrorKind, TcpClient};

/// Tornado's asynchronous test timeout.
const ASYNC_TEST_TIMEOUT: Duration = Duration::from_secs(5);

/// `TestTCPServer`: accepts on a free port of `localhost` and queues every
/// stream.
struct TestServer {
    port: u16,
    queue: Rc<Queue<IoStream>>,
    streams: Rc<RefCell<Vec<IoStream>>>,
    handles: Vec<AcceptHandle<TcpListener>>,
}

impl TestServer {
    fn new(family: AddressFamily) -> Option<TestServer> {
        Self::on("localhost", family)
    }

    fn on(address: &str, family: AddressFamily) -> Option<TestServer> {
        let sockets = bind_sockets(0, Some(address), family, 128, false).ok()?;
        let port = sockets[0].local_addr().unwrap().port();
        let queue = Rc::new(Queue::new(0));
        let streams = Rc::new(RefCell::new(Vec::new()));
        let ioloop = IoLoop::current();
        let handles = sockets
            .into_iter()
            .map(|sock| {
                let queue = queue.clone();
                let streams = streams.clone();
                add_accept_handler(&ioloop, sock, move |conn, _addr| {
                    let stream = IoStream::tcp(mio::net::TcpStream::from_std(conn)).unwrap();
                    streams.borrow_mut().push(stream.clone());
                    queue.put_nowait(stream).unwrap();
                })
                .unwrap()
            })
            .collect();
        Some(TestServer {
            port,
            queue,
            streams,
            handles,
        })
    }

    fn stop(self) {
        drop(self.handles);
        for stream in self.streams.borrow().iter() {
            stream.close(None);
        }
    }
}

fn run<F: Future>(f: F) -> F::Output {
    let ioloop = IoLoop::new().unwrap();
    ioloop
        .run_sync(f, Some(ASYNC_TEST_TIMEOUT))
        .expect("test timed out")
}

fn ipv6_available() -> bool {
    let ok = std::net::TcpListener::bind("[::1]:0").is_ok();
    if !ok {
        eprintln!("warning: skipping, IPv6 is not available");
    }
    ok
}

/// `skipIfLocalhostV4`: true when `localhost` resolves to an IPv6 address.
fn localhost_has_ipv6() -> bool {
    use std::net::ToSocketAddrs;
    let ok = ("localhost", 80)
        .to_socket_addrs()
        .map(|mut addrs| addrs.any(|a| a.is_ipv6()))
        .unwrap_or(false);
    if !ok {
        eprintln!("warning: skipping, localhost does not resolve to IPv6");
    }
    ok
}

fn do_test_connect(
    family: AddressFamily,
    host: &str,
    source_ip: Option<IpAddr>,
    source_port: Option<u16>,
) -> tornado_tcpclient::Result<()> {
    let host = host.to_owned();
    run(async move {
        let server = TestServer::new(family).expect("cannot bind the test server");
        let client = TcpClient::new();
        let mut options = ConnectOptions::default().family(family);
        options.source_ip = source_ip;
        options.source_port = source_port;
        let result = client.connect(&host, server.port, options).await;
        let outcome = match result {
            Ok(stream) => {
                let server_stream = server.queue.get().await;
                stream.write(&b"hello"[..]).await.unwrap();
                let data = server_stream.read_bytes(5, false).await.unwrap();
                assert_eq!(&data[..], b"hello");
                stream.close(None);
                Ok(())
            }
            Err(e) => Err(e),
        };
        client.close();
        server.stop();
        outcome
    })
}

#[test]
fn test_connect_ipv4_ipv4() {
    do_test_connect(AddressFamily::Inet, "127.0.0.1", None, None).unwrap();
}

#[test]
fn test_connect_ipv4_dual() {
    do_test_connect(AddressFamily::Inet, "localhost", None, None).unwrap();
}

#[test]
fn test_connect_ipv6_ipv6() {
    if ipv6_available() && localhost_has_ipv6() {
        do_test_connect(AddressFamily::Inet6, "::1", None, None).unwrap();
    }
}

#[test]
fn test_connect_ipv6_dual() {
    if ipv6_available() && localhost_has_ipv6() {
        do_test_connect(AddressFamily::Inet6, "localhost", None, None).unwrap();
    }
}

#[test]
fn test_connect_unspec_ipv4() {
    do_test_connect(AddressFamily::Unspec, "127.0.0.1", None, None).unwrap();
}

#[test]
fn test_connect_unspec_ipv6() {
    if ipv6_available() && localhost_has_ipv6() {
        do_test_connect(AddressFamily::Unspec, "::1", None, None).unwrap();
    }
}

#[test]
fn test_connect_unspec_dual() {
    do_test_connect(AddressFamily::Unspec, "localhost", None, None).unwrap();
}

/// A port nothing listens on (`refusing_port`): bound but not listening.
fn refusing_port() -> (socket2::Socket, u16) {
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    sock.bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())
        .unwrap();
    let port = sock.local_addr().unwrap().as_socket().unwrap().port();
    (sock, port)
}

#[test]
fn test_refused_ipv4() {
    let (_guard, port) = refusing_port();
    let error = run(async move {
        TcpClient::new()
            .connect("127.0.0.1", port, ConnectOptions::default())
            .await
            .unwrap_err()
    });
    assert_eq!(error.kind(), ErrorKind::Connect);
    assert_eq!(
        error.io_error().unwrap().kind(),
        std::io::ErrorKind::ConnectionRefused
    );
}

fn tls_context() -> Arc<rustls::ClientConfig> {
    client_config(&ClientTlsOptions::default().validate_cert(false)).unwrap()
}

// In the next tests the server accepts the connection but never answers
// the TLS handshake. The client's socket must be closed when the attempt
// is abandoned (Tornado #3614): the server's read_until_close only ends
// once the client closed it.

#[test]
fn test_connect_tls_timeout_closes_stream() {
    run(async {
        let server = TestServer::new(AddressFamily::Inet).unwrap();
        let port = server.port;
        let error = TcpClient::new()
            .connect(
                "127.0.0.1",
                port,
                ConnectOptions::default()
                    .tls(tls_context())
                    .timeout(Duration::from_millis(500)),
            )
            .await
            .unwrap_err();
        assert!(error.is_timeout());
        assert_eq!(
            error.to_string(),
            format!("timeout during tls handshake with 127.0.0.1:{port}")
        );
        let server_stream = server.queue.get().await;
        server_stream.read_until_close().await.unwrap();
        server.stop();
    });
}

fn do_test_connect_tls_cancel(timeout: Option<Duration>) {
    run(async move {
        let server = TestServer::new(AddressFamily::Inet).unwrap();
        let port = server.port;
        let mut options = ConnectOptions::default().tls(tls_context());
        options.timeout = timeout;
        let connecting = tornado_ioloop::spawn(async move {
            TcpClient::new().connect("127.0.0.1", port, options).await
        });
        let server_stream = server.queue.get().await;
        // The client is past the TCP phase once its ClientHello arrives.
        server_stream.read_bytes(1, true).await.unwrap();
        connecting.abort();
        assert!(connecting.await.unwrap_err().is_aborted());
        server_stream.read_until_close().await.unwrap();
        server.stop();
    });
}

#[test]
fn test_connect_tls_cancel_closes_stream() {
    do_test_connect_tls_cancel(None);
}

#[test]
fn test_connect_tls_cancel_with_timeout_closes_stream() {
    // A timeout is set but the caller cancels first.
    do_test_connect_tls_cancel(Some(Duration::from_secs(3600)));
}

#[test]
fn test_source_ip_fail() {
    // Binding to an address this host does not have fails.
    let error = do_test_connect(
        AddressFamily::Inet,
        "127.0.0.1",
        Some(IpAddr::V4(Ipv4Addr::new(8, 8, 8, 8))),
        None,
    )
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connect);
    assert_eq!(
        error.io_error().unwrap().kind(),
        std::io::ErrorKind::AddrNotAvailable
    );
}

/// A resolver that answers with an IPv6 and an IPv4 address.
#[derive(Debug)]
struct MixedResolver;

impl Resolver for MixedResolver {
    fn resolve(&self, _host: &str, port: u16, _family: AddressFamily) -> ResolveFuture {
        Box::pin(async move {
            Ok(vec![
                SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port)),
                SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            ])
        })
    }
}

#[test]
fn test_source_ip_mixed_families() {
    // An IPv4 source address cannot be bound on an IPv6 socket: that
    // attempt fails and the IPv4 address is used.
    run(async {
        let server = TestServer::new(AddressFamily::Inet).unwrap();
        let client = TcpClient::with_resolver(Rc::new(MixedResolver));
        let stream = client
            .connect(
                "localhost",
                server.port,
                ConnectOptions::default().source_ip(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            )
            .await
            .unwrap();
        assert!(stream.local_addr().unwrap().is_ipv4());
        stream.close(None);
        client.close();
        server.stop();
    });
}

#[test]
fn test_source_ip_success() {
    do_test_connect(
        AddressFamily::Inet,
        "127.0.0.1",
        Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        None,
    )
    .unwrap();
}

#[test]
fn test_source_port_fail() {
    // Tornado uses port 1 and skips the test as root; a port that another
    // socket holds fails for every user.
    let holder = TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = holder.local_addr().unwrap().port();
    let error = do_test_connect(AddressFamily::Inet, "127.0.0.1", None, Some(busy)).unwrap_err();
    assert_eq!(
        error.io_error().unwrap().kind(),
        std::io::ErrorKind::AddrInUse
    );
}

#[test]
fn source_port_success_binds_loopback() {
    // A source port without a source address binds the family's loopback.
    let probe = TcpListener::bind("127.0.0.1:0").unwrap();
    let free = probe.local_addr().unwrap().port();
    drop(probe);
    run(async move {
        let server = TestServer::new(AddressFamily::Inet).unwrap();
        let stream = TcpClient::new()
            .connect(
                "127.0.0.1",
                server.port,
                ConnectOptions::default().source_port(free),
            )
            .await
            .unwrap();
        assert_eq!(
            stream.local_addr().unwrap(),
            SocketAddr::from((Ipv4Addr::LOCALHOST, free))
        );
        let server_stream = server.queue.get().await;
        assert_eq!(server_stream.peer_addr().unwrap().port(), free);
        stream.close(None);
        server.stop();
    });
}

/// A resolver that never answers.
#[derive(Debug)]
struct TimeoutResolver;

impl Resolver for TimeoutResolver {
    fn resolve(&self, _host: &str, _port: u16, _family: AddressFamily) -> ResolveFuture {
        Box::pin(std::future::pending())
    }
}

#[test]
fn test_connect_timeout() {
    let error = run(async {
        TcpClient::with_resolver(Rc::new(TimeoutResolver))
            .connect(
                "example.com",
                12345,
                ConnectOptions::default().timeout(Duration::from_millis(50)),
            )
            .await
            .unwrap_err()
    });
    assert!(error.is_timeout());
    assert_eq!(error.to_string(), "timeout while resolving example.com");
}

/// Answers with documentation addresses (RFC 5737, RFC 3849).
#[derive(Debug)]
struct FakeResolver;

impl Resolver for FakeResolver {
    fn resolve(&self, _host: &str, port: u16, _family: AddressFamily) -> ResolveFuture {
        Box::pin(async move {
            Ok(vec![
                format!("[2001:db8::1]:{port}").parse().unwrap(),
                format!("192.0.2.1:{port}").parse().unwrap(),
            ])
        })
    }
}

#[test]
fn test_connect_timeout_during_tcp_connect() {
    // Connection attempts that never complete; the timeout is longer than
    // the Happy Eyeballs delay so that both families are tried.
    let error = run(async {
        let hanging = Box::new(|_family: AddressFamily, _addr: &SocketAddr| {
            Ok(Box::pin(std::future::pending()) as AttemptFuture<IoStream>)
        });
        TcpClient::with_resolver(Rc::new(FakeResolver))
            .connect_with(
                "example.com",
                443,
                ConnectOptions::default().timeout(Duration::from_millis(400)),
                hanging,
            )
            .await
            .unwrap_err()
    });
    assert!(error.is_timeout());
    assert_eq!(
        error.to_string(),
        "timeout while connecting to 192.0.2.1:443, [2001:db8::1]:443"
    );
}

#[test]
fn resolve_failure_is_a_resolve_error() {
    let error = run(async {
        TcpClient::new()
            .connect(
                "no-such-host.invalid",
                80,
                ConnectOptions::default().timeout(Duration::from_secs(4)),
            )
            .await
            .unwrap_err()
    });
    assert!(
        error.is_resolve() || error.is_timeout(),
        "unexpected error {error:?}"
    );
}

fn certs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../netutil/tests/certs")
}

/// A TLS echo server on loopback using the workspace's test certificates.
fn tls_echo_server() -> (u16, AcceptHandle<TcpListener>) {
    let dir = certs_dir();
    let config =
        tornado_netutil::tls::server_config(dir.join("server.pem"), dir.join("server.key"))
            .unwrap();
    let listener = bind_sockets(0, Some("127.0.0.1"), AddressFamily::Inet, 128, false)
        .unwrap()
        .remove(0);
    let port = listener.local_addr().unwrap().port();
    let handle = add_accept_handler(&IoLoop::current(), listener, move |conn, _| {
        let stream = IoStream::tls_server(
            mio::net::TcpStream::from_std(conn),
            config.clone(),
            Default::default(),
        )
        .unwrap();
        tornado_ioloop::spawn(async move {
            while let Ok(line) = stream.read_until(b"\n", None).await {
                if stream.write(line).await.is_err() {
                    break;
                }
            }
        });
    })
    .unwrap();
    (port, handle)
}

#[test]
fn tls_connect_verifies_the_server() {
    run(async {
        let (port, _handle) = tls_echo_server();
        let config =
            client_config(&ClientTlsOptions::default().ca_file(certs_dir().join("ca.pem")))
                .unwrap();
        let stream = TcpClient::new()
            .connect(
                "localhost",
                port,
                ConnectOptions::default()
                    .family(AddressFamily::Inet)
                    .tls(config)
                    .timeout(Duration::from_secs(4)),
            )
            .await
            .unwrap();
        assert!(stream.is_tls());
        stream.write(&b"ping\n"[..]).await.unwrap();
        assert_eq!(
            &stream.read_until(b"\n", None).await.unwrap()[..],
            b"ping\n"
        );
        stream.close(None);
    });
}

#[test]
fn tls_connect_rejects_an_unknown_issuer() {
    run(async {
        let (port, _handle) = tls_echo_server();
        let config =
            client_config(&ClientTlsOptions::default().ca_file(certs_dir().join("other-ca.pem")))
                .unwrap();
        let error = TcpClient::new()
            .connect("127.0.0.1", port, ConnectOptions::default().tls(config))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Stream);
    });
}

#[test]
fn tls_connect_checks_the_host_name() {
    run(async {
        let (port, _handle) = tls_echo_server();
        let config =
            client_config(&ClientTlsOptions::default().ca_file(certs_dir().join("ca.pem")))
                .unwrap();
        let error = TcpClient::new()
            .connect(
                "127.0.0.1",
                port,
                ConnectOptions::default()
                    .tls(config)
                    .server_hostname("example.com"),
            )
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Stream);
    });
}

#[test]
fn max_buffer_size_applies_to_the_stream() {
    run(async {
        let server = TestServer::on("127.0.0.1", AddressFamily::Inet).unwrap();
        let stream = TcpClient::new()
            .connect(
                "127.0.0.1",
                server.port,
                ConnectOptions::default().max_buffer_size(16),
            )
            .await
            .unwrap();
        let server_stream = server.queue.get().await;
        server_stream.write(vec![b'x'; 64]).await.unwrap();
        let error = stream.read_until(b"\n", None).await.unwrap_err();
        assert!(error.is_buffer_full(), "{error:?}");
        server.stop();
    });
}

// `TestFormatAddr`: addresses in messages are `host:port`, IPv6 in
// brackets (Tornado's `_format_addr`; here `SocketAddr`'s `Display`).

#[test]
fn test_ipv4() {
    let addr: SocketAddr = "1.2.3.4:443".parse().unwrap();
    assert_eq!(addr.to_string(), "1.2.3.4:443");
}

#[test]
fn test_ipv6() {
    let addr: SocketAddr = "[::1]:443".parse().unwrap();
    assert_eq!(addr.to_string(), "[::1]:443");
}
