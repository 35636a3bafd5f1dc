//! Membership periods: when a membership starts and ends, on joining and on renewal.
//!
//! Rolling periods count anniversaries from the start date (`start + k·interval`, clamped), so the day
//! of the month never drifts across renewals. Fixed periods follow a yearly calendar (`MM-DD` start)
//! with an optional rollover day after which a new member also gets the next whole period.

use chrono::NaiveDate;

use super::{DurationUnit, PeriodType};
use crate::domain::FieldError;
use crate::domain::dates::{MonthDay, add, add_days, check_in_range};

/// A membership's covered dates; `end` is None for lifetime memberships.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

/// The period rules of a membership type, checked for consistency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeriodRules {
    unit: DurationUnit,
    interval: i64,
    period_type: PeriodType,
    fixed_start: Option<MonthDay>,
    fixed_rollover: Option<MonthDay>,
}

/// Most terms a single create or renewal may cover.
pub const MAX_TERMS: u32 = 100;

impl PeriodRules {
    /// Checks a combination; errors name the GraphQL input field.
    pub fn parse(
        unit: DurationUnit,
        interval: i64,
        period_type: PeriodType,
        fixed_start: Option<&str>,
        fixed_rollover: Option<&str>,
    ) -> Result<Self, FieldError> {
        if !(1..=1000).contains(&interval) {
            return Err(FieldError::new(
                "durationInterval",
                "must be between 1 and 1000",
            ));
        }
        let fixed_start = fixed_start
            .map(|s| MonthDay::parse(s, "fixedPeriodStartDay"))
            .transpose()?;
        let fixed_rollover = fixed_rollover
            .map(|s| MonthDay::parse(s, "fixedPeriodRolloverDay"))
            .transpose()?;
        match period_type {
            PeriodType::Fixed => {
                if unit != DurationUnit::Year {
                    return Err(FieldError::new(
                        "durationUnit",
                        "FIXED periods are counted in YEAR units",
                    ));
                }
                if fixed_start.is_none() {
                    return Err(FieldError::new(
                        "fixedPeriodStartDay",
                        "a FIXED period needs its start day (MM-DD)",
                    ));
                }
            }
            PeriodType::Rolling => {
                if fixed_start.is_some() {
                    return Err(FieldError::new(
                        "fixedPeriodStartDay",
                        "only FIXED periods have a start day",
                    ));
                }
                if fixed_rollover.is_some() {
                    return Err(FieldError::new(
                        "fixedPeriodRolloverDay",
                        "only FIXED periods have a rollover day",
                    ));
                }
            }
        }
        Ok(Self {
            unit,
            interval: if unit == DurationUnit::Lifetime {
                1
            } else {
                interval
            },
            period_type,
            fixed_start,
            fixed_rollover,
        })
    }

    pub fn unit(&self) -> DurationUnit {
        self.unit
    }

    pub fn is_lifetime(&self) -> bool {
        self.unit == DurationUnit::Lifetime
    }

    /// `start + k·interval units`, always counted from `start` (None for lifetime).
    pub fn anniversary(&self, start: NaiveDate, k: i64) -> Option<NaiveDate> {
        self.unit
            .unit()
            .map(|u| add(start, k.saturating_mul(self.interval), u))
    }

    /// The end date after `terms` periods from `start`: the day before the anniversary.
    fn end_after(&self, start: NaiveDate, terms: u32) -> Option<NaiveDate> {
        self.anniversary(start, i64::from(terms))
            .map(|a| add_days(a, -1))
    }

    /// The period a member joining (or starting afresh) on `on` gets.
    fn fresh_period(&self, on: NaiveDate, terms: u32) -> Period {
        match (self.period_type, self.fixed_start) {
            (PeriodType::Fixed, Some(fixed)) => {
                let start = fixed.on_or_before(on);
                let mut terms = i64::from(terms);
                if let Some(rollover) = self.fixed_rollover {
                    let rollover_date = rollover.on_or_after(start);
                    let period_end = self.anniversary(start, 1).unwrap_or(start);
                    if rollover_date < period_end && on >= rollover_date {
                        terms += 1;
                    }
                }
                Period {
                    start,
                    end: self.anniversary(start, terms).map(|a| add_days(a, -1)),
                }
            }
            _ => Period {
                start: on,
                end: self.end_after(on, terms),
            },
        }
    }

