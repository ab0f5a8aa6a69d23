//! Mirrors `tornado/test/locale_test.py`, plus tests of what the Rust API
//! adds (per-application translations, limits, error cases).

use std::path::{Path, PathBuf};

use tornado_locale::{
    CsvEncoding, CsvTranslations, DateTime, FormatDate, LoadOptions, LocaleError, Translations,
};

fn data(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(sub)
}

/// A fresh temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tornado-locale-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// TranslationLoaderTest

#[test]
fn test_csv() {
    let mut t = Translations::new();
    t.load_translations(data("csv_translations")).unwrap();
    let locale = t.get_closest(["fr_FR"]);
    assert!(!locale.is_gettext());
    assert_eq!(locale.translate("school"), "\u{e9}cole");
}

#[test]
fn test_csv_bom() {
    let text = std::fs::read_to_string(data("csv_translations/fr_FR.csv")).unwrap();
    let utf8_sig = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut utf16_be = vec![0xFE, 0xFF];
    utf16_be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    for (tag, bytes) in [("sig", utf8_sig), ("u16", utf16), ("u16be", utf16_be)] {
        let dir = TempDir::new(tag);
        std::fs::write(dir.0.join("fr_FR.csv"), bytes).unwrap();
        let mut t = Translations::new();
        t.load_translations(&dir.0).unwrap();
        let locale = t.get("fr_FR").unwrap();
        assert!(!locale.is_gettext());
        assert_eq!(locale.translate("school"), "\u{e9}cole", "{tag}");
    }
}

#[test]
fn test_gettext() {
    let mut t = Translations::new();
    t.load_gettext_translations(data("gettext_translations"), "tornado_test")
        .unwrap();
    let locale = t.get_closest(["fr_FR"]);
    assert!(locale.is_gettext());
    assert_eq!(locale.translate("school"), "\u{e9}cole");
    assert_eq!(locale.pgettext("law", "right"), "le droit");
    assert_eq!(locale.pgettext("good", "right"), "le bien");
    assert_eq!(
        locale.pgettext_plural("organization", "club", "clubs", 1),
        "le club"
    );
    assert_eq!(
        locale.pgettext_plural("organization", "club", "clubs", 2),
        "les clubs"
    );
    assert_eq!(
        locale.pgettext_plural("stick", "club", "clubs", 1),
        "le b\u{e2}ton"
    );
    assert_eq!(
        locale.pgettext_plural("stick", "club", "clubs", 2),
        "les b\u{e2}tons"
    );
}

// LocaleDataTest

#[test]
fn test_non_ascii_name() {
    let (name, name_en) = tornado_locale::locale_name("es_LA").unwrap();
    assert_eq!(name, "Espa\u{f1}ol");
    assert_eq!(name.as_bytes(), b"Espa\xc3\xb1ol");
    assert_eq!(name_en, "Spanish");
    assert_eq!(tornado_locale::locale_names().count(), 62);
}

// EnglishTest

fn en() -> tornado_locale::Locale {
    Translations::new().get("en_US").unwrap()
}

const MINUTE: i64 = 60_000_000;
const DAY: i64 = 24 * 60 * MINUTE;

