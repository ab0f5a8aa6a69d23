//! Mirrors `tornado/test/ioloop_test.py`: the loop, its timers, callbacks,
//! raw descriptor handlers, signals, the executor and `PeriodicCallback`.
//!
//! Python test classes become modules; Python test names are kept. Time is
//! a manual clock wherever a test is about timers, so nothing sleeps.

mod common;

use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use common::*;
use tornado_ioloop::locks::Event;
use tornado_ioloop::{
    ErrorKind, Events, IoLoop, IoSource, PeriodicCallback, ThreadPoolExecutor, r#gen,
};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A non-blocking Unix socket pair (Python's `socket.socketpair()`).
fn socketpair() -> (UnixStream, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    b.set_nonblocking(true).unwrap();
    (a, b)
}

mod test_ioloop {
    use super::*;

    #[test]
    fn test_add_callback_wakeup() {
        // A callback added from inside the running loop (here from a timer)
        // runs at once. The clock is manual, so if the loop waited for
        // anything else it would block for ever (and the watchdog fires).
        let _w = Watchdog::new("test_add_callback_wakeup");
        let (ioloop, _clock) = manual_loop();
        let called = Rc::new(Cell::new(false));
        // A far-away timer: the loop has something to wait for.
        ioloop.call_later(Duration::from_secs(3600), || {});
        ioloop.add_timeout(ioloop.time(), {
            let ioloop = ioloop.clone();
            let called = called.clone();
            move || {
                let inner = ioloop.clone();
                ioloop.add_callback(move || {
                    called.set(true);
                    inner.stop();
                });
            }
        });
        ioloop.start().unwrap();
        assert!(called.get());
    }

    #[test]
    fn test_add_callback_wakeup_other_thread() {
        // The loop blocks in its poll (manual clock, only a far timer); a
        // callback added through the handle from another thread wakes it.
        let _w = Watchdog::new("test_add_callback_wakeup_other_thread");
        let (ioloop, _clock) = manual_loop();
        ioloop.call_later(Duration::from_secs(3600), || {});
        let handle = ioloop.handle();
        let (started_tx, started_rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            started_rx.recv().unwrap();
            handle.add_callback(|| IoLoop::current().stop());
        });
        ioloop.add_callback(move || started_tx.send(()).unwrap());
        ioloop.start().unwrap();
        thread.join().unwrap();
    }

    #[test]
    fn test_add_timeout_timedelta() {
        let _w = Watchdog::new("test_add_timeout_timedelta");
        let ioloop = system_loop();
        let stop = ioloop.clone();
        ioloop.add_timeout(Duration::from_micros(1), move || stop.stop());
        ioloop.start().unwrap();
        assert_eq!(ioloop.pending_timers(), 0);
    }

    #[test]
    fn test_multiple_add() {
        let ioloop = system_loop();
        let (a, _b) = socketpair();
        let fd = a.as_raw_fd();
        ioloop.add_handler(fd, Events::READ, |_, _| {}).unwrap();
        // Adding the same descriptor twice fails.
        let err = ioloop.add_handler(fd, Events::READ, |_, _| {}).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert!(ioloop.remove_handler(fd));
        // Once removed, it can be added again.
        ioloop.add_handler(fd, Events::READ, |_, _| {}).unwrap();
        assert!(ioloop.remove_handler(fd));
    }

    #[test]
    fn test_remove_without_add() {
        // Removing a descriptor that never had a handler is not an error.
        let ioloop = system_loop();
        let (a, _b) = socketpair();
        assert!(!ioloop.remove_handler(a.as_raw_fd()));
        // Nor is updating it a panic: it is reported.
        let err = ioloop
            .update_handler(a.as_raw_fd(), Events::WRITE)
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    }

    #[test]
    fn test_add_callback_from_signal_other_thread() {
        // A loop running on another thread is stopped from this one.
        let _w = Watchdog::new("test_add_callback_from_signal_other_thread");
        let (handle_tx, handle_rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let other = IoLoop::new().unwrap();
            handle_tx.send(other.handle()).unwrap();
            other.start().unwrap();
            other.close().unwrap();
        });
        let handle = handle_rx.recv().unwrap();
        handle.add_callback(|| IoLoop::current().stop());
        thread.join().unwrap();
        assert!(handle.is_closed());
    }

    #[test]
    fn test_add_callback_while_closing() {
        // Callbacks (and tasks) handed to a loop that another thread closed
        // are dropped silently.
        let _w = Watchdog::new("test_add_callback_while_closing");
        let (handle_tx, handle_rx) = mpsc::channel();
        let (closed_tx, closed_rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let other = IoLoop::new().unwrap();
            handle_tx.send(other.handle()).unwrap();
            other.add_callback({
                let other = other.clone();
                move || other.stop()
            });
            other.start().unwrap();
            other.close().unwrap();
            closed_tx.send(()).unwrap();
        });
        let handle = handle_rx.recv().unwrap();
        closed_rx.recv().unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..1000 {
            let ran = ran.clone();
            handle.add_callback(move || {
                ran.fetch_add(1, Ordering::SeqCst);
            });
        }
        thread.join().unwrap();
        assert!(handle.is_closed());
        assert_eq!(ran.load(Ordering::SeqCst), 0);
        // A task sent to a closed loop resolves to a Closed error.
        let ioloop = system_loop();
        let result = ioloop.run_sync(handle.spawn(async { 1 }), GUARD).unwrap();
        assert_eq!(result.unwrap_err().kind(), ErrorKind::Closed);
    }

    #[test]
    fn test_handle_after_loop_dropped() {
        // Not a Python test: a loop whose thread ended without close() is
        // gone; its handle reports it closed, drops callbacks, and a task
        // sent to it resolves to Closed instead of waiting for ever.
        let _w = Watchdog::new("test_handle_after_loop_dropped");
        let handle = std::thread::spawn(|| IoLoop::new().unwrap().handle())
            .join()
            .unwrap();
        assert!(handle.is_closed());
        handle.add_callback(|| panic!("never runs"));
        let ioloop = system_loop();
        let result = ioloop.run_sync(handle.spawn(async { 1 }), GUARD).unwrap();
        assert_eq!(result.unwrap_err().kind(), ErrorKind::Closed);
    }

    #[test]
    fn test_read_while_writeable() {
        // A handler that asked only for READ gets READ, not WRITE, although
        // the socket is writable the whole time.
        let ioloop = system_loop();
        let (client, server) = socketpair();
        let seen = Rc::new(RefCell::new(Vec::new()));
        let done = Rc::new(Event::new());
        let fd = client.as_raw_fd();
        ioloop
            .add_handler(fd, Events::READ, {
                let seen = seen.clone();
                let done = done.clone();
                let mut client = client.try_clone().unwrap();
                move |_, events| {
                    seen.borrow_mut().push(events);
                    let mut buf = [0u8; 16];
                    while client.read(&mut buf).is_ok_and(|n| n > 0) {}
                    done.set();
                }
            })
            .unwrap();
        ioloop
            .run_sync(
                async {
                    // Let the loop poll a few times with nothing readable.
                    settle_n(20).await;
                    assert!(seen.borrow().is_empty(), "no event before data");
                    (&server).write_all(b"asdf").unwrap();
                    done.wait().await;
                },
                GUARD,
            )
            .unwrap();
        assert!(ioloop.remove_handler(fd));
        let seen = seen.borrow();
        assert_eq!(seen.len(), 1);
        assert!(seen[0].contains(Events::READ));
        assert!(!seen[0].intersects(Events::WRITE), "got {:?}", seen[0]);
    }

    #[test]
    fn test_update_handler() {
        // Not in Python's suite: update_handler switches the events asked
        // for, from READ (nothing to read) to WRITE (a socket is writable).
        let ioloop = system_loop();
        let (client, _server) = socketpair();
        let fd = client.as_raw_fd();
        let seen = Rc::new(RefCell::new(Vec::new()));
        let done = Rc::new(Event::new());
        ioloop
            .add_handler(fd, Events::READ, {
                let seen = seen.clone();
                let done = done.clone();
                move |got_fd, events| {
                    assert_eq!(got_fd, fd);
                    seen.borrow_mut().push(events);
                    done.set();
                }
            })
            .unwrap();
        ioloop
            .run_sync(
                async {
                    settle_n(20).await;
                    assert!(seen.borrow().is_empty());
                    IoLoop::current().update_handler(fd, Events::WRITE).unwrap();
                    done.wait().await;
                },
                GUARD,
            )
            .unwrap();
        assert!(seen.borrow()[0].contains(Events::WRITE));
        assert!(ioloop.remove_handler(fd));
    }

    #[test]
    fn test_update_handler_none() {
        // Not in Python's suite: Events::NONE pauses a handler without
        // removing it; asking for READ again resumes it.
        let ioloop = system_loop();
        let (client, server) = socketpair();
        let fd = client.as_raw_fd();
        let calls = Rc::new(Cell::new(0));
        let called = Rc::new(Event::new());
        ioloop
            .add_handler(fd, Events::READ, {
                let (calls, called) = (calls.clone(), called.clone());
                let mut client = client.try_clone().unwrap();
                move |_, _| {
                    let mut buf = [0u8; 16];
                    while client.read(&mut buf).is_ok_and(|n| n > 0) {}
                    calls.set(calls.get() + 1);
                    called.set();
                }
            })
            .unwrap();
        ioloop.update_handler(fd, Events::NONE).unwrap();
        ioloop.update_handler(fd, Events::NONE).unwrap(); // twice is fine
        (&server).write_all(b"x").unwrap();
        ioloop.run_sync(settle_n(20), GUARD).unwrap();
        assert_eq!(calls.get(), 0, "a paused handler is not called");
        ioloop.update_handler(fd, Events::READ).unwrap();
        ioloop.run_sync(called.wait(), GUARD).unwrap();
        assert_eq!(calls.get(), 1);
        // A handler added for NONE is kept but silent.
        assert!(ioloop.remove_handler(fd));
        ioloop
            .add_handler(fd, Events::NONE, |_, _| panic!("never called"))
            .unwrap();
        (&server).write_all(b"y").unwrap();
        ioloop.run_sync(settle_n(20), GUARD).unwrap();
        assert!(ioloop.remove_handler(fd));
    }

    #[test]
    fn test_remove_timeout_after_fire() {
        // Removing a timeout that already ran is not an error.
        let _w = Watchdog::new("test_remove_timeout_after_fire");
        let (ioloop, _clock) = manual_loop();
        let stop = ioloop.clone();
        let handle = ioloop.add_timeout(ioloop.time(), move || stop.stop());
        ioloop.start().unwrap();
        assert!(!ioloop.remove_timeout(handle));
    }

    #[test]
    fn test_remove_timeout_cleanup() {
        // Adding and removing many timeouts leaves nothing behind.
        let _w = Watchdog::new("test_remove_timeout_cleanup");
        let (ioloop, _clock) = manual_loop();
        for _ in 0..2000 {
            let timeout = ioloop.add_timeout(Duration::from_secs(3600), || {});
            assert!(ioloop.remove_timeout(timeout));
        }
        assert_eq!(ioloop.pending_timers(), 0);
        ioloop
            .run_sync(
                async {
                    settle_n(2).await;
                },
                None,
            )
            .unwrap();
        assert_eq!(ioloop.pending_timers(), 0);
    }

    #[test]
    fn test_remove_timeout_from_timeout() {
        // Three timeouts come due in the same turn; the first cancels the
        // second, which then does not run.
        let _w = Watchdog::new("test_remove_timeout_from_timeout");
        let (ioloop, clock) = manual_loop();
        let calls = Rc::new(RefCell::new([false, false]));
        let now = ioloop.time();
        let t2_handle: Rc<Cell<Option<tornado_ioloop::Timeout>>> = Rc::new(Cell::new(None));
        ioloop.add_timeout(now + ms(10), {
            let calls = calls.clone();
            let t2_handle = t2_handle.clone();
            let ioloop = ioloop.clone();
            move || {
                calls.borrow_mut()[0] = true;
                assert!(ioloop.remove_timeout(t2_handle.get().unwrap()));
            }
        });
        t2_handle.set(Some(ioloop.add_timeout(now + ms(20), {
            let calls = calls.clone();
            move || calls.borrow_mut()[1] = true
        })));
        let stop = ioloop.clone();
        ioloop.add_timeout(now + ms(30), move || stop.stop());
        clock.advance(ms(30));
        ioloop.start().unwrap();
        assert_eq!(*calls.borrow(), [true, false]);
    }

    #[test]
    fn test_timeout_with_arguments() {
        // All the ways of scheduling a timeout run their callback; due at the
        // same instant, they run in the order they were scheduled.
        let _w = Watchdog::new("test_timeout_with_arguments");
        let (ioloop, _clock) = manual_loop();
        let results = Rc::new(RefCell::new(Vec::new()));
        let push = |n: i32| {
            let results = results.clone();
            move || results.borrow_mut().push(n)
        };
        ioloop.add_timeout(ioloop.time(), push(1));
        ioloop.add_timeout(Duration::ZERO, push(2));
        ioloop.call_at(ioloop.time(), push(3));
        ioloop.call_later(Duration::ZERO, push(4));
        let stop = ioloop.clone();
        ioloop.call_later(Duration::ZERO, move || stop.stop());
        ioloop.start().unwrap();
        assert_eq!(*results.borrow(), vec![1, 2, 3, 4]);
    }

    #[test]
    fn test_add_timeout_return() {
        let ioloop = system_loop();
        let handle = ioloop.add_timeout(ioloop.time(), || {});
        assert_eq!(ioloop.pending_timers(), 1);
        assert!(ioloop.remove_timeout(handle));
        assert!(!ioloop.remove_timeout(handle));
        assert_eq!(ioloop.pending_timers(), 0);
    }

    #[test]
    fn test_call_at_return() {
        let ioloop = system_loop();
        let handle = ioloop.call_at(ioloop.time(), || {});
        assert!(ioloop.remove_timeout(handle));
        assert_eq!(ioloop.pending_timers(), 0);
    }

    #[test]
    fn test_call_later_return() {
        let ioloop = system_loop();
        let handle = ioloop.call_later(Duration::ZERO, || {});
        assert!(ioloop.remove_timeout(handle));
        assert_eq!(ioloop.pending_timers(), 0);
    }

    #[test]
    fn test_handler_callback_file_object() {
        // The handler is called with the descriptor it was registered for.
        let ioloop = system_loop();
        let (a, b) = socketpair();
        let fds = Rc::new(RefCell::new(Vec::new()));
        for (mine, peer) in [(&a, &b), (&b, &a)] {
            let fd = mine.as_raw_fd();
            let done = Rc::new(Event::new());
            ioloop
                .add_handler(fd, Events::READ, {
                    let fds = fds.clone();
                    let done = done.clone();
                    let mut mine = mine.try_clone().unwrap();
                    move |got, _| {
                        fds.borrow_mut().push(got);
                        let mut buf = [0u8; 8];
                        while mine.read(&mut buf).is_ok_and(|n| n > 0) {}
                        done.set();
                    }
                })
                .unwrap();
            peer.try_clone().unwrap().write_all(b"x").unwrap();
            ioloop.run_sync(done.wait(), GUARD).unwrap();
            assert!(ioloop.remove_handler(fd));
        }
        assert_eq!(*fds.borrow(), vec![a.as_raw_fd(), b.as_raw_fd()]);
    }

    #[test]
    fn test_reentrant() {
        // Starting a running loop fails instead of deadlocking; so does
        // run_sync and close.
        let _w = Watchdog::new("test_reentrant");
        let ioloop = system_loop();
        let outcome = Rc::new(RefCell::new(Vec::new()));
        ioloop.add_callback({
            let ioloop = ioloop.clone();
            let outcome = outcome.clone();
            move || {
                let mut outcome = outcome.borrow_mut();
                outcome.push(ioloop.start().map_err(|e| e.kind()));
                outcome.push(ioloop.run_sync(async {}, None).map_err(|e| e.kind()));
                outcome.push(ioloop.close().map_err(|e| e.kind()));
                ioloop.stop();
            }
        });
        ioloop.start().unwrap();
        assert_eq!(
            *outcome.borrow(),
            vec![Err(ErrorKind::AlreadyRunning); 3],
            "start, run_sync and close inside the running loop"
        );
        assert!(!ioloop.is_closed());
        assert!(!ioloop.is_running());
    }

    #[test]
    fn test_exception_logging() {
        // A panicking callback is logged (target tornado.application) and the
        // loop keeps running.
        let _w = Watchdog::new("test_exception_logging");
        install_logger();
        quiet_expected_panics();
        let ioloop = system_loop();
        ioloop.add_callback(|| panic!("expected: callback failure"));
        let ran_after = Rc::new(Cell::new(false));
        ioloop.add_callback({
            let ioloop = ioloop.clone();
            let ran_after = ran_after.clone();
            move || {
                ran_after.set(true);
                ioloop.stop();
            }
        });
        ioloop.start().unwrap();
        assert!(ran_after.get());
        let logged = logged_here();
        let record = logged
            .iter()
            .find(|r| r.message.contains("expected: callback failure"))
            .expect("the panic is logged");
        assert_eq!(record.level, log::Level::Error);
        assert_eq!(record.target, "tornado.application");
        assert!(record.message.contains("exception in callback"));
    }

    #[test]
    fn test_exception_logging_future() {
        // A panic in the callback of add_future is logged with the place
        // add_future was called.
        let _w = Watchdog::new("test_exception_logging_future");
        install_logger();
        quiet_expected_panics();
        let ioloop = system_loop();
        let line = line!() + 1;
        ioloop.add_future(async { 5 }, |_| panic!("expected: future callback"));
        ioloop
            .run_sync(
                async {
                    settle().await;
                },
                GUARD,
            )
            .unwrap();
        let logged = logged_here();
        let record = logged
            .iter()
            .find(|r| r.message.contains("expected: future callback"))
            .expect("the panic is logged");
        assert_eq!(record.level, log::Level::Error);
        assert_eq!(record.target, "tornado.application");
        let location = format!("{}:{line}", file!());
        assert!(
            record.message.contains(&location),
            "{:?} names {location}",
            record.message
        );
    }

    #[test]
    fn test_exception_logging_native_coro() {
        // A task that panics after a yield: logged with its spawn location,
        // reported on its JoinHandle, and the loop keeps running.
        let _w = Watchdog::new("test_exception_logging_native_coro");
        install_logger();
        quiet_expected_panics();
        let ioloop = system_loop();
        let line = line!() + 1;
        let task = ioloop.spawn(async {
            r#gen::moment().await;
            if true {
                panic!("expected: task failure");
            }
            7
        });
        let err = ioloop.run_sync(task, GUARD).unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Panicked);
        assert!(err.is_panic());
        assert_eq!(err.message(), Some("expected: task failure"));
        let location = err.location().expect("a panic carries its spawn site");
        assert_eq!(location.file(), file!());
        assert_eq!(location.line(), line);
        assert!(err.to_string().starts_with("task panicked (spawned at "));
        let logged = logged_here();
        let record = logged
            .iter()
            .find(|r| r.message.contains("expected: task failure"))
            .expect("the panic is logged");
        assert_eq!(record.level, log::Level::Error);
        assert!(record.message.contains(&format!("{}:{line}", file!())));
        // The loop still works.
        assert_eq!(ioloop.run_sync(async { 3 }, GUARD).unwrap(), 3);
    }

    #[test]
    fn test_spawn_callback() {
        // Panics in add_callback and spawn_callback are both logged without
        // stopping the loop.
        let _w = Watchdog::new("test_spawn_callback");
        install_logger();
        quiet_expected_panics();
        let ioloop = system_loop();
        ioloop.add_callback(|| panic!("expected: first"));
        ioloop.spawn_callback(|| async { panic!("expected: second") });
        let count = Rc::new(Cell::new(0));
        ioloop.spawn_callback({
            let count = count.clone();
            move || async move { count.set(count.get() + 1) }
        });
        ioloop
            .run_sync(
                async {
                    settle().await;
                },
                GUARD,
            )
            .unwrap();
        assert_eq!(count.get(), 1);
        let logged = logged_here();
        assert!(logged.iter().any(|r| r.message.contains("expected: first")));
        assert!(
            logged
                .iter()
                .any(|r| r.message.contains("expected: second"))
        );
    }

    #[test]
    fn test_remove_handler_from_handler() {
        // Both ends are readable in the same poll; whichever handler runs
        // first removes the other, which then must not run.
        let ioloop = system_loop();
        let (client, server) = socketpair();
        (&client).write_all(b"abc").unwrap();
        (&server).write_all(b"abc").unwrap();
        let chunks = Rc::new(RefCell::new(Vec::new()));
        let done = Rc::new(Event::new());
        let (cfd, sfd) = (client.as_raw_fd(), server.as_raw_fd());
        for (mine, other) in [(&client, sfd), (&server, cfd)] {
            let chunks = chunks.clone();
            let done = done.clone();
            let fd = mine.as_raw_fd();
            let mut mine = mine.try_clone().unwrap();
            ioloop
                .add_handler(fd, Events::READ, move |_, _| {
                    let mut buf = [0u8; 1024];
                    let n = mine.read(&mut buf).unwrap();
                    chunks.borrow_mut().push(buf[..n].to_vec());
                    IoLoop::current().remove_handler(other);
                    done.set();
                })
                .unwrap();
        }
        ioloop
            .run_sync(
                async {
                    done.wait().await;
                    // More turns, with polls, for a wrong second call.
                    settle_n(20).await;
                },
                GUARD,
            )
            .unwrap();
        assert_eq!(*chunks.borrow(), vec![b"abc".to_vec()]);
        // Exactly one handler is left: the one that ran.
        assert_eq!(
            [ioloop.remove_handler(cfd), ioloop.remove_handler(sfd)]
                .iter()
                .filter(|removed| **removed)
                .count(),
            1
        );
    }

    #[test]
    fn test_close_removes_handlers() {
        // Not in Python's suite (its test_close_file_object checks that
        // close(all_fds=True) closes file objects): close() drops every
        // handler, so the descriptor can be registered with another loop.
        let ioloop = system_loop();
        let (a, _b) = socketpair();
        ioloop
            .add_handler(a.as_raw_fd(), Events::READ, |_, _| {})
            .unwrap();
        ioloop.close().unwrap();
        assert!(!ioloop.remove_handler(a.as_raw_fd()));
        let other = system_loop();
        other
            .add_handler(a.as_raw_fd(), Events::READ, |_, _| {})
            .unwrap();
        assert!(other.remove_handler(a.as_raw_fd()));
    }

    #[test]
    fn test_init_close_race() {
        // Loops made and closed on executor threads, in parallel.
        let ioloop = system_loop();
        let jobs = (0..2).map(|_| {
            ioloop.run_in_executor(|| {
                for _ in 0..10 {
                    let other = IoLoop::new().unwrap();
                    other.close().unwrap();
                    assert!(other.is_closed());
                }
            })
        });
        let results = ioloop.run_sync(r#gen::multi(jobs), GUARD).unwrap();
        assert_eq!(results.len(), 2);
        assert!(results.iter().all(Result::is_ok));
    }

    #[test]
    fn test_signal_handler() {
        // Not in ioloop_test.py (Tornado apps use asyncio's
        // add_signal_handler): the callback runs on the loop's thread.
        let _w = Watchdog::new("test_signal_handler");
        let ioloop = system_loop();
        let loop_thread = std::thread::current().id();
        let seen = Rc::new(Cell::new(0));
        ioloop
            .add_signal_handler(signal_hook::consts::SIGUSR1, {
                let seen = seen.clone();
                move || {
                    assert_eq!(std::thread::current().id(), loop_thread);
                    seen.set(seen.get() + 1);
                    IoLoop::current().stop();
                }
            })
            .unwrap();
        // The handler runs when the signal arrives, not before.
        ioloop.run_sync(settle_n(5), GUARD).unwrap();
        assert_eq!(seen.get(), 0);
        signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
        ioloop.start().unwrap();
        assert_eq!(seen.get(), 1);
        // A second delivery runs the handler again.
        signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
        ioloop.start().unwrap();
        assert_eq!(seen.get(), 2);
        // Replacing the handler.
        let replaced = Rc::new(Cell::new(false));
        ioloop
            .add_signal_handler(signal_hook::consts::SIGUSR1, {
                let replaced = replaced.clone();
                move || {
                    replaced.set(true);
                    IoLoop::current().stop();
                }
            })
            .unwrap();
        signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
        ioloop.start().unwrap();
        assert!(replaced.get());
        assert_eq!(seen.get(), 2);
        assert!(ioloop.remove_signal_handler(signal_hook::consts::SIGUSR1));
        assert!(!ioloop.remove_signal_handler(signal_hook::consts::SIGUSR1));
        // After removal SIGUSR1 has its default action (terminate), so it is
        // not raised again here.
    }

    #[test]
    fn test_signal_handler_refused() {
        // Signals that cannot be handled are refused with an error.
        let ioloop = system_loop();
        assert!(
            ioloop
                .add_signal_handler(signal_hook::consts::SIGKILL, || {})
                .is_err()
        );
        assert!(
            ioloop
                .add_signal_handler(signal_hook::consts::SIGSEGV, || {})
                .is_err()
        );
        assert!(!ioloop.remove_signal_handler(signal_hook::consts::SIGKILL));
    }

    #[test]
    fn test_task_panic_keeps_loop_running() {
        // Not a Python test by name: a panicking task among others.
        let _w = Watchdog::new("test_task_panic_keeps_loop_running");
        quiet_expected_panics();
        let ioloop = system_loop();
        let bad = ioloop.spawn(async { panic!("expected: boom") });
        let good = ioloop.spawn(async {
            r#gen::moment().await;
            "fine"
        });
        let (bad, good) = ioloop.run_sync(r#gen::join((bad, good)), GUARD).unwrap();
        let bad: tornado_ioloop::Result<()> = bad;
        assert_eq!(bad.unwrap_err().kind(), ErrorKind::Panicked);
        assert_eq!(good.unwrap(), "fine");
    }

    #[test]
    fn test_abort() {
        // abort() drops the task's future at once and resolves the handle to
        // Aborted; aborting a finished task does nothing.
        let _w = Watchdog::new("test_abort");
        let ioloop = system_loop();
        struct OnDrop(Rc<Cell<bool>>);
        impl Drop for OnDrop {
            fn drop(&mut self) {
                self.0.set(true);
            }
        }
        let dropped = Rc::new(Cell::new(false));
        let task = ioloop.spawn({
            let guard = OnDrop(dropped.clone());
            async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            }
        });
        ioloop.run_sync(settle_n(2), GUARD).unwrap();
        assert!(!task.is_finished());
        assert!(!dropped.get());
        task.abort();
        assert!(dropped.get(), "the future is dropped by abort");
        assert!(task.is_finished());
        let err = ioloop.run_sync(task, GUARD).unwrap().unwrap_err();
        assert!(err.is_aborted());

        let done = ioloop.spawn(async { 1 });
        ioloop.run_sync(settle_n(2), GUARD).unwrap();
        done.abort();
        assert_eq!(ioloop.run_sync(done, GUARD).unwrap().unwrap(), 1);
    }

    #[test]
    fn test_abort_self() {
        // A task that aborts itself through its own handle stops at its next
        // yield and resolves to Aborted.
        let _w = Watchdog::new("test_abort_self");
        let ioloop = system_loop();
        let handle_slot: Rc<RefCell<Option<tornado_ioloop::JoinHandle<()>>>> =
            Rc::new(RefCell::new(None));
        let reached = Rc::new(Cell::new(0));
        let task = ioloop.spawn({
            let slot = handle_slot.clone();
            let reached = reached.clone();
            async move {
                r#gen::moment().await;
                reached.set(1);
                if let Some(me) = slot.borrow_mut().take() {
                    me.abort();
                }
                r#gen::moment().await;
                reached.set(2);
            }
        });
        // A second handle to the same task is not available, so the task
        // gets the only one; watch for completion through `reached`.
        *handle_slot.borrow_mut() = Some(task);
        ioloop.run_sync(settle(), GUARD).unwrap();
        assert_eq!(reached.get(), 1);
    }

    #[test]
    fn test_handle_spawn_from_other_thread() {
        // IoLoopHandle::spawn from another thread runs the task on the
        // loop's thread; the result comes back to the spawning thread.
        let _w = Watchdog::new("test_handle_spawn_from_other_thread");
        let ioloop = system_loop();
        let handle = ioloop.handle();
        let loop_thread = std::thread::current().id();
        let stop = ioloop.handle();
        let thread = std::thread::spawn(move || {
            let mine = IoLoop::new().unwrap();
            let remote = handle.spawn(async move {
                assert_eq!(std::thread::current().id(), loop_thread);
                r#gen::moment().await;
                6 * 7
            });
            let answer = mine.run_sync(remote, GUARD).unwrap().unwrap();
            quiet_expected_panics();
            let failing = handle.spawn(async { panic!("expected: remote") });
            let err: tornado_ioloop::Error = mine.run_sync(failing, GUARD).unwrap().unwrap_err();
            stop.stop();
            (answer, err.kind())
        });
        ioloop.start().unwrap();
        let (answer, kind) = thread.join().unwrap();
        assert_eq!(answer, 42);
        assert_eq!(kind, ErrorKind::Panicked);
    }

    #[test]
    fn test_close_resolves_handles() {
        // close() drops every task; their handles resolve to Closed, and
        // spawn / run_sync / start on a closed loop fail the same way.
        let ioloop = system_loop();
        let pending = ioloop.spawn(std::future::pending::<u8>());
        let never_started = ioloop.spawn(async { 1u8 });
        ioloop.call_later(Duration::from_secs(60), || {});
        ioloop.close().unwrap();
        assert!(ioloop.is_closed());
        assert_eq!(ioloop.pending_timers(), 0);
        assert!(pending.is_finished());
        ioloop.close().unwrap(); // closing twice is fine
        let other = system_loop();
        for handle in [pending, never_started, ioloop.spawn(async { 2u8 })] {
            let err = other.run_sync(handle, GUARD).unwrap().unwrap_err();
            assert!(err.is_closed());
        }
        assert_eq!(
            ioloop.run_sync(async {}, None).unwrap_err().kind(),
            ErrorKind::Closed
        );
        assert_eq!(ioloop.start().unwrap_err().kind(), ErrorKind::Closed);
    }

    #[test]
    fn test_manual_clock_blocks_until_woken() {
        // With a manual clock and only a timer pending, the loop waits for
        // a wake-up instead of spinning or sleeping; another thread moves
        // the clock and wakes it.
        let _w = Watchdog::new("test_manual_clock_blocks_until_woken");
        let (ioloop, clock) = manual_loop();
        let fired = Arc::new(AtomicBool::new(false));
        ioloop.call_later(Duration::from_secs(10), {
            let fired = fired.clone();
            let ioloop = ioloop.clone();
            move || {
                fired.store(true, Ordering::SeqCst);
                ioloop.stop();
            }
        });
        let handle = ioloop.handle();
        let (running_tx, running_rx) = mpsc::channel();
        ioloop.add_callback(move || running_tx.send(()).unwrap());
        let thread = std::thread::spawn({
            let fired = fired.clone();
            move || {
                running_rx.recv().unwrap();
                // Waking without moving the clock does not fire the timer.
                handle.wake();
                assert!(!fired.load(Ordering::SeqCst));
                clock.advance(Duration::from_secs(10));
                handle.wake();
            }
        });
        ioloop.start().unwrap();
        thread.join().unwrap();
        assert!(fired.load(Ordering::SeqCst));
    }

    #[test]
    fn test_callbacks_run_in_order_one_turn_each() {
        // Not a Python test by name (cf. test_add_callback_return_sequence):
        // callbacks run in the order added, and one added while callbacks
        // run waits for the next turn, so a self-re-adding callback cannot
        // starve the loop.
        let _w = Watchdog::new("test_callbacks_run_in_order_one_turn_each");
        let ioloop = system_loop();
        let log = Rc::new(RefCell::new(Vec::new()));
        fn again(ioloop: IoLoop, log: Rc<RefCell<Vec<u32>>>, n: u32) {
            log.borrow_mut().push(n);
            if n < 1000 {
                let next = ioloop.clone();
                ioloop.add_callback(move || again(next, log, n + 1));
            }
        }
        for first in [0, 10_000] {
            let (l, lg) = (ioloop.clone(), log.clone());
            ioloop.add_callback(move || again(l, lg, first));
        }
        ioloop.run_sync(r#gen::moment(), GUARD).unwrap();
        let seen = log.borrow().clone();
        assert_eq!(&seen[..2], &[0, 10_000]);
        assert!(seen.len() < 10, "one turn ran {} callbacks", seen.len());
    }

    #[test]
    fn test_busy_task_does_not_starve_timers_or_io() {
        // Not a Python test: a task that yields on every turn for ever must
        // not keep timers or I/O handlers from running.
        let _w = Watchdog::new("test_busy_task_does_not_starve_timers_or_io");
        let ioloop = system_loop();
        let stop = Rc::new(Cell::new(false));
        let spins = Rc::new(Cell::new(0u64));
        let busy = ioloop.spawn({
            let (stop, spins) = (stop.clone(), spins.clone());
            async move {
                while !stop.get() {
                    spins.set(spins.get() + 1);
                    r#gen::moment().await;
                }
            }
        });
        let (client, server) = socketpair();
        let fd = client.as_raw_fd();
        let readable = Rc::new(Event::new());
        ioloop
            .add_handler(fd, Events::READ, {
                let readable = readable.clone();
                move |_, _| readable.set()
            })
            .unwrap();
        (&server).write_all(b"x").unwrap();
        let timer = Rc::new(Event::new());
        ioloop.call_later(ms(1), {
            let timer = timer.clone();
            move || timer.set()
        });
        ioloop
            .run_sync(
                async {
                    readable.wait().await;
                    timer.wait().await;
                    stop.set(true);
                },
                GUARD,
            )
            .unwrap();
        ioloop.run_sync(busy, GUARD).unwrap().unwrap();
        assert!(spins.get() > 0);
        assert!(ioloop.remove_handler(fd));
    }

    #[test]
    fn test_handler_panic_keeps_handler() {
        // Not a Python test: a panicking fd handler is logged and stays
        // registered; the next readiness event calls it again.
        let _w = Watchdog::new("test_handler_panic_keeps_handler");
        install_logger();
        quiet_expected_panics();
        let ioloop = system_loop();
        let (client, server) = socketpair();
        let fd = client.as_raw_fd();
        let calls = Rc::new(Cell::new(0));
        let called = Rc::new(Event::new());
        ioloop
            .add_handler(fd, Events::READ, {
                let calls = calls.clone();
                let called = called.clone();
                let mut client = client.try_clone().unwrap();
                move |_, _| {
                    let mut buf = [0u8; 16];
                    while client.read(&mut buf).is_ok_and(|n| n > 0) {}
                    calls.set(calls.get() + 1);
                    called.set();
                    if calls.get() == 1 {
                        panic!("expected: handler");
                    }
                }
            })
            .unwrap();
        for round in 1..=2 {
            called.clear();
            (&server).write_all(b"ping").unwrap();
            ioloop.run_sync(called.wait(), GUARD).unwrap();
            assert_eq!(calls.get(), round);
        }
        assert!(
            logged_here()
                .iter()
                .any(|r| r.message.contains("expected: handler"))
        );
        assert!(ioloop.remove_handler(fd));
    }

    #[test]
    fn test_io_source_edge_triggered() {
        // Not a Python test (Tornado keeps this inside IOStream): an
        // IoSource reads until WouldBlock, then waits for the next edge.
        let ioloop = system_loop();
        let (a, b) = mio::net::UnixStream::pair().unwrap();
        let received = ioloop
            .run_sync(
                async {
                    let reader = IoSource::new(a).unwrap();
                    let writer = IoSource::new(b).unwrap();
                    let mut received = Vec::new();
                    for chunk in [&b"first"[..], b"second", b"third"] {
                        writer
                            .write_with(|mut s| s.write_all(chunk).map(|()| chunk.len()))
                            .await
                            .unwrap();
                        let mut buf = [0u8; 64];
                        let n = reader.read_with(|mut s| s.read(&mut buf)).await.unwrap();
                        received.push(buf[..n].to_vec());
                    }
                    // The peer closes: the reader sees end of file.
                    drop(writer);
                    let mut buf = [0u8; 8];
                    let n = reader.read_with(|mut s| s.read(&mut buf)).await.unwrap();
                    assert_eq!(n, 0);
                    received
                },
                GUARD,
            )
            .unwrap();
        assert_eq!(
            received,
            vec![b"first".to_vec(), b"second".to_vec(), b"third".to_vec()]
        );
    }

    #[test]
    fn test_io_source_waits_for_data() {
        // Not a Python test: a read issued before any data arrives waits
        // (WouldBlock clears readiness) and is woken by the write.
        let ioloop = system_loop();
        let (a, b) = mio::net::UnixStream::pair().unwrap();
        let out = ioloop
            .run_sync(
                async {
                    let reader = Rc::new(IoSource::new(a).unwrap());
                    let pending = IoLoop::current().spawn({
                        let reader = reader.clone();
                        async move {
                            let mut buf = [0u8; 16];
                            let n = reader.read_with(|mut s| s.read(&mut buf)).await.unwrap();
                            buf[..n].to_vec()
                        }
                    });
                    settle_n(10).await;
                    assert!(!pending.is_finished(), "nothing to read yet");
                    let writer = IoSource::new(b).unwrap();
                    writer.write_with(|mut s| s.write(b"late")).await.unwrap();
                    pending.await.unwrap()
                },
                GUARD,
            )
            .unwrap();
        assert_eq!(out, b"late");
    }
}

mod test_ioloop_current {
    use super::*;

    #[test]
    fn test_non_current() {
        // A loop built while the thread already has a current loop is not
        // made current; running it makes it current until it stops.
        let _w = Watchdog::new("test_non_current");
        let default = system_loop();
        let ioloop = IoLoop::builder().build().unwrap();
        assert_eq!(loop_id(&IoLoop::try_current().unwrap()), loop_id(&default));
        for _ in 0..3 {
            let seen = Rc::new(RefCell::new(None));
            ioloop.add_callback({
                let seen = seen.clone();
                let ioloop = ioloop.clone();
                move || {
                    *seen.borrow_mut() = Some(loop_id(&IoLoop::current()));
                    ioloop.stop();
                }
            });
            ioloop.start().unwrap();
            assert_eq!(seen.borrow().clone(), Some(loop_id(&ioloop)));
            assert_eq!(loop_id(&IoLoop::current()), loop_id(&default));
        }
    }

    #[test]
    fn test_force_current() {
        let _first = system_loop();
        let ioloop = IoLoop::builder().make_current(true).build().unwrap();
        assert_eq!(loop_id(&IoLoop::current()), loop_id(&ioloop));
    }

    #[test]
    fn test_first_loop_is_current() {
        // Not a Python test: on a fresh thread, the first loop becomes the
        // thread's current loop, and current() makes one when none exists.
        std::thread::spawn(|| {
            assert!(IoLoop::try_current().is_none());
            let ioloop = IoLoop::new().unwrap();
            assert_eq!(loop_id(&IoLoop::current()), loop_id(&ioloop));
            ioloop.close().unwrap();
            assert!(IoLoop::try_current().is_none());
            let made = IoLoop::current();
            assert_eq!(loop_id(&IoLoop::try_current().unwrap()), loop_id(&made));
        })
        .join()
        .unwrap();
    }
}

mod test_ioloop_futures {
    use super::*;

    #[test]
    fn test_add_future_threads() {
        let pool = ThreadPoolExecutor::new(1);
        let ioloop = system_loop();
        let got = Rc::new(RefCell::new(None));
        let done = Rc::new(Event::new());
        ioloop.add_future(pool.submit(|| ()), {
            let got = got.clone();
            let done = done.clone();
            move |result| {
                *got.borrow_mut() = Some(result.map_err(|e| e.kind()));
                done.set();
            }
        });
        ioloop.run_sync(done.wait(), GUARD).unwrap();
        assert_eq!(got.borrow_mut().take(), Some(Ok(())));
        pool.shutdown();
    }

    /// Two blocking functions that each wait for the other: they only
    /// finish if they run in parallel.
    fn rendezvous() -> (
        impl FnOnce() -> &'static str + Send,
        impl FnOnce() -> &'static str + Send,
    ) {
        let (tx1, rx1) = mpsc::channel::<()>();
        let (tx2, rx2) = mpsc::channel::<()>();
        let first = move || {
            tx1.send(()).unwrap();
            rx2.recv_timeout(Duration::from_secs(10)).expect("parallel");
            "event1"
        };
        let second = move || {
            tx2.send(()).unwrap();
            rx1.recv_timeout(Duration::from_secs(10)).expect("parallel");
            "event2"
        };
        (first, second)
    }

    #[test]
    fn test_run_in_executor_gen() {
        let ioloop = system_loop();
        let (first, second) = rendezvous();
        let results = ioloop
            .run_sync(
                r#gen::multi([
                    IoLoop::current().run_in_executor(first),
                    IoLoop::current().run_in_executor(second),
                ]),
                GUARD,
            )
            .unwrap();
        let results: Vec<_> = results.into_iter().map(Result::unwrap).collect();
        assert_eq!(results, ["event1", "event2"]);
    }

    #[test]
    fn test_run_in_executor_native() {
        let ioloop = system_loop();
        let (first, second) = rendezvous();
        async fn wrapper(f: impl FnOnce() -> &'static str + Send + 'static) -> &'static str {
            IoLoop::current().run_in_executor(f).await.unwrap()
        }
        let results = ioloop
            .run_sync(r#gen::join((wrapper(first), wrapper(second))), GUARD)
            .unwrap();
        assert_eq!(results, ("event1", "event2"));
    }

    #[test]
    fn test_run_in_executor_panic() {
        // Not a Python test by name: a panic on the pool comes back as an
        // error and the pool keeps working.
        quiet_expected_panics();
        let ioloop = system_loop();
        let err = ioloop
            .run_sync(
                ioloop.run_in_executor(|| -> u8 { panic!("expected: pool") }),
                GUARD,
            )
            .unwrap()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Panicked);
        assert_eq!(err.message(), Some("expected: pool"));
        let ok = ioloop
            .run_sync(ioloop.run_in_executor(|| 5), GUARD)
            .unwrap();
        assert_eq!(ok.unwrap(), 5);
    }

    #[test]
    fn test_set_default_executor() {
        let ioloop = system_loop();
        let executor = ThreadPoolExecutor::new(1);
        assert_eq!(executor.max_workers(), 1);
        ioloop.set_default_executor(executor.clone());
        let ran = Arc::new(AtomicBool::new(false));
        let name = ioloop
            .run_sync(
                ioloop.run_in_executor({
                    let ran = ran.clone();
                    move || {
                        ran.store(true, Ordering::SeqCst);
                        std::thread::current().name().map(str::to_owned)
                    }
                }),
                GUARD,
            )
            .unwrap()
            .unwrap();
        assert!(ran.load(Ordering::SeqCst));
        assert_eq!(name.as_deref(), Some("tornado-executor-1"));
        // The loop uses the pool it was given: shutting that pool down makes
        // run_in_executor fail.
        executor.shutdown();
        let err = ioloop
            .run_sync(ioloop.run_in_executor(|| 1), GUARD)
            .unwrap()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Closed);
        // Replacing it again works.
        ioloop.set_default_executor(ThreadPoolExecutor::new(2));
        let ok = ioloop
            .run_sync(ioloop.run_in_executor(|| 2), GUARD)
            .unwrap();
        assert_eq!(ok.unwrap(), 2);
    }

    #[test]
    fn test_default_executor_size() {
        // Python's default: five workers per CPU.
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(ThreadPoolExecutor::default_size(), cpus * 5);
        assert_eq!(ThreadPoolExecutor::default().max_workers(), cpus * 5);
        assert_eq!(ThreadPoolExecutor::new(0).max_workers(), 1);
    }
}

