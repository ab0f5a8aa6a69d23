//! `cargo run --release -p tcpecho --bin client -- --port 9888`: sends
//! standard input line by line to the echo server and prints the echoes
//! (Tornado's `demos/tcpecho/client.py`).

use std::process::ExitCode;

use tornado_ioloop::IoLoop;
use tornado_tcpclient::{ConnectOptions, TcpClient};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match tcpecho::parse_client_args(&args) {
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
    let result = ioloop.run_sync(
        async {
            let client = TcpClient::new();
            let stream = client
                .connect(&args.host, args.port, ConnectOptions::default())
                .await?;
            let stdin = std::io::stdin().lock();
            let stdout = std::io::stdout().lock();
            let lines = tcpecho::echo_lines(&stream, stdin, stdout).await?;
            stream.close(None);
            Ok::<_, Box<dyn std::error::Error>>(lines)
        },
        None,
    );
    match result {
        Ok(Ok(_)) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("event loop failed: {e}");
            ExitCode::FAILURE
        }
    }
}
