//! `IoStream`: a buffered, non-blocking byte stream.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::{Future, poll_fn};
use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use bytes::{Bytes, BytesMut};
use mio::net::{TcpStream, UnixStream};
use mio::unix::pipe;
use regex::bytes::Regex;
use tornado_ioloop::{IoLoop, IoSource};

use crate::buffer::{MAX_IOVECS, POOLED_CAPACITY, WriteBuffer, recycle_buffer, take_buffer};
use crate::error::{Error, ErrorKind, Result};
use crate::transport::{Raw, Transport};

/// Limits of a stream, with Tornado's defaults.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StreamOptions {
    /// The most bytes the read buffer may hold: 100 MiB. A read that needs
    /// more fails with [`ErrorKind::StreamBufferFull`] and closes the stream,
    /// so a peer cannot make us buffer without bound.
    pub max_buffer_size: usize,
    /// How much one read from the socket asks for: 64 KiB (capped at half
    /// of `max_buffer_size`).
    pub read_chunk_size: usize,
    /// The most bytes the write buffer may hold: unlimited, as in Tornado.
    /// A write that would pass it fails with [`ErrorKind::StreamBufferFull`].
    pub max_write_buffer_size: Option<usize>,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            max_buffer_size: 100 * 1024 * 1024,
            read_chunk_size: 64 * 1024,
            max_write_buffer_size: None,
        }
    }
}

impl StreamOptions {
    /// Sets `max_buffer_size`.
    pub fn max_buffer_size(mut self, bytes: usize) -> Self {
        self.max_buffer_size = bytes;
        self
    }

    /// Sets `read_chunk_size`.
    pub fn read_chunk_size(mut self, bytes: usize) -> Self {
        self.read_chunk_size = bytes;
        self
    }

    /// Sets `max_write_buffer_size`.
    pub fn max_write_buffer_size(mut self, bytes: Option<usize>) -> Self {
        self.max_write_buffer_size = bytes;
        self
    }

    fn chunk(&self) -> usize {
        self.read_chunk_size.min(self.max_buffer_size / 2).max(1)
    }
}

/// Held (corked) output beyond which writes go out anyway.
const CORK_LIMIT: usize = 64 * 1024;

thread_local! {
    /// One read buffer per thread, shared by every stream of the thread's
    /// loop: a stream's own buffer then only ever holds data that arrived,
    /// and an idle stream holds none.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

struct Inner {
    ioloop: IoLoop,
    transport: RefCell<Option<Transport>>,
    rbuf: RefCell<BytesMut>,
    wbuf: RefCell<WriteBuffer>,
    options: StreamOptions,
    closed: Cell<bool>,
    /// The cause of the close; boxed, as it is rare and an idle stream
    /// should stay small.
    error: RefCell<Option<Box<Error>>>,
    reading: Cell<bool>,
    /// Where the next delimiter search starts, so that a slow peer's bytes
    /// are not rescanned on every arrival.
    scanned: Cell<usize>,
    read_waker: RefCell<Option<Waker>>,
    close_callback: RefCell<Option<Box<dyn FnOnce()>>>,
    /// Bytes accepted by `write` and bytes handed to the kernel, since the
    /// stream opened; a write future waits for `written` to reach its mark.
    queued: Cell<u64>,
    written: Cell<u64>,
    write_wakers: RefCell<Vec<Waker>>,
    flushing: Cell<bool>,
    /// Writes are held back until uncorked (see `set_corked`).
    corked: Cell<bool>,
    /// The background flush, while it waits.
    flush_waker: RefCell<Option<Waker>>,
    /// A `wait_for_handshake` caller, while it waits.
    handshake_waker: RefCell<Option<Waker>>,
    /// A close watcher runs (see `set_close_callback`).
    watching: Cell<bool>,
    /// The close watcher, while it waits for a read to finish.
    watch_waker: RefCell<Option<Waker>>,
    /// Plain bytes rustls took but has not yet sent as records: a write
    /// future resolves only once its bytes reached the kernel.
    unsent_tls: Cell<u64>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Dropping the last handle closes the stream: say goodbye as
        // `close` does, and end the close watcher's task.
        if let Some(w) = self.watch_waker.get_mut().take() {
            w.wake();
        }
        if let Some(mut transport) = self.transport.get_mut().take() {
            if self.error.get_mut().is_none() {
                transport.goodbye();
            }
        }
    }
}

/// A buffered non-blocking stream over TCP, TLS, a Unix socket or a pipe
/// (`tornado.iostream.IOStream`, `SSLIOStream`, `PipeIOStream`).
///
/// Methods take `&self` and the handle is cheap to clone, so one task can
/// read while others write (as a WebSocket connection does). At most one
/// read may be pending at a time; a second fails with
/// [`ErrorKind::AlreadyReading`]. A read that the buffer already satisfies
/// completes without a trip through the loop.
///
/// ```
/// use tornado_ioloop::IoLoop;
/// use tornado_iostream::IoStream;
///
/// let ioloop = IoLoop::new()?;
/// ioloop.run_sync(async {
///     let (a, b) = mio::net::UnixStream::pair()?;
///     let (a, b) = (IoStream::unix(a)?, IoStream::unix(b)?);
///     a.write(&b"GET / HTTP/1.0\r\n\r\nrest"[..]).await?;
///     let head = b.read_until(b"\r\n\r\n", Some(1024)).await?;
///     assert_eq!(&head[..], b"GET / HTTP/1.0\r\n\r\n");
///     assert_eq!(&b.read_bytes(4, false).await?[..], b"rest");
///     Ok::<_, Box<dyn std::error::Error>>(())
/// }, None)??;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "IOStream")]
#[doc(alias = "SSLIOStream")]
#[doc(alias = "PipeIOStream")]
#[derive(Clone)]
pub struct IoStream {
    inner: Rc<Inner>,
}

impl fmt::Debug for IoStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("IoStream")
            .field("closed", &inner.closed.get())
            .field("buffered", &inner.rbuf.borrow().len())
            .field("unwritten", &inner.wbuf.borrow().len())
            .finish()
    }
}

/// Which bytes a read wants.
enum Target<'a> {
    Bytes {
        n: usize,
        partial: bool,
    },
    Until {
        delimiter: &'a [u8],
        max_bytes: Option<usize>,
    },
    Regex {
        regex: &'a Regex,
        max_bytes: Option<usize>,
    },
    Close,
}

/// Marks a read as pending until dropped.
struct ReadGuard<'a>(&'a Inner);

impl Drop for ReadGuard<'_> {
    fn drop(&mut self) {
        self.0.reading.set(false);
        self.0.read_waker.borrow_mut().take();
        // The close watcher stood aside during the read; let it resume.
        let watcher = self.0.watch_waker.borrow_mut().take();
        if let Some(w) = watcher {
            w.wake();
        }
    }
}

