#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let options = tornado_escape::ParseQsOptions::default()
        .keep_blank_values(true)
        .max_num_fields(Some(1000));
    let _ = tornado_escape::parse_qs_bytes(data, &options);
});