    /// Dates of a new membership. Explicit start and end dates (back-office entry) win over computed
    /// ones.
    pub fn initial_period(
        &self,
        join: NaiveDate,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
        terms: u32,
    ) -> Result<Period, FieldError> {
        check_terms(terms)?;
        let computed = match start {
            Some(s) if self.period_type == PeriodType::Rolling || self.is_lifetime() => Period {
                start: s,
                end: self.end_after(s, terms),
            },
            Some(s) => Period {
                start: s,
                end: self.fresh_period(join.max(s), terms).end,
            },
            None => self.fresh_period(join, terms),
        };
        if start.is_some_and(|s| s < join) {
            return Err(FieldError::new("startDate", "must not be before joinDate"));
        }
        let period = match end {
            Some(_) if self.is_lifetime() => {
                return Err(FieldError::new(
                    "endDate",
                    "a lifetime membership has no end date",
                ));
            }
            Some(e) => Period {
                start: computed.start,
                end: Some(e),
            },
            None => computed,
        };
        if let Some(e) = period.end
            && e < period.start
        {
            return Err(FieldError::new("endDate", "must not be before startDate"));
        }
        if let Some(e) = period.end {
            check_in_range(e, "terms")?;
        }
        Ok(period)
    }

    /// Checks dates entered by hand (an edited membership): the start not before joining, the end not
    /// before the start, and an end date exactly when the type is not lifetime.
    pub fn check_edited(
        &self,
        join: NaiveDate,
        start: NaiveDate,
        end: Option<NaiveDate>,
    ) -> Result<(), FieldError> {
        if start < join {
            return Err(FieldError::new("startDate", "must not be before joinDate"));
        }
        match end {
            Some(e) if e < start => Err(FieldError::new("endDate", "must not be before startDate")),
            Some(_) if self.is_lifetime() => Err(FieldError::new(
                "endDate",
                "a lifetime membership has no end date",
            )),
            None if !self.is_lifetime() => Err(FieldError::new(
                "endDate",
                "only lifetime memberships have no end date",
            )),
            _ => Ok(()),
        }
    }

    /// Dates after renewing for `terms` periods on `renewal_date`. A membership that is current on the
    /// renewal date keeps its start and extends to a later anniversary of it; one that is not starts a
    /// new period on the renewal date.
    pub fn renew(
        &self,
        current: Period,
        renewal_date: NaiveDate,
        is_current: bool,
        terms: u32,
    ) -> Result<Period, FieldError> {
        check_terms(terms)?;
        if self.is_lifetime() {
            return Err(FieldError::new(
                "id",
                "a lifetime membership does not renew",
            ));
        }
        let renewed = match current.end {
            Some(end) if is_current => {
                let covered = self.periods_covering(current.start, end);
                Period {
                    start: current.start,
                    end: self.end_after_k(current.start, covered + i64::from(terms)),
                }
            }
            _ => self.fresh_period(renewal_date, terms),
        };
        if let Some(e) = renewed.end {
            check_in_range(e, "terms")?;
        }
        Ok(renewed)
    }

    fn end_after_k(&self, start: NaiveDate, k: i64) -> Option<NaiveDate> {
        self.anniversary(start, k).map(|a| add_days(a, -1))
    }

    /// The smallest k ≥ 1 whose period end (anniversary k minus a day) reaches `end`.
    fn periods_covering(&self, start: NaiveDate, end: NaiveDate) -> i64 {
        let days = (end - start).num_days().max(0) + 1;
        let per = match self.unit {
            DurationUnit::Day => self.interval,
            DurationUnit::Month => self.interval * 28,
            DurationUnit::Year => self.interval * 365,
            DurationUnit::Lifetime => return 1,
        };
        // Start below the answer (periods are at least `per` days long), then step up.
        let mut k = (days / per.max(1) - 1).max(1);
        while k > 1 && self.end_after_k(start, k - 1).is_some_and(|e| e >= end) {
            k -= 1;
        }
        while self.end_after_k(start, k).is_some_and(|e| e < end) {
            k += 1;
        }
        k
    }
}