#[test]
fn test_format_date() {
    let locale = en();
    let date = DateTime::from_utc(2013, 4, 28, 18, 35, 0).unwrap();
    let full = FormatDate::default().full_format(true);
    assert_eq!(locale.format_date(date, &full), "April 28, 2013 at 6:35 pm");

    // "now" is a parameter, so no test depends on the wall clock.
    let now = DateTime::from_utc_micro(2024, 3, 15, 14, 30, 12, 345_678).unwrap();
    let ago = |micros: i64| now.checked_add_micros(-micros).unwrap();
    let plain = FormatDate::default();
    let shorter = FormatDate::default().shorter(true);
    assert_eq!(
        locale.format_date_at(ago(2_000_000), now, &plain),
        "2 seconds ago"
    );
    assert_eq!(
        locale.format_date_at(ago(2 * MINUTE), now, &plain),
        "2 minutes ago"
    );
    assert_eq!(
        locale.format_date_at(ago(120 * MINUTE), now, &plain),
        "2 hours ago"
    );
    assert_eq!(locale.format_date_at(ago(DAY), now, &shorter), "yesterday");

    let date = ago(2 * DAY);
    let weekday = locale.weekday_name(date.civil().weekday).unwrap();
    assert_eq!(locale.format_date_at(date, now, &shorter), weekday);

    let date = ago(300 * DAY);
    let c = date.civil();
    let want = format!("{} {}", locale.month_name(c.month).unwrap(), c.day);
    assert_eq!(locale.format_date_at(date, now, &shorter), want);

    let date = ago(500 * DAY);
    let c = date.civil();
    let want = format!(
        "{} {}, {}",
        locale.month_name(c.month).unwrap(),
        c.day,
        c.year
    );
    assert_eq!(locale.format_date_at(date, now, &shorter), want);

    let date = now.checked_add_micros(DAY + 30_000_000).unwrap();
    let c = date.civil();
    let want = format!(
        "{} {}, {}",
        locale.month_name(c.month).unwrap(),
        c.day,
        c.year
    );
    assert_eq!(locale.format_date_at(date, now, &shorter), want);
}

#[test]
fn test_friendly_number() {
    assert_eq!(en().friendly_number(1_000_000), "1,000,000");
}

#[test]
fn test_list() {
    let locale = en();
    assert_eq!(locale.list::<&str>(&[]), "");
    assert_eq!(locale.list(&["A"]), "A");
    assert_eq!(locale.list(&["A", "B"]), "A and B");
    assert_eq!(locale.list(&["A", "B", "C"]), "A, B and C");
}

#[test]
fn test_format_day() {
    let locale = en();
    let date = DateTime::from_utc(2013, 4, 28, 18, 35, 0).unwrap();
    assert_eq!(locale.format_day(date, 0, true), "Sunday, April 28");
    assert_eq!(locale.format_day(date, 0, false), "April 28");
}

// Beyond the Python suite.

#[test]
fn two_applications_do_not_share_translations() {
    let mut a = Translations::new();
    a.load_translations(data("csv_translations")).unwrap();
    let b = Translations::new();
    assert_eq!(a.get_closest(["fr-fr"]).code(), "fr_FR");
    assert_eq!(b.get_closest(["fr-fr"]).code(), "en_US");
    assert!(b.get("fr_FR").is_err());
    assert_eq!(
        a.supported_locales().collect::<Vec<_>>(),
        ["en_US", "fr_FR"]
    );
}

#[test]
fn process_wide_default() {
    // The only test touching the process-wide state, so it can own it.
    assert_eq!(tornado_locale::get(["fr_FR"]).code(), "en_US");
    tornado_locale::load_translations(data("csv_translations")).unwrap();
    assert_eq!(
        tornado_locale::get(["fr_fr"]).translate("school"),
        "\u{e9}cole"
    );
    assert_eq!(tornado_locale::get_supported_locales(), ["en_US", "fr_FR"]);
    tornado_locale::set_default_locale("fr_FR");
    assert_eq!(tornado_locale::Locale::get_closest(["xx"]).code(), "fr_FR");
    assert!(tornado_locale::Locale::get("de_DE").is_err());
    let snapshot = tornado_locale::default_translations();
    tornado_locale::set_default_translations(Translations::new());
    assert_eq!(tornado_locale::get(["fr"]).code(), "en_US");
    assert_eq!(snapshot.get_closest(["fr_FR"]).code(), "fr_FR");
    tornado_locale::load_gettext_translations(data("gettext_translations"), "tornado_test")
        .unwrap();
    assert!(tornado_locale::get(["fr_FR"]).is_gettext());
    tornado_locale::set_default_translations(Translations::new());
}

