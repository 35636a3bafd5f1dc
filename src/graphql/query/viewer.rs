use async_graphql::{Context, Object, Result};

use crate::graphql::guards;
use crate::graphql::types::contact::Contact;
use crate::graphql::types::user::User;
use crate::services::access;
use crate::services::auth::Viewer as AuthViewer;

#[derive(Default)]
pub struct ViewerQuery;

pub struct Viewer {
    contact_id: Option<i64>,
}

/// The signed-in caller: their login and their own contact record.
#[Object]
impl Viewer {
    /// The login used for this request.
    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        let state = guards::state(ctx)?;
        Ok(User(
            crate::services::users::me(state, guards::viewer(ctx)).await?,
        ))
    }
    /// The caller's own contact record (null for staff logins without one).
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        let Some(id) = self.contact_id else {
            return Ok(None);
        };
        let state = guards::state(ctx)?;
        Ok(Some(Contact(
            crate::services::contacts::get(state, guards::viewer(ctx), id).await?,
        )))
    }
    /// The caller's own event registrations, newest first (none without a contact record).
    async fn registrations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts.")] after: Option<String>,
    ) -> Result<crate::graphql::types::event::RegistrationConnection> {
        use crate::graphql::types::event::{Registration, RegistrationConnection};
        let state = guards::state(ctx)?;
        let page = guards::page_args(ctx, first, after)?;
        let found = crate::services::events::list::mine(state, guards::viewer(ctx), page).await?;
        Ok(RegistrationConnection::from_page(found, Registration::new))
    }
    /// Permissions the caller holds through current memberships (their types' `grants`).
    async fn permissions(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let state = guards::state(ctx)?;
        Ok(access::permissions(state, guards::viewer(ctx))
            .await?
            .to_vec())
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
        let state = guards::state(ctx)?;
        let name = name.trim().to_lowercase();
        Ok(access::holds(state, guards::viewer(ctx), &name).await?)
    }
}
