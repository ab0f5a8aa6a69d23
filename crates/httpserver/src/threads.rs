//! Several cores on one machine: one loop per thread.

use std::sync::Arc;
use std::thread::JoinHandle;

use tornado_ioloop::{IoLoop, IoLoopHandle};

/// Threads each running their own [`IoLoop`], for servers that use several
/// cores: `setup` runs once on each new thread's loop (build the
/// application with its own state there and bind with `reuse_port`), then
/// the loop runs until stopped. No state is shared between threads unless
/// `setup` shares it.
///
/// ```
/// use tornado_httpserver::{FnHandler, HttpServer, Request, Response, run_threads};
///
/// let group = run_threads(2, |index| {
///     let server = HttpServer::handler(FnHandler(move |_r: Request| async move {
///         Response::new(200).body(format!("thread {index}"))
///     }));
///     server.bind(0, Some("127.0.0.1"), true)?;
///     server.start()?;
///     std::mem::forget(server); // lives as long as the thread's loop
///     Ok(())
/// })?;
/// group.stop_and_join();
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// ```
#[derive(Debug)]
pub struct ThreadGroup {
    handles: Vec<IoLoopHandle>,
    threads: Vec<JoinHandle<()>>,
}

type SetupError = Box<dyn std::error::Error + Send + Sync>;

/// Starts `threads` loop threads; see [`ThreadGroup`]. Fails if `setup`
/// fails on any thread (the threads already started are stopped).
pub fn run_threads<F>(threads: usize, setup: F) -> Result<ThreadGroup, SetupError>
where
    F: Fn(usize) -> Result<(), SetupError> + Send + Sync + 'static,
{
    let setup = Arc::new(setup);
    let mut group = ThreadGroup {
        handles: Vec::new(),
        threads: Vec::new(),
    };
    for index in 0..threads.max(1) {
        let setup = setup.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(format!("tornado-loop-{index}"))
            .spawn(move || {
                let ioloop = match IoLoop::new() {
                    Ok(ioloop) => ioloop,
                    Err(e) => {
                        let _ = tx.send(Err(SetupError::from(e.to_string())));
                        return;
                    }
                };
                ioloop.make_current();
                match setup(index) {
                    Ok(()) => {
                        let _ = tx.send(Ok(ioloop.handle()));
                        if let Err(e) = ioloop.start() {
                            log::error!(target: "tornado.general", "loop thread {index}: {e}");
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
                let _ = ioloop.close();
            })?;
        group.threads.push(thread);
        match rx.recv() {
            Ok(Ok(handle)) => group.handles.push(handle),
            Ok(Err(e)) => {
                group.stop_and_join();
                return Err(e);
            }
            Err(_) => {
                group.stop_and_join();
                return Err("a loop thread died during setup".into());
            }
        }
    }
    Ok(group)
}

impl ThreadGroup {
    /// Handles to each thread's loop.
    pub fn handles(&self) -> &[IoLoopHandle] {
        &self.handles
    }

    /// Blocks until every loop stops.
    pub fn join(self) {
        for thread in self.threads {
            let _ = thread.join();
        }
    }

    /// Stops every loop and waits for the threads.
    pub fn stop_and_join(self) {
        for handle in &self.handles {
            handle.stop();
        }
        self.join();
    }
}
