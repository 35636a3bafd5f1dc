use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard, SignedIn};
use crate::graphql::types::common::SortDirection;
use crate::graphql::types::membership::{
    Membership, MembershipConnection, MembershipStatus, MembershipType,
};
use crate::graphql::types::membership_inputs::{
    MembershipFilter, MembershipOrderBy, MembershipOrderField,
};
use crate::graphql::{parse_id, parse_ids};
use crate::services::membership_types;
use crate::services::memberships::{self, MembershipFilter as Filter, MembershipOrder};

#[derive(Default)]
pub struct MembershipQuery;

#[Object]
impl MembershipQuery {
    /// Membership types in display order. Anonymous callers and members see active public types;
    /// staff see every active type, and inactive ones too with `includeInactive`.
    async fn membership_types(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Include inactive types (staff only).", default)] include_inactive: bool,
    ) -> Result<Vec<MembershipType>> {
        let state = guards::state(ctx)?;
        let types = membership_types::list(state, guards::viewer(ctx), include_inactive).await?;
        Ok(types.into_iter().map(MembershipType).collect())
    }

    /// One membership type. Anonymous callers and members only find active public types.
    async fn membership_type(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Type id.")] id: ID,
    ) -> Result<Option<MembershipType>> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Some(MembershipType(
            membership_types::find(state, guards::viewer(ctx), id).await?,
        )))
    }

    /// Every status with its rule, in the order rules are tried.
    #[graphql(guard = "SignedIn")]
    async fn membership_statuses(&self, ctx: &Context<'_>) -> Result<Vec<MembershipStatus>> {
        let state = guards::state(ctx)?;
        Ok(state
            .reference
            .statuses(&state.db)
            .await?
            .iter()
            .cloned()
            .map(MembershipStatus)
            .collect())
    }

    /// One membership (staff, or the member it belongs to).
    #[graphql(guard = "SignedIn")]
    async fn membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Membership id.")] id: ID,
    ) -> Result<Option<Membership>> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Some(Membership(
            memberships::get(state, guards::viewer(ctx), id).await?,
        )))
    }

    /// What renewing a membership online would cost today and when its member may do it (the
    /// member who holds it, or staff).
    #[graphql(guard = "SignedIn")]
    async fn renewal_quote(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The membership.")] membership_id: ID,
        #[graphql(desc = "Terms (default 1).", default = 1)] terms: i32,
    ) -> Result<crate::graphql::types::renewal::RenewalQuote> {
        let state = guards::state(ctx)?;
        let id = parse_id(&membership_id, "membershipId")?;
        let terms = u32::try_from(terms).unwrap_or(0);
        let q =
            memberships::self_renewal::renewal_quote(state, guards::viewer(ctx), id, terms).await?;
        Ok(q.into())
    }

    /// Memberships of contacts not in the trash, one page at a time (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn memberships(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "What to include.")] filter: Option<MembershipFilter>,
        #[graphql(desc = "Sort order (default: creation, ascending).")] order_by: Option<
            MembershipOrderBy,
        >,
    ) -> Result<MembershipConnection> {
        let state = guards::state(ctx)?;
        let page = guards::page_args(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = Filter {
            contact_id: f
                .contact_id
                .as_ref()
                .map(|id| parse_id(id, "contactId"))
                .transpose()?,
            membership_type_ids: parse_ids(
                &f.membership_type_ids.unwrap_or_default(),
                "membershipTypeIds",
            )?,
            status_ids: parse_ids(&f.status_ids.unwrap_or_default(), "statusIds")?,
            end_date_from: f.end_date_from.map(|d| d.0),
            end_date_to: f.end_date_to.map(|d| d.0),
            is_current: f.is_current,
            custom_fields: crate::graphql::types::signup::custom_filters(f.custom_fields),
        };
        let o = order_by.unwrap_or_default();
        let order = match (o.field, o.direction) {
            (MembershipOrderField::CreatedAt, SortDirection::Asc) => MembershipOrder::CreatedAsc,
            (MembershipOrderField::CreatedAt, SortDirection::Desc) => MembershipOrder::CreatedDesc,
            (MembershipOrderField::EndDate, SortDirection::Asc) => MembershipOrder::EndDateAsc,
            (MembershipOrderField::EndDate, SortDirection::Desc) => MembershipOrder::EndDateDesc,
        };
        let result = memberships::list(state, guards::viewer(ctx), &filter, order, page).await?;
        let ahead = ctx.look_ahead();
        if ahead.field("nodes").field("contact").exists()
            || ahead.field("edges").field("node").field("contact").exists()
        {
            guards::loaders(ctx)?
                .prime_contacts(result.items.iter().map(|(_, m)| m.contact_id))
                .await?;
        }
        Ok(MembershipConnection::from_page(result, Membership))
    }
}
