//! Name resolution: the [`Resolver`] trait and its implementations.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::net::{SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::rc::Rc;

use tornado_ioloop::{IoLoop, ThreadPoolExecutor};

use crate::error::{Error, ErrorKind, Result};
use crate::family::AddressFamily;

/// The future a [`Resolver`] returns: the addresses in the order the
/// system resolver gave them, or an [`ErrorKind::Resolve`] error.
#[doc(alias = "Awaitable")]
pub type ResolveFuture = Pin<Box<dyn Future<Output = Result<Vec<SocketAddr>>>>>;

/// An asynchronous host-name resolver (Tornado's `netutil.Resolver`).
///
/// `resolve` turns a host name or an IP literal and a port into socket
/// addresses of the requested family; the family of each result is
/// [`SocketAddr::is_ipv4`] / [`is_ipv6`](SocketAddr::is_ipv6) (Tornado
/// returns `(family, address)` pairs). A name that cannot be resolved, or
/// that has no address of the family, is an error whose
/// [`kind`](Error::kind) is [`ErrorKind::Resolve`].
///
/// The trait is object-safe so that resolvers can wrap each other
/// ([`OverrideResolver`]) and be chosen at run time (Tornado's
/// `Resolver.configure`). The futures are not `Send`: they run on the
/// loop's thread.
pub trait Resolver: fmt::Debug {
    /// Resolves `host` and `port` (`Resolver.resolve`).
    fn resolve(&self, host: &str, port: u16, family: AddressFamily) -> ResolveFuture;

    /// Frees the resolver's resources (`Resolver.close`). The default does
    /// nothing.
    fn close(&self) {}
}

impl<R: Resolver + ?Sized> Resolver for Rc<R> {
    fn resolve(&self, host: &str, port: u16, family: AddressFamily) -> ResolveFuture {
        (**self).resolve(host, port, family)
    }

    fn close(&self) {
        (**self).close();
    }
}

impl<R: Resolver + ?Sized> Resolver for Box<R> {
    fn resolve(&self, host: &str, port: u16, family: AddressFamily) -> ResolveFuture {
        (**self).resolve(host, port, family)
    }

    fn close(&self) {
        (**self).close();
    }
}

/// Resolves on the calling thread, blocking it: the system's `getaddrinfo`
/// (through [`ToSocketAddrs`]) with the results filtered by family.
///
/// This is the shared core of every resolver in this module; it is public
/// for code that already runs on a worker thread.
///
/// ```
/// use tornado_netutil::{AddressFamily, resolve_blocking};
/// let addrs = resolve_blocking("127.0.0.1", 80, AddressFamily::Unspec)?;
/// assert_eq!(addrs, vec!["127.0.0.1:80".parse()?]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "_resolve_addr")]
pub fn resolve_blocking(host: &str, port: u16, family: AddressFamily) -> Result<Vec<SocketAddr>> {
    let found = (host, port).to_socket_addrs().map_err(|e| {
        Error::with_source(ErrorKind::Resolve, format!("cannot resolve {host:?}"), e)
    })?;
    let addrs: Vec<SocketAddr> = found.filter(|a| family.matches(a)).collect();
    if addrs.is_empty() {
        return Err(Error::new(
            ErrorKind::Resolve,
            format!("{host:?} has no {family:?} address"),
        ));
    }
    Ok(addrs)
}

/// The default resolver: the system's `getaddrinfo` on the current loop's
/// thread pool ([`IoLoop::run_in_executor`]), so that a slow DNS server
/// never blocks the loop.
///
/// Tornado's default, `DefaultLoopResolver`, does the same through
/// asyncio's `getaddrinfo`; `DefaultExecutorResolver` is the older name.
///
/// ```
/// use tornado_ioloop::IoLoop;
/// use tornado_netutil::{AddressFamily, DefaultResolver, Resolver};
///
/// let ioloop = IoLoop::new()?;
/// let addrs = ioloop.run_sync(DefaultResolver::new().resolve("localhost", 80, AddressFamily::Inet), None)??;
/// assert!(addrs.contains(&"127.0.0.1:80".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "DefaultLoopResolver")]
#[doc(alias = "DefaultExecutorResolver")]
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultResolver {
    _private: (),
}