fn check_terms(terms: u32) -> Result<(), FieldError> {
    if (1..=MAX_TERMS).contains(&terms) {
        Ok(())
    } else {
        Err(FieldError::new(
            "terms",
            format!("must be between 1 and {MAX_TERMS}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn rolling(unit: DurationUnit, interval: i64) -> PeriodRules {
        PeriodRules::parse(unit, interval, PeriodType::Rolling, None, None).unwrap()
    }

    fn calendar_year(rollover: Option<&str>) -> PeriodRules {
        PeriodRules::parse(
            DurationUnit::Year,
            1,
            PeriodType::Fixed,
            Some("01-01"),
            rollover,
        )
        .unwrap()
    }

    #[test]
    fn rolling_periods() {
        for (name, rules, join, end) in [
            (
                "yearly from mar 15 ends mar 14",
                rolling(DurationUnit::Year, 1),
                "2024-03-15",
                "2025-03-14",
            ),
            (
                "monthly from jan 31 ends feb 28 (leap year)",
                rolling(DurationUnit::Month, 1),
                "2024-01-31",
                "2024-02-28",
            ),
            (
                "monthly from jan 31 ends feb 27 otherwise",
                rolling(DurationUnit::Month, 1),
                "2025-01-31",
                "2025-02-27",
            ),
            (
                "two-yearly from feb 29 ends feb 27",
                rolling(DurationUnit::Year, 2),
                "2024-02-29",
                "2026-02-27",
            ),
            (
                "30 days",
                rolling(DurationUnit::Day, 30),
                "2024-01-01",
                "2024-01-30",
            ),
            (
                "quarterly",
                rolling(DurationUnit::Month, 3),
                "2024-11-30",
                "2025-02-27",
            ),
        ] {
            let p = rules.initial_period(d(join), None, None, 1).unwrap();
            assert_eq!((p.start, p.end), (d(join), Some(d(end))), "{name}");
        }
    }

    #[test]
    fn renewing_a_current_membership_never_drifts() {
        let monthly = rolling(DurationUnit::Month, 1);
        let mut p = monthly
            .initial_period(d("2024-01-31"), None, None, 1)
            .unwrap();
        let mut ends = vec![];
        for _ in 0..3 {
            ends.push(p.end.unwrap());
            p = monthly.renew(p, p.end.unwrap(), true, 1).unwrap();
        }
        assert_eq!(
            ends,
            vec![d("2024-02-28"), d("2024-03-30"), d("2024-04-29")]
        );
        assert_eq!(p.start, d("2024-01-31"), "start kept");
        let yearly = rolling(DurationUnit::Year, 1);
        let p = yearly
            .initial_period(d("2024-03-15"), None, None, 1)
            .unwrap();
        let renewed = yearly.renew(p, d("2025-02-01"), true, 2).unwrap();
        assert_eq!(renewed.end, Some(d("2027-03-14")), "two more terms");
        // A hand-entered end date between anniversaries extends to the next full anniversary first.
        let odd = Period {
            start: d("2024-03-15"),
            end: Some(d("2024-10-01")),
        };
        assert_eq!(
            yearly.renew(odd, d("2024-09-01"), true, 1).unwrap().end,
            Some(d("2026-03-14"))
        );
    }

    #[test]
    fn renewing_a_lapsed_membership_starts_afresh() {
        let yearly = rolling(DurationUnit::Year, 1);
        let p = Period {
            start: d("2022-03-15"),
            end: Some(d("2023-03-14")),
        };
        let renewed = yearly.renew(p, d("2024-06-10"), false, 1).unwrap();
        assert_eq!(
            (renewed.start, renewed.end),
            (d("2024-06-10"), Some(d("2025-06-09")))
        );
    }

    #[test]
    fn fixed_calendar_year_with_rollover() {
        let rules = calendar_year(Some("10-31"));
        for (name, join, start, end) in [
            (
                "before rollover: this year",
                "2024-03-15",
                "2024-01-01",
                "2024-12-31",
            ),
            (
                "after rollover: also next year",
                "2024-11-15",
                "2024-01-01",
                "2025-12-31",
            ),
            (
                "on the rollover day: next year too",
                "2024-10-31",
                "2024-01-01",
                "2025-12-31",
            ),
            ("on the start day", "2025-01-01", "2025-01-01", "2025-12-31"),
        ] {
            let p = rules.initial_period(d(join), None, None, 1).unwrap();
            assert_eq!((p.start, p.end), (d(start), Some(d(end))), "{name}");
        }
        let no_rollover = calendar_year(None);
        assert_eq!(
            no_rollover
                .initial_period(d("2024-11-15"), None, None, 1)
                .unwrap()
                .end,
            Some(d("2024-12-31"))
        );
        // A July-to-June year.
        let season = PeriodRules::parse(
            DurationUnit::Year,
            1,
            PeriodType::Fixed,
            Some("07-01"),
            Some("04-01"),
        )
        .unwrap();
        let p = season
            .initial_period(d("2025-02-10"), None, None, 1)
            .unwrap();
        assert_eq!((p.start, p.end), (d("2024-07-01"), Some(d("2025-06-30"))));
        let p = season
            .initial_period(d("2025-05-10"), None, None, 1)
            .unwrap();
        assert_eq!(p.end, Some(d("2026-06-30")));
        // Renewals: current extends by a year; lapsed starts the period holding the renewal date.
        let p = Period {
            start: d("2024-01-01"),
            end: Some(d("2024-12-31")),
        };
        assert_eq!(
            rules.renew(p, d("2024-12-01"), true, 1).unwrap().end,
            Some(d("2025-12-31"))
        );
        let lapsed = rules.renew(p, d("2026-03-01"), false, 1).unwrap();
        assert_eq!(
            (lapsed.start, lapsed.end),
            (d("2026-01-01"), Some(d("2026-12-31")))
        );
    }

    #[test]
    fn lifetime() {
        let rules = rolling(DurationUnit::Lifetime, 1);
        let p = rules
            .initial_period(d("2024-05-05"), None, None, 1)
            .unwrap();
        assert_eq!((p.start, p.end), (d("2024-05-05"), None));
        assert_eq!(
            rules.renew(p, d("2025-01-01"), true, 1).unwrap_err().field,
            "id"
        );
        assert_eq!(
            rules
                .initial_period(d("2024-05-05"), None, Some(d("2030-01-01")), 1)
                .unwrap_err()
                .field,
            "endDate"
        );
    }

    #[test]
    fn explicit_dates_win_and_are_checked() {
        let yearly = rolling(DurationUnit::Year, 1);
        let p = yearly
            .initial_period(d("2024-01-10"), Some(d("2024-02-01")), None, 1)
            .unwrap();
        assert_eq!((p.start, p.end), (d("2024-02-01"), Some(d("2025-01-31"))));
        let p = yearly
            .initial_period(d("2024-01-10"), None, Some(d("2024-06-30")), 1)
            .unwrap();
        assert_eq!(p.end, Some(d("2024-06-30")));
        let err = yearly.initial_period(
            d("2024-01-10"),
            Some(d("2024-03-01")),
            Some(d("2024-02-01")),
            1,
        );
        assert_eq!(err.unwrap_err().field, "endDate");
        assert_eq!(
            yearly
                .initial_period(d("2024-01-10"), Some(d("2024-01-01")), None, 1)
                .unwrap_err()
                .field,
            "startDate"
        );
        assert_eq!(
            yearly
                .initial_period(d("2024-01-10"), None, None, 0)
                .unwrap_err()
                .field,
            "terms"
        );
    }

    #[test]
    fn invalid_combinations_name_the_field() {
        use DurationUnit::*;
        use PeriodType::*;
        for (field, unit, interval, ty, start, rollover) in [
            ("durationInterval", Year, 0, Rolling, None, None),
            ("durationUnit", Month, 1, Fixed, Some("01-01"), None),
            ("fixedPeriodStartDay", Year, 1, Fixed, None, None),
            ("fixedPeriodStartDay", Year, 1, Rolling, Some("01-01"), None),
            (
                "fixedPeriodRolloverDay",
                Year,
                1,
                Rolling,
                None,
                Some("10-31"),
            ),
            ("fixedPeriodStartDay", Year, 1, Fixed, Some("02-29"), None),
            (
                "fixedPeriodRolloverDay",
                Year,
                1,
                Fixed,
                Some("01-01"),
                Some("31-10"),
            ),
        ] {
            let err = PeriodRules::parse(unit, interval, ty, start, rollover).unwrap_err();
            assert_eq!(err.field, field);
        }
    }
}
