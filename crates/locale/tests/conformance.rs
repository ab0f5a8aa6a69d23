//! Runs the `locale.json` vectors produced by Tornado 6.6.1.
//!
//! The corpus directory is `$TORNADO_CONFORMANCE_DIR`, else
//! `../shared/conformance` relative to the workspace root. Every case must
//! pass; the counts per function are printed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tornado_locale::{CsvTranslations, DateTime, FormatDate, Locale, LocaleError, Translations};

fn corpus_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("TORNADO_CONFORMANCE_DIR") {
        return Some(PathBuf::from(dir));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("../shared/conformance");
    dir.exists().then_some(dir)
}

/// Parses the corpus' ISO 8601 dates: `YYYY-MM-DDTHH:MM:SS[.ffffff]` with
/// an optional `Z` or `±HH:MM` (no offset means UTC, as Tornado treats
/// naive datetimes).
fn parse_iso(s: &str) -> DateTime {
    let (body, offset_minutes) = if let Some(b) = s.strip_suffix('Z') {
        (b, 0i64)
    } else if s.len() > 19 && (s[19..].contains('+') || s[19..].contains('-')) {
        let at = 19 + s[19..].find(['+', '-']).unwrap();
        let sign = if &s[at..=at] == "-" { -1 } else { 1 };
        let (h, m) = s[at + 1..].split_once(':').unwrap();
        (
            &s[..at],
            sign * (h.parse::<i64>().unwrap() * 60 + m.parse::<i64>().unwrap()),
        )
    } else {
        (s, 0)
    };
    let num = |r: std::ops::Range<usize>| body[r].parse::<u32>().unwrap();
    let micro = match body.get(19..) {
        Some(frac) if frac.starts_with('.') => format!("{:0<6}", &frac[1..])[..6].parse().unwrap(),
        _ => 0,
    };
    let local = DateTime::from_utc_micro(
        i64::from(num(0..4)),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
        micro,
    )
    .unwrap();
    local
        .checked_add_micros(-offset_minutes * 60_000_000)
        .unwrap()
}

fn translations(dir: &Path, input: &Value) -> Result<Translations, LocaleError> {
    let mut t = Translations::new();
    match &input["translations"] {
        Value::Null => {}
        spec => match spec["kind"].as_str().unwrap() {
            "csv" => t.load_translations(dir.join(spec["directory"].as_str().unwrap()))?,
            "gettext" => t.load_gettext_translations(
                dir.join(spec["directory"].as_str().unwrap()),
                spec["domain"].as_str().unwrap(),
            )?,
            "supported_codes" => {
                for code in spec["codes"].as_array().unwrap() {
                    t.insert_csv(code.as_str().unwrap(), CsvTranslations::default());
                }
            }
            other => panic!("unknown translations kind {other}"),
        },
    }
    if let Some(code) = input["default_locale"].as_str() {
        t.set_default_locale(code);
    }
    Ok(t)
}

fn locale(t: &Translations, input: &Value) -> Locale {
    t.get(input["locale"].as_str().unwrap()).unwrap()
}

/// The plural count. Tornado asserts that a plural message comes with a
/// count; in Rust the count is a required argument, so a case without one
/// is the same outcome by construction.
fn count(input: &Value) -> Result<i64, String> {
    input["count"]
        .as_i64()
        .ok_or_else(|| "AssertionError".to_owned())
}

/// An integer that JSON may spell as `60` or `60.0`.
fn int(v: &Value) -> i64 {
    v.as_i64()
        .or_else(|| v.as_f64().filter(|x| x.fract() == 0.0).map(|x| x as i64))
        .unwrap()
}

