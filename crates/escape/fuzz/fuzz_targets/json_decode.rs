#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(value) = tornado_escape::json_decode_bytes(data) {
        let encoded = tornado_escape::json_encode(&value);
        assert!(tornado_escape::json_decode(&encoded).is_ok());
    }
});