mod test_ioloop_run_sync {
    use super::*;

    #[test]
    fn test_sync_result() {
        // Python raises BadYieldError for a non-awaitable; in Rust the
        // argument is always a future, and a ready one just returns.
        let ioloop = system_loop();
        assert_eq!(ioloop.run_sync(std::future::ready(42), None).unwrap(), 42);
    }

    #[test]
    fn test_sync_exception() {
        // A panic in the future passed to run_sync reaches the caller, and
        // the loop is usable afterwards.
        quiet_expected_panics();
        let ioloop = system_loop();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ioloop.run_sync(async { panic!("expected: sync") }, None)
        }));
        assert!(caught.is_err());
        assert!(!ioloop.is_running());
        assert_eq!(ioloop.run_sync(async { 1 }, GUARD).unwrap(), 1);
    }

    #[test]
    fn test_async_result() {
        let ioloop = system_loop();
        let out = ioloop
            .run_sync(
                async {
                    r#gen::moment().await;
                    42
                },
                GUARD,
            )
            .unwrap();
        assert_eq!(out, 42);
    }

    #[test]
    fn test_async_exception() {
        quiet_expected_panics();
        let ioloop = system_loop();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ioloop.run_sync(
                async {
                    r#gen::moment().await;
                    panic!("expected: async")
                },
                GUARD,
            )
        }));
        let payload = caught.unwrap_err();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"expected: async"));
        assert!(!ioloop.is_running());
        assert_eq!(ioloop.run_sync(async { 2 }, GUARD).unwrap(), 2);
    }

    #[test]
    fn test_current() {
        let ioloop = IoLoop::builder().build().unwrap();
        let id = ioloop
            .run_sync(async { loop_id(&IoLoop::current()) }, None)
            .unwrap();
        assert_eq!(id, loop_id(&ioloop));
    }

    #[test]
    fn test_timeout() {
        // The future outlives the timeout: run_sync gives up with a Timeout
        // error and drops the future (its timer goes with it).
        let _w = Watchdog::new("test_timeout");
        let (ioloop, clock) = manual_loop();
        ioloop.spawn({
            let clock = clock.clone();
            async move {
                r#gen::moment().await;
                clock.advance(ms(20));
            }
        });
        let err = ioloop
            .run_sync(r#gen::sleep(Duration::from_secs(1)), Some(ms(10)))
            .unwrap_err();
        assert!(err.is_timeout());
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert_eq!(ioloop.pending_timers(), 0);
    }

    #[test]
    fn test_timeout_system_clock() {
        // The same on the system clock, with a short real timeout.
        let ioloop = system_loop();
        let err = ioloop
            .run_sync(std::future::pending::<()>(), Some(ms(5)))
            .unwrap_err();
        assert!(err.is_timeout());
    }

    #[test]
    fn test_native_coroutine() {
        async fn f1() {
            r#gen::moment().await;
        }
        async fn f2() {
            f1().await;
        }
        system_loop().run_sync(f2(), GUARD).unwrap();
    }

    #[test]
    fn test_stop_no_timeout() {
        // stop() while run_sync waits: run_sync returns an error saying the
        // loop stopped before the future completed.
        let _w = Watchdog::new("test_stop_no_timeout");
        let (ioloop, clock) = manual_loop();
        let err = ioloop
            .run_sync(
                async {
                    clock.advance(ms(100));
                    IoLoop::current().stop();
                    r#gen::sleep(Duration::from_secs(10)).await;
                },
                None,
            )
            .unwrap_err();
        assert!(
            err.to_string().contains("stopped before the future"),
            "{err}"
        );
        // The loop runs again afterwards.
        assert_eq!(ioloop.run_sync(async { 1 }, None).unwrap(), 1);
    }

    #[test]
    fn test_stop_from_handle() {
        // IoLoopHandle::stop from another thread also ends run_sync.
        let _w = Watchdog::new("test_stop_from_handle");
        let (ioloop, _clock) = manual_loop();
        let handle = ioloop.handle();
        let (tx, rx) = mpsc::channel();
        ioloop.add_callback(move || tx.send(()).unwrap());
        let thread = std::thread::spawn(move || {
            rx.recv().unwrap();
            handle.stop();
        });
        let result = ioloop.run_sync(std::future::pending::<()>(), None);
        thread.join().unwrap();
        assert!(result.is_err());
    }
}