impl IoStream {
    // --- construction ----------------------------------------------------------

    fn from_transport(transport: Transport, options: StreamOptions) -> IoStream {
        IoStream {
            inner: Rc::new(Inner {
                ioloop: IoLoop::current(),
                transport: RefCell::new(Some(transport)),
                rbuf: RefCell::new(BytesMut::new()),
                wbuf: RefCell::new(WriteBuffer::default()),
                options,
                closed: Cell::new(false),
                error: RefCell::new(None),
                reading: Cell::new(false),
                scanned: Cell::new(0),
                read_waker: RefCell::new(None),
                close_callback: RefCell::new(None),
                queued: Cell::new(0),
                written: Cell::new(0),
                write_wakers: RefCell::new(Vec::new()),
                flushing: Cell::new(false),
                corked: Cell::new(false),
                flush_waker: RefCell::new(None),
                handshake_waker: RefCell::new(None),
                watching: Cell::new(false),
                watch_waker: RefCell::new(None),
                unsent_tls: Cell::new(0),
            }),
        }
    }

    /// A stream over a connected TCP socket, on the current loop.
    pub fn tcp(stream: TcpStream) -> Result<IoStream> {
        Self::tcp_with(stream, StreamOptions::default())
    }

    /// [`tcp`](Self::tcp) with options.
    pub fn tcp_with(stream: TcpStream, options: StreamOptions) -> Result<IoStream> {
        let raw = Raw::Tcp(IoSource::new(stream)?);
        Ok(Self::from_transport(Transport::Plain(raw), options))
    }

    /// A stream over a connected Unix-domain socket.
    pub fn unix(stream: UnixStream) -> Result<IoStream> {
        Self::unix_with(stream, StreamOptions::default())
    }

    /// [`unix`](Self::unix) with options.
    pub fn unix_with(stream: UnixStream, options: StreamOptions) -> Result<IoStream> {
        let raw = Raw::Unix(IoSource::new(stream)?);
        Ok(Self::from_transport(Transport::Plain(raw), options))
    }

    /// A read-only stream over the reading end of a pipe
    /// (`PipeIOStream`).
    pub fn pipe_reader(receiver: pipe::Receiver) -> Result<IoStream> {
        Self::pipe_reader_with(receiver, StreamOptions::default())
    }

    /// [`pipe_reader`](Self::pipe_reader) with options
    /// (`PipeIOStream(fd, max_buffer_size=..., read_chunk_size=...)`).
    #[doc(alias = "PipeIOStream")]
    pub fn pipe_reader_with(receiver: pipe::Receiver, options: StreamOptions) -> Result<IoStream> {
        let raw = Raw::PipeReader(IoSource::new(receiver)?);
        Ok(Self::from_transport(Transport::Plain(raw), options))
    }

    /// A write-only stream over the writing end of a pipe (`PipeIOStream`).
    pub fn pipe_writer(sender: pipe::Sender) -> Result<IoStream> {
        Self::pipe_writer_with(sender, StreamOptions::default())
    }

    /// [`pipe_writer`](Self::pipe_writer) with options
    /// (`PipeIOStream(fd, max_write_buffer_size=...)`).
    #[doc(alias = "PipeIOStream")]
    pub fn pipe_writer_with(sender: pipe::Sender, options: StreamOptions) -> Result<IoStream> {
        let raw = Raw::PipeWriter(IoSource::new(sender)?);
        Ok(Self::from_transport(Transport::Plain(raw), options))
    }

    /// A server-side TLS stream over an accepted TCP socket
    /// (`SSLIOStream(server_side=True)`). The handshake runs with the first
    /// read or write, or explicitly with
    /// [`wait_for_handshake`](Self::wait_for_handshake).
    pub fn tls_server(
        stream: TcpStream,
        config: Arc<rustls::ServerConfig>,
        options: StreamOptions,
    ) -> Result<IoStream> {
        let conn = rustls::ServerConnection::new(config)?;
        let raw = Raw::Tcp(IoSource::new(stream)?);
        Ok(Self::from_transport(tls(raw, conn.into()), options))
    }

    /// A client-side TLS stream over a connected TCP socket; `server_name`
    /// is sent as SNI and checked against the certificate (unless the config
    /// skips verification).
    pub fn tls_client(
        stream: TcpStream,
        config: Arc<rustls::ClientConfig>,
        server_name: &str,
        options: StreamOptions,
    ) -> Result<IoStream> {
        let conn = client_connection(config, server_name)?;
        let raw = Raw::Tcp(IoSource::new(stream)?);
        Ok(Self::from_transport(tls(raw, conn.into()), options))
    }

    /// Connects to `address` (`IOStream.connect`), optionally from a local
    /// `source` address.
    pub async fn connect(address: SocketAddr, source: Option<SocketAddr>) -> Result<IoStream> {
        Self::connect_with(address, source, StreamOptions::default()).await
    }

