use async_graphql::{Context, ID, Object, Result};

use crate::domain::membership::Visibility;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::graphql::guards::{self, RoleGuard, SignedIn};
use crate::graphql::types::common::SortDirection;
use crate::graphql::types::membership::{
    Membership, MembershipConnection, MembershipStatus, MembershipType,
};
use crate::graphql::types::membership_inputs::{
    MembershipFilter, MembershipOrderBy, MembershipOrderField,
};
use crate::graphql::{parse_id, parse_ids};
use crate::services::memberships::{self, MembershipFilter as Filter, MembershipOrder};
use crate::services::pagination::PageArgs;
use crate::services::{membership_types, statuses};

#[derive(Default)]
pub struct MembershipQuery;

fn is_staff(ctx: &Context<'_>) -> bool {
    guards::user_opt(ctx).is_some_and(|u| u.role.at_least(Role::Staff))
}

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
        let staff = is_staff(ctx);
        let types = membership_types::list(state, !staff, staff && include_inactive).await?;
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
        let t = membership_types::get(&state.db, id, "id").await?;
        let public = t.is_active && t.visibility == Visibility::Public.as_str();
        if !public && !is_staff(ctx) {
            return Err(AppError::not_found("membership type", id, "id").into());
        }
        Ok(Some(MembershipType(t)))
    }

    /// Every status with its rule, in the order rules are tried.
    #[graphql(guard = "SignedIn")]
    async fn membership_statuses(&self, ctx: &Context<'_>) -> Result<Vec<MembershipStatus>> {
        let state = guards::state(ctx)?;
        Ok(statuses::all(&state.db)
            .await?
            .into_iter()
            .map(MembershipStatus)
            .collect())
    }

    /// One membership (staff, or the member it belongs to).
    async fn membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Membership id.")] id: ID,
    ) -> Result<Option<Membership>> {
        let state = guards::state(ctx)?;
        let viewer = guards::user(ctx)?;
        let found = memberships::get(state, parse_id(&id, "id")?).await;
        if !viewer.role.at_least(Role::Staff) {
            // Members get FORBIDDEN for anything not theirs, existing or not: ids tell nothing.
            match &found {
                Ok(m) if viewer.contact_id == Some(m.contact_id) => {}
                _ => return Err(AppError::forbidden().into()),
            }
        }
        Ok(Some(Membership(found?)))
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
        let page = PageArgs::new(first, after, state.settings.graphql.max_page_size)?;
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
        };
        let o = order_by.unwrap_or_default();
        let order = match (o.field, o.direction) {
            (MembershipOrderField::CreatedAt, SortDirection::Asc) => MembershipOrder::CreatedAsc,
            (MembershipOrderField::CreatedAt, SortDirection::Desc) => MembershipOrder::CreatedDesc,
            (MembershipOrderField::EndDate, SortDirection::Asc) => MembershipOrder::EndDateAsc,
            (MembershipOrderField::EndDate, SortDirection::Desc) => MembershipOrder::EndDateDesc,
        };
        let result = memberships::list(state, &filter, order, page).await?;
        Ok(MembershipConnection::from_page(result, Membership))
    }
}
