//! One locale: its code, names, translations and formatting.

use std::sync::Arc;

use crate::csv::CsvTranslations;
use crate::date::{DateTime, civil_of_micros};
use crate::mo::{CONTEXT_SEPARATOR, GettextTranslations};
use crate::pyformat::{self, Arg};
use crate::{LocaleError, names};

/// Where a locale's translations come from.
#[derive(Debug)]
pub(crate) enum Catalog {
    Csv(CsvTranslations),
    Gettext(GettextTranslations),
}

/// A locale: a code such as `fr_FR`, its names, its translations and the
/// date, list and number formatting built on them.
///
/// Mirrors Tornado's `tornado.locale.Locale` (and its two kinds,
/// `CSVLocale` and `GettextLocale`). Get one from a [`crate::Translations`]
/// value or from the process-wide default with [`Locale::get`] and
/// [`Locale::get_closest`]. Cloning is cheap (one reference count).
///
/// ```
/// use tornado_locale::{DateTime, FormatDate, Translations};
/// let en = Translations::new().get("en_US").unwrap();
/// assert_eq!(en.name(), "English (US)");
/// let now = DateTime::from_utc(2024, 3, 15, 14, 30, 0).unwrap();
/// let then = DateTime::from_utc(2024, 3, 15, 14, 27, 30).unwrap();
/// assert_eq!(en.format_date_at(then, now, &FormatDate::default()), "2 minutes ago");
/// assert_eq!(en.list(&["A", "B", "C"]), "A, B and C");
/// assert_eq!(en.friendly_number(1_000_000), "1,000,000");
/// ```
#[derive(Debug, Clone)]
#[doc(alias = "CSVLocale")]
#[doc(alias = "GettextLocale")]
pub struct Locale {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    code: String,
    name: &'static str,
    name_en: &'static str,
    rtl: bool,
    catalog: Option<Arc<Catalog>>,
    months: [String; 12],
    weekdays: [String; 7],
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Options of [`Locale::format_date`], with Tornado's defaults.
///
/// ```
/// use tornado_locale::FormatDate;
/// let opts = FormatDate::default().gmt_offset(-60).shorter(true);
/// assert!(opts.relative);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[doc(alias = "format_date")]
pub struct FormatDate {
    /// Minutes **west** of UTC: the local time is UTC minus this (Tornado's
    /// `gmt_offset`, default 0; `-60` is UTC+1).
    pub gmt_offset: i32,
    /// Say "2 minutes ago", "yesterday" for recent dates (default true).
    pub relative: bool,
    /// Leave out the time of day where the wording allows (default false).
    pub shorter: bool,
    /// Always give the full "Month D, YYYY at time" form (default false).
    pub full_format: bool,
}

impl Default for FormatDate {
    fn default() -> Self {
        Self {
            gmt_offset: 0,
            relative: true,
            shorter: false,
            full_format: false,
        }
    }
}

impl FormatDate {
    /// Sets [`FormatDate::gmt_offset`].
    pub fn gmt_offset(mut self, minutes_west: i32) -> Self {
        self.gmt_offset = minutes_west;
        self
    }
    /// Sets [`FormatDate::relative`].
    pub fn relative(mut self, relative: bool) -> Self {
        self.relative = relative;
        self
    }
    /// Sets [`FormatDate::shorter`].
    pub fn shorter(mut self, shorter: bool) -> Self {
        self.shorter = shorter;
        self
    }
    /// Sets [`FormatDate::full_format`].
    pub fn full_format(mut self, full_format: bool) -> Self {
        self.full_format = full_format;
        self
    }
}

const MICROS_PER_MINUTE: i64 = 60_000_000;
const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Applies `args` to the translated `template`; a translation that is not
/// a valid format string falls back to the English `english` (Tornado
/// would raise instead).
fn fill(template: &str, english: &str, args: &[(&str, Arg<'_>)]) -> String {
    pyformat::format(template, args)
        .or_else(|_| pyformat::format(english, args))
        .unwrap_or_else(|_| english.to_owned())
}

impl Locale {
    pub(crate) fn new(code: &str, catalog: Option<Arc<Catalog>>) -> Self {
        let (name_en, name) = match names::LOCALE_NAMES.binary_search_by(|row| row.0.cmp(code)) {
            Ok(i) => (names::LOCALE_NAMES[i].1, names::LOCALE_NAMES[i].2),
            Err(_) => ("Unknown", "Unknown"),
        };
        let rtl = ["fa", "ar", "he"].iter().any(|p| code.starts_with(p));
        let mut locale = Self {
            inner: Arc::new(Inner {
                code: code.to_owned(),
                name,
                name_en,
                rtl,
                catalog,
                months: Default::default(),
                weekdays: Default::default(),
            }),
        };
        let months = MONTHS.map(|m| locale.translate(m).to_owned());
        let weekdays = WEEKDAYS.map(|d| locale.translate(d).to_owned());
        if let Some(inner) = Arc::get_mut(&mut locale.inner) {
            inner.months = months;
            inner.weekdays = weekdays;
        }
        locale
    }

    /// Looks `code` up in the process-wide translations; an unsupported
    /// code is an error. Mirrors `Locale.get(code)`.
    pub fn get(code: &str) -> Result<Self, LocaleError> {
        crate::global::read().get(code)
    }

    /// The closest supported locale among `codes` in the process-wide
    /// translations, else the default. Mirrors `Locale.get_closest(*codes)`
    /// and `tornado.locale.get(*codes)`.
    pub fn get_closest<I, S>(codes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        crate::global::read().get_closest(codes)
    }

    /// The code, such as `fr_FR` (Tornado's `code`).
    pub fn code(&self) -> &str {
        &self.inner.code
    }

    /// The name in the locale's own language, `"Unknown"` for a code not
    /// in Tornado's table (Tornado's `name`).
    pub fn name(&self) -> &str {
        self.inner.name
    }

    /// The English name, `"Unknown"` for a code not in Tornado's table
    /// (`LOCALE_NAMES[code]["name_en"]`).
    pub fn name_en(&self) -> &str {
        self.inner.name_en
    }

    /// True for right-to-left languages: codes starting with `fa`, `ar` or
    /// `he` (Tornado's `rtl`).
    pub fn rtl(&self) -> bool {
        self.inner.rtl
    }

    /// True when the translations come from gettext `.mo` files (a
    /// `GettextLocale` in Tornado), false for CSV or no translations.
    pub fn is_gettext(&self) -> bool {
        matches!(self.inner.catalog.as_deref(), Some(Catalog::Gettext(_)))
    }

    /// The translated name of `month` (1 to 12), as used in dates.
    pub fn month_name(&self, month: u32) -> Option<&str> {
        let i = usize::try_from(month).ok()?.checked_sub(1)?;
        self.inner.months.get(i).map(String::as_str)
    }

    /// The translated name of a weekday (Monday = 0 to Sunday = 6).
    pub fn weekday_name(&self, weekday: u32) -> Option<&str> {
        self.inner
            .weekdays
            .get(usize::try_from(weekday).ok()?)
            .map(String::as_str)
    }

    /// The translation of `message`, or `message` itself when there is
    /// none. Mirrors `translate(message)` (Tornado's `_()` in templates).
    #[doc(alias = "_")]
    #[doc(alias = "gettext")]
    pub fn translate<'a>(&'a self, message: &'a str) -> &'a str {
        match self.inner.catalog.as_deref() {
            None => message,
            Some(Catalog::Csv(c)) => c.translate(message, None),
            Some(Catalog::Gettext(g)) => g.gettext(message),
        }
    }

    /// The singular or plural translation for `count`. Untranslated, the
    /// result is `message` when `count == 1` and `plural_message`
    /// otherwise; translated by gettext, the catalogue's plural rule picks
    /// the form. Mirrors `translate(message, plural_message, count)`.
    #[doc(alias = "translate")]
    #[doc(alias = "ngettext")]
    pub fn translate_plural<'a>(
        &'a self,
        message: &'a str,
        plural_message: &'a str,
        count: i64,
    ) -> &'a str {
        match self.inner.catalog.as_deref() {
            None if count == 1 => message,
            None => plural_message,
            Some(Catalog::Csv(c)) => c.translate(message, Some((plural_message, count))),
            Some(Catalog::Gettext(g)) => g.ngettext(message, plural_message, count),
        }
    }

    /// The translation of `message` in `context`, falling back to the
    /// context-free translation. CSV translations have no contexts: the
    /// context is ignored (with a warning on `tornado.general` when the
    /// locale has translations, as in Tornado). Mirrors
    /// `pgettext(context, message)`.
    pub fn pgettext<'a>(&'a self, context: &str, message: &'a str) -> &'a str {
        match self.inner.catalog.as_deref() {
            Some(Catalog::Gettext(g)) => {
                let key = format!("{context}{CONTEXT_SEPARATOR}{message}");
                match g.lookup(&key) {
                    Some(t) if !t.contains(CONTEXT_SEPARATOR) => t,
                    _ => message,
                }
            }
            other => {
                warn_csv_context(other);
                self.translate(message)
            }
        }
    }

    /// [`Locale::pgettext`] with a plural form for `count`. Mirrors
    /// `pgettext(context, message, plural_message, count)`.
    #[doc(alias = "pgettext")]
    #[doc(alias = "npgettext")]
    pub fn pgettext_plural<'a>(
        &'a self,
        context: &str,
        message: &'a str,
        plural_message: &'a str,
        count: i64,
    ) -> &'a str {
        match self.inner.catalog.as_deref() {
            Some(Catalog::Gettext(g)) => {
                let key = format!("{context}{CONTEXT_SEPARATOR}{message}");
                match g.lookup_plural(&key, count) {
                    Some(t) if !t.contains(CONTEXT_SEPARATOR) => t,
                    _ => g.ngettext(message, plural_message, count),
                }
            }
            other => {
                warn_csv_context(other);
                self.translate_plural(message, plural_message, count)
            }
        }
    }

    /// Formats `date` relative to the current time. See
    /// [`Locale::format_date_at`], which takes "now" as a parameter.
    pub fn format_date(&self, date: DateTime, options: &FormatDate) -> String {
        self.format_date_at(date, DateTime::now(), options)
    }

    /// Formats `date` as seen at `now`: "2 minutes ago", "yesterday at
    /// 3:15 pm", "Monday at 9:00 am", "March 3 at …", "March 3, 2019 at …".
    ///
    /// Mirrors `format_date(date, gmt_offset, relative, shorter,
    /// full_format)` with Tornado's rules: under 50 seconds counts seconds,
    /// under 50 minutes counts minutes, then hours (all rounded half to
    /// even, as Python's `round`), while less than a day has passed;
    /// "yesterday" only when the local calendar day is yesterday's; the
    /// weekday under 5 days; the month and day under 334 days; then the
    /// full date. Dates in the future use the full date, except that in
    /// relative mode dates less than 60 seconds ahead count as now. The
    /// time is `h:mm am/pm` for `en` and `en_US`, `上午/下午h:mm` for
    /// `zh_CN` and `H:MM` elsewhere.
    #[doc(alias = "format_date")]
    pub fn format_date_at(&self, date: DateTime, now: DateTime, options: &FormatDate) -> String {
        let mut date = date.unix_micros();
        let now = now.unix_micros();
        let mut full_format = options.full_format;
        if date > now {
            if options.relative && date - now < 60_000_000 {
                date = now;
            } else {
                full_format = true;
            }
        }
        let offset = i64::from(options.gmt_offset) * MICROS_PER_MINUTE;
        let local_date = civil_of_micros(date - offset);
        let local_yesterday = civil_of_micros(now - offset - MICROS_PER_DAY);
        let difference = now - date;
        let days = difference.div_euclid(MICROS_PER_DAY);
        let seconds = difference.rem_euclid(MICROS_PER_DAY) / 1_000_000;

        let pick =
            |short: &'static str, long: &'static str| if options.shorter { short } else { long };
        let mut format: Option<&'static str> = None;
        if !full_format {
            if options.relative && days == 0 {
                let (one, many, key, n) = if seconds < 50 {
                    (
                        "1 second ago",
                        "%(seconds)d seconds ago",
                        "seconds",
                        seconds,
                    )
                } else if seconds < 50 * 60 {
                    // Python's round(): half to even (150 s is "2 minutes").
                    let minutes = (seconds as f64 / 60.0).round_ties_even() as i64;
                    (
                        "1 minute ago",
                        "%(minutes)d minutes ago",
                        "minutes",
                        minutes,
                    )
                } else {
                    let hours = (seconds as f64 / 3600.0).round_ties_even() as i64;
                    ("1 hour ago", "%(hours)d hours ago", "hours", hours)
                };
                let english = if n == 1 { one } else { many };
                return fill(
                    self.translate_plural(one, many, n),
                    english,
                    &[(key, Arg::Int(n))],
                );
            }
            format = if days == 0 {
                Some("%(time)s")
            } else if days == 1 && local_date.day == local_yesterday.day && options.relative {
                Some(pick("yesterday", "yesterday at %(time)s"))
            } else if days < 5 {
                Some(pick("%(weekday)s", "%(weekday)s at %(time)s"))
            } else if days < 334 {
                // About 11 months: "March 3" of last year would be confusing.
                Some(pick(
                    "%(month_name)s %(day)s",
                    "%(month_name)s %(day)s at %(time)s",
                ))
            } else {
                None
            };
        }
        let english = format.unwrap_or_else(|| {
            pick(
                "%(month_name)s %(day)s, %(year)s",
                "%(month_name)s %(day)s, %(year)s at %(time)s",
            )
        });
        let template = self.translate(english);

        let hour12 = if local_date.hour % 12 == 0 {
            12
        } else {
            local_date.hour % 12
        };
        let time = match self.code() {
            "en" | "en_US" => {
                format!(
                    "{hour12}:{:02} {}",
                    local_date.minute,
                    if local_date.hour >= 12 { "pm" } else { "am" }
                )
            }
            "zh_CN" => {
                let half = if local_date.hour >= 12 {
                    "\u{4e0b}\u{5348}"
                } else {
                    "\u{4e0a}\u{5348}"
                };
                format!("{half}{hour12}:{:02}", local_date.minute)
            }
            _ => format!("{}:{:02}", local_date.hour, local_date.minute),
        };
        let day = local_date.day.to_string();
        let year = local_date.year.to_string();
        let args = [
            (
                "month_name",
                Arg::Str(&self.inner.months[(local_date.month - 1) as usize]),
            ),
            (
                "weekday",
                Arg::Str(&self.inner.weekdays[local_date.weekday as usize]),
            ),
            ("day", Arg::Str(&day)),
            ("year", Arg::Str(&year)),
            ("time", Arg::Str(&time)),
        ];
        fill(template, english, &args)
    }

    /// Formats the day of `date`: "Monday, January 22", or "January 22"
    /// without the day of the week. `gmt_offset` is in minutes west of UTC.
    /// Mirrors `format_day(date, gmt_offset, dow)`.
    pub fn format_day(&self, date: DateTime, gmt_offset: i32, dow: bool) -> String {
        let local = civil_of_micros(date.unix_micros() - i64::from(gmt_offset) * MICROS_PER_MINUTE);
        let day = local.day.to_string();
        let args = [
            (
                "month_name",
                Arg::Str(&self.inner.months[(local.month - 1) as usize]),
            ),
            (
                "weekday",
                Arg::Str(&self.inner.weekdays[local.weekday as usize]),
            ),
            ("day", Arg::Str(&day)),
        ];
        let english = if dow {
            "%(weekday)s, %(month_name)s %(day)s"
        } else {
            "%(month_name)s %(day)s"
        };
        fill(self.translate(english), english, &args)
    }

    /// Joins `parts` as "A, B and C" ("A and B", "A", or "" for none).
    /// Farsi codes (`fa…`) join with " و "; the final "and" goes through
    /// translation. Mirrors `list(parts)`.
    pub fn list<S: AsRef<str>>(&self, parts: &[S]) -> String {
        match parts {
            [] => String::new(),
            [one] => one.as_ref().to_owned(),
            [init @ .., last] => {
                let comma = if self.code().starts_with("fa") {
                    " \u{0648} "
                } else {
                    ", "
                };
                let commas = init
                    .iter()
                    .map(AsRef::as_ref)
                    .collect::<Vec<_>>()
                    .join(comma);
                let english = "%(commas)s and %(last)s";
                fill(
                    self.translate(english),
                    english,
                    &[
                        ("commas", Arg::Str(&commas)),
                        ("last", Arg::Str(last.as_ref())),
                    ],
                )
            }
        }
    }

    /// `value` with commas between groups of three digits for `en` and
    /// `en_US` (`1,000,000`), unchanged for other locales. Mirrors
    /// `friendly_number(value)`, including its grouping of the sign
    /// (`-100` gives `-,100`).
    pub fn friendly_number(&self, value: impl Into<i128>) -> String {
        let value = value.into();
        match self.code() {
            "en" | "en_US" => pyformat::group_thousands(value),
            _ => value.to_string(),
        }
    }
}

fn warn_csv_context(catalog: Option<&Catalog>) {
    if let Some(Catalog::Csv(c)) = catalog {
        if !c.is_empty() {
            log::warn!(target: "tornado.general", "pgettext is not supported by CSVLocale");
        }
    }
}
