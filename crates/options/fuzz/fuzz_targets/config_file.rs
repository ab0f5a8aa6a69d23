#![no_main]
//! Any text as a config file: options are set or an error names the line;
//! never a panic, and nesting is bounded.
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
        ("m", OptionType::Str, true),
    ] {
        p.define(OptionDef::new(name).ty(ty).multiple(multiple)).expect("fresh names");
    }
    p.set_max_multiple_values(10_000);
    let _ = p.parse_config_text(text, std::path::Path::new("/fuzz.cfg"), true);
});
