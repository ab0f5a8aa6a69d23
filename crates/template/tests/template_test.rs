//! Mirrors `tornado/test/template_test.py`, keeping the Python test names,
//! plus tests of what the Rust port adds (limits, host objects, loaders).

use std::rc::Rc;

use tornado_template::{
    BaseLoader, Context, DictLoader, Error, ErrorKind, Kwargs, Limits, Loader, Object, Template,
    TemplateOptions, Value, Whitespace,
};

fn opts() -> TemplateOptions {
    TemplateOptions::default()
}

fn render(src: &str, ctx: &Context) -> String {
    Template::new(src, "<string>", &opts())
        .unwrap()
        .generate(ctx)
        .unwrap()
}

fn dict_loader(templates: &[(&str, &str)]) -> DictLoader {
    DictLoader::new(templates.iter().copied(), opts())
}

fn upper_fn(name: &str) -> Value {
    Value::function(name, |args: &[Value], _: &Kwargs| match &args[0] {
        Value::Bytes(b) => Ok(Value::from(String::from_utf8_lossy(b).to_uppercase())),
        other => Ok(Value::from(other.to_str().to_uppercase())),
    })
}

// ---- TemplateTest ----------------------------------------------------------

#[test]
fn test_simple() {
    assert_eq!(
        render("Hello {{ name }}!", &Context::new().with("name", "Ben")),
        "Hello Ben!"
    );
}

#[test]
fn test_bytes() {
    let ctx = Context::new().with("name", Value::Bytes(b"Ben".to_vec().into()));
    assert_eq!(render("Hello {{ name }}!", &ctx), "Hello Ben!");
}

#[test]
fn test_expressions() {
    assert_eq!(render("2 + 2 = {{ 2 + 2 }}", &Context::new()), "2 + 2 = 4");
}

#[test]
fn test_comment() {
    assert_eq!(
        render(
            "Hello{# TODO i18n #} {{ name }}!",
            &Context::new().with("name", "Ben")
        ),
        "Hello Ben!"
    );
}

#[test]
fn test_include() {
    let loader = dict_loader(&[
        ("index.html", "{% include \"header.html\" %}\nbody text"),
        ("header.html", "header text"),
    ]);
    assert_eq!(
        loader
            .load("index.html", None)
            .unwrap()
            .generate(&Context::new())
            .unwrap(),
        "header text\nbody text"
    );
}

#[test]
fn test_extends() {
    let loader = dict_loader(&[
        (
            "base.html",
            "<title>{% block title %}default title{% end %}</title>\n<body>{% block body %}default body{% end %}</body>\n",
        ),
        (
            "page.html",
            "{% extends \"base.html\" %}\n{% block title %}page title{% end %}\n{% block body %}page body{% end %}\n",
        ),
    ]);
    assert_eq!(
        loader
            .load("page.html", None)
            .unwrap()
            .generate(&Context::new())
            .unwrap(),
        "<title>page title</title>\n<body>page body</body>\n"
    );
}

#[test]
fn test_relative_load() {
    let loader = dict_loader(&[
        ("a/1.html", "{% include '2.html' %}"),
        ("a/2.html", "{% include '../b/3.html' %}"),
        ("b/3.html", "ok"),
    ]);
    assert_eq!(
        loader
            .load("a/1.html", None)
            .unwrap()
            .generate(&Context::new())
            .unwrap(),
        "ok"
    );
}

#[test]
fn test_escaping() {
    assert_eq!(
        Template::new("{{", "<string>", &opts()).unwrap_err().kind(),
        ErrorKind::ParseError
    );
    assert_eq!(
        Template::new("{%", "<string>", &opts()).unwrap_err().kind(),
        ErrorKind::ParseError
    );
    assert_eq!(render("{{!", &Context::new()), "{{");
    assert_eq!(render("{%!", &Context::new()), "{%");
    assert_eq!(render("{#!", &Context::new()), "{#");
    assert_eq!(
        render("{{ 'expr' }} {{!jquery expr}}", &Context::new()),
        "expr {{jquery expr}}"
    );
}

#[test]
fn test_unicode_template() {
    assert_eq!(render("\u{e9}", &Context::new()), "\u{e9}");
}

