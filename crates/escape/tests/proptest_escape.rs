//! Property tests (Tornado's `property_test.py` escape invariants).

use proptest::prelude::*;
use tornado_escape::*;

proptest! {
    #[test]
    fn xhtml_escape_round_trips(s in any::<String>()) {
        let escaped = xhtml_escape(&s);
        prop_assert!(!escaped.contains(['<', '>', '"', '\'']));
        prop_assert_eq!(xhtml_unescape(&escaped), s.as_str());
        let mut appended = String::from("x");
        xhtml_escape_into(&s, &mut appended);
        prop_assert_eq!(&appended[1..], escaped.as_str());
    }

    #[test]
    fn url_escape_round_trips(s in any::<String>(), plus in any::<bool>()) {
        let escaped = url_escape(&s, plus);
        prop_assert!(escaped.is_ascii());
        prop_assert_eq!(url_unescape(&escaped, plus), s.clone());
        prop_assert_eq!(url_unescape_bytes(escaped.as_bytes(), plus), s.into_bytes());
    }

    #[test]
    fn url_escape_bytes_round_trips(b in proptest::collection::vec(any::<u8>(), 0..64), plus in any::<bool>()) {
        let escaped = url_escape_bytes(&b, plus);
        prop_assert!(escaped.is_ascii());
        prop_assert_eq!(url_unescape_bytes(escaped.as_bytes(), plus), b);
    }

    #[test]
    fn json_round_trips(s in any::<String>(), n in any::<i64>(), f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let value = serde_json::json!({"s": s, "n": n, "f": f, "l": [s, n]});
        let encoded = json_encode(&value);
        prop_assert!(encoded.is_ascii());
        prop_assert!(!encoded.contains("</"));
        prop_assert_eq!(json_decode(&encoded).unwrap(), value);
    }

    #[test]
    fn float_repr_round_trips(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        let text = float_repr(f);
        prop_assert_eq!(text.parse::<f64>().unwrap().to_bits(), f.to_bits());
    }

    #[test]
    fn parse_qs_round_trips(pairs in proptest::collection::vec(("[a-z]{1,4}", "\\PC{1,8}"), 0..8)) {
        let qs: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", url_escape(k, true), url_escape(v, true))).collect();
        let parsed = parse_qs_bytes(qs.join("&").as_bytes(), &ParseQsOptions::default()).unwrap();
        let mut expected = QueryArguments::new();
        for (k, v) in &pairs {
            expected.push(k.as_str(), v.as_bytes().to_vec());
        }
        prop_assert_eq!(parsed, expected);
    }

    #[test]
    fn unescape_and_linkify_never_panic(s in any::<String>()) {
        let _ = xhtml_unescape(&s);
        let _ = linkify(&s, &LinkifyOptions::default().shorten(true));
        let _ = squeeze(&s);
    }
}