    /// [`connect`](Self::connect) with options.
    pub async fn connect_with(
        address: SocketAddr,
        source: Option<SocketAddr>,
        options: StreamOptions,
    ) -> Result<IoStream> {
        let socket = socket2::Socket::new(
            socket2::Domain::for_address(address),
            socket2::Type::STREAM,
            Some(socket2::Protocol::TCP),
        )?;
        socket.set_nonblocking(true)?;
        if let Some(source) = source {
            socket.bind(&source.into())?;
        }
        match socket.connect(&address.into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc_einprogress()) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e.into()),
        }
        let stream = TcpStream::from_std(socket.into());
        let source = IoSource::new(stream)?;
        // The connection is established (or failed) when writable. A new
        // source starts out assumed ready, so "writable" may come before
        // the handshake finished: then the peer is not known yet, and we
        // wait for the real event.
        loop {
            source.writable().await;
            if let Some(e) = source.get_ref().take_error()? {
                return Err(e.into());
            }
            match source.get_ref().peer_addr() {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    source.clear_ready(tornado_ioloop::reactor::Direction::Write);
                }
                Err(e) => return Err(e.into()),
            }
        }
        let raw = Raw::Tcp(source);
        Ok(Self::from_transport(Transport::Plain(raw), options))
    }

    /// Turns a clear stream into a TLS one (`IOStream.start_tls`), for
    /// protocols that upgrade in place (SMTP's STARTTLS). No read or write
    /// may be pending and both buffers must be empty; the returned stream
    /// replaces this one.
    pub fn start_tls(self, side: TlsSide) -> Result<IoStream> {
        let inner = &self.inner;
        if inner.reading.get() || !inner.rbuf.borrow().is_empty() || !inner.wbuf.borrow().is_empty()
        {
            return Err(Error::with_message(
                ErrorKind::Tls,
                "start_tls needs an idle stream with empty buffers",
            ));
        }
        if let Some(e) = inner.error.borrow().as_deref() {
            return Err(Error::closed(Some(e)));
        }
        let transport = inner
            .transport
            .borrow_mut()
            .take()
            .ok_or_else(|| Error::new(ErrorKind::StreamClosed))?;
        let Transport::Plain(raw) = transport else {
            return Err(Error::with_message(
                ErrorKind::Tls,
                "the stream already uses TLS",
            ));
        };
        inner.closed.set(true);
        let conn: rustls::Connection = match side {
            TlsSide::Server(config) => rustls::ServerConnection::new(config)?.into(),
            TlsSide::Client {
                config,
                server_name,
            } => client_connection(config, &server_name)?.into(),
        };
        Ok(Self::from_transport(tls(raw, conn), inner.options.clone()))
    }

    /// Completes the TLS handshake (`SSLIOStream.wait_for_handshake`);
    /// immediate for a clear stream. A handshake failure (a bad certificate,
    /// plain HTTP sent to a TLS port) closes the stream with an
    /// [`ErrorKind::Tls`] error.
    pub async fn wait_for_handshake(&self) -> Result<()> {
        let result = poll_fn(|cx| {
            let mut guard = self.inner.transport.borrow_mut();
            let step = match guard.as_mut() {
                None => Poll::Ready(Err(io::Error::new(io::ErrorKind::NotConnected, "closed"))),
                Some(t) if !t.is_handshaking() => Poll::Ready(Ok(())),
                Some(t) => t.poll_handshake(cx),
            };
            drop(guard);
            match step {
                Poll::Pending => {
                    *self.inner.handshake_waker.borrow_mut() = Some(cx.waker().clone());
                }
                Poll::Ready(Ok(())) => self.inner.handshake_done(),
                Poll::Ready(Err(_)) => {}
            }
            step
        })
        .await;
        // Like Tornado's handshake future, fail with the real cause (a TLS
        // error, say), not a bare StreamClosed.
        result.map_err(|e| {
            if self.inner.closed.get() {
                return Error::closed(self.inner.error.borrow().as_deref());
            }
            let error = tls_error(e);
            self.inner.close_with(Some(error.clone()));
            error
        })
    }

    // --- reading -----------------------------------------------------------------

    /// Reads `n` bytes (`IOStream.read_bytes`). With `partial`, resolves as
    /// soon as any bytes are available, with at most `n`.
    pub async fn read_bytes(&self, n: usize, partial: bool) -> Result<Bytes> {
        self.read(Target::Bytes { n, partial }).await
    }

    /// Reads up to and including `delimiter` (`IOStream.read_until`). If
    /// `max_bytes` pass without it, fails with
    /// [`ErrorKind::UnsatisfiableRead`] and closes the stream.
    pub async fn read_until(&self, delimiter: &[u8], max_bytes: Option<usize>) -> Result<Bytes> {
        self.read(Target::Until {
            delimiter,
            max_bytes,
        })
        .await
    }

    /// Reads up to and including the first match of `regex`
    /// (`IOStream.read_until_regex`).
    pub async fn read_until_regex(&self, regex: &Regex, max_bytes: Option<usize>) -> Result<Bytes> {
        self.read(Target::Regex { regex, max_bytes }).await
    }

    /// Reads everything until the peer closes (`IOStream.read_until_close`).
    pub async fn read_until_close(&self) -> Result<Bytes> {
        self.read(Target::Close).await
    }

    /// Waits until at least one byte is buffered, without consuming it, and
    /// returns how many are. For protocols that time the wait for a
    /// message apart from reading it (an idle keep-alive connection).
    pub async fn wait_for_data(&self) -> Result<usize> {
        let inner = &*self.inner;
        if inner.reading.replace(true) {
            return Err(already_reading());
        }
        let _guard = ReadGuard(inner);
        poll_fn(|cx| inner.poll_data(cx)).await?;
        Ok(self.buffered())
    }

    /// Reads up to and including `delimiter` if the buffer already holds it,
    /// without waiting: `None` when more bytes are needed. Limits apply as in
    /// [`read_until`](Self::read_until).
    pub fn try_read_until(
        &self,
        delimiter: &[u8],
        max_bytes: Option<usize>,
    ) -> Option<Result<Bytes>> {
        let inner = &*self.inner;
        if inner.reading.get() {
            return Some(Err(already_reading()));
        }
        match inner.find(&Target::Until {
            delimiter,
            max_bytes,
        }) {
            Ok(Some(n)) => Some(Ok(inner.consume(n))),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }

    /// Takes the first `n` buffered bytes, where `n` is what `find` says
    /// after looking at the whole buffer, without waiting: `None` when
    /// `find` does (more bytes are needed). For message framings that a
    /// fixed delimiter cannot express; `find` returning more than is
    /// buffered takes everything.
    ///
    /// ```
    /// # use tornado_ioloop::IoLoop;
    /// # use tornado_iostream::IoStream;
    /// # let ioloop = IoLoop::new().unwrap();
    /// # let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// # let (a, b) = (IoStream::unix(mio::net::UnixStream::from_std(a)).unwrap(),
    /// #               IoStream::unix(mio::net::UnixStream::from_std(b)).unwrap());
    /// # ioloop.run_sync(async move {
    /// a.write(&b"one\n\ntwo"[..]).await.unwrap();
    /// b.wait_for_data().await.unwrap();
    /// // Up to the first blank line, however the lines end.
    /// let head = b.try_read_with(|buf| {
    ///     buf.windows(2).position(|w| w == b"\n\n").map(|at| at + 2)
    /// });
    /// assert_eq!(&head.unwrap().unwrap()[..], b"one\n\n");
    /// # }, None).unwrap();
    /// ```
    pub fn try_read_with(
        &self,
        find: impl FnOnce(&[u8]) -> Option<usize>,
    ) -> Option<Result<Bytes>> {
        let inner = &*self.inner;
        if inner.reading.get() {
            return Some(Err(already_reading()));
        }
        let n = {
            let rbuf = inner.rbuf.borrow();
            find(&rbuf)?.min(rbuf.len())
        };
        Some(Ok(inner.consume(n)))
    }

    /// Moves the first `n` buffered bytes into `out`, appending, where `n`
    /// is what `find` says after looking at the whole buffer, without
    /// waiting: `None` when `find` does (more bytes are needed). Returns
    /// `n`; `find` returning more than is buffered takes everything.
    ///
    /// [`try_read_with`](Self::try_read_with) for a caller that keeps the
    /// bytes in a buffer of its own: when `out` is empty and the message is
    /// all that is buffered (a request that came alone), the buffers trade
    /// places and nothing is copied or allocated. Hand `out` to
    /// [`recycle_buffer`](crate::recycle_buffer) when done with it.
    ///
    /// ```
    /// # use tornado_ioloop::IoLoop;
    /// # use tornado_iostream::IoStream;
    /// # let ioloop = IoLoop::new().unwrap();
    /// # let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// # let (a, b) = (IoStream::unix(mio::net::UnixStream::from_std(a)).unwrap(),
    /// #               IoStream::unix(mio::net::UnixStream::from_std(b)).unwrap());
    /// # ioloop.run_sync(async move {
    /// a.write(&b"one\ntwo\n"[..]).await.unwrap();
    /// b.wait_for_data().await.unwrap();
    /// let mut line = bytes::BytesMut::new();
    /// let n = b.try_read_with_into(|buf| buf.iter().position(|&c| c == b'\n').map(|at| at + 1), &mut line);
    /// assert_eq!(n.unwrap().unwrap(), 4);
    /// assert_eq!(&line[..], b"one\n");
    /// tornado_iostream::recycle_buffer(line);
    /// # }, None).unwrap();
    /// ```
    pub fn try_read_with_into(
        &self,
        find: impl FnOnce(&[u8]) -> Option<usize>,
        out: &mut BytesMut,
    ) -> Option<Result<usize>> {
        let inner = &*self.inner;
        if inner.reading.get() {
            return Some(Err(already_reading()));
        }
        let mut rbuf = inner.rbuf.borrow_mut();
        let n = find(&rbuf)?.min(rbuf.len());
        inner.scanned.set(0);
        if n == rbuf.len() && out.is_empty() {
            std::mem::swap(out, &mut *rbuf);
        } else {
            if out.capacity() == 0 && n <= POOLED_CAPACITY {
                *out = take_buffer();
            }
            out.extend_from_slice(&rbuf[..n]);
            bytes::Buf::advance(&mut *rbuf, n);
        }
        release_if_drained(&mut rbuf);
        Some(Ok(n))
    }

    /// Takes up to `n` buffered bytes without waiting (`None` when the buffer
    /// is empty).
    pub fn try_read_bytes(&self, n: usize) -> Option<Bytes> {
        let inner = &*self.inner;
        let available = inner.rbuf.borrow().len().min(n);
        (available > 0 && !inner.reading.get()).then(|| inner.consume(available))
    }

    /// Fills `buf` (`IOStream.read_into`); with `partial`, returns as soon
    /// as some bytes arrived. Returns the count.
    ///
    /// Buffered bytes are copied first; the rest is read from the socket
    /// straight into `buf`, so bulk reads into a reused buffer cost no copy.
    pub async fn read_into(&self, buf: &mut [u8], partial: bool) -> Result<usize> {
        let inner = &*self.inner;
        if inner.reading.replace(true) {
            return Err(already_reading());
        }
        let _guard = ReadGuard(inner);
        let mut filled = 0;
        poll_fn(|cx| inner.poll_read_into(cx, buf, &mut filled, partial)).await
    }

    async fn read(&self, target: Target<'_>) -> Result<Bytes> {
        let inner = &*self.inner;
        if inner.reading.replace(true) {
            return Err(already_reading());
        }
        let _guard = ReadGuard(inner);
        // The fast path: the buffer already holds the answer.
        if let Some(n) = inner.find(&target)? {
            return Ok(inner.consume(n));
        }
        poll_fn(|cx| inner.poll_read_target(cx, &target)).await
    }

    // --- writing ---------------------------------------------------------------

    /// Queues `data` and returns a future that resolves once it has been
    /// handed to the kernel (`IOStream.write`). The data goes out whether
    /// or not the future is awaited. Small writes are copied together;
    /// large ones are kept as they are; everything queued leaves in vectored
    /// writes.
    pub fn write(&self, data: impl Into<Bytes>) -> WriteFuture {
        let mut data = data.into();
        if let Some(done) = self.inner.write_direct(&mut data) {
            return done;
        }
        self.write_all([data])
    }

    /// Formats output straight into the write buffer: `fill` appends to it,
    /// and the bytes go out like those of [`write`](Self::write). Saves the
    /// allocation and copy of building a small message (a response head and
    /// body) in a buffer of its own first.
    pub fn write_with(&self, fill: impl FnOnce(&mut BytesMut)) -> WriteFuture {
        let inner = &self.inner;
        if inner.closed.get() {
            return WriteFuture::failed(Error::closed(inner.error.borrow().as_deref()));
        }
        let mut wbuf = inner.wbuf.borrow_mut();
        let added = wbuf.append_with(fill);
        if let Some(max) = inner.options.max_write_buffer_size {
            if wbuf.len() > max {
                wbuf.truncate_tail(added);
                return WriteFuture::failed(Error::with_message(
                    ErrorKind::StreamBufferFull,
                    "reached maximum write buffer size",
                ));
            }
        }
        drop(wbuf);
        self.queued(added)
    }

    /// [`write_with`](Self::write_with) whose `fill` may fail: on `Err`,
    /// whatever it appended is taken back and nothing is sent.
    pub fn try_write_with<E: From<Error>>(
        &self,
        fill: impl FnOnce(&mut BytesMut) -> std::result::Result<(), E>,
    ) -> std::result::Result<WriteFuture, E> {
        let mut outcome = Ok(());
        let future = self.write_with(|buf| {
            let before = buf.len();
            outcome = fill(buf);
            if outcome.is_err() {
                buf.truncate(before);
            }
        });
        outcome?;
        if let Some(error) = future.error.clone() {
            return Err(error.into());
        }
        Ok(future)
    }

    /// Corks the stream if it is not corked yet; true when this call did
    /// (so the caller uncorks it after).
    pub fn hold(&self) -> bool {
        !self.inner.corked.replace(true)
    }

    /// Queues several buffers at once (a response head and body, say), to
    /// leave in one vectored write when the socket takes them.
    pub fn write_all(&self, parts: impl IntoIterator<Item = Bytes>) -> WriteFuture {
        let inner = &self.inner;
        if inner.closed.get() {
            return WriteFuture::failed(Error::closed(inner.error.borrow().as_deref()));
        }
        let mut wbuf = inner.wbuf.borrow_mut();
        let mut added = 0;
        for part in parts {
            added += part.len();
            if let Some(max) = inner.options.max_write_buffer_size {
                if wbuf.len() + part.len() > max {
                    return WriteFuture::failed(Error::with_message(
                        ErrorKind::StreamBufferFull,
                        "reached maximum write buffer size",
                    ));
                }
            }
            wbuf.push(part);
        }
        drop(wbuf);
        self.queued(added)
    }

    /// Accounts for `added` newly queued bytes and sends them unless the
    /// stream is corked; the future resolves once they reached the kernel.
    fn queued(&self, added: usize) -> WriteFuture {
        let inner = &self.inner;
        inner.queued.set(inner.queued.get() + added as u64);
        let corked = inner.corked.get() && inner.wbuf.borrow().len() < CORK_LIMIT;
        if !corked {
            self.start_flush();
        }
        WriteFuture {
            stream: Some(self.inner.clone()),
            mark: inner.queued.get(),
            error: None,
        }
    }

    /// Writes out what is queued now: at once as far as the socket takes
    /// it, the rest in the background.
    fn start_flush(&self) {
        let inner = &self.inner;
        if inner.flushing.get() || inner.wbuf.borrow().is_empty() && !self.writing() {
            return;
        }
        // Try at once; only what the socket does not take waits for a
        // background flush.
        let mut cx = Context::from_waker(Waker::noop());
        if inner.poll_flush(&mut cx).is_pending() {
            inner.flushing.set(true);
            let flusher = self.inner.clone();
            inner.ioloop.spawn_detached(async move {
                poll_fn(|cx| flusher.poll_flush(cx)).await;
                flusher.flushing.set(false);
            });
        }
    }

    /// Holds writes back (`true`) so that several responses leave in one
    /// system call, or lets them go (`false`, which flushes what was held),
    /// like `TCP_CORK`. A pipelining HTTP connection corks while more
    /// requests are buffered. Held data past 64 KiB is written anyway.
    pub fn set_corked(&self, corked: bool) {
        let was = self.inner.corked.replace(corked);
        if was && !corked {
            self.start_flush();
        }
    }

    // --- state -----------------------------------------------------------------

    /// Closes the stream (`IOStream.close`): pending reads fail (after
    /// whatever buffered data satisfies them), unwritten data is dropped, and
    /// the close callback runs on the loop's next turn. `error` is recorded
    /// as the cause.
    pub fn close(&self, error: Option<io::Error>) {
        self.inner.close_with(error.map(Error::from));
    }

    /// True once closed, by either side (`IOStream.closed`).
    pub fn closed(&self) -> bool {
        self.inner.closed.get()
    }

    /// The error that closed the stream, if any (`IOStream.error`).
    pub fn error(&self) -> Option<Error> {
        self.inner.error.borrow().as_deref().cloned()
    }

    /// Runs `callback` once when the stream closes
    /// (`IOStream.set_close_callback`).
    ///
    /// As in Tornado, the close is noticed even while no read is pending:
    /// the stream then keeps reading in the background into its buffer (at
    /// most `read_chunk_size` bytes ahead, unlike Tornado, which reads up
    /// to `max_buffer_size`), so that the peer's end of stream is seen.
    pub fn set_close_callback(&self, callback: impl FnOnce() + 'static) {
        let inner = &self.inner;
        if inner.closed.get() {
            inner.ioloop.add_callback(callback);
            return;
        }
        *inner.close_callback.borrow_mut() = Some(Box::new(callback));
        let readable = inner
            .transport
            .borrow()
            .as_ref()
            .is_some_and(|t| t.raw().can_read());
        if readable && !inner.watching.replace(true) {
            let weak = Rc::downgrade(inner);
            let _detached = inner.ioloop.spawn(poll_fn(move |cx| match weak.upgrade() {
                Some(inner) => inner.poll_watch(cx),
                None => Poll::Ready(()),
            }));
        }
    }

    /// True while a read is pending (`IOStream.reading`).
    pub fn reading(&self) -> bool {
        self.inner.reading.get()
    }

    /// True while written data waits to go out (`IOStream.writing`).
    pub fn writing(&self) -> bool {
        !self.inner.wbuf.borrow().is_empty()
            || self
                .inner
                .transport
                .borrow()
                .as_ref()
                .is_some_and(Transport::wants_write)
    }

    /// Bytes received and not yet read.
    pub fn buffered(&self) -> usize {
        self.inner.rbuf.borrow().len()
    }

    /// Bytes written and not yet taken by the kernel (Tornado's
    /// `_write_buffer_size`).
    pub fn pending_output(&self) -> usize {
        self.inner.wbuf.borrow().len()
    }

    /// Bytes the kernel has taken since the stream opened: a writer's
    /// progress, for a send timeout that only fires when none is made (no
    /// Tornado counterpart).
    pub fn bytes_written(&self) -> u64 {
        self.inner.written.get()
    }

    /// Resolves once everything written so far has reached the kernel, as
    /// the future of the last [`write`](Self::write) would (no Tornado
    /// counterpart: there, each write's future does this). Held output is
    /// not released: uncork first with [`set_corked`](Self::set_corked).
    pub fn flush(&self) -> WriteFuture {
        let inner = &self.inner;
        if inner.written.get() >= inner.queued.get() && !self.writing() {
            return WriteFuture {
                stream: None,
                mark: 0,
                error: None,
            };
        }
        WriteFuture {
            stream: Some(inner.clone()),
            mark: inner.queued.get(),
            error: None,
        }
    }

    /// The heap bytes this stream's buffers hold now (for measuring idle
    /// memory).
    pub fn buffer_capacity(&self) -> usize {
        self.inner.rbuf.borrow().capacity() + self.inner.wbuf.borrow().len()
    }

    /// Sets `TCP_NODELAY` (`IOStream.set_nodelay`); no-op for other
    /// transports.
    pub fn set_nodelay(&self, nodelay: bool) -> Result<()> {
        let transport = self.inner.transport.borrow();
        if let Some(tcp) = transport.as_ref().and_then(|t| t.raw().tcp()) {
            tcp.set_nodelay(nodelay)?;
        }
        Ok(())
    }

    /// True for a TLS stream.
    pub fn is_tls(&self) -> bool {
        self.inner
            .transport
            .borrow()
            .as_ref()
            .is_some_and(Transport::is_tls)
    }

    /// The peer's address, for TCP streams.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        let transport = self.inner.transport.borrow();
        transport.as_ref()?.raw().tcp()?.peer_addr().ok()
    }

    /// The local address, for TCP streams.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        let transport = self.inner.transport.borrow();
        transport.as_ref()?.raw().tcp()?.local_addr().ok()
    }

    /// The descriptor, while open (`IOStream.fileno`).
    pub fn fileno(&self) -> Option<RawFd> {
        let transport = self.inner.transport.borrow();
        let raw = transport.as_ref()?.raw();
        raw.tcp()
            .map(AsRawFd::as_raw_fd)
            .or_else(|| raw.unix().map(AsRawFd::as_raw_fd))
    }

    /// The loop this stream runs on.
    pub fn ioloop(&self) -> &IoLoop {
        &self.inner.ioloop
    }
}