#[test]
fn test_unicode_literal_expression() {
    assert_eq!(render("{{ \"\u{e9}\" }}", &Context::new()), "\u{e9}");
}

#[test]
fn test_custom_namespace() {
    let mut ns = Context::new();
    ns.insert_function("inc", |args: &[Value], _: &Kwargs| match &args[0] {
        Value::Int(i) => Ok(Value::Int(i + 1)),
        _ => Err(Error::new(ErrorKind::TypeError, "inc expects an int")),
    });
    let loader = DictLoader::new([("test.html", "{{ inc(5) }}")], opts().namespace(ns));
    assert_eq!(
        loader
            .load("test.html", None)
            .unwrap()
            .generate(&Context::new())
            .unwrap(),
        "6"
    );
}

#[test]
fn test_apply() {
    let ctx = Context::new().with("upper", upper_fn("upper"));
    assert_eq!(render("{% apply upper %}foo{% end %}", &ctx), "FOO");
}

#[test]
fn test_unicode_apply() {
    let ctx = Context::new().with("upper", upper_fn("upper"));
    assert_eq!(
        render("{% apply upper %}foo \u{e9}{% end %}", &ctx),
        "FOO \u{c9}"
    );
}

#[test]
fn test_bytes_apply() {
    let upper = Value::function("upper", |args: &[Value], _: &Kwargs| match &args[0] {
        Value::Bytes(b) => Ok(Value::Bytes(
            String::from_utf8_lossy(b)
                .to_uppercase()
                .into_bytes()
                .into(),
        )),
        _ => Err(Error::new(ErrorKind::TypeError, "expected bytes")),
    });
    let ctx = Context::new().with("upper", upper);
    assert_eq!(
        render("{% apply upper %}foo \u{e9}{% end %}", &ctx),
        "FOO \u{c9}"
    );
}

#[test]
fn test_if() {
    let t = Template::new(
        "{% if x > 4 %}yes{% else %}no{% end %}",
        "<string>",
        &opts(),
    )
    .unwrap();
    assert_eq!(t.generate(&Context::new().with("x", 5)).unwrap(), "yes");
    assert_eq!(t.generate(&Context::new().with("x", 3)).unwrap(), "no");
}

#[test]
fn test_if_empty_body() {
    assert_eq!(
        render("{% if True %}{% else %}{% end %}", &Context::new()),
        ""
    );
}

#[test]
fn test_try() {
    let t = Template::new(
        "{% try %}\ntry{% set y = 1/x %}\n{% except %}-except\n{% else %}-else\n{% finally %}-finally\n{% end %}",
        "<string>",
        &opts(),
    )
    .unwrap();
    assert_eq!(
        t.generate(&Context::new().with("x", 1)).unwrap(),
        "\ntry\n-else\n-finally\n"
    );
    assert_eq!(
        t.generate(&Context::new().with("x", 0)).unwrap(),
        "\ntry-except\n-finally\n"
    );
}

#[test]
fn test_comment_directive() {
    assert_eq!(render("{% comment blah blah %}foo", &Context::new()), "foo");
}

#[test]
fn test_break_continue() {
    let src = "{% for i in range(10) %}\n    {% if i == 2 %}\n        {% continue %}\n    {% end %}\n    {{ i }}\n    {% if i == 6 %}\n        {% break %}\n    {% end %}\n{% end %}";
    let out = render(src, &Context::new());
    let squashed: String = out.split_whitespace().collect();
    assert_eq!(squashed, "013456");
}

#[test]
fn test_break_outside_loop() {
    let e = Template::new("{% break %}", "<string>", &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ParseError);
}

