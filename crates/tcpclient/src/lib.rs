//! A non-blocking TCP connection factory on a [`tornado_ioloop::IoLoop`]:
//! resolve a host name, race its addresses with Happy Eyeballs (RFC 6555),
//! bind a source address, bound the whole attempt with a timeout, and
//! optionally upgrade the connection to TLS.
//!
//! This crate mirrors Python's `tornado.tcpclient`:
//!
//! | Tornado | here |
//! |---|---|
//! | `TCPClient` | [`TcpClient`] |
//! | `TCPClient.connect(host, port, af, ssl_options, max_buffer_size, source_ip, source_port, timeout)` | [`TcpClient::connect`] with [`ConnectOptions`] |
//! | `_Connector` | [`Connector`] |
//! | `_INITIAL_CONNECT_TIMEOUT` | [`INITIAL_CONNECT_TIMEOUT`] (0.3 s) |
//! | `TCPClient._create_stream` | [`create_stream_fn`] |
//!
//! # Thread model
//!
//! A client, its futures and the streams it returns belong to the loop of
//! the thread that made them (none is `Send`), as everything on an
//! [`IoLoop`](tornado_ioloop::IoLoop) does.
//!
//! # Example
//!
//! Connect to a local listener and exchange a line:
//!
//! ```
//! use std::io::{BufRead, BufReader, Write};
//! use tornado_ioloop::IoLoop;
//! use tornado_tcpclient::{ConnectOptions, TcpClient};
//!
//! let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
//! let port = listener.local_addr()?.port();
//! let server = std::thread::spawn(move || -> std::io::Result<()> {
//!     let (mut conn, _) = listener.accept()?;
//!     let mut line = String::new();
//!     BufReader::new(conn.try_clone()?).read_line(&mut line)?;
//!     conn.write_all(line.to_uppercase().as_bytes())
//! });
//!
//! let ioloop = IoLoop::new()?;
//! let reply = ioloop.run_sync(async {
//!     let client = TcpClient::new();
//!     let stream = client.connect("localhost", port, ConnectOptions::default()).await?;
//!     stream.write(&b"hello\n"[..]).await?;
//!     Ok::<_, Box<dyn std::error::Error>>(stream.read_until(b"\n", None).await?)
//! }, None)??;
//! assert_eq!(&reply[..], b"HELLO\n");
//! server.join().unwrap()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod client;
mod connector;
mod error;

pub use client::{ConnectOptions, TcpClient, create_stream_fn};
pub use connector::{AddrInfo, AttemptFuture, ConnectFn, Connector, INITIAL_CONNECT_TIMEOUT};
pub use error::{Error, ErrorKind, Result};
