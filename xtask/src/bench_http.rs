//! `cargo xtask bench http`: the side-by-side HTTP load benchmark.
//!
//! Every server answers `GET /` with `200 Hello, world` (text/plain) and
//! keeps connections alive: our `hello` example, the peers built from
//! `benches/peers` (hyper on a tokio current-thread runtime, actix-web with
//! one worker, may_minihttp with one worker, and a mio + httparse "limit"
//! server), and Python Tornado when
//! `python3 -c 'import tornado'` works.
//!
//! Each server runs pinned to core 0 and `wrk -t1` pinned to core 1. For
//! every round, each server in turn is started fresh and driven through the
//! loads (64 connections, 256 connections, 64 connections with 16 pipelined
//! requests), each a short warm-up then a measured run; the table reports
//! the median over the rounds. Server CPU time comes from `/proc/PID/stat`
//! (utime + stime) sampled around the measured run and is divided by the
//! number of requests wrk completed. Idle memory: a fresh server gets 5,000
//! keep-alive connections that each made one request; the growth of its
//! `VmRSS` is divided by the number of connections.
//!
//! Options: `--duration S` (5), `--warmup S` (1), `--rounds N` (3),
//! `--servers a,b,...` (tornado-rs, hyper, actix, may, limit, tornado-py),
//! `--idle-conns N` (5000), `--no-idle`, `--no-write` (print only),
//! `--skip-build`, `--quiet-wait S` (30: how long to wait, before each
//! server's block of runs, for other compilers on the machine to finish;
//! runs that still overlap one are marked and left out of the medians when
//! clean rounds exist).

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The file-descriptor limit asked for the servers and for this process.
const NOFILE: u32 = 20_000;
/// The heading of our section in `docs/benchmarks.md`.
const SECTION: &str = "## http server (tornado-httpserver)";
/// Other processes' CPU use (in cores) above which a run counts as contended.
const FOREIGN_LIMIT: f64 = 0.10;
/// The pipelining depth of the third load.
const PIPELINE_DEPTH: u32 = 16;

/// The command-line options of `cargo xtask bench http`.
#[derive(Debug, Clone)]
struct Options {
    duration: u64,
    warmup: u64,
    rounds: usize,
    servers: Option<Vec<String>>,
    idle_conns: usize,
    idle: bool,
    write: bool,
    build: bool,
    /// Longest wait, in seconds, for running compilers to finish before
    /// each server's block of runs.
    quiet_wait: u64,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Options {
            duration: 5,
            warmup: 1,
            rounds: 3,
            servers: None,
            idle_conns: 5000,
            idle: true,
            write: true,
            build: true,
            quiet_wait: 30,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = |name: &str| {
                it.next()
                    .cloned()
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            let number = |name: &str, v: String| {
                v.parse::<u64>()
                    .map_err(|_| format!("{name}: `{v}` is not a number"))
            };
            match arg.as_str() {
                "--duration" => options.duration = number(arg, value(arg)?)?.max(1),
                "--warmup" => options.warmup = number(arg, value(arg)?)?,
                "--rounds" => options.rounds = number(arg, value(arg)?)?.max(1) as usize,
                "--quiet-wait" => options.quiet_wait = number(arg, value(arg)?)?,
                "--idle-conns" => options.idle_conns = number(arg, value(arg)?)?.max(1) as usize,
                "--servers" => {
                    options.servers = Some(value(arg)?.split(',').map(str::to_owned).collect());
                }
                "--no-idle" => options.idle = false,
                "--no-write" => options.write = false,
                "--skip-build" => options.build = false,
                other => return Err(format!("bench http: unknown option `{other}`")),
            }
        }
        Ok(options)
    }
}

/// One server under test.
#[derive(Debug, Clone)]
struct Server {
    /// Short name, as given to `--servers`.
    key: &'static str,
    /// Row label in the table.
    label: String,
    program: PathBuf,
    args: Vec<String>,
}

/// One wrk load.
#[derive(Debug, Clone, Copy)]
struct Load {
    label: &'static str,
    connections: u32,
    pipeline: Option<u32>,
}

const LOADS: [Load; 3] = [
    Load {
        label: "64 conns",
        connections: 64,
        pipeline: None,
    },
    Load {
        label: "256 conns",
        connections: 256,
        pipeline: None,
    },
    Load {
        label: "64 conns × 16 pipelined",
        connections: 64,
        pipeline: Some(PIPELINE_DEPTH),
    },
];

/// The figures of one measured wrk run.
#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    requests: u64,
    rps: f64,
    p50_us: f64,
    p99_us: f64,
    /// Server CPU time per completed request.
    cpu_us_per_req: f64,
    /// Server CPU time over wall time (1.0 = one saturated core).
    cpu_share: f64,
    /// Socket errors plus non-2xx/3xx responses.
    errors: u64,
    /// wrk's CPU time over wall time.
    wrk_share: f64,
    /// CPU time of every other process on the machine over wall time.
    foreign_share: f64,
    /// `foreign_share` above [`FOREIGN_LIMIT`].
    contended: bool,
}

/// The idle-connection memory figures of one server.
#[derive(Debug, Clone, Copy)]
struct Idle {
    connections: usize,
    rss_before_kib: u64,
    rss_after_kib: u64,
    /// Connections of a sample still answering after the measurement.
    alive_checked: usize,
    alive_ok: usize,
}

impl Idle {
    fn bytes_per_conn(&self) -> f64 {
        (self.rss_after_kib.saturating_sub(self.rss_before_kib) as f64 * 1024.0)
            / self.connections as f64
    }
}

