//! Runs the differential conformance corpus (`template.json`, produced by
//! real Tornado 6.6.1) against this crate.
//!
//! The corpus directory comes from `TORNADO_CONFORMANCE_DIR`, or defaults to
//! `../shared/conformance` relative to the workspace root. Cases listed in
//! the `## tornado-template` section of `docs/deviations.md` (as
//! `` - `group/nnn` ``) are reported but do not fail the test.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value as Json;
use tornado_template::{
    BaseLoader, Context, DictLoader, Error, TemplateOptions, Value, Whitespace,
};

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("TORNADO_CONFORMANCE_DIR") {
        let p = PathBuf::from(dir);
        if p.exists() {
            return Some(p);
        }
    }
    let p = workspace_root().join("../shared/conformance");
    p.exists().then_some(p)
}

fn deviations() -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(workspace_root().join("docs/deviations.md")) else {
        return Vec::new();
    };
    let mut in_section = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("## ") {
            in_section = line.trim() == "## tornado-template";
            continue;
        }
        if in_section {
            if let Some(rest) = line.trim_start().strip_prefix("- `") {
                if let Some(end) = rest.find('`') {
                    let name = &rest[..end];
                    if name.contains('/') {
                        out.push(name.to_owned());
                    }
                }
            }
        }
    }
    out
}

/// Sorts the members of Python set literals (`{'a', 'b'}`) so messages can
/// be compared regardless of hash order.
fn normalize_sets(msg: &str) -> String {
    let mut out = String::new();
    let mut rest = msg;
    while let Some(start) = rest.find("{'") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let inner = &rest[start + 1..start + end];
        let mut items: Vec<&str> = inner.split(", ").collect();
        items.sort();
        out.push('{');
        out.push_str(&items.join(", "));
        out.push('}');
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

fn python_message(e: &Error) -> String {
    if e.kind() == tornado_template::ErrorKind::ParseError {
        format!(
            "{} at {}:{}",
            e.message(),
            e.filename().unwrap_or("None"),
            e.lineno()
        )
    } else {
        e.message().to_owned()
    }
}

enum Outcome {
    Pass,
    Fail(String),
}

fn run_case(case: &Json) -> Outcome {
    let input = &case["input"];
    let templates: Vec<(String, String)> = input["templates"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let mut options = TemplateOptions::default().autoescape(input["autoescape"].as_str());
    if let Some(ws) = input["whitespace"].as_str() {
        match ws.parse::<Whitespace>() {
            Ok(w) => options = options.whitespace(w),
            Err(e) => return Outcome::Fail(format!("bad whitespace in case: {e}")),
        }
    }
    let mut ctx = Context::new();
    if let Some(m) = input["context"].as_object() {
        for (k, v) in m {
            ctx.insert(k.as_str(), Value::from(v.clone()));
        }
    }
    let loader = DictLoader::new(templates, options);
    let render = input["render"].as_str().unwrap_or_default();
    let result = loader
        .load(render, None)
        .map_err(|e| ("load", e))
        .and_then(|t| t.generate(&ctx).map_err(|e| ("generate", e)));
    match (result, case.get("expected")) {
        (Ok(out), Some(expected)) => {
            if Some(out.as_str()) == expected.as_str() {
                Outcome::Pass
            } else {
                Outcome::Fail(format!(
                    "expected {:?}, got {:?}",
                    expected.as_str().unwrap_or_default(),
                    out
                ))
            }
        }
        (Err((phase, e)), Some(_)) => Outcome::Fail(format!("unexpected {phase} error: {e}")),
        (Ok(out), None) => Outcome::Fail(format!(
            "expected {} error, got output {out:?}",
            case["error"]
        )),
        (Err((phase, e)), None) => {
            let want_kind = case["error"].as_str().unwrap_or_default();
            let want_phase = case["error_phase"].as_str().unwrap_or_default();
            if e.kind().python_name() != want_kind || phase != want_phase {
                return Outcome::Fail(format!(
                    "expected {want_kind} at {want_phase}, got {} at {phase}: {e}",
                    e.kind().python_name()
                ));
            }
            let want_msg = case["message"].as_str().unwrap_or_default();
            let got_msg = python_message(&e);
            let ok = match case["message_check"].as_str() {
                Some("exact") => got_msg == want_msg,
                Some("ignore_set_order") => normalize_sets(&got_msg) == normalize_sets(want_msg),
                _ => true,
            };
            if ok {
                Outcome::Pass
            } else {
                Outcome::Fail(format!("message {got_msg:?} != {want_msg:?}"))
            }
        }
    }
}

#[test]
fn template_conformance() {
    let Some(dir) = corpus_dir() else {
        eprintln!("warning: conformance corpus not found (set TORNADO_CONFORMANCE_DIR); skipping");
        return;
    };
    let path = dir.join("template.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("warning: {} not found; skipping", path.display());
        return;
    };
    run_corpus(&path, &text);
}

/// Extra cases rendered by real Tornado 6.6.1 (`tests/data/gen_extra.py`),
/// kept in the crate so they always run.
#[test]
fn extra_cases_generated_by_tornado() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/tornado_extra.json");
    let text =
        std::fs::read_to_string(&path).expect("tests/data/tornado_extra.json is part of the crate");
    run_corpus(&path, &text);
}

/// Random expressions rendered by real Tornado 6.6.1
/// (`tests/data/gen_random.py`), kept in the crate so they always run.
#[test]
fn random_expressions_generated_by_tornado() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/tornado_random.json");
    let text = std::fs::read_to_string(&path)
        .expect("tests/data/tornado_random.json is part of the crate");
    run_corpus(&path, &text);
}

/// Random template structures rendered by real Tornado 6.6.1
/// (`tests/data/gen_struct.py`), with exact `ParseError` messages.
#[test]
fn random_structures_generated_by_tornado() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/tornado_struct.json");
    let text = std::fs::read_to_string(&path)
        .expect("tests/data/tornado_struct.json is part of the crate");
    run_corpus(&path, &text);
}

fn run_corpus(path: &std::path::Path, text: &str) {
    let corpus: Json = serde_json::from_str(text).expect("the corpus is valid JSON");
    let allowed = deviations();
    let mut groups: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut deviated = Vec::new();
    for case in corpus["cases"].as_array().into_iter().flatten() {
        let name = case["name"].as_str().unwrap_or("?").to_owned();
        let group = case["group"].as_str().unwrap_or("?").to_owned();
        let outcome = std::panic::catch_unwind(|| run_case(case))
            .unwrap_or_else(|_| Outcome::Fail("panicked".to_owned()));
        let entry = groups.entry(group).or_default();
        entry.1 += 1;
        match outcome {
            Outcome::Pass => entry.0 += 1,
            Outcome::Fail(why) if allowed.contains(&name) => {
                deviated.push(format!("{name}: {why}"))
            }
            Outcome::Fail(why) => failures.push(format!("{name}: {why}")),
        }
    }
    let (mut pass, mut total) = (0, 0);
    println!("template conformance ({}):", path.display());
    for (group, (p, t)) in &groups {
        println!("  {group:<18} {p}/{t}");
        pass += p;
        total += t;
    }
    println!("  {:<18} {pass}/{total}", "TOTAL");
    for d in &deviated {
        println!("  deviation (docs/deviations.md): {d}");
    }
    for f in &failures {
        println!("  FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} conformance case(s) failed",
        failures.len()
    );
}
