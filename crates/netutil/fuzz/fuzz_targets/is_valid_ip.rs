//! `is_valid_ip` on arbitrary text: never panics, and accepts everything
//! the standard library parses as an IP address.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let valid = tornado_netutil::is_valid_ip(text);
        if text.parse::<std::net::IpAddr>().is_ok() {
            assert!(valid, "{text:?} parses with std but was refused");
        }
    }
});