/// Runs a `PeriodicCallback` of `interval` on a manual clock, where the call
/// that starts at each run moves the clock by the next of `durations`
/// (forward for a slow call, backward for a clock step), and returns the
/// times of the runs in seconds from the start. Tornado's
/// `simulate_calls`, driven through the loop instead of `_update_next`.
fn simulate_calls(interval: Duration, jitter: f64, durations: &[f64]) -> Vec<f64> {
    let _w = Watchdog::new("simulate_calls");
    let (ioloop, clock) = manual_loop();
    let start = clock.now();
    let runs = Rc::new(RefCell::new(Vec::new()));
    let remaining = Rc::new(RefCell::new(durations.to_vec()));
    let pc = PeriodicCallback::new(
        {
            let runs = runs.clone();
            let clock = clock.clone();
            move || {
                runs.borrow_mut().push((clock.now() - start).as_secs_f64());
                let d = remaining.borrow_mut().remove(0);
                if d >= 0.0 {
                    clock.advance(Duration::from_secs_f64(d));
                } else {
                    clock.rewind(Duration::from_secs_f64(-d));
                }
            }
        },
        interval,
    )
    .jitter(jitter);
    ioloop
        .run_sync(
            async {
                pc.start();
                while runs.borrow().len() < durations.len() {
                    let next = pc.next_run();
                    let now = clock.now();
                    if next > now {
                        clock.advance(next - now);
                    }
                    r#gen::moment().await;
                }
                pc.stop();
            },
            None,
        )
        .unwrap();
    assert!(!pc.is_running());
    assert_eq!(ioloop.pending_timers(), 0, "stop removes the timer");
    runs.take()
}