#[test]
fn test_break_in_apply() {
    let e = Template::new(
        "{% for i in [] %}{% apply foo %}{% break %}{% end %}{% end %}",
        "<string>",
        &opts(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ParseError);
}

#[test]
fn test_non_ascii_name() {
    let loader = dict_loader(&[("t\u{e9}st.html", "hello")]);
    assert_eq!(
        loader
            .load("t\u{e9}st.html", None)
            .unwrap()
            .generate(&Context::new())
            .unwrap(),
        "hello"
    );
}

// ---- StackTraceTest ------------------------------------------------------------

fn runtime_error(templates: &[(&str, &str)], name: &str) -> Error {
    dict_loader(templates)
        .load(name, None)
        .unwrap()
        .generate(&Context::new())
        .unwrap_err()
}

#[test]
fn test_error_line_number_expression() {
    let e = runtime_error(
        &[("test.html", "one\ntwo{{1/0}}\nthree\n        ")],
        "test.html",
    );
    assert_eq!(e.kind(), ErrorKind::ZeroDivisionError);
    assert_eq!(e.location().unwrap().to_string(), "test.html:2");
}

#[test]
fn test_error_line_number_directive() {
    let e = runtime_error(
        &[("test.html", "one\ntwo{%if 1/0%}\nthree{%end%}\n        ")],
        "test.html",
    );
    assert_eq!(e.kind(), ErrorKind::ZeroDivisionError);
    assert_eq!(e.location().unwrap().to_string(), "test.html:2");
}

#[derive(Debug)]
struct Modules {
    loader: Rc<DictLoader>,
}

impl Object for Modules {
    fn type_name(&self) -> &str {
        "ObjectDict"
    }
    fn call_method(
        &self,
        name: &str,
        args: &[Value],
        _kwargs: &Kwargs,
    ) -> Option<Result<Value, Error>> {
        (name == "Template").then(|| {
            let path = args[0].to_str();
            self.loader
                .load(&path, None)?
                .generate(&Context::new())
                .map(Value::from)
        })
    }
}

#[test]
fn test_error_line_number_module() {
    let inner = Rc::new(dict_loader(&[("sub.html", "{{1/0}}")]));
    let mut ns = Context::new();
    ns.insert_object("_tt_modules", Modules { loader: inner });
    let loader = DictLoader::new(
        [("base.html", "{% module Template('sub.html') %}")],
        opts().namespace(ns),
    );
    let e = loader
        .load("base.html", None)
        .unwrap()
        .generate(&Context::new())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ZeroDivisionError);
    // The innermost frame wins: the module's own template and line.
    assert_eq!(e.location().unwrap().to_string(), "sub.html:1");
}

#[test]
fn test_error_line_number_include() {
    let e = runtime_error(
        &[
            ("base.html", "{% include 'sub.html' %}"),
            ("sub.html", "{{1/0}}"),
        ],
        "base.html",
    );
    assert_eq!(
        e.location().unwrap().to_string(),
        "sub.html:1 (via base.html:1)"
    );
}

#[test]
fn test_error_line_number_extends_base_error() {
    let e = runtime_error(
        &[
            ("base.html", "{{1/0}}"),
            ("sub.html", "{% extends 'base.html' %}"),
        ],
        "sub.html",
    );
    assert_eq!(e.location().unwrap().to_string(), "base.html:1");
}

#[test]
fn test_error_line_number_extends_sub_error() {
    let e = runtime_error(
        &[
            ("base.html", "{% block 'block' %}{% end %}"),
            (
                "sub.html",
                "\n{% extends 'base.html' %}\n{% block 'block' %}\n{{1/0}}\n{% end %}\n            ",
            ),
        ],
        "sub.html",
    );
    assert_eq!(
        e.location().unwrap().to_string(),
        "sub.html:4 (via base.html:1)"
    );
}

#[test]
fn test_multi_includes() {
    let e = runtime_error(
        &[
            ("a.html", "{% include 'b.html' %}"),
            ("b.html", "{% include 'c.html' %}"),
            ("c.html", "{{1/0}}"),
        ],
        "a.html",
    );
    assert_eq!(
        e.location().unwrap().to_string(),
        "c.html:1 (via b.html:1, a.html:1)"
    );
    assert_eq!(
        e.to_string(),
        "ZeroDivisionError: division by zero at c.html:1 (via b.html:1, a.html:1)"
    );
}

// ---- ParseErrorDetailTest --------------------------------------------------------

#[test]
fn test_details() {
    let e = dict_loader(&[("foo.html", "\n\n{{")])
        .load("foo.html", None)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ParseError);
    assert_eq!(e.message(), "Missing end expression }}");
    assert_eq!(e.filename(), Some("foo.html"));
    assert_eq!(e.lineno(), 3);
    assert_eq!(
        e.to_string(),
        "ParseError: Missing end expression }} at foo.html:3"
    );
}

