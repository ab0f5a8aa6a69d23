//! The compiled fast paths (int and float arithmetic, comparisons,
//! reductions over comprehensions, `%` formatting, number printing) against
//! results and errors produced by Tornado 6.6.1 for the same templates.

use tornado_template::{Context, Kwargs, Template, TemplateOptions, Value};

/// Template source and Tornado's output (`OK text`) or exception
/// (`ERR Class: message`), rendered with autoescaping off.
const CASES: &[(&str, &str)] = &[
    (
        r#"{% for i in range(3) %}{{ i * 3 + 1 }},{% end %}"#,
        r#"OK 1,4,7,"#,
    ),
    (
        r#"{{ 9223372036854775807 + 1 }}|{{ -9223372036854775807 - 5 }}|{{ 3037000500 * 3037000500 }}"#,
        r#"OK 9223372036854775808|-9223372036854775812|9223372037000250000"#,
    ),
    (
        r#"{{ 7 // -2 }}|{{ -7 % 3 }}|{{ 7 % -3 }}|{{ -7 // 2 }}|{{ 2 ** -1 }}|{{ 2 ** 70 }}|{{ 5 >> 70 }}|{{ 1 << 3 }}"#,
        r#"OK -4|2|-2|-4|0.5|1180591620717411303424|0|8"#,
    ),
    (
        r#"{% set x = -9223372036854775807 - 1 %}{{ x // -1 }}|{{ x % -1 }}|{{ -x }}"#,
        r#"OK 9223372036854775808|0|9223372036854775808"#,
    ),
    (
        r#"{{ 1 / 0 }}"#,
        r#"ERR ZeroDivisionError: division by zero"#,
    ),
    (
        r#"{{ 1.0 // 0 }}"#,
        r#"ERR ZeroDivisionError: float floor division by zero"#,
    ),
    (
        r#"{{ 1.5 + 1 }}|{{ 1 / 3 }}|{{ 2 * 0.1 }}|{{ 10 - 0.5 }}|{{ 1e300 * 1e10 }}|{{ 7 / 7.0 }}"#,
        r#"OK 2.5|0.3333333333333333|0.2|9.5|inf|1.0"#,
    ),
    (
        r#"{{ True + 1 }}|{{ True * 2.5 }}|{{ 'a' * 3 }}|{{ [1] + [2] }}"#,
        r#"OK 2|2.5|aaa|[1, 2]"#,
    ),
    (
        r#"{{ 'a' + 1 }}"#,
        r#"ERR TypeError: can only concatenate str (not "int") to str"#,
    ),
    (
        r#"{% for i in range(4) %}{{ 'even' if i % 2 == 0 else 'odd' }}{{ i < 2 }}{{ i == 2.0 }}{{ 1 < i < 3 }}{% end %}"#,
        r#"OK evenTrueFalseFalseoddTrueFalseFalseevenFalseTrueTrueoddFalseFalseFalse"#,
    ),
    (
        r#"{{ max(3, 1.5) }}|{{ min(2, 2.0) }}|{{ max(-1, -1) }}|{{ min('b', 'a') }}"#,
        r#"OK 3|2|-1|a"#,
    ),
    (
        r#"{{ max(1, 'a') }}"#,
        r#"ERR TypeError: '>' not supported between instances of 'str' and 'int'"#,
    ),
    (
        r#"{{ sum([x * x for x in range(5) if x % 2]) }}|{{ min(x for x in [3, 1, 2]) }}|{{ any([x > 2 for x in range(3)]) }}|{{ all(x for x in []) }}"#,
        r#"OK 10|1|False|True"#,
    ),
    (
        r#"{{ sum([x for x in ['a']]) }}"#,
        r#"ERR TypeError: unsupported operand type(s) for +: 'int' and 'str'"#,
    ),
    (
        r#"{{ max([x for x in range(0)]) }}"#,
        r#"ERR ValueError: max() arg is an empty sequence"#,
    ),
    (
        r#"{{ sum([1 / x for x in range(2)]) }}"#,
        r#"ERR ZeroDivisionError: division by zero"#,
    ),
    (
        r#"{{ sum([x for x in range(3)], 10) }}|{{ sum([[x] for x in range(3)], []) }}"#,
        r#"OK 13|[0, 1, 2]"#,
    ),
    (
        r#"{{ '%05.2f|%s' % (2.675, 3) }}|{{ '%.2f' % 0.125 }}|{{ '%.1f' % 0.25 }}|{{ '%8.3f' % -1.0005 }}|{{ '%+.0f' % 2.5 }}|{{ '%.3f' % 1e12 }}"#,
        r#"OK 02.67|3|0.12|0.2|  -1.000|+2|1000000000000.000"#,
    ),
    (
        r#"{{ 1234.5 }}|{{ 0.1 }}|{{ 1e16 }}|{{ 1.0e-5 }}|{{ 123456789.125 }}|{{ -0.0 }}|{{ 2.5e-4 }}"#,
        r#"OK 1234.5|0.1|1e+16|1e-05|123456789.125|-0.0|0.00025"#,
    ),
    (
        r#"{% for x in range(2) %}{{ y }}{% set y = x %}{% end %}"#,
        r#"ERR UnboundLocalError: cannot access local variable 'y' where it is not associated with a value"#,
    ),
    (
        r#"{{ not 0 }}|{{ not (1 % 2) }}|{{ 0 or 'z' }}|{{ 1 and 2 }}|{{ (2 > 1) + 1 }}|{{ -(-3) }}|{{ ~5 }}"#,
        r#"OK True|False|z|2|2|3|-6"#,
    ),
];

fn run(src: &str, ctx: &Context) -> String {
    let options = TemplateOptions::default().autoescape(None);
    match Template::new(src, "<string>", &options).and_then(|t| t.generate(ctx)) {
        Ok(out) => format!("OK {out}"),
        Err(e) => format!("ERR {}: {}", e.kind().python_name(), e.message()),
    }
}

#[test]
fn fast_paths_match_tornado() {
    for (src, want) in CASES {
        assert_eq!(run(src, &Context::new()), *want, "{src}");
    }
}

#[test]
fn reductions_use_a_shadowing_function() {
    // A context `sum` replaces the builtin: it receives the list itself.
    let mut ctx = Context::new();
    ctx.insert_function("sum", |args: &[Value], _: &Kwargs| {
        Ok(Value::from(format!("host{}", args[0].repr())))
    });
    assert_eq!(
        run("{{ sum([x * 2 for x in range(3) if x]) }}", &ctx),
        "OK host[2, 4]"
    );
    ctx.insert("max", 7);
    assert_eq!(
        run("{{ max(x for x in range(3)) }}", &ctx),
        "ERR TypeError: 'int' object is not callable"
    );
}
