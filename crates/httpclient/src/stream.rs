//! [`ResponseStream`]: a response whose body is read as it arrives.

use std::fmt;
use std::rc::Rc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use tornado_http1connection::Http1ClientConnection;
use tornado_httputil::HttpHeaders;

use crate::client::Inner;
use crate::error::{HttpClientError, Result};
use crate::exchange::within;
use crate::response::{HttpResponse, TimeInfo};

/// The connection of a streamed response, its body still to read.
pub(crate) struct Unread {
    pub(crate) conn: Http1ClientConnection,
    pub(crate) key: String,
    pub(crate) deadline: Option<Instant>,
}

/// A response whose body is read piece by piece, at the reader's pace
/// (from [`AsyncHttpClient::fetch_stream`](crate::AsyncHttpClient::fetch_stream);
/// the async-stream form of Tornado's `streaming_callback`).
///
/// The request keeps its `max_clients` slot and its `request_timeout`
/// until the body has been read to its end or the stream is dropped. A
/// body read to its end leaves the connection in the pool; a stream
/// dropped early closes it.
#[doc(alias = "streaming_callback")]
#[non_exhaustive]
pub struct ResponseStream {
    /// The status code.
    pub code: u16,
    /// The reason phrase.
    pub reason: String,
    /// The headers (`Content-Encoding` renamed when the body is
    /// decompressed).
    pub headers: HttpHeaders,
    /// The URL of the final request, after redirects.
    pub effective_url: String,
    /// The URL that was asked for.
    pub request_url: String,
    /// Where the time went until the head arrived.
    pub time_info: TimeInfo,
    inner: Rc<Inner>,
    unread: Option<Unread>,
    error: Option<Box<HttpClientError>>,
}

impl fmt::Debug for ResponseStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseStream")
            .field("code", &self.code)
            .field("reason", &self.reason)
            .field("headers", &self.headers)
            .field("effective_url", &self.effective_url)
            .field("finished", &self.unread.is_none())
            .finish()
    }
}

impl ResponseStream {
    pub(crate) fn new(inner: Rc<Inner>, response: HttpResponse, unread: Option<Unread>) -> Self {
        ResponseStream {
            code: response.code,
            reason: response.reason,
            headers: response.headers,
            effective_url: response.effective_url,
            request_url: response.request_url,
            time_info: response.time_info,
            inner,
            unread,
            error: response.error,
        }
    }

    /// The next piece of the body (at most 64 KiB, decompressed when
    /// asked); `None` at its end.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
        let Some(unread) = &mut self.unread else {
            return Ok(None);
        };
        let read = unread.conn.read_body_chunk();
        let outcome = within(unread.deadline, "Timeout during request", read).await;
        match outcome {
            Ok(Ok(Some(chunk))) => Ok(Some(chunk)),
            Ok(Ok(None)) => {
                let Some(unread) = self.unread.take() else {
                    return Ok(None);
                };
                if unread.conn.keep_alive()
                    && self.inner.options.keep_alive
                    && !self.inner.closed.get()
                {
                    self.inner.pool.put(unread.key, unread.conn);
                } else {
                    unread.conn.stream().close(None);
                }
                let _ = self.inner.slots.release();
                Ok(None)
            }
            Ok(Err(e)) => {
                self.abandon();
                Err(e.into())
            }
            Err(timeout) => {
                self.abandon();
                Err(timeout)
            }
        }
    }

    /// Reads the rest of the body into one buffer.
    pub async fn read_to_end(&mut self) -> Result<Bytes> {
        let mut body = BytesMut::new();
        while let Some(chunk) = self.next_chunk().await? {
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }

    /// `Err` carrying the status when it is outside 200–299, as
    /// [`HttpResponse::rethrow`] (without the body, which is still
    /// unread).
    pub fn rethrow(&self) -> Result<()> {
        match &self.error {
            None => Ok(()),
            Some(error) => Err((**error).clone()),
        }
    }

    fn abandon(&mut self) {
        if let Some(unread) = self.unread.take() {
            unread.conn.stream().close(None);
            let _ = self.inner.slots.release();
        }
    }
}

impl Drop for ResponseStream {
    fn drop(&mut self) {
        self.abandon();
    }
}
