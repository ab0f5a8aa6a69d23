//! Any method and path → `200` with a JSON description of the request, as
//! this project's crates parsed it. The raw-socket tests and the security
//! corpus use it.
//!
//! `cargo run --release -p tornado-httpserver --example http_echo -- --port N
//!  [--max-body-size B] [--max-header-size B] [--idle-timeout S]
//!  [--body-timeout S] [--decompress] [--xheaders]`

use std::time::Duration;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tornado_http1connection::{ResponseWriter, Result};
use tornado_httpserver::{Handler, HttpServer, HttpServerOptions, Request};
use tornado_ioloop::IoLoop;

struct Echo;

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

impl Handler for Echo {
    async fn handle(&self, request: &Request<'_>, response: &mut ResponseWriter) -> Result<()> {
        let head = &request.head;
        let headers: Vec<Value> = head
            .headers()
            .map(|(name, value)| json!([name, latin1(value)]))
            .collect();
        let mut arguments = Map::new();
        let mut files = Map::new();
        let mut status = 200;
        match request.to_server_request() {
            Ok(mut parsed) => {
                if parsed.parse_body(&Default::default()).is_err() {
                    status = 400;
                }
                for (name, values) in parsed.arguments.iter() {
                    let values: Vec<Value> =
                        values.iter().map(|v| Value::from(latin1(v))).collect();
                    arguments.insert(name.to_owned(), Value::from(values));
                }
                for (name, list) in parsed.files.iter() {
                    let list: Vec<Value> = list
                        .iter()
                        .map(|f| json!({"filename": f.filename, "content_type": f.content_type, "length": f.body.len()}))
                        .collect();
                    files.insert(name.to_owned(), Value::from(list));
                }
            }
            Err(_) => status = 400,
        }
        let body = json!({
            "method": head.method(),
            "uri": head.target(),
            "version": head.version().as_str(),
            "remote_ip": request.remote_ip(),
            "protocol": request.protocol,
            "headers": headers,
            "body_length": request.body.len(),
            "body_sha256": format!("{:x}", Sha256::digest(&request.body)),
            "arguments": arguments,
            "files": files,
        });
        let body = serde_json::to_vec(&body).unwrap_or_default();
        response.respond(status, [("Content-Type", "application/json")], &body)
    }
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = flag(&args, "--port").map_or(Ok(8888), |p| p.parse())?;
    let mut options =
        HttpServerOptions::default().decompress_request(args.iter().any(|a| a == "--decompress"));
    if args.iter().any(|a| a == "--xheaders") {
        options = options.xheaders(Vec::new());
    }
    if let Some(b) = flag(&args, "--max-body-size") {
        options = options.max_body_size(b.parse()?);
    }
    if let Some(b) = flag(&args, "--max-header-size") {
        options.params.max_header_size = b.parse()?;
    }
    if let Some(s) = flag(&args, "--idle-timeout") {
        options = options.idle_connection_timeout(Some(Duration::from_secs_f64(s.parse()?)));
    }
    if let Some(s) = flag(&args, "--body-timeout") {
        options = options.body_timeout(Some(Duration::from_secs_f64(s.parse()?)));
    }
    let ioloop = IoLoop::new()?;
    let server = HttpServer::handler_with(Echo, options);
    let addrs = server.listen(port, Some("127.0.0.1"))?;
    println!("listening on {}", addrs[0]);
    ioloop.start()?;
    Ok(())
}
