use async_graphql::{Context, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::types::account::{
    ApiKey, AuditEntry, AuditEntryConnection, AuditFilter, Resource,
};
use crate::services::audit::{self, AuditFilter as Filter};
use crate::services::auth::api_keys;
use crate::services::resources;

#[derive(Default)]
pub struct AdminQuery;

#[Object]
impl AdminQuery {
    /// Who changed what and when, newest first (admins).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "What to include.")] filter: Option<AuditFilter>,
    ) -> Result<AuditEntryConnection> {
        let state = guards::state(ctx)?;
        let page = guards::page_args(ctx, first, after)?;
        let f = filter.unwrap_or_default();
        let filter = Filter {
            entity: f.entity,
            entity_id: f.entity_id.map(|i| i.to_string()),
            actor: f.actor,
        };
        let result = audit::list(state, guards::viewer(ctx), &filter, page).await?;
        Ok(AuditEntryConnection::from_page(result, AuditEntry))
    }

    /// API keys, oldest first (admins). Secrets are never shown again.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn api_keys(&self, ctx: &Context<'_>) -> Result<Vec<ApiKey>> {
        let state = guards::state(ctx)?;
        Ok(api_keys::list(state, guards::viewer(ctx))
            .await?
            .into_iter()
            .map(ApiKey)
            .collect())
    }

    /// Articles and links for members. Everyone sees published ones (titles and summaries; the body
    /// and link when they hold the required permission); staff also see unpublished ones.
    async fn resources(&self, ctx: &Context<'_>) -> Result<Vec<Resource>> {
        let state = guards::state(ctx)?;
        Ok(resources::list(state, guards::viewer(ctx))
            .await?
            .into_iter()
            .map(Resource)
            .collect())
    }

    /// One resource. A restricted one the caller may not open is FORBIDDEN; an unpublished one is
    /// NOT_FOUND outside the staff.
    async fn resource(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Resource id.")] id: async_graphql::ID,
    ) -> Result<Option<Resource>> {
        let state = guards::state(ctx)?;
        let id = crate::graphql::parse_id(&id, "id")?;
        Ok(Some(Resource(
            resources::get(state, guards::viewer(ctx), id).await?,
        )))
    }
}