#[test]
fn test_custom_parse_error() {
    let e = Error::new(ErrorKind::ParseError, "asdf");
    assert_eq!((e.filename(), e.lineno()), (None, 0));
    assert_eq!(e.to_string(), "ParseError: asdf");
}

// ---- AutoEscapeTest ------------------------------------------------------------------

const AUTOESCAPE_TEMPLATES: &[(&str, &str)] = &[
    ("escaped.html", "{% autoescape xhtml_escape %}{{ name }}"),
    ("unescaped.html", "{% autoescape None %}{{ name }}"),
    ("default.html", "{{ name }}"),
    (
        "include.html",
        "escaped: {% include 'escaped.html' %}\nunescaped: {% include 'unescaped.html' %}\ndefault: {% include 'default.html' %}\n",
    ),
    (
        "escaped_block.html",
        "{% autoescape xhtml_escape %}{% block name %}base: {{ name }}{% end %}",
    ),
    (
        "unescaped_block.html",
        "{% autoescape None %}{% block name %}base: {{ name }}{% end %}",
    ),
    (
        "escaped_extends_unescaped.html",
        "{% autoescape xhtml_escape %}{% extends \"unescaped_block.html\" %}",
    ),
    (
        "escaped_overrides_unescaped.html",
        "{% autoescape xhtml_escape %}{% extends \"unescaped_block.html\" %}{% block name %}extended: {{ name }}{% end %}",
    ),
    (
        "unescaped_extends_escaped.html",
        "{% autoescape None %}{% extends \"escaped_block.html\" %}",
    ),
    (
        "unescaped_overrides_escaped.html",
        "{% autoescape None %}{% extends \"escaped_block.html\" %}{% block name %}extended: {{ name }}{% end %}",
    ),
    (
        "raw_expression.html",
        "{% autoescape xhtml_escape %}expr: {{ name }}\nraw: {% raw name %}",
    ),
];

fn ae_render(loader: &DictLoader, template: &str, name: &str) -> String {
    loader
        .load(template, None)
        .unwrap()
        .generate(&Context::new().with("name", name))
        .unwrap()
}

#[test]
fn test_default_off() {
    let loader = DictLoader::new(
        AUTOESCAPE_TEMPLATES.iter().copied(),
        opts().autoescape(None),
    );
    let name = "Bobby <table>s";
    assert_eq!(
        ae_render(&loader, "escaped.html", name),
        "Bobby &lt;table&gt;s"
    );
    assert_eq!(ae_render(&loader, "unescaped.html", name), "Bobby <table>s");
    assert_eq!(ae_render(&loader, "default.html", name), "Bobby <table>s");
    assert_eq!(
        ae_render(&loader, "include.html", name),
        "escaped: Bobby &lt;table&gt;s\nunescaped: Bobby <table>s\ndefault: Bobby <table>s\n"
    );
}

#[test]
fn test_default_on() {
    let loader = DictLoader::new(
        AUTOESCAPE_TEMPLATES.iter().copied(),
        opts().autoescape(Some("xhtml_escape")),
    );
    let name = "Bobby <table>s";
    assert_eq!(
        ae_render(&loader, "escaped.html", name),
        "Bobby &lt;table&gt;s"
    );
    assert_eq!(ae_render(&loader, "unescaped.html", name), "Bobby <table>s");
    assert_eq!(
        ae_render(&loader, "default.html", name),
        "Bobby &lt;table&gt;s"
    );
    assert_eq!(
        ae_render(&loader, "include.html", name),
        "escaped: Bobby &lt;table&gt;s\nunescaped: Bobby <table>s\ndefault: Bobby &lt;table&gt;s\n"
    );
}

#[test]
fn test_unextended_block() {
    let loader = DictLoader::new(AUTOESCAPE_TEMPLATES.iter().copied(), opts());
    assert_eq!(
        ae_render(&loader, "escaped_block.html", "<script>"),
        "base: &lt;script&gt;"
    );
    assert_eq!(
        ae_render(&loader, "unescaped_block.html", "<script>"),
        "base: <script>"
    );
}

