#![no_main]
libfuzzer_sys::fuzz_target!(|data: &str| {
    for (name, value) in tornado_httputil::parse_cookie(data) {
        assert!(name.len() + value.len() <= data.len());
    }
});
