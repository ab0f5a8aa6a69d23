#![no_main]
libfuzzer_sys::fuzz_target!(|data: &str| {
    if let Ok(line) = tornado_httputil::parse_request_start_line(data) {
        assert_eq!(line.to_string(), data);
    }
    if let Ok(line) = tornado_httputil::parse_response_start_line(data) {
        assert_eq!(line.to_string(), data);
    }
});
