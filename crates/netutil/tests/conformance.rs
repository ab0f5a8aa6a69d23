//! Differential conformance: `netutil.json` vectors, every expected value
//! produced by running Tornado 6.6.1 (schema of the shared corpus,
//! `shared/conformance/README.md`; category `netutil`).
//!
//! Two sources: the crate's own vectors (`tests/data/netutil.json`, made by
//! `tests/data/gen_netutil.py`), and a `netutil.json` in the shared corpus
//! directory (`TORNADO_CONFORMANCE_DIR`, default `../shared/conformance`
//! from the workspace root) when one is there.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tornado_netutil::is_valid_ip;

/// Runs every case of one file; returns (passed, total) and the failures.
fn run_file(path: &Path) -> (usize, usize, Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap();
    let data: Value = serde_json::from_str(&text).unwrap();
    let cases = data["cases"].as_array().expect("a cases array");
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap_or("?");
        let outcome = match case["fn"].as_str() {
            Some("is_valid_ip") => {
                let ip = case["input"]["ip"].as_str().expect("input.ip");
                let expected = &case["expected"];
                let got = Value::Bool(is_valid_ip(ip));
                (got == *expected).then_some(()).ok_or_else(|| {
                    format!("{name}: is_valid_ip({ip:?}) = {got}, expected {expected}")
                })
            }
            other => Err(format!("{name}: unknown fn {other:?}")),
        };
        if let Err(message) = outcome {
            failures.push(message);
        }
    }
    (cases.len() - failures.len(), cases.len(), failures)
}

fn check(path: &Path) {
    let (passed, total, failures) = run_file(path);
    println!("{}: {passed}/{total} pass", path.display());
    assert!(total > 0, "no cases in {}", path.display());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn crate_vectors() {
    check(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/netutil.json"));
}

fn corpus_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("TORNADO_CONFORMANCE_DIR") {
        return Some(PathBuf::from(dir));
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let default = workspace.join("../shared/conformance");
    default.is_dir().then_some(default)
}

#[test]
fn shared_corpus() {
    let Some(dir) = corpus_dir() else {
        eprintln!("warning: no conformance directory; skipping the shared netutil vectors");
        return;
    };
    let path = dir.join("netutil.json");
    if !path.exists() {
        eprintln!(
            "warning: {} has no netutil.json; only the crate's own vectors ran",
            dir.display()
        );
        return;
    }
    check(&path);
}
