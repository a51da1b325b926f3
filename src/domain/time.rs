//! Reference time: the as-of date D, its time zone, and the window conventions every relative
//! condition follows.
//!
//! Conventions (also stated in the README):
//! - D means the *end* of that day in the configured zone; data after it does not exist for a
//!   query run "as of D".
//! - "in the last N days" = occurred after the end of day D − N (the N days ending with D);
//!   "in the last N months" = after the end of day D − N calendar months.
//! - "more than N days ago" = on or before the end of day D − N: the exact complement.
//!
//! Instants are Unix epoch seconds (`i64`); plain dates (signup date, date attributes) are day
//! numbers since 1970-01-01, so they never depend on a zone.

use chrono::{Datelike, Days, Months, NaiveDate, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Seconds in a day, for day arithmetic on instants.
pub const DAY_SECS: i64 = 86_400;

/// A calendar unit a relative window is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Days,
    Weeks,
    Months,
    Years,
}

impl Unit {
    /// Singular/plural word for explanations.
    pub fn word(self, n: u32) -> &'static str {
        match (self, n == 1) {
            (Unit::Days, true) => "day",
            (Unit::Days, false) => "days",
            (Unit::Weeks, true) => "week",
            (Unit::Weeks, false) => "weeks",
            (Unit::Months, true) => "month",
            (Unit::Months, false) => "months",
            (Unit::Years, true) => "year",
            (Unit::Years, false) => "years",
        }
    }
}

/// The moment every relative condition is measured from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AsOf {
    date: NaiveDate,
    tz: Tz,
}

/// A relative window resolved to concrete bounds: `(after, until]` as instants, and the first
/// included day for plain-date fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Exclusive lower bound (epoch seconds): the end of day D − N.
    pub after: i64,
    /// Inclusive upper bound (epoch seconds): the end of day D.
    pub until: i64,
    /// Last excluded day number (D − N) for plain-date fields.
    pub after_day: i64,
    /// Day number of D.
    pub until_day: i64,
}

impl AsOf {
    pub fn new(date: NaiveDate, tz: Tz) -> Self {
        Self { date, tz }
    }

    /// Parse `YYYY-MM-DD` and an IANA zone name.
    pub fn parse(date: &str, tz: &str) -> Result<Self, String> {
        let date = parse_date(date)?;
        // Windows, backtests and "N years ago" do calendar arithmetic around the as-of date: far
        // from today it would leave chrono's range (a panic) long before it meant anything.
        if !(1900..=9999).contains(&date.year()) {
            return Err(format!(
                "as-of date `{date}` is out of range: use a date between 1900-01-01 and 9999-12-31"
            ));
        }
        let tz: Tz = tz.parse().map_err(|_| {
            format!("unknown time zone `{tz}` (use an IANA name such as Europe/Paris)")
        })?;
        Ok(Self { date, tz })
    }

    /// Today in the given zone.
    pub fn today(tz: Tz) -> Self {
        let date = chrono::Utc::now().with_timezone(&tz).date_naive();
        Self { date, tz }
    }

    pub fn date(&self) -> NaiveDate {
        self.date
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// Start of a calendar day in the zone, as epoch seconds.
    pub fn day_start(&self, day: NaiveDate) -> i64 {
        let naive = day.and_hms_opt(0, 0, 0).expect("midnight exists");
        // Zones that skip midnight (DST) take the earliest valid instant after it.
        match self.tz.from_local_datetime(&naive) {
            chrono::LocalResult::Single(t) => t.timestamp(),
            chrono::LocalResult::Ambiguous(a, _) => a.timestamp(),
            chrono::LocalResult::None => self.tz.from_utc_datetime(&naive).timestamp(),
        }
    }

    /// End of day D (exclusive instant = start of D + 1).
    pub fn end(&self) -> i64 {
        self.day_start(self.date + Days::new(1))
    }

    /// Day number of D.
    pub fn day(&self) -> i64 {
        day_number(self.date)
    }

    /// The day D − N units (calendar arithmetic for months and years).
    pub fn minus(&self, n: u32, unit: Unit) -> NaiveDate {
        let d = self.date;
        match unit {
            Unit::Days => d - Days::new(u64::from(n)),
            Unit::Weeks => d - Days::new(7 * u64::from(n)),
            Unit::Months => d
                .checked_sub_months(Months::new(n))
                .unwrap_or(NaiveDate::MIN),
            Unit::Years => d
                .checked_sub_months(Months::new(n.saturating_mul(12)))
                .unwrap_or(NaiveDate::MIN),
        }
    }

    /// "In the last N units": after the end of day D − N, up to the end of D.
    pub fn last(&self, n: u32, unit: Unit) -> Window {
        let cut = self.minus(n, unit);
        Window {
            after: self.day_start(cut + Days::new(1)),
            until: self.end(),
            after_day: day_number(cut),
            until_day: self.day(),
        }
    }

    /// Human form of a window, e.g. `2026-10-24 00:00 → 2026-11-22 24:00 UTC`.
    pub fn describe_window(&self, w: &Window) -> String {
        let from = date_of_day(w.after_day + 1);
        format!(
            "{} 00:00 → {} 24:00 {}",
            from,
            date_of_day(w.until_day),
            self.tz.name()
        )
    }
}

/// Days since 1970-01-01.
pub fn day_number(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce()) - 719_163
}

/// The date of a day number.
pub fn date_of_day(n: i64) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt((n + 719_163) as i32).unwrap_or(NaiveDate::MIN)
}

/// Parse a `YYYY-MM-DD` date with a readable error.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date in the form YYYY-MM-DD"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(d: &str) -> AsOf {
        AsOf::parse(d, "UTC").unwrap()
    }

    #[test]
    fn an_extreme_as_of_is_refused_not_a_panic() {
        for d in ["+262142-12-31", "-262143-01-01", "0001-01-01", "1899-12-31"] {
            assert!(
                AsOf::parse(d, "UTC").unwrap_err().contains("out of range")
                    || AsOf::parse(d, "UTC").is_err(),
                "{d}"
            );
        }
        assert!(AsOf::parse("9999-12-31", "UTC").is_ok());
    }

    #[test]
    fn last_30_days_is_the_30_days_ending_with_d() {
        let a = utc("2026-11-22");
        let w = a.last(30, Unit::Days);
        assert_eq!(
            a.describe_window(&w),
            "2026-10-24 00:00 → 2026-11-22 24:00 UTC"
        );
        assert_eq!(w.until - w.after, 30 * DAY_SECS);
    }

    #[test]
    fn months_are_calendar_months() {
        let a = utc("2026-03-31");
        assert_eq!(
            a.minus(1, Unit::Months),
            NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()
        );
    }

    #[test]
    fn day_numbers_round_trip() {
        let d = NaiveDate::from_ymd_opt(1998, 6, 30).unwrap();
        assert_eq!(date_of_day(day_number(d)), d);
        assert_eq!(day_number(NaiveDate::from_ymd_opt(1970, 1, 2).unwrap()), 1);
    }

    #[test]
    fn end_of_day_respects_the_zone() {
        let a = AsOf::parse("2026-07-01", "Europe/Paris").unwrap();
        // Paris is UTC+2 in summer: the day ends at 22:00 UTC.
        assert_eq!(
            a.end(),
            AsOf::parse("2026-07-01", "UTC").unwrap().end() + 22 * 3600 - 24 * 3600
        );
    }
}
