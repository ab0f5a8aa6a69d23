//! Runs every case of `httputil.json` (vectors produced by Tornado 6.6.1)
//! and prints a pass count per function. Fails unless every case passes or
//! is named in the `tornado-httputil` section of `docs/deviations.md`.
//!
//! Error cases: the Python class must be `HTTPInputError` where Tornado
//! raises it; for `message_check: exact` our message (which never echoes the
//! input) must be a case-insensitive prefix of Tornado's.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Map, Value, json};
use tornado_escape::QueryArguments;
use tornado_httputil::*;

fn conformance_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("TORNADO_CONFORMANCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance"),
    };
    dir.is_dir().then_some(dir)
}

fn listed_deviations() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/deviations.md");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let Some(start) = text.find("## tornado-httputil") else {
        return String::new();
    };
    let rest = &text[start + 3..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    rest[..end].to_owned()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn latin1_bytes(v: &Value) -> Vec<u8> {
    s(v).chars()
        .map(|c| u8::try_from(u32::from(c)).expect("latin-1 input"))
        .collect()
}

fn latin1_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Python's `str()` of a JSON scalar.
fn py_str(v: &Value) -> String {
    match v {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => tornado_escape::float_repr(f),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn arguments_json(args: &QueryArguments) -> Value {
    let mut map = Map::new();
    for (name, values) in args.iter() {
        let list: Vec<Value> = values
            .iter()
            .map(|v| Value::from(latin1_string(v)))
            .collect();
        map.insert(name.to_owned(), Value::from(list));
    }
    Value::Object(map)
}

fn pairs_json(pairs: &[(String, String)]) -> Value {
    let mut map = Map::new();
    for (k, v) in pairs {
        map.insert(k.clone(), Value::from(v.as_str()));
    }
    Value::Object(map)
}

type Failure = (&'static str, String);

fn input_error(e: HttpInputError) -> Failure {
    ("HTTPInputError", e.to_string())
}

/// Seconds since the epoch for `YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM]`.
fn iso_to_timestamp(iso: &str) -> i64 {
    let num = |r: std::ops::Range<usize>| iso[r].parse::<i64>().expect("iso digits");
    let base = timegm(
        num(0..4),
        num(5..7) as u32,
        num(8..10) as u32,
        num(11..13),
        num(14..16),
        num(17..19),
    );
    let tail = &iso[19..];
    let tail = tail.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    match tail.as_bytes().first() {
        Some(sign @ (b'+' | b'-')) => {
            let offset =
                tail[1..3].parse::<i64>().unwrap() * 3600 + tail[4..6].parse::<i64>().unwrap() * 60;
            if *sign == b'+' {
                base - offset
            } else {
                base + offset
            }
        }
        _ => base,
    }
}

fn run(fn_name: &str, input: &Value) -> Result<Value, Failure> {
    Ok(match fn_name {
        "HTTPHeaders.parse" => {
            let headers = HttpHeaders::parse(s(&input["headers"])).map_err(input_error)?;
            let all: Vec<Value> = headers.get_all().map(|(k, v)| json!([k, v])).collect();
            let mut combined = Map::new();
            for name in headers.names() {
                combined.insert(
                    name.to_owned(),
                    Value::from(headers.get(name).unwrap_or_default().into_owned()),
                );
            }
            json!({"all": all, "combined": combined})
        }
        "parse_request_start_line" => {
            let line = parse_request_start_line(s(&input["line"])).map_err(input_error)?;
            json!({"method": line.method, "path": line.path, "version": line.version})
        }
        "parse_response_start_line" => {
            let line = parse_response_start_line(s(&input["line"])).map_err(input_error)?;
            json!({"version": line.version, "code": line.code, "reason": line.reason})
        }
        "parse_body_arguments" => {
            let headers = match input["headers"].as_array() {
                None => None,
                Some(pairs) => {
                    let mut h = HttpHeaders::new();
                    for pair in pairs {
                        h.add(s(&pair[0]), s(&pair[1])).map_err(input_error)?;
                    }
                    Some(h)
                }
            };
            let (mut args, mut files) = (QueryArguments::new(), HttpFiles::new());
            parse_body_arguments(
                s(&input["content_type"]),
                &latin1_bytes(&input["body_latin1"]),
                &mut args,
                &mut files,
                headers.as_ref(),
                &ParseBodyConfig::default(),
            )
            .map_err(input_error)?;
            let mut files_json = Map::new();
            for (name, list) in files.iter() {
                let list: Vec<Value> = list
                    .iter()
                    .map(|f| json!({"filename": f.filename, "content_type": f.content_type, "body_latin1": latin1_string(&f.body)}))
                    .collect();
                files_json.insert(name.to_owned(), Value::from(list));
            }
            json!({"arguments_latin1": arguments_json(&args), "files": files_json})
        }
        "url_concat" => {
            let url = s(&input["url"]);
            let args = &input["args"];
            let pairs: Vec<(String, String)> =
                if let Some(map) = args.get("dict").and_then(Value::as_object) {
                    map.iter().map(|(k, v)| (k.clone(), py_str(v))).collect()
                } else if let Some(list) = args
                    .get("list")
                    .or_else(|| args.get("tuple"))
                    .and_then(Value::as_array)
                {
                    list.iter()
                        .map(|p| (py_str(&p[0]), py_str(&p[1])))
                        .collect()
                } else if args.is_null() {
                    Vec::new()
                } else {
                    // Python's TypeError for another type: the Rust signature
                    // only accepts pairs.
                    return Err(("TypeError", "enforced by the type system".to_owned()));
                };
            Value::from(if args.is_null() {
                url.to_owned()
            } else {
                url_concat(url, &pairs)
            })
        }
        "format_timestamp" => {
            if let Some(ts) = input.get("ts") {
                match ts.as_i64() {
                    Some(secs) => Value::from(format_timestamp(secs)),
                    None => Value::from(
                        format_timestamp_f64(ts.as_f64().unwrap_or(f64::NAN)).unwrap_or_default(),
                    ),
                }
            } else if let Some(t) = input.get("tuple").and_then(Value::as_array) {
                let n = |i: usize| t[i].as_i64().unwrap_or(0);
                Value::from(format_timestamp(timegm(
                    n(0),
                    n(1) as u32,
                    n(2) as u32,
                    n(3),
                    n(4),
                    n(5),
                )))
            } else if let Some(iso) = input.get("datetime") {
                Value::from(format_timestamp(iso_to_timestamp(s(iso))))
            } else {
                return Err(("TypeError", "enforced by the type system".to_owned()));
            }
        }
        "parse_cookie" => pairs_json(&parse_cookie(s(&input["cookie"]))),
        "split_host_and_port" => {
            let (host, port) = split_host_and_port(s(&input["netloc"]));
            json!({"host": host, "port": port})
        }
        "qs_to_qsl" => {
            let mut args = QueryArguments::new();
            for (k, values) in input["qs"].as_object().into_iter().flatten() {
                for v in values.as_array().into_iter().flatten() {
                    args.push(k.as_str(), s(v).as_bytes().to_vec());
                }
            }
            let pairs: Vec<Value> = qs_to_qsl(&args)
                .map(|(k, v)| json!([k, String::from_utf8_lossy(v)]))
                .collect();
            Value::from(pairs)
        }
        "encode_username_password" => {
            let bytes = match (input.get("username"), input.get("password")) {
                (Some(u), Some(p)) => encode_username_password(s(u), s(p)),
                _ => encode_username_password_bytes(
                    &latin1_bytes(&input["username_latin1"]),
                    &latin1_bytes(&input["password_latin1"]),
                ),
            };
            json!({"bytes_latin1": latin1_string(&bytes)})
        }
        "HTTPServerRequest" => {
            let mut headers = HttpHeaders::new();
            for pair in input["headers"].as_array().into_iter().flatten() {
                headers.add(s(&pair[0]), s(&pair[1])).map_err(input_error)?;
            }
            let line = RequestStartLine {
                method: s(&input["method"]).to_owned(),
                path: s(&input["uri"]).to_owned(),
                version: s(&input["version"]).to_owned(),
            };
            let request = HttpServerRequest::new(line, headers, Vec::new()).map_err(input_error)?;
            json!({
                "host": request.host, "host_name": request.host_name, "protocol": request.protocol,
                "path": request.path, "query": request.query, "full_url": request.full_url(),
                "arguments_latin1": arguments_json(&request.arguments),
                "cookies": pairs_json(&request.cookies()),
            })
        }
        "_parse_header" => {
            let (value, params) = parse_header(s(&input["line"]));
            json!({"value": value, "params": pairs_json(&params)})
        }
        "_encode_header" => {
            let params: Vec<(String, Option<String>)> = input["params"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), (!v.is_null()).then(|| py_str(v))))
                .collect();
            let borrowed: Vec<(&str, Option<&str>)> = params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_deref()))
                .collect();
            Value::from(encode_header(s(&input["key"]), &borrowed))
        }
        "_parse_request_range" => match parse_request_range(s(&input["range"])) {
            Some((start, end)) => json!([start, end]),
            None => Value::Null,
        },
        "_get_content_range" => {
            let n = |k: &str| input[k].as_u64();
            Value::from(get_content_range(
                n("start"),
                n("end"),
                n("total").unwrap_or(0),
            ))
        }
        other => return Err(("Unsupported", format!("unknown function {other}"))),
    })
}

