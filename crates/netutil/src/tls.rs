//! TLS configuration: rustls configs from certificate files, Tornado's
//! `ssl_options` dictionaries.
//!
//! Every config is built with the `ring` crypto provider passed explicitly,
//! never the process-wide default provider, so the crate works the same
//! whatever other code in the process installs. TLS compression, which
//! Tornado switches off with `OP_NO_COMPRESSION`, does not exist in rustls.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};

use crate::error::{Error, ErrorKind, Result};

/// The crypto provider every config in this crate uses.
fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

fn tls_error(message: String, source: rustls::Error) -> Error {
    Error::with_source(ErrorKind::Tls, message, source)
}

/// Whether a server asks for client certificates (Python's `ssl.CERT_NONE`,
/// `ssl.CERT_OPTIONAL`, `ssl.CERT_REQUIRED`, the `cert_reqs` key).
#[doc(alias = "cert_reqs")]
#[doc(alias = "CERT_NONE")]
#[doc(alias = "CERT_REQUIRED")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CertReqs {
    /// No client certificate is asked for (`CERT_NONE`, the server default).
    #[default]
    None,
    /// A client certificate is verified if sent (`CERT_OPTIONAL`).
    Optional,
    /// A valid client certificate is required (`CERT_REQUIRED`).
    Required,
}

/// Server-side TLS settings: the keys of Tornado's `ssl_options` dictionary
/// that have a rustls equivalent.
///
/// ```
/// use tornado_netutil::tls::{CertReqs, ServerTlsOptions};
/// let options = ServerTlsOptions::new("server.pem")
///     .keyfile("server.key")
///     .cert_reqs(CertReqs::Required)
///     .ca_certs("ca.pem");
/// assert_eq!(options.cert_reqs, CertReqs::Required);
/// ```
#[doc(alias = "ssl_options")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerTlsOptions {
    /// PEM file with the certificate chain, leaf first (`certfile`). It may
    /// hold the private key too.
    pub certfile: PathBuf,
    /// PEM file with the private key (`keyfile`); `None` reads the key from
    /// `certfile`, as Python's `load_cert_chain` does.
    pub keyfile: Option<PathBuf>,
    /// Client certificate policy (`cert_reqs`). `Optional` and `Required`
    /// need `ca_certs`.
    pub cert_reqs: CertReqs,
    /// PEM file with the CAs client certificates must chain to
    /// (`ca_certs`).
    pub ca_certs: Option<PathBuf>,
    /// ALPN protocols to offer, most preferred first (for example
    /// `b"http/1.1"`); empty for none.
    pub alpn_protocols: Vec<Vec<u8>>,
}

impl ServerTlsOptions {
    /// Options serving the certificate chain in `certfile`.
    pub fn new(certfile: impl Into<PathBuf>) -> Self {
        ServerTlsOptions {
            certfile: certfile.into(),
            keyfile: None,
            cert_reqs: CertReqs::None,
            ca_certs: None,
            alpn_protocols: Vec::new(),
        }
    }

    /// Sets [`keyfile`](Self::keyfile).
    pub fn keyfile(mut self, path: impl Into<PathBuf>) -> Self {
        self.keyfile = Some(path.into());
        self
    }

    /// Sets [`cert_reqs`](Self::cert_reqs).
    pub fn cert_reqs(mut self, reqs: CertReqs) -> Self {
        self.cert_reqs = reqs;
        self
    }

    /// Sets [`ca_certs`](Self::ca_certs).
    pub fn ca_certs(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_certs = Some(path.into());
        self
    }

    /// Sets [`alpn_protocols`](Self::alpn_protocols).
    pub fn alpn_protocols(mut self, protocols: Vec<Vec<u8>>) -> Self {
        self.alpn_protocols = protocols;
        self
    }
}

/// Client-side TLS settings (what Tornado's HTTP client takes as
/// `validate_cert`, `ca_certs`, `client_cert` and `client_key`).
///
/// The default verifies servers against the Mozilla root store shipped
/// with the crate (`webpki-roots`), independent of the system's store.
///
/// ```
/// use tornado_netutil::tls::ClientTlsOptions;
/// let options = ClientTlsOptions::default().ca_file("ca.pem");
/// assert!(options.validate_cert);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[doc(alias = "validate_cert")]
pub struct ClientTlsOptions {
    /// PEM file of trusted CAs (`ca_certs`). When set, only these are
    /// trusted, as with Python's `create_default_context(cafile=...)`;
    /// when `None`, the bundled web PKI roots are.
    pub ca_file: Option<PathBuf>,
    /// PEM file with the client's certificate chain (`client_cert`).
    pub client_cert: Option<PathBuf>,
    /// PEM file with the client's private key (`client_key`); `None` reads
    /// it from `client_cert`.
    pub client_key: Option<PathBuf>,
    /// Verify the server's certificate and host name (`validate_cert`,
    /// default true). False accepts any certificate (handshake signatures
    /// are still checked): for tests against self-signed servers only.
    pub validate_cert: bool,
    /// ALPN protocols to offer, most preferred first; empty for none.
    pub alpn_protocols: Vec<Vec<u8>>,
}

