//! Mirrors `tornado/test/escape_test.py` (test names kept).

use tornado_escape::*;

fn linkify_cases() -> Vec<(&'static str, LinkifyOptions, &'static str)> {
    let d = LinkifyOptions::default;
    vec![
        (
            "hello http://world.com/!",
            d(),
            r#"hello <a href="http://world.com/">http://world.com/</a>!"#,
        ),
        (
            "hello http://world.com/with?param=true&stuff=yes",
            d(),
            r#"hello <a href="http://world.com/with?param=true&amp;stuff=yes">http://world.com/with?param=true&amp;stuff=yes</a>"#,
        ),
        (
            "http://url.com/w(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            d(),
            r#"<a href="http://url.com/w">http://url.com/w</a>(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"#,
        ),
        (
            "http://url.com/withmany.......................................",
            d(),
            r#"<a href="http://url.com/withmany">http://url.com/withmany</a>......................................."#,
        ),
        (
            "http://url.com/withmany((((((((((((((((((((((((((((((((((a)",
            d(),
            r#"<a href="http://url.com/withmany">http://url.com/withmany</a>((((((((((((((((((((((((((((((((((a)"#,
        ),
        (
            "http://foo.com/blah_blah",
            d(),
            r#"<a href="http://foo.com/blah_blah">http://foo.com/blah_blah</a>"#,
        ),
        (
            "http://foo.com/blah_blah/",
            d(),
            r#"<a href="http://foo.com/blah_blah/">http://foo.com/blah_blah/</a>"#,
        ),
        (
            "(Something like http://foo.com/blah_blah)",
            d(),
            r#"(Something like <a href="http://foo.com/blah_blah">http://foo.com/blah_blah</a>)"#,
        ),
        (
            "http://foo.com/blah_blah_(wikipedia)",
            d(),
            r#"<a href="http://foo.com/blah_blah_(wikipedia)">http://foo.com/blah_blah_(wikipedia)</a>"#,
        ),
        (
            "http://foo.com/blah_(blah)_(wikipedia)_blah",
            d(),
            r#"<a href="http://foo.com/blah_(blah)_(wikipedia)_blah">http://foo.com/blah_(blah)_(wikipedia)_blah</a>"#,
        ),
        (
            "(Something like http://foo.com/blah_blah_(wikipedia))",
            d(),
            r#"(Something like <a href="http://foo.com/blah_blah_(wikipedia)">http://foo.com/blah_blah_(wikipedia)</a>)"#,
        ),
        (
            "http://foo.com/blah_blah.",
            d(),
            r#"<a href="http://foo.com/blah_blah">http://foo.com/blah_blah</a>."#,
        ),
        (
            "http://foo.com/blah_blah/.",
            d(),
            r#"<a href="http://foo.com/blah_blah/">http://foo.com/blah_blah/</a>."#,
        ),
        (
            "<http://foo.com/blah_blah>",
            d(),
            r#"&lt;<a href="http://foo.com/blah_blah">http://foo.com/blah_blah</a>&gt;"#,
        ),
        (
            "<http://foo.com/blah_blah/>",
            d(),
            r#"&lt;<a href="http://foo.com/blah_blah/">http://foo.com/blah_blah/</a>&gt;"#,
        ),
        (
            "http://foo.com/blah_blah,",
            d(),
            r#"<a href="http://foo.com/blah_blah">http://foo.com/blah_blah</a>,"#,
        ),
        (
            "http://www.example.com/wpstyle/?p=364.",
            d(),
            r#"<a href="http://www.example.com/wpstyle/?p=364">http://www.example.com/wpstyle/?p=364</a>."#,
        ),
        (
            "rdar://1234",
            d().permitted_protocols(["http", "rdar"]),
            r#"<a href="rdar://1234">rdar://1234</a>"#,
        ),
        (
            "rdar:/1234",
            d().permitted_protocols(["rdar"]),
            r#"<a href="rdar:/1234">rdar:/1234</a>"#,
        ),
        (
            "http://userid:password@example.com:8080",
            d(),
            r#"<a href="http://userid:password@example.com:8080">http://userid:password@example.com:8080</a>"#,
        ),
        (
            "http://userid@example.com",
            d(),
            r#"<a href="http://userid@example.com">http://userid@example.com</a>"#,
        ),
        (
            "http://userid@example.com:8080",
            d(),
            r#"<a href="http://userid@example.com:8080">http://userid@example.com:8080</a>"#,
        ),
        (
            "http://userid:password@example.com",
            d(),
            r#"<a href="http://userid:password@example.com">http://userid:password@example.com</a>"#,
        ),
        (
            "message://%3c330e7f8409726r6a4ba78dkf1fd71420c1bf6ff@mail.gmail.com%3e",
            d().permitted_protocols(["http", "message"]),
            r#"<a href="message://%3c330e7f8409726r6a4ba78dkf1fd71420c1bf6ff@mail.gmail.com%3e">message://%3c330e7f8409726r6a4ba78dkf1fd71420c1bf6ff@mail.gmail.com%3e</a>"#,
        ),
        (
            "http://\u{27a1}.ws/\u{4a39}",
            d(),
            "<a href=\"http://\u{27a1}.ws/\u{4a39}\">http://\u{27a1}.ws/\u{4a39}</a>",
        ),
        (
            "<tag>http://example.com</tag>",
            d(),
            r#"&lt;tag&gt;<a href="http://example.com">http://example.com</a>&lt;/tag&gt;"#,
        ),
        (
            "Just a www.example.com link.",
            d(),
            r#"Just a <a href="http://www.example.com">www.example.com</a> link."#,
        ),
        (
            "Just a www.example.com link.",
            d().require_protocol(true),
            "Just a www.example.com link.",
        ),
        (
            "A http://reallylong.com/link/that/exceedsthelenglimit.html",
            d().require_protocol(true).shorten(true),
            r#"A <a href="http://reallylong.com/link/that/exceedsthelenglimit.html" title="http://reallylong.com/link/that/exceedsthelenglimit.html">http://reallylong.com/link...</a>"#,
        ),
        (
            "A http://reallylongdomainnamethatwillbetoolong.com/hi!",
            d().shorten(true),
            r#"A <a href="http://reallylongdomainnamethatwillbetoolong.com/hi" title="http://reallylongdomainnamethatwillbetoolong.com/hi">http://reallylongdomainnametha...</a>!"#,
        ),
        (
            "A file:///passwords.txt and http://web.com link",
            d(),
            r#"A file:///passwords.txt and <a href="http://web.com">http://web.com</a> link"#,
        ),
        (
            "A file:///passwords.txt and http://web.com link",
            d().permitted_protocols(["file"]),
            r#"A <a href="file:///passwords.txt">file:///passwords.txt</a> and http://web.com link"#,
        ),
        (
            "www.external-link.com",
            d().extra_params(r#"rel="nofollow" class="external""#),
            r#"<a href="http://www.external-link.com" rel="nofollow" class="external">www.external-link.com</a>"#,
        ),
        (
            "www.external-link.com and www.internal-link.com/blogs extra",
            d().extra_params_fn(|href| {
                if href.starts_with("http://www.internal-link.com") {
                    r#"class="internal""#.to_owned()
                } else {
                    r#"rel="nofollow" class="external""#.to_owned()
                }
            }),
            r#"<a href="http://www.external-link.com" rel="nofollow" class="external">www.external-link.com</a> and <a href="http://www.internal-link.com/blogs" class="internal">www.internal-link.com/blogs</a> extra"#,
        ),
        (
            "www.external-link.com",
            d().extra_params_fn(|_| r#"    rel="nofollow" class="external"  "#.to_owned()),
            r#"<a href="http://www.external-link.com" rel="nofollow" class="external">www.external-link.com</a>"#,
        ),
    ]
}

#[test]
fn test_linkify() {
    for (text, options, html) in linkify_cases() {
        assert_eq!(linkify(text, &options), html, "input {text:?}");
    }
}

#[test]
fn test_xhtml_escape() {
    let tests = [
        ("<foo>", "&lt;foo&gt;"),
        ("<>&\"'", "&lt;&gt;&amp;&quot;&#x27;"),
        ("&amp;", "&amp;amp;"),
        ("<\u{e9}>", "&lt;\u{e9}&gt;"),
    ];
    for (unescaped, escaped) in tests {
        assert_eq!(xhtml_escape(unescaped), escaped);
        assert_eq!(xhtml_unescape(escaped), unescaped);
    }
    // Python's bytes input: decode as UTF-8 first.
    let from_bytes = to_unicode(b"<\xc3\xa9>").unwrap();
    assert_eq!(xhtml_escape(from_bytes).as_bytes(), b"&lt;\xc3\xa9&gt;");
}

/// Python checks peak memory against input size; here: the output of the
/// worst cases stays within a fixed ratio of the input (no quadratic blow-up).
#[test]
fn test_memory_budget() {
    let lt = "<".repeat(60_000);
    assert!(xhtml_escape(&lt).len() <= lt.len() * 5);
    let unknown = "&a;".repeat(20_000);
    assert!(xhtml_unescape(&unknown).len() <= unknown.len());
    let links = "www.a ".repeat(10_000);
    assert!(linkify(&links, &LinkifyOptions::default()).len() <= links.len() * 10);
    let mixed = "\u{e9}<".repeat(30_000);
    assert!(url_escape(&mixed, true).len() <= mixed.len() * 3);
}

#[test]
fn test_xhtml_unescape_numeric() {
    let tests = [
        ("foo&#32;bar", "foo bar"),
        ("foo&#x20;bar", "foo bar"),
        ("foo&#X20;bar", "foo bar"),
        ("foo&#xabc;bar", "foo\u{abc}bar"),
        ("foo&#xyz;bar", "foo&#xyz;bar"),
        ("foo&#;bar", "foo&#;bar"),
        ("foo&#x;bar", "foo&#x;bar"),
    ];
    for (escaped, unescaped) in tests {
        assert_eq!(xhtml_unescape(escaped), unescaped);
    }
}

#[test]
fn test_url_escape_unicode() {
    assert_eq!(url_escape_bytes("\u{e9}".as_bytes(), true), "%C3%A9");
    assert_eq!(url_escape_bytes(b"\xe9", true), "%E9");
    assert_eq!(url_escape("\u{e9}", true), "%C3%A9");
}

#[test]
fn test_url_unescape_unicode() {
    assert_eq!(url_unescape_to("%C3%A9", UrlEncoding::Utf8, true), "\u{e9}");
    assert_eq!(
        url_unescape_to("%C3%A9", UrlEncoding::Latin1, true),
        "\u{c3}\u{a9}"
    );
    assert_eq!(url_unescape_bytes(b"%C3%A9", true), "\u{e9}".as_bytes());
}

#[test]
fn test_url_escape_quote_plus() {
    let unescaped = "+ #%";
    let plus_escaped = "%2B+%23%25";
    let escaped = "%2B%20%23%25";
    assert_eq!(url_escape(unescaped, true), plus_escaped);
    assert_eq!(url_escape(unescaped, false), escaped);
    assert_eq!(url_unescape(plus_escaped, true), unescaped);
    assert_eq!(url_unescape(escaped, false), unescaped);
    assert_eq!(
        url_unescape_bytes(plus_escaped.as_bytes(), true),
        unescaped.as_bytes()
    );
    assert_eq!(
        url_unescape_bytes(escaped.as_bytes(), false),
        unescaped.as_bytes()
    );
}

#[test]
fn test_escape_return_types() {
    let escaped: String = xhtml_escape("foo");
    assert_eq!(escaped, "foo");
}

#[test]
fn test_json_decode() {
    assert_eq!(json_decode_bytes(b"\"foo\"").unwrap(), "foo");
    assert_eq!(json_decode("\"foo\"").unwrap(), "foo");
    assert_eq!(
        json_decode_bytes("\"\u{e9}\"".as_bytes()).unwrap(),
        "\u{e9}"
    );
}

#[test]
fn test_json_encode() {
    assert_eq!(json_decode(&json_encode("\u{e9}")).unwrap(), "\u{e9}");
}

#[test]
fn test_squeeze() {
    assert_eq!(
        squeeze("sequences     of    whitespace   chars"),
        "sequences of whitespace chars"
    );
}

#[test]
fn test_unquote_to_bytes() {
    let cases: [(&[u8], &[u8]); 13] = [
        (b"", b""),
        (b"a=b", b"a=b"),
        (b"%41%3d%3D%25", b"A==%"),
        (b"%%41", b"%A"),
        (b"%%%", b"%%%"),
        (b"%zz%4", b"%zz%4"),
        (b"%", b"%"),
        (b"a%", b"a%"),
        (b"%\r\nb", b"%\r\nb"),
        (b"%\rb\nc", b"%\rb\nc"),
        (b"%\n", b"%\n"),
        (b"=%41=", b"=A="),
        (b"a \r\n%20\t", b"a \r\n \t"),
    ];
    for (data, expected) in cases {
        assert_eq!(unquote_to_bytes(data).as_ref(), expected, "{data:?}");
    }
    let all: Vec<u8> = (0..=255).collect();
    assert_eq!(unquote_to_bytes(&all).as_ref(), all.as_slice());
}

#[test]
fn test_parse_qs_bytes() {
    let keep = ParseQsOptions::default().keep_blank_values(true);
    let parsed = parse_qs_bytes(b"a=1&b=%41+%2B&a=2&&c&d=", &keep).unwrap();
    let pairs: Vec<(&str, Vec<&[u8]>)> = parsed
        .iter()
        .map(|(k, v)| (k, v.iter().map(Vec::as_slice).collect()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("a", vec![b"1".as_slice(), b"2"]),
            ("b", vec![b"A +".as_slice()]),
            ("c", vec![b"".as_slice()]),
            ("d", vec![b"".as_slice()]),
        ]
    );
    let latin = parse_qs_bytes(
        &latin1_encode("%E9=%E9").unwrap(),
        &ParseQsOptions::default(),
    )
    .unwrap();
    assert_eq!(latin.get("\u{e9}").unwrap(), [vec![0xE9]]);
    assert!(
        parse_qs_bytes(b"c&d=", &ParseQsOptions::default())
            .unwrap()
            .is_empty()
    );
    let strict = ParseQsOptions::default().strict_parsing(true);
    assert!(matches!(
        parse_qs_bytes(b"a=1&&b=2", &strict),
        Err(EscapeError::BadQueryField { .. })
    ));
    let limited = ParseQsOptions::default().max_num_fields(Some(1));
    assert_eq!(
        parse_qs_bytes(b"a=1&b=2", &limited),
        Err(EscapeError::MaxFieldsExceeded { limit: 1 })
    );
    let default_limit = ParseQsOptions::default();
    assert_eq!(default_limit.max_num_fields, None);
    assert!(
        parse_qs_bytes(
            b"a=1&b=2",
            &ParseQsOptions::default().max_num_fields(Some(2))
        )
        .is_ok()
    );
}

/// Python measures memory; here the decoded size is bounded by the input.
#[test]
fn test_unquote_memory_budget() {
    for data in ["%41".repeat(100_000), "%".repeat(300_000)] {
        let body = format!("a={data}");
        let parsed = parse_qs_bytes(body.as_bytes(), &ParseQsOptions::default()).unwrap();
        assert!(parsed.get_last("a").unwrap().len() <= data.len());
    }
}
