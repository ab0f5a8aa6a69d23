//! Buffered non-blocking byte streams over TCP, TLS (rustls), Unix-domain
//! sockets and pipes, on a [`tornado_ioloop::IoLoop`].
//!
//! This crate mirrors Python's `tornado.iostream`: [`IoStream`] is
//! `IOStream`, `SSLIOStream` and `PipeIOStream` in one type, with Tornado's
//! reads (`read_bytes`, `read_until`, `read_until_regex`,
//! `read_until_close`, `read_into`), writes that resolve when the data
//! reached the kernel, and Tornado's limits ([`StreamOptions`]).
//!
//! # Thread model
//!
//! A stream belongs to the loop of the thread that made it and is not
//! `Send`. Clones share the stream, so one task can read while another
//! writes.
//!
//! # Memory
//!
//! Reads go through one scratch buffer per thread; a stream's own read
//! buffer holds only data that arrived and is given back when drained, and
//! the write buffer is given back when flushed, to a pool of small buffers
//! that the thread's streams share (see [`recycle_buffer`]). An idle stream
//! holds no buffer memory.
//!
//! ```
//! use tornado_ioloop::IoLoop;
//! use tornado_iostream::IoStream;
//!
//! let ioloop = IoLoop::new()?;
//! ioloop.run_sync(async {
//!     let (a, b) = mio::net::UnixStream::pair()?;
//!     let (a, b) = (IoStream::unix(a)?, IoStream::unix(b)?);
//!     a.write(&b"hello\n"[..]).await?;
//!     a.close(None);
//!     assert_eq!(&b.read_until_close().await?[..], b"hello\n");
//!     Ok::<_, tornado_iostream::Error>(())
//! }, None)??;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod buffer;
mod error;
mod stream;
mod transport;

pub use buffer::recycle_buffer;
pub use error::{Error, ErrorKind, Result};
pub use stream::{IoStream, StreamOptions, TlsSide, WriteFuture};

/// The TLS library streams use, for building configurations.
pub use rustls;
