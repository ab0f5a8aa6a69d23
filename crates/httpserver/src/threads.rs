//! Several cores on one machine: one loop per thread.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;

use tornado_http1connection::HttpServerConnectionDelegate;
use tornado_ioloop::{IoLoop, IoLoopHandle};
use tornado_netutil::{AddressFamily, DEFAULT_BACKLOG, bind_sockets};

use crate::HttpServer;

/// Threads each running their own [`IoLoop`], for servers that use several
/// cores: `setup` runs once on each new thread's loop (build the
/// application with its own state there and bind with `reuse_port`), then
/// the loop runs until stopped. No state is shared between threads unless
/// `setup` shares it.
///
/// Counterpart of the worker set that Tornado's `HTTPServer.start(num_processes)`
/// (through `tornado.process.fork_processes`) creates, with threads in place
/// of forked processes.
///
/// ```
/// use tornado_httpserver::{FnHandler, HttpServer, Request, Response, run_threads};
///
/// let group = run_threads(2, |index| {
///     let server = HttpServer::handler(FnHandler(move |_r: Request| async move {
///         Response::new(200).body(format!("thread {index}"))
///     }));
///     server.bind(0, Some("127.0.0.1"), true)?;
///     server.start()?;
///     std::mem::forget(server); // lives as long as the thread's loop
///     Ok(())
/// })?;
/// group.stop_and_join();
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// ```
#[doc(alias = "fork_processes")]
#[derive(Debug)]
pub struct ThreadGroup {
    handles: Vec<IoLoopHandle>,
    threads: Vec<JoinHandle<()>>,
    addrs: Vec<SocketAddr>,
}

type SetupError = Box<dyn std::error::Error + Send + Sync>;