fn round_ms(times: Vec<f64>) -> Vec<f64> {
    times
        .into_iter()
        .map(|t| (t * 1000.0).round() / 1000.0)
        .collect()
}

mod test_periodic_callback_math {
    use super::*;

    #[test]
    fn test_basic() {
        assert_eq!(
            round_ms(simulate_calls(Duration::from_secs(10), 0.0, &[0.0; 5])),
            vec![10.0, 20.0, 30.0, 40.0, 50.0]
        );
    }

    #[test]
    fn test_overrun() {
        // A call that runs too long makes the schedule skip whole cycles to
        // get back on it.
        let durations = [9.0, 9.0, 10.0, 11.0, 20.0, 20.0, 35.0, 35.0, 0.0, 0.0, 0.0];
        let expected = [
            10.0, 20.0, 30.0, // on schedule
            50.0, 70.0, // one cycle late
            100.0, 130.0, // two cycles late
            170.0, 210.0, // three cycles late
            220.0, 230.0, // back on schedule
        ];
        assert_eq!(
            round_ms(simulate_calls(Duration::from_secs(10), 0.0, &durations)),
            expected
        );
    }

    #[test]
    fn test_clock_backwards() {
        // Small backward steps leave the schedule as it was.
        assert_eq!(
            round_ms(simulate_calls(
                Duration::from_secs(10),
                0.0,
                &[-2.0, -1.0, -3.0, -2.0, 0.0]
            )),
            vec![10.0, 20.0, 30.0, 40.0, 50.0]
        );
        // A big backward step is not caught up either: the next run is one
        // interval after the previous due time.
        assert_eq!(
            round_ms(simulate_calls(
                Duration::from_secs(10),
                0.0,
                &[-100.0, 0.0, 0.0]
            )),
            vec![10.0, 20.0, 30.0]
        );
    }

