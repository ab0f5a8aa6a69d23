//! Graceful shutdown, `close_all_connections` and `stop`
//! (`reliability.md` §6.3 recipes 1–3), each bounded well under 5 s.

mod common;

use std::cell::Cell;
use std::net::{SocketAddr, TcpStream};
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::*;
use tornado_httpserver::{HandlerDelegate, HttpServer};
use tornado_ioloop::IoLoop;
use tornado_ioloop::r#gen::sleep;

fn echo_server() -> (IoLoop, HttpServer<HandlerDelegate<Echo>>, SocketAddr) {
    capture_logs();
    let ioloop = new_loop();
    let server = HttpServer::handler(Echo);
    let addr = listen(&server);
    (ioloop, server, addr)
}

/// Runs `shutdown(timeout)` after `delay`; the returned cell holds how
/// long it took once it is done.
fn shutdown_later(
    ioloop: &IoLoop,
    server: &HttpServer<HandlerDelegate<Echo>>,
    delay: Duration,
    timeout: Duration,
) -> Rc<Cell<Option<Duration>>> {
    let took = Rc::new(Cell::new(None));
    let (server, cell) = (server.clone(), took.clone());
    drop(ioloop.spawn(async move {
        sleep(delay).await;
        let start = Instant::now();
        server.shutdown(timeout).await;
        cell.set(Some(start.elapsed()));
    }));
    took
}

fn refused(addr: SocketAddr) -> bool {
    TcpStream::connect(addr).is_err()
}

#[test]
fn graceful_shutdown_drains_in_flight_and_closes_idle() {
    let (ioloop, server, addr) = echo_server();
    let took = shutdown_later(
        &ioloop,
        &server,
        Duration::from_millis(150),
        Duration::from_secs(2),
    );
    let (idle_closed_after, slow, pipelined, refused_after) = run_client(&ioloop, move || {
        // (a) an idle keep-alive connection
        let mut idle = Client::connect(addr);
        assert_eq!(idle.fetch(&get("/hello")).status, 200);
        // (b) a request in flight across the shutdown
        let mut slow = Client::connect(addr);
        slow.send(&get("/sleep?ms=500"));
        // (d) a pipelined pair whose first request is in flight
        let mut pair = Client::connect(addr);
        pair.send(&[get("/sleep?ms=400"), get("/hello")].concat());
        let start = Instant::now();
        let idle_closed = idle.time_to_close(Duration::from_secs(2)) + start.elapsed();
        std::thread::sleep(Duration::from_millis(50));
        let refused_now = refused(addr);
        let slow_response = slow.response().expect("the in-flight request is answered");
        assert!(
            slow.closes_within(Duration::from_secs(2)),
            "closed after its response"
        );
        let first = pair.response().expect("the first of the pair is answered");
        assert!(
            pair.closes_within(Duration::from_secs(2)),
            "the second is never processed"
        );
        (idle_closed, slow_response, first, refused_now)
    });
    assert!(refused_after, "new connections are refused during shutdown");
    assert!(
        idle_closed_after < Duration::from_millis(450),
        "the idle connection closed after {idle_closed_after:?}"
    );
    assert_eq!(slow.status, 200);
    assert_eq!(slow.body, b"slept");
    assert_eq!(slow.header("Connection"), Some("close"));
    assert_eq!(pipelined.status, 200);
    assert_eq!(pipelined.header("Connection"), Some("close"));
    spin(&ioloop, Duration::from_millis(50));
    let took = took.get().expect("shutdown finished");
    assert!(took < Duration::from_secs(1), "shutdown took {took:?}");
    assert_eq!(server.connection_count(), 0);
    assert!(logs_here().iter().all(|r| r.level > log::Level::Error));
}

#[test]
fn graceful_shutdown_cuts_a_stuck_request_at_the_deadline() {
    let (ioloop, server, addr) = echo_server();
    let took = shutdown_later(
        &ioloop,
        &server,
        Duration::from_millis(100),
        Duration::from_millis(300),
    );
    let rest = run_client(&ioloop, move || {
        let mut stuck = Client::connect(addr);
        stuck.send(&get("/sleep?ms=10000"));
        stuck.read_until_close()
    });
    assert!(
        rest.is_empty(),
        "no response for the stuck request: {rest:?}"
    );
    spin(&ioloop, Duration::from_millis(20));
    let took = took.get().expect("shutdown finished");
    assert!(
        took >= Duration::from_millis(280) && took < Duration::from_millis(1500),
        "{took:?}"
    );
    assert_eq!(server.connection_count(), 0);
}

#[test]
fn shutdown_with_no_connections_returns_at_once() {
    let (ioloop, server, addr) = echo_server();
    let start = Instant::now();
    ioloop
        .run_sync(server.shutdown(Duration::from_secs(3)), Some(TEST_DEADLINE))
        .expect("shutdown");
    assert!(start.elapsed() < Duration::from_millis(200));
    assert!(refused(addr));
}

#[test]
fn close_all_connections_closes_idle_and_busy() {
    let (ioloop, server, addr) = echo_server();
    let closer = server.clone();
    let closed = Rc::new(Cell::new(false));
    let flag = closed.clone();
    drop(ioloop.spawn(async move {
        sleep(Duration::from_millis(150)).await;
        closer.stop();
        closer.close_all_connections().await;
        flag.set(true);
    }));
    let (idle_rest, busy_rest) = run_client(&ioloop, move || {
        let mut idle = Client::connect(addr);
        assert_eq!(idle.fetch(&get("/hello")).status, 200);
        let mut busy = Client::connect(addr);
        busy.send(&get("/sleep?ms=3000"));
        // Tornado's close_all_connections is abrupt: the busy one is cut.
        (idle.read_until_close(), busy.read_until_close())
    });
    assert!(idle_rest.is_empty() && busy_rest.is_empty());
    spin(&ioloop, Duration::from_millis(20));
    assert!(closed.get());
    assert_eq!(server.connection_count(), 0);
}

#[test]
fn stop_refuses_new_connections_but_keeps_open_ones() {
    let (ioloop, server, addr) = echo_server();
    let mut client = run_client(&ioloop, move || {
        let mut client = Client::connect(addr);
        assert_eq!(client.fetch(&get("/hello")).status, 200);
        client
    });
    server.stop();
    spin(&ioloop, Duration::from_millis(10));
    let (response, client) = run_client(&ioloop, move || {
        assert!(refused(addr), "the listener is closed");
        (client.fetch(&get("/hello")), client)
    });
    assert_eq!(response.body, b"Hello world");
    assert_eq!(server.connection_count(), 1);
    drop(client);
}

#[test]
fn client_vanishing_mid_request_frees_the_connection() {
    // reliability.md §6.3 recipe 3: partial head, partial body, full
    // request then close; the count returns to 0 and the server serves on.
    let (ioloop, server, addr) = echo_server();
    run_client(&ioloop, move || {
        for partial in [
            &b"GET / HTTP/1.1\r\nHost: a\r\nX-"[..],
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc",
            b"GET /sleep?ms=50 HTTP/1.1\r\nHost: a\r\n\r\n",
        ] {
            let mut client = Client::connect(addr);
            client.send(partial);
            drop(client);
        }
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(Client::connect(addr).fetch(&get("/hello")).status, 200);
    });
    spin(&ioloop, Duration::from_millis(50));
    assert_eq!(server.connection_count(), 0);
    assert!(logs_here().iter().all(|r| r.level > log::Level::Error));
}
