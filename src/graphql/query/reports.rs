use async_graphql::{Context, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::scalars::Date;
use crate::graphql::types::report::{ContributionGroupBy, ContributionSummary};
use crate::services::reports;

#[derive(Default)]
pub struct ReportQuery;

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
}