/// Which end of a TLS connection [`IoStream::start_tls`] makes.
#[derive(Debug)]
pub enum TlsSide {
    /// The server end.
    Server(Arc<rustls::ServerConfig>),
    /// The client end, checking the certificate against `server_name`.
    Client {
        /// The client configuration.
        config: Arc<rustls::ClientConfig>,
        /// The name sent as SNI and verified.
        server_name: String,
    },
}

fn tls(raw: Raw, mut conn: rustls::Connection) -> Transport {
    // Bound what rustls buffers, so that our write buffer stays the one
    // place unsent data waits.
    conn.set_buffer_limit(Some(64 * 1024));
    Transport::Tls {
        raw,
        conn: Box::new(conn),
        eof: false,
    }
}

fn client_connection(
    config: Arc<rustls::ClientConfig>,
    server_name: &str,
) -> Result<rustls::ClientConnection> {
    let name = rustls::pki_types::ServerName::try_from(server_name.to_owned()).map_err(|e| {
        Error::with_source(
            ErrorKind::Tls,
            format!("invalid server name {server_name:?}: {e}"),
        )
    })?;
    Ok(rustls::ClientConnection::new(config, name)?)
}

fn tls_error(e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::InvalidData {
        Error::with_source(ErrorKind::Tls, e)
    } else {
        Error::from(e)
    }
}

