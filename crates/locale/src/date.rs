//! A UTC instant with microsecond resolution and the civil-calendar
//! arithmetic `format_date` needs.
//!
//! Hand-written rather than borrowed from a date crate: the only operations
//! needed are "days since the epoch to year/month/day" and back, which are
//! a dozen lines (the well-known proleptic-Gregorian day-count formulas),
//! and no time-zone database is involved (Tornado takes a fixed
//! `gmt_offset`).

use std::time::{SystemTime, UNIX_EPOCH};

use tornado_util::{civil_from_days, days_from_civil, weekday};

use crate::LocaleError;

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// Days from 1970-01-01 to 0001-01-01 (negative) and to 10000-01-01.
const MIN_DAYS: i64 = -719_162;
const MAX_DAYS_EXCLUSIVE: i64 = 2_932_897;

/// A point in time, in UTC, with microsecond resolution: the dates that
/// `Locale::format_date` and `Locale::format_day` accept.
///
/// Tornado takes a Unix timestamp or a `datetime.datetime` (naive ones are
/// taken as UTC, aware ones are converted). Build one with
/// [`DateTime::from_timestamp`] or [`DateTime::from_utc`]. The range is
/// Python's: years 1 to 9999.
///
/// ```
/// use tornado_locale::DateTime;
/// let d = DateTime::from_utc(2013, 4, 28, 18, 35, 0).unwrap();
/// assert_eq!(d.unix_micros(), 1_367_174_100_000_000);
/// assert_eq!(DateTime::from_timestamp(1_367_174_100.0).unwrap(), d);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[doc(alias = "datetime")]
pub struct DateTime {
    micros: i64,
}

/// The calendar fields of a [`DateTime`] (proleptic Gregorian calendar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Civil {
    /// Year, 1 to 9999 for dates in range.
    pub year: i64,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, 1 to 31.
    pub day: u32,
    /// Hour, 0 to 23.
    pub hour: u32,
    /// Minute, 0 to 59.
    pub minute: u32,
    /// Second, 0 to 59.
    pub second: u32,
    /// Microsecond, 0 to 999,999.
    pub microsecond: u32,
    /// Day of the week, Monday = 0 to Sunday = 6 (Python's `weekday()`).
    pub weekday: u32,
}

impl DateTime {
    /// The instant `micros` microseconds after the Unix epoch.
    ///
    /// Fails outside the years 1 to 9999.
    pub fn from_unix_micros(micros: i64) -> Result<Self, LocaleError> {
        let days = micros.div_euclid(MICROS_PER_DAY);
        if (MIN_DAYS..MAX_DAYS_EXCLUSIVE).contains(&days) {
            Ok(Self { micros })
        } else {
            Err(LocaleError::DateOutOfRange)
        }
    }

    /// A Unix timestamp in seconds, rounded to the microsecond half to even
    /// as Python's `datetime.fromtimestamp` does.
    #[doc(alias = "fromtimestamp")]
    pub fn from_timestamp(seconds: f64) -> Result<Self, LocaleError> {
        if !seconds.is_finite() || seconds.abs() > 1e12 {
            return Err(LocaleError::DateOutOfRange);
        }
        let whole = seconds.trunc();
        let frac_micros = ((seconds - whole) * 1e6).round_ties_even();
        // Both parts are bounded by the check above, so the casts are exact.
        Self::from_unix_micros(whole as i64 * MICROS_PER_SECOND + frac_micros as i64)
    }

    /// A UTC calendar date and time (a naive `datetime` in Tornado).
    ///
    /// Fails when a field is out of its range (February 30, hour 24) or the
    /// year is outside 1 to 9999.
    pub fn from_utc(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    ) -> Result<Self, LocaleError> {
        Self::from_utc_micro(year, month, day, hour, minute, second, 0)
    }

    /// Like [`DateTime::from_utc`], with microseconds.
    pub fn from_utc_micro(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        microsecond: u32,
    ) -> Result<Self, LocaleError> {
        if !(1..=9999).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
            || microsecond > 999_999
        {
            return Err(LocaleError::DateOutOfRange);
        }
        let days = days_from_civil(year, month, day);
        let secs = i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
        Self::from_unix_micros(
            days * MICROS_PER_DAY + secs * MICROS_PER_SECOND + i64::from(microsecond),
        )
    }

    /// The current time from the system clock.
    pub fn now() -> Self {
        let micros = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_micros()).unwrap_or(i64::MAX),
        };
        let clamped = micros.clamp(
            MIN_DAYS * MICROS_PER_DAY,
            MAX_DAYS_EXCLUSIVE * MICROS_PER_DAY - 1,
        );
        Self { micros: clamped }
    }

    /// Microseconds since the Unix epoch.
    pub fn unix_micros(self) -> i64 {
        self.micros
    }

    /// This instant shifted by `micros` (negative to go back), or an error
    /// when the result leaves the years 1 to 9999.
    pub fn checked_add_micros(self, micros: i64) -> Result<Self, LocaleError> {
        let sum = self
            .micros
            .checked_add(micros)
            .ok_or(LocaleError::DateOutOfRange)?;
        Self::from_unix_micros(sum)
    }

    /// The calendar fields of this instant in UTC.
    pub fn civil(self) -> Civil {
        civil_of_micros(self.micros)
    }
}

/// The calendar fields of any microsecond count (also outside 1..=9999,
/// which local times near the ends of the range can reach).
pub(crate) fn civil_of_micros(micros: i64) -> Civil {
    let days = micros.div_euclid(MICROS_PER_DAY);
    let rest = micros.rem_euclid(MICROS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let secs = rest / MICROS_PER_SECOND;
    // All of these are bounded by the day length, so the casts are exact.
    Civil {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        minute: (secs / 60 % 60) as u32,
        second: (secs % 60) as u32,
        microsecond: (rest % MICROS_PER_SECOND) as u32,
        // 1970-01-01 was a Thursday (3 when Monday is 0).
        weekday: weekday(days),
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(1, 1, 1), MIN_DAYS);
        assert_eq!(days_from_civil(10000, 1, 1), MAX_DAYS_EXCLUSIVE);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        let c = DateTime::from_utc(2013, 4, 28, 18, 35, 0).unwrap().civil();
        assert_eq!((c.weekday, c.hour, c.minute), (6, 18, 35)); // a Sunday
    }

    #[test]
    fn range_is_enforced() {
        assert!(DateTime::from_utc(0, 1, 1, 0, 0, 0).is_err());
        assert!(DateTime::from_utc(2023, 2, 29, 0, 0, 0).is_err());
        assert!(DateTime::from_utc(2024, 2, 29, 0, 0, 0).is_ok());
        assert!(DateTime::from_timestamp(f64::NAN).is_err());
        assert!(DateTime::from_timestamp(1e300).is_err());
        assert!(DateTime::from_unix_micros(i64::MAX).is_err());
    }

    #[test]
    fn timestamps_round_half_even_to_the_microsecond() {
        assert_eq!(
            DateTime::from_timestamp(0.75).unwrap().unix_micros(),
            750_000
        );
        assert_eq!(
            DateTime::from_timestamp(-1.5).unwrap().unix_micros(),
            -1_500_000
        );
    }
}
