//! Listening sockets: [`bind_sockets`] for TCP and [`bind_unix_socket`].

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, ToSocketAddrs};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::UnixListener;
use std::path::Path;

use socket2::{Domain, SockAddr, Socket, Type};

use crate::error::{Error, ErrorKind, Result};
use crate::family::AddressFamily;

/// The listen backlog Tornado uses by default, and the number of
/// connections the accept loop takes per readiness event
/// (`netutil._DEFAULT_BACKLOG`).
#[doc(alias = "_DEFAULT_BACKLOG")]
pub const DEFAULT_BACKLOG: u32 = 128;

/// The permission bits [`bind_unix_socket`] gives the socket file by
/// default: read and write for the owner only (Tornado's `mode=0o600`).
#[doc(alias = "mode")]
pub const DEFAULT_UNIX_SOCKET_MODE: u32 = 0o600;

/// Creates non-blocking listening TCP sockets bound to `port` on every
/// address `address` stands for (Tornado's `netutil.bind_sockets`).
///
/// - `address` is an IP literal or a host name; `None` or `""` means every
///   interface (`0.0.0.0` and `::`). A host name is resolved with the
///   system resolver and one socket is bound per distinct address.
/// - `family` restricts the addresses to IPv4 or IPv6.
/// - `backlog` is passed to `listen(2)` ([`DEFAULT_BACKLOG`] in Tornado).
/// - `reuse_port` sets `SO_REUSEPORT`, so that several processes or
///   threads can each bind their own socket to the same port.
///
/// Every socket gets `SO_REUSEADDR`; IPv6 sockets get `IPV6_V6ONLY`, so
/// that an IPv4 and an IPv6 socket can share a port on every platform.
/// IPv4 sockets come first. With `port` 0 the first socket gets a free port
/// from the kernel and the others are bound to the same port, so a server
/// on "any free port" is reachable on one port number over both families.
///
/// Addresses of a family the system does not support are skipped, as is
/// `::1` for `localhost` when the kernel refuses it (IPv6 half-disabled, as
/// in many containers). An error is returned if nothing could be bound.
///
/// ```
/// use tornado_netutil::{AddressFamily, DEFAULT_BACKLOG, bind_sockets};
///
/// let listeners = bind_sockets(0, Some("127.0.0.1"), AddressFamily::Unspec, DEFAULT_BACKLOG, false)?;
/// assert_eq!(listeners.len(), 1);
/// let port = listeners[0].local_addr()?.port();
/// assert_ne!(port, 0);
/// std::net::TcpStream::connect(("127.0.0.1", port))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn bind_sockets(
    port: u16,
    address: Option<&str>,
    family: AddressFamily,
    backlog: u32,
    reuse_port: bool,
) -> Result<Vec<TcpListener>> {
    let address = address.filter(|a| !a.is_empty());
    let mut addrs = bind_addresses(port, address, family)?;
    // Tornado sorts getaddrinfo's answers by family (AF_INET first); the
    // sort is stable, so the resolver's order holds within a family.
    addrs.sort_by_key(AddressFamily::rank);
    let mut unique: Vec<SocketAddr> = Vec::with_capacity(addrs.len());
    for addr in addrs {
        if !unique.contains(&addr) {
            unique.push(addr);
        }
    }

    let mut listeners = Vec::with_capacity(unique.len());
    let mut bound_port: Option<u16> = None;
    for mut addr in unique {
        // Port 0: reuse the port the kernel chose for the first socket.
        if addr.port() == 0 {
            if let Some(p) = bound_port {
                addr.set_port(p);
            }
        }
        let Some(socket) = new_socket(&addr, reuse_port)? else {
            continue; // family not supported here
        };
        if let Err(e) = socket.bind(&SockAddr::from(addr)) {
            if e.raw_os_error() == Some(libc::EADDRNOTAVAIL)
                && address == Some("localhost")
                && addr.ip() == IpAddr::V6(Ipv6Addr::LOCALHOST)
            {
                // IPv6 half-disabled (docker's default): `localhost`
                // resolves to ::1 but ::1 cannot be bound. Only this case is
                // forgiven; elsewhere the error may be a real typo.
                continue;
            }
            return Err(Error::io(format!("cannot bind to {addr}"), e));
        }
        socket
            .listen(listen_backlog(backlog))
            .map_err(|e| Error::io(format!("cannot listen on {addr}"), e))?;
        let listener: TcpListener = socket.into();
        bound_port = Some(
            listener
                .local_addr()
                .map_err(|e| Error::io("cannot read the bound address", e))?
                .port(),
        );
        listeners.push(listener);
    }
    if listeners.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "no address to bind for {} with {family:?}",
                address.unwrap_or("every interface")
            ),
        ));
    }
    Ok(listeners)
}

/// The addresses to bind, before sorting: the wildcard addresses for "every
/// interface", the literal for an IP address, else the resolver's answers.
fn bind_addresses(
    port: u16,
    address: Option<&str>,
    family: AddressFamily,
) -> Result<Vec<SocketAddr>> {
    let candidates = match address {
        None => vec![
            SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port),
            SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port),
        ],
        Some(host) => match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => (host, port)
                .to_socket_addrs()
                .map_err(|e| {
                    Error::with_source(ErrorKind::Resolve, format!("cannot resolve {host:?}"), e)
                })?
                .collect(),
        },
    };
    let found: Vec<SocketAddr> = candidates
        .into_iter()
        .filter(|a| family.matches(a))
        .collect();
    if found.is_empty() {
        return Err(Error::new(
            ErrorKind::Resolve,
            format!(
                "{} has no {family:?} address",
                address.unwrap_or("every interface")
            ),
        ));
    }
    Ok(found)
}

