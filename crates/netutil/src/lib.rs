//! Network helpers for servers and clients built on [`tornado_ioloop`]:
//! listening sockets, the accept loop, name resolution, and TLS
//! configuration.
//!
//! This crate mirrors Python's `tornado.netutil`:
//!
//! | Tornado | here |
//! |---|---|
//! | `bind_sockets` | [`bind_sockets`] (std `TcpListener`s, non-blocking) |
//! | `bind_unix_socket` | [`bind_unix_socket`] |
//! | `add_accept_handler` | [`add_accept_handler`] → [`AcceptHandle`] |
//! | `is_valid_ip` | [`is_valid_ip`] |
//! | `Resolver`, `DefaultLoopResolver`, `BlockingResolver`, `ThreadedResolver`, `OverrideResolver` | [`Resolver`], [`DefaultResolver`], [`BlockingResolver`], [`ExecutorResolver`], [`OverrideResolver`] |
//! | `ssl_options_to_context` | [`tls::server_config_from_options`], [`tls::client_config`] |
//!
//! It is Unix-only, like the rest of the workspace.
//!
//! # The thread model
//!
//! Everything that touches the loop ([`add_accept_handler`], the resolvers'
//! futures) runs on the loop's thread and is `!Send`, as the loop is. The
//! sockets and TLS configs are plain values that may be made on any thread;
//! to serve from several threads, bind with `reuse_port` (or clone a
//! listener) and run one loop per thread.
//!
//! # Example
//!
//! An echo of peer addresses: bind a free port on loopback, accept one
//! connection, and resolve the name we connect to.
//!
//! ```
//! use std::{cell::RefCell, rc::Rc};
//! use tornado_ioloop::IoLoop;
//! use tornado_netutil::{
//!     AddressFamily, DEFAULT_BACKLOG, DefaultResolver, Resolver, add_accept_handler, bind_sockets,
//! };
//!
//! let ioloop = IoLoop::new()?;
//! let listener = bind_sockets(0, Some("127.0.0.1"), AddressFamily::Unspec, DEFAULT_BACKLOG, false)?
//!     .remove(0);
//! let port = listener.local_addr()?.port();
//! let accepted = Rc::new(RefCell::new(Vec::new()));
//! let _handle = add_accept_handler(&ioloop, listener, {
//!     let accepted = accepted.clone();
//!     move |_stream, peer| accepted.borrow_mut().push(peer)
//! })?;
//!
//! let addrs = ioloop.run_sync(DefaultResolver::new().resolve("127.0.0.1", port, AddressFamily::Inet), None)??;
//! let client = std::net::TcpStream::connect(addrs[0])?;
//! ioloop.run_sync(tornado_ioloop::r#gen::sleep(std::time::Duration::from_millis(20)), None)?;
//! assert_eq!(*accepted.borrow(), vec![client.local_addr()?]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod accept;
mod bind;
mod error;
mod family;
mod ip;
mod resolver;
pub mod tls;

pub use accept::{
    AcceptConfig, AcceptHandle, Listener, add_accept_handler, add_accept_handler_with_config,
};
pub use bind::{DEFAULT_BACKLOG, DEFAULT_UNIX_SOCKET_MODE, bind_sockets, bind_unix_socket};
pub use error::{Error, ErrorKind, Result};
pub use family::AddressFamily;
pub use ip::is_valid_ip;
pub use resolver::{
    BlockingResolver, DEFAULT_RESOLVER_THREADS, DefaultResolver, ExecutorResolver,
    OverrideResolver, ResolveFuture, Resolver, resolve_blocking,
};