/// Runs the benchmark: the entry point of `cargo xtask bench http`.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let options = Options::parse(args)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let tools = Tools::check()?;

    if options.build {
        crate::run(
            &cargo,
            &[
                "build",
                "--release",
                "-p",
                "tornado-httpserver",
                "--example",
                "hello",
            ],
            &[],
        )?;
        crate::run(
            &cargo,
            &[
                "build",
                "--release",
                "--manifest-path",
                "benches/peers/Cargo.toml",
            ],
            &[],
        )?;
    }
    let ours = target_dir(&cargo, root, None)?.join("release/examples/hello");
    let peers_manifest = root.join("benches/peers/Cargo.toml");
    let peers = target_dir(&cargo, root, Some(&peers_manifest))?.join("release");
    let lock = std::fs::read_to_string(root.join("benches/peers/Cargo.lock")).unwrap_or_default();

    let mut servers = vec![
        Server {
            key: "tornado-rs",
            label: "tornado-rs `hello`".to_owned(),
            program: ours,
            args: Vec::new(),
        },
        Server {
            key: "hyper",
            label: format!(
                "hyper {} (tokio current-thread)",
                locked_version(&lock, "hyper")
            ),
            program: peers.join("hyper_hello"),
            args: Vec::new(),
        },
        Server {
            key: "actix",
            label: format!(
                "actix-web {} (1 worker)",
                locked_version(&lock, "actix-web")
            ),
            program: peers.join("actix_hello"),
            args: Vec::new(),
        },
        Server {
            key: "may",
            label: format!(
                "may_minihttp {} (1 worker)",
                locked_version(&lock, "may_minihttp")
            ),
            program: peers.join("may_hello"),
            args: Vec::new(),
        },
        Server {
            key: "limit",
            label: "limit: mio + httparse, fixed response".to_owned(),
            program: peers.join("mio_limit"),
            args: Vec::new(),
        },
    ];
    match python_tornado_version() {
        Some(version) => servers.push(Server {
            key: "tornado-py",
            label: format!("Python Tornado {version}"),
            program: PathBuf::from("python3"),
            args: vec![
                root.join("benches/http/tornado_hello.py")
                    .to_string_lossy()
                    .into_owned(),
            ],
        }),
        None => eprintln!("bench http: python3 cannot import tornado; skipping Python Tornado"),
    }
    if let Some(wanted) = &options.servers {
        for name in wanted {
            if !servers.iter().any(|s| s.key == name) {
                return Err(format!(
                    "bench http: unknown or unavailable server `{name}` (known: {})",
                    servers.iter().map(|s| s.key).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        servers.retain(|s| wanted.iter().any(|w| w == s.key));
    }

    // Check every server once; drop the ones that do not answer correctly.
    let mut working = Vec::new();
    for server in &servers {
        match RunningServer::start(root, server, &tools).and_then(|mut s| s.check_hello()) {
            Ok(()) => working.push(server.clone()),
            Err(e) => eprintln!("bench http: skipping {}: {e}", server.label),
        }
    }
    if working.is_empty() {
        return Err("bench http: no server could be started".to_owned());
    }

    let script = root.join("benches/http/pipeline.lua");
    let started = Instant::now();
    // samples[server][load] = one Sample per round.
    let mut samples: Vec<Vec<Vec<Sample>>> = vec![vec![Vec::new(); LOADS.len()]; working.len()];
    for round in 0..options.rounds {
        for (si, server) in working.iter().enumerate() {
            wait_quiet(options.quiet_wait, tools.clk_tck);
            let mut running = RunningServer::start(root, server, &tools)?;
            running.check_hello()?;
            for (li, load) in LOADS.iter().enumerate() {
                if options.warmup > 0 {
                    wrk(&tools, running.port, load, options.warmup, &script)?;
                }
                let machine_before = machine_busy_ticks()?;
                let children_before = children_ticks()?;
                let before = cpu_ticks(running.pid())?;
                let t0 = Instant::now();
                let output = wrk(&tools, running.port, load, options.duration, &script)?;
                let wall = t0.elapsed().as_secs_f64();
                let after = cpu_ticks(running.pid())?;
                // wrk has been waited for, so its CPU time is now in our
                // children's total.
                let wrk_ticks = children_ticks()?.saturating_sub(children_before);
                let machine = machine_busy_ticks()?.saturating_sub(machine_before);
                let mut sample = parse_wrk(&output)
                    .map_err(|e| format!("{} / {}: {e}\n{output}", server.label, load.label))?;
                let cpu_us = (after - before) as f64 * 1e6 / tools.clk_tck as f64;
                sample.cpu_us_per_req = cpu_us / sample.requests.max(1) as f64;
                sample.cpu_share = cpu_us / 1e6 / wall;
                let tick_s = 1.0 / tools.clk_tck as f64;
                sample.wrk_share = wrk_ticks as f64 * tick_s / wall;
                sample.foreign_share =
                    machine.saturating_sub(after - before + wrk_ticks) as f64 * tick_s / wall;
                sample.contended = sample.foreign_share > FOREIGN_LIMIT;
                eprintln!(
                    "round {}/{} {:<42} {:<24} {:>9.0} req/s  p50 {:>8}  p99 {:>8}  cpu {:>6.2} µs/req (server {:.0}%, wrk {:.0}%, others {:.0}% of a core){}{}",
                    round + 1,
                    options.rounds,
                    server.label,
                    load.label,
                    sample.rps,
                    fmt_latency(sample.p50_us),
                    fmt_latency(sample.p99_us),
                    sample.cpu_us_per_req,
                    sample.cpu_share * 100.0,
                    sample.wrk_share * 100.0,
                    sample.foreign_share * 100.0,
                    if sample.errors > 0 {
                        format!("  {} errors", sample.errors)
                    } else {
                        String::new()
                    },
                    if sample.contended {
                        "  [contended]"
                    } else {
                        ""
                    }
                );
                samples[si][li].push(sample);
            }
            running.stop();
        }
    }

    let mut idle: Vec<Option<Idle>> = vec![None; working.len()];
    let mut idle_note = String::new();
    if options.idle {
        let mut conns = options.idle_conns;
        // This process holds one descriptor per idle connection too.
        let own = Command::new("prlimit")
            .args([
                "--pid",
                &std::process::id().to_string(),
                &format!("--nofile={NOFILE}:{NOFILE}"),
            ])
            .status();
        if !matches!(own, Ok(s) if s.success()) {
            let soft = nofile_soft_limit().unwrap_or(1024);
            let usable = (soft as usize).saturating_sub(128).max(1);
            if usable < conns {
                idle_note = format!(
                    "The open-file limit could not be raised to {NOFILE} (soft limit {soft}); \
                     idle memory was measured with {usable} connections instead of {conns}."
                );
                eprintln!("bench http: {idle_note}");
                conns = usable;
            }
        }
        for (si, server) in working.iter().enumerate() {
            match measure_idle(root, server, &tools, conns) {
                Ok(result) => {
                    eprintln!(
                        "idle {:<42} {} connections: VmRSS {} → {} KiB, {:.0} B per connection ({}/{} sampled still answer)",
                        server.label,
                        result.connections,
                        result.rss_before_kib,
                        result.rss_after_kib,
                        result.bytes_per_conn(),
                        result.alive_ok,
                        result.alive_checked
                    );
                    idle[si] = Some(result);
                }
                Err(e) => eprintln!("bench http: idle memory of {} failed: {e}", server.label),
            }
        }
    }
    eprintln!(
        "bench http: measured in {:.0?}",
        started.elapsed().as_secs_f64()
    );

    let report = Report {
        servers: &working,
        samples: &samples,
        idle: &idle,
        idle_note: &idle_note,
        options: &options,
        tools: &tools,
    };
    let markdown = report.markdown();
    println!("{markdown}");
    if options.write {
        let path = root.join("docs/benchmarks.md");
        write_section(&path, &markdown)?;
        eprintln!("bench http: wrote {}", path.display());
    }
    Ok(())
}

/// External tools and facts about the machine.
#[derive(Debug)]
struct Tools {
    clk_tck: u64,
    nproc: usize,
    wrk_version: String,
    /// `taskset` CPU lists for the server and for wrk.
    server_cpu: String,
    client_cpu: String,
}

impl Tools {
    fn check() -> Result<Self, String> {
        for tool in ["taskset", "prlimit"] {
            if Command::new(tool)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_err()
            {
                return Err(format!(
                    "bench http: `{tool}` is missing (install util-linux)"
                ));
            }
        }
        if wrk_version().is_none() {
            eprintln!("bench http: wrk is missing; installing it with apt-get");
            let installed = crate::run("apt-get", &["install", "-y", "wrk"], &[]).or_else(|_| {
                crate::run("apt-get", &["update"], &[])?;
                crate::run("apt-get", &["install", "-y", "wrk"], &[])
            });
            installed.map_err(|e| format!("bench http: cannot install wrk: {e}"))?;
        }
        let wrk_version = wrk_version().ok_or("bench http: wrk does not run")?;
        let clk_tck = command_output("getconf", &["CLK_TCK"])
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100);
        let nproc = std::thread::available_parallelism().map_or(1, usize::from);
        let (server_cpu, client_cpu) = if nproc >= 2 {
            ("0".to_owned(), "1".to_owned())
        } else {
            eprintln!(
                "bench http: warning: one CPU only; server and wrk share it, figures are not comparable"
            );
            ("0".to_owned(), "0".to_owned())
        };
        Ok(Tools {
            clk_tck,
            nproc,
            wrk_version,
            server_cpu,
            client_cpu,
        })
    }
}

/// The first line of `wrk -v` (which exits with status 1), or `None` when
/// wrk cannot be started.
fn wrk_version() -> Option<String> {
    let output = Command::new("wrk").arg("-v").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let line = text.lines().next()?.trim();
    let line = line.split(" Copyright").next().unwrap_or(line);
    Some(line.to_owned())
}

/// The stdout of a command that succeeded.
fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// `tornado.version` when python3 can import tornado.
fn python_tornado_version() -> Option<String> {
    command_output("python3", &["-c", "import tornado; print(tornado.version)"])
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// Busy (non-idle, non-iowait) ticks of all CPUs, from the first line of
/// `/proc/stat`.
fn machine_busy_ticks() -> Result<u64, String> {
    let stat = std::fs::read_to_string("/proc/stat")
        .map_err(|e| format!("cannot read /proc/stat: {e}"))?;
    parse_machine_busy(&stat).ok_or_else(|| "malformed /proc/stat".to_owned())
}

fn parse_machine_busy(stat: &str) -> Option<u64> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal [guest guest_nice];
    // guest time is already counted in user.
    let total: u64 = values.iter().take(8).sum();
    Some(total - values.get(3)? - values.get(4).copied().unwrap_or(0))
}

/// CPU ticks of this process's waited-for children (cutime + cstime).
fn children_ticks() -> Result<u64, String> {
    let stat = std::fs::read_to_string("/proc/self/stat")
        .map_err(|e| format!("cannot read /proc/self/stat: {e}"))?;
    parse_children_ticks(&stat).ok_or_else(|| "malformed /proc/self/stat".to_owned())
}

/// Fields 16 and 17 of `/proc/PID/stat`.
fn parse_children_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let cutime: u64 = fields.get(13)?.parse().ok()?;
    let cstime: u64 = fields.get(14)?.parse().ok()?;
    Some(cutime + cstime)
}

/// Waits up to `max_seconds` until the machine has stayed nearly idle
/// (other processes under [`FOREIGN_LIMIT`] of a core) for five one-second
/// windows in a row: other engineers' builds and benchmarks share the two
/// cores. Called while none of our servers or wrk runs.
fn wait_quiet(max_seconds: u64, clk_tck: u64) {
    const QUIET_WINDOWS: u32 = 5;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(max_seconds);
    let mut quiet_windows = 0;
    let mut told = false;
    let mut last_share = 0.0;
    while quiet_windows < QUIET_WINDOWS {
        if Instant::now() >= deadline {
            eprintln!(
                "bench http: other processes still use {:.0}% of a core; measuring anyway",
                last_share * 100.0
            );
            return;
        }
        let (Ok(before), t0) = (machine_busy_ticks(), Instant::now()) else {
            return;
        };
        sleep(Duration::from_secs(1));
        let Ok(after) = machine_busy_ticks() else {
            return;
        };
        last_share =
            after.saturating_sub(before) as f64 / clk_tck as f64 / t0.elapsed().as_secs_f64();
        if last_share <= FOREIGN_LIMIT {
            quiet_windows += 1;
        } else {
            quiet_windows = 0;
            if !told {
                eprintln!(
                    "bench http: other processes use {:.0}% of a core; waiting up to {max_seconds} s for quiet",
                    last_share * 100.0
                );
                told = true;
            }
        }
    }
    if told {
        eprintln!(
            "bench http: quiet after {:.0} s",
            started.elapsed().as_secs_f64()
        );
    }
}

/// `target_directory` from `cargo metadata` (honours `CARGO_TARGET_DIR`).
fn target_dir(cargo: &str, root: &Path, manifest: Option<&Path>) -> Result<PathBuf, String> {
    let mut command = Command::new(cargo);
    command
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root);
    if let Some(manifest) = manifest {
        command.arg("--manifest-path").arg(manifest);
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata: bad JSON: {e}"))?;
    json.get("target_directory")
        .and_then(|v| v.as_str())
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata: no target_directory".to_owned())
}

/// The version of `package` in a Cargo.lock, or `?` when absent.
fn locked_version(lock: &str, package: &str) -> String {
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{package}\"")
            && let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
        {
            return version.to_owned();
        }
    }
    "?".to_owned()
}

