//! Unix signals delivered on the loop's thread through a self-pipe.
//!
//! The signal handler itself (installed by `signal-hook`, which does the
//! async-signal-safe part) only writes a byte to a pipe; the loop sees the
//! pipe readable and runs the Rust callback on its own thread, where it may
//! do anything.

use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use mio::{Interest, Token};
use signal_hook::SigId;

use crate::reactor::{IoEntry, Reactor};

pub(crate) type SignalFn = Box<dyn FnMut()>;

struct Registered {
    token: usize,
    pipe: mio::net::UnixStream,
    id: SigId,
    callback: Option<SignalFn>,
}

#[derive(Default)]
pub(crate) struct Signals {
    handlers: HashMap<i32, Registered>,
    /// Signals whose handler was removed: they get their default action back.
    defaults: HashMap<i32, SigId>,
}

impl Signals {
    pub(crate) fn add(
        &mut self,
        reactor: &Reactor,
        signal: i32,
        callback: SignalFn,
    ) -> io::Result<()> {
        if let Some(existing) = self.handlers.get_mut(&signal) {
            existing.callback = Some(callback);
            return Ok(());
        }
        // signal-hook panics on these (SIGKILL, SIGSTOP cannot be caught;
        // SIGSEGV, SIGILL, SIGFPE must not be): refuse them with an error.
        if signal_hook::consts::FORBIDDEN.contains(&signal) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("signal {signal} cannot be handled"),
            ));
        }
        let (mut read, write) = mio::net::UnixStream::pair()?;
        let id = signal_hook::low_level::pipe::register(signal, write)?;
        let token = reactor.io.borrow_mut().insert(IoEntry::Signal { signal });
        if let Err(e) = reactor
            .registry
            .register(&mut read, Token(token), Interest::READABLE)
        {
            reactor.io.borrow_mut().remove(token);
            signal_hook::low_level::unregister(id);
            return Err(e);
        }
        if let Some(default) = self.defaults.remove(&signal) {
            signal_hook::low_level::unregister(default);
        }
        self.handlers.insert(
            signal,
            Registered {
                token,
                pipe: read,
                id,
                callback: Some(callback),
            },
        );
        Ok(())
    }

    pub(crate) fn remove(&mut self, reactor: &Reactor, signal: i32) -> bool {
        let Some(mut registered) = self.handlers.remove(&signal) else {
            return false;
        };
        signal_hook::low_level::unregister(registered.id);
        let _ = reactor.registry.deregister(&mut registered.pipe);
        reactor.io.borrow_mut().try_remove(registered.token);
        // With no handler left, the signal does what it would by default
        // (SIGTERM terminates), as after asyncio's remove_signal_handler.
        if let Ok(id) = signal_hook::flag::register_conditional_default(
            signal,
            Arc::new(AtomicBool::new(false)),
        ) {
            self.defaults.insert(signal, id);
        }
        true
    }

    pub(crate) fn signals(&self) -> Vec<i32> {
        self.handlers.keys().copied().collect()
    }

    /// Empties the pipe and takes the callback out to run it.
    pub(crate) fn take_callback(&mut self, signal: i32) -> Option<SignalFn> {
        let registered = self.handlers.get_mut(&signal)?;
        let mut buf = [0u8; 64];
        while matches!((&registered.pipe).read(&mut buf), Ok(n) if n > 0) {}
        registered.callback.take()
    }

    /// Puts a callback back after it ran, unless it was replaced or removed.
    pub(crate) fn restore_callback(&mut self, signal: i32, callback: SignalFn) {
        if let Some(registered) = self.handlers.get_mut(&signal) {
            if registered.callback.is_none() {
                registered.callback = Some(callback);
            }
        }
    }
}
