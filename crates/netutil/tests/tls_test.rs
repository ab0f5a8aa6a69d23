//! TLS configuration helpers: configs built from the committed test
//! certificates (`tests/certs/gen.sh`) complete — or refuse — real
//! handshakes, run in memory between a rustls client and server.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use rustls::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};
use tornado_netutil::ErrorKind;
use tornado_netutil::tls::{
    CertReqs, ClientTlsOptions, ServerTlsOptions, client_config, default_client_config, load_certs,
    server_config, server_config_from_options, server_name,
};

fn cert(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/certs")
        .join(name)
}

fn test_server() -> Arc<ServerConfig> {
    server_config(cert("server.pem"), cert("server.key")).unwrap()
}

fn trusting_client() -> Arc<ClientConfig> {
    client_config(&ClientTlsOptions::default().ca_file(cert("ca.pem"))).unwrap()
}

/// Runs a handshake and one round of application data; the first error
/// either side reports.
fn handshake(
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
    name: &str,
) -> Result<(), rustls::Error> {
    let mut client = ClientConnection::new(client, server_name(name).unwrap())?;
    let mut server = ServerConnection::new(server)?;
    client.writer().write_all(b"ping").unwrap();
    for _ in 0..10 {
        let mut buf = Vec::new();
        client.write_tls(&mut buf).unwrap();
        server.read_tls(&mut &buf[..]).unwrap();
        server.process_new_packets()?;
        let mut buf = Vec::new();
        server.write_tls(&mut buf).unwrap();
        client.read_tls(&mut &buf[..]).unwrap();
        client.process_new_packets()?;
        let mut got = [0u8; 4];
        if !server.is_handshaking()
            && !client.is_handshaking()
            && server.reader().read_exact(&mut got).is_ok()
        {
            assert_eq!(&got, b"ping");
            return Ok(());
        }
    }
    panic!("handshake did not finish in 10 rounds");
}

#[test]
fn server_config_completes_a_verified_handshake() {
    handshake(trusting_client(), test_server(), "localhost").unwrap();
    handshake(trusting_client(), test_server(), "127.0.0.1").unwrap();
}

#[test]
fn client_rejects_an_unknown_issuer() {
    // The default roots (web PKI) do not know the test CA.
    let err = handshake(default_client_config(), test_server(), "localhost").unwrap_err();
    assert!(
        matches!(err, rustls::Error::InvalidCertificate(_)),
        "{err:?}"
    );
    let other = client_config(&ClientTlsOptions::default().ca_file(cert("other-ca.pem"))).unwrap();
    let err = handshake(other, test_server(), "localhost").unwrap_err();
    assert!(
        matches!(err, rustls::Error::InvalidCertificate(_)),
        "{err:?}"
    );
}

#[test]
fn client_checks_the_host_name() {
    let err = handshake(trusting_client(), test_server(), "example.com").unwrap_err();
    assert!(
        matches!(err, rustls::Error::InvalidCertificate(_)),
        "{err:?}"
    );
}

#[test]
fn validate_cert_false_accepts_any_certificate() {
    let client = client_config(&ClientTlsOptions::default().validate_cert(false)).unwrap();
    handshake(client.clone(), test_server(), "example.com").unwrap();
    handshake(client, test_server(), "localhost").unwrap();
}

#[test]
fn keyfile_may_live_in_the_certfile() {
    let server =
        server_config_from_options(&ServerTlsOptions::new(cert("server-combined.pem"))).unwrap();
    handshake(trusting_client(), server, "localhost").unwrap();
}

fn mutual_server(reqs: CertReqs) -> Arc<ServerConfig> {
    server_config_from_options(
        &ServerTlsOptions::new(cert("server.pem"))
            .keyfile(cert("server.key"))
            .cert_reqs(reqs)
            .ca_certs(cert("ca.pem")),
    )
    .unwrap()
}

#[test]
fn client_certificate_required() {
    let with_cert = client_config(
        &ClientTlsOptions::default()
            .ca_file(cert("ca.pem"))
            .client_cert(cert("client.pem"), Some(cert("client.key"))),
    )
    .unwrap();
    handshake(
        with_cert.clone(),
        mutual_server(CertReqs::Required),
        "localhost",
    )
    .unwrap();
    let err = handshake(
        trusting_client(),
        mutual_server(CertReqs::Required),
        "localhost",
    )
    .unwrap_err();
    assert!(
        matches!(err, rustls::Error::NoCertificatesPresented),
        "{err:?}"
    );
    // Optional: both are let in.
    handshake(with_cert, mutual_server(CertReqs::Optional), "localhost").unwrap();
    handshake(
        trusting_client(),
        mutual_server(CertReqs::Optional),
        "localhost",
    )
    .unwrap();
}

#[test]
fn client_certificate_needs_ca_certs() {
    let err = server_config_from_options(
        &ServerTlsOptions::new(cert("server.pem"))
            .keyfile(cert("server.key"))
            .cert_reqs(CertReqs::Required),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn alpn_protocols_are_configured() {
    let protocols = vec![b"http/1.1".to_vec()];
    let server = server_config_from_options(
        &ServerTlsOptions::new(cert("server-combined.pem")).alpn_protocols(protocols.clone()),
    )
    .unwrap();
    assert_eq!(server.alpn_protocols, protocols);
    let client =
        client_config(&ClientTlsOptions::default().alpn_protocols(protocols.clone())).unwrap();
    assert_eq!(client.alpn_protocols, protocols);
}

#[test]
fn bad_files_are_clear_errors() {
    let missing = server_config(cert("missing.pem"), cert("server.key")).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::Io);
    assert!(missing.to_string().contains("missing.pem"), "{missing}");
    // A key file holds no certificate.
    let err = server_config(cert("server.key"), cert("server.key")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls);
    assert!(!err.to_string().ends_with('.'));
    // A certificate file holds no key.
    let err = server_config(cert("server.pem"), cert("server.pem")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls);
    // A key that belongs to another certificate.
    let err = server_config(cert("server.pem"), cert("client.key")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    let err = client_config(&ClientTlsOptions::default().ca_file(cert("server.key"))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls);
}

#[test]
fn load_certs_reads_every_certificate() {
    assert_eq!(load_certs(cert("server.pem")).unwrap().len(), 1);
    assert_eq!(load_certs(cert("server-combined.pem")).unwrap().len(), 1);
}

#[test]
fn server_name_accepts_hosts_and_addresses() {
    assert!(server_name("localhost").is_ok());
    assert!(server_name("::1").is_ok());
    let err = server_name("bad name!").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}