impl Default for ClientTlsOptions {
    fn default() -> Self {
        ClientTlsOptions {
            ca_file: None,
            client_cert: None,
            client_key: None,
            validate_cert: true,
            alpn_protocols: Vec::new(),
        }
    }
}

impl ClientTlsOptions {
    /// Sets [`ca_file`](Self::ca_file).
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// Sets [`client_cert`](Self::client_cert) and
    /// [`client_key`](Self::client_key).
    pub fn client_cert(mut self, cert: impl Into<PathBuf>, key: Option<PathBuf>) -> Self {
        self.client_cert = Some(cert.into());
        self.client_key = key;
        self
    }

    /// Sets [`validate_cert`](Self::validate_cert).
    pub fn validate_cert(mut self, validate: bool) -> Self {
        self.validate_cert = validate;
        self
    }

    /// Sets [`alpn_protocols`](Self::alpn_protocols).
    pub fn alpn_protocols(mut self, protocols: Vec<Vec<u8>>) -> Self {
        self.alpn_protocols = protocols;
        self
    }
}

/// Reads every certificate in a PEM file; an error if there is none.
///
/// ```no_run
/// let chain = tornado_netutil::tls::load_certs("server.pem")?;
/// # Ok::<(), tornado_netutil::Error>(())
/// ```
#[doc(alias = "load_cert_chain")]
pub fn load_certs(path: impl AsRef<Path>) -> Result<Vec<CertificateDer<'static>>> {
    let path = path.as_ref();
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|iter| iter.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| pem_error(path, "certificates", e))?;
    if certs.is_empty() {
        return Err(Error::new(
            ErrorKind::Tls,
            format!("no certificate in {}", path.display()),
        ));
    }
    Ok(certs)
}

/// Reads the first private key (PKCS#8, PKCS#1 or SEC1) in a PEM file.
///
/// ```no_run
/// let key = tornado_netutil::tls::load_private_key("server.key")?;
/// # Ok::<(), tornado_netutil::Error>(())
/// ```
#[doc(alias = "keyfile")]
pub fn load_private_key(path: impl AsRef<Path>) -> Result<PrivateKeyDer<'static>> {
    let path = path.as_ref();
    PrivateKeyDer::from_pem_file(path).map_err(|e| pem_error(path, "a private key", e))
}

fn pem_error(path: &Path, what: &str, e: rustls::pki_types::pem::Error) -> Error {
    use rustls::pki_types::pem::Error as PemError;
    match e {
        PemError::Io(io) => Error::with_source(
            ErrorKind::Io,
            format!("cannot read {what} from {}", path.display()),
            io,
        ),
        PemError::NoItemsFound => {
            Error::new(ErrorKind::Tls, format!("no {what} in {}", path.display()))
        }
        other => Error::new(
            ErrorKind::Tls,
            format!("cannot parse {what} in {}: {other}", path.display()),
        ),
    }
}

/// Reads a PEM file of CA certificates into a root store.
#[doc(alias = "load_verify_locations")]
pub fn load_root_store(path: impl AsRef<Path>) -> Result<RootCertStore> {
    let path = path.as_ref();
    let mut roots = RootCertStore::empty();
    for cert in load_certs(path)? {
        roots
            .add(cert)
            .map_err(|e| tls_error(format!("unusable CA certificate in {}", path.display()), e))?;
    }
    Ok(roots)
}

