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
    (
        r#"{% for i in range(-9, 9, 3) %}{{ i // 4 }},{{ i % 4 }},{{ i // 1 }},{{ i % 1 }},{{ i // -2 }},{{ i % -4 }},{{ -i // 8 }},{{ i % 3 == 0 }},{{ i * i % 16 }};{% end %}"#,
        r#"OK -3,3,-9,0,4,-1,1,True,1;-2,2,-6,0,3,-2,0,True,4;-1,1,-3,0,1,-3,0,True,9;0,0,0,0,0,0,0,True,0;0,3,3,0,-2,-1,-1,True,9;1,2,6,0,-3,-2,-1,True,4;"#,
    ),
    (
        r#"{% set x = -9223372036854775807 - 1 %}{{ x // 2 }}|{{ x % 8 }}|{{ -x // 2 }}|{{ x // 4611686018427387904 }}|{{ x % 4611686018427387904 }}|{{ max(x, -x) }}"#,
        r#"OK -4611686018427387904|0|4611686018427387904|-2|0|9223372036854775808"#,
    ),
    (
        r#"{% for i in range(3) %}{% if i % 2 %}odd{% elif i * 2 - 4 %}nz{% else %}z{% end %}{% end %}"#,
        r#"OK nzoddz"#,
    ),
    (
        r#"{% for x in [1, 2.5, True, -3, 9007199254740993] %}{{ x / 2.0 }},{{ x * 0.5 }},{{ x + 0.25 }},{{ x - 1.5 }};{% end %}{% set b = 2 ** 70 %}{{ b / 2.0 }}|{{ b * 1.5 }}"#,
        r#"OK 0.5,0.5,1.25,-0.5;1.25,1.25,2.75,1.0;0.5,0.5,1.25,-0.5;-1.5,-1.5,-2.75,-4.5;4503599627370496.0,4503599627370496.0,9007199254740992.0,9007199254740990.0;5.902958103587057e+20|1.770887431076117e+21"#,
    ),
    (
        r#"{% for x in [1] %}{{ x / 0.0 }}{% end %}"#,
        r#"ERR ZeroDivisionError: float division by zero"#,
    ),
    (
        r#"{% for x in ['a'] %}{{ x * 2.0 }}{% end %}"#,
        r#"ERR TypeError: can't multiply sequence by non-int of type 'float'"#,
    ),
    (
        r#"{{ "a" * 2.0 }}"#,
        r#"ERR TypeError: can't multiply sequence by non-int of type 'float'"#,
    ),
    (
        r#"{{ 2.0 * "a" }}"#,
        r#"ERR TypeError: can't multiply sequence by non-int of type 'float'"#,
    ),
    (
        r#"{{ [1] * 1.5 }}"#,
        r#"ERR TypeError: can't multiply sequence by non-int of type 'float'"#,
    ),
    (
        r#"{{ (1,) * None }}"#,
        r#"ERR TypeError: can't multiply sequence by non-int of type 'NoneType'"#,
    ),
    (
        r#"{{ None * "a" }}"#,
        r#"ERR TypeError: can't multiply sequence by non-int of type 'NoneType'"#,
    ),
    (
        r#"{{ b"x" * 2.0 }}"#,
        r#"ERR TypeError: can't multiply sequence by non-int of type 'float'"#,
    ),
    (
        r#"{{ "a" * "b" }}"#,
        r#"ERR TypeError: can't multiply sequence by non-int of type 'str'"#,
    ),
    (
        r#"{{ "a" * [1] }}"#,
        r#"ERR TypeError: can't multiply sequence by non-int of type 'list'"#,
    ),
    (
        r#"{{ {} * 2.0 }}"#,
        r#"ERR TypeError: unsupported operand type(s) for *: 'dict' and 'float'"#,
    ),
    (
        r#"{{ "a" * 2**70 }}"#,
        r#"ERR OverflowError: cannot fit 'int' into an index-sized integer"#,
    ),
    (
        r#"{{ 2**70 * [1] }}"#,
        r#"ERR OverflowError: cannot fit 'int' into an index-sized integer"#,
    ),
    (
        r#"{{ "ab" * True }}|{{ 2 * "ab" }}|{{ [1] * -1 }}"#,
        r#"OK ab|abab|[]"#,
    ),
];