/// Errors that mean the peer went away, which Tornado treats as a close.
fn is_connreset(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::TimedOut
    )
}

const fn libc_einprogress() -> i32 {
    // EINPROGRESS on Linux and the BSDs.
    if cfg!(target_os = "linux") { 115 } else { 36 }
}

impl Inner {
    /// How many buffered bytes answer `target`, if the buffer can.
    fn find(&self, target: &Target<'_>) -> Result<Option<usize>> {
        let rbuf = self.rbuf.borrow();
        match *target {
            Target::Bytes { n, partial } => {
                if rbuf.len() >= n || (partial && !rbuf.is_empty()) {
                    Ok(Some(n.min(rbuf.len())))
                } else {
                    Ok(None)
                }
            }
            Target::Until {
                delimiter,
                max_bytes,
            } => {
                let from = self.scanned.get().min(rbuf.len());
                match find_delimiter(&rbuf[from..], delimiter) {
                    Some(at) => {
                        let end = from + at + delimiter.len();
                        self.check_max(max_bytes, end)?;
                        Ok(Some(end))
                    }
                    None => {
                        self.scanned
                            .set(rbuf.len().saturating_sub(delimiter.len().saturating_sub(1)));
                        self.check_max(max_bytes, rbuf.len())?;
                        Ok(None)
                    }
                }
            }
            Target::Regex { regex, max_bytes } => match regex.find(&rbuf) {
                Some(m) => {
                    self.check_max(max_bytes, m.end())?;
                    Ok(Some(m.end()))
                }
                None => {
                    self.check_max(max_bytes, rbuf.len())?;
                    Ok(None)
                }
            },
            Target::Close => Ok(None),
        }
    }