/// A server process we started; killed (by its own pid) when dropped.
#[derive(Debug)]
struct RunningServer {
    child: Child,
    port: u16,
    label: String,
}

impl RunningServer {
    /// Starts `server` pinned to the server core with a raised descriptor
    /// limit, and waits until it accepts connections.
    fn start(root: &Path, server: &Server, tools: &Tools) -> Result<Self, String> {
        let port = free_port()?;
        let log_dir = std::env::temp_dir().join("tornado-bench-http");
        std::fs::create_dir_all(&log_dir).map_err(|e| format!("cannot create {log_dir:?}: {e}"))?;
        let log_path = log_dir.join(format!("{}.log", server.key));
        let log = std::fs::File::create(&log_path)
            .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let log_err = log
            .try_clone()
            .map_err(|e| format!("cannot duplicate a log handle: {e}"))?;
        // taskset and prlimit both exec the command, so the child's pid is
        // the server's own pid.
        let child = Command::new("taskset")
            .args(["-c", &tools.server_cpu, "prlimit"])
            .arg(format!("--nofile={NOFILE}:{NOFILE}"))
            .arg("--")
            .arg(&server.program)
            .args(&server.args)
            .args(["--port", &port.to_string()])
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", server.program.display()))?;
        let mut running = RunningServer {
            child,
            port,
            label: server.label.clone(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = running.child.try_wait() {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                return Err(format!(
                    "{} exited at start-up ({status}); log {}:\n{log}",
                    server.label,
                    log_path.display()
                ));
            }
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(running);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{} did not listen on port {port} within 30 s (log {})",
                    server.label,
                    log_path.display()
                ));
            }
            sleep(Duration::from_millis(50));
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn connect(&self) -> Result<TcpStream, String> {
        let stream = TcpStream::connect(("127.0.0.1", self.port))
            .map_err(|e| format!("{}: connect: {e}", self.label))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }

    /// Checks that `GET /` answers `200`, text/plain, `Hello, world`, and
    /// that the connection stays open for a second request.
    fn check_hello(&mut self) -> Result<(), String> {
        let mut stream = self.connect()?;
        let mut buf = Vec::new();
        for _ in 0..2 {
            let response =
                get(&mut stream, &mut buf).map_err(|e| format!("{}: {e}", self.label))?;
            if !response.status_line.starts_with("HTTP/1.1 200") {
                return Err(format!("{}: status `{}`", self.label, response.status_line));
            }
            if !response
                .content_type
                .as_deref()
                .is_some_and(|t| t.starts_with("text/plain"))
            {
                return Err(format!(
                    "{}: Content-Type {:?}",
                    self.label, response.content_type
                ));
            }
            if response.body != b"Hello, world" {
                return Err(format!(
                    "{}: body {:?}",
                    self.label,
                    String::from_utf8_lossy(&response.body)
                ));
            }
        }
        Ok(())
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A port that was free a moment ago.
fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot find a free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// The parts of a response the checks look at.
#[derive(Debug)]
struct Response {
    status_line: String,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// Sends `GET /` on a keep-alive connection and reads one response
/// (Content-Length framing; every server under test uses it).
fn get(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<Response, String> {
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .map_err(|e| format!("write: {e}"))?;
    read_response(stream, buf)
}

fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<Response, String> {
    const MAX: usize = 64 * 1024;
    buf.clear();
    let mut chunk = [0u8; 4096];
    let mut fill = |buf: &mut Vec<u8>| -> Result<(), String> {
        match stream.read(&mut chunk) {
            Ok(0) => Err("connection closed before a full response".to_owned()),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > MAX {
                    Err("response larger than 64 KiB".to_owned())
                } else {
                    Ok(())
                }
            }
            Err(e) => Err(format!("read: {e}")),
        }
    };
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        fill(buf)?;
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| "non-UTF-8 head".to_owned())?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default().to_owned();
    let mut content_length = None;
    let mut content_type = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("malformed header line `{line}`"));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            content_length = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| format!("bad Content-Length `{value}`"))?,
            );
        } else if name.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.to_owned());
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(format!("unexpected Transfer-Encoding `{value}`"));
        }
    }
    let length = content_length.ok_or("response without Content-Length")?;
    let end = head_end + 4 + length;
    if end > MAX {
        return Err("response larger than 64 KiB".to_owned());
    }
    while buf.len() < end {
        fill(buf)?;
    }
    if buf.len() > end {
        return Err("bytes after the response".to_owned());
    }
    Ok(Response {
        status_line,
        content_type,
        body: buf[head_end + 4..end].to_vec(),
    })
}

