//! The templates and data of the benchmark, shared by `benches/template.rs`
//! and `examples/render_loop.rs` (the same renders under callgrind).

use serde::Serialize;

/// The Tornado templates by file name.
pub(crate) const TORNADO: &[(&str, &str)] = &[
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
pub(crate) struct Row {
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) score: f64,
}

#[derive(Serialize)]
pub(crate) struct Link {
    pub(crate) url: String,
    pub(crate) title: String,
}

#[derive(Serialize)]
pub(crate) struct Item {
    pub(crate) title: String,
    pub(crate) body: String,
}

#[derive(Serialize)]
pub(crate) struct TableData {
    pub(crate) rows: Vec<Row>,
}

#[derive(Serialize)]
pub(crate) struct PageData {
    pub(crate) title: String,
    pub(crate) site: String,
    pub(crate) tagline: String,
    pub(crate) year: i64,
    pub(crate) links: Vec<Link>,
    pub(crate) items: Vec<Item>,
}

pub(crate) fn table_data() -> TableData {
    TableData {
        rows: (0..1000)
            .map(|i| Row {
                name: format!("User <{i}> & co"),
                email: format!("user{i}@example.com"),
                score: i as f64 * 1.5,
            })
            .collect(),
    }
}

pub(crate) fn page_data() -> PageData {
    PageData {
        title: "Page <title>".into(),
        site: "Example & Co".into(),
        tagline: "Fast \"templates\"".into(),
        year: 2024,
        links: (0..5)
            .map(|i| Link {
                url: format!("/l/{i}"),
                title: format!("Link {i}"),
            })
            .collect(),
        items: (0..50)
            .map(|i| Item {
                title: format!("Item <{i}>"),
                body: format!("Body of item {i} & more"),
            })
            .collect(),
    }
}

pub(crate) const CASES: &[(&str, &str)] = &[
    ("table", "table.html"),
    ("inheritance", "page.html"),
    ("expressions", "expr.txt"),
];
