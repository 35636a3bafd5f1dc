//! What joining or renewing costs: the type's fee per term, a joining fee on first signup, a
//! renewal price, special prices for several terms, and proration of a fixed period's first term.
//! One pure function (`quote`), shown to members before they pay and charged as quoted.

use chrono::{Datelike, NaiveDate};

use super::{PeriodRules, PeriodType};
use crate::domain::FieldError;

coded_enum! {
    /// How a prorated amount is rounded to the currency's minor unit.
    pub enum Rounding as "rounding" {
        Nearest = "NEAREST",
        Up = "UP",
        Down = "DOWN",
    }
}

/// A special price for several terms at once (e.g. two years for 110 instead of 120).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PriceOption {
    pub terms: u32,
    pub price_minor: i64,
}

/// A type's prices, in the type's currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pricing {
    pub fee_minor: i64,
    /// Added once, when a new member joins.
    pub joining_fee_minor: i64,
    /// The price of a renewal term (None: the fee).
    pub renewal_fee_minor: Option<i64>,
    pub options: Vec<PriceOption>,
    /// Fixed-period types: a member joining part-way pays for the months left.
    pub prorate: bool,
    pub rounding: Rounding,
}

/// Joining (a first membership of the type) or renewing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Join,
    Renew,
}

/// What one line of a quote is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// Terms of membership (prorated or not).
    Membership,
    /// The joining fee.
    JoiningFee,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteLine {
    pub kind: LineKind,
    pub description: String,
    pub amount_minor: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quote {
    pub lines: Vec<QuoteLine>,
    pub total_minor: i64,
}

/// `value · num / den` rounded as asked (all non-negative).
fn scaled(value: i64, num: i64, den: i64, rounding: Rounding) -> i64 {
    let (v, n, d) = (i128::from(value), i128::from(num), i128::from(den));
    let q = match rounding {
        Rounding::Down => v * n / d,
        Rounding::Up => (v * n + d - 1) / d,
        Rounding::Nearest => (2 * v * n + d) / (2 * d),
    };
    i64::try_from(q).unwrap_or(i64::MAX)
}

/// Whole calendar months from `from`'s month to `to`'s month, both included.
fn months_inclusive(from: NaiveDate, to: NaiveDate) -> i64 {
    (i64::from(to.year()) * 12 + i64::from(to.month0()))
        - (i64::from(from.year()) * 12 + i64::from(from.month0()))
        + 1
}

/// The price of `terms` terms of a type with `rules`, joining or renewing on `on`.
pub fn quote(
    pricing: &Pricing,
    rules: &PeriodRules,
    purpose: Purpose,
    terms: u32,
    on: NaiveDate,
) -> Result<Quote, FieldError> {
    if terms == 0 || terms > super::MAX_TERMS {
        return Err(FieldError::new(
            "terms",
            format!("must be between 1 and {}", super::MAX_TERMS),
        ));
    }
    let per_term = match purpose {
        Purpose::Join => pricing.fee_minor,
        Purpose::Renew => pricing.renewal_fee_minor.unwrap_or(pricing.fee_minor),
    };
    let mut lines = Vec::new();
    let plural = if terms == 1 { "term" } else { "terms" };
    if let Some(option) = pricing.options.iter().find(|o| o.terms == terms) {
        lines.push(QuoteLine {
            kind: LineKind::Membership,
            description: format!("{terms} {plural} (special price)"),
            amount_minor: option.price_minor,
        });
    } else if purpose == Purpose::Join
        && pricing.prorate
        && rules.period_type() == PeriodType::Fixed
        && !rules.is_lifetime()
    {
        // The first period may be partly over (or, past the rollover day, include the next one).
        let first = rules.initial_period(on, None, None, 1)?;
        let per_term_months = 12 * rules.interval();
        let covered = first
            .end
            .map_or(per_term_months, |end| months_inclusive(on, end))
            .clamp(1, 2 * per_term_months);
        let first_price = scaled(per_term, covered, per_term_months, pricing.rounding);
        lines.push(QuoteLine {
            kind: LineKind::Membership,
            description: format!("first term, {covered} of {per_term_months} months"),
            amount_minor: first_price,
        });
        if terms > 1 {
            lines.push(QuoteLine {
                kind: LineKind::Membership,
                description: format!(
                    "{} further {}",
                    terms - 1,
                    if terms == 2 { "term" } else { "terms" }
                ),
                amount_minor: per_term.saturating_mul(i64::from(terms - 1)),
            });
        }
    } else {
        lines.push(QuoteLine {
            kind: LineKind::Membership,
            description: format!("{terms} {plural}"),
            amount_minor: per_term.saturating_mul(i64::from(terms)),
        });
    }
    if purpose == Purpose::Join && pricing.joining_fee_minor > 0 {
        lines.push(QuoteLine {
            kind: LineKind::JoiningFee,
            description: "joining fee".into(),
            amount_minor: pricing.joining_fee_minor,
        });
    }
    let total_minor = lines
        .iter()
        .fold(0i64, |t, l| t.saturating_add(l.amount_minor));
    Ok(Quote { lines, total_minor })
}

/// When members may renew by themselves, around the end date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenewalWindow {
    pub opens_days_before: i32,
    pub closes_days_after: i32,
}