#[test]
fn test_extended_block() {
    let loader = DictLoader::new(AUTOESCAPE_TEMPLATES.iter().copied(), opts());
    assert_eq!(
        ae_render(&loader, "escaped_extends_unescaped.html", "<script>"),
        "base: <script>"
    );
    assert_eq!(
        ae_render(&loader, "escaped_overrides_unescaped.html", "<script>"),
        "extended: &lt;script&gt;"
    );
    assert_eq!(
        ae_render(&loader, "unescaped_extends_escaped.html", "<script>"),
        "base: &lt;script&gt;"
    );
    assert_eq!(
        ae_render(&loader, "unescaped_overrides_escaped.html", "<script>"),
        "extended: <script>"
    );
}

#[test]
fn test_raw_expression() {
    let loader = DictLoader::new(AUTOESCAPE_TEMPLATES.iter().copied(), opts());
    assert_eq!(
        ae_render(&loader, "raw_expression.html", "<>&\""),
        "expr: &lt;&gt;&amp;&quot;\nraw: <>&\""
    );
}

#[test]
fn test_custom_escape() {
    let loader = dict_loader(&[("foo.py", "{% autoescape py_escape %}s = {{ name }}\n")]);
    let py_escape = Value::function("py_escape", |args: &[Value], _: &Kwargs| match &args[0] {
        Value::Bytes(b) => Ok(Value::from(
            Value::from(String::from_utf8_lossy(b).into_owned()).repr(),
        )),
        other => Err(Error::new(
            ErrorKind::TypeError,
            format!("expected bytes, got {}", other.type_name()),
        )),
    });
    let go = |name: Value| {
        let ctx = Context::new()
            .with("py_escape", py_escape.clone())
            .with("name", name);
        loader.load("foo.py", None).unwrap().generate(&ctx).unwrap()
    };
    assert_eq!(go(Value::from("<html>")), "s = '<html>'\n");
    assert_eq!(go(Value::from("';sys.exit()")), "s = \"';sys.exit()\"\n");
    assert_eq!(
        go(Value::list([Value::from("not a string")])),
        "s = \"['not a string']\"\n"
    );
}

#[test]
fn test_manual_minimize_whitespace() {
    let loader = dict_loader(&[(
        "foo.txt",
        "{% for i in items\n  %}{% if i > 0 %}, {% end %}{#\n  #}{{i\n  }}{% end\n%}",
    )]);
    let items = Value::from_serialize(&[0, 1, 2, 3, 4]).unwrap();
    assert_eq!(
        loader
            .load("foo.txt", None)
            .unwrap()
            .generate(&Context::new().with("items", items))
            .unwrap(),
        "0, 1, 2, 3, 4"
    );
}

#[test]
fn test_whitespace_by_filename() {
    let loader = dict_loader(&[
        ("foo.html", "   \n\t\n asdf\t   "),
        ("bar.js", " \n\n\n\t qwer     "),
        ("baz.txt", "\t    zxcv\n\n"),
        ("include.html", "  {% include baz.txt %} \n "),
        ("include.txt", "\t\t{% include foo.html %}    "),
    ]);
    let go = |n: &str| {
        loader
            .load(n, None)
            .unwrap()
            .generate(&Context::new())
            .unwrap()
    };
    assert_eq!(go("foo.html"), "\nasdf ");
    assert_eq!(go("bar.js"), "\nqwer ");
    assert_eq!(go("baz.txt"), "\t    zxcv\n\n");
    assert_eq!(go("include.html"), " \t    zxcv\n\n\n");
    assert_eq!(go("include.txt"), "\t\t\nasdf     ");
}

#[test]
fn test_whitespace_by_loader() {
    let templates = [("foo.html", "\t\tfoo\n\n"), ("bar.txt", "\t\tbar\n\n")];
    let go = |mode: Whitespace, n: &str| {
        DictLoader::new(templates, opts().whitespace(mode))
            .load(n, None)
            .unwrap()
            .generate(&Context::new())
            .unwrap()
    };
    assert_eq!(go(Whitespace::All, "foo.html"), "\t\tfoo\n\n");
    assert_eq!(go(Whitespace::All, "bar.txt"), "\t\tbar\n\n");
    assert_eq!(go(Whitespace::Single, "foo.html"), " foo\n");
    assert_eq!(go(Whitespace::Single, "bar.txt"), " bar\n");
    assert_eq!(go(Whitespace::Oneline, "foo.html"), " foo ");
    assert_eq!(go(Whitespace::Oneline, "bar.txt"), " bar ");
}