/// Runs wrk pinned to the client core; returns its stdout.
fn wrk(
    tools: &Tools,
    port: u16,
    load: &Load,
    seconds: u64,
    script: &Path,
) -> Result<String, String> {
    let mut command = Command::new("taskset");
    command
        .args(["-c", &tools.client_cpu, "wrk", "-t1"])
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{seconds}s"))
        .args(["--timeout", "5s", "--latency"]);
    if load.pipeline.is_some() {
        command.arg("-s").arg(script);
    }
    command.arg(format!("http://127.0.0.1:{port}/"));
    if let Some(depth) = load.pipeline {
        command.args(["--", &depth.to_string()]);
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!(
            "wrk failed ({}): {stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(stdout)
}

/// Extracts requests, req/s, p50/p99 and error counts from wrk's report.
fn parse_wrk(output: &str) -> Result<Sample, String> {
    let mut sample = Sample::default();
    let mut saw_requests = false;
    let mut saw_p50 = false;
    let mut saw_p99 = false;
    for line in output.lines() {
        let line = line.trim();
        let words: Vec<&str> = line.split_whitespace().collect();
        if line.contains(" requests in ") {
            sample.requests = words[0]
                .parse()
                .map_err(|_| format!("bad request count in `{line}`"))?;
            saw_requests = true;
        } else if let Some(rest) = line.strip_prefix("Requests/sec:") {
            sample.rps = rest
                .trim()
                .parse()
                .map_err(|_| format!("bad Requests/sec in `{line}`"))?;
        } else if words.len() == 2 && words[0] == "50%" {
            sample.p50_us = percentile(words[1])?;
            saw_p50 = true;
        } else if words.len() == 2 && words[0] == "99%" {
            sample.p99_us = percentile(words[1])?;
            saw_p99 = true;
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 0"
            for part in rest.split(',') {
                if let Some(n) = part
                    .split_whitespace()
                    .nth(1)
                    .and_then(|n| n.parse::<u64>().ok())
                {
                    sample.errors += n;
                }
            }
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            sample.errors += rest.trim().parse::<u64>().unwrap_or(0);
        }
    }
    if !(saw_requests && saw_p50 && saw_p99) {
        return Err("wrk output lacks the request count or latency distribution".to_owned());
    }
    Ok(sample)
}

/// A latency percentile from wrk; NaN (unknown) when wrk prints zero, which
/// wrk 4.1 does for high percentiles under pipelining (its correction for
/// coordinated omission adds samples below the histogram's recorded
/// minimum, which the percentile search never visits, so it runs off the end).
fn percentile(text: &str) -> Result<f64, String> {
    let us = parse_duration_us(text)?;
    Ok(if us == 0.0 { f64::NAN } else { us })
}

/// `310.00us`, `1.02ms`, `2.00s`, `1.50m` → microseconds.
fn parse_duration_us(text: &str) -> Result<f64, String> {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .ok_or_else(|| format!("latency `{text}` has no unit"))?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("bad latency `{text}`"))?;
    let scale = match unit {
        "us" => 1.0,
        "ms" => 1e3,
        "s" => 1e6,
        "m" => 60e6,
        "h" => 3600e6,
        _ => return Err(format!("unknown latency unit in `{text}`")),
    };
    Ok(value * scale)
}

/// utime + stime of a whole process (all threads), in clock ticks.
fn cpu_ticks(pid: u32) -> Result<u64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|e| format!("cannot read /proc/{pid}/stat: {e}"))?;
    parse_stat_ticks(&stat).ok_or_else(|| format!("malformed /proc/{pid}/stat"))
}

/// Fields 14 and 15 of `/proc/PID/stat`, counted after the `(comm)` field
/// (which may itself contain spaces and parentheses).
fn parse_stat_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 (state), so utime (14) is fields[11].
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// `VmRSS` of a process, in KiB.
fn rss_kib(pid: u32) -> Result<u64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("cannot read /proc/{pid}/status: {e}"))?;
    parse_vmrss(&status).ok_or_else(|| format!("no VmRSS in /proc/{pid}/status"))
}

fn parse_vmrss(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// The soft `Max open files` of this process.
fn nofile_soft_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Opens `conns` keep-alive connections to a fresh server, each making one
/// request, and measures the server's RSS growth.
fn measure_idle(root: &Path, server: &Server, tools: &Tools, conns: usize) -> Result<Idle, String> {
    let mut running = RunningServer::start(root, server, tools)?;
    running.check_hello()?;
    // Let start-up allocations settle before the baseline.
    sleep(Duration::from_millis(300));
    let pid = running.pid();
    let rss_before_kib = rss_kib(pid)?;
    let mut streams = Vec::with_capacity(conns);
    let mut buf = Vec::new();
    for i in 0..conns {
        let mut stream = running
            .connect()
            .map_err(|e| format!("after {i} connections: {e}"))?;
        get(&mut stream, &mut buf).map_err(|e| format!("connection {i}: {e}"))?;
        streams.push(stream);
    }
    sleep(Duration::from_secs(1));
    let rss_after_kib = rss_kib(pid)?;
    // The connections must still be open (not timed out or dropped) for the
    // figure to mean anything: sample about fifty of them.
    let step = (conns / 50).max(1);
    let mut alive_checked = 0;
    let mut alive_ok = 0;
    for stream in streams.iter_mut().step_by(step) {
        alive_checked += 1;
        if get(stream, &mut buf).is_ok() {
            alive_ok += 1;
        }
    }
    drop(streams);
    running.stop();
    Ok(Idle {
        connections: conns,
        rss_before_kib,
        rss_after_kib,
        alive_checked,
        alive_ok,
    })
}

/// The median of the known (non-NaN) values; NaN when none is known.
fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| !v.is_nan());
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn fmt_latency(us: f64) -> String {
    if us.is_nan() {
        "n/a".to_owned()
    } else if us >= 10_000.0 {
        format!("{:.1} ms", us / 1000.0)
    } else if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.0} µs")
    }
}

