#![no_main]
//! Any arguments (NUL-separated): parsed or refused with an error, never a
//! panic; range expansion stays within the configured bound.
use tornado_options::{OptionDef, OptionParser, OptionType};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut p = OptionParser::new();
    for (name, ty, multiple) in [
        ("s", OptionType::Str, false),
        ("i", OptionType::Int, false),
        ("f", OptionType::Float, false),
        ("b", OptionType::Bool, false),
        ("d", OptionType::Duration, false),
        ("t", OptionType::DateTime, false),
        ("l", OptionType::Int, true),
    ] {
        p.define(OptionDef::new(name).ty(ty).multiple(multiple)).expect("fresh names");
    }
    p.set_max_multiple_values(10_000);
    let args = std::iter::once("prog").chain(text.split('\0'));
    if p.parse_command_line(args).is_ok() {
        assert!(p.get_list("l").is_ok_and(|l| l.len() <= 10_000));
    }
});
