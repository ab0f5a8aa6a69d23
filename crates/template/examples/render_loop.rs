//! Renders one of the benchmark templates N times, for instruction counts
//! under callgrind: `cargo run --release -p tornado-template --example
//! render_loop -- expressions 100`.

use serde::Serialize;
use tornado_template::{BaseLoader, Context, DictLoader, TemplateOptions};

const TEMPLATES: &[(&str, &str)] = &[
    (
        "table.html",
        "<table>\n{% for i, row in enumerate(rows) %}<tr class=\"{{ 'odd' if i % 2 else 'even' }}\"><td>{{ i + 1 }}</td><td>{{ row['name'] }}</td><td>{{ row['email'] }}</td><td>{{ row['score'] }}</td></tr>\n{% end %}</table>",
    ),
    (
        "base.html",
        "<html><head><title>{% block title %}Default{% end %}</title></head>\n<body>{% include \"header.html\" %}\n<nav>{% block nav %}<a href=\"/\">home</a>{% end %}</nav>\n<main>{% block content %}{% end %}</main>\n<footer>{% block footer %}&copy; {{ year }}{% end %}</footer></body></html>",
    ),
    (
        "header.html",
        "<header><h1>{{ site }}</h1><p>{{ tagline }}</p></header>",
    ),
    (
        "layout.html",
        "{% extends \"base.html\" %}{% block nav %}{% for link in links %}<a href=\"{{ link['url'] }}\">{{ link['title'] }}</a>{% end %}{% end %}{% block content %}<div class=\"layout\">{% block body %}layout body{% end %}</div>{% end %}",
    ),
    (
        "page.html",
        "{% extends \"layout.html\" %}{% block title %}{{ title }}{% end %}{% block body %}{% for item in items %}{% include \"item.html\" %}{% end %}{% end %}",
    ),
    (
        "item.html",
        "<article><h2>{{ item['title'] }}</h2><p>{{ item['body'] }}</p></article>",
    ),
    (
        "expr.txt",
        "{% for i in range(300) %}{{ (i * 3 + 7) // 2 % 11 }} {{ '%05.2f|%s' % (i / 7.0, i ** 2) }} {{ sum([x * x for x in range(i % 10) if x % 2]) }} {{ 'even' if i % 2 == 0 else 'odd' }} {{ max(i, 150) - min(i, 150) }}\n{% end %}",
    ),
];

#[derive(Serialize)]
struct Row {
    name: String,
    email: String,
    score: f64,
}

#[derive(Serialize)]
struct Link {
    url: String,
    title: String,
}

#[derive(Serialize)]
struct Item {
    title: String,
    body: String,
}

fn main() -> Result<(), tornado_template::Error> {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "expressions".to_owned());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(100);
    let loader = DictLoader::new(TEMPLATES.iter().copied(), TemplateOptions::default());
    let (file, ctx) = match case.as_str() {
        "table" => {
            let rows: Vec<Row> = (0..1000)
                .map(|i| Row {
                    name: format!("User <{i}> & co"),
                    email: format!("user{i}@example.com"),
                    score: i as f64 * 1.5,
                })
                .collect();
            let v = tornado_template::Value::from_serialize(&rows)?;
            ("table.html", Context::new().with("rows", v))
        }
        "inheritance" => {
            let links: Vec<Link> = (0..5)
                .map(|i| Link {
                    url: format!("/l/{i}"),
                    title: format!("Link {i}"),
                })
                .collect();
            let items: Vec<Item> = (0..50)
                .map(|i| Item {
                    title: format!("Item <{i}>"),
                    body: format!("Body of item {i} & more"),
                })
                .collect();
            let ctx = Context::new()
                .with("title", "Page <title>")
                .with("site", "Example & Co")
                .with("tagline", "Fast \"templates\"")
                .with("year", 2024)
                .with("links", tornado_template::Value::from_serialize(&links)?)
                .with("items", tornado_template::Value::from_serialize(&items)?);
            ("page.html", ctx)
        }
        _ => ("expr.txt", Context::new()),
    };
    let template = loader.load(file, None)?;
    let mut total = 0;
    for _ in 0..n {
        total += template.generate(&ctx)?.len();
    }
    println!("{case}: {n} renders, {total} bytes");
    Ok(())
}