#[test]
fn unsupported_code_is_an_error() {
    let err = Translations::new().get("fr").unwrap_err();
    assert!(matches!(err, LocaleError::Unsupported { .. }));
    assert_eq!(err.to_string(), "unsupported locale \"fr\"");
}

#[test]
fn missing_directory_is_an_error() {
    let mut t = Translations::new();
    assert!(matches!(
        t.load_translations(data("nope")),
        Err(LocaleError::Io { .. })
    ));
    assert!(matches!(
        t.load_gettext_translations(data("nope"), "x"),
        Err(LocaleError::Io { .. })
    ));
}

#[test]
fn bad_encoding_is_an_error_and_keeps_the_old_state() {
    let dir = TempDir::new("badenc");
    std::fs::write(dir.0.join("fr_FR.csv"), b"\"a\",\"\xff\"\n").unwrap();
    let mut t = Translations::new();
    t.load_translations(data("csv_translations")).unwrap();
    let err = t.load_translations(&dir.0).unwrap_err();
    assert!(
        matches!(
            err,
            LocaleError::Decode {
                encoding: "utf-8",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(t.get("fr_FR").unwrap().translate("school"), "\u{e9}cole");
    // The same bytes read as Latin-1 are fine.
    t.load_translations_with(
        &dir.0,
        &LoadOptions::default().encoding(CsvEncoding::Latin1),
    )
    .unwrap();
    assert_eq!(t.get("fr_FR").unwrap().translate("a"), "\u{ff}");
}

#[test]
fn csv_field_limit_is_configurable() {
    let dir = TempDir::new("limit");
    std::fs::write(
        dir.0.join("fr.csv"),
        format!("\"a\",\"{}\"\n", "x".repeat(200)),
    )
    .unwrap();
    let mut t = Translations::new();
    let small = LoadOptions::default().max_field_size(100);
    assert!(matches!(
        t.load_translations_with(&dir.0, &small),
        Err(LocaleError::FieldTooLong { limit: 100 })
    ));
    t.load_translations(&dir.0).unwrap();
    assert_eq!(t.get("fr").unwrap().translate("a").len(), 200);
    assert_eq!(LoadOptions::default().max_field_size, 131_072);
}

#[test]
fn corrupt_mo_is_skipped() {
    let dir = TempDir::new("corrupt");
    let good = std::fs::read(data(
        "gettext_translations/fr_FR/LC_MESSAGES/tornado_test.mo",
    ))
    .unwrap();
    for (code, bytes) in [
        ("fr_FR", good.clone()),
        ("de_DE", good[..good.len() / 2].to_vec()),
    ] {
        let sub = dir.0.join(code).join("LC_MESSAGES");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("dom.mo"), bytes).unwrap();
    }
    let mut t = Translations::new();
    t.load_gettext_translations(&dir.0, "dom").unwrap();
    assert_eq!(
        t.supported_locales().collect::<Vec<_>>(),
        ["en_US", "fr_FR"]
    );
}

#[test]
fn language_catalogue_backs_up_territory_catalogue() {
    let dir = TempDir::new("fallback");
    let good = std::fs::read(data(
        "gettext_translations/fr_FR/LC_MESSAGES/tornado_test.mo",
    ))
    .unwrap();
    // A `fr_CA` catalogue with one message, backed by the full `fr`.
    let mini = tornado_locale_test_mo(&[
        (b"", b"Content-Type: text/plain; charset=utf-8\n"),
        (b"yes", b"oui"),
    ]);
    for (code, bytes) in [("fr", good), ("fr_CA", mini)] {
        let sub = dir.0.join(code).join("LC_MESSAGES");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("dom.mo"), bytes).unwrap();
    }
    let mut t = Translations::new();
    t.load_gettext_translations(&dir.0, "dom").unwrap();
    let ca = t.get("fr_CA").unwrap();
    assert_eq!(ca.translate("yes"), "oui");
    assert_eq!(ca.translate("school"), "\u{e9}cole");
}

/// Builds a little-endian `.mo` image.
fn tornado_locale_test_mo(entries: &[(&[u8], &[u8])]) -> Vec<u8> {
    let n = entries.len() as u32;
    let mut out = Vec::new();
    for v in [0x9504_12de_u32, 0, n, 28, 28 + 8 * n, 0, 0] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let base = 28 + 16 * n;
    let mut data = Vec::new();
    let mut ids = Vec::new();
    let mut strs = Vec::new();
    for (id, text) in entries {
        ids.push((id.len() as u32, base + data.len() as u32));
        data.extend_from_slice(id);
        data.push(0);
        strs.push((text.len() as u32, base + data.len() as u32));
        data.extend_from_slice(text);
        data.push(0);
    }
    for (len, off) in ids.iter().chain(&strs) {
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&off.to_le_bytes());
    }
    out.extend_from_slice(&data);
    out
}