fn same(a: &Value, b: &Value) -> bool {
    tornado_escape::json_encode(a) == tornado_escape::json_encode(b)
}

fn check(case: &Value) -> Result<(), String> {
    let outcome = run(s(&case["fn"]), &case["input"]);
    match (case.get("error"), outcome) {
        (None, Ok(got)) if same(&got, &case["expected"]) => Ok(()),
        (None, Ok(got)) => Err(format!("expected {}, got {got}", case["expected"])),
        (None, Err((class, message))) => Err(format!("unexpected error {class}: {message}")),
        (Some(expected), Ok(got)) => Err(format!("expected error {expected}, got {got}")),
        (Some(expected), Err((class, message))) => {
            if expected.as_str() != Some(class) {
                return Err(format!("expected error {expected}, got {class}: {message}"));
            }
            let want = s(&case["message"]).to_lowercase();
            if case["message_check"].as_str() == Some("exact")
                && !want.starts_with(&message.to_lowercase())
            {
                return Err(format!("message {message:?} is not a prefix of {want:?}"));
            }
            Ok(())
        }
    }
}

#[test]
fn httputil_conformance() {
    let Some(dir) = conformance_dir() else {
        eprintln!("warning: no conformance directory (set TORNADO_CONFORMANCE_DIR); skipping");
        return;
    };
    let text = std::fs::read_to_string(dir.join("httputil.json")).expect("read httputil.json");
    let corpus: Value = serde_json::from_str(&text).expect("parse httputil.json");
    let deviations = listed_deviations();
    let mut counts: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in corpus["cases"].as_array().expect("cases") {
        let name = s(&case["name"]);
        let entry = counts.entry(s(&case["fn"]).to_owned()).or_default();
        entry.2 += 1;
        match check(case) {
            Ok(()) => entry.0 += 1,
            Err(why) if deviations.contains(&format!("`{name}`")) => {
                entry.1 += 1;
                println!("deviation (listed): {name}: {why}");
            }
            Err(why) => failures.push(format!("{name}: {why}")),
        }
    }
    let (mut passed, mut deviating, mut total) = (0, 0, 0);
    for (fn_name, (ok, dev, all)) in &counts {
        println!("{fn_name:>26}: {ok}/{all} pass, {dev} listed deviations");
        passed += ok;
        deviating += dev;
        total += all;
    }
    println!(
        "{:>26}: {passed}/{total} pass, {deviating} listed deviations",
        "httputil total"
    );
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
