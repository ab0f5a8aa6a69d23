#![no_main]
libfuzzer_sys::fuzz_target!(|data: &str| {
    if let Some((start, end)) = tornado_httputil::parse_request_range(data) {
        let total = 1000;
        let _ = tornado_httputil::get_content_range(
            start.and_then(|s| u64::try_from(s).ok()),
            end.and_then(|e| u64::try_from(e).ok()),
            total,
        );
    }
});
