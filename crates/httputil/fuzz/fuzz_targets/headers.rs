#![no_main]
libfuzzer_sys::fuzz_target!(|data: &str| {
    if let Ok(headers) = tornado_httputil::HttpHeaders::parse(data) {
        let again = tornado_httputil::HttpHeaders::parse(&headers.to_string());
        assert_eq!(again.as_ref(), Ok(&headers));
    }
    let _ = tornado_httputil::HttpHeaders::parse_lenient(data);
});