impl DefaultResolver {
    /// A resolver using the running loop's thread pool.
    pub fn new() -> Self {
        DefaultResolver { _private: () }
    }
}

impl Resolver for DefaultResolver {
    fn resolve(&self, host: &str, port: u16, family: AddressFamily) -> ResolveFuture {
        let host = host.to_owned();
        Box::pin(async move {
            let ioloop = IoLoop::current();
            let job = ioloop.run_in_executor(move || resolve_blocking(&host, port, family));
            job.await.map_err(|e| {
                Error::with_source(ErrorKind::Resolve, "the resolver thread pool failed", e)
            })?
        })
    }
}

/// Resolves on the loop's own thread, blocking the loop while
/// `getaddrinfo` runs (Tornado's deprecated `BlockingResolver`). Only for
/// tests and for hosts that are IP literals or in `/etc/hosts`.
#[derive(Debug, Clone, Copy, Default)]
pub struct BlockingResolver {
    _private: (),
}

impl BlockingResolver {
    /// A blocking resolver.
    pub fn new() -> Self {
        BlockingResolver { _private: () }
    }
}

impl Resolver for BlockingResolver {
    fn resolve(&self, host: &str, port: u16, family: AddressFamily) -> ResolveFuture {
        let host = host.to_owned();
        Box::pin(async move { resolve_blocking(&host, port, family) })
    }
}

/// Resolves on a thread pool of its own (Tornado's `ExecutorResolver` and
/// `ThreadedResolver`, whose pool has 10 threads by default).
///
/// ```
/// use tornado_ioloop::IoLoop;
/// use tornado_netutil::{AddressFamily, ExecutorResolver, Resolver};
///
/// let ioloop = IoLoop::new()?;
/// let resolver = ExecutorResolver::threaded(2);
/// let addrs = ioloop.run_sync(resolver.resolve("::1", 443, AddressFamily::Unspec), None)??;
/// assert_eq!(addrs, vec!["[::1]:443".parse()?]);
/// resolver.close();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "ThreadedResolver")]
#[derive(Debug)]
pub struct ExecutorResolver {
    executor: ThreadPoolExecutor,
    close_executor: bool,
}

/// The pool size of Tornado's `ThreadedResolver`.
#[doc(alias = "num_threads")]
pub const DEFAULT_RESOLVER_THREADS: usize = 10;

impl ExecutorResolver {
    /// Resolves on `executor`; [`close`](Resolver::close) shuts it down
    /// only when `close_executor` is true.
    pub fn new(executor: ThreadPoolExecutor, close_executor: bool) -> Self {
        ExecutorResolver {
            executor,
            close_executor,
        }
    }

    /// Resolves on a new pool of `num_threads` threads
    /// ([`DEFAULT_RESOLVER_THREADS`] in Tornado), closed with the resolver.
    #[doc(alias = "ThreadedResolver")]
    pub fn threaded(num_threads: usize) -> Self {
        ExecutorResolver::new(ThreadPoolExecutor::new(num_threads.max(1)), true)
    }
}

impl Resolver for ExecutorResolver {
    fn resolve(&self, host: &str, port: u16, family: AddressFamily) -> ResolveFuture {
        let host = host.to_owned();
        let job = self
            .executor
            .submit(move || resolve_blocking(&host, port, family));
        Box::pin(async move {
            job.await.map_err(|e| {
                Error::with_source(ErrorKind::Resolve, "the resolver thread pool failed", e)
            })?
        })
    }

    fn close(&self) {
        if self.close_executor {
            self.executor.shutdown();
        }
    }
}

/// The key of an [`OverrideResolver`] mapping entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum OverrideKey {
    Host(String),
    HostPort(String, u16),
    HostPortFamily(String, u16, AddressFamily),
}

