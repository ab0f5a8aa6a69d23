//! A non-blocking, single-threaded TCP server on a
//! [`tornado_ioloop::IoLoop`]: listening sockets, an accept loop, and one
//! task per connection serving an [`IoStream`](tornado_iostream::IoStream),
//! in clear or in TLS.
//!
//! This crate mirrors Python's `tornado.tcpserver`:
//!
//! | Tornado | here |
//! |---|---|
//! | `TCPServer(ssl_options, max_buffer_size, read_chunk_size)` | [`TcpServer::with_options`] with [`ServerOptions`] |
//! | `TCPServer.handle_stream(stream, address)` (override) | a [`StreamHandler`]: an `async` closure or a trait impl |
//! | `listen`, `add_sockets`, `add_socket`, `bind`, `start`, `stop` | [`TcpServer::listen`], [`add_sockets`](TcpServer::add_sockets), [`add_socket`](TcpServer::add_socket) / [`add_unix_socket`](TcpServer::add_unix_socket), [`bind`](TcpServer::bind), [`start`](TcpServer::start), [`stop`](TcpServer::stop) |
//!
//! # Thread model
//!
//! A server belongs to the loop of the thread that made it; its handlers
//! run as `!Send` tasks on that loop, so they may share state through
//! `Rc<RefCell<_>>`. To use several cores, run one loop and one server per
//! thread over `reuse_port` sockets (or clones of one listening socket);
//! `start` never forks (see `docs/deviations.md`).
//!
//! # Errors in handlers
//!
//! A handler's error or panic is logged and ends only its own connection.
//! Failures the client caused (a reset, a closed connection, a line over
//! its limit, a failed TLS handshake) are logged at debug level, never at
//! error level.
//!
//! # Example
//!
//! Tornado's echo server from the `TCPServer` docs:
//!
//! ```
//! use tornado_ioloop::IoLoop;
//! use tornado_iostream::IoStream;
//! use tornado_tcpclient::{ConnectOptions, TcpClient};
//! use tornado_tcpserver::{PeerAddr, TcpServer};
//!
//! let ioloop = IoLoop::new()?;
//! let server = TcpServer::new(|stream: IoStream, _address: PeerAddr| async move {
//!     loop {
//!         let line = stream.read_until(b"\n", None).await?;
//!         stream.write(line).await?;
//!     }
//!     #[allow(unreachable_code)]
//!     Ok::<(), tornado_iostream::Error>(())
//! });
//! server.listen(0, Some("127.0.0.1"))?;
//! let addr = server.local_addrs()[0];
//!
//! let echoed = ioloop.run_sync(async move {
//!     let client = TcpClient::new().connect("127.0.0.1", addr.port(), ConnectOptions::default()).await?;
//!     client.write(&b"ping\n"[..]).await?;
//!     Ok::<_, Box<dyn std::error::Error>>(client.read_until(b"\n", None).await?)
//! }, None)??;
//! assert_eq!(&echoed[..], b"ping\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod handler;
mod server;

pub use error::{Error, ErrorKind, Result};
pub use handler::{BoxError, HandlerOutcome, PeerAddr, StreamHandler};
pub use server::{ServerOptions, TcpServer};
