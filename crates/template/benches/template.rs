//! Rendering benchmarks (filled in below with the peer comparisons).
#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{Criterion, criterion_group, criterion_main};
use tornado_template::{Context, Template, TemplateOptions, Value};

fn table(c: &mut Criterion) {
    let src = "<table>{% for i, row in enumerate(rows) %}<tr><td>{{ i }}</td><td>{{ row['name'] }}</td></tr>{% end %}</table>";
    let t = Template::new(src, "table.html", &TemplateOptions::default()).expect("compiles");
    let rows: Vec<Value> = (0..1000)
        .map(|i| {
            Value::from_serialize(&serde_json::json!({"name": format!("<row {i}>")}))
                .expect("value")
        })
        .collect();
    let ctx = Context::new().with("rows", Value::from(rows));
    c.bench_function("table/tornado-template", |b| {
        b.iter(|| t.generate(&ctx).expect("renders"))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = table
}
criterion_main!(benches);
