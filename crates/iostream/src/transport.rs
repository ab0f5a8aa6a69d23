//! What a stream reads from and writes to: a socket or pipe, optionally
//! wrapped in TLS.

use std::io::{self, IoSlice, Read, Write};
use std::task::{Context, Poll};

use mio::net::{TcpStream, UnixStream};
use mio::unix::pipe;
use tornado_ioloop::IoSource;

/// A raw byte transport registered with the loop.
pub(crate) enum Raw {
    Tcp(IoSource<TcpStream>),
    Unix(IoSource<UnixStream>),
    PipeReader(IoSource<pipe::Receiver>),
    PipeWriter(IoSource<pipe::Sender>),
}

fn unsupported(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!("cannot {what} this end of a pipe"),
    )
}

impl Raw {
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self {
            Raw::Tcp(s) => s.poll_read_with(cx, |mut s| s.read(buf)),
            Raw::Unix(s) => s.poll_read_with(cx, |mut s| s.read(buf)),
            Raw::PipeReader(s) => s.poll_read_with(cx, |mut s| s.read(buf)),
            Raw::PipeWriter(_) => Poll::Ready(Err(unsupported("read from"))),
        }
    }

    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // One buffer (a typical response or echo) goes out with a plain
        // `write`, which costs the kernel less than `writev`.
        if let [buf] = bufs {
            return match self {
                Raw::Tcp(s) => s.poll_write_with(cx, |mut s| s.write(buf)),
                Raw::Unix(s) => s.poll_write_with(cx, |mut s| s.write(buf)),
                Raw::PipeWriter(s) => s.poll_write_with(cx, |mut s| s.write(buf)),
                Raw::PipeReader(_) => Poll::Ready(Err(unsupported("write to"))),
            };
        }
        match self {
            Raw::Tcp(s) => s.poll_write_with(cx, |mut s| s.write_vectored(bufs)),
            Raw::Unix(s) => s.poll_write_with(cx, |mut s| s.write_vectored(bufs)),
            Raw::PipeWriter(s) => s.poll_write_with(cx, |mut s| s.write_vectored(bufs)),
            Raw::PipeReader(_) => Poll::Ready(Err(unsupported("write to"))),
        }
    }

    /// Moves TLS records from the socket into rustls.
    pub(crate) fn poll_read_tls(
        &self,
        cx: &mut Context<'_>,
        conn: &mut rustls::Connection,
    ) -> Poll<io::Result<usize>> {
        match self {
            Raw::Tcp(s) => s.poll_read_with(cx, |mut s| conn.read_tls(&mut s)),
            Raw::Unix(s) => s.poll_read_with(cx, |mut s| conn.read_tls(&mut s)),
            _ => Poll::Ready(Err(unsupported("use TLS on"))),
        }
    }

    /// Moves TLS records from rustls to the socket.
    pub(crate) fn poll_write_tls(
        &self,
        cx: &mut Context<'_>,
        conn: &mut rustls::Connection,
    ) -> Poll<io::Result<usize>> {
        match self {
            Raw::Tcp(s) => s.poll_write_with(cx, |mut s| conn.write_tls(&mut s)),
            Raw::Unix(s) => s.poll_write_with(cx, |mut s| conn.write_tls(&mut s)),
            _ => Poll::Ready(Err(unsupported("use TLS on"))),
        }
    }

    /// False for the writing end of a pipe.
    pub(crate) fn can_read(&self) -> bool {
        !matches!(self, Raw::PipeWriter(_))
    }

    /// Forgets read readiness after a short read of a stream socket or pipe:
    /// a read that returned less than it asked for drained the kernel
    /// buffer, and edge-triggered polling reports the next arrival, so the
    /// next attempt can wait at once instead of costing a `WouldBlock`
    /// system call.
    pub(crate) fn clear_read_ready(&self) {
        use tornado_ioloop::reactor::Direction;
        match self {
            Raw::Tcp(s) => s.clear_ready(Direction::Read),
            Raw::Unix(s) => s.clear_ready(Direction::Read),
            Raw::PipeReader(s) => s.clear_ready(Direction::Read),
            Raw::PipeWriter(_) => {}
        }
    }

    pub(crate) fn tcp(&self) -> Option<&TcpStream> {
        match self {
            Raw::Tcp(s) => Some(s.get_ref()),
            _ => None,
        }
    }

    pub(crate) fn unix(&self) -> Option<&UnixStream> {
        match self {
            Raw::Unix(s) => Some(s.get_ref()),
            _ => None,
        }
    }
}

/// A raw transport, in clear or in TLS.
pub(crate) enum Transport {
    Plain(Raw),
    Tls {
        raw: Raw,
        conn: Box<rustls::Connection>,
        /// The socket reached end of file.
        eof: bool,
    },
}

impl Transport {
    pub(crate) fn raw(&self) -> &Raw {
        match self {
            Transport::Plain(raw) | Transport::Tls { raw, .. } => raw,
        }
    }

    pub(crate) fn is_tls(&self) -> bool {
        matches!(self, Transport::Tls { .. })
    }

    /// True while a TLS handshake is under way.
    pub(crate) fn is_handshaking(&self) -> bool {
        matches!(self, Transport::Tls { conn, .. } if conn.is_handshaking())
    }