/// Wraps a resolver with a table of overrides, to redirect names without
/// touching the system's configuration, in tests above all (Tornado's
/// `OverrideResolver`, also behind `hostname_mapping`).
///
/// An override maps a host to another host, a `(host, port)` to another
/// `(host, port)`, or a `(host, port, family)` to a `(host, port)`. The most
/// specific match wins; the replacement is then resolved by the wrapped
/// resolver.
///
/// ```
/// use tornado_ioloop::IoLoop;
/// use tornado_netutil::{AddressFamily, BlockingResolver, OverrideResolver, Resolver};
///
/// let resolver = OverrideResolver::new(BlockingResolver::new())
///     .map_host("example.com", "127.0.1.1")
///     .map_host_port("login.example.com", 443, "localhost", 1443)
///     .map_host_port_family("login.example.com", 443, AddressFamily::Inet6, "::1", 1443);
/// let ioloop = IoLoop::new()?;
/// let addrs = ioloop.run_sync(resolver.resolve("login.example.com", 443, AddressFamily::Inet6), None)??;
/// assert_eq!(addrs, vec!["[::1]:1443".parse()?]);
/// let addrs = ioloop.run_sync(resolver.resolve("example.com", 80, AddressFamily::Unspec), None)??;
/// assert_eq!(addrs, vec!["127.0.1.1:80".parse()?]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct OverrideResolver {
    resolver: Box<dyn Resolver>,
    mapping: HashMap<OverrideKey, (String, Option<u16>)>,
}

impl OverrideResolver {
    /// Wraps `resolver` with an empty table.
    pub fn new(resolver: impl Resolver + 'static) -> Self {
        OverrideResolver {
            resolver: Box::new(resolver),
            mapping: HashMap::new(),
        }
    }

    /// Resolves `host` as `replacement`, keeping the port
    /// (`{"example.com": "127.0.1.1"}`).
    pub fn map_host(mut self, host: &str, replacement: &str) -> Self {
        self.mapping.insert(
            OverrideKey::Host(host.to_owned()),
            (replacement.to_owned(), None),
        );
        self
    }

    /// Resolves `host:port` as `to_host:to_port`
    /// (`{("login.example.com", 443): ("localhost", 1443)}`).
    pub fn map_host_port(mut self, host: &str, port: u16, to_host: &str, to_port: u16) -> Self {
        self.mapping.insert(
            OverrideKey::HostPort(host.to_owned(), port),
            (to_host.to_owned(), Some(to_port)),
        );
        self
    }

    /// Resolves `host:port` requested with `family` as `to_host:to_port`
    /// (`{("login.example.com", 443, AF_INET6): ("::1", 1443)}`).
    pub fn map_host_port_family(
        mut self,
        host: &str,
        port: u16,
        family: AddressFamily,
        to_host: &str,
        to_port: u16,
    ) -> Self {
        self.mapping.insert(
            OverrideKey::HostPortFamily(host.to_owned(), port, family),
            (to_host.to_owned(), Some(to_port)),
        );
        self
    }

    /// The host and port a request for `host:port` in `family` is resolved
    /// as, after the overrides.
    pub fn rewrite(&self, host: &str, port: u16, family: AddressFamily) -> (String, u16) {
        let keys = [
            OverrideKey::HostPortFamily(host.to_owned(), port, family),
            OverrideKey::HostPort(host.to_owned(), port),
            OverrideKey::Host(host.to_owned()),
        ];
        for key in &keys {
            if let Some((to_host, to_port)) = self.mapping.get(key) {
                return (to_host.clone(), to_port.unwrap_or(port));
            }
        }
        (host.to_owned(), port)
    }
}

impl Resolver for OverrideResolver {
    fn resolve(&self, host: &str, port: u16, family: AddressFamily) -> ResolveFuture {
        let (host, port) = self.rewrite(host, port, family);
        self.resolver.resolve(&host, port, family)
    }

    fn close(&self) {
        self.resolver.close();
    }
}
