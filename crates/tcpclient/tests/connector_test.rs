//! Mirrors `ConnectorTest` and `TestConnectorSplit` of Tornado's
//! `tornado/test/tcpclient_test.py`: the Happy Eyeballs state machine
//! driven by fake connects whose outcome each test decides.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tornado_ioloop::{Clock, IoLoop};
use tornado_tcpclient::{
    AttemptFuture, Connector, Error, ErrorKind, INITIAL_CONNECT_TIMEOUT, Result,
};

// Fake address families, as in Tornado's test.
const AF1: u8 = 1;
const AF2: u8 = 2;

type Addr = &'static str;

/// A connected fake stream; dropping it closes it.
#[derive(Debug)]
struct FakeStream {
    addr: Addr,
    closed: Rc<Cell<bool>>,
}

impl Drop for FakeStream {
    fn drop(&mut self) {
        self.closed.set(true);
    }
}

#[derive(Default)]
struct Slot {
    result: RefCell<Option<Result<()>>>,
    waker: RefCell<Option<Waker>>,
}

/// One fake attempt: resolves when the test decides; dropping it before it
/// handed its stream out closes the stream (as `close_streams` does).
struct FakeAttempt {
    addr: Addr,
    slot: Rc<Slot>,
    closed: Rc<Cell<bool>>,
    handed_out: bool,
}

