//! Project automation, in plain Rust so that it runs wherever cargo does.
//!
//! - `cargo xtask ci`: format check, clippy, docs, tests, layer check — in
//!   that order, stopping at the first failure.
//! - `cargo xtask layers`: fails when a workspace crate depends on a crate of
//!   a higher layer (ARCHITECTURE §2).
//! - `cargo xtask bench <name>`: side-by-side benchmarks (see `docs/benchmarks.md`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod bench_http;
mod layers;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("layers") => layers::check(&workspace_root()),
        Some("bench") => bench(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <ci | layers | bench ioloop|http>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's manifest directory.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Runs one command in the workspace root, failing with its name when it fails.
fn run(program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    let shown = format!("{program} {}", args.join(" "));
    eprintln!("==> {shown}");
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

fn ci() -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let started = std::time::Instant::now();
    run(&cargo, &["fmt", "--all", "--check"], &[])?;
    run(
        &cargo,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    run(
        &cargo,
        &["doc", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    run(&cargo, &["test", "--workspace"], &[])?;
    layers::check(&workspace_root())?;
    eprintln!("==> ci passed in {:.0?}", started.elapsed());
    Ok(())
}

fn bench(args: &[String]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut by_name: BTreeMap<&str, &[&str]> = BTreeMap::new();
    by_name.insert("ioloop", &["bench", "-p", "tornado-ioloop"]);
    by_name.insert("template", &["bench", "-p", "tornado-template"]);
    by_name.insert(
        "client",
        &["bench", "-p", "tornado-httpclient", "--bench", "client"],
    );
    by_name.insert(
        "tcp",
        &["bench", "-p", "tornado-tcpserver", "--bench", "tcp"],
    );
    let name = args.first().map(String::as_str).unwrap_or("ioloop");
    if name == "http" {
        return bench_http::run(&workspace_root(), &args[1..]);
    }
    let cmd = by_name
        .get(name)
        .ok_or_else(|| format!("unknown benchmark `{name}`"))?;
    run(&cargo, cmd, &[])
}