/// Like [`CASES`], rendered with the default autoescape (`xhtml_escape`):
/// outputs compiled to write themselves (ints, conditionals, `%` formats
/// written piece by piece), merged text, and sums streamed over ints.
const AUTOESCAPED_CASES: &[(&str, &str)] = &[
    (
        r#"{% for i in range(4) %}{{ (i * 3 + 7) // 2 % 11 }},{{ max(i, 2) - min(i, 2) }},{{ -i }},{{ max(i, 1) }};{% end %}"#,
        r#"OK 3,2,0,1;5,1,-1,1;6,0,-2,2;8,1,-3,3;"#,
    ),
    (
        r#"{% for i in range(3) %}{{ max(i, 1.5) - min(i, 2) }}|{{ min(i, 'a') if i > 5 else i }}|{% end %}"#,
        r#"OK 1.5|0|0.5|1|0|2|"#,
    ),
    (
        r#"{{ max(2, 'a') - 1 }}"#,
        r#"ERR TypeError: '>' not supported between instances of 'str' and 'int'"#,
    ),
    (
        r#"{% for i in range(3) %}{{ '<a>' if i else "b&" }}{{ None if i == 1 else 1.5 }}{{ True if i else i }}{% end %}"#,
        r#"OK b&amp;1.50&lt;a&gt;NoneTrue&lt;a&gt;1.5True"#,
    ),
    (
        r#"{% for i in range(2) %}{{ y if i else 'n' }}{% set y = i %}{% end %}"#,
        r#"OK n0"#,
    ),
    (
        r#"{{ '%s<%d>' % ('a&b', 3) }}|{{ '<%.2f>' % 1.5 }}|{{ '%s' % 'x<' }}|{{ '%s' % (1,) }}|{{ '%d%%' % 5 }}|{{ '%s' % None }}|{{ '%s' % 1.5 }}|{{ '%s' % (1.0e16,) }}"#,
        r#"OK a&amp;b&lt;3&gt;|&lt;1.50&gt;|x&lt;|1|5%|None|1.5|1e+16"#,
    ),
    (
        r#"{{ '%5.1f|%-5.1f|%+.1f|%07.3f' % (1.25, 2.5, -3.0, -2.5) }}|{{ '%.1f' % 1e20 }}|{{ '%.2f' % True }}|{{ '%05d' % 3 }}|{{ '%d' % 2.7 }}|{{ '%s' % [1, '<'] }}|{{ '%(a)s' % {'a': '<'} }}|{{ '%.1f' % 7 }}|{{ '%s' % (True,) }}"#,
        r#"OK   1.2|2.5  |-3.0|-02.500|100000000000000000000.0|1.00|00003|2|[1, &#x27;&lt;&#x27;]|&lt;|7.0|True"#,
    ),
    (
        r#"{{ '%s %s' % (1,) }}"#,
        r#"ERR TypeError: not enough arguments for format string"#,
    ),
    (
        r#"{{ '%s' % (1, 2) }}"#,
        r#"ERR TypeError: not all arguments converted during string formatting"#,
    ),
    (
        r#"{{ '%d' % 'x' }}"#,
        r#"ERR TypeError: %d format: a real number is required, not str"#,
    ),
    (
        r#"{{ '%f' % 'x' }}"#,
        r#"ERR TypeError: must be real number, not str"#,
    ),
    (
        r#"{{ '%s' % () }}"#,
        r#"ERR TypeError: not enough arguments for format string"#,
    ),
    (
        r#"{{ 'x' % 1 }}"#,
        r#"ERR TypeError: not all arguments converted during string formatting"#,
    ),
    (
        r#"{% try %}a{{ 1 // 0 }}b{% except %}c{% end %}|{% try %}a{{ '%s %s' % (1,) }}b{% except %}c{% end %}d"#,
        r#"OK ac|acd"#,
    ),
    (
        r#"{% for i in range(5) %}{{ sum([x * x for x in range(i % 10) if x % 2]) }},{{ sum(x for x in range(i, 0, -1)) }},{{ sum([x * 4611686018427387904 for x in range(i)]) }},{{ sum([x / 2 for x in range(i)]) }},{{ sum([x if x else 0.5 for x in range(i)]) }};{% end %}"#,
        r#"OK 0,0,0,0,0;0,1,0,0.0,0.5;1,3,4611686018427387904,0.5,1.5;1,6,13835058055282163712,1.5,3.5;10,10,27670116110564327424,3.0,6.5;"#,
    ),
    (
        r#"{{ sum([x for x in range(3) if x], 10) }}|{{ sum(x for x in range(0)) }}|{{ sum([[x] for x in range(2)], []) }}"#,
        r#"OK 13|0|[0, 1]"#,
    ),
    (
        r#"{{ sum([x for x in range(3)] + [1]) }}|{{ sum(x for x in range(3, 0)) }}|{{ sum(x for x in range(0, 9, 4)) }}|{{ sum(x for x in range(9, 0, -4)) }}"#,
        r#"OK 4|0|12|15"#,
    ),
    (
        r#"{{ sum(x for x in range(1, 5, 0)) }}"#,
        r#"ERR ValueError: range() arg 3 must not be zero"#,
    ),
    (
        r#"{{ sum(x for x in range(1.5)) }}"#,
        r#"ERR TypeError: 'float' object cannot be interpreted as an integer"#,
    ),
    (
        r#"{{ sum([x for x in range(3)] for y in [1]) }}"#,
        r#"ERR TypeError: unsupported operand type(s) for +: 'int' and 'list'"#,
    ),
    (
        r#"{{ sum(x for x in range(y)) }}"#,
        r#"ERR NameError: name 'y' is not defined"#,
    ),
    (
        r#"{{ sum([x + 'a' for x in range(2)]) }}"#,
        r#"ERR TypeError: unsupported operand type(s) for +: 'int' and 'str'"#,
    ),
    (
        r#"{{ sum([x for x in ['a', 'b']]) }}"#,
        r#"ERR TypeError: unsupported operand type(s) for +: 'int' and 'str'"#,
    ),
    (
        r#"{{ sum(x for x in [1, 2.5, 'a']) }}"#,
        r#"ERR TypeError: unsupported operand type(s) for +: 'float' and 'str'"#,
    ),
    (
        r#"{% set d = {'a': '<x>', 'b': 2, 'c': None} %}{{ d['a'] }}|{{ d['b'] }}|{{ d['c'] }}|{% for r in [d, {'a': 1.5}] %}{{ r['a'] }};{% end %}"#,
        r#"OK &lt;x&gt;|2|None|&lt;x&gt;;1.5;"#,
    ),
    (
        r#"{% set d = {'a': 1} %}{{ d['z'] }}"#,
        r#"ERR KeyError: 'z'"#,
    ),
    (
        r#"{% set s = 'abc' %}{{ s['x'] }}"#,
        r#"ERR TypeError: string indices must be integers, not 'str'"#,
    ),
    (
        r#"{% set l = [1] %}{{ l['a'] }}"#,
        r#"ERR TypeError: list indices must be integers or slices, not str"#,
    ),
    (
        r#"{{ q['a'] }}"#,
        r#"ERR NameError: name 'q' is not defined"#,
    ),
    (
        r#"{% for r in [{'a': '&'}, 'xy'] %}{{ r['a'] }}{% end %}"#,
        r#"ERR TypeError: string indices must be integers, not 'str'"#,
    ),
    (
        r#"{% for r in [{'a': 1, 'b': 2}, {'b': 3, 'a': 4}, {'a': '<', 'c': 0}, {1: 2, 'a': 5}, {'b': 1, 'c': 2, 'd': 3, 'e': 4, 'f': 5, 'g': 6, 'h': 7, 'i': 8, 'j': 9, 'k': 10, 'l': 11, 'a': 12}] %}{{ r['a'] }}|{% end %}"#,
        r#"OK 1|4|&lt;|5|12|"#,
    ),
    (
        r#"{% for r in [{'a': 1}, {'b': 2}] %}{{ r['a'] }}{% end %}"#,
        r#"ERR KeyError: 'a'"#,
    ),
];