    #[test]
    fn test_jitter() {
        // Tornado mocks random.random(); ours is internal, so check the
        // bounds instead: with jitter 0.5 every interval is scaled by a
        // factor in [0.75, 1.25), and the intervals are not all equal.
        let times = simulate_calls(Duration::from_secs(10), 0.5, &[0.0; 60]);
        let gaps: Vec<f64> = std::iter::once(times[0])
            .chain(times.windows(2).map(|w| w[1] - w[0]))
            .collect();
        for gap in &gaps {
            assert!((7.5 - 1e-6..12.5 + 1e-6).contains(gap), "gap {gap}");
        }
        let min = gaps.iter().copied().fold(f64::INFINITY, f64::min);
        let max = gaps.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert!(min < 9.5 && max > 10.5, "jitter spreads: {min}..{max}");
        // Without jitter there is no spread at all.
        let plain = simulate_calls(Duration::from_secs(10), 0.0, &[0.0; 10]);
        assert!(plain.windows(2).all(|w| (w[1] - w[0] - 10.0).abs() < 1e-6));
    }

    #[test]
    fn test_timedelta() {
        let _ioloop = system_loop();
        let pc = PeriodicCallback::new(|| {}, Duration::from_secs(60 + 23));
        assert_eq!(pc.interval(), Duration::from_millis(83_000));
        assert!(!pc.is_running());
    }