/// A non-blocking stream socket for `addr` with Tornado's options, or
/// `None` when the system does not support the address family.
fn new_socket(addr: &SocketAddr, reuse_port: bool) -> Result<Option<Socket>> {
    let socket = match Socket::new(Domain::for_address(*addr), Type::STREAM, None) {
        Ok(s) => s,
        Err(e) if e.raw_os_error() == Some(libc::EAFNOSUPPORT) => return Ok(None),
        Err(e) => return Err(Error::io(format!("cannot create a socket for {addr}"), e)),
    };
    match socket.set_reuse_address(true) {
        Ok(()) => {}
        // Some systems (Hurd) lack SO_REUSEADDR; Tornado carries on.
        Err(e) if e.raw_os_error() == Some(libc::ENOPROTOOPT) => {}
        Err(e) => return Err(Error::io("cannot set SO_REUSEADDR", e)),
    }
    if reuse_port {
        set_reuse_port(&socket)?;
    }
    if addr.is_ipv6() {
        // Linux lets IPv6 sockets accept IPv4 too, which would make binding
        // `0.0.0.0` and `::` to one port impossible; other systems need two
        // sockets anyway. Always use separate sockets.
        socket
            .set_only_v6(true)
            .map_err(|e| Error::io("cannot set IPV6_V6ONLY", e))?;
    }
    socket
        .set_nonblocking(true)
        .map_err(|e| Error::io("cannot make the socket non-blocking", e))?;
    Ok(Some(socket))
}

#[cfg(not(any(target_os = "solaris", target_os = "illumos", target_os = "cygwin")))]
fn set_reuse_port(socket: &Socket) -> Result<()> {
    socket
        .set_reuse_port(true)
        .map_err(|e| Error::io("cannot set SO_REUSEPORT", e))
}

#[cfg(any(target_os = "solaris", target_os = "illumos", target_os = "cygwin"))]
fn set_reuse_port(_socket: &Socket) -> Result<()> {
    Err(Error::new(
        ErrorKind::InvalidArgument,
        "the platform does not support SO_REUSEPORT",
    ))
}

fn listen_backlog(backlog: u32) -> i32 {
    i32::try_from(backlog).unwrap_or(i32::MAX)
}

/// Creates a non-blocking listening Unix socket at `path` (Tornado's
/// `netutil.bind_unix_socket`).
///
/// A stale socket file at `path` is removed first; any other kind of file
/// is left alone and the call fails with [`ErrorKind::NotASocket`]. The new
/// socket file gets the permission bits `mode` ([`DEFAULT_UNIX_SOCKET_MODE`],
/// owner-only, in Tornado). A path starting with a NUL byte names a socket
/// in Linux's abstract namespace, which has no file and no permissions.
///
/// ```
/// use std::os::unix::fs::PermissionsExt;
/// use tornado_netutil::{DEFAULT_BACKLOG, DEFAULT_UNIX_SOCKET_MODE, bind_unix_socket};
///
/// let path = std::env::temp_dir().join(format!("tornado-doc-{}.sock", std::process::id()));
/// let listener = bind_unix_socket(&path, DEFAULT_UNIX_SOCKET_MODE, DEFAULT_BACKLOG)?;
/// let mode = std::fs::metadata(&path)?.permissions().mode() & 0o777;
/// assert_eq!(mode, 0o600);
/// std::os::unix::net::UnixStream::connect(&path)?;
/// # drop(listener); std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn bind_unix_socket(path: impl AsRef<Path>, mode: u32, backlog: u32) -> Result<UnixListener> {
    let path = path.as_ref();
    let socket = Socket::new(Domain::UNIX, Type::STREAM, None)
        .map_err(|e| Error::io("cannot create a unix socket", e))?;
    match socket.set_reuse_address(true) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::ENOPROTOOPT) => {}
        Err(e) => return Err(Error::io("cannot set SO_REUSEADDR", e)),
    }
    socket
        .set_nonblocking(true)
        .map_err(|e| Error::io("cannot make the socket non-blocking", e))?;
    let abstract_name = path.as_os_str().as_encoded_bytes().first() == Some(&0);
    let addr = SockAddr::unix(path)
        .map_err(|e| Error::io(format!("invalid unix socket path {}", path.display()), e))?;
    if abstract_name {
        socket
            .bind(&addr)
            .map_err(|e| Error::io("cannot bind the abstract unix socket", e))?;
    } else {
        remove_stale_socket(path)?;
        socket
            .bind(&addr)
            .map_err(|e| Error::io(format!("cannot bind to {}", path.display()), e))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io(format!("cannot set the mode of {}", path.display()), e))?;
    }
    socket
        .listen(listen_backlog(backlog))
        .map_err(|e| Error::io(format!("cannot listen on {}", path.display()), e))?;
    Ok(socket.into())
}

/// Deletes a socket file left behind by an earlier server; refuses to touch
/// anything else.
fn remove_stale_socket(path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => std::fs::remove_file(path).map_err(|e| {
            Error::io(
                format!("cannot remove the old socket {}", path.display()),
                e,
            )
        }),
        Ok(_) => Err(Error::new(
            ErrorKind::NotASocket,
            format!("file {} exists and is not a socket", path.display()),
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(format!("cannot inspect {}", path.display()), e)),
    }
}
