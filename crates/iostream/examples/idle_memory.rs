//! Measures the memory an idle `IoStream` holds: opens N loopback TCP
//! connections (default 5,000, so 2N streams), makes one request/response
//! exchange on each, then reports the growth of the process's resident set
//! per idle stream and checks that no stream holds buffer memory.
//!
//! ```text
//! cargo run --release -p tornado-iostream --example idle_memory -- [N]
//! ```
//!
//! Needs about 2N + 16 file descriptors (`ulimit -n`). Kernel socket
//! buffers are not in the resident set; this measures our user-space cost:
//! the shared stream state, its loop registration and the handle.

use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use tornado_ioloop::IoLoop;
use tornado_iostream::IoStream;

/// The resident set size in bytes, from `/proc/self/statm` (Linux).
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("resident pages");
    pages * 4096
}

/// A connected (server, client) pair of non-blocking loopback sockets.
fn sockets(listener: &TcpListener) -> std::io::Result<(mio::net::TcpStream, mio::net::TcpStream)> {
    let client = TcpStream::connect(listener.local_addr()?)?;
    let (server, _) = listener.accept()?;
    server.set_nonblocking(true)?;
    client.set_nonblocking(true)?;
    Ok((
        mio::net::TcpStream::from_std(server),
        mio::net::TcpStream::from_std(client),
    ))
}

async fn exchange(server: &IoStream, client: &IoStream) -> tornado_iostream::Result<()> {
    client
        .write(&b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..])
        .await?;
    server.read_until(b"\r\n\r\n", Some(65536)).await?;
    server
        .write(&b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHello"[..])
        .await?;
    client.read_until(b"\r\n\r\n", Some(65536)).await?;
    client.read_bytes(5, false).await?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(5000);
    let ioloop = IoLoop::new()?;
    let listener = TcpListener::bind("127.0.0.1:0")?;

    let report = ioloop.run_sync(
        async {
            // Warm up: the loop, the per-thread read scratch buffer, the
            // allocator's arenas.
            {
                let (s, c) = sockets(&listener)?;
                let (s, c) = (IoStream::tcp(s)?, IoStream::tcp(c)?);
                exchange(&s, &c).await?;
            }
            // Keep the raw sockets' own cost (none in user space, but the
            // vector of handles is ours) out of the baseline.
            let mut streams: Vec<IoStream> = Vec::with_capacity(2 * n);
            let before = rss();
            for _ in 0..n {
                let (s, c) = sockets(&listener)?;
                let (s, c) = (IoStream::tcp(s)?, IoStream::tcp(c)?);
                exchange(&s, &c).await?;
                streams.push(s);
                streams.push(c);
            }
            let idle = rss();
            let buffers: usize = streams.iter().map(IoStream::buffer_capacity).sum();
            // The same streams with a close callback each, which adds a
            // close-watching task per stream.
            for s in &streams {
                s.set_close_callback(|| {});
            }
            tornado_ioloop::r#gen::sleep(Duration::from_millis(50)).await;
            let watched = rss();
            let buffers_watched: usize = streams.iter().map(IoStream::buffer_capacity).sum();
            Ok::<_, Box<dyn std::error::Error>>((before, idle, watched, buffers, buffers_watched))
        },
        Some(Duration::from_secs(120)),
    )??;
    let (before, idle, watched, buffers, buffers_watched) = report;
    let streams = 2 * n;
    println!("idle streams:                      {streams} ({n} TCP connections, both ends)");
    println!(
        "size_of::<IoStream>() (the handle): {} bytes",
        std::mem::size_of::<IoStream>()
    );
    println!("buffer bytes held by idle streams:  {buffers}");
    println!(
        "RSS growth per idle stream:         {} bytes",
        (idle - before) / streams
    );
    println!("buffer bytes with close callbacks:  {buffers_watched}");
    println!(
        "RSS growth per idle stream with a close callback: {} bytes",
        (watched - before) / streams
    );
    Ok(())
}
