use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard, SignedIn};
use crate::graphql::types::common::SortDirection;
use crate::graphql::types::contribution::{Contribution, ContributionConnection};
use crate::graphql::types::contribution_inputs::{
    ContributionFilter, ContributionOrderBy, ContributionOrderField,
};
use crate::graphql::types::giving::{Campaign, FinancialType, RecurringGift, RecurringStatus};
use crate::graphql::{parse_id, parse_optional_id};
use crate::services::contributions::{
    self, ContributionFilter as Filter, ContributionOrder, campaigns, financial_types, recurring,
};

#[derive(Default)]
pub struct ContributionQuery;

fn order_of(o: Option<ContributionOrderBy>) -> ContributionOrder {
    use ContributionOrderField as F;
    use SortDirection as D;
    match o.map(|o| (o.field, o.direction)) {
        None | Some((F::ReceivedDate, D::Desc)) => ContributionOrder::ReceivedDesc,
        Some((F::ReceivedDate, D::Asc)) => ContributionOrder::ReceivedAsc,
        Some((F::Amount, D::Desc)) => ContributionOrder::AmountDesc,
        Some((F::Amount, D::Asc)) => ContributionOrder::AmountAsc,
        Some((F::CreatedAt, D::Desc)) => ContributionOrder::CreatedDesc,
        Some((F::CreatedAt, D::Asc)) => ContributionOrder::CreatedAsc,
    }
}

#[Object]
impl ContributionQuery {
    /// One contribution (staff, or its donor).
    #[graphql(guard = "SignedIn")]
    async fn contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Contribution id.")] id: ID,
    ) -> Result<Option<Contribution>> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let found = contributions::get(state, guards::viewer(ctx), id).await?;
        Ok(Some(Contribution(found)))
    }

    /// Contributions of contacts not in the trash, one page at a time (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "What to include.")] filter: Option<ContributionFilter>,
        #[graphql(desc = "Sort order (default: received date, newest first).")] order_by: Option<
            ContributionOrderBy,
        >,
    ) -> Result<ContributionConnection> {
        let state = guards::state(ctx)?;
        let page = guards::page_args(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = Filter {
            contact_id: parse_optional_id(&f.contact_id, "filter.contactId")?,
            statuses: f
                .status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            financial_type: f.financial_type,
            campaign_id: parse_optional_id(&f.campaign_id, "filter.campaignId")?,
            from: f.from.map(|d| d.0),
            to: f.to.map(|d| d.0),
            currency: f.currency,
            amount_min: f.amount_min.map(|d| d.0),
            amount_max: f.amount_max.map(|d| d.0),
        };
        let viewer = guards::viewer(ctx);
        let result = contributions::list(state, viewer, &filter, order_of(order_by), page).await?;
        let ahead = ctx.look_ahead();
        if ahead.field("nodes").field("contact").exists()
            || ahead.field("edges").field("node").field("contact").exists()
        {
            guards::loaders(ctx)?
                .prime_contacts(result.items.iter().map(|(_, c)| c.contact_id))
                .await?;
        }
        Ok(ContributionConnection::from_page(result, Contribution))
    }

    /// Financial types by key (signed in); inactive ones with `includeInactive`.
    #[graphql(guard = "SignedIn")]
    async fn financial_types(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Include inactive types.", default)] include_inactive: bool,
    ) -> Result<Vec<FinancialType>> {
        let state = guards::state(ctx)?;
        let types = financial_types::list(state, guards::viewer(ctx), include_inactive).await?;
        Ok(types.into_iter().map(FinancialType).collect())
    }

    /// Campaigns, newest first (staff; at most 500).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn campaigns(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Include inactive campaigns.", default)] include_inactive: bool,
    ) -> Result<Vec<Campaign>> {
        let state = guards::state(ctx)?;
        let list = campaigns::list(state, guards::viewer(ctx), include_inactive).await?;
        Ok(list.into_iter().map(Campaign).collect())
    }

    /// One campaign (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Campaign id.")] id: ID,
    ) -> Result<Option<Campaign>> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Some(Campaign(
            campaigns::get(state, guards::viewer(ctx), id).await?,
        )))
    }

    /// Recurring gifts, newest first (staff; at most 500 — filter by contact or status).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn recurring_gifts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Of this contact.")] contact_id: Option<ID>,
        #[graphql(desc = "With this status.")] status: Option<RecurringStatus>,
    ) -> Result<Vec<RecurringGift>> {
        let state = guards::state(ctx)?;
        let contact = parse_optional_id(&contact_id, "contactId")?;
        let viewer = guards::viewer(ctx);
        let list = recurring::list(state, viewer, contact, status.map(Into::into)).await?;
        Ok(list.into_iter().map(RecurringGift).collect())
    }

    /// One recurring gift (staff, or its donor).
    #[graphql(guard = "SignedIn")]
    async fn recurring_gift(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Recurring gift id.")] id: ID,
    ) -> Result<Option<RecurringGift>> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Some(RecurringGift(
            recurring::get(state, guards::viewer(ctx), id).await?,
        )))
    }
}
