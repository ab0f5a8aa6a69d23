//! `format_date`, `translate` and `list` against Tornado 6.6.1 in the same
//! run: criterion times the Rust side, then the same calls are timed in
//! Python (`timeit`, when `python3` with Tornado is available) and the
//! ratios printed. Run with `cargo bench -p tornado-locale`.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::Criterion;
use tornado_locale::{CsvTranslations, DateTime, FormatDate, Translations};

const CSV: &str =
    "\"school\",\"\u{e9}cole\"\n\"%(commas)s and %(last)s\",\"%(commas)s et %(last)s\"\n";

/// The Python side: the same three operations, in microseconds per call.
const PYTHON: &str = r#"
import datetime, timeit, tornado.locale as L
L._translations = {"fr_FR": {"unknown": {"school": "\u00e9cole", "%(commas)s and %(last)s": "%(commas)s et %(last)s"}}}
L._supported_locales = frozenset(["fr_FR", "en_US"])
en = L.Locale.get("en_US"); fr = L.Locale.get("fr_FR")
d = datetime.datetime(2024, 3, 12, 14, 30, tzinfo=datetime.UTC)
n = 200000
for name, f in [("format_date", lambda: en.format_date(d, full_format=True)),
                ("translate", lambda: fr.translate("school")),
                ("list", lambda: fr.list(["A", "B", "C"]))]:
    t = min(timeit.repeat(f, number=n, repeat=3)) / n * 1e6
    print(name, t)
"#;

fn rust_time(mut f: impl FnMut()) -> f64 {
    // A direct measurement for the ratio table (criterion prints its own).
    let n = 200_000;
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_secs_f64() / f64::from(n) * 1e6
}

fn main() {
    let mut t = Translations::new();
    t.insert_csv(
        "fr_FR",
        CsvTranslations::parse(CSV, 1 << 17).expect("valid CSV"),
    );
    let en = t.get("en_US").expect("default locale");
    let fr = t.get("fr_FR").expect("inserted");
    let date = DateTime::from_utc(2024, 3, 12, 14, 30, 0).expect("valid date");
    let now = DateTime::from_utc(2024, 3, 15, 14, 30, 0).expect("valid date");
    let full = FormatDate::default().full_format(true);

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    c.bench_function("format_date", |b| {
        b.iter(|| en.format_date_at(black_box(date), now, &full))
    });
    c.bench_function("translate", |b| {
        b.iter(|| fr.translate(black_box("school")).len())
    });
    c.bench_function("list", |b| b.iter(|| fr.list(black_box(&["A", "B", "C"]))));
    c.final_summary();

    let rust = [
        (
            "format_date",
            rust_time(|| drop(black_box(en.format_date_at(date, now, &full)))),
        ),
        (
            "translate",
            rust_time(|| {
                black_box(fr.translate(black_box("school")));
            }),
        ),
        (
            "list",
            rust_time(|| drop(black_box(fr.list(&["A", "B", "C"])))),
        ),
    ];
    let python = Command::new("python3").args(["-c", PYTHON]).output();
    let python = match python {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        _ => {
            println!("python3 with tornado not available: no peer figures");
            return;
        }
    };
    println!(
        "\n| operation | tornado-rs (µs) | Tornado 6.6.1 (µs) | speed-up |\n|---|---|---|---|"
    );
    for (name, ours) in rust {
        let theirs = python.lines().find_map(|l| {
            l.strip_prefix(name)
                .and_then(|v| v.trim().parse::<f64>().ok())
        });
        if let Some(theirs) = theirs {
            println!(
                "| {name} | {ours:.3} | {theirs:.3} | {:.1}x |",
                theirs / ours
            );
        }
    }
}