/// Starts `threads` loop threads; see [`ThreadGroup`]. Fails if `setup`
/// fails on any thread (the threads already started are stopped).
///
/// Counterpart of Tornado's `tornado.process.fork_processes(num_processes)`,
/// the general form under `HTTPServer.start(num_processes)` (whose closer
/// match is [`serve_threads`]): it starts `threads` event loops in this
/// process rather than forking; unlike Tornado, a count of 0 starts one
/// thread, not one per CPU.
#[doc(alias("fork_processes", "num_processes"))]
pub fn run_threads<F>(threads: usize, setup: F) -> Result<ThreadGroup, SetupError>
where
    F: Fn(usize) -> Result<(), SetupError> + Send + Sync + 'static,
{
    let setup = Arc::new(setup);
    let mut group = ThreadGroup {
        handles: Vec::new(),
        threads: Vec::new(),
        addrs: Vec::new(),
    };
    for index in 0..threads.max(1) {
        let setup = setup.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(format!("tornado-loop-{index}"))
            .spawn(move || {
                let ioloop = match IoLoop::new() {
                    Ok(ioloop) => ioloop,
                    Err(e) => {
                        let _ = tx.send(Err(SetupError::from(e.to_string())));
                        return;
                    }
                };
                ioloop.make_current();
                match setup(index) {
                    Ok(()) => {
                        let _ = tx.send(Ok(ioloop.handle()));
                        if let Err(e) = ioloop.start() {
                            log::error!(target: "tornado.general", "loop thread {index}: {e}");
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
                let _ = ioloop.close();
            })?;
        group.threads.push(thread);
        match rx.recv() {
            Ok(Ok(handle)) => group.handles.push(handle),
            Ok(Err(e)) => {
                group.stop_and_join();
                return Err(e);
            }
            Err(_) => {
                group.stop_and_join();
                return Err("a loop thread died during setup".into());
            }
        }
    }
    Ok(group)
}

/// Tornado's `HTTPServer.start(num_processes)` on threads: binds `port` on
/// `address` (all interfaces when `None`; port 0 picks one) and serves it
/// from `threads` loop threads, each with its own server, which `factory`
/// builds on that thread (so each has its own delegate and state).
///
/// Each thread accepts on its own `SO_REUSEPORT` socket, so the kernel
/// spreads connections over the threads; where the kernel refuses
/// `SO_REUSEPORT`, the threads share one listening socket instead. The
/// bound addresses are [`ThreadGroup::local_addrs`]. Each server lives as
/// long as its thread's loop.
///
/// ```
/// use std::io::{Read, Write};
/// use tornado_httpserver::{FnHandler, HttpServer, Request, Response, serve_threads};
///
/// let group = serve_threads(2, 0, Some("127.0.0.1"), |index| {
///     HttpServer::handler(FnHandler(move |_r: Request| async move {
///         Response::new(200).body(format!("thread {index}"))
///     }))
/// })?;
/// let mut client = std::net::TcpStream::connect(group.local_addrs()[0])?;
/// client.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
/// let mut response = String::new();
/// client.read_to_string(&mut response)?;
/// assert!(response.ends_with("thread 0") || response.ends_with("thread 1"));
/// group.stop_and_join();
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// ```
#[doc(alias = "start")]
#[doc(alias = "num_processes")]
pub fn serve_threads<D, F>(
    threads: usize,
    port: u16,
    address: Option<&str>,
    factory: F,
) -> Result<ThreadGroup, SetupError>
where
    D: HttpServerConnectionDelegate + 'static,
    F: Fn(usize) -> HttpServer<D> + Send + Sync + 'static,
{
    serve_threads_with(threads, port, address, true, factory)
}

/// [`serve_threads`]; `reuse_port: false` shares one socket, as happens
/// when the kernel refuses `SO_REUSEPORT`.
fn serve_threads_with<D, F>(
    threads: usize,
    port: u16,
    address: Option<&str>,
    reuse_port: bool,
    factory: F,
) -> Result<ThreadGroup, SetupError>
where
    D: HttpServerConnectionDelegate + 'static,
    F: Fn(usize) -> HttpServer<D> + Send + Sync + 'static,
{
    let bind = |port, address: Option<&str>, reuse| {
        bind_sockets(port, address, AddressFamily::Unspec, DEFAULT_BACKLOG, reuse)
    };
    // The first sockets are bound here: the port is then known (port 0),
    // and a bind error comes back before any thread starts.
    let (first, shared) = match reuse_port.then(|| bind(port, address, true)) {
        Some(Ok(listeners)) => (listeners, false),
        _ => (bind(port, address, false)?, true),
    };
    let addrs = first
        .iter()
        .map(TcpListener::local_addr)
        .collect::<std::io::Result<Vec<_>>>()?;
    let thread_addrs = addrs.clone();
    let mut group = run_threads(threads, move |index| {
        // The first thread, and every thread of a shared socket, accepts on
        // a duplicate of the sockets bound above; the others bind their own.
        let listeners = if shared || index == 0 {
            first
                .iter()
                .map(TcpListener::try_clone)
                .collect::<std::io::Result<_>>()?
        } else {
            let mut listeners = Vec::new();
            for addr in &thread_addrs {
                listeners.extend(bind(addr.port(), Some(&addr.ip().to_string()), true)?);
            }
            listeners
        };
        let server = factory(index);
        server.add_sockets(listeners)?;
        // The server lives as long as the loop: a task that never ends
        // holds it, and goes when the loop closes.
        IoLoop::current().spawn_detached(async move {
            let _server = server;
            std::future::pending::<()>().await;
        });
        Ok(())
    })?;
    group.addrs = addrs;
    Ok(group)
}

impl ThreadGroup {
    /// The addresses [`serve_threads`] bound (empty for [`run_threads`]).
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// Handles to each thread's loop.
    pub fn handles(&self) -> &[IoLoopHandle] {
        &self.handles
    }

    /// Blocks until every loop stops.
    pub fn join(self) {
        for thread in self.threads {
            let _ = thread.join();
        }
    }

    /// Stops every loop and waits for the threads.
    pub fn stop_and_join(self) {
        for handle in &self.handles {
            handle.stop();
        }
        self.join();
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;
    use crate::{FnHandler, Request, Response};

    /// Every request answered, by one of the threads; `shared` says whether
    /// the threads share one socket (the fallback without `SO_REUSEPORT`).
    fn serve_and_fetch(reuse_port: bool) -> Vec<String> {
        let group = serve_threads_with(2, 0, Some("127.0.0.1"), reuse_port, |index| {
            HttpServer::handler(FnHandler(move |_r: Request| async move {
                Response::new(200).body(format!("thread {index}"))
            }))
        })
        .expect("threads start");
        assert_eq!(group.handles().len(), 2);
        let addr = group.local_addrs()[0];
        let bodies = (0..32)
            .map(|_| {
                let mut client = std::net::TcpStream::connect(addr).expect("connect");
                client
                    .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .expect("send");
                let mut response = String::new();
                client.read_to_string(&mut response).expect("read");
                response
                    .rsplit("\r\n\r\n")
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        group.stop_and_join();
        bodies
    }

    #[test]
    fn serve_threads_spreads_connections_over_reuse_port_sockets() {
        let bodies = serve_and_fetch(true);
        assert!(
            bodies.iter().all(|b| b == "thread 0" || b == "thread 1"),
            "{bodies:?}"
        );
        // The kernel hashes each connection to a socket: 32 connections all
        // landing on one of two sockets has a chance of 2 in 2^32.
        assert!(bodies.iter().any(|b| b == "thread 0"), "{bodies:?}");
        assert!(bodies.iter().any(|b| b == "thread 1"), "{bodies:?}");
    }

    #[test]
    fn serve_threads_shares_one_socket_without_reuse_port() {
        let bodies = serve_and_fetch(false);
        assert_eq!(bodies.len(), 32);
        assert!(
            bodies.iter().all(|b| b == "thread 0" || b == "thread 1"),
            "{bodies:?}"
        );
    }
}
