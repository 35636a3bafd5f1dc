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
}
