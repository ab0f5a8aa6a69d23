//! Side-by-side benchmarks: our escaping against straightforward baselines
//! (chained `str::replace`, which is what Python's `html.escape` does, and a
//! per-byte `format!` encoder), printed by criterion in one run.

#![allow(missing_docs)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};

fn naive_xhtml_escape(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

fn naive_url_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) {
                char::from(b).to_string()
            } else if b == b' ' {
                "+".to_owned()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn inputs() -> Vec<(&'static str, String)> {
    vec![
        (
            "plain_4k",
            "The quick brown fox jumps over the lazy dog. ".repeat(90),
        ),
        ("html_4k", "<a href=\"x\">Tom & 'Jerry'</a> ".repeat(130)),
    ]
}

fn bench_xhtml_escape(c: &mut Criterion) {
    let mut group = c.benchmark_group("xhtml_escape");
    for (name, input) in inputs() {
        group.bench_function(format!("ours/{name}"), |b| {
            let mut out = String::with_capacity(input.len() * 2);
            b.iter(|| {
                out.clear();
                tornado_escape::xhtml_escape_into(black_box(&input), &mut out);
                out.len()
            })
        });
        group.bench_function(format!("replace_chain/{name}"), |b| {
            b.iter(|| naive_xhtml_escape(black_box(&input)).len())
        });
    }
    group.finish();
}

fn bench_url_escape(c: &mut Criterion) {
    let mut group = c.benchmark_group("url_escape");
    for (name, input) in inputs() {
        group.bench_function(format!("ours/{name}"), |b| {
            b.iter(|| tornado_escape::url_escape(black_box(&input), true).len())
        });
        group.bench_function(format!("format_per_byte/{name}"), |b| {
            b.iter(|| naive_url_escape(black_box(&input)).len())
        });
    }
    group.finish();
}

fn bench_json_encode(c: &mut Criterion) {
    let value = serde_json::json!({
        "name": "Tornado </script>", "list": [1, 2.5, 1e16, "é"], "nested": {"a": true, "b": null}
    });
    let mut group = c.benchmark_group("json_encode");
    group.bench_function("ours", |b| {
        b.iter(|| tornado_escape::json_encode(black_box(&value)).len())
    });
    group.bench_function("serde_json_to_string", |b| {
        b.iter(|| {
            serde_json::to_string(black_box(&value))
                .map(|s| s.len())
                .unwrap_or(0)
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_xhtml_escape,
    bench_url_escape,
    bench_json_encode
);
criterion_main!(benches);
