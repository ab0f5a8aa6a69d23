//! Peer (d): may_minihttp on may's stackful coroutines, one worker thread.

use std::io;

use may_minihttp::{HttpService, HttpServiceFactory, Request, Response};

#[derive(Clone)]
struct Hello;

impl HttpService for Hello {
    fn call(&mut self, _request: Request, response: &mut Response) -> io::Result<()> {
        response.header("Content-Type: text/plain");
        response.body("Hello, world");
        Ok(())
    }
}

struct HelloFactory;

impl HttpServiceFactory for HelloFactory {
    type Service = Hello;

    fn new_service(&self, _id: usize) -> Hello {
        Hello
    }
}

fn main() -> io::Result<()> {
    let port = tornado_bench_peers::port_from_args();
    // One worker, and no pinning of its own: `taskset` decides the core.
    may::config().set_workers(1);
    may::config().set_worker_pin(false);
    let server = HelloFactory.start(("127.0.0.1", port))?;
    println!("may_minihttp listening on 127.0.0.1:{port}");
    server
        .join()
        .map_err(|_| io::Error::other("may_minihttp server panicked"))
}