fn fmt_rps(rps: f64) -> String {
    if rps >= 10_000.0 {
        format!("{:.1}k", rps / 1000.0)
    } else {
        format!("{rps:.0}")
    }
}

fn fmt_cpu(us: f64) -> String {
    if us >= 100.0 {
        format!("{us:.0}")
    } else if us >= 10.0 {
        format!("{us:.1}")
    } else {
        format!("{us:.2}")
    }
}

/// Everything the Markdown section is built from.
#[derive(Debug)]
struct Report<'a> {
    servers: &'a [Server],
    samples: &'a [Vec<Vec<Sample>>],
    idle: &'a [Option<Idle>],
    idle_note: &'a str,
    options: &'a Options,
    tools: &'a Tools,
}

/// Medians of one server under one load.
#[derive(Debug, Clone, Copy)]
struct Medians {
    rps: f64,
    p50_us: f64,
    p99_us: f64,
    cpu: f64,
    cpu_share: f64,
    errors: u64,
}

impl Report<'_> {
    fn medians(&self, server: usize, load: usize) -> Medians {
        let all = &self.samples[server][load];
        // Clean rounds only when every server has one for this load, so
        // that the servers are compared under the same conditions.
        let every_server_clean = self
            .samples
            .iter()
            .all(|rounds| rounds[load].iter().any(|x| !x.contended));
        let clean: Vec<Sample> = all.iter().copied().filter(|x| !x.contended).collect();
        let s: &[Sample] = if every_server_clean { &clean } else { all };
        let pick = |f: fn(&Sample) -> f64| median(s.iter().map(f).collect());
        Medians {
            rps: pick(|x| x.rps),
            p50_us: pick(|x| x.p50_us),
            p99_us: pick(|x| x.p99_us),
            cpu: pick(|x| x.cpu_us_per_req),
            cpu_share: pick(|x| x.cpu_share),
            errors: s.iter().map(|x| x.errors).sum(),
        }
    }

    fn index(&self, key: &str) -> Option<usize> {
        self.servers.iter().position(|s| s.key == key)
    }

    fn markdown(&self) -> String {
        let mut md = String::new();
        let date = command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|c| {
                c.lines()
                    .find_map(|l| l.strip_prefix("model name"))
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_owned())
            })
            .unwrap_or_else(|| "unknown CPU".to_owned());
        let kernel = command_output("uname", &["-r"])
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        let o = self.options;
        let _ = writeln!(md, "{SECTION}\n");
        let _ = writeln!(
            md,
            "`cargo xtask bench http`, {date}; {} CPUs ({cpu_model}), Linux {kernel}, {}. \
             Each server is pinned to core {} (`taskset`), `wrk -t1` to core {}; \
             {} rounds with the servers interleaved (each started fresh per round), \
             every load a {} s warm-up then {} s measured; the figures are the medians of the rounds. \
             **CPU µs/req** is the server's utime + stime from `/proc/PID/stat` over the measured run \
             divided by the requests wrk completed (wrk saturates its core first, so this is what \
             separates the servers; it is also the figure least disturbed by other load on the machine). Pipelined p50/p99 are per batch of {PIPELINE_DEPTH} requests \
             (wrk times a batch from its write to its last response).",
            self.tools.nproc,
            self.tools.wrk_version,
            self.tools.server_cpu,
            self.tools.client_cpu,
            o.rounds,
            o.warmup,
            o.duration,
        );
        let runs: Vec<&Sample> = self.samples.iter().flatten().flatten().collect();
        let contended = runs.iter().filter(|s| s.contended).count();
        if contended > 0 {
            let _ = writeln!(
                md,
                "\n{contended} of {} measured runs had other processes (other engineers' builds and tests on \
                 the same two cores) using more than {:.0}% of a core (from `/proc/stat`, minus the server and \
                 wrk; marked * below); a load's medians use only clean rounds when every server has one for that load, and all rounds otherwise.",
                runs.len(),
                FOREIGN_LIMIT * 100.0
            );
        }
        md.push('\n');

        // The main table: server rows × load columns.
        let mut header = String::from("| server |");
        let mut rule = String::from("|---|");
        for load in LOADS {
            let _ = write!(
                header,
                " {0} req/s | {0} p50 | {0} p99 | {0} CPU µs/req |",
                load.label
            );
            rule.push_str("---:|---:|---:|---:|");
        }
        header.push_str(&format!(" idle RSS / conn ({} conns) |", o.idle_conns));
        rule.push_str("---:|");
        let _ = writeln!(md, "{header}\n{rule}");
        for (si, server) in self.servers.iter().enumerate() {
            let mut row = format!("| {} |", server.label);
            for li in 0..LOADS.len() {
                let m = self.medians(si, li);
                let _ = write!(
                    row,
                    " {} | {} | {} | **{}** |",
                    fmt_rps(m.rps),
                    fmt_latency(m.p50_us),
                    fmt_latency(m.p99_us),
                    fmt_cpu(m.cpu)
                );
            }
            match self.idle[si] {
                Some(idle) => {
                    let _ = write!(row, " {:.2} KiB |", idle.bytes_per_conn() / 1024.0);
                }
                None => row.push_str(" – |"),
            }
            let _ = writeln!(md, "{row}");
        }

        // CPU per request relative to the limit server.
        if let Some(limit) = self.index("limit") {
            let _ = writeln!(
                md,
                "\nServer CPU per request relative to the limit server (lower is better; 1.00 = the limit):\n"
            );
            let mut header = String::from("| server |");
            let mut rule = String::from("|---|");
            for load in LOADS {
                let _ = write!(header, " {} |", load.label);
                rule.push_str("---:|");
            }
            let _ = writeln!(md, "{header}\n{rule}");
            for (si, server) in self.servers.iter().enumerate() {
                let mut row = format!("| {} |", server.label);
                for li in 0..LOADS.len() {
                    let ratio = self.medians(si, li).cpu / self.medians(limit, li).cpu;
                    let _ = write!(row, " {ratio:.2}× |");
                }
                let _ = writeln!(md, "{row}");
            }
        }

        md.push_str(&self.targets());
        if !self.idle_note.is_empty() {
            let _ = writeln!(md, "\n{}", self.idle_note);
        }
        let _ = writeln!(
            md,
            "\nIdle memory: each server is started fresh, answers one warm-up request, then {} \
             keep-alive connections each make one request and stay open; the figure is the growth of \
             `VmRSS` (`/proc/PID/status`) one second later, divided by the connections.",
            o.idle_conns
        );
        let notes = self.notes();
        if !notes.is_empty() {
            let _ = writeln!(md, "\n{notes}");
        }
        md.push_str(&self.raw());
        md
    }

    /// The issue's targets, checked against this run.
    fn targets(&self) -> String {
        let (Some(ours), Some(limit)) = (self.index("tornado-rs"), self.index("limit")) else {
            return String::new();
        };
        let hyper = self.index("hyper");
        let mark = |ok: bool| if ok { "met" } else { "**missed**" };
        let mut md = String::from("\nTargets (issue 6):\n\n");
        for (li, load) in LOADS.iter().enumerate().take(2) {
            let o = self.medians(ours, li).cpu;
            let l = self.medians(limit, li).cpu;
            let _ = writeln!(
                md,
                "- CPU/request at {} ≤ 1.05× the limit server: {:.2} vs {:.2} µs = {:.2}× — {}",
                load.label,
                o,
                l,
                o / l,
                mark(o <= 1.05 * l)
            );
            if let Some(h) = hyper {
                let h = self.medians(h, li).cpu;
                let _ = writeln!(
                    md,
                    "- CPU/request at {} below hyper's: {:.2} vs {:.2} µs — {}",
                    load.label,
                    o,
                    h,
                    mark(o < h)
                );
            }
        }
        let pipelined = self.medians(ours, 2).cpu;
        let _ = writeln!(
            md,
            "- pipelined CPU/request ≤ 0.45 µs: {pipelined:.2} µs — {}",
            mark(pipelined <= 0.45)
        );
        if let Some(idle) = self.idle[ours] {
            let bytes = idle.bytes_per_conn();
            let _ = writeln!(
                md,
                "- idle RSS per keep-alive connection < 2 KB: {bytes:.0} B — {}",
                mark(bytes < 2000.0)
            );
        }
        if let Some(h) = hyper {
            let o = self.medians(ours, 1).p99_us;
            let hp = self.medians(h, 1).p99_us;
            let _ = writeln!(
                md,
                "- p99 at 256 connections no worse than hyper's: {} vs {} — {}",
                fmt_latency(o),
                fmt_latency(hp),
                mark(o <= hp)
            );
        }
        md
    }

    /// Caveats the numbers need: unsaturated servers, errors, dead idle
    /// connections.
    fn notes(&self) -> String {
        let mut notes = Vec::new();
        let unknown_latency = self
            .samples
            .iter()
            .flatten()
            .flatten()
            .any(|s| s.p50_us.is_nan() || s.p99_us.is_nan());
        if unknown_latency {
            notes.push(
                "- n/a latency: wrk 4.1 printed 0 for that percentile (under pipelining its coordinated-omission \
                 correction adds samples below the recorded minimum, which its percentile search skips); rounds with a figure \
                 give the median."
                    .to_owned(),
            );
        }
        for (si, server) in self.servers.iter().enumerate() {
            for (li, load) in LOADS.iter().enumerate() {
                let m = self.medians(si, li);
                if m.cpu_share < 0.9 {
                    notes.push(format!(
                        "- {} / {}: the server used only {:.0}% of its core (median): the load \
                         generator or other processes, not the server, bounded req/s and latency; \
                         compare CPU µs/req.",
                        server.label,
                        load.label,
                        m.cpu_share * 100.0
                    ));
                }
                if m.errors > 0 {
                    notes.push(format!(
                        "- {} / {}: wrk reported {} socket errors or non-2xx responses over the rounds.",
                        server.label, load.label, m.errors
                    ));
                }
            }
            if let Some(idle) = self.idle[si]
                && idle.alive_ok < idle.alive_checked
            {
                notes.push(format!(
                    "- {}: only {}/{} sampled idle connections still answered after the measurement.",
                    server.label, idle.alive_ok, idle.alive_checked
                ));
            }
        }
        notes.join("\n")
    }

    /// Every round's figures, for the record.
    fn raw(&self) -> String {
        let mut md = String::from(
            "\n<details><summary>Every round (req/s · p99 · CPU µs/req · server / wrk / other processes' CPU, % of one core)</summary>\n\n\
             | server | load | rounds |\n|---|---|---|\n",
        );
        for (si, server) in self.servers.iter().enumerate() {
            for (li, load) in LOADS.iter().enumerate() {
                let rounds: Vec<String> = self.samples[si][li]
                    .iter()
                    .map(|s| {
                        format!(
                            "{} · {} · {} · {:.0}/{:.0}/{:.0}%{}",
                            fmt_rps(s.rps),
                            fmt_latency(s.p99_us),
                            fmt_cpu(s.cpu_us_per_req),
                            s.cpu_share * 100.0,
                            s.wrk_share * 100.0,
                            s.foreign_share * 100.0,
                            if s.contended { " *" } else { "" }
                        )
                    })
                    .collect();
                let _ = writeln!(
                    md,
                    "| {} | {} | {} |",
                    server.label,
                    load.label,
                    rounds.join("; ")
                );
            }
        }
        md.push_str("\n</details>\n");
        md
    }
}

