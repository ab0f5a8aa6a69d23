//! Property tests: round trips through the date arithmetic, the CSV and
//! `.mo` readers, and "never panics" for the parsers and formatters.

use proptest::prelude::*;
use tornado_locale::{
    CsvTranslations, DateTime, FormatDate, GettextTranslations, MoLimits, Translations,
};

fn mo_image(entries: &[(Vec<u8>, Vec<u8>)], big_endian: bool) -> Vec<u8> {
    let n = entries.len() as u32;
    let word = |v: u32| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut out = Vec::new();
    for v in [0x9504_12de_u32, 0, n, 28, 28 + 8 * n, 0, 0] {
        out.extend_from_slice(&word(v));
    }
    let base = 28 + 16 * n;
    let (mut data, mut ids, mut strs) = (Vec::new(), Vec::new(), Vec::new());
    for (id, text) in entries {
        ids.push((id.len() as u32, base + data.len() as u32));
        data.extend_from_slice(id);
        data.push(0);
        strs.push((text.len() as u32, base + data.len() as u32));
        data.extend_from_slice(text);
        data.push(0);
    }
    for (len, off) in ids.iter().chain(&strs) {
        out.extend_from_slice(&word(*len));
        out.extend_from_slice(&word(*off));
    }
    out.extend_from_slice(&data);
    out
}

fn csv_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Text without surrounding white space (CSV cells are stripped) and no NUL.
fn cell() -> impl Strategy<Value = String> {
    "[^\\s\\x00\\x1c-\\x1f]([^\\x00]{0,20}[^\\s\\x00\\x1c-\\x1f])?"
}

proptest! {
    #[test]
    fn civil_round_trip(y in 1i64..=9999, m in 1u32..=12, d in 1u32..=28, h in 0u32..24, mi in 0u32..60, s in 0u32..60, us in 0u32..1_000_000) {
        let dt = DateTime::from_utc_micro(y, m, d, h, mi, s, us).unwrap();
        let c = dt.civil();
        prop_assert_eq!((c.year, c.month, c.day, c.hour, c.minute, c.second, c.microsecond), (y, m, d, h, mi, s, us));
    }

    #[test]
    fn micros_round_trip(micros in -62_135_596_800_000_000i64..253_402_300_800_000_000) {
        let dt = DateTime::from_unix_micros(micros).unwrap();
        let c = dt.civil();
        let back = DateTime::from_utc_micro(c.year, c.month, c.day, c.hour, c.minute, c.second, c.microsecond).unwrap();
        prop_assert_eq!(back, dt);
        // Consecutive days have consecutive weekdays.
        if let Ok(next) = dt.checked_add_micros(86_400_000_000) {
            prop_assert_eq!(next.civil().weekday, (c.weekday + 1) % 7);
        }
    }

    #[test]
    fn csv_round_trip(rows in proptest::collection::btree_map(cell(), cell(), 0..20)) {
        let text: String = rows.iter().map(|(k, v)| format!("{},{}\r\n", csv_quote(k), csv_quote(v))).collect();
        let mut t = Translations::new();
        t.insert_csv("xx", CsvTranslations::parse(&text, 131_072).unwrap());
        let l = t.get("xx").unwrap();
        for (k, v) in &rows {
            // A cell with a line break is read back with `\n` endings.
            let want = v.replace("\r\n", "\n").replace('\r', "\n");
            let key = k.replace("\r\n", "\n").replace('\r', "\n");
            prop_assert_eq!(l.translate(&key), want.as_str());
        }
    }

    #[test]
    fn mo_round_trip(entries in proptest::collection::btree_map("[a-z]{1,8}", "[^\\x00\\x04]{0,12}", 0..16), big_endian: bool) {
        let mut list: Vec<(Vec<u8>, Vec<u8>)> = vec![(Vec::new(), b"Content-Type: text/plain; charset=UTF-8\n".to_vec())];
        list.extend(entries.iter().map(|(k, v)| (k.clone().into_bytes(), v.clone().into_bytes())));
        let parsed = GettextTranslations::parse(&mo_image(&list, big_endian), &MoLimits::default()).unwrap();
        prop_assert_eq!(parsed.len(), entries.len() + 1);
        let mut t = Translations::new();
        t.insert_gettext("xx", parsed);
        let l = t.get("xx").unwrap();
        for (k, v) in &entries {
            prop_assert_eq!(l.translate(k), v.as_str());
        }
    }

    #[test]
    fn friendly_number_only_adds_commas(n: i64) {
        let l = Translations::new().get("en_US").unwrap();
        let s = l.friendly_number(n);
        prop_assert_eq!(s.replace(',', ""), n.to_string());
        prop_assert!(s.split(',').skip(1).all(|g| g.len() == 3));
    }

    #[test]
    fn mo_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = GettextTranslations::parse(&bytes, &MoLimits::default());
    }

    #[test]
    fn mo_header_never_panics(header in "\\PC{0,80}") {
        let image = mo_image(&[(Vec::new(), header.into_bytes()), (b"a\0b".to_vec(), b"x\0y".to_vec())], false);
        if let Ok(t) = GettextTranslations::parse(&image, &MoLimits::default()) {
            let mut all = Translations::new();
            all.insert_gettext("xx", t);
            let l = all.get("xx").unwrap();
            for n in [-3, 0, 1, 2, 11, 101] {
                let _ = l.translate_plural("a", "b", n);
            }
        }
    }

    #[test]
    fn csv_parser_never_panics(text in "\\PC{0,200}") {
        let _ = CsvTranslations::parse(&text, 64);
    }

    #[test]
    fn format_date_never_panics(date in -62_135_596_800_000_000i64..253_402_300_800_000_000, now in -62_135_596_800_000_000i64..253_402_300_800_000_000, offset in -100_000i32..100_000, relative: bool, shorter: bool, full: bool) {
        let mut t = Translations::new();
        t.insert_csv("zh_CN", CsvTranslations::default());
        let opts = FormatDate::default().gmt_offset(offset).relative(relative).shorter(shorter).full_format(full);
        let (date, now) = (DateTime::from_unix_micros(date).unwrap(), DateTime::from_unix_micros(now).unwrap());
        for code in ["en_US", "zh_CN"] {
            let l = t.get(code).unwrap();
            prop_assert!(!l.format_date_at(date, now, &opts).is_empty());
            prop_assert!(!l.format_day(date, offset, shorter).is_empty());
        }
    }
}
