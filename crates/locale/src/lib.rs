//! Translations and locale-aware formatting of dates, lists and numbers.
//!
//! Mirrors Python's `tornado.locale` (and the locale table of
//! `tornado._locale_data`): translations come from CSV files
//! ([`load_translations`]) or compiled gettext catalogues
//! ([`load_gettext_translations`]); a [`Locale`] translates messages
//! (with plural forms and gettext contexts) and formats dates the way
//! Tornado does ("2 minutes ago", "yesterday at 3:15 pm", "March 3, 2019").
//!
//! The loaded state is a [`Translations`] value. An application can own one
//! and pass it around; the module-level functions ([`get`],
//! [`load_translations`], [`set_default_locale`], …) work on a process-wide
//! default guarded by a lock, as Tornado's module globals are. This crate
//! does no network I/O and needs no event loop; it reads files only when
//! asked to load translations.
//!
//! ```
//! use tornado_locale::{DateTime, FormatDate, Translations, CsvTranslations};
//!
//! let mut app = Translations::new();
//! let csv = "\"%(name)s liked this\",\"A %(name)s le gustó esto\",\"singular\"\n\
//!            \"yesterday at %(time)s\",\"ayer a las %(time)s\"\n";
//! app.insert_csv("es_LA", CsvTranslations::parse(csv, 131_072).unwrap());
//!
//! let es = app.get_closest(["es-LA", "en"]);
//! assert_eq!(es.translate_plural("%(name)s liked this", "%(name)s liked this", 1),
//!            "A %(name)s le gustó esto");
//! let now = DateTime::from_utc(2024, 3, 15, 14, 30, 0).unwrap();
//! let then = DateTime::from_utc(2024, 3, 14, 9, 5, 0).unwrap();
//! assert_eq!(es.format_date_at(then, now, &FormatDate::default()), "ayer a las 9:05");
//!
//! // The process-wide default knows only en_US until something is loaded.
//! assert_eq!(tornado_locale::get(["fr_FR"]).code(), "en_US");
//! ```
//!
//! Thread model: [`Locale`] and [`Translations`] are `Send + Sync` and cheap
//! to clone; the process-wide default sits behind an `RwLock`.

mod csv;
mod date;
mod error;
mod global;
mod locale;
mod mo;
mod names;
mod plural;
mod pyformat;
mod translations;

use std::path::Path;

pub use crate::csv::{CsvEncoding, CsvTranslations};
pub use crate::date::{Civil, DateTime};
pub use crate::error::LocaleError;
pub use crate::locale::{FormatDate, Locale};
pub use crate::mo::{CONTEXT_SEPARATOR, GettextTranslations, MoLimits};
pub use crate::translations::{DEFAULT_LOCALE, DEFAULT_MAX_FIELD_SIZE, LoadOptions, Translations};

/// The closest supported locale for `codes` in the process-wide
/// translations (see [`Translations::get_closest`]). Mirrors
/// `tornado.locale.get(*codes)`.
///
/// ```
/// assert_eq!(tornado_locale::get(["xx", "en_US"]).code(), "en_US");
/// ```
pub fn get<I, S>(codes: I) -> Locale
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    global::read().get_closest(codes)
}

/// Sets the default locale of the process-wide translations. Mirrors
/// `tornado.locale.set_default_locale(code)`.
pub fn set_default_locale(code: &str) {
    global::write().set_default_locale(code);
}

/// Loads CSV translations from `directory` into the process-wide
/// translations (see [`Translations::load_translations`]). Mirrors
/// `tornado.locale.load_translations(directory)`.
pub fn load_translations(directory: impl AsRef<Path>) -> Result<(), LocaleError> {
    load_translations_with(directory, &LoadOptions::default())
}

/// [`load_translations`] with an explicit encoding and limits.
#[doc(alias = "load_translations")]
pub fn load_translations_with(
    directory: impl AsRef<Path>,
    options: &LoadOptions,
) -> Result<(), LocaleError> {
    // Load outside the lock so that readers are not held up by file I/O.
    let mut next = global::read().clone();
    next.load_translations_with(directory, options)?;
    *global::write() = next;
    Ok(())
}

/// Loads gettext catalogues from `directory` into the process-wide
/// translations (see [`Translations::load_gettext_translations`]).
/// Mirrors `tornado.locale.load_gettext_translations(directory, domain)`.
pub fn load_gettext_translations(
    directory: impl AsRef<Path>,
    domain: &str,
) -> Result<(), LocaleError> {
    let mut next = global::read().clone();
    next.load_gettext_translations(directory, domain)?;
    *global::write() = next;
    Ok(())
}

/// The codes supported by the process-wide translations, sorted. Mirrors
/// `tornado.locale.get_supported_locales()`.
pub fn get_supported_locales() -> Vec<String> {
    global::read()
        .supported_locales()
        .map(str::to_owned)
        .collect()
}

/// A copy of the process-wide translations, to hand to an application.
pub fn default_translations() -> Translations {
    global::read().clone()
}

/// Replaces the process-wide translations.
pub fn set_default_translations(translations: Translations) {
    *global::write() = translations;
}

/// The native and English names of a code in Tornado's table of 62
/// locales (`LOCALE_NAMES`), or `None` for another code.
///
/// ```
/// assert_eq!(tornado_locale::locale_name("es_LA"), Some(("Español", "Spanish")));
/// assert_eq!(tornado_locale::locale_names().count(), 62);
/// ```
#[doc(alias = "LOCALE_NAMES")]
pub fn locale_name(code: &str) -> Option<(&'static str, &'static str)> {
    let i = names::LOCALE_NAMES
        .binary_search_by(|row| row.0.cmp(code))
        .ok()?;
    let (_, en, native) = names::LOCALE_NAMES[i];
    Some((native, en))
}

/// Every code of Tornado's locale table with its native and English
/// names, sorted by code (`LOCALE_NAMES`).
#[doc(alias = "LOCALE_NAMES")]
pub fn locale_names() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    names::LOCALE_NAMES
        .iter()
        .map(|&(code, en, native)| (code, native, en))
}
