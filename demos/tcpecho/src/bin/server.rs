//! `cargo run --release -p tcpecho --bin server -- --port 9888`: a line
//! echo server (Tornado's `demos/tcpecho/server.py`).

use std::process::ExitCode;

use tornado_ioloop::IoLoop;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match tcpecho::parse_server_args(&args) {
        Ok(args) => args,
        Err(usage) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    let ioloop = match IoLoop::new() {
        Ok(ioloop) => ioloop,
        Err(e) => {
            eprintln!("cannot start the event loop: {e}");
            return ExitCode::FAILURE;
        }
    };
    let server = tcpecho::echo_server(args.max_line_bytes);
    if let Err(e) = server.listen(args.port, args.address.as_deref()) {
        eprintln!("cannot listen on port {}: {e}", args.port);
        return ExitCode::FAILURE;
    }
    for addr in server.local_addrs() {
        // Tests read this line to learn the port picked for --port 0.
        println!("listening on {addr}");
    }
    match ioloop.start() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("event loop failed: {e}");
            ExitCode::FAILURE
        }
    }
}