/// The bundled Mozilla root store (`webpki-roots`).
#[doc(alias = "load_default_certs")]
pub fn webpki_root_store() -> RootCertStore {
    RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

/// A server config serving the chain in `cert_path` with the key in
/// `key_path`, without client certificates (Tornado's
/// `ssl_options={"certfile": ..., "keyfile": ...}`).
///
/// ```no_run
/// let config = tornado_netutil::tls::server_config("server.pem", "server.key")?;
/// # Ok::<(), tornado_netutil::Error>(())
/// ```
#[doc(alias = "ssl_options_to_context")]
pub fn server_config(
    cert_path: impl AsRef<Path>,
    key_path: impl AsRef<Path>,
) -> Result<Arc<ServerConfig>> {
    server_config_from_options(
        &ServerTlsOptions::new(cert_path.as_ref()).keyfile(key_path.as_ref()),
    )
}

/// A server config from Tornado-style [`ServerTlsOptions`]
/// (`ssl_options_to_context(ssl_options, server_side=True)`).
#[doc(alias = "ssl_options_to_context")]
pub fn server_config_from_options(options: &ServerTlsOptions) -> Result<Arc<ServerConfig>> {
    let certs = load_certs(&options.certfile)?;
    let key = load_private_key(options.keyfile.as_ref().unwrap_or(&options.certfile))?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("no usable TLS protocol version".into(), e))?;
    let builder = match options.cert_reqs {
        CertReqs::None => builder.with_no_client_auth(),
        reqs => {
            let ca = options.ca_certs.as_ref().ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    "client certificates need ca_certs to verify them",
                )
            })?;
            let roots = Arc::new(load_root_store(ca)?);
            let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider());
            let verifier = if reqs == CertReqs::Optional {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            let verifier = verifier.build().map_err(|e| {
                Error::with_source(ErrorKind::Tls, "cannot build the client verifier", e)
            })?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_single_cert(certs, key).map_err(|e| {
        tls_error(
            format!(
                "certificate {} does not go with its key",
                options.certfile.display()
            ),
            e,
        )
    })?;
    config.alpn_protocols = options.alpn_protocols.clone();
    Ok(Arc::new(config))
}

/// A client config from [`ClientTlsOptions`]: web PKI roots (or
/// `ca_file`), an optional client certificate, and optionally no
/// verification at all.
///
/// ```
/// use tornado_netutil::tls::{ClientTlsOptions, client_config};
/// let config = client_config(&ClientTlsOptions::default())?;
/// assert!(config.alpn_protocols.is_empty());
/// # Ok::<(), tornado_netutil::Error>(())
/// ```
#[doc(alias = "ssl_options_to_context")]
#[doc(alias = "_client_ssl_defaults")]
pub fn client_config(options: &ClientTlsOptions) -> Result<Arc<ClientConfig>> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("no usable TLS protocol version".into(), e))?;
    let builder = if options.validate_cert {
        let roots = match &options.ca_file {
            Some(path) => load_root_store(path)?,
            None => webpki_root_store(),
        };
        builder.with_root_certificates(roots)
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyServerCert {
                algorithms: provider().signature_verification_algorithms,
            }))
    };
    let mut config = match &options.client_cert {
        None => builder.with_no_client_auth(),
        Some(cert) => {
            let certs = load_certs(cert)?;
            let key = load_private_key(options.client_key.as_ref().unwrap_or(cert))?;
            builder.with_client_auth_cert(certs, key).map_err(|e| {
                tls_error(
                    format!(
                        "client certificate {} does not go with its key",
                        cert.display()
                    ),
                    e,
                )
            })?
        }
    };
    config.alpn_protocols = options.alpn_protocols.clone();
    Ok(Arc::new(config))
}

/// The default client config, built once per process: web PKI roots,
/// full verification (Tornado's lazily created `_client_ssl_defaults`).
#[doc(alias = "_client_ssl_defaults")]
pub fn default_client_config() -> Arc<ClientConfig> {
    static DEFAULT: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    DEFAULT
        .get_or_init(|| {
            client_config(&ClientTlsOptions::default())
                .expect("the bundled roots and the ring provider always make a config")
        })
        .clone()
}

/// Parses a host name or IP literal as the name a client verifies
/// (`server_hostname`).
#[doc(alias = "server_hostname")]
pub fn server_name(host: &str) -> Result<ServerName<'static>> {
    ServerName::try_from(host.to_owned()).map_err(|e| {
        Error::with_source(
            ErrorKind::InvalidArgument,
            format!("{host:?} is not a valid server name"),
            e,
        )
    })
}

/// `validate_cert=False`: any certificate is accepted, but the handshake
/// signatures are still checked with the provider's algorithms.
struct AcceptAnyServerCert {
    algorithms: WebPkiSupportedAlgorithms,
}

impl fmt::Debug for AcceptAnyServerCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AcceptAnyServerCert")
    }
}

impl ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
