#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (mut args, mut files) = (tornado_escape::QueryArguments::new(), tornado_httputil::HttpFiles::new());
    let _ = tornado_httputil::parse_body_arguments(
        "multipart/form-data; boundary=B",
        data,
        &mut args,
        &mut files,
        None,
        &tornado_httputil::ParseBodyConfig::default(),
    );
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = tornado_httputil::parse_header(text);
    }
});
