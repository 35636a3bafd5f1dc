use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role as DomainRole;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::parse_id;
use crate::graphql::types::user::{Role, User, UserConnection};
use crate::services::users;

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// Logins, oldest first (admins).
    #[graphql(guard = "RoleGuard(DomainRole::Admin)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Only logins with this role.")] role: Option<Role>,
    ) -> Result<UserConnection> {
        let state = guards::state(ctx)?;
        let page = guards::page_args(ctx, first, after)?;
        let result = users::list(state, guards::viewer(ctx), role.map(Into::into), page).await?;
        Ok(UserConnection::from_page(result, User))
    }

    /// One login by id (admins).
    #[graphql(guard = "RoleGuard(DomainRole::Admin)")]
    async fn user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Login id.")] id: ID,
    ) -> Result<Option<User>> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Some(User(
            users::get(state, guards::viewer(ctx), id).await?,
        )))
    }
}
