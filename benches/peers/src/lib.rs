//! Shared bits of the peer servers used by `cargo xtask bench http`.
//!
//! Every server binary here takes `--port N`, listens on 127.0.0.1 and
//! answers `GET /` with `200`, `Content-Type: text/plain` and the body
//! `Hello, world`, keeping the connection alive.

/// The response body every server sends.
pub const BODY: &[u8] = b"Hello, world";

/// Reads `--port N` from the command line (8888 when absent).
///
/// Exits with a message on a malformed port rather than panicking.
pub fn port_from_args() -> u16 {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--port") {
        None => 8888,
        Some(i) => match args.get(i + 1).map(|p| p.parse::<u16>()) {
            Some(Ok(port)) => port,
            _ => {
                eprintln!("usage: {} --port N", args[0]);
                std::process::exit(2);
            }
        },
    }
}
