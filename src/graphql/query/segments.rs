//! Segments queries: tags, groups, interests, saved searches and live counts.

use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::parse_id;
use crate::graphql::types::contact::ContactFilter;
use crate::graphql::types::segments::{self, Group, Interest, SavedSearch, Tag};
use crate::services::segments::{groups, interests, saved_searches, tags};

#[derive(Default)]
pub struct SegmentQuery;

#[Object]
impl SegmentQuery {
    /// Every tag, by name (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn tags(&self, ctx: &Context<'_>) -> Result<Vec<Tag>> {
        let state = guards::state(ctx)?;
        Ok(tags::list(state, guards::viewer(ctx))
            .await?
            .into_iter()
            .map(Tag)
            .collect())
    }

    /// Every group in use (not deleted), by name (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn groups(&self, ctx: &Context<'_>) -> Result<Vec<Group>> {
        let state = guards::state(ctx)?;
        Ok(groups::list(state, guards::viewer(ctx))
            .await?
            .into_iter()
            .map(Group)
            .collect())
    }

    /// One group (staff), a deleted one too (with `deletedAt`): contacts' group history names it.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Group id.")] id: ID,
    ) -> Result<Group> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Group(groups::get(state, guards::viewer(ctx), id).await?))
    }

    /// Interests by name: all of them for staff, archived ones included (with `archivedAt`); the
    /// public ones not archived for anyone else (a sign-up form offers these to `subscribe`).
    async fn interests(&self, ctx: &Context<'_>) -> Result<Vec<Interest>> {
        let state = guards::state(ctx)?;
        Ok(interests::list(state, guards::viewer(ctx))
            .await?
            .into_iter()
            .map(Interest)
            .collect())
    }

    /// Every saved search, by name (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn saved_searches(&self, ctx: &Context<'_>) -> Result<Vec<SavedSearch>> {
        let state = guards::state(ctx)?;
        Ok(saved_searches::list(state, guards::viewer(ctx))
            .await?
            .into_iter()
            .map(SavedSearch)
            .collect())
    }

    /// One saved search (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn saved_search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Saved search id.")] id: ID,
    ) -> Result<SavedSearch> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(SavedSearch(
            saved_searches::get(state, guards::viewer(ctx), id).await?,
        ))
    }

    /// How many live contacts a filter matches now (staff): the live count while a saved search
    /// or a mailing audience is being put together.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn count_contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The filter.")] filter: ContactFilter,
    ) -> Result<u64> {
        let state = guards::state(ctx)?;
        let f = segments::contact_filter(state, filter).await?;
        Ok(saved_searches::count(state, guards::viewer(ctx), f).await?)
    }
}
