//! The set of loaded translations: one value per application, or the
//! process-wide default behind the module-level functions.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use crate::LocaleError;
use crate::csv::{CsvEncoding, CsvTranslations};
use crate::locale::{Catalog, Locale};
use crate::mo::{GettextTranslations, MoLimits};

/// Tornado's default locale, `en_US`.
#[doc(alias = "_default_locale")]
pub const DEFAULT_LOCALE: &str = "en_US";

/// Python's `csv.field_size_limit()` default: 131,072 characters.
#[doc(alias = "field_size_limit")]
pub const DEFAULT_MAX_FIELD_SIZE: usize = 131_072;

/// How translation files are read.
///
/// ```
/// use tornado_locale::{CsvEncoding, LoadOptions};
/// let opts = LoadOptions::default().encoding(CsvEncoding::Utf16);
/// assert_eq!(opts.max_field_size, 131_072);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[doc(alias = "encoding")]
pub struct LoadOptions {
    /// The encoding of CSV files; `None` (the default) detects it from the
    /// byte-order mark, as Tornado's `load_translations(encoding=None)`.
    pub encoding: Option<CsvEncoding>,
    /// The longest CSV cell, in characters (Python's
    /// `csv.field_size_limit()`, default 131,072). A longer cell fails the
    /// load instead of growing memory.
    pub max_field_size: usize,
    /// Limits for `.mo` files.
    pub mo: MoLimits,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            encoding: None,
            max_field_size: DEFAULT_MAX_FIELD_SIZE,
            mo: MoLimits::default(),
        }
    }
}

impl LoadOptions {
    /// Sets [`LoadOptions::encoding`].
    pub fn encoding(mut self, encoding: CsvEncoding) -> Self {
        self.encoding = Some(encoding);
        self
    }
    /// Sets [`LoadOptions::max_field_size`].
    pub fn max_field_size(mut self, chars: usize) -> Self {
        self.max_field_size = chars;
        self
    }
    /// Sets [`LoadOptions::mo`].
    pub fn mo_limits(mut self, limits: MoLimits) -> Self {
        self.mo = limits;
        self
    }
}

/// Loaded translations and the default locale: which locales are
/// supported and what each one says.
///
/// Tornado keeps this state in module globals (`_translations`,
/// `_supported_locales`, `_default_locale`); here it is a value, so that an
/// application can own its own and two applications in one process do not
/// share translations by accident. The module-level functions of this
/// crate ([`crate::load_translations`], [`crate::get`], …) work on one
/// process-wide value of this type.
///
/// ```
/// use tornado_locale::{CsvTranslations, Translations};
/// let mut t = Translations::new();
/// t.insert_csv("es_LA", CsvTranslations::parse("\"Sign out\",\"Salir\"\n", 1024).unwrap());
/// let es = t.get_closest(["es-la"]);
/// assert_eq!(es.code(), "es_LA");
/// assert_eq!(es.translate("Sign out"), "Salir");
/// assert_eq!(t.get_closest(["de"]).code(), "en_US");
/// assert!(t.get("de_DE").is_err());
/// ```
#[derive(Debug, Clone)]
#[doc(alias = "_translations")]
#[doc(alias = "_supported_locales")]
pub struct Translations {
    default_code: String,
    catalogs: BTreeMap<String, Arc<Catalog>>,
    /// One ready-made locale per supported code.
    locales: BTreeMap<String, Locale>,
}

impl Default for Translations {
    fn default() -> Self {
        Self::new()
    }
}

/// Tornado's test for a CSV file name: `[a-z]+(_[A-Z]+)?`.
fn is_csv_locale_name(code: &str) -> bool {
    let (lang, region) = match code.split_once('_') {
        Some((l, r)) => (l, Some(r)),
        None => (code, None),
    };
    !lang.is_empty()
        && lang.bytes().all(|b| b.is_ascii_lowercase())
        && region.is_none_or(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_uppercase()))
}