#[test]
fn unrecognized_file_names_are_ignored() {
    let dir = TempDir::new("names");
    for name in ["xx-YY.csv", "notes.txt", "a.b.csv", "FR.csv", "es.csv"] {
        std::fs::write(dir.0.join(name), "\"a\",\"b\"\n").unwrap();
    }
    let mut t = Translations::new();
    t.load_translations(&dir.0).unwrap();
    assert_eq!(t.supported_locales().collect::<Vec<_>>(), ["en_US", "es"]);
}

#[test]
fn csv_plural_columns() {
    let csv = "\"%(name)s liked this\",\"A %(name)s les gust\u{f3} esto\",\"plural\"\n\
               \"%(name)s liked this\",\"A %(name)s le gust\u{f3} esto\",\"singular\"\n\
               \"bad\",\"malo\",\"dual\"\n\"onlyone\"\n";
    let mut t = Translations::new();
    t.insert_csv("es_LA", CsvTranslations::parse(csv, 1000).unwrap());
    let es = t.get("es_LA").unwrap();
    assert_eq!(
        es.translate_plural("%(name)s liked this", "%(name)s liked this", 1),
        "A %(name)s le gust\u{f3} esto"
    );
    assert_eq!(
        es.translate_plural("%(name)s liked this", "%(name)s liked this", 3),
        "A %(name)s les gust\u{f3} esto"
    );
    assert_eq!(es.translate("%(name)s liked this"), "%(name)s liked this");
    assert_eq!(es.translate("bad"), "bad");
    assert_eq!(es.translate("onlyone"), "onlyone");
}

#[test]
fn broken_translation_falls_back_to_english() {
    let csv = "\"%(commas)s and %(last)s\",\"%(commas)s y %(nope)s\"\n\"yesterday at %(time)s\",\"ayer %(time)d\"\n";
    let mut t = Translations::new();
    t.insert_csv("es", CsvTranslations::parse(csv, 1000).unwrap());
    let es = t.get("es").unwrap();
    assert_eq!(es.list(&["A", "B"]), "A and B");
    let now = DateTime::from_utc(2024, 3, 15, 14, 30, 0).unwrap();
    let then = DateTime::from_utc(2024, 3, 14, 9, 5, 0).unwrap();
    assert_eq!(
        es.format_date_at(then, now, &FormatDate::default()),
        "yesterday at 9:05"
    );
}

#[test]
fn locale_names_and_rtl() {
    let mut t = Translations::new();
    for code in ["fa_IR", "he_IL", "ar_AR", "xx", "en_GB"] {
        t.insert_csv(code, CsvTranslations::default());
    }
    let l = t.get("fa_IR").unwrap();
    assert!(l.rtl());
    assert_eq!(l.name_en(), "Persian");
    assert!(t.get("he_IL").unwrap().rtl());
    assert!(t.get("ar_AR").unwrap().rtl());
    assert_eq!(t.get("xx").unwrap().name(), "Unknown");
    assert!(!t.get("en_GB").unwrap().rtl());
    assert_eq!(t.get("en_GB").unwrap().month_name(13), None);
    assert_eq!(t.get("en_GB").unwrap().month_name(0), None);
}