    /// True if the stream closed without an error, or with one that
    /// counts as a normal close (Tornado's `_is_connreset`).
    fn closed_cleanly(&self) -> bool {
        match self.error.borrow().as_deref() {
            None => true,
            Some(e) => e.kind() == ErrorKind::Io && e.io_error().is_some_and(is_connreset),
        }
    }

    fn check_max(&self, max_bytes: Option<usize>, size: usize) -> Result<()> {
        match max_bytes {
            Some(max) if size > max => {
                let error = Error::with_message(
                    ErrorKind::UnsatisfiableRead,
                    "delimiter not found within max_bytes",
                );
                self.close_with(Some(error.clone()));
                Err(error)
            }
            _ => Ok(()),
        }
    }

    fn consume(&self, n: usize) -> Bytes {
        self.scanned.set(0);
        if n == 0 {
            // (A zero-byte read): splitting nothing off would still turn the
            // buffer into a shared one.
            return Bytes::new();
        }
        let mut rbuf = self.rbuf.borrow_mut();
        if n == rbuf.len() {
            if 2 * n >= rbuf.capacity() {
                // The whole buffer, mostly full: hand it over as it is (no
                // copy) and hold no read memory while idle.
                return std::mem::take(&mut *rbuf).freeze();
            }
            // A little data in a pooled buffer: copy it out and keep the
            // buffer for the next read.
            let data = Bytes::copy_from_slice(&rbuf);
            recycle_buffer(std::mem::take(&mut *rbuf));
            return data;
        }
        let data = rbuf.split_to(n).freeze();
        release_if_drained(&mut rbuf);
        data
    }

