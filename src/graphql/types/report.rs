//! Reports as clients read them.

use async_graphql::{Enum, SimpleObject};

use crate::domain::money::format_minor;
use crate::graphql::scalars::{Date, Decimal};
use crate::services::reports::{self, SummaryRow, average_minor as average, rate};

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
    let exponent = crate::services::contributions::exponent_of(currency);
    Decimal(format_minor(minor, exponent))
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

/// Memberships of one type with one status on the date.
pub struct MembershipSummaryRow {
    pub membership_type_id: i64,
    pub status_id: i64,
    pub count: i64,
}

/// Memberships of one type with one status on the date.
#[async_graphql::Object]
impl MembershipSummaryRow {
    /// The membership type.
    async fn membership_type(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Option<super::membership::MembershipType>> {
        super::membership::type_by_id(ctx, self.membership_type_id).await
    }
    /// The status on the date.
    async fn status(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Option<super::membership::MembershipStatus>> {
        super::membership::status_by_id(ctx, self.status_id).await
    }
    /// How many memberships.
    async fn count(&self) -> i64 {
        self.count
    }
}

/// Members on a date: what the membership records said then, judged by the status rules (see
/// the README's report definitions).
#[derive(SimpleObject)]
pub struct MembershipSummary {
    /// The date.
    pub as_of: Date,
    /// Contacts holding at least one membership whose status on the date counts as current.
    pub current_members: i64,
    /// Memberships whose status on the date counts as current.
    pub current_memberships: i64,
    /// Memberships by type and status (every status, current or not), by type then status.
    pub rows: Vec<MembershipSummaryRow>,
    /// The same figures for `compareTo`, when asked.
    pub comparison: Option<Box<MembershipSummary>>,
}

impl From<reports::MembershipSummary> for MembershipSummary {
    fn from(s: reports::MembershipSummary) -> Self {
        MembershipSummary {
            as_of: Date(s.as_of),
            current_members: s.current_members,
            current_memberships: s.current_memberships,
            rows: s
                .rows
                .into_iter()
                .map(|(t, st, n)| MembershipSummaryRow {
                    membership_type_id: t,
                    status_id: st,
                    count: n,
                })
                .collect(),
            comparison: None,
        }
    }
}

/// Retention overall or for one membership type.
pub struct RetentionFigures(pub reports::Retention);

/// Retention overall or for one membership type (definitions in the README).
#[async_graphql::Object]
impl RetentionFigures {
    /// The type (null: all types together).
    async fn membership_type(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Option<super::membership::MembershipType>> {
        match self.0.membership_type_id {
            Some(id) => super::membership::type_by_id(ctx, id).await,
            None => Ok(None),
        }
    }
    /// Contacts current on `from` (for a type: with a current membership of that type).
    async fn starting_members(&self) -> i64 {
        self.0.starting
    }
    /// Of those, contacts current on `to` (for a type: still with a current membership of it).
    async fn retained(&self) -> i64 {
        self.0.retained
    }
    /// `retained ÷ startingMembers` (0 to 1; null when no one was a member on `from`).
    async fn retention_rate(&self) -> Option<f64> {
        rate(self.0.retained, self.0.starting)
    }
    /// `1 − retentionRate`.
    async fn churn_rate(&self) -> Option<f64> {
        rate(self.0.retained, self.0.starting).map(|r| 1.0 - r)
    }
    /// Memberships whose end date, as recorded on `from`, fell within `[from, to]`.
    async fn came_due(&self) -> i64 {
        self.0.came_due
    }
    /// Of those, the ones whose end date as recorded on `to` is later (renewed).
    async fn renewed(&self) -> i64 {
        self.0.renewed
    }
    /// `renewed ÷ cameDue` (null when none came due).
    async fn renewal_rate(&self) -> Option<f64> {
        rate(self.0.renewed, self.0.came_due)
    }
}

/// Retention from one date to another: all types together, then each type.
pub struct RetentionReport {
    pub from: Date,
    pub to: Date,
    pub figures: Vec<reports::Retention>,
}

/// Retention from one date to another (definitions in the README).
#[async_graphql::Object]
impl RetentionReport {
    /// Start of the range.
    async fn from(&self) -> Date {
        self.from
    }
    /// End of the range.
    async fn to(&self) -> Date {
        self.to
    }
    /// Contacts current on `from`.
    async fn starting_members(&self) -> i64 {
        self.overall().starting
    }
    /// Of those, contacts current on `to`.
    async fn retained(&self) -> i64 {
        self.overall().retained
    }
    /// `retained ÷ startingMembers` (null when no one was a member on `from`).
    async fn retention_rate(&self) -> Option<f64> {
        rate(self.overall().retained, self.overall().starting)
    }
    /// `1 − retentionRate`.
    async fn churn_rate(&self) -> Option<f64> {
        rate(self.overall().retained, self.overall().starting).map(|r| 1.0 - r)
    }
    /// Memberships that came due in the range.
    async fn came_due(&self) -> i64 {
        self.overall().came_due
    }
    /// Of those, the ones renewed.
    async fn renewed(&self) -> i64 {
        self.overall().renewed
    }
    /// `renewed ÷ cameDue`.
    async fn renewal_rate(&self) -> Option<f64> {
        rate(self.overall().renewed, self.overall().came_due)
    }
    /// The same figures for each membership type.
    async fn by_type(&self) -> Vec<RetentionFigures> {
        self.figures
            .iter()
            .filter(|f| f.membership_type_id.is_some())
            .cloned()
            .map(RetentionFigures)
            .collect()
    }
}

impl RetentionReport {
    fn overall(&self) -> reports::Retention {
        self.figures
            .iter()
            .find(|f| f.membership_type_id.is_none())
            .cloned()
            .unwrap_or(reports::Retention {
                membership_type_id: None,
                starting: 0,
                retained: 0,
                came_due: 0,
                renewed: 0,
            })
    }
}

/// The length of each period of a trend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum ReportInterval {
    /// Calendar months from `from` (e.g. the 1st to the end of the month).
    Month,
    /// Three months.
    Quarter,
    /// Twelve months.
    Year,
}

impl From<ReportInterval> for reports::Interval {
    fn from(i: ReportInterval) -> Self {
        match i {
            ReportInterval::Month => Self::Month,
            ReportInterval::Quarter => Self::Quarter,
            ReportInterval::Year => Self::Year,
        }
    }
}

/// One period of a trend (definitions in the README).
#[derive(SimpleObject)]
pub struct TrendPeriod {
    /// First day.
    pub start: Date,
    /// Last day (the last period ends at `to`).
    pub end: Date,
    /// Contacts current on the last day.
    pub current_at_end: i64,
    /// Memberships whose join date is in the period.
    pub joined: i64,
    /// Renewals recorded in the period.
    pub renewed: i64,
    /// Memberships Expired on the last day that were not Expired the day before the period.
    pub lapsed: i64,
    /// Renewals in the period of memberships that were Expired just before (win-backs).
    pub reinstated: i64,
    /// `currentAtEnd` minus the contacts current the day before the period.
    pub net_change: i64,
}

impl From<reports::TrendPeriod> for TrendPeriod {
    fn from(p: reports::TrendPeriod) -> Self {
        TrendPeriod {
            start: Date(p.start),
            end: Date(p.end),
            current_at_end: p.current_at_end,
            joined: p.joined,
            renewed: p.renewed,
            lapsed: p.lapsed,
            reinstated: p.reinstated,
            net_change: p.current_at_end - p.current_at_start,
        }
    }
}

/// Members and movements per period.
#[derive(SimpleObject)]
pub struct MembershipTrends {
    /// The periods, oldest first.
    pub periods: Vec<TrendPeriod>,
}

/// A donor's giving in the range, in one currency.
pub struct DonorTotal(pub reports::DonorTotal);

/// A donor's giving in the range, in one currency.
#[async_graphql::Object]
impl DonorTotal {
    /// The donor.
    async fn contact(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<Option<super::contact::Contact>> {
        Ok(crate::graphql::guards::loaders(ctx)?
            .contact(self.0.contact_id)
            .await?
            .map(super::contact::Contact))
    }
    /// Completed contributions in the range.
    async fn count(&self) -> i64 {
        self.0.count
    }
    /// Their total net of refunds.
    async fn total(&self) -> Decimal {
        money(self.0.total_minor, &self.0.currency)
    }
    /// ISO 4217 currency.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
}

/// Donor retention for a year.
#[derive(SimpleObject)]
pub struct DonorRetention {
    /// The year.
    pub year: i32,
    /// Contacts who gave the year before.
    pub previous_year_donors: i64,
    /// Of those, contacts who gave this year too.
    pub retained: i64,
    /// `retained ÷ previousYearDonors` (null when there were none).
    pub retention_rate: Option<f64>,
}

impl From<reports::DonorRetention> for DonorRetention {
    fn from(d: reports::DonorRetention) -> Self {
        DonorRetention {
            year: d.year,
            previous_year_donors: d.previous_donors,
            retained: d.retained,
            retention_rate: rate(d.retained, d.previous_donors),
        }
    }
}

/// One template's messages in the range.
#[derive(SimpleObject)]
pub struct MailingStatsRow {
    /// The template, e.g. `renewal-reminder`.
    pub template_key: String,
    /// Messages created in the range.
    pub total: i64,
    /// Still waiting to be sent (QUEUED or SENDING).
    pub queued: i64,
    /// Handed to the mail server.
    pub sent: i64,
    /// Given up.
    pub failed: i64,
    /// Not sent (opted out, no address, cancelled by staff).
    pub cancelled: i64,
    /// To print and post.
    pub letters: i64,
}

impl From<reports::MailStats> for MailingStatsRow {
    fn from(m: reports::MailStats) -> Self {
        MailingStatsRow {
            template_key: m.template_key,
            total: m.total,
            queued: m.queued,
            sent: m.sent,
            failed: m.failed,
            cancelled: m.cancelled,
            letters: m.letters,
        }
    }
}

/// One join cohort: the memberships that joined in a period, and how many were still current at
/// the end of that period and of each later one.
#[derive(SimpleObject)]
pub struct CohortRow {
    /// First day of the joining period.
    pub start: Date,
    /// Last day of the joining period.
    pub end: Date,
    /// Memberships whose join date falls in the period.
    pub size: i64,
    /// Of those, current at the end of the joining period, the next one, and so on up to `to`.
    pub still_current: Vec<i64>,
    /// `stillCurrent ÷ size` for each (empty when the cohort is empty).
    pub retention: Vec<f64>,
}

impl From<reports::Cohort> for CohortRow {
    fn from(c: reports::Cohort) -> Self {
        CohortRow {
            start: Date(c.start),
            end: Date(c.end),
            size: c.size,
            retention: c
                .still_current
                .iter()
                .filter_map(|n| rate(*n, c.size))
                .collect(),
            still_current: c.still_current,
        }
    }
}
