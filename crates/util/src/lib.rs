//! Small pure helpers shared by the Tornado crates (Python's
//! `tornado.util` holds Tornado's odds and ends in the same way).
//!
//! Today: proleptic-Gregorian calendar arithmetic, which HTTP dates
//! (`tornado-httputil`), locale-aware dates (`tornado-locale`) and log
//! timestamps (`tornado-log`) all need, without a date crate.
//!
//! ```
//! use tornado_util::{civil_from_days, days_from_civil, weekday};
//!
//! let days = days_from_civil(2026, 11, 24);
//! assert_eq!(civil_from_days(days), (2026, 11, 24));
//! assert_eq!(weekday(days), 1); // a Tuesday (Monday = 0)
//! ```

/// Days since 1970-01-01 of a proleptic-Gregorian date (Python's
/// `date.toordinal() - 719163`). The year is shifted to start in March, so
/// that the leap day is the last day of its year and the month lengths
/// follow a fixed pattern.
#[doc(alias = "toordinal")]
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `(year, month, day)` of a day count since 1970-01-01: the inverse of
/// [`days_from_civil`] (Python's `date.fromordinal`).
#[doc(alias = "fromordinal")]
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// The day of the week of a day count since 1970-01-01, Monday = 0
/// (Python's `date.weekday()`).
pub fn weekday(days: i64) -> u32 {
    // 1970-01-01 was a Thursday.
    (days + 3).rem_euclid(7) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(weekday(0), 3);
    }

    proptest! {
        #[test]
        fn round_trip(days in -1_000_000i64..3_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert_eq!(days_from_civil(y, m, d), days);
            prop_assert!((1..=12).contains(&m) && (1..=31).contains(&d));
        }
    }
}
