//! Connection parameters.

use std::time::Duration;

/// The limits and switches of an HTTP/1 connection
/// (`tornado.http1connection.HTTP1ConnectionParameters`), with Tornado's
/// defaults and ours from SECURITY.md.
#[doc(alias = "HTTP1ConnectionParameters")]
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Http1ConnectionParameters {
    /// Close after each request instead of keeping the connection alive.
    /// Default false.
    pub no_keep_alive: bool,
    /// Bodies reach delegates in pieces of at most this many bytes: 64 KiB.
    pub chunk_size: usize,
    /// The most bytes of a request line plus headers: 64 KiB. Over it, a
    /// server answers 431 and closes.
    pub max_header_size: usize,
    /// The most header lines in a request: 100 (ours). Over it: 431.
    pub max_header_count: usize,
    /// How long a keep-alive connection may sit idle waiting for the first
    /// byte of the next request: Tornado's `idle_connection_timeout`, 3,600 s
    /// in `HTTPServer`. `None`: no limit.
    pub idle_timeout: Option<Duration>,
    /// How long a client may take to send a whole request head once it
    /// started; trickling bytes does not extend it. 60 s (ours; Tornado
    /// uses the idle timeout for both).
    pub header_timeout: Option<Duration>,
    /// The most body bytes (after decompression with `decompress`):
    /// 100 MiB. Over it: 413, sent as soon as the head shows it.
    pub max_body_size: usize,
    /// How long reading one body may take: no limit by default. On expiry
    /// the connection closes without a response (Tornado logs "Timeout
    /// reading body").
    pub body_timeout: Option<Duration>,
    /// Decompress `Content-Encoding: gzip` request bodies (Tornado's
    /// `decompress_request`). Default false.
    pub decompress: bool,
    /// The most bytes of chunk extensions in one chunked body: 16 KiB.
    pub max_chunk_extensions: usize,
    /// The most bytes of trailers after a chunked body: 16 KiB.
    pub max_trailer_size: usize,
    /// Responses queued but not yet taken by the kernel beyond which the
    /// connection stops reading pipelined requests until the client reads:
    /// 64 KiB. Keeps a pipelining client that never reads in bounded memory.
    pub max_pending_output: usize,
    /// How long output may wait with no byte taken by the client before
    /// the connection closes: 60 s (ours, after nginx's `send_timeout`;
    /// Tornado waits as long as the idle timeout allows). A slow client
    /// that keeps reading is never cut; one that stopped is. `None`: no
    /// limit.
    pub send_timeout: Option<Duration>,
}

impl Default for Http1ConnectionParameters {
    fn default() -> Self {
        Http1ConnectionParameters {
            no_keep_alive: false,
            chunk_size: 64 * 1024,
            max_header_size: 64 * 1024,
            max_header_count: 100,
            idle_timeout: Some(Duration::from_secs(3600)),
            header_timeout: Some(Duration::from_secs(60)),
            max_body_size: 100 * 1024 * 1024,
            body_timeout: None,
            decompress: false,
            max_chunk_extensions: 16 * 1024,
            max_trailer_size: 16 * 1024,
            max_pending_output: 64 * 1024,
            send_timeout: Some(Duration::from_secs(60)),
        }
    }
}

macro_rules! setter {
    ($(#[$doc:meta] $name:ident: $ty:ty),* $(,)?) => {
        impl Http1ConnectionParameters {
            $(
                #[$doc]
                pub fn $name(mut self, value: $ty) -> Self {
                    self.$name = value;
                    self
                }
            )*
        }
    };
}

setter! {
    /// Sets `no_keep_alive`.
    no_keep_alive: bool,
    /// Sets `chunk_size`.
    chunk_size: usize,
    /// Sets `max_header_size`.
    max_header_size: usize,
    /// Sets `max_header_count`.
    max_header_count: usize,
    /// Sets `idle_timeout`.
    idle_timeout: Option<Duration>,
    /// Sets `header_timeout`.
    header_timeout: Option<Duration>,
    /// Sets `max_body_size`.
    max_body_size: usize,
    /// Sets `body_timeout`.
    body_timeout: Option<Duration>,
    /// Sets `decompress`.
    decompress: bool,
    /// Sets `max_chunk_extensions`.
    max_chunk_extensions: usize,
    /// Sets `max_trailer_size`.
    max_trailer_size: usize,
    /// Sets `max_pending_output`.
    max_pending_output: usize,
    /// Sets `send_timeout`.
    send_timeout: Option<Duration>,
}