fn sorted_entries(dir: &Path) -> Result<Vec<String>, LocaleError> {
    let io = |source| LocaleError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(io)? {
        if let Some(name) = entry.map_err(io)?.file_name().to_str() {
            names.push(name.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

impl Translations {
    /// No translations: only the default locale, `en_US`, is supported.
    pub fn new() -> Self {
        let mut t = Self {
            default_code: DEFAULT_LOCALE.to_owned(),
            catalogs: BTreeMap::new(),
            locales: BTreeMap::new(),
        };
        t.rebuild();
        t
    }

    fn rebuild(&mut self) {
        let mut locales = BTreeMap::new();
        let codes = self
            .catalogs
            .keys()
            .chain(std::iter::once(&self.default_code));
        for code in codes {
            locales.insert(
                code.clone(),
                Locale::new(code, self.catalogs.get(code).cloned()),
            );
        }
        self.locales = locales;
        log::debug!(target: "tornado.general", "Supported locales: {:?}", self.locales.keys().collect::<Vec<_>>());
    }

    /// Replaces the translations with the CSV files of `directory`, with
    /// the encoding detected from each file's byte-order mark. Mirrors
    /// `load_translations(directory)`.
    ///
    /// Files are named `<code>.csv` with a code such as `es` or `es_LA`;
    /// other names are skipped with an error log, as Tornado does. A file
    /// that cannot be read or decoded fails the whole load and leaves the
    /// current translations in place.
    pub fn load_translations(&mut self, directory: impl AsRef<Path>) -> Result<(), LocaleError> {
        self.load_translations_with(directory, &LoadOptions::default())
    }

    /// [`Translations::load_translations`] with explicit options (Tornado's
    /// `encoding` argument, and limits).
    #[doc(alias = "load_translations")]
    pub fn load_translations_with(
        &mut self,
        directory: impl AsRef<Path>,
        options: &LoadOptions,
    ) -> Result<(), LocaleError> {
        let dir = directory.as_ref();
        let mut catalogs = BTreeMap::new();
        for name in sorted_entries(dir)? {
            let Some(code) = name.strip_suffix(".csv") else {
                continue;
            };
            let path = dir.join(&name);
            if !is_csv_locale_name(code) {
                log::error!(target: "tornado.general", "Unrecognized locale {code:?} (path: {})", path.display());
                continue;
            }
            let bytes = fs::read(&path).map_err(|source| LocaleError::Io {
                path: path.clone(),
                source,
            })?;
            let encoding = options
                .encoding
                .unwrap_or_else(|| CsvEncoding::detect(&bytes));
            let text = encoding.decode(&bytes).ok_or_else(|| LocaleError::Decode {
                path: path.clone(),
                encoding: encoding.name(),
            })?;
            let parsed = CsvTranslations::parse(&text, options.max_field_size)?;
            catalogs.insert(code.to_owned(), Arc::new(Catalog::Csv(parsed)));
        }
        self.catalogs = catalogs;
        self.rebuild();
        Ok(())
    }

    /// Replaces the translations with the gettext catalogues
    /// `directory/<code>/LC_MESSAGES/<domain>.mo`. Mirrors
    /// `load_gettext_translations(directory, domain)`.
    ///
    /// A catalogue that cannot be read or parsed is skipped with an error
    /// log ("Cannot load translation for …"), as Tornado does; a
    /// language-only catalogue (`fr`) backs up a territory one (`fr_FR`).
    /// Only an unreadable `directory` is an error.
    pub fn load_gettext_translations(
        &mut self,
        directory: impl AsRef<Path>,
        domain: &str,
    ) -> Result<(), LocaleError> {
        self.load_gettext_translations_with(directory, domain, &LoadOptions::default())
    }

    /// [`Translations::load_gettext_translations`] with explicit limits.
    #[doc(alias = "load_gettext_translations")]
    pub fn load_gettext_translations_with(
        &mut self,
        directory: impl AsRef<Path>,
        domain: &str,
        options: &LoadOptions,
    ) -> Result<(), LocaleError> {
        let dir = directory.as_ref();
        let mut parsed = BTreeMap::new();
        for lang in sorted_entries(dir)? {
            if lang.starts_with('.') {
                continue;
            }
            let path = dir
                .join(&lang)
                .join("LC_MESSAGES")
                .join(format!("{domain}.mo"));
            if !path.is_file() {
                continue;
            }
            let loaded = fs::read(&path)
                .map_err(|source| LocaleError::Io {
                    path: path.clone(),
                    source,
                })
                .and_then(|bytes| GettextTranslations::parse(&bytes, &options.mo));
            match loaded {
                Ok(t) => {
                    parsed.insert(lang, t);
                }
                Err(e) => {
                    log::error!(target: "tornado.general", "Cannot load translation for '{lang}': {e}")
                }
            }
        }
        let mut catalogs = BTreeMap::new();
        for (lang, catalog) in &parsed {
            let mut catalog = catalog.clone();
            let language = lang.split(['_', '.', '@']).next().unwrap_or(lang);
            if language != lang {
                if let Some(base) = parsed.get(language) {
                    catalog.set_fallback(base.clone());
                }
            }
            catalogs.insert(lang.clone(), Arc::new(Catalog::Gettext(catalog)));
        }
        self.catalogs = catalogs;
        self.rebuild();
        Ok(())
    }

    /// Adds (or replaces) the CSV translations of one locale, making it
    /// supported.
    pub fn insert_csv(&mut self, code: &str, translations: CsvTranslations) {
        self.catalogs
            .insert(code.to_owned(), Arc::new(Catalog::Csv(translations)));
        self.rebuild();
    }

    /// Adds (or replaces) the gettext translations of one locale, making
    /// it supported.
    pub fn insert_gettext(&mut self, code: &str, translations: GettextTranslations) {
        self.catalogs
            .insert(code.to_owned(), Arc::new(Catalog::Gettext(translations)));
        self.rebuild();
    }

    /// Sets the default locale: the language of the messages in the code,
    /// always supported, and the answer of `get_closest` when nothing
    /// matches. Mirrors `set_default_locale(code)`.
    pub fn set_default_locale(&mut self, code: &str) {
        self.default_code = code.to_owned();
        self.rebuild();
    }

    /// The default locale's code (`en_US` unless changed).
    pub fn default_locale(&self) -> &str {
        &self.default_code
    }

    /// The supported codes, sorted: every loaded locale plus the default.
    /// Mirrors `get_supported_locales()`.
    #[doc(alias = "get_supported_locales")]
    pub fn supported_locales(&self) -> impl Iterator<Item = &str> {
        self.locales.keys().map(String::as_str)
    }

    /// True when `code` is supported (exactly, no fallback).
    pub fn is_supported(&self, code: &str) -> bool {
        self.locales.contains_key(code)
    }

    /// The locale for exactly `code`, or an error when it is not supported.
    /// Mirrors `Locale.get(code)` (an `AssertionError` in Tornado).
    pub fn get(&self, code: &str) -> Result<Locale, LocaleError> {
        self.locales
            .get(code)
            .cloned()
            .ok_or_else(|| LocaleError::Unsupported {
                code: code.to_owned(),
            })
    }

    /// The closest supported locale for `codes`, tried in order: each code
    /// (with `-` read as `_`; `xx_yy` normalised to `xx_YY`; codes of more
    /// than two parts and empty codes skipped) matches exactly or by its
    /// lower-cased language; when none matches, the default locale.
    /// Mirrors `Locale.get_closest(*codes)` and `tornado.locale.get(*codes)`.
    pub fn get_closest<I, S>(&self, codes: I) -> Locale
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for code in codes {
            let code = code.as_ref();
            if code.is_empty() {
                continue;
            }
            let code = code.replace('-', "_");
            let parts: Vec<&str> = code.split('_').collect();
            let exact = match parts.as_slice() {
                [_] => code.clone(),
                [lang, region] => format!("{}_{}", lang.to_lowercase(), region.to_uppercase()),
                _ => continue,
            };
            if let Some(l) = self.locales.get(&exact) {
                return l.clone();
            }
            if let Some(l) = self.locales.get(&parts[0].to_lowercase()) {
                return l.clone();
            }
        }
        self.locales
            .get(&self.default_code)
            .cloned()
            .unwrap_or_else(|| Locale::new(&self.default_code, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_file_names() {
        for good in ["fr", "fr_FR", "es_LA", "zh_CN", "abc_DEFG"] {
            assert!(is_csv_locale_name(good), "{good}");
        }
        for bad in [
            "", "xx-YY", "FR", "fr_fr", "fr_", "_FR", "fr_FR_X", "fr.x", "é",
        ] {
            assert!(!is_csv_locale_name(bad), "{bad}");
        }
    }
}
