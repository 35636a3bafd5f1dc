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

    pub fn interval(&self) -> i64 {
        self.interval
    }

    pub fn period_type(&self) -> PeriodType {
        self.period_type
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
mod tests;
