#![no_main]
//! Any bytes: `.mo` parsing returns a catalogue or an error, never panics,
//! and lookups in a parsed catalogue (plural rules included) are total.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let limits = tornado_locale::MoLimits::default();
    if let Ok(catalogue) = tornado_locale::GettextTranslations::parse(data, &limits) {
        let mut all = tornado_locale::Translations::new();
        all.insert_gettext("xx", catalogue);
        let locale = all.get("xx").expect("inserted above");
        for n in [-1, 0, 1, 2, 5, 11, 21, 100, i64::MAX] {
            let _ = locale.translate_plural("a", "b", n);
            let _ = locale.pgettext_plural("c", "a", "b", n);
        }
        let _ = locale.translate("");
    }
});
