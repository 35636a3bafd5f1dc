use async_graphql::{Context, Object, Result};

use crate::graphql::guards;
use crate::graphql::types::contact::Contact;
use crate::graphql::types::user::User;
use crate::services::auth::Viewer as AuthViewer;

#[derive(Default)]
pub struct ViewerQuery;

pub struct Viewer {
    user_id: i64,
    contact_id: Option<i64>,
}

/// The signed-in caller: their login and their own contact record.
#[Object]
impl Viewer {
    /// The login used for this request.
    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        let state = guards::state(ctx)?;
        Ok(User(
            crate::services::users::get(state, self.user_id).await?,
        ))
    }
    /// The caller's own contact record (null for staff logins without one).
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        let Some(id) = self.contact_id else {
            return Ok(None);
        };
        let state = guards::state(ctx)?;
        Ok(Some(Contact(
            crate::services::contacts::get(state, id).await?,
        )))
    }
    /// Permissions the caller holds through current memberships (their types' `grants`).
    async fn permissions(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let Some(id) = self.contact_id else {
            return Ok(Vec::new());
        };
        let state = guards::state(ctx)?;
        Ok(crate::services::memberships::permissions_of(state, id).await?)
    }
}

#[Object]
impl ViewerQuery {
    /// Who is calling: null for anonymous callers; UNAUTHENTICATED when the token is invalid, expired
    /// or revoked.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Option<Viewer>> {
        match guards::viewer(ctx) {
            AuthViewer::Anonymous => Ok(None),
            _ => {
                let u = guards::user(ctx)?;
                Ok(Some(Viewer {
                    user_id: u.user_id,
                    contact_id: u.contact_id,
                }))
            }
        }
    }

    /// Whether the caller holds a permission through a current membership (false for anonymous
    /// callers), e.g. `hasPermission(name: "members-area")`.
    async fn has_permission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Permission name.")] name: String,
    ) -> Result<bool> {
        let Some(contact_id) = guards::user_opt(ctx).and_then(|u| u.contact_id) else {
            return Ok(false);
        };
        let state = guards::state(ctx)?;
        let held = crate::services::memberships::permissions_of(state, contact_id).await?;
        Ok(held.contains(&name.trim().to_lowercase()))
    }
}