impl Future for FakeAttempt {
    type Output = Result<FakeStream>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let result = self.slot.result.borrow_mut().take();
        match result {
            Some(Ok(())) => {
                self.handed_out = true;
                Poll::Ready(Ok(FakeStream {
                    addr: self.addr,
                    closed: self.closed.clone(),
                }))
            }
            // A failed attempt owns nothing: dropping it closes its stream.
            Some(Err(e)) => Poll::Ready(Err(e)),
            None => {
                *self.slot.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Drop for FakeAttempt {
    fn drop(&mut self) {
        if !self.handed_out {
            self.closed.set(true);
        }
    }
}

/// The attempts a test has not resolved yet, by `(family, address)`.
type Pending = BTreeMap<(u8, Addr), Rc<Slot>>;

type Outcome = Result<(u8, Addr, FakeStream)>;

struct ConnectorTest {
    ioloop: IoLoop,
    connect_futures: Rc<RefCell<Pending>>,
    streams: Rc<RefCell<HashMap<Addr, Rc<Cell<bool>>>>>,
    sync_failures: Rc<RefCell<HashSet<Addr>>>,
    addrinfo: Vec<(u8, Addr)>,
    conn: Option<Connector<u8, Addr, FakeStream>>,
    result: Option<Outcome>,
}

impl ConnectorTest {
    fn set_up() -> Self {
        let ioloop = IoLoop::builder()
            .clock(Clock::manual())
            .make_current(true)
            .build()
            .unwrap();
        ConnectorTest {
            ioloop,
            connect_futures: Rc::default(),
            streams: Rc::default(),
            sync_failures: Rc::default(),
            addrinfo: vec![(AF1, "a"), (AF1, "b"), (AF2, "c"), (AF2, "d")],
            conn: None,
            result: None,
        }
    }

    fn create_stream(&self) -> tornado_tcpclient::ConnectFn<u8, Addr, FakeStream> {
        let futures = self.connect_futures.clone();
        let streams = self.streams.clone();
        let sync_failures = self.sync_failures.clone();
        Box::new(
            move |af, addr: &Addr| -> Result<AttemptFuture<FakeStream>> {
                let addr = *addr;
                if sync_failures.borrow().contains(addr) {
                    return Err(Error::from(std::io::Error::other(format!(
                        "sync failure for {addr}"
                    ))));
                }
                let closed = Rc::new(Cell::new(false));
                streams.borrow_mut().insert(addr, closed.clone());
                let slot = Rc::new(Slot::default());
                futures.borrow_mut().insert((af, addr), slot.clone());
                Ok(Box::pin(FakeAttempt {
                    addr,
                    slot,
                    closed,
                    handed_out: false,
                }))
            },
        )
    }

    /// Starts a connector with huge timeouts; tests fire them by hand.
    fn start_connect(&mut self, addrinfo: Vec<(u8, Addr)>) {
        let deadline = self.ioloop.time() + Duration::from_secs(3600);
        let conn = Connector::start(
            addrinfo,
            self.create_stream(),
            Duration::from_secs(3600),
            Some(deadline),
        );
        self.conn = Some(conn);
        self.run();
    }

    fn conn(&mut self) -> &mut Connector<u8, Addr, FakeStream> {
        self.conn.as_mut().unwrap()
    }

    /// One turn: poll the connector, keeping its outcome.
    fn run(&mut self) {
        if self.result.is_some() {
            return;
        }
        let mut cx = Context::from_waker(Waker::noop());
        if let Poll::Ready(outcome) = Pin::new(self.conn.as_mut().unwrap()).poll(&mut cx) {
            self.result = Some(outcome);
        }
    }

    fn assert_pending(&self, keys: &[(u8, Addr)]) {
        let mut want = keys.to_vec();
        want.sort();
        let got: Vec<_> = self.connect_futures.borrow().keys().copied().collect();
        assert_eq!(got, want);
    }

    fn resolve_connect(&mut self, af: u8, addr: Addr, success: bool) {
        let slot = self
            .connect_futures
            .borrow_mut()
            .remove(&(af, addr))
            .unwrap();
        if success {
            *slot.result.borrow_mut() = Some(Ok(()));
        } else {
            self.streams.borrow_mut().remove(addr);
            *slot.result.borrow_mut() = Some(Err(Error::from(std::io::Error::other("failed"))));
        }
        if let Some(w) = slot.waker.borrow_mut().take() {
            w.wake();
        }
        self.run();
    }

    fn cancel_connect(&mut self, af: u8, addr: Addr) {
        let slot = self
            .connect_futures
            .borrow_mut()
            .remove(&(af, addr))
            .unwrap();
        *slot.result.borrow_mut() = Some(Err(Error::cancelled()));
        self.run();
    }

    fn on_timeout(&mut self) {
        self.conn().on_timeout();
        self.run();
    }

    fn on_connect_timeout(&mut self) {
        self.conn().on_connect_timeout();
        self.run();
    }

    fn take_stream(&self, addr: Addr) -> Rc<Cell<bool>> {
        self.streams.borrow_mut().remove(addr).unwrap()
    }

    fn is_closed(&self, addr: Addr) -> bool {
        self.streams.borrow()[addr].get()
    }

    fn done(&self) -> bool {
        self.result.is_some()
    }

    fn success(&self) -> (u8, Addr) {
        match self
            .result
            .as_ref()
            .expect("the connector has not finished")
        {
            Ok((af, addr, stream)) => {
                assert_eq!(stream.addr, *addr);
                assert!(!stream.closed.get(), "the winning stream was closed");
                (*af, *addr)
            }
            Err(e) => panic!("expected success, got {e:?}"),
        }
    }

    fn failure(&self) -> &Error {
        match self
            .result
            .as_ref()
            .expect("the connector has not finished")
        {
            Ok((_, addr, _)) => panic!("expected failure, got a stream to {addr}"),
            Err(e) => e,
        }
    }

    /// `tearDown`: no stream the test did not check may have been closed.
    fn tear_down(self) {
        for (addr, closed) in self.streams.borrow().iter() {
            assert!(!closed.get(), "stream {addr} was closed unexpectedly");
        }
    }
}

#[test]
fn test_one_family() {
    let (primary, secondary) = Connector::<u8, Addr, ()>::split(vec![(AF1, "a"), (AF1, "b")]);
    assert_eq!(primary, vec![(AF1, "a"), (AF1, "b")]);
    assert_eq!(secondary, vec![]);
}

#[test]
fn test_mixed() {
    let (primary, secondary) =
        Connector::<u8, Addr, ()>::split(vec![(AF1, "a"), (AF2, "b"), (AF1, "c"), (AF2, "d")]);
    assert_eq!(primary, vec![(AF1, "a"), (AF1, "c")]);
    assert_eq!(secondary, vec![(AF2, "b"), (AF2, "d")]);
}

#[test]
fn test_immediate_success() {
    let mut t = ConnectorTest::set_up();
    t.start_connect(t.addrinfo.clone());
    t.assert_pending(&[(AF1, "a")]);
    t.resolve_connect(AF1, "a", true);
    assert_eq!(t.success(), (AF1, "a"));
    t.tear_down();
}

#[test]
fn test_immediate_failure() {
    let mut t = ConnectorTest::set_up();
    t.start_connect(vec![(AF1, "a")]);
    t.assert_pending(&[(AF1, "a")]);
    t.resolve_connect(AF1, "a", false);
    assert_eq!(t.failure().kind(), ErrorKind::Connect);
    t.tear_down();
}

#[test]
fn test_one_family_second_try() {
    let mut t = ConnectorTest::set_up();
    t.start_connect(vec![(AF1, "a"), (AF1, "b")]);
    t.assert_pending(&[(AF1, "a")]);
    t.resolve_connect(AF1, "a", false);
    t.assert_pending(&[(AF1, "b")]);
    t.resolve_connect(AF1, "b", true);
    assert_eq!(t.success(), (AF1, "b"));
    t.tear_down();
}

#[test]
fn test_one_family_second_try_failure() {
    let mut t = ConnectorTest::set_up();
    t.start_connect(vec![(AF1, "a"), (AF1, "b")]);
    t.assert_pending(&[(AF1, "a")]);
    t.resolve_connect(AF1, "a", false);
    t.assert_pending(&[(AF1, "b")]);
    t.resolve_connect(AF1, "b", false);
    assert_eq!(t.failure().kind(), ErrorKind::Connect);
    t.tear_down();
}

#[test]
fn test_one_family_second_try_timeout() {
    let mut t = ConnectorTest::set_up();
    t.start_connect(vec![(AF1, "a"), (AF1, "b")]);
    t.assert_pending(&[(AF1, "a")]);
    // The timer fires while the first attempt is pending: nothing happens.
    t.on_timeout();
    t.assert_pending(&[(AF1, "a")]);
    t.resolve_connect(AF1, "a", false);
    t.assert_pending(&[(AF1, "b")]);
    t.resolve_connect(AF1, "b", true);
    assert_eq!(t.success(), (AF1, "b"));
    t.tear_down();
}

#[test]
fn test_two_families_immediate_failure() {
    let mut t = ConnectorTest::set_up();
    t.start_connect(t.addrinfo.clone());
    t.assert_pending(&[(AF1, "a")]);
    t.resolve_connect(AF1, "a", false);
    t.assert_pending(&[(AF1, "b"), (AF2, "c")]);
    t.resolve_connect(AF1, "b", false);
    t.resolve_connect(AF2, "c", true);
    assert_eq!(t.success(), (AF2, "c"));
    t.tear_down();
}

#[test]
fn test_two_families_timeout() {
    let mut t = ConnectorTest::set_up();
    t.start_connect(t.addrinfo.clone());
    t.assert_pending(&[(AF1, "a")]);
    t.on_timeout();
    t.assert_pending(&[(AF1, "a"), (AF2, "c")]);
    t.resolve_connect(AF2, "c", true);
    assert_eq!(t.success(), (AF2, "c"));
    // Resolving "a" after the connection completed does not start "b".
    t.resolve_connect(AF1, "a", false);
    t.assert_pending(&[]);
    t.tear_down();
}

#[test]
fn test_success_after_timeout() {
    let mut t = ConnectorTest::set_up();
    t.start_connect(t.addrinfo.clone());
    t.assert_pending(&[(AF1, "a")]);
    t.on_timeout();
    t.assert_pending(&[(AF1, "a"), (AF2, "c")]);
    t.resolve_connect(AF1, "a", true);
    assert_eq!(t.success(), (AF1, "a"));
    // Resolving "c" after completion: its connection is closed.
    t.resolve_connect(AF2, "c", true);
    assert!(t.take_stream("c").get());
    t.tear_down();
}

#[test]
fn test_all_fail() {
    let mut t = ConnectorTest::set_up();
    t.start_connect(t.addrinfo.clone());
    t.assert_pending(&[(AF1, "a")]);
    t.on_timeout();
    t.assert_pending(&[(AF1, "a"), (AF2, "c")]);
    t.resolve_connect(AF2, "c", false);
    t.assert_pending(&[(AF1, "a"), (AF2, "d")]);
    t.resolve_connect(AF2, "d", false);
    // One queue is now empty.
    t.assert_pending(&[(AF1, "a")]);
    t.resolve_connect(AF1, "a", false);
    t.assert_pending(&[(AF1, "b")]);
    assert!(!t.done());
    t.resolve_connect(AF1, "b", false);
    assert_eq!(t.failure().kind(), ErrorKind::Connect);
    t.tear_down();
}

#[test]
fn test_sync_failure_first_address() {
    // A synchronous failure is an immediate asynchronous one: move on and
    // start the secondary family without waiting for the timer.
    let mut t = ConnectorTest::set_up();
    t.sync_failures.borrow_mut().insert("a");
    t.start_connect(t.addrinfo.clone());
    t.assert_pending(&[(AF1, "b"), (AF2, "c")]);
    t.resolve_connect(AF1, "b", true);
    assert_eq!(t.success(), (AF1, "b"));
    t.resolve_connect(AF2, "c", true);
    assert!(t.take_stream("c").get());
    t.tear_down();
}

#[test]
fn test_sync_failure_whole_family() {
    let mut t = ConnectorTest::set_up();
    t.sync_failures.borrow_mut().extend(["a", "b"]);
    t.start_connect(t.addrinfo.clone());
    t.assert_pending(&[(AF2, "c")]);
    t.resolve_connect(AF2, "c", true);
    assert_eq!(t.success(), (AF2, "c"));
    t.tear_down();
}

#[test]
fn test_sync_failure_in_callback() {
    let mut t = ConnectorTest::set_up();
    t.sync_failures.borrow_mut().extend(["b", "c", "d"]);
    t.start_connect(t.addrinfo.clone());
    t.assert_pending(&[(AF1, "a")]);
    t.resolve_connect(AF1, "a", false);
    t.assert_pending(&[]);
    let error = t.failure();
    assert!(
        error
            .io_error()
            .unwrap()
            .to_string()
            .contains("sync failure")
    );
    t.tear_down();
}

#[test]
fn test_sync_failure_all() {
    let mut t = ConnectorTest::set_up();
    t.sync_failures.borrow_mut().extend(["a", "b", "c", "d"]);
    t.start_connect(t.addrinfo.clone());
    t.assert_pending(&[]);
    let error = t.failure();
    assert_eq!(error.io_error().unwrap().to_string(), "sync failure for d");
    t.tear_down();
}

#[test]
fn test_attempt_cancelled() {
    // A cancelled attempt counts as a failure.
    let mut t = ConnectorTest::set_up();
    t.start_connect(vec![(AF1, "a"), (AF1, "b")]);
    t.assert_pending(&[(AF1, "a")]);
    t.cancel_connect(AF1, "a");
    t.assert_pending(&[(AF1, "b")]);
    t.resolve_connect(AF1, "b", true);
    assert_eq!(t.success(), (AF1, "b"));
    // The stream of the cancelled attempt is closed.
    assert!(t.take_stream("a").get());
    t.tear_down();
}

#[test]
fn test_all_attempts_cancelled() {
    // Every attempt cancelled: an ordinary connect error, never
    // `Cancelled`, and nothing left open.
    let mut t = ConnectorTest::set_up();
    t.start_connect(vec![(AF1, "a"), (AF2, "c")]);
    t.on_timeout();
    t.assert_pending(&[(AF1, "a"), (AF2, "c")]);
    t.cancel_connect(AF1, "a");
    t.cancel_connect(AF2, "c");
    assert_eq!(t.failure().kind(), ErrorKind::Connect);
    assert_eq!(t.failure().to_string(), "connection failed");
    assert!(t.take_stream("a").get());
    assert!(t.take_stream("c").get());
    t.tear_down();
}

#[test]
fn test_cancel() {
    let mut t = ConnectorTest::set_up();
    t.start_connect(t.addrinfo.clone());
    t.on_timeout();
    t.assert_pending(&[(AF1, "a"), (AF2, "c")]);
    // The caller gives up: dropping the connector closes every attempt.
    t.conn = None;
    assert!(t.take_stream("a").get());
    assert!(t.take_stream("c").get());
    t.tear_down();
}

#[test]
fn test_one_family_timeout_after_connect_timeout() {
    let mut t = ConnectorTest::set_up();
    t.start_connect(vec![(AF1, "a"), (AF1, "b")]);
    t.assert_pending(&[(AF1, "a")]);
    t.on_connect_timeout();
    // The connector closes every stream on the connect timeout.
    t.connect_futures.borrow_mut().remove(&(AF1, "a"));
    assert!(t.take_stream("a").get());
    t.on_timeout();
    // Once failed with a timeout, no further address is tried.
    t.assert_pending(&[]);
    assert!(t.conn().pending_addrs().is_empty());
    assert!(t.failure().is_timeout());
    t.tear_down();
}

#[test]
fn test_one_family_success_before_connect_timeout() {
    let mut t = ConnectorTest::set_up();
    t.start_connect(vec![(AF1, "a"), (AF1, "b")]);
    t.assert_pending(&[(AF1, "a")]);
    t.resolve_connect(AF1, "a", true);
    t.on_connect_timeout();
    t.assert_pending(&[]);
    assert!(!t.is_closed("a"));
    assert!(t.conn().pending_addrs().is_empty());
    assert_eq!(t.success(), (AF1, "a"));
    t.tear_down();
}

#[test]
fn test_one_family_second_try_after_connect_timeout() {
    let mut t = ConnectorTest::set_up();
    t.start_connect(vec![(AF1, "a"), (AF1, "b")]);
    t.assert_pending(&[(AF1, "a")]);
    t.resolve_connect(AF1, "a", false);
    t.assert_pending(&[(AF1, "b")]);
    t.on_connect_timeout();
    t.connect_futures.borrow_mut().remove(&(AF1, "b"));
    assert!(t.take_stream("b").get());
    t.assert_pending(&[]);
    assert!(t.conn().pending_addrs().is_empty());
    // The failed attempt on "a" is not part of the message.
    assert!(t.failure().is_timeout());
    assert_eq!(t.failure().to_string(), "timeout while connecting to b");
    t.tear_down();
}

#[test]
fn test_one_family_second_try_failure_before_connect_timeout() {
    let mut t = ConnectorTest::set_up();
    t.start_connect(vec![(AF1, "a"), (AF1, "b")]);
    t.assert_pending(&[(AF1, "a")]);
    t.resolve_connect(AF1, "a", false);
    t.assert_pending(&[(AF1, "b")]);
    t.resolve_connect(AF1, "b", false);
    t.on_connect_timeout();
    t.assert_pending(&[]);
    assert_eq!(t.failure().kind(), ErrorKind::Connect);
    t.tear_down();
}

#[test]
fn test_two_family_timeout_before_connect_timeout() {
    let mut t = ConnectorTest::set_up();
    t.start_connect(t.addrinfo.clone());
    t.assert_pending(&[(AF1, "a")]);
    t.on_timeout();
    t.assert_pending(&[(AF1, "a"), (AF2, "c")]);
    t.on_connect_timeout();
    t.connect_futures.borrow_mut().remove(&(AF1, "a"));
    assert!(t.take_stream("a").get());
    t.connect_futures.borrow_mut().remove(&(AF2, "c"));
    assert!(t.take_stream("c").get());
    t.assert_pending(&[]);
    assert_eq!(t.failure().to_string(), "timeout while connecting to a, c");
    t.tear_down();
}

#[test]
fn test_two_family_success_after_timeout() {
    let mut t = ConnectorTest::set_up();
    t.start_connect(t.addrinfo.clone());
    t.assert_pending(&[(AF1, "a")]);
    t.on_timeout();
    t.assert_pending(&[(AF1, "a"), (AF2, "c")]);
    t.resolve_connect(AF1, "a", true);
    // One stream won: every other is closed.
    t.connect_futures.borrow_mut().remove(&(AF2, "c"));
    assert!(t.take_stream("c").get());
    t.assert_pending(&[]);
    assert_eq!(t.success(), (AF1, "a"));
    t.tear_down();
}

#[test]
fn test_two_family_timeout_after_connect_timeout() {
    let mut t = ConnectorTest::set_up();
    t.start_connect(t.addrinfo.clone());
    t.assert_pending(&[(AF1, "a")]);
    t.on_connect_timeout();
    t.connect_futures.borrow_mut().remove(&(AF1, "a"));
    assert!(t.take_stream("a").get());
    t.assert_pending(&[]);
    t.on_timeout();
    // Failed with a timeout: the secondary family is never tried.
    t.assert_pending(&[]);
    assert!(t.failure().is_timeout());
    t.tear_down();
}

// --- beyond Tornado's tests: the timers on the loop's (manual) clock ------

fn start_with_timers(t: &mut ConnectorTest, deadline: Duration) {
    let deadline = t.ioloop.time() + deadline;
    let conn = Connector::start(
        t.addrinfo.clone(),
        t.create_stream(),
        INITIAL_CONNECT_TIMEOUT,
        Some(deadline),
    );
    t.conn = Some(conn);
    t.run();
}

#[test]
fn happy_eyeballs_delay_runs_on_the_loop_clock() {
    let mut t = ConnectorTest::set_up();
    start_with_timers(&mut t, Duration::from_secs(10));
    t.assert_pending(&[(AF1, "a")]);
    t.ioloop.clock().advance(Duration::from_millis(299));
    t.run();
    t.assert_pending(&[(AF1, "a")]);
    t.ioloop.clock().advance(Duration::from_millis(1));
    t.run();
    t.assert_pending(&[(AF1, "a"), (AF2, "c")]);
    t.resolve_connect(AF2, "c", true);
    assert_eq!(t.success(), (AF2, "c"));
    t.connect_futures.borrow_mut().remove(&(AF1, "a"));
    assert!(t.take_stream("a").get());
    t.tear_down();
}

#[test]
fn connect_deadline_runs_on_the_loop_clock() {
    let mut t = ConnectorTest::set_up();
    start_with_timers(&mut t, Duration::from_secs(1));
    t.ioloop.clock().advance(Duration::from_millis(300));
    t.run();
    t.assert_pending(&[(AF1, "a"), (AF2, "c")]);
    t.ioloop.clock().advance(Duration::from_millis(700));
    t.run();
    assert_eq!(t.failure().to_string(), "timeout while connecting to a, c");
    for addr in ["a", "c"] {
        assert!(t.take_stream(addr).get());
    }
    t.tear_down();
}

#[test]
fn empty_address_list_fails_at_once() {
    let mut t = ConnectorTest::set_up();
    t.start_connect(Vec::new());
    assert_eq!(t.failure().kind(), ErrorKind::Connect);
    t.tear_down();
}

#[test]
fn many_sync_failures_do_not_recurse() {
    // Tornado recurses once per failed address; a long list of addresses
    // that all fail at once must not exhaust the stack here.
    let mut t = ConnectorTest::set_up();
    let names: Vec<Addr> = (0..50_000)
        .map(|i| &*Box::leak(format!("x{i}").into_boxed_str()))
        .collect();
    t.sync_failures.borrow_mut().extend(names.iter().copied());
    let addrinfo: Vec<(u8, Addr)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (if i % 2 == 0 { AF1 } else { AF2 }, *n))
        .collect();
    t.start_connect(addrinfo);
    assert!(
        t.failure()
            .io_error()
            .unwrap()
            .to_string()
            .starts_with("sync failure")
    );
    t.tear_down();
}

// --- properties --------------------------------------------------------------

mod properties {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Step {
        /// Resolve the n-th pending attempt (mod the count).
        Resolve(usize, bool),
        Timeout,
        ConnectTimeout,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            6 => (any::<usize>(), any::<bool>()).prop_map(|(i, ok)| Step::Resolve(i, ok)),
            2 => Just(Step::Timeout),
            1 => Just(Step::ConnectTimeout),
        ]
    }

    const NAMES: [Addr; 8] = ["a", "b", "c", "d", "e", "f", "g", "h"];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever order attempts finish and timers fire in: at most one
        /// attempt per family is in flight, the connector always finishes,
        /// a success is an attempt that succeeded, and every attempt but the
        /// winner ends closed.
        #[test]
        fn connector_invariants(
            families in prop::collection::vec(1u8..=2, 1..8),
            steps in prop::collection::vec(step(), 0..40),
        ) {
            let mut t = ConnectorTest::set_up();
            let addrinfo: Vec<(u8, Addr)> = families.iter().zip(NAMES).map(|(f, n)| (*f, n)).collect();
            t.start_connect(addrinfo.clone());
            let mut succeeded: Vec<Addr> = Vec::new();
            let mut connect_timeout_fired = false;
            let mut steps = steps.into_iter();
            let mut fuel = 100;
            while !t.done() && fuel > 0 {
                fuel -= 1;
                // One attempt per family in flight.
                let pending = t.conn().pending_addrs().into_iter().copied().collect::<Vec<_>>();
                let mut fams: Vec<u8> = pending
                    .iter()
                    .map(|a| addrinfo.iter().find(|(_, n)| n == a).unwrap().0)
                    .collect();
                fams.sort_unstable();
                let before = fams.len();
                fams.dedup();
                prop_assert_eq!(before, fams.len());
                let step = steps.next().unwrap_or(Step::Resolve(0, false));
                match step {
                    Step::Resolve(i, ok) => {
                        if pending.is_empty() {
                            t.on_timeout();
                            continue;
                        }
                        let addr = pending[i % pending.len()];
                        let af = addrinfo.iter().find(|(_, n)| *n == addr).unwrap().0;
                        if ok {
                            succeeded.push(addr);
                        }
                        t.resolve_connect(af, addr, ok);
                    }
                    Step::Timeout => t.on_timeout(),
                    Step::ConnectTimeout => {
                        connect_timeout_fired = true;
                        t.on_connect_timeout();
                    }
                }
            }
            prop_assert!(t.done(), "the connector never finished");
            let winner = match t.result.as_ref().unwrap() {
                Ok((_, addr, stream)) => {
                    prop_assert!(!stream.closed.get());
                    prop_assert_eq!(succeeded.first().copied(), Some(*addr));
                    Some(*addr)
                }
                Err(e) => {
                    prop_assert!(succeeded.is_empty());
                    if e.is_timeout() {
                        prop_assert!(connect_timeout_fired);
                    }
                    None
                }
            };
            prop_assert!(t.conn().pending_addrs().is_empty());
            for (addr, closed) in t.streams.borrow().iter() {
                if Some(*addr) != winner {
                    prop_assert!(closed.get(), "attempt {} left open", addr);
                }
            }
        }
    }
}