/// Renders `src` under `options`: `OK output` or `ERR Kind: message`.
fn render(src: &str, options: &TemplateOptions, ctx: &Context) -> String {
    match Template::new(src, "<string>", options).and_then(|t| t.generate(ctx)) {
        Ok(out) => format!("OK {out}"),
        Err(e) => format!("ERR {}: {}", e.kind().python_name(), e.message()),
    }
}

fn run(src: &str, ctx: &Context) -> String {
    render(src, &TemplateOptions::default().autoescape(None), ctx)
}

#[test]
fn fast_paths_match_tornado() {
    for (src, want) in CASES {
        assert_eq!(run(src, &Context::new()), *want, "{src}");
    }
}

fn run_autoescaped(src: &str, ctx: &Context) -> String {
    render(src, &TemplateOptions::default(), ctx)
}

#[test]
fn autoescaped_fast_paths_match_tornado() {
    for (src, want) in AUTOESCAPED_CASES {
        assert_eq!(run_autoescaped(src, &Context::new()), *want, "{src}");
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

#[test]
fn compiled_outputs_call_other_escape_functions() {
    // Outputs compiled for the stock escapes give way to a context's own
    // `xhtml_escape` and to `{% autoescape %}` functions, which receive
    // the value's text as bytes (Tornado 6.6.1's output shown).
    let src = "{% for i in range(2) %}{{ i * 2 }}{{ 'a' if i else '<b>' }}{{ '%s|%d' % ('<', i) }}{{ sum(x for x in range(i + 2)) }}{{ max(i, 1) }} {% end %}";
    let wrap = |open: &'static str, close: &'static str| {
        move |args: &[Value], _: &Kwargs| match &args[0] {
            Value::Bytes(b) => Ok(Value::from(format!(
                "{open}{}{close}",
                String::from_utf8_lossy(b)
            ))),
            other => Ok(Value::from(format!("unexpected {other:?}"))),
        }
    };
    let mut ctx = Context::new();
    ctx.insert_function("xhtml_escape", wrap("[", "]"));
    assert_eq!(
        run_autoescaped(src, &ctx),
        "OK [0][<b>][<|0][1][1] [2][a][<|1][3][1] "
    );
    let mut ctx = Context::new();
    ctx.insert_function("wrap", wrap("(", ")"));
    assert_eq!(
        run_autoescaped(&format!("{{% autoescape wrap %}}{src}"), &ctx),
        "OK (0)(<b>)(<|0)(1)(1) (2)(a)(<|1)(3)(1) "
    );
}
