//! Property tests: values printed and parsed back (command line and config
//! files), and "never panics" for arbitrary input.

use std::path::Path;
use std::time::Duration;

use proptest::prelude::*;
use tornado_options::{OptionDateTime, OptionDef, OptionParser, OptionType, Value};

fn parser(ty: OptionType, multiple: bool) -> OptionParser {
    let mut p = OptionParser::new();
    p.define(OptionDef::new("x").ty(ty).multiple(multiple))
        .unwrap();
    p
}

fn py_repr(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

proptest! {
    #[test]
    fn int_round_trip(n: i64) {
        let mut p = parser(OptionType::Int, false);
        p.parse_command_line(["prog".to_owned(), format!("--x={n}")]).unwrap();
        prop_assert_eq!(p.get_int("x").unwrap(), n);
        p.parse_config_text(&format!("x = {n}\n"), Path::new("/c"), false).unwrap();
        prop_assert_eq!(p.get_int("x").unwrap(), n);
    }

    #[test]
    fn float_round_trip(x in proptest::num::f64::NORMAL | proptest::num::f64::ZERO) {
        let mut p = parser(OptionType::Float, false);
        // Value's Display is Python's repr, which reads back exactly.
        let text = Value::Float(x).to_string();
        p.parse_command_line(["prog".to_owned(), format!("--x={text}")]).unwrap();
        prop_assert_eq!(p.get_float("x").unwrap(), x);
        p.parse_config_text(&format!("x = {text}\n"), Path::new("/c"), false).unwrap();
        prop_assert_eq!(p.get_float("x").unwrap(), x);
    }

    #[test]
    fn duration_round_trip(secs in 0u64..10_000_000, micros in 0u32..1_000_000) {
        let d = Duration::from_secs(secs) + Duration::from_micros(u64::from(micros));
        let mut p = parser(OptionType::Duration, false);
        let text = format!("{}s {}us", secs, micros);
        p.parse_command_line(["prog".to_owned(), format!("--x={text}")]).unwrap();
        prop_assert_eq!(p.get_duration("x").unwrap(), d);
        p.parse_config_text(&format!("x = timedelta(seconds={secs}, microseconds={micros})\n"), Path::new("/c"), false).unwrap();
        prop_assert_eq!(p.get_duration("x").unwrap(), d);
    }

    #[test]
    fn datetime_round_trip(y in 1000i32..=9999, mo in 1u32..=12, d in 1u32..=28, h in 0u32..24, mi in 0u32..60, s in 0u32..60) {
        let dt = OptionDateTime::new(y, mo, d, h, mi, s).unwrap();
        let mut p = parser(OptionType::DateTime, false);
        // Display is "YYYY-MM-DD HH:MM:SS", one of the accepted formats.
        p.parse_command_line(["prog".to_owned(), format!("--x={dt}")]).unwrap();
        prop_assert_eq!(p.get_datetime("x").unwrap(), dt);
        p.parse_config_text(&format!("x = datetime({y}, {mo}, {d}, {h}, {mi}, {s})\n"), Path::new("/c"), false).unwrap();
        prop_assert_eq!(p.get_datetime("x").unwrap(), dt);
    }

    #[test]
    fn string_list_round_trip(items in proptest::collection::vec("[^,\\x00]{0,10}", 1..8)) {
        let mut p = parser(OptionType::Str, true);
        p.parse_command_line(["prog".to_owned(), format!("--x={}", items.join(","))]).unwrap();
        prop_assert_eq!(p.get_strs("x").unwrap(), items.iter().map(String::as_str).collect::<Vec<_>>());
        let literal = format!("x = [{}]\n", items.iter().map(|s| py_repr(s)).collect::<Vec<_>>().join(", "));
        p.parse_config_text(&literal, Path::new("/c"), false).unwrap();
        prop_assert_eq!(p.get_strs("x").unwrap(), items.iter().map(String::as_str).collect::<Vec<_>>());
    }

    #[test]
    fn string_literal_round_trip(s in "\\PC{0,30}") {
        let mut p = parser(OptionType::Str, false);
        p.parse_config_text(&format!("x = {}\n", py_repr(&s)), Path::new("/c"), false).unwrap();
        prop_assert_eq!(p.get_str("x").unwrap(), s.as_str());
    }

    #[test]
    fn int_ranges(lo in -50i64..50, len in 0i64..50) {
        let mut p = parser(OptionType::Int, true);
        let hi = lo + len;
        p.parse_command_line(["prog".to_owned(), format!("--x={lo}:{hi}")]).unwrap();
        prop_assert_eq!(p.get_ints("x").unwrap(), (lo..=hi).collect::<Vec<_>>());
    }

    #[test]
    fn config_parser_never_panics(text in "\\PC{0,120}") {
        let mut p = parser(OptionType::Int, true);
        let _ = p.parse_config_text(&text, Path::new("/c"), false);
    }

    #[test]
    fn command_line_never_panics(args in proptest::collection::vec("\\PC{0,20}", 0..6)) {
        for ty in [OptionType::Str, OptionType::Int, OptionType::Float, OptionType::Bool, OptionType::Duration, OptionType::DateTime] {
            let mut p = parser(ty, ty == OptionType::Int);
            let _ = p.parse_command_line(std::iter::once("prog".to_owned()).chain(args.iter().cloned()));
        }
    }
}
