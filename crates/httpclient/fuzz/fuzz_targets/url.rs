//! Any URL: a fetch refuses it or tries to resolve it, never panics.
#![no_main]

use std::rc::Rc;

use libfuzzer_sys::fuzz_target;
use tornado_httpclient::{AsyncHttpClient, ClientOptions, HttpRequest};
use tornado_ioloop::IoLoop;
use tornado_netutil::{AddressFamily, ResolveFuture, Resolver, resolve_blocking};

/// Fails every lookup at once: no network is touched.
#[derive(Debug)]
struct Refuse;

impl Resolver for Refuse {
    fn resolve(&self, _: &str, _: u16, _: AddressFamily) -> ResolveFuture {
        // An empty name fails in getaddrinfo without a lookup.
        let result = resolve_blocking("", 0, AddressFamily::Unspec);
        Box::pin(async move { result })
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(url) = std::str::from_utf8(data) else {
        return;
    };
    let ioloop = IoLoop::new().unwrap();
    let client = AsyncHttpClient::with_options(ClientOptions::default().resolver(Rc::new(Refuse)));
    let result = ioloop
        .run_sync(client.fetch(HttpRequest::new(url)), None)
        .unwrap();
    assert!(result.is_err());
});