    /// The reader's waker, kept for the transport's readiness.
    fn register_reader(&self, cx: &Context<'_>) {
        let mut slot = self.read_waker.borrow_mut();
        match &*slot {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
    }

    /// One read into the buffer: ready once bytes arrived or the stream
    /// closed (end of stream or error, recorded by closing); pending, with
    /// the reader's waker kept, when the transport has nothing yet.
    fn fill_or_park(&self, cx: &mut Context<'_>) -> Poll<()> {
        match self.poll_fill(cx) {
            Poll::Ready(Ok(0)) => self.close_with(None),
            Poll::Ready(Ok(_)) => {}
            Poll::Ready(Err(e)) => self.close_with(Some(e)),
            Poll::Pending => {
                self.register_reader(cx);
                return Poll::Pending;
            }
        }
        Poll::Ready(())
    }

    /// `wait_for_data`'s step: ready once a byte is buffered (nothing is
    /// consumed), an error once the stream closed with nothing buffered.
    fn poll_data(&self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        loop {
            if !self.rbuf.borrow().is_empty() {
                return Poll::Ready(Ok(()));
            }
            if self.closed.get() {
                return Poll::Ready(Err(Error::closed(self.error.borrow().as_deref())));
            }
            if self.fill_or_park(cx).is_pending() {
                return Poll::Pending;
            }
        }
    }

    fn poll_read_target(&self, cx: &mut Context<'_>, target: &Target<'_>) -> Poll<Result<Bytes>> {
        loop {
            if let Some(n) = self.find(target)? {
                return Poll::Ready(Ok(self.consume(n)));
            }
            if self.closed.get() {
                // Buffered data that answers the read was delivered above;
                // only read_until_close takes what is left (Tornado's order).
                // After a close with a real error it fails instead, so that
                // a truncated body never passes for a complete one; a reset
                // counts as a normal close (a peer that closed cleanly may be
                // reported as one).
                if matches!(target, Target::Close) && self.closed_cleanly() {
                    let buffered = self.rbuf.borrow().len();
                    return Poll::Ready(Ok(self.consume(buffered)));
                }
                return Poll::Ready(Err(Error::closed(self.error.borrow().as_deref())));
            }
            if self.rbuf.borrow().len() >= self.options.max_buffer_size {
                let error = Error::with_message(
                    ErrorKind::StreamBufferFull,
                    "reached maximum read buffer size",
                );
                self.close_with(Some(error.clone()));
                return Poll::Ready(Err(error));
            }
            if self.fill_or_park(cx).is_pending() {
                return Poll::Pending;
            }
        }
    }

    /// Reads once from the transport into the buffer; `Ok(0)` at the end.
    fn poll_fill(&self, cx: &mut Context<'_>) -> Poll<Result<usize>> {
        let room = self.options.max_buffer_size - self.rbuf.borrow().len();
        let want = self.options.chunk().min(room).max(1);
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            if scratch.len() < want {
                scratch.resize(want, 0);
            }
            let result = self.poll_read_raw(cx, &mut scratch[..want]);
            if let Poll::Ready(Ok(n)) = result {
                let mut rbuf = self.rbuf.borrow_mut();
                if rbuf.capacity() == 0 && n > 0 {
                    // A pooled buffer when what arrived fits one (no
                    // allocation per message); otherwise one allocation of
                    // exactly what arrived.
                    *rbuf = if n <= POOLED_CAPACITY {
                        take_buffer()
                    } else {
                        BytesMut::with_capacity(n)
                    };
                }
                rbuf.extend_from_slice(&scratch[..n]);
            }
            result
        })
    }

    /// Reads once from the transport into `buf`; `Ok(0)` at the end.
    fn poll_read_raw(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<Result<usize>> {
        let want = buf.len();
        let mut guard = self.transport.borrow_mut();
        let Some(transport) = guard.as_mut() else {
            return Poll::Ready(Ok(0));
        };
        let handshaking = transport.is_handshaking();
        let result = transport.poll_read(cx, buf);
        if let (Poll::Ready(Ok(n)), Transport::Plain(raw)) = (&result, &*transport) {
            if *n > 0 && *n < want {
                raw.clear_read_ready();
            }
        }
        let finished_handshake = handshaking && !transport.is_handshaking();
        drop(guard);
        if finished_handshake {
            self.handshake_done();
        }
        match result {
            Poll::Ready(Ok(n)) => Poll::Ready(Ok(n)),
            Poll::Ready(Err(e)) => Poll::Ready(Err(tls_error(e))),
            Poll::Pending => Poll::Pending,
        }
    }

    /// `read_into`'s step: buffered bytes first, then straight from the
    /// transport into the caller's buffer (no copy through our buffer).
    fn poll_read_into(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        filled: &mut usize,
        partial: bool,
    ) -> Poll<Result<usize>> {
        loop {
            {
                let mut rbuf = self.rbuf.borrow_mut();
                let take = rbuf.len().min(buf.len() - *filled);
                if take > 0 {
                    buf[*filled..*filled + take].copy_from_slice(&rbuf[..take]);
                    bytes::Buf::advance(&mut *rbuf, take);
                    *filled += take;
                    release_if_drained(&mut rbuf);
                }
            }
            if *filled == buf.len() || (partial && *filled > 0) {
                return Poll::Ready(Ok(*filled));
            }
            if self.closed.get() {
                return Poll::Ready(Err(Error::closed(self.error.borrow().as_deref())));
            }
            match self.poll_read_raw(cx, &mut buf[*filled..]) {
                Poll::Ready(Ok(0)) => self.close_with(None),
                Poll::Ready(Ok(n)) => *filled += n,
                Poll::Ready(Err(e)) => self.close_with(Some(e)),
                Poll::Pending => {
                    self.register_reader(cx);
                    return Poll::Pending;
                }
            }
        }
    }

    /// Writes queued data until the buffer is empty (ready) or the socket is
    /// full (pending). A write error closes the stream.
    fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<()> {
        let result = self.poll_flush_once(cx);
        if result.is_pending() {
            // A reader that finishes the TLS handshake wakes us through this.
            *self.flush_waker.borrow_mut() = Some(cx.waker().clone());
        }
        result
    }

    fn poll_flush_once(&self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if self.closed.get() {
                return Poll::Ready(());
            }
            let wbuf = self.wbuf.borrow();
            let mut guard = self.transport.borrow_mut();
            let Some(transport) = guard.as_mut() else {
                return Poll::Ready(());
            };
            if transport.is_handshaking() && !wbuf.is_empty() {
                // Data waits for the handshake: drive it from here too, or a
                // side that only writes would never finish it.
                let step = transport.poll_handshake(cx);
                drop((wbuf, guard));
                match step {
                    Poll::Ready(Ok(())) => {
                        self.handshake_done();
                        continue;
                    }
                    Poll::Ready(Err(e)) => {
                        self.close_with(Some(tls_error(e)));
                        return Poll::Ready(());
                    }
                    Poll::Pending => return Poll::Pending,
                }
            }
            if wbuf.is_empty() {
                let flushed = transport.poll_flush_tls(cx);
                drop((wbuf, guard));
                return match flushed {
                    Poll::Ready(Ok(())) => {
                        self.credit_tls();
                        self.wake_writers();
                        Poll::Ready(())
                    }
                    Poll::Ready(Err(e)) => {
                        self.close_with(Some(e.into()));
                        Poll::Ready(())
                    }
                    Poll::Pending => Poll::Pending,
                };
            }
            let result = match wbuf.only_piece() {
                Some(piece) => transport.poll_write_vectored(cx, &[IoSlice::new(piece)]),
                None => {
                    let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
                    let n = wbuf.slices(&mut slices);
                    transport.poll_write_vectored(cx, &slices[..n])
                }
            };
            let records_pending = transport.wants_write();
            drop((wbuf, guard));
            match result {
                Poll::Ready(Ok(n)) => {
                    let drained = {
                        let mut wbuf = self.wbuf.borrow_mut();
                        wbuf.advance(n);
                        wbuf.is_empty()
                    };
                    // Bytes taken by rustls count as written only once its
                    // records have all gone to the kernel.
                    self.unsent_tls.set(self.unsent_tls.get() + n as u64);
                    if !records_pending {
                        self.credit_tls();
                        if drained {
                            // All out (the usual case): done, without
                            // another turn of the loop to find that out.
                            self.wake_writers();
                            return Poll::Ready(());
                        }
                    }
                }
                Poll::Ready(Err(e)) => {
                    self.close_with(Some(e.into()));
                    return Poll::Ready(());
                }
                Poll::Pending => {
                    self.wake_writers();
                    return Poll::Pending;
                }
            }
        }
    }

    /// The close watcher: reads ahead while no read is pending, so that the
    /// peer's close (or a reset) is noticed and the close callback runs.
    fn poll_watch(&self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if self.closed.get() {
                return Poll::Ready(());
            }
            if self.reading.get() || self.rbuf.borrow().len() >= self.options.chunk() {
                // A read owns the socket now (its end wakes us), or enough
                // is buffered: stand aside.
                *self.watch_waker.borrow_mut() = Some(cx.waker().clone());
                return Poll::Pending;
            }
            match self.poll_fill(cx) {
                Poll::Ready(Ok(0)) => self.close_with(None),
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => self.close_with(Some(e)),
                Poll::Pending => {
                    *self.watch_waker.borrow_mut() = Some(cx.waker().clone());
                    return Poll::Pending;
                }
            }
        }
    }

    /// The TLS handshake finished. Whoever finished it may have taken the
    /// socket's readiness from a task waiting for it (a stream has one
    /// readiness slot per direction), so wake every party that may wait:
    /// the reader, the background flush and `wait_for_handshake`.
    fn handshake_done(&self) {
        let wakers = [
            self.read_waker.borrow_mut().take(),
            self.flush_waker.borrow_mut().take(),
            self.handshake_waker.borrow_mut().take(),
        ];
        for w in wakers.into_iter().flatten() {
            w.wake();
        }
    }

    /// Counts the bytes rustls took as written, once it has no records left
    /// to send.
    fn credit_tls(&self) {
        let n = self.unsent_tls.replace(0);
        self.written.set(self.written.get() + n);
    }

    /// The fast path of `write`: with nothing queued on a clear transport,
    /// write straight from the caller's buffer, so that a response that the
    /// socket takes whole is neither copied nor queued. Leaves in `data` what
    /// the socket did not take; `Some` when nothing is left to do.
    fn write_direct(&self, data: &mut Bytes) -> Option<WriteFuture> {
        if self.closed.get()
            || self.flushing.get()
            || self.corked.get()
            || !self.wbuf.borrow().is_empty()
        {
            return None;
        }
        if self
            .options
            .max_write_buffer_size
            .is_some_and(|max| data.len() > max)
        {
            return None; // refused whole by `write_all`, as Tornado does
        }
        let result = {
            let mut transport = self.transport.borrow_mut();
            match transport.as_mut() {
                Some(t) if !t.is_tls() => {
                    let mut cx = Context::from_waker(Waker::noop());
                    t.poll_write_vectored(&mut cx, &[IoSlice::new(data)])
                }
                _ => return None,
            }
        };
        match result {
            Poll::Ready(Ok(n)) => {
                let n = n.min(data.len());
                self.queued.set(self.queued.get() + n as u64);
                self.written.set(self.written.get() + n as u64);
                // `advance` keeps a whole-buffer `Bytes` unshared.
                bytes::Buf::advance(data, n);
                data.is_empty().then(|| WriteFuture {
                    stream: None,
                    mark: 0,
                    error: None,
                })
            }
            Poll::Ready(Err(e)) => {
                self.close_with(Some(e.into()));
                Some(WriteFuture::failed(Error::closed(
                    self.error.borrow().as_deref(),
                )))
            }
            Poll::Pending => None,
        }
    }

    fn wake_writers(&self) {
        if self.write_wakers.borrow().is_empty() {
            return;
        }
        let wakers = std::mem::take(&mut *self.write_wakers.borrow_mut());
        for w in wakers {
            w.wake();
        }
    }

    fn close_with(&self, error: Option<Error>) {
        if self.closed.replace(true) {
            return;
        }
        if error.is_some() {
            *self.error.borrow_mut() = error.map(Box::new);
        }
        let transport = self.transport.borrow_mut().take();
        if let Some(mut transport) = transport {
            if self.error.borrow().is_none() {
                transport.goodbye();
            }
            drop(transport); // deregisters and closes the descriptor
        }
        self.wbuf.borrow_mut().clear();
        self.handshake_done(); // wakes the reader, the flush and the handshake
        self.wake_writers();
        let callback = self.close_callback.borrow_mut().take();
        if let Some(callback) = callback {
            self.ioloop.add_callback(callback);
        }
    }
}

