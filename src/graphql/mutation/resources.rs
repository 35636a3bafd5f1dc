use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::parse_id;
use crate::graphql::types::account::{CreateResourceInput, Resource, UpdateResourceInput};
use crate::graphql::types::common::patch;
use crate::services::resources::{self, ResourceFields};

#[derive(Default)]
pub struct ResourceMutation;

#[Object]
impl ResourceMutation {
    /// Adds an article or link for members (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn create_resource(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new resource.")] input: CreateResourceInput,
    ) -> Result<Resource> {
        let state = guards::state(ctx)?;
        let f = ResourceFields {
            title: input.title,
            summary: input.summary,
            body: input.body,
            url: input.url,
            required_permission: input.required_permission,
            is_published: input.is_published.unwrap_or(false),
        };
        Ok(Resource(resources::create(state, f).await?))
    }

    /// Changes a resource (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn update_resource(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Resource to change.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateResourceInput,
    ) -> Result<Resource> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let updated = resources::update(state, id, |mut f| {
            if let Some(t) = input.title {
                f.title = t;
            }
            f.summary = patch(input.summary, |s| s).apply(f.summary);
            f.body = patch(input.body, |s| s).apply(f.body);
            f.url = patch(input.url, |s| s).apply(f.url);
            f.required_permission =
                patch(input.required_permission, |s| s).apply(f.required_permission);
            if let Some(p) = input.is_published {
                f.is_published = p;
            }
            f
        })
        .await?;
        Ok(Resource(updated))
    }
}