/// Longest a renewal window may open before, or stay open after, the end date.
pub const MAX_WINDOW_DAYS: i32 = 730;

impl RenewalWindow {
    pub fn parse(opens: i32, closes: i32) -> Result<Self, FieldError> {
        if !(0..=MAX_WINDOW_DAYS).contains(&opens) {
            return Err(FieldError::new(
                "renewalOpensDaysBefore",
                format!("must be between 0 and {MAX_WINDOW_DAYS}"),
            ));
        }
        if !(0..=MAX_WINDOW_DAYS).contains(&closes) {
            return Err(FieldError::new(
                "renewalClosesDaysAfter",
                format!("must be between 0 and {MAX_WINDOW_DAYS}"),
            ));
        }
        Ok(Self {
            opens_days_before: opens,
            closes_days_after: closes,
        })
    }

    /// The first and last day a membership ending on `end` may be renewed by its member (None for
    /// memberships without an end date).
    pub fn around(&self, end: Option<NaiveDate>) -> Option<(NaiveDate, NaiveDate)> {
        let end = end?;
        Some((
            crate::domain::dates::add_days(end, -i64::from(self.opens_days_before)),
            crate::domain::dates::add_days(end, i64::from(self.closes_days_after)),
        ))
    }
}

/// Checks price options: each for 2 or more terms, once, at a price that is not negative.
pub fn check_options(options: &[PriceOption]) -> Result<(), FieldError> {
    for (i, o) in options.iter().enumerate() {
        if o.terms < 2 || o.terms > super::MAX_TERMS {
            return Err(FieldError::new(
                "priceOptions",
                format!("an option covers 2 to {} terms", super::MAX_TERMS),
            ));
        }
        if o.price_minor < 0 {
            return Err(FieldError::new(
                "priceOptions",
                "a price must not be negative",
            ));
        }
        if options[..i].iter().any(|p| p.terms == o.terms) {
            return Err(FieldError::new(
                "priceOptions",
                "one option per number of terms",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::membership::DurationUnit;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn fixed(rollover: Option<&str>) -> PeriodRules {
        PeriodRules::parse(
            DurationUnit::Year,
            1,
            PeriodType::Fixed,
            Some("01-01"),
            rollover,
        )
        .unwrap()
    }

    fn rolling() -> PeriodRules {
        PeriodRules::parse(DurationUnit::Year, 1, PeriodType::Rolling, None, None).unwrap()
    }

    fn pricing(prorate: bool, rounding: Rounding) -> Pricing {
        Pricing {
            fee_minor: 6000,
            joining_fee_minor: 0,
            renewal_fee_minor: None,
            options: vec![],
            prorate,
            rounding,
        }
    }

    #[test]
    fn prices_table() {
        let with_extras = Pricing {
            joining_fee_minor: 1000,
            renewal_fee_minor: Some(5000),
            options: vec![PriceOption {
                terms: 2,
                price_minor: 11000,
            }],
            ..pricing(false, Rounding::Nearest)
        };
        let odd = Pricing {
            fee_minor: 1000,
            ..pricing(true, Rounding::Nearest)
        };
        for (why, p, rules, purpose, terms, on, total) in [
            (
                "plain fee, one term",
                pricing(false, Rounding::Nearest),
                rolling(),
                Purpose::Join,
                1,
                "2026-07-15",
                6000,
            ),
            (
                "plain fee, three terms",
                pricing(false, Rounding::Nearest),
                rolling(),
                Purpose::Join,
                3,
                "2026-07-15",
                18000,
            ),
            (
                "joining fee on signup",
                with_extras.clone(),
                rolling(),
                Purpose::Join,
                1,
                "2026-07-15",
                7000,
            ),
            (
                "no joining fee on renewal; renewal price",
                with_extras.clone(),
                rolling(),
                Purpose::Renew,
                1,
                "2026-07-15",
                5000,
            ),
            (
                "special price for two terms, plus joining fee",
                with_extras.clone(),
                rolling(),
                Purpose::Join,
                2,
                "2026-07-15",
                12000,
            ),
            (
                "special price on renewal too",
                with_extras.clone(),
                rolling(),
                Purpose::Renew,
                2,
                "2026-07-15",
                11000,
            ),
            (
                "renewal price per term without an option",
                with_extras,
                rolling(),
                Purpose::Renew,
                3,
                "2026-07-15",
                15000,
            ),
            (
                "month 7 of 12 pays 6/12",
                pricing(true, Rounding::Nearest),
                fixed(None),
                Purpose::Join,
                1,
                "2026-07-15",
                3000,
            ),
            (
                "January pays in full",
                pricing(true, Rounding::Nearest),
                fixed(None),
                Purpose::Join,
                1,
                "2026-01-01",
                6000,
            ),
            (
                "December pays 1/12",
                pricing(true, Rounding::Nearest),
                fixed(None),
                Purpose::Join,
                1,
                "2026-12-31",
                500,
            ),
            (
                "prorated first term plus a full one",
                pricing(true, Rounding::Nearest),
                fixed(None),
                Purpose::Join,
                2,
                "2026-07-15",
                9000,
            ),
            (
                "past the rollover day: 3 months plus next year",
                pricing(true, Rounding::Nearest),
                fixed(Some("10-01")),
                Purpose::Join,
                1,
                "2026-10-05",
                7500,
            ),
            (
                "renewals are never prorated",
                pricing(true, Rounding::Nearest),
                fixed(None),
                Purpose::Renew,
                1,
                "2026-07-15",
                6000,
            ),
            (
                "rolling types are never prorated",
                pricing(true, Rounding::Nearest),
                rolling(),
                Purpose::Join,
                1,
                "2026-07-15",
                6000,
            ),
            (
                "rounding to nearest: 10.00 x 5/12 = 4.1666",
                odd.clone(),
                fixed(None),
                Purpose::Join,
                1,
                "2026-08-01",
                417,
            ),
            (
                "rounding up",
                Pricing {
                    rounding: Rounding::Up,
                    ..odd.clone()
                },
                fixed(None),
                Purpose::Join,
                1,
                "2026-09-01",
                334,
            ),
            (
                "rounding down",
                Pricing {
                    rounding: Rounding::Down,
                    ..odd
                },
                fixed(None),
                Purpose::Join,
                1,
                "2026-08-01",
                416,
            ),
        ] {
            let q = quote(&p, &rules, purpose, terms, d(on)).unwrap();
            assert_eq!(q.total_minor, total, "{why}: {q:?}");
            assert_eq!(
                q.lines.iter().map(|l| l.amount_minor).sum::<i64>(),
                total,
                "{why}"
            );
        }
        assert_eq!(
            quote(
                &pricing(false, Rounding::Nearest),
                &rolling(),
                Purpose::Join,
                0,
                d("2026-01-01")
            )
            .unwrap_err()
            .field,
            "terms"
        );
    }

    #[test]
    fn renewal_windows() {
        let w = RenewalWindow::parse(60, 90).unwrap();
        assert_eq!(
            w.around(Some(d("2026-12-31"))),
            Some((d("2026-11-01"), d("2027-03-31")))
        );
        assert_eq!(w.around(None), None, "lifetime memberships do not renew");
        assert_eq!(
            RenewalWindow::parse(-1, 0).unwrap_err().field,
            "renewalOpensDaysBefore"
        );
        assert_eq!(
            RenewalWindow::parse(0, 731).unwrap_err().field,
            "renewalClosesDaysAfter"
        );
    }

    #[test]
    fn options_are_checked() {
        let o = |terms, price_minor| PriceOption { terms, price_minor };
        assert!(check_options(&[o(2, 100), o(3, 150)]).is_ok());
        for bad in [
            vec![o(1, 100)],
            vec![o(2, -1)],
            vec![o(2, 1), o(2, 2)],
            vec![o(101, 1)],
        ] {
            assert_eq!(
                check_options(&bad).unwrap_err().field,
                "priceOptions",
                "{bad:?}"
            );
        }
    }
}