    #[test]
    fn test_zero_interval() {
        // Tornado raises ValueError for callback_time <= 0; here it panics.
        let _ioloop = system_loop();
        quiet_expected_panics();
        let caught = std::panic::catch_unwind(|| PeriodicCallback::new(|| {}, Duration::ZERO));
        assert!(caught.is_err());
    }
}

mod test_periodic_callback_async {
    use super::*;

    #[test]
    fn test_periodic_plain() {
        let _w = Watchdog::new("test_periodic_plain");
        let (ioloop, clock) = manual_loop();
        let count = Rc::new(Cell::new(0));
        let pc = PeriodicCallback::new(
            {
                let count = count.clone();
                move || count.set(count.get() + 1)
            },
            ms(10),
        );
        ioloop
            .run_sync(
                async {
                    pc.start();
                    pc.start(); // starting twice schedules once
                    advance(&clock, ms(9)).await;
                    assert_eq!(count.get(), 0);
                    advance(&clock, ms(1)).await;
                    assert_eq!(count.get(), 1);
                    advance_steps(&clock, ms(10), 2).await;
                    assert_eq!(count.get(), 3);
                    pc.stop();
                    advance_steps(&clock, ms(10), 3).await;
                },
                None,
            )
            .unwrap();
        assert_eq!(count.get(), 3);
        assert!(!pc.is_running());
    }

