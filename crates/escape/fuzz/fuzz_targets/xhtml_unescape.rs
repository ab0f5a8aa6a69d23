#![no_main]
libfuzzer_sys::fuzz_target!(|data: &str| {
    let _ = tornado_escape::xhtml_unescape(data);
    let escaped = tornado_escape::xhtml_escape(data);
    assert_eq!(tornado_escape::xhtml_unescape(&escaped), data);
});
