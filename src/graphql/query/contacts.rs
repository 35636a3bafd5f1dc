use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role;
use crate::error::AppError;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::parse_id;
use crate::graphql::types::common::SortDirection;
use crate::graphql::types::contact::{
    Contact, ContactConnection, ContactFilter, ContactOrderBy, ContactOrderField,
};
use crate::services::contacts::{self, ContactFilter as Filter, ContactOrder};

#[derive(Default)]
pub struct ContactQuery;

#[Object]
impl ContactQuery {
    /// One contact by id (staff, or a member asking for their own). Contacts in the trash are
    /// returned too, with `deletedAt` set.
    async fn contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Contact id.")] id: ID,
    ) -> Result<Option<Contact>> {
        let id = parse_id(&id, "id")?;
        let state = guards::state(ctx)?;
        let contact = contacts::get(state, guards::viewer(ctx), id).await?;
        if ctx.look_ahead().field("memberships").exists() {
            guards::loaders(ctx)?.prime_memberships_of(&[id]).await?;
        }
        Ok(Some(Contact(contact)))
    }

    /// Contacts, one page at a time (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Page size (default 20, at most the configured maximum, 100 by default)."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Cursor after which the page starts (`pageInfo.endCursor` of the previous page)."
        )]
        after: Option<String>,
        #[graphql(desc = "What to include.")] filter: Option<ContactFilter>,
        #[graphql(desc = "Sort order (default: by relevance when searching, else by name).")]
        order_by: Option<ContactOrderBy>,
    ) -> Result<ContactConnection> {
        let state = guards::state(ctx)?;
        let page = guards::page_args(ctx, first, after)?;
        let filter: Filter =
            crate::graphql::types::segments::evaluated_filter(state, filter.unwrap_or_default())
                .await?;
        let order = match order_by {
            // Searching without an order ranks by relevance.
            None if filter.search.is_some() => ContactOrder::Relevance,
            None => ContactOrder::NameAsc,
            Some(o) => match (o.field, o.direction) {
                (ContactOrderField::Name, SortDirection::Asc) => ContactOrder::NameAsc,
                (ContactOrderField::Name, SortDirection::Desc) => ContactOrder::NameDesc,
                (ContactOrderField::CreatedAt, SortDirection::Asc) => ContactOrder::CreatedAsc,
                (ContactOrderField::CreatedAt, SortDirection::Desc) => ContactOrder::CreatedDesc,
                (ContactOrderField::Relevance, SortDirection::Asc) => ContactOrder::Relevance,
                (ContactOrderField::Relevance, SortDirection::Desc) => {
                    return Err(AppError::bad_input(
                        "orderBy.direction",
                        "relevance is ascending only",
                    )
                    .into());
                }
            },
        };
        let result = contacts::list(state, guards::viewer(ctx), &filter, order, page).await?;
        let ahead = ctx.look_ahead();
        if ahead.field("nodes").field("memberships").exists()
            || ahead
                .field("edges")
                .field("node")
                .field("memberships")
                .exists()
        {
            let ids: Vec<i64> = result.items.iter().map(|(_, c)| c.id).collect();
            guards::loaders(ctx)?.prime_memberships_of(&ids).await?;
        }
        Ok(ContactConnection::from_page(result, Contact))
    }
}
