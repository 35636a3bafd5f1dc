use async_graphql::{Context, Object, Result};

use crate::domain::role::Role as DomainRole;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::parse_id;
use crate::graphql::types::user::{CreateUserInput, User};
use crate::services::users::{self, NewUser};

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Creates a login (admins). MEMBER logins must be linked to a contact.
    #[graphql(guard = "RoleGuard(DomainRole::Admin)")]
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new login.")] input: CreateUserInput,
    ) -> Result<User> {
        let state = guards::state(ctx)?;
        let contact_id = input
            .contact_id
            .as_ref()
            .map(|id| parse_id(id, "contactId"))
            .transpose()?;
        let created = users::create(
            state,
            &guards::actor(ctx),
            NewUser {
                email: input.email,
                password: input.password,
                role: input.role.into(),
                contact_id,
            },
        )
        .await?;
        Ok(User(created))
    }
}