/// Runs one case; `Ok(value)` for a result, `Err(class)` for an error.
fn run(dir: &Path, fun: &str, input: &Value) -> Result<Value, String> {
    let t = translations(dir, input).map_err(|e| format!("load failed: {e}"))?;
    let s = |k: &str| input[k].as_str().unwrap();
    Ok(match fun {
        "name" => {
            let mut t = t;
            t.insert_csv(s("code"), CsvTranslations::default());
            let l = t.get(s("code")).unwrap();
            serde_json::json!({"code": l.code(), "name": l.name(), "rtl": l.rtl()})
        }
        "get" => match t.get(s("code")) {
            Ok(l) => Value::from(l.code()),
            Err(LocaleError::Unsupported { .. }) => return Err("AssertionError".into()),
            Err(e) => return Err(e.to_string()),
        },
        "get_closest" => {
            let codes: Vec<&str> = input["codes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap())
                .collect();
            Value::from(t.get_closest(codes).code())
        }
        "translate" => {
            let l = locale(&t, input);
            Value::from(match input["plural_message"].as_str() {
                Some(p) => l.translate_plural(s("message"), p, count(input)?),
                None => l.translate(s("message")),
            })
        }
        "pgettext" => {
            let l = locale(&t, input);
            Value::from(match input["plural_message"].as_str() {
                Some(p) => l.pgettext_plural(s("context"), s("message"), p, count(input)?),
                None => l.pgettext(s("context"), s("message")),
            })
        }
        "format_date" => {
            let l = locale(&t, input);
            let date = match &input["date"] {
                d if d["iso"].is_string() => parse_iso(d["iso"].as_str().unwrap()),
                d => DateTime::from_timestamp(d["timestamp"].as_f64().unwrap()).unwrap(),
            };
            let opts = FormatDate::default()
                .gmt_offset(int(&input["gmt_offset"]) as i32)
                .relative(input["relative"].as_bool().unwrap())
                .shorter(input["shorter"].as_bool().unwrap())
                .full_format(input["full_format"].as_bool().unwrap());
            Value::from(l.format_date_at(date, parse_iso(s("now")), &opts))
        }
        "format_day" => {
            let l = locale(&t, input);
            let offset = int(&input["gmt_offset"]) as i32;
            Value::from(l.format_day(
                parse_iso(s("date")),
                offset,
                input["dow"].as_bool().unwrap(),
            ))
        }
        "list" => {
            let parts: Vec<&str> = input["parts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap())
                .collect();
            Value::from(locale(&t, input).list(&parts))
        }
        "friendly_number" => {
            let v = &input["value"];
            let n: i128 = v
                .as_i64()
                .map(i128::from)
                .or_else(|| v.as_u64().map(i128::from))
                .unwrap();
            Value::from(locale(&t, input).friendly_number(n))
        }
        other => return Err(format!("unknown fn {other}")),
    })
}

#[test]
fn locale_conformance() {
    let Some(dir) = corpus_dir() else {
        eprintln!("warning: no conformance corpus (set TORNADO_CONFORMANCE_DIR); skipping");
        return;
    };
    let text = std::fs::read_to_string(dir.join("locale.json")).expect("locale.json");
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in doc["cases"].as_array().unwrap() {
        let fun = case["fn"].as_str().unwrap();
        let name = case["name"].as_str().unwrap();
        let input = &case["input"];
        // Catch panics too, so that one bad case reports instead of aborting.
        let got = std::panic::catch_unwind(|| run(&dir, fun, input))
            .unwrap_or_else(|_| Err("panic".into()));
        let ok = match (&got, case.get("expected"), case.get("error")) {
            (Ok(v), Some(want), _) => v == want,
            (Err(class), None, Some(want)) => Some(class.as_str()) == want.as_str(),
            _ => false,
        };
        let entry = counts.entry(fun.to_owned()).or_default();
        entry.1 += 1;
        if ok {
            entry.0 += 1;
        } else {
            failures.push(format!(
                "{name}: got {got:?}, want {}",
                case.get("expected").or(case.get("error")).unwrap()
            ));
        }
    }
    for (fun, (pass, total)) in &counts {
        println!("locale conformance {fun}: {pass}/{total}");
    }
    let (pass, total) = counts.values().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!("locale conformance total: {pass}/{total}");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
