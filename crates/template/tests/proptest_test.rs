//! Property tests: random sources never panic, and value formatting round-trips.

use proptest::prelude::*;
use tornado_template::{
    Context, Limits, Template, TemplateOptions, Value, Whitespace, filter_whitespace,
};

fn limited() -> TemplateOptions {
    TemplateOptions::default().limits(
        Limits::default()
            .max_loop_iterations(Some(10_000))
            .max_output_bytes(Some(1 << 20)),
    )
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{{".to_owned()),
        Just("}}".to_owned()),
        Just("{%".to_owned()),
        Just("%}".to_owned()),
        Just("{#".to_owned()),
        Just("#}".to_owned()),
        Just("{{!".to_owned()),
        Just(" if x ".to_owned()),
        Just(" for i in range(3) ".to_owned()),
        Just(" while i < 3 ".to_owned()),
        Just(" end ".to_owned()),
        Just(" else ".to_owned()),
        Just(" elif y ".to_owned()),
        Just(" try ".to_owned()),
        Just(" except ".to_owned()),
        Just(" finally ".to_owned()),
        Just(" set i = i + 1 ".to_owned()),
        Just(" apply escape ".to_owned()),
        Just(" block b ".to_owned()),
        Just(" break ".to_owned()),
        Just(" continue ".to_owned()),
        Just(" raw x ".to_owned()),
        Just(" autoescape None ".to_owned()),
        Just(" whitespace oneline ".to_owned()),
        Just(" x[1:] ".to_owned()),
        Just(" '%s' % x ".to_owned()),
        Just(" [a for a in x] ".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("'".to_owned()),
        Just("\n".to_owned()),
        "[ -~]{0,6}",
        "\\PC{0,3}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any source either compiles or fails with an error; a compiled
    /// template renders or fails with an error. Nothing panics or hangs.
    #[test]
    fn random_sources_compile_or_error(parts in prop::collection::vec(fragment(), 0..24)) {
        let src: String = parts.concat();
        if let Ok(t) = Template::new(&src, "fuzz.html", &limited()) {
            let ctx = Context::new().with("x", "ab<c").with("y", 0).with("i", 0);
            let _ = t.generate(&ctx);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,64}") {
        if let Ok(t) = Template::new(&src, "fuzz.txt", &limited()) {
            let _ = t.generate(&Context::new());
        }
    }

    /// `repr()` of a string parses back to the same string.
    #[test]
    fn string_repr_round_trips(s in "\\PC{0,40}") {
        prop_assume!(!s.contains("%}"));
        let lit = Value::from(s.as_str()).repr();
        prop_assume!(!lit.contains("%}"));
        let t = Template::new(&format!("{{% raw {lit} %}}"), "t.txt", &TemplateOptions::default()).unwrap();
        prop_assert_eq!(t.generate(&Context::new()).unwrap(), s);
    }

    /// Floats print as Python's repr, which reads back to the same float.
    #[test]
    fn float_str_round_trips(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let t = Template::new("{{ x }}", "t.txt", &TemplateOptions::default()).unwrap();
        let out = t.generate(&Context::new().with("x", f)).unwrap();
        prop_assert_eq!(out.parse::<f64>().unwrap().to_bits(), f.to_bits());
        // And the printed form is itself a valid literal for the same value.
        let t2 = Template::new(&format!("{{{{ {out} == x }}}}"), "t.txt", &TemplateOptions::default()).unwrap();
        prop_assert_eq!(t2.generate(&Context::new().with("x", f)).unwrap(), "True");
    }

    #[test]
    fn int_str_round_trips(n in any::<i64>()) {
        let t = Template::new("{{ x }}|{{ int(str(x)) == x }}", "t.txt", &TemplateOptions::default()).unwrap();
        prop_assert_eq!(t.generate(&Context::new().with("x", n)).unwrap(), format!("{n}|True"));
    }

    /// Autoescaped output unescapes back to the original text.
    #[test]
    fn autoescape_round_trips(s in "\\PC{0,40}") {
        let t = Template::new("{{ x }}", "t.txt", &TemplateOptions::default()).unwrap();
        let out = t.generate(&Context::new().with("x", s.as_str())).unwrap();
        prop_assert_eq!(tornado_escape::xhtml_unescape(&out).into_owned(), s);
    }

    /// Whitespace filtering is idempotent.
    #[test]
    fn whitespace_filters_are_idempotent(s in "[ \\t\\na-c\u{a0}]{0,30}") {
        for mode in [Whitespace::Single, Whitespace::Oneline, Whitespace::All] {
            let once = filter_whitespace(mode, &s);
            prop_assert_eq!(filter_whitespace(mode, &once), once.clone());
        }
    }

    /// JSON values survive `json_encode` through a template.
    #[test]
    fn json_encode_round_trips(v in prop::collection::vec((any::<i32>(), "[a-z<>/]{0,5}"), 0..5)) {
        let value = Value::from_serialize(&v).unwrap();
        let t = Template::new("{% raw json_encode(v) %}", "t.txt", &TemplateOptions::default()).unwrap();
        let out = t.generate(&Context::new().with("v", value)).unwrap();
        let back: Vec<(i32, String)> = serde_json::from_str(&out).unwrap();
        prop_assert_eq!(back, v);
    }
}