    /// Reads plain bytes: `Ok(0)` at end of stream.
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self {
            Transport::Plain(raw) => raw.poll_read(cx, buf),
            Transport::Tls { raw, conn, eof } => poll_read_tls_plain(raw, conn, eof, cx, buf),
        }
    }

    /// Drives a TLS handshake to completion; ready at once in clear.
    pub(crate) fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Transport::Tls { raw, conn, eof } = self else {
            return Poll::Ready(Ok(()));
        };
        while conn.is_handshaking() {
            if conn.wants_write() {
                match raw.poll_write_tls(cx, conn) {
                    Poll::Ready(Ok(_)) => continue,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            if *eof {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed during the TLS handshake",
                )));
            }
            match raw.poll_read_tls(cx, conn) {
                Poll::Ready(Ok(0)) => *eof = true,
                Poll::Ready(Ok(_)) => process(raw, conn)?,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        // Send what the last handshake step produced (the server's Finished).
        while conn.wants_write() {
            match raw.poll_write_tls(cx, conn) {
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Writes plain bytes; for TLS, hands them to rustls and pushes records
    /// out. Returns how many plain bytes were taken.
    pub(crate) fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self {
            Transport::Plain(raw) => raw.poll_write_vectored(cx, bufs),
            Transport::Tls { raw, conn, .. } => {
                // Flush records already produced before taking more.
                while conn.wants_write() {
                    match raw.poll_write_tls(cx, conn) {
                        Poll::Ready(Ok(_)) => {}
                        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                        Poll::Pending => return Poll::Pending,
                    }
                }
                let taken = conn.writer().write_vectored(bufs)?;
                // Push the new records as far as the socket takes them; what
                // is left goes out on the next call.
                while conn.wants_write() {
                    match raw.poll_write_tls(cx, conn) {
                        Poll::Ready(Ok(_)) => {}
                        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                        Poll::Pending => break,
                    }
                }
                Poll::Ready(Ok(taken))
            }
        }
    }

    /// True while TLS records wait to be written.
    pub(crate) fn wants_write(&self) -> bool {
        matches!(self, Transport::Tls { conn, .. } if conn.wants_write())
    }

    /// Writes pending TLS records.
    pub(crate) fn poll_flush_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Transport::Tls { raw, conn, .. } = self {
            while conn.wants_write() {
                match raw.poll_write_tls(cx, conn) {
                    Poll::Ready(Ok(_)) => {}
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Best effort, without waiting: a TLS `close_notify`.
    ///
    /// First it drains what the peer already sent (session tickets, say,
    /// which a client that never reads leaves behind): closing a socket
    /// with unread input makes the kernel send a reset instead of a FIN,
    /// and a reset throws away our own data still on its way out.
    pub(crate) fn goodbye(&mut self) {
        if let Transport::Tls { raw, conn, .. } = self {
            let mut cx = Context::from_waker(std::task::Waker::noop());
            let mut sink = [0u8; 4096];
            // Bounded: a peer that keeps sending cannot hold us here.
            for _ in 0..64 {
                while matches!(conn.reader().read(&mut sink), Ok(n) if n > 0) {}
                match raw.poll_read_tls(&mut cx, conn) {
                    Poll::Ready(Ok(n)) if n > 0 => {
                        if conn.process_new_packets().is_err() {
                            break;
                        }
                    }
                    _ => break,
                }
            }
            conn.send_close_notify();
            while conn.wants_write() {
                if !matches!(raw.poll_write_tls(&mut cx, conn), Poll::Ready(Ok(n)) if n > 0) {
                    break;
                }
            }
        }
    }
}

/// Processes received records; on a protocol error, sends the alert rustls
/// prepared (best effort) and reports the error.
fn process(raw: &Raw, conn: &mut rustls::Connection) -> io::Result<()> {
    if let Err(e) = conn.process_new_packets() {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        while conn.wants_write() {
            if !matches!(raw.poll_write_tls(&mut cx, conn), Poll::Ready(Ok(n)) if n > 0) {
                break;
            }
        }
        // A first record that is not TLS at all is almost always a client
        // speaking plain text (HTTP, say) to a TLS port: say so.
        if conn.is_handshaking()
            && matches!(
                e,
                rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)
            )
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the peer does not speak TLS (plain text, such as HTTP, on a TLS port?): {e}"
                ),
            ));
        }
        return Err(io::Error::new(io::ErrorKind::InvalidData, e));
    }
    Ok(())
}

fn poll_read_tls_plain(
    raw: &Raw,
    conn: &mut rustls::Connection,
    eof: &mut bool,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    loop {
        match conn.reader().read(buf) {
            Ok(n) => return Poll::Ready(Ok(n)),
            // The peer closed without close_notify: like Python's ssl module
            // (suppress_ragged_eofs), treat it as the end of the stream.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Poll::Ready(Ok(0)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Poll::Ready(Err(e)),
        }
        if *eof {
            return Poll::Ready(Ok(0));
        }
        // Answer handshake messages and key updates before reading on.
        while conn.wants_write() {
            match raw.poll_write_tls(cx, conn) {
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => break,
            }
        }
        match raw.poll_read_tls(cx, conn) {
            Poll::Ready(Ok(0)) => {
                *eof = true;
                // Let rustls see the end so that `reader()` reports it.
                let _ = conn.process_new_packets();
            }
            Poll::Ready(Ok(_)) => process(raw, conn)?,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
    }
}