/// Replaces our section of `docs/benchmarks.md` (from its heading to the
/// next `## ` heading) or appends it, leaving every other section alone.
fn write_section(path: &Path, section: &str) -> Result<(), String> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "# Benchmarks\n".to_owned(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let updated = replace_section(&existing, section);
    std::fs::write(path, updated).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn replace_section(existing: &str, section: &str) -> String {
    let section = section.trim_end();
    let lines: Vec<&str> = existing.lines().collect();
    let start = lines.iter().position(|l| l.starts_with("## http server"));
    match start {
        Some(start) => {
            let end = lines[start + 1..]
                .iter()
                .position(|l| l.starts_with("## "))
                .map_or(lines.len(), |i| start + 1 + i);
            let mut out = lines[..start].join("\n");
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(section);
            out.push('\n');
            if end < lines.len() {
                out.push('\n');
                out.push_str(&lines[end..].join("\n"));
                out.push('\n');
            }
            out
        }
        None => {
            let mut out = existing.trim_end().to_owned();
            out.push_str("\n\n");
            out.push_str(section);
            out.push('\n');
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRK: &str = "Running 5s test @ http://127.0.0.1:8080/
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   350.12us   80.00us   2.10ms   90.00%
    Req/Sec   180.00k     5.00k  190.00k    70.00%
  Latency Distribution
     50%  310.00us
     75%  400.00us
     90%  500.00us
     99%    1.02ms
  903456 requests in 5.00s, 100.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec: 180691.20
Transfer/sec:     20.00MB
";

    #[test]
    fn parses_wrk_report() {
        let s = parse_wrk(WRK).unwrap();
        assert_eq!(s.requests, 903_456);
        assert!((s.rps - 180_691.2).abs() < 1e-6);
        assert!((s.p50_us - 310.0).abs() < 1e-9);
        assert!((s.p99_us - 1020.0).abs() < 1e-9);
        assert_eq!(s.errors, 7);
    }

    #[test]
    fn wrk_report_without_latency_is_an_error() {
        assert!(parse_wrk("  10 requests in 1.00s, 1KB read\nRequests/sec: 10\n").is_err());
    }

    #[test]
    fn durations_have_units() {
        assert_eq!(parse_duration_us("2.00s").unwrap(), 2e6);
        assert_eq!(parse_duration_us("15.5us").unwrap(), 15.5);
        assert!(parse_duration_us("12").is_err());
        assert!(parse_duration_us("1.0xs").is_err());
        assert!(percentile("0.00us").unwrap().is_nan());
        assert_eq!(percentile("1.50ms").unwrap(), 1500.0);
    }

    #[test]
    fn stat_ticks_skip_a_comm_with_spaces() {
        let stat = "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 100 1000 10";
        assert_eq!(parse_stat_ticks(stat), Some(300));
        assert_eq!(parse_stat_ticks("1 (x) S 1 2"), None);
    }

    #[test]
    fn machine_busy_excludes_idle_and_iowait() {
        let stat = "cpu  100 5 50 1000 20 3 2 0 7 0\ncpu0 50 2 25 500 10 1 1 0 0 0\n";
        assert_eq!(parse_machine_busy(stat), Some(160));
        assert_eq!(parse_machine_busy("intr 1 2\n"), None);
    }

    #[test]
    fn children_ticks_are_fields_16_and_17() {
        let stat = "99 (xtask) R 1 99 99 0 -1 0 0 0 0 0 3 4 120 30 20 0 1 0 5 100 10";
        assert_eq!(parse_children_ticks(stat), Some(150));
    }

    #[test]
    fn vmrss_in_kib() {
        let status = "Name:\thello\nVmPeak:\t  9000 kB\nVmRSS:\t    4321 kB\n";
        assert_eq!(parse_vmrss(status), Some(4321));
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(vec![f64::NAN, 5.0, 1.0]), 3.0);
        assert!(median(vec![f64::NAN]).is_nan());
        assert!(median(Vec::new()).is_nan());
    }

    #[test]
    fn section_replaced_between_headings() {
        let doc = "# Benchmarks\n\n## a\n\nA\n\n## http server (tornado-httpserver)\n\nold\n\n## z\n\nZ\n";
        let out = replace_section(doc, "## http server (tornado-httpserver)\n\nnew\n");
        assert_eq!(
            out,
            "# Benchmarks\n\n## a\n\nA\n\n## http server (tornado-httpserver)\n\nnew\n\n## z\n\nZ\n"
        );
        let out = replace_section("# Benchmarks\n\n## a\n\nA\n", "## http server (x)\n\nnew");
        assert_eq!(
            out,
            "# Benchmarks\n\n## a\n\nA\n\n## http server (x)\n\nnew\n"
        );
        // Last section in the file.
        let out = replace_section(
            "# B\n\n## http server (x)\n\nold\n",
            "## http server (x)\n\nnew",
        );
        assert_eq!(out, "# B\n\n## http server (x)\n\nnew\n");
    }

    #[test]
    fn locked_versions_come_from_cargo_lock() {
        let lock = "[[package]]\nname = \"hyper\"\nversion = \"1.7.0\"\n\n[[package]]\nname = \"hyper-util\"\nversion = \"0.1.1\"\n";
        assert_eq!(locked_version(lock, "hyper"), "1.7.0");
        assert_eq!(locked_version(lock, "hyper-util"), "0.1.1");
        assert_eq!(locked_version(lock, "actix-web"), "?");
    }
}