    /// The async variants: each run sleeps 25 ms of a 10 ms interval, so
    /// runs never overlap and the schedule skips the missed slots.
    fn check_periodic_async(
        pc_for: impl FnOnce(Rc<RefCell<[u32; 2]>>, Rc<RefCell<Vec<u64>>>, Clock) -> PeriodicCallback,
    ) {
        let (ioloop, clock) = manual_loop();
        let counts = Rc::new(RefCell::new([0u32, 0]));
        let starts = Rc::new(RefCell::new(Vec::new()));
        let pc = pc_for(counts.clone(), starts.clone(), clock.clone());
        ioloop
            .run_sync(
                async {
                    pc.start();
                    while counts.borrow()[1] < 3 {
                        advance(&clock, ms(5)).await;
                        let [started, finished] = *counts.borrow();
                        assert!(started - finished <= 1, "runs overlap");
                    }
                    pc.stop();
                    advance_steps(&clock, ms(5), 20).await;
                },
                None,
            )
            .unwrap();
        assert_eq!(*counts.borrow(), [3, 3]);
        // Starts at 10; ends at 35 and the next slot is 40; then 70.
        assert_eq!(*starts.borrow(), vec![10, 40, 70]);
    }

    use tornado_ioloop::Clock;

    #[test]
    fn test_periodic_coro() {
        let _w = Watchdog::new("test_periodic_coro");
        check_periodic_async(|counts, starts, clock| {
            let start = clock.now();
            PeriodicCallback::new_async(
                move || {
                    let counts = counts.clone();
                    starts
                        .borrow_mut()
                        .push((clock.now() - start).as_millis() as u64);
                    counts.borrow_mut()[0] += 1;
                    // A boxed future, as a hand-written coroutine would give.
                    Box::pin(async move {
                        r#gen::sleep(ms(25)).await;
                        counts.borrow_mut()[1] += 1;
                    })
                        as std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>
                },
                ms(10),
            )
        });
    }