#[test]
fn test_whitespace_directive() {
    let loader = dict_loader(&[(
        "foo.html",
        "{% whitespace oneline %}\n    {% for i in range(3) %}\n        {{ i }}\n    {% end %}\n{% whitespace all %}\n    pre\tformatted\n",
    )]);
    assert_eq!(
        loader
            .load("foo.html", None)
            .unwrap()
            .generate(&Context::new())
            .unwrap(),
        "  0  1  2  \n    pre\tformatted\n"
    );
}

// ---- TemplateLoaderTest ------------------------------------------------------------------

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tornado-template-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    dir
}

#[test]
fn test_utf8_in_file() {
    let dir = temp_dir("utf8");
    std::fs::write(dir.join("utf8.html"), "H\u{e9}llo\n").unwrap();
    let loader = Loader::new(&dir, opts());
    let out = loader
        .load("utf8.html", None)
        .unwrap()
        .generate(&Context::new())
        .unwrap();
    assert_eq!(out.trim(), "H\u{e9}llo");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- Beyond the Python suite ------------------------------------------------------------------

#[test]
fn loader_relative_includes_and_root_escape() {
    let dir = temp_dir("rel");
    std::fs::write(
        dir.join("sub/a.html"),
        "{% include 'b.html' %}|{% include '../top.html' %}",
    )
    .unwrap();
    std::fs::write(dir.join("sub/b.html"), "b").unwrap();
    std::fs::write(dir.join("top.html"), "top").unwrap();
    let loader = Loader::new(&dir, opts());
    assert_eq!(
        loader
            .load("sub/a.html", None)
            .unwrap()
            .generate(&Context::new())
            .unwrap(),
        "b|top"
    );
    let e = loader.load("../etc/passwd", None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OsError);
    let e = loader.load("missing.html", None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OsError);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn loader_caches_resets_and_autoreloads() {
    let dir = temp_dir("reload");
    std::fs::write(dir.join("page.html"), "v1{% include 'inc.html' %}").unwrap();
    std::fs::write(dir.join("inc.html"), "a").unwrap();
    let cached = Loader::new(&dir, opts());
    let auto = Loader::new(&dir, opts()).with_autoreload(true);
    let first = cached.load("page.html", None).unwrap();
    assert!(Rc::ptr_eq(&first, &cached.load("page.html", None).unwrap()));
    assert_eq!(
        auto.load("page.html", None)
            .unwrap()
            .generate(&Context::new())
            .unwrap(),
        "v1a"
    );
    // Make sure the modification time moves even on coarse clocks.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(dir.join("inc.html"), "bb").unwrap();
    let f = std::fs::File::options()
        .write(true)
        .open(dir.join("inc.html"))
        .unwrap();
    f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .unwrap();
    assert_eq!(
        auto.load("page.html", None)
            .unwrap()
            .generate(&Context::new())
            .unwrap(),
        "v1bb"
    );
    assert_eq!(
        cached
            .load("page.html", None)
            .unwrap()
            .generate(&Context::new())
            .unwrap(),
        "v1a"
    );
    cached.reset();
    assert_eq!(
        cached
            .load("page.html", None)
            .unwrap()
            .generate(&Context::new())
            .unwrap(),
        "v1bb"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn include_cycle_is_a_recursion_error() {
    let loader = dict_loader(&[
        ("a.html", "{% include 'b.html' %}"),
        ("b.html", "{% include 'a.html' %}"),
    ]);
    assert_eq!(
        loader.load("a.html", None).unwrap_err().kind(),
        ErrorKind::RecursionError
    );
    let loader = dict_loader(&[("a.html", "{% extends 'a.html' %}")]);
    assert_eq!(
        loader.load("a.html", None).unwrap_err().kind(),
        ErrorKind::RecursionError
    );
}

#[test]
fn include_without_loader_is_a_parse_error() {
    let e = Template::new("{% include 'x.html' %}", "<string>", &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ParseError);
}

#[test]
fn limit_max_loop_iterations() {
    let limited = opts().limits(Limits::default().max_loop_iterations(Some(100)));
    let t = Template::new("{% while True %}x{% end %}", "t.txt", &limited).unwrap();
    assert_eq!(
        t.generate(&Context::new()).unwrap_err().kind(),
        ErrorKind::LimitExceeded
    );
    let t = Template::new("{% for i in range(100) %}{% end %}ok", "t.txt", &limited).unwrap();
    assert_eq!(t.generate(&Context::new()).unwrap(), "ok");
    assert_eq!(Limits::default().max_loop_iterations, None);
}

#[test]
fn limit_max_output_bytes() {
    let limited = opts().limits(Limits::default().max_output_bytes(Some(10)));
    let t = Template::new("{{ 'x' * n }}", "t.txt", &limited).unwrap();
    assert_eq!(t.generate(&Context::new().with("n", 10)).unwrap().len(), 10);
    assert_eq!(
        t.generate(&Context::new().with("n", 11))
            .unwrap_err()
            .kind(),
        ErrorKind::LimitExceeded
    );
    assert_eq!(Limits::default().max_output_bytes, None);
}

#[test]
fn limit_max_nesting_depth() {
    let deep = "{% if 1 %}".repeat(150) + &"{% end %}".repeat(150);
    assert_eq!(
        Template::new(&deep, "t.txt", &opts()).unwrap_err().kind(),
        ErrorKind::RecursionError
    );
    let roomy = opts().limits(Limits::default().max_nesting_depth(400));
    assert_eq!(
        Template::new(&deep, "t.txt", &roomy)
            .unwrap()
            .generate(&Context::new())
            .unwrap(),
        ""
    );
    assert_eq!(Limits::default().max_nesting_depth, 100);
    let parens = "(".repeat(101) + "1" + &")".repeat(101);
    let e = Template::new(&format!("{{{{ {parens} }}}}"), "t.txt", &opts()).unwrap_err();
    assert!(matches!(
        e.kind(),
        ErrorKind::SyntaxError | ErrorKind::RecursionError
    ));
}

#[test]
fn huge_repetition_is_a_memory_error() {
    let e = Template::new("{{ 'x' * 10**12 }}", "t.txt", &opts())
        .unwrap()
        .generate(&Context::new())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MemoryError);
}

#[derive(Debug)]
struct Request;

impl Object for Request {
    fn type_name(&self) -> &str {
        "HTTPServerRequest"
    }
    fn get_attr(&self, name: &str) -> Option<Value> {
        match name {
            "path" => Some(Value::from("/a<b>")),
            "full_url" => Some(Value::function("full_url", |_: &[Value], _: &Kwargs| {
                Ok(Value::from("http://x/a"))
            })),
            _ => None,
        }
    }
}

#[test]
fn host_objects_attributes_and_methods() {
    let mut ctx = Context::new();
    ctx.insert_object("request", Request);
    assert_eq!(
        render("{{ request.path }} {{ request.full_url() }}", &ctx),
        "/a&lt;b&gt; http://x/a"
    );
    let e = Template::new("{{ request.nope }}", "t", &opts())
        .unwrap()
        .generate(&ctx)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AttributeError);
}

#[test]
fn module_outside_handler_is_a_name_error() {
    let e = Template::new("{% module Template('x') %}", "t", &opts())
        .unwrap()
        .generate(&Context::new())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NameError);
}

#[test]
fn context_from_serialize_struct() {
    #[derive(serde::Serialize)]
    struct Row {
        name: String,
        score: f64,
    }
    #[derive(serde::Serialize)]
    struct Page {
        rows: Vec<Row>,
    }
    let ctx = Context::from_serialize(&Page {
        rows: vec![
            Row {
                name: "a".into(),
                score: 1.0,
            },
            Row {
                name: "b".into(),
                score: 2.5,
            },
        ],
    })
    .unwrap();
    assert_eq!(
        render(
            "{% for r in rows %}{{ r['name'] }}={{ r['score'] }};{% end %}",
            &ctx
        ),
        "a=1.0;b=2.5;"
    );
    assert!(Context::from_serialize(&[1, 2]).is_err());
}

#[test]
fn import_binds_namespace_entries() {
    let ns = Context::new().with(
        "mymod",
        Value::from_serialize(&serde_json::json!({"k": 7})).unwrap(),
    );
    let t = Template::new(
        "{% import mymod %}{% from mymod import k %}{{ k }}",
        "t",
        &opts().namespace(ns),
    )
    .unwrap();
    assert_eq!(t.generate(&Context::new()).unwrap(), "7");
    let e = Template::new("{% import nosuch %}", "t", &opts())
        .unwrap()
        .generate(&Context::new())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ImportError);
}

