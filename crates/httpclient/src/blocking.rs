//! [`HttpClient`]: the blocking client for scripts and tests.

use std::fmt;

use tornado_ioloop::IoLoop;

use crate::client::{AsyncHttpClient, ClientOptions};
use crate::error::{ErrorKind, HttpClientError, Result};
use crate::request::HttpRequest;
use crate::response::HttpResponse;

/// A blocking HTTP client (`tornado.httpclient.HTTPClient`): an
/// [`AsyncHttpClient`] on a private [`IoLoop`], run on the calling thread
/// for each fetch, as Tornado's `HTTPClient` runs its private loop.
///
/// Like Tornado's, it is for scripts and tests: called from a task running
/// on a loop, which it would block, it refuses.
///
/// ```
/// use tornado_httpclient::HttpClient;
/// use tornado_httpserver::{FnHandler, HttpServer, Request, Response};
///
/// // A server on another thread, for the example.
/// let (tx, rx) = std::sync::mpsc::channel();
/// std::thread::spawn(move || {
///     let ioloop = tornado_ioloop::IoLoop::new().unwrap();
///     let server = HttpServer::handler(FnHandler(|_: Request| async {
///         Response::new(200).body("Hello, world")
///     }));
///     tx.send(server.listen(0, Some("127.0.0.1")).unwrap()[0].port()).unwrap();
///     ioloop.start().unwrap();
/// });
/// let port = rx.recv()?;
/// let client = HttpClient::new()?;
/// let response = client.fetch(format!("http://127.0.0.1:{port}/"))?;
/// assert_eq!(&response.body[..], b"Hello, world");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(alias = "HTTPClient")]
pub struct HttpClient {
    ioloop: IoLoop,
    client: AsyncHttpClient,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("client", &self.client)
            .finish()
    }
}

impl HttpClient {
    /// A blocking client with the default options.
    pub fn new() -> std::result::Result<Self, tornado_ioloop::Error> {
        HttpClient::with_options(ClientOptions::default())
    }

    /// A blocking client with `options`.
    pub fn with_options(
        options: ClientOptions,
    ) -> std::result::Result<Self, tornado_ioloop::Error> {
        let ioloop = IoLoop::builder().make_current(false).build()?;
        Ok(HttpClient {
            ioloop,
            client: AsyncHttpClient::with_options(options),
        })
    }

    /// Fetches `request` and waits for the response
    /// (`HTTPClient.fetch`), with `raise_error` as
    /// [`AsyncHttpClient::fetch`]. Called from a task of a running loop,
    /// it refuses with [`ErrorKind::InvalidRequest`] rather than block
    /// that loop.
    pub fn fetch(&self, request: impl Into<HttpRequest>) -> Result<HttpResponse> {
        self.fetch_with(request, true)
    }

    /// [`fetch`](Self::fetch) with `raise_error` chosen.
    pub fn fetch_with(
        &self,
        request: impl Into<HttpRequest>,
        raise_error: bool,
    ) -> Result<HttpResponse> {
        if IoLoop::try_current().is_some_and(|running| running.is_running()) {
            // It would block that loop for the whole fetch (Tornado refuses
            // the same: asyncio cannot nest loops).
            return Err(HttpClientError::invalid(
                "the blocking HttpClient cannot run inside a running loop; use AsyncHttpClient",
            ));
        }
        let request = request.into();
        self.ioloop
            .run_sync(self.client.fetch_with(request, raise_error), None)
            .map_err(|e| {
                HttpClientError::new(ErrorKind::Closed, "the client's loop failed").with_source(e)
            })?
    }

    /// The asynchronous client underneath (`HTTPClient._async_client`).
    #[doc(alias = "_async_client")]
    pub fn async_client(&self) -> &AsyncHttpClient {
        &self.client
    }

    /// Closes the client and its loop (`HTTPClient.close`); also done on
    /// drop.
    pub fn close(&self) {
        self.client.close();
        // Let the closes of idle connections run before the loop goes.
        let _ = self.ioloop.run_sync(tornado_ioloop::r#gen::moment(), None);
    }
}

impl Drop for HttpClient {
    fn drop(&mut self) {
        self.close();
        let _ = self.ioloop.close();
    }
}
