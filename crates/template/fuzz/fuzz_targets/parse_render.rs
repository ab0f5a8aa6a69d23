//! Fuzzes the template lexer, parser, compiler and renderer: any input must
//! compile or fail with an error, and render or fail with an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tornado_template::{Context, Limits, Template, TemplateOptions, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits::default()
        .max_loop_iterations(Some(10_000))
        .max_output_bytes(Some(1 << 20));
    let options = TemplateOptions::default().limits(limits);
    if let Ok(t) = Template::new(src, "fuzz.html", &options) {
        let ctx = Context::new().with("x", "a<b").with("n", 3).with(
            "xs",
            Value::list([Value::from(1), Value::from("two"), Value::None]),
        );
        let _ = t.generate(&ctx);
    }
});