    #[test]
    fn test_periodic_async() {
        let _w = Watchdog::new("test_periodic_async");
        async fn callback(counts: Rc<RefCell<[u32; 2]>>) {
            counts.borrow_mut()[0] += 1;
            r#gen::sleep(ms(25)).await;
            counts.borrow_mut()[1] += 1;
        }
        check_periodic_async(|counts, starts, clock| {
            let start = clock.now();
            PeriodicCallback::new_async(
                move || {
                    starts
                        .borrow_mut()
                        .push((clock.now() - start).as_millis() as u64);
                    callback(counts.clone())
                },
                ms(10),
            )
        });
    }

    #[test]
    fn test_periodic_panic_keeps_schedule() {
        // Not a Python test by name: a panicking run is logged and the
        // schedule goes on.
        let _w = Watchdog::new("test_periodic_panic_keeps_schedule");
        install_logger();
        quiet_expected_panics();
        let (ioloop, clock) = manual_loop();
        let count = Rc::new(Cell::new(0));
        let pc = PeriodicCallback::new(
            {
                let count = count.clone();
                move || {
                    count.set(count.get() + 1);
                    if count.get() == 1 {
                        panic!("expected: periodic");
                    }
                }
            },
            ms(10),
        );
        ioloop
            .run_sync(
                async {
                    pc.start();
                    advance_steps(&clock, ms(10), 3).await;
                    pc.stop();
                },
                None,
            )
            .unwrap();
        assert_eq!(count.get(), 3);
        assert!(
            logged_here()
                .iter()
                .any(|r| r.message.contains("expected: periodic"))
        );
    }
}

/// `turn_time` never runs ahead of `time`, and keeps up on busy turns that
/// never wait for events (a stale turn time would make timeouts early).
#[test]
fn turn_time_follows_busy_turns() {
    let ioloop = IoLoop::new().unwrap();
    let lp = ioloop.clone();
    ioloop
        .run_sync(
            async move {
                let start = lp.time();
                while lp.time() - start < Duration::from_millis(30) {
                    assert!(lp.turn_time() <= lp.time());
                    tornado_ioloop::r#gen::moment().await;
                }
                // One more turn: its time is past the busy stretch.
                tornado_ioloop::r#gen::moment().await;
                assert!(lp.turn_time() - start >= Duration::from_millis(30));
            },
            Some(Duration::from_secs(5)),
        )
        .unwrap();
}
