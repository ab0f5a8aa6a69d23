//! Tornado's `property_test.py` invariants for headers, start lines,
//! cookies and multipart, ported to proptest.

use proptest::prelude::*;
use tornado_escape::QueryArguments;
use tornado_httputil::*;

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}"
}

/// Header values: visible latin-1 with inner spaces/tabs, no edge spaces.
fn field_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[\\x21-\\x7e\\u{80}-\\u{ff}]([\\x21-\\x7e\\u{80}-\\u{ff} \\t]{0,20}[\\x21-\\x7e\\u{80}-\\u{ff}])?",
    ]
}

#[derive(Debug, Clone)]
enum Op {
    Add(String, String),
    Set(String, String),
    Remove(String),
}

fn op() -> impl Strategy<Value = Op> {
    let name = prop_oneof![
        Just("A".to_owned()),
        Just("a".to_owned()),
        Just("B-c".to_owned()),
        token()
    ];
    prop_oneof![
        (name.clone(), field_value()).prop_map(|(n, v)| Op::Add(n, v)),
        (name.clone(), field_value()).prop_map(|(n, v)| Op::Set(n, v)),
        name.prop_map(Op::Remove),
    ]
}

proptest! {
    /// HttpHeaders behaves like a case-insensitive ordered multidict model.
    #[test]
    fn headers_match_model(ops in proptest::collection::vec(op(), 0..30)) {
        let mut headers = HttpHeaders::new();
        let mut model: Vec<(String, Vec<String>)> = Vec::new();
        for op in ops {
            match op {
                Op::Add(n, v) => {
                    headers.add(&n, &v).unwrap();
                    match model.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(&n)) {
                        Some((_, vs)) => vs.push(v),
                        None => model.push((normalize_header_name(&n), vec![v])),
                    }
                }
                Op::Set(n, v) => {
                    headers.set(&n, &v).unwrap();
                    match model.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(&n)) {
                        Some((_, vs)) => *vs = vec![v],
                        None => model.push((normalize_header_name(&n), vec![v])),
                    }
                }
                Op::Remove(n) => {
                    let expected = model.iter().position(|(k, _)| k.eq_ignore_ascii_case(&n)).map(|i| model.remove(i).1);
                    prop_assert_eq!(headers.remove(&n), expected);
                }
            }
        }
        let flat: Vec<(String, String)> = model.iter().flat_map(|(k, vs)| vs.iter().map(move |v| (k.clone(), v.clone()))).collect();
        let got: Vec<(String, String)> = headers.get_all().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        prop_assert_eq!(got, flat);
        for (name, values) in &model {
            prop_assert_eq!(headers.get(&name.to_lowercase()).unwrap(), values.join(","));
            prop_assert_eq!(headers.get_list(&name.to_uppercase()), values.as_slice());
        }
        prop_assert!(headers.get("Not-Present-Header-X").is_none());
        prop_assert!(headers.get_list("Not-Present-Header-X").is_empty());
        // parse(str(h)) round-trips.
        prop_assert_eq!(HttpHeaders::parse(&headers.to_string()).unwrap(), headers.clone());
        let lf = headers.to_string().replace("\r\n", "\n");
        prop_assert_eq!(HttpHeaders::parse_lenient(&lf).unwrap(), headers);
    }

    /// Arbitrary text parses to valid names and values or is an error.
    #[test]
    fn headers_parse_arbitrary(text in "(?s).{0,200}") {
        if let Ok(headers) = HttpHeaders::parse(&text) {
            for (name, value) in headers.get_all() {
                prop_assert!(is_token(name));
                prop_assert!(!value.contains(['\r', '\n', '\0']));
            }
        }
    }

    #[test]
    fn request_line_round_trips(method in token(), target in "[\\x21-\\x7e]{1,40}", minor in 0u8..10) {
        let line = format!("{method} {target} HTTP/1.{minor}");
        let parsed = parse_request_start_line(&line).unwrap();
        prop_assert_eq!(parsed.to_string(), line);
    }

    #[test]
    fn response_line_round_trips(code in 0u16..1000, reason in "[\\x21-\\x7e]([ \\x21-\\x7e]{0,20}[\\x21-\\x7e])?") {
        let line = format!("HTTP/1.1 {code:03} {reason}");
        let parsed = parse_response_start_line(&line).unwrap();
        prop_assert_eq!(parsed.code, code);
        prop_assert_eq!(parsed.to_string(), line);
    }

    /// Arbitrary text is rejected or re-joins to exactly the input.
    #[test]
    fn start_lines_arbitrary(text in "(?s).{0,60}") {
        if let Ok(line) = parse_request_start_line(&text) {
            prop_assert_eq!(line.to_string(), text.clone());
        }
        if let Ok(line) = parse_response_start_line(&text) {
            prop_assert_eq!(line.to_string(), text);
        }
    }

    /// `"; ".join(k=v)` parses back to the pairs, the last duplicate winning.
    #[test]
    fn cookies_round_trip(pairs in proptest::collection::vec(("[A-Za-z0-9_]{1,8}", "[A-Za-z0-9_.:/]{0,10}"), 0..10)) {
        let header = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let mut expected: Vec<(String, String)> = Vec::new();
        for (k, v) in &pairs {
            match expected.iter_mut().find(|(ek, _)| ek == k) {
                Some(slot) => slot.1 = v.clone(),
                None => expected.push((k.clone(), v.clone())),
            }
        }
        prop_assert_eq!(parse_cookie(&header), expected);
    }

    #[test]
    fn cookies_arbitrary_never_fail(text in "(?s).{0,200}") {
        let _ = parse_cookie(&text);
    }

    /// Encode-then-parse round trip for random names, values and filenames.
    #[test]
    fn multipart_round_trips(parts in proptest::collection::vec(("[a-z]{1,8}", proptest::collection::vec(any::<u8>(), 0..40), proptest::option::of("[A-Za-z0-9 ._-]{1,12}")), 0..6)) {
        let boundary = "----proptestboundary";
        let mut body = Vec::new();
        for (name, value, filename) in &parts {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes());
            if let Some(f) = filename {
                body.extend_from_slice(format!("; filename=\"{f}\"").as_bytes());
            }
            body.extend_from_slice(b"\r\n\r\n");
            body.extend_from_slice(value);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        prop_assume!(!parts.iter().any(|(_, v, _)| memchr::memmem::find(v, boundary.as_bytes()).is_some()));
        let (mut args, mut files) = (QueryArguments::new(), HttpFiles::new());
        parse_multipart_form_data(boundary.as_bytes(), &body, &mut args, &mut files, &MultipartConfig::default()).unwrap();
        let mut expected_args = QueryArguments::new();
        let mut expected_files = HttpFiles::new();
        for (name, value, filename) in parts {
            // A quoted filename keeps its spaces; only an empty one makes
            // the part a plain argument.
            match filename {
                Some(f) => expected_files.push(&name, HttpFile { filename: f, body: value, content_type: "application/unknown".into() }),
                None => expected_args.push(name, value),
            }
        }
        prop_assert_eq!(args, expected_args);
        prop_assert_eq!(files, expected_files);
    }

    /// Arbitrary bodies give only `HttpInputError`s, never a panic.
    #[test]
    fn multipart_arbitrary(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let (mut args, mut files) = (QueryArguments::new(), HttpFiles::new());
        let _ = parse_multipart_form_data(b"b", &body, &mut args, &mut files, &MultipartConfig::default());
    }

    #[test]
    fn range_parsing_never_panics(text in "(?s).{0,40}") {
        let _ = parse_request_range(&text);
    }
}
