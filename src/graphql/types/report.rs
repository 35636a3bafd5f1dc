//! Reports as clients read them.

use async_graphql::{Enum, SimpleObject};

use crate::domain::money::{Currency, format_minor};
use crate::graphql::scalars::{Date, Decimal};
use crate::services::reports::{self, SummaryRow};

/// How `contributionSummary` groups contributions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum ContributionGroupBy {
    /// By financial type (`key` is the type's key, e.g. `DONATION`).
    FinancialType,
    /// By calendar month of the received date (`key` is `YYYY-MM`).
    Month,
    /// By campaign (`key` is the campaign's name; `NONE` for contributions without one).
    Campaign,
    /// By payment instrument (`key` is e.g. `CARD`; `NONE` when not recorded).
    PaymentInstrument,
}

impl From<ContributionGroupBy> for reports::ContributionGroupBy {
    fn from(g: ContributionGroupBy) -> Self {
        match g {
            ContributionGroupBy::FinancialType => Self::FinancialType,
            ContributionGroupBy::Month => Self::Month,
            ContributionGroupBy::Campaign => Self::Campaign,
            ContributionGroupBy::PaymentInstrument => Self::PaymentInstrument,
        }
    }
}

fn money(minor: i64, currency: &str) -> Decimal {
    let exponent = Currency::parse(currency, "currency").map_or(2, |c| c.exponent());
    Decimal(format_minor(minor, exponent))
}

/// `total ÷ count`, rounded half away from zero to the minor unit.
fn average(total: i64, count: i64) -> i64 {
    if count == 0 {
        return 0;
    }
    let (t, n) = (i128::from(total), i128::from(count));
    let q = (2 * t.abs() + n) / (2 * n);
    i64::try_from(if t < 0 { -q } else { q }).unwrap_or(0)
}

/// One group of contributions in one currency.
#[derive(SimpleObject)]
pub struct ContributionSummaryRow {
    /// The group: a financial type key, `YYYY-MM`, a campaign name or an instrument (`NONE` when
    /// there is no campaign or instrument).
    pub key: String,
    /// What to show for the group (the financial type's name; otherwise the key).
    pub label: String,
    /// Completed contributions in the group (partly refunded ones included).
    pub count: i64,
    /// Their amounts net of refunds.
    pub total: Decimal,
    /// `total ÷ count`, rounded to the currency's minor unit.
    pub average: Decimal,
    /// ISO 4217 currency: amounts in different currencies are never added.
    pub currency: String,
}

/// All groups together, per currency.
#[derive(SimpleObject)]
pub struct CurrencyTotal {
    /// ISO 4217 currency.
    pub currency: String,
    /// Completed contributions.
    pub count: i64,
    /// Their amounts net of refunds.
    pub total: Decimal,
}

/// Completed contributions received in `[from, to]`, grouped.
#[derive(SimpleObject)]
pub struct ContributionSummary {
    /// First day counted.
    pub from: Date,
    /// Last day counted.
    pub to: Date,
    /// The groups, by key then currency.
    pub rows: Vec<ContributionSummaryRow>,
    /// Every group together, per currency.
    pub totals: Vec<CurrencyTotal>,
}

impl ContributionSummary {
    pub fn new(from: Date, to: Date, rows: Vec<SummaryRow>) -> Self {
        let mut totals: Vec<(String, i64, i64)> = Vec::new();
        for r in &rows {
            match totals.iter_mut().find(|(c, _, _)| *c == r.currency) {
                Some((_, n, t)) => {
                    *n += r.count;
                    *t += r.total_minor;
                }
                None => totals.push((r.currency.clone(), r.count, r.total_minor)),
            }
        }
        totals.sort();
        ContributionSummary {
            from,
            to,
            rows: rows
                .into_iter()
                .map(|r| ContributionSummaryRow {
                    total: money(r.total_minor, &r.currency),
                    average: money(average(r.total_minor, r.count), &r.currency),
                    key: r.group_key,
                    label: r.label,
                    count: r.count,
                    currency: r.currency,
                })
                .collect(),
            totals: totals
                .into_iter()
                .map(|(currency, count, total)| CurrencyTotal {
                    total: money(total, &currency),
                    currency,
                    count,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::average;

    #[test]
    fn averages_round_half_away_from_zero() {
        for (total, count, want) in [
            (1000, 3, 333),
            (1001, 2, 501),
            (5, 2, 3),
            (4, 3, 1),
            (0, 0, 0),
        ] {
            assert_eq!(average(total, count), want, "{total}/{count}");
        }
    }
}
