//! `cargo bench -p tornado-template`: three templates rendered by this crate
//! and, side by side in the same run, by minijinja (equivalent Jinja
//! templates) and by Tornado 6.6.1 itself (through `tornado_bench.py`, when
//! `python3 -c 'import tornado'` works). Prints a ratio table at the end.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::path::PathBuf;
use std::time::Duration;

use criterion::Criterion;
use serde::Serialize;
use tornado_template::{BaseLoader, Context, DictLoader, TemplateOptions, Value};

mod common;
use common::{CASES, TORNADO, page_data, table_data};

const JINJA: &[(&str, &str)] = &[
    (
        "table.html",
        "<table>\n{% for row in rows %}<tr class=\"{{ 'odd' if loop.index0 % 2 else 'even' }}\"><td>{{ loop.index }}</td><td>{{ row.name }}</td><td>{{ row.email }}</td><td>{{ row.score }}</td></tr>\n{% endfor %}</table>",
    ),
    (
        "base.html",
        "<html><head><title>{% block title %}Default{% endblock %}</title></head>\n<body>{% include \"header.html\" %}\n<nav>{% block nav %}<a href=\"/\">home</a>{% endblock %}</nav>\n<main>{% block content %}{% endblock %}</main>\n<footer>{% block footer %}&copy; {{ year }}{% endblock %}</footer></body></html>",
    ),
    (
        "header.html",
        "<header><h1>{{ site }}</h1><p>{{ tagline }}</p></header>",
    ),
    (
        "layout.html",
        "{% extends \"base.html\" %}{% block nav %}{% for link in links %}<a href=\"{{ link.url }}\">{{ link.title }}</a>{% endfor %}{% endblock %}{% block content %}<div class=\"layout\">{% block body %}layout body{% endblock %}</div>{% endblock %}",
    ),
    (
        "page.html",
        "{% extends \"layout.html\" %}{% block title %}{{ title }}{% endblock %}{% block body %}{% for item in items %}{% include \"item.html\" %}{% endfor %}{% endblock %}",
    ),
    (
        "item.html",
        "<article><h2>{{ item.title }}</h2><p>{{ item.body }}</p></article>",
    ),
    (
        "expr.txt",
        "{% for i in range(300) %}{{ (i * 3 + 7) // 2 % 11 }} {{ \"%05.2f|%s\"|format(i / 7.0, i ** 2) }} {% set ns = namespace(t=0) %}{% for x in range(i % 10) %}{% if x % 2 %}{% set ns.t = ns.t + x * x %}{% endif %}{% endfor %}{{ ns.t }} {{ 'even' if i % 2 == 0 else 'odd' }} {{ [i, 150]|max - [i, 150]|min }}\n{% endfor %}",
    ),
];

#[derive(Serialize)]
struct Empty {}

fn criterion_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("criterion")
}

fn bench_all(c: &mut Criterion) {
    let loader = DictLoader::new(TORNADO.iter().copied(), TemplateOptions::default());
    let mut env = minijinja::Environment::new();
    for (name, src) in JINJA {
        env.add_template(name, src)
            .expect("jinja template compiles");
    }
    for (case, file) in CASES {
        let (ours, theirs) = match *case {
            "table" => {
                let d = table_data();
                (
                    Context::from_serialize(&d).expect("context"),
                    minijinja::Value::from_serialize(&d),
                )
            }
            "inheritance" => {
                let d = page_data();
                (
                    Context::from_serialize(&d).expect("context"),
                    minijinja::Value::from_serialize(&d),
                )
            }
            _ => (Context::new(), minijinja::Value::from_serialize(Empty {})),
        };
        let template = loader.load(file, None).expect("template compiles");
        let jt = env.get_template(file).expect("jinja template");
        // Sanity: both produce output of comparable size.
        let a = template.generate(&ours).expect("renders");
        let b = jt.render(&theirs).expect("jinja renders");
        assert!(
            a.len() > 100 && b.len() > 100,
            "{case}: {} vs {} bytes",
            a.len(),
            b.len()
        );
        let mut group = c.benchmark_group(*case);
        group.bench_function("tornado-template", |bch| {
            bch.iter(|| template.generate(&ours).expect("renders"))
        });
        group.bench_function("minijinja", |bch| {
            bch.iter(|| jt.render(&theirs).expect("renders"))
        });
        group.finish();
    }
    let _ = Value::None;
}

fn mean_seconds(group: &str, id: &str) -> Option<f64> {
    let path = criterion_dir()
        .join(group)
        .join(id)
        .join("new/estimates.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["mean"]["point_estimate"].as_f64().map(|ns| ns / 1e9)
}

fn tornado_seconds() -> Option<Vec<(String, f64)>> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/tornado_bench.py");
    let probe = std::process::Command::new("python3")
        .args(["-c", "import tornado"])
        .output()
        .ok()?;
    if !probe.status.success() {
        return None;
    }
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg("1.0")
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "tornado_bench.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let (n, s) = l.split_once(' ')?;
                Some((n.to_owned(), s.trim().parse().ok()?))
            })
            .collect(),
    )
}

fn main() {
    let mut c = Criterion::default()
        .output_directory(&criterion_dir())
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench_all(&mut c);
    c.final_summary();

    let tornado = tornado_seconds();
    if tornado.is_none() {
        println!("note: python3 cannot import tornado; skipping the Tornado comparison");
    }
    println!();
    println!(
        "| template | tornado-template | minijinja | Tornado 6.6.1 | vs minijinja | vs Tornado |"
    );
    println!("|---|---|---|---|---|---|");
    for (case, _) in CASES {
        let ours = mean_seconds(case, "tornado-template");
        let mj = mean_seconds(case, "minijinja");
        let py = tornado
            .as_ref()
            .and_then(|t| t.iter().find(|(n, _)| n == case).map(|(_, s)| *s));
        let fmt = |s: Option<f64>| s.map_or("n/a".to_owned(), |s| format!("{:.1} µs", s * 1e6));
        let ratio = |other: Option<f64>| match (ours, other) {
            (Some(o), Some(x)) => format!("{:.2}×", x / o),
            _ => "n/a".to_owned(),
        };
        println!(
            "| {case} | {} | {} | {} | {} | {} |",
            fmt(ours),
            fmt(mj),
            fmt(py),
            ratio(mj),
            ratio(py)
        );
    }
}
