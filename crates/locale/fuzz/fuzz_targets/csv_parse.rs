#![no_main]
//! Any bytes, decoded as a CSV translations file would be: parsing returns
//! translations or an error, never panics or grows past the field limit.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let encoding = tornado_locale::CsvEncoding::detect(data);
    if let Some(text) = encoding.decode(data) {
        if let Ok(csv) = tornado_locale::CsvTranslations::parse(&text, 4096) {
            let mut all = tornado_locale::Translations::new();
            all.insert_csv("xx", csv);
            let locale = all.get("xx").expect("inserted above");
            let _ = locale.list(&["a", "b", "c"]);
            let _ = locale.translate_plural("a", "b", 2);
        }
    }
});
