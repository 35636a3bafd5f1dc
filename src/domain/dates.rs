//! Calendar arithmetic for memberships. Month and year steps clamp to the last day of the target month
//! (Jan 31 + 1 month = Feb 28 or 29) and never overflow into the next month, unlike PHP's `strtotime`
//! that CiviCRM relies on.

use chrono::{Datelike, Duration, NaiveDate};

use super::FieldError;

/// The earliest date the API accepts or produces.
pub const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(1800, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
/// The latest date the API accepts or produces. Far beyond any membership, yet four-digit years keep
/// every date in the `YYYY-MM-DD` form on both databases.
pub const LATEST: NaiveDate = match NaiveDate::from_ymd_opt(2999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// Whether `d` lies in the supported range [`EARLIEST`]..=[`LATEST`].
pub fn in_range(d: NaiveDate) -> bool {
    (EARLIEST..=LATEST).contains(&d)
}

/// Refuses a computed date outside the supported range; `field` names the input that led to it.
pub fn check_in_range(d: NaiveDate, field: &str) -> Result<NaiveDate, FieldError> {
    if in_range(d) {
        Ok(d)
    } else {
        Err(FieldError::new(
            field,
            format!("the result, {d}, would be outside the supported dates {EARLIEST} to {LATEST}"),
        ))
    }
}

coded_enum! {
    /// A unit for offsets and durations.
    pub enum Unit as "unit" {
        Day = "DAY",
        Week = "WEEK",
        Month = "MONTH",
        Year = "YEAR",
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .map_or(28, |d| d.day())
}

/// `d` plus `months` (may be negative), clamped to the end of the target month. Saturates at the
/// calendar's limits instead of panicking.
pub fn add_months(d: NaiveDate, months: i64) -> NaiveDate {
    let total = i64::from(d.year()) * 12 + i64::from(d.month0()) + months;
    let Ok(year) = i32::try_from(total.div_euclid(12)) else {
        return if months < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        };
    };
    let month = total.rem_euclid(12) as u32 + 1;
    let day = d.day().min(days_in_month(year, month));
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(if months < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

/// `d` plus `days` (may be negative), saturating.
pub fn add_days(d: NaiveDate, days: i64) -> NaiveDate {
    d.checked_add_signed(Duration::days(days))
        .unwrap_or(if days < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        })
}

/// `d` plus `amount` units (may be negative).
pub fn add(d: NaiveDate, amount: i64, unit: Unit) -> NaiveDate {
    match unit {
        Unit::Day => add_days(d, amount),
        Unit::Week => add_days(d, amount.saturating_mul(7)),
        Unit::Month => add_months(d, amount),
        Unit::Year => add_months(d, amount.saturating_mul(12)),
    }
}

/// A signed offset such as "+1 month" or "-14 days".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Offset {
    pub amount: i64,
    pub unit: Unit,
}

impl Offset {
    pub const ZERO: Offset = Offset {
        amount: 0,
        unit: Unit::Day,
    };

    pub fn new(amount: i64, unit: Unit) -> Self {
        Self { amount, unit }
    }

    pub fn apply(self, d: NaiveDate) -> NaiveDate {
        add(d, self.amount, self.unit)
    }

    /// The latest `x` with `x + self <= d`. Adding an offset is monotone (never decreasing) in `x`,
    /// even with clamping, so "event + offset <= d" is exactly "event <= threshold" — which lets SQL
    /// compare stored dates with constants instead of doing calendar arithmetic per row.
    pub fn latest_with_result_at_most(self, d: NaiveDate) -> NaiveDate {
        let mut x = add(d, -self.amount, self.unit);
        while x < NaiveDate::MAX && self.apply(add_days(x, 1)) <= d {
            x = add_days(x, 1);
        }
        while x > NaiveDate::MIN && self.apply(x) > d {
            x = add_days(x, -1);
        }
        x
    }

    /// The earliest `x` with `x + self >= d` (see [`Offset::latest_with_result_at_most`]).
    pub fn earliest_with_result_at_least(self, d: NaiveDate) -> NaiveDate {
        let mut x = add(d, -self.amount, self.unit);
        while x > NaiveDate::MIN && self.apply(add_days(x, -1)) >= d {
            x = add_days(x, -1);
        }
        while x < NaiveDate::MAX && self.apply(x) < d {
            x = add_days(x, 1);
        }
        x
    }
}

/// A day of the year written `MM-DD`, for fixed membership periods. February 29 is refused: a period
/// boundary must exist every year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthDay {
    month: u32,
    day: u32,
}

impl MonthDay {
    pub fn parse(raw: &str, field: &str) -> Result<Self, FieldError> {
        let bad = || {
            FieldError::new(
                field,
                format!("`{raw}` is not a day of the year written MM-DD, such as 01-01"),
            )
        };
        let (m, d) = raw.trim().split_once('-').ok_or_else(bad)?;
        if m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let month: u32 = m.parse().map_err(|_| bad())?;
        let day: u32 = d.parse().map_err(|_| bad())?;
        if month == 2 && day == 29 {
            return Err(FieldError::new(
                field,
                "February 29 does not exist every year; use 02-28 or 03-01",
            ));
        }
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(2023, month) {
            return Err(bad());
        }
        Ok(Self { month, day })
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn day(self) -> u32 {
        self.day
    }

    /// This day in `year` (always exists: February 29 is refused).
    pub fn in_year(self, year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, self.month, self.day).unwrap_or(NaiveDate::MIN)
    }

    /// The latest occurrence on or before `d`.
    pub fn on_or_before(self, d: NaiveDate) -> NaiveDate {
        let this_year = self.in_year(d.year());
        if this_year <= d {
            this_year
        } else {
            self.in_year(d.year() - 1)
        }
    }

    /// The earliest occurrence on or after `d`.
    pub fn on_or_after(self, d: NaiveDate) -> NaiveDate {
        let this_year = self.in_year(d.year());
        if this_year >= d {
            this_year
        } else {
            self.in_year(d.year() + 1)
        }
    }
}

impl std::fmt::Display for MonthDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn month_arithmetic_clamps_instead_of_overflowing() {
        for (name, start, months, expected) in [
            (
                "jan 31 + 1 month in a leap year is feb 29",
                "2024-01-31",
                1,
                "2024-02-29",
            ),
            (
                "jan 31 + 1 month otherwise is feb 28",
                "2025-01-31",
                1,
                "2025-02-28",
            ),
            ("mar 31 - 1 month is feb 28", "2025-03-31", -1, "2025-02-28"),
            ("aug 31 + 1 month is sep 30", "2025-08-31", 1, "2025-09-30"),
            (
                "feb 29 + 12 months is feb 28",
                "2024-02-29",
                12,
                "2025-02-28",
            ),
            (
                "feb 29 + 48 months is feb 29",
                "2024-02-29",
                48,
                "2028-02-29",
            ),
            (
                "dec 15 + 1 month crosses the year",
                "2025-12-15",
                1,
                "2026-01-15",
            ),
            (
                "jan 15 - 1 month crosses back",
                "2026-01-15",
                -1,
                "2025-12-15",
            ),
            ("zero is identity", "2025-05-31", 0, "2025-05-31"),
        ] {
            assert_eq!(add_months(d(start), months), d(expected), "{name}");
        }
    }

    #[test]
    fn units() {
        assert_eq!(add(d("2025-01-01"), 2, Unit::Week), d("2025-01-15"));
        assert_eq!(add(d("2024-02-29"), 1, Unit::Year), d("2025-02-28"));
        assert_eq!(add(d("2025-03-01"), -1, Unit::Day), d("2025-02-28"));
        assert_eq!(
            add(NaiveDate::MAX, 1, Unit::Month),
            NaiveDate::MAX,
            "saturates"
        );
    }

    #[test]
    fn thresholds_agree_with_brute_force() {
        let offsets = [
            Offset::new(1, Unit::Month),
            Offset::new(3, Unit::Month),
            Offset::new(-1, Unit::Month),
            Offset::new(1, Unit::Day),
            Offset::new(-14, Unit::Day),
            Offset::new(1, Unit::Year),
            Offset::new(2, Unit::Week),
            Offset::ZERO,
        ];
        let mut day = d("2023-12-01");
        while day <= d("2025-04-01") {
            for off in offsets {
                let le = off.latest_with_result_at_most(day);
                assert!(
                    off.apply(le) <= day && off.apply(add_days(le, 1)) > day,
                    "{off:?} <= {day}"
                );
                let ge = off.earliest_with_result_at_least(day);
                assert!(
                    off.apply(ge) >= day && off.apply(add_days(ge, -1)) < day,
                    "{off:?} >= {day}"
                );
            }
            day = add_days(day, 1);
        }
    }

    #[test]
    fn month_days() {
        let md = MonthDay::parse("10-31", "fixedPeriodRolloverDay").unwrap();
        assert_eq!(md.to_string(), "10-31");
        assert_eq!(md.on_or_before(d("2024-03-15")), d("2023-10-31"));
        assert_eq!(md.on_or_after(d("2024-03-15")), d("2024-10-31"));
        assert_eq!(md.on_or_before(d("2024-10-31")), d("2024-10-31"));
        for bad in ["02-29", "13-01", "04-31", "1-1", "0101", "", "aa-bb"] {
            assert_eq!(
                MonthDay::parse(bad, "fixedPeriodStartDay")
                    .unwrap_err()
                    .field,
                "fixedPeriodStartDay",
                "{bad}"
            );
        }
    }
}