/// The future of [`IoStream::write`]: resolves once the data has been handed
/// to the kernel, or fails if the stream closes first. Dropping it does not
/// cancel the write.
#[must_use = "the data is sent either way; await to know when it left or failed"]
pub struct WriteFuture {
    stream: Option<Rc<Inner>>,
    mark: u64,
    error: Option<Error>,
}

impl fmt::Debug for WriteFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteFuture")
            .field("mark", &self.mark)
            .finish()
    }
}

impl WriteFuture {
    fn failed(error: Error) -> Self {
        WriteFuture {
            stream: None,
            mark: 0,
            error: Some(error),
        }
    }
}

impl Future for WriteFuture {
    type Output = Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        if let Some(error) = self.error.take() {
            return Poll::Ready(Err(error));
        }
        let Some(inner) = self.stream.as_ref() else {
            return Poll::Ready(Ok(()));
        };
        if inner.written.get() >= self.mark {
            return Poll::Ready(Ok(()));
        }
        if inner.closed.get() {
            return Poll::Ready(Err(Error::closed(inner.error.borrow().as_deref())));
        }
        inner.write_wakers.borrow_mut().push(cx.waker().clone());
        Poll::Pending
    }
}

/// Finds `delimiter` in `haystack`. Short delimiters (HTTP's `\r\n\r\n`,
/// a line's `\n`) in short buffers are found by scanning for their first
/// byte, which beats building a substring searcher per call.
/// The error of a read started while another is pending (Tornado's
/// "Already reading").
/// Gives a drained read buffer back to the pool: an idle stream holds no
/// read buffer.
fn release_if_drained(rbuf: &mut BytesMut) {
    if rbuf.is_empty() && rbuf.capacity() > 0 {
        recycle_buffer(std::mem::take(rbuf));
    }
}

fn already_reading() -> Error {
    Error::with_message(ErrorKind::AlreadyReading, "another read is pending")
}

fn find_delimiter(haystack: &[u8], delimiter: &[u8]) -> Option<usize> {
    match delimiter {
        [] => Some(0),
        [byte] => memchr::memchr(*byte, haystack),
        [first, rest @ ..] if delimiter.len() <= 8 && haystack.len() <= 4096 => {
            // Short delimiters (HTTP's CRLFCRLF): compared inline, no call.
            memchr::memchr_iter(*first, haystack).find(|&at| {
                let tail = &haystack[at + 1..];
                tail.len() >= rest.len() && rest.iter().zip(tail).all(|(a, b)| a == b)
            })
        }
        _ => memchr::memmem::find(haystack, delimiter),
    }
}
