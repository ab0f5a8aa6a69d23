//! Tornado's `tcpecho` demo: a line echo server and a client that sends its
//! standard input line by line and prints the echoes.
//!
//! ```text
//! cargo run --release -p tcpecho --bin server -- --port 9888
//! cargo run --release -p tcpecho --bin client -- --port 9888 < lines.txt
//! ```
//!
//! The server is a [`TcpServer`] whose handler loops over
//! `read_until(b"\n")` and `write`, as `demos/tcpecho/server.py` does; the
//! client is a [`TcpClient`] connection (`demos/tcpecho/client.py`). This
//! library holds the pieces so that the binaries stay a few lines and the
//! tests can drive them.
//!
//! ```
//! use tornado_ioloop::IoLoop;
//! use tornado_tcpclient::{ConnectOptions, TcpClient};
//!
//! let ioloop = IoLoop::new()?;
//! let server = tcpecho::echo_server(None);
//! server.listen(0, Some("127.0.0.1"))?;
//! let port = server.local_addrs()[0].port();
//! let mut printed = Vec::new();
//! let lines = ioloop.run_sync(async {
//!     let stream = TcpClient::new().connect("127.0.0.1", port, ConnectOptions::default()).await?;
//!     tcpecho::echo_lines(&stream, &b"one\ntwo\n"[..], &mut printed).await
//! }, None)??;
//! assert_eq!(lines, 2);
//! assert_eq!(printed, b"one\ntwo\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::error::Error;
use std::io::{BufRead, Write};

use tornado_iostream::IoStream;
use tornado_tcpserver::{PeerAddr, TcpServer};

#[cfg(doc)]
use tornado_tcpclient::TcpClient;

/// The demo's default port (Tornado's `tcpecho` uses 9888).
pub const DEFAULT_PORT: u16 = 9888;

/// The server's command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerArgs {
    /// `--port N` (default 9888; 0 picks a free port, printed at start).
    pub port: u16,
    /// `--address A` (default every interface).
    pub address: Option<String>,
    /// `--max-line-bytes N`: the longest line accepted; a longer one closes
    /// the connection. Default none, so the stream's `max_buffer_size`
    /// (100 MiB) bounds it, as in Tornado's demo.
    pub max_line_bytes: Option<usize>,
}

/// The client's command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientArgs {
    /// `--host H` (default `127.0.0.1`).
    pub host: String,
    /// `--port N` (default 9888).
    pub port: u16,
}

fn value<'a>(flag: &str, it: &mut impl Iterator<Item = &'a str>) -> Result<&'a str, String> {
    it.next().ok_or_else(|| format!("{flag} needs a value"))
}

fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{flag}: {text:?} is not a valid number"))
}

/// Splits `--flag=value` into two words.
fn words(args: &[String]) -> Vec<&str> {
    args.iter()
        .flat_map(|a| match a.split_once('=') {
            Some((flag, value)) if a.starts_with("--") => vec![flag, value],
            _ => vec![a.as_str()],
        })
        .collect()
}

/// Parses the server's flags (`--port`, `--address`, `--max-line-bytes`);
/// `--help` or an unknown flag is an error carrying the usage.
///
/// ```
/// let args = tcpecho::parse_server_args(&["--port".into(), "0".into()]).unwrap();
/// assert_eq!(args.port, 0);
/// assert!(tcpecho::parse_server_args(&["--port".into(), "x".into()]).is_err());
/// ```
pub fn parse_server_args(args: &[String]) -> Result<ServerArgs, String> {
    let mut parsed = ServerArgs {
        port: DEFAULT_PORT,
        address: None,
        max_line_bytes: None,
    };
    let words = words(args);
    let mut it = words.into_iter();
    while let Some(flag) = it.next() {
        match flag {
            "--port" => parsed.port = number(flag, value(flag, &mut it)?)?,
            "--address" => parsed.address = Some(value(flag, &mut it)?.to_owned()),
            "--max-line-bytes" => {
                parsed.max_line_bytes = Some(number(flag, value(flag, &mut it)?)?)
            }
            _ => {
                return Err(format!(
                    "usage: server [--port N] [--address A] [--max-line-bytes N] (unknown {flag:?})"
                ));
            }
        }
    }
    Ok(parsed)
}

/// Parses the client's flags (`--host`, `--port`).
///
/// ```
/// let args = tcpecho::parse_client_args(&["--port=7".into()]).unwrap();
/// assert_eq!((args.host.as_str(), args.port), ("127.0.0.1", 7));
/// ```
pub fn parse_client_args(args: &[String]) -> Result<ClientArgs, String> {
    let mut parsed = ClientArgs {
        host: "127.0.0.1".to_owned(),
        port: DEFAULT_PORT,
    };
    let words = words(args);
    let mut it = words.into_iter();
    while let Some(flag) = it.next() {
        match flag {
            "--port" => parsed.port = number(flag, value(flag, &mut it)?)?,
            "--host" => parsed.host = value(flag, &mut it)?.to_owned(),
            _ => {
                return Err(format!(
                    "usage: client [--host H] [--port N] (unknown {flag:?})"
                ));
            }
        }
    }
    Ok(parsed)
}

/// The echo server (`EchoServer` in `server.py`): every `\n`-terminated
/// line comes back as it was sent, until the client closes. A line longer
/// than `max_line_bytes` closes the connection.
pub fn echo_server(max_line_bytes: Option<usize>) -> TcpServer {
    TcpServer::new(move |stream: IoStream, address: PeerAddr| async move {
        loop {
            match stream.read_until(b"\n", max_line_bytes).await {
                Ok(line) => stream.write(line).await?,
                Err(e) if e.is_closed() => {
                    eprintln!("lost client at {address}");
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
    })
}

/// The client's loop (`client.py`): sends each line of `input` (adding the
/// newline a last line may lack), waits for its echo, and writes the echo
/// to `output`. Returns the number of lines echoed.
pub async fn echo_lines(
    stream: &IoStream,
    mut input: impl BufRead,
    mut output: impl Write,
) -> Result<usize, Box<dyn Error>> {
    let mut count = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(count);
        }
        if !line.ends_with(b"\n") {
            line.push(b'\n');
        }
        stream.write(line.clone()).await?;
        let echo = stream.read_until(b"\n", None).await?;
        output.write_all(&echo)?;
        output.flush()?;
        count += 1;
    }
}
