#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let decoded = tornado_escape::url_unescape_bytes(data, true);
    assert!(decoded.len() <= data.len());
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = tornado_escape::url_unescape(text, false);
    }
});