#[test]
fn except_as_binds_the_message_and_hierarchy_applies() {
    let out = render(
        "{% try %}{{ {}['k'] }}{% except LookupError as e %}caught {{ e }}{% end %}",
        &Context::new(),
    );
    assert_eq!(out, "caught &#x27;k&#x27;");
    let e = Template::new(
        "{% try %}{{ 1/0 }}{% except KeyError %}no{% end %}",
        "t",
        &opts(),
    )
    .unwrap()
    .generate(&Context::new())
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ZeroDivisionError);
}

#[test]
fn percent_and_format_specs() {
    let ctx = Context::new().with("x", 1.23456).with("n", 42);
    assert_eq!(
        render("{{ '%.2f|%5d|%-4s|%x|%e' % (x, n, 'ab', 255, x) }}", &ctx),
        "1.23|   42|ab  |ff|1.234560e+00"
    );
    assert_eq!(
        render("{{ '{:>6.1f}|{:,}|{!r}'.format(x, 1234567, 'a') }}", &ctx),
        "   1.2|1,234,567|&#x27;a&#x27;"
    );
    assert_eq!(
        render("{{ '%(a)s-%(b)d' % {'a': 'x', 'b': 2} }}", &ctx),
        "x-2"
    );
}

#[test]
fn deep_chain_does_not_overflow_the_stack() {
    // 199 chained additions: just under the 200-level expression limit.
    let chain = vec!["1"; 199].join(" + ");
    let t = Template::new(&format!("{{{{ {chain} }}}}"), "t.txt", &opts()).unwrap();
    assert_eq!(t.generate(&Context::new()).unwrap(), "199");
    // Deeper trees are refused at load (Python refuses deeply nested code too).
    let chain = vec!["1"; 1002].join(" + ");
    let e = Template::new(&format!("{{{{ {chain} }}}}"), "t.txt", &opts()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RecursionError);
}

