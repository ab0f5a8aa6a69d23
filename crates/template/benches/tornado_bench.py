"""Renders the three benchmark templates with real Tornado and prints the
mean time per render, one line per template: `<name> <seconds>`.

Invoked by `cargo bench -p tornado-template` (benches/template.rs); the
templates and data here must stay identical to the Rust side.
"""
import sys
import timeit

from tornado.template import DictLoader

TEMPLATES = {
    "table.html": (
        "<table>\n{% for i, row in enumerate(rows) %}"
        "<tr class=\"{{ 'odd' if i % 2 else 'even' }}\"><td>{{ i + 1 }}</td>"
        "<td>{{ row['name'] }}</td><td>{{ row['email'] }}</td><td>{{ row['score'] }}</td></tr>\n"
        "{% end %}</table>"
    ),
    "base.html": (
        "<html><head><title>{% block title %}Default{% end %}</title></head>\n"
        "<body>{% include \"header.html\" %}\n"
        "<nav>{% block nav %}<a href=\"/\">home</a>{% end %}</nav>\n"
        "<main>{% block content %}{% end %}</main>\n"
        "<footer>{% block footer %}&copy; {{ year }}{% end %}</footer></body></html>"
    ),
    "header.html": "<header><h1>{{ site }}</h1><p>{{ tagline }}</p></header>",
    "layout.html": (
        "{% extends \"base.html\" %}"
        "{% block nav %}{% for link in links %}<a href=\"{{ link['url'] }}\">{{ link['title'] }}</a>{% end %}{% end %}"
        "{% block content %}<div class=\"layout\">{% block body %}layout body{% end %}</div>{% end %}"
    ),
    "page.html": (
        "{% extends \"layout.html\" %}"
        "{% block title %}{{ title }}{% end %}"
        "{% block body %}{% for item in items %}{% include \"item.html\" %}{% end %}{% end %}"
    ),
    "item.html": "<article><h2>{{ item['title'] }}</h2><p>{{ item['body'] }}</p></article>",
    "expr.txt": (
        "{% for i in range(300) %}{{ (i * 3 + 7) // 2 % 11 }} {{ '%05.2f|%s' % (i / 7.0, i ** 2) }} "
        "{{ sum([x * x for x in range(i % 10) if x % 2]) }} {{ 'even' if i % 2 == 0 else 'odd' }} "
        "{{ max(i, 150) - min(i, 150) }}\n{% end %}"
    ),
}


def table_ctx():
    rows = [
        {"name": "User <%d> & co" % i, "email": "user%d@example.com" % i, "score": i * 1.5}
        for i in range(1000)
    ]
    return {"rows": rows}


def page_ctx():
    return {
        "title": "Page <title>",
        "site": "Example & Co",
        "tagline": "Fast \"templates\"",
        "year": 2024,
        "links": [{"url": "/l/%d" % i, "title": "Link %d" % i} for i in range(5)],
        "items": [{"title": "Item <%d>" % i, "body": "Body of item %d & more" % i} for i in range(50)],
    }


def main():
    loader = DictLoader(TEMPLATES)
    cases = [("table", "table.html", table_ctx()), ("inheritance", "page.html", page_ctx()), ("expressions", "expr.txt", {})]
    budget = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    for name, tmpl, ctx in cases:
        t = loader.load(tmpl)
        t.generate(**ctx)
        timer = timeit.Timer(lambda: t.generate(**ctx))
        n, elapsed = timer.autorange()
        reps = max(1, int(n * budget / max(elapsed, 1e-9)))
        best = min(timer.repeat(repeat=3, number=reps)) / reps
        print(name, best)


if __name__ == "__main__":
    main()
