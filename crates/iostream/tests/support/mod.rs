//! Shared helpers for the iostream tests: a loop runner, connected stream
//! pairs of every transport, and TLS configurations built from the
//! certificates in `tests/certs/` (made by `tests/certs/generate.sh`).

#![allow(dead_code, unreachable_pub)]

use std::fmt;
use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tornado_ioloop::{IoLoop, r#gen};
use tornado_iostream::rustls::{self, pki_types};
use tornado_iostream::{IoStream, StreamOptions};

use pki_types::pem::PemObject;
use pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// The transports a read/write test runs over.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Tcp,
    Tls,
    Unix,
    Pipe,
}

impl fmt::Debug for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Tcp => "tcp",
            Kind::Tls => "tls",
            Kind::Unix => "unix",
            Kind::Pipe => "pipe",
        })
    }
}

/// Every transport (Tornado's `TestReadWriteMixin` subclasses).
pub const ALL: [Kind; 4] = [Kind::Tcp, Kind::Tls, Kind::Unix, Kind::Pipe];
/// The socket transports (Tornado's `TestIOStreamMixin` subclasses).
pub const SOCKETS: [Kind; 3] = [Kind::Tcp, Kind::Tls, Kind::Unix];

/// Runs `f` to completion on a fresh loop, failing after 30 s (a hang is a
/// failure, not a stuck test run).
pub fn run<F: Future>(f: F) -> F::Output {
    let ioloop = IoLoop::new().expect("new loop");
    ioloop
        .run_sync(f, Some(Duration::from_secs(30)))
        .expect("test timed out")
}

/// Runs `test` once per transport in `kinds`, each on its own loop.
pub fn each<F, Fut>(kinds: &[Kind], test: F)
where
    F: Fn(Kind) -> Fut,
    Fut: Future<Output = ()>,
{
    for &kind in kinds {
        println!("transport: {kind:?}");
        run(test(kind));
    }
}

/// Lets the loop run a few turns so that spawned tasks get to their first
/// await and pending I/O gets delivered.
pub async fn settle() {
    for _ in 0..10 {
        r#gen::moment().await;
    }
}

/// Waits (in real time, on the loop) for data to cross the kernel: only
/// for tests whose subject is data that already arrived.
pub async fn pause() {
    r#gen::sleep(Duration::from_millis(20)).await;
}

fn certs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/certs")
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The server certificate chain (`foo.example.com`, `localhost`, 127.0.0.1).
pub fn server_chain() -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_file_iter(certs_dir().join("server.crt"))
        .expect("server.crt")
        .collect::<Result<_, _>>()
        .expect("server.crt parses")
}

/// A server configuration with the test certificate.
pub fn server_config() -> Arc<rustls::ServerConfig> {
    let key = PrivateKeyDer::from_pem_file(certs_dir().join("server.key")).expect("server.key");
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(server_chain(), key)
        .expect("server config");
    Arc::new(config)
}

/// A client configuration that trusts the test CA (and only it): the
/// certificate and the hostname are verified.
pub fn client_config_trusting_ca() -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(certs_dir().join("ca.crt")).expect("ca.crt") {
        roots.add(cert.expect("ca.crt parses")).expect("add root");
    }
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// A client configuration with the public web roots only, so the test
/// certificate is refused (Tornado's default `ssl_options`).
pub fn client_config_default() -> Arc<rustls::ClientConfig> {
    let roots = rustls::RootCertStore::empty();
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// A client configuration that accepts any certificate (Tornado's
/// `cert_reqs=ssl.CERT_NONE`, `validate_cert=False`); signatures are still
/// checked.
pub fn client_config_no_verify() -> Arc<rustls::ClientConfig> {
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyCert(provider())))
        .with_no_client_auth();
    Arc::new(config)
}

#[derive(Debug)]
struct AcceptAnyCert(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A listener on a free loopback port.
pub fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("local addr");
    (listener, addr)
}

/// Two connected loopback TCP sockets, non-blocking, as (server, client).
pub fn tcp_sockets() -> (std::net::TcpStream, std::net::TcpStream) {
    let (listener, addr) = listener();
    let client = std::net::TcpStream::connect(addr).expect("connect");
    let (server, _) = listener.accept().expect("accept");
    server.set_nonblocking(true).expect("nonblocking");
    client.set_nonblocking(true).expect("nonblocking");
    (server, client)
}

/// Wraps two connected TCP sockets as a TLS (server, client) pair and
/// completes the handshake on both sides (Tornado's `SSLIOStream.connect`
/// resolves after the handshake).
pub async fn tls_pair_from(
    server: std::net::TcpStream,
    client: std::net::TcpStream,
    options: StreamOptions,
) -> (IoStream, IoStream) {
    let server = IoStream::tls_server(
        mio::net::TcpStream::from_std(server),
        server_config(),
        options.clone(),
    )
    .expect("tls server");
    let client = IoStream::tls_client(
        mio::net::TcpStream::from_std(client),
        client_config_trusting_ca(),
        "foo.example.com",
        options,
    )
    .expect("tls client");
    let (s, c) = r#gen::join((server.wait_for_handshake(), client.wait_for_handshake())).await;
    s.expect("server handshake");
    c.expect("client handshake");
    (server, client)
}

/// A connected pair over `kind`, as (reading side, writing side). For
/// sockets that is (server, client), as in Tornado's `make_iostream_pair`;
/// both ends may read and write. For pipes, the reading and writing ends.
pub async fn pair_with(kind: Kind, options: StreamOptions) -> (IoStream, IoStream) {
    match kind {
        Kind::Tcp => {
            let (server, client) = tcp_sockets();
            let server = IoStream::tcp_with(mio::net::TcpStream::from_std(server), options.clone())
                .expect("server stream");
            let client = IoStream::tcp_with(mio::net::TcpStream::from_std(client), options)
                .expect("client stream");
            (server, client)
        }
        Kind::Tls => {
            let (server, client) = tcp_sockets();
            tls_pair_from(server, client, options).await
        }
        Kind::Unix => {
            let (a, b) = mio::net::UnixStream::pair().expect("socketpair");
            (
                IoStream::unix_with(a, options.clone()).expect("unix stream"),
                IoStream::unix_with(b, options).expect("unix stream"),
            )
        }
        Kind::Pipe => {
            let (sender, receiver) = mio::unix::pipe::new().expect("pipe");
            (
                IoStream::pipe_reader_with(receiver, options.clone()).expect("pipe reader"),
                IoStream::pipe_writer_with(sender, options).expect("pipe writer"),
            )
        }
    }
}

/// [`pair_with`] and the default options.
pub async fn pair(kind: Kind) -> (IoStream, IoStream) {
    pair_with(kind, StreamOptions::default()).await
}

/// A tiny deterministic generator (xorshift), for reproducible "random"
/// sizes without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}
