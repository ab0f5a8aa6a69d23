//! `GET /` → `200 Hello, world` (text/plain), keep-alive: the server the
//! load benchmarks use.
//!
//! `cargo run --release -p tornado-httpserver --example hello -- --port 8888 [--threads 2]`

use tornado_http1connection::{ResponseWriter, Result};
use tornado_httpserver::{Handler, HttpServer, Request, serve_threads};
use tornado_ioloop::IoLoop;

struct Hello;

impl Handler for Hello {
    async fn handle(&self, _request: &Request<'_>, response: &mut ResponseWriter) -> Result<()> {
        response.respond(200, [("Content-Type", "text/plain")], b"Hello, world")
    }
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = flag(&args, "--port").map_or(Ok(8888), |p| p.parse())?;
    let threads: usize = flag(&args, "--threads").map_or(Ok(1), |t| t.parse())?;
    if threads > 1 {
        let group = serve_threads(threads, port, Some("127.0.0.1"), |_| {
            HttpServer::handler(Hello)
        })?;
        println!("listening on 127.0.0.1:{port} with {threads} threads");
        group.join();
        return Ok(());
    }
    let ioloop = IoLoop::new()?;
    let server = HttpServer::handler(Hello);
    let addrs = server.listen(port, Some("127.0.0.1"))?;
    println!("listening on {}", addrs[0]);
    ioloop.start()?;
    Ok(())
}