#[test]
fn deep_brackets_do_not_overflow_the_stack() {
    let nested = "(".repeat(95) + "-1" + &")".repeat(95);
    let t = Template::new(&format!("{{{{ {nested} }}}}"), "t.txt", &opts()).unwrap();
    assert_eq!(t.generate(&Context::new()).unwrap(), "-1");
}

#[test]
fn deep_unary_does_not_overflow_the_stack() {
    let minus = "-".repeat(180) + "1";
    let t = Template::new(&format!("{{{{ {minus} }}}}"), "t.txt", &opts()).unwrap();
    assert_eq!(t.generate(&Context::new()).unwrap(), "1");
}

#[test]
fn limit_max_value_depth() {
    let src = "{% set x = [] %}{% for i in range(n) %}{% set x = [x] %}{% end %}{{ len(str(x)) }} {{ x == x }}";
    let t = Template::new(src, "t.txt", &opts()).unwrap();
    // 999 wraps: depth 1000, still printable and comparable.
    assert_eq!(
        t.generate(&Context::new().with("n", 999)).unwrap(),
        "2000 True"
    );
    let e = t.generate(&Context::new().with("n", 1000)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RecursionError);
    assert_eq!(Limits::default().max_value_depth, 1000);
    let shallow = opts().limits(Limits::default().max_value_depth(10));
    let t = Template::new(src, "t.txt", &shallow).unwrap();
    assert_eq!(
        t.generate(&Context::new().with("n", 10))
            .unwrap_err()
            .kind(),
        ErrorKind::RecursionError
    );
    assert!(t.generate(&Context::new().with("n", 9)).is_ok());
}

#[test]
fn oversized_results_are_memory_errors() {
    for src in [
        "{{ 'a'.zfill(2 ** 40) }}",
        "{{ 'a'.center(2 ** 40) }}",
        "{{ ('a' * 2 ** 20).replace('a', 'a' * 2 ** 11) }}",
        "{{ list(range(2 ** 40)) }}",
        "{{ '%*d' % (2 ** 40, 1) }}",
        "{{ '{:>1099511627776}'.format(1) }}",
    ] {
        let e = Template::new(src, "t.txt", &opts())
            .unwrap()
            .generate(&Context::new())
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MemoryError, "{src}");
    }
}
