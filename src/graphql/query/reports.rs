use async_graphql::{Context, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::parse_ids;
use crate::graphql::scalars::Date;
use crate::graphql::types::contact::{Contact, ContactConnection};
use crate::graphql::types::membership::{Membership, MembershipConnection};
use crate::graphql::types::report::{
    CohortRow, ContributionGroupBy, ContributionSummary, DonorRetention, DonorTotal,
    MailingStatsRow, MembershipSummary, MembershipTrends, ReportInterval, RetentionReport,
};
use crate::services::reports;

#[derive(Default)]
pub struct ReportQuery;

/// LYBUNT or SYBUNT as a contact connection.
async fn lapsed_donors(
    ctx: &Context<'_>,
    which: reports::Lapsed,
    year: i32,
    first: Option<i32>,
    after: Option<String>,
) -> Result<ContactConnection> {
    let state = guards::state(ctx)?;
    let page = guards::page_args(ctx, first, after)?;
    let result = reports::lapsed_donors(state, guards::viewer(ctx), which, year, page).await?;
    Ok(ContactConnection::from_page(result, Contact))
}

#[Object]
impl ReportQuery {
    /// Completed contributions received from `from` to `to` (both included), grouped, per currency
    /// (staff). Amounts are net of partial refunds; fully refunded (REFUNDED), pending, failed and
    /// cancelled contributions do not count; soft credits are not added; currencies are never
    /// mixed.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn contribution_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "First day counted.")] from: Date,
        #[graphql(desc = "Last day counted.")] to: Date,
        #[graphql(desc = "How to group.")] group_by: ContributionGroupBy,
    ) -> Result<ContributionSummary> {
        let state = guards::state(ctx)?;
        let rows = reports::contribution_summary(
            state,
            guards::viewer(ctx),
            from.0,
            to.0,
            group_by.into(),
        )
        .await?;
        Ok(ContributionSummary::new(from, to, rows))
    }

    /// Members on a date (staff): memberships by type and status as the records stood at the end
    /// of that day, statuses judged by the status rules; current members (contacts) and current
    /// memberships. With `compareTo`, the same figures for a second date in `comparison`.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn membership_summary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The date.")] as_of: Date,
        #[graphql(desc = "A second date to compare with.")] compare_to: Option<Date>,
    ) -> Result<MembershipSummary> {
        let state = guards::state(ctx)?;
        let viewer = guards::viewer(ctx);
        let mut summary: MembershipSummary = reports::membership_summary(state, viewer, as_of.0)
            .await?
            .into();
        if let Some(other) = compare_to {
            let other: MembershipSummary = reports::membership_summary(state, viewer, other.0)
                .await?
                .into();
            summary.comparison = Some(Box::new(other));
        }
        Ok(summary)
    }

    /// Retention from `from` to `to` (staff): of the contacts current on `from`, how many are
    /// current on `to` (`retentionRate`, `churnRate = 1 − retentionRate`), and of the memberships
    /// that came due in the range, how many were renewed (`renewalRate`) — overall and per type.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn retention(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Start of the range.")] from: Date,
        #[graphql(desc = "End of the range.")] to: Date,
    ) -> Result<RetentionReport> {
        let state = guards::state(ctx)?;
        let figures = reports::retention(state, guards::viewer(ctx), from.0, to.0).await?;
        Ok(RetentionReport { from, to, figures })
    }

    /// Members and movements per period from `from` to `to` (staff): current members at each
    /// period's end, joins, renewals, lapses, reinstatements and the net change — for all types or
    /// for `membershipTypeIds`. At most 120 periods.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn membership_trends(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "First day of the first period.")] from: Date,
        #[graphql(desc = "Last day of the last period.")] to: Date,
        #[graphql(desc = "Length of each period.")] interval: ReportInterval,
        #[graphql(desc = "Only these membership types (default all).")] membership_type_ids: Option<
            Vec<async_graphql::ID>,
        >,
    ) -> Result<MembershipTrends> {
        let state = guards::state(ctx)?;
        let types = parse_ids(
            &membership_type_ids.unwrap_or_default(),
            "membershipTypeIds",
        )?;
        let periods = reports::trends(
            state,
            guards::viewer(ctx),
            from.0,
            to.0,
            interval.into(),
            &types,
        )
        .await?;
        Ok(MembershipTrends {
            periods: periods.into_iter().map(Into::into).collect(),
        })
    }

    /// Memberships that lapsed from `from` to `to` and were not renewed (staff): Expired on `to`,
    /// not Expired the day before `from`, and their contact holds no current membership on `to` —
    /// the list a win-back campaign starts from. By membership id.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn lapsed_members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Start of the range.")] from: Date,
        #[graphql(desc = "End of the range.")] to: Date,
        #[graphql(desc = "Page size (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
    ) -> Result<MembershipConnection> {
        let state = guards::state(ctx)?;
        let page = guards::page_args(ctx, first, after)?;
        let result =
            reports::lapsed_members(state, guards::viewer(ctx), from.0, to.0, page).await?;
        Ok(MembershipConnection::from_page(result, Membership))
    }

    /// LYBUNT donors (staff): contacts who gave in `year − 1` but not in `year` (gave = a COMPLETED
    /// contribution received that calendar year). By contact id.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn lybunt(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "This year.")] year: i32,
        #[graphql(desc = "Page size (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
    ) -> Result<ContactConnection> {
        lapsed_donors(ctx, reports::Lapsed::Lybunt, year, first, after).await
    }

    /// SYBUNT donors (staff): contacts who gave in some year before `year − 1` but neither in
    /// `year − 1` nor in `year` (so never also on LYBUNT). By contact id.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn sybunt(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "This year.")] year: i32,
        #[graphql(desc = "Page size (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
    ) -> Result<ContactConnection> {
        lapsed_donors(ctx, reports::Lapsed::Sybunt, year, first, after).await
    }

    /// Donor retention (staff): of the contacts who gave in `year − 1`, how many gave in `year`.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn donor_retention(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "This year.")] year: i32,
    ) -> Result<DonorRetention> {
        let state = guards::state(ctx)?;
        Ok(reports::donor_retention(state, guards::viewer(ctx), year)
            .await?
            .into())
    }

    /// The largest donors from `from` to `to` (staff): completed contributions net of refunds per
    /// contact and currency, largest first (ties by contact id).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn top_donors(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "First day counted.")] from: Date,
        #[graphql(desc = "Last day counted.")] to: Date,
        #[graphql(desc = "How many (default 10, at most 100).", default = 10)] limit: i32,
    ) -> Result<Vec<DonorTotal>> {
        let state = guards::state(ctx)?;
        let limit = u64::try_from(limit).unwrap_or(0);
        let rows = reports::top_donors(state, guards::viewer(ctx), from.0, to.0, limit).await?;
        Ok(rows.into_iter().map(DonorTotal).collect())
    }

    /// Messages created from `from` to `to` (UTC days, both included) by template and by what became
    /// of them: still queued, sent, failed, cancelled, letters (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn mailing_stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "First day.")] from: Date,
        #[graphql(desc = "Last day.")] to: Date,
    ) -> Result<Vec<MailingStatsRow>> {
        let state = guards::state(ctx)?;
        let rows = reports::mailing_stats(state, guards::viewer(ctx), from.0, to.0).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Join cohorts (staff): memberships grouped by the period their join date falls in, and for
    /// each how many were still current at the end of every period since — the table a membership
    /// manager reads retention from. At most 60 periods.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn cohort_retention(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "First day of the first cohort.")] from: Date,
        #[graphql(desc = "Last day measured.")] to: Date,
        #[graphql(desc = "Length of each period.")] interval: ReportInterval,
    ) -> Result<Vec<CohortRow>> {
        let state = guards::state(ctx)?;
        let rows =
            reports::cohorts(state, guards::viewer(ctx), from.0, to.0, interval.into()).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
