use async_graphql::{Context, Object, Result};

use crate::graphql::guards::{self, SignedIn, UserAgent};
use crate::graphql::types::user::{LoginResult, User};
use crate::services::auth;

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Signs in with email and password and returns a bearer token. A wrong email and a wrong password
    /// give the same UNAUTHENTICATED error.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Email of the login.")] email: String,
        #[graphql(desc = "Password of the login.")] password: String,
    ) -> Result<LoginResult> {
        let state = guards::state(ctx)?;
        let user_agent = ctx.data_opt::<UserAgent>().and_then(|u| u.0.clone());
        let client_ip = guards::client_ip(ctx);
        let result = auth::login(state, &email, &password, user_agent, &client_ip).await?;
        let viewer = auth::authenticate(state, &result.token).await?;
        if viewer.user().is_none() {
            return Err(
                crate::error::AppError::internal("new session did not authenticate").into(),
            );
        }
        Ok(LoginResult {
            token: result.token,
            expires_at: result.expires_at.into(),
            user: User(crate::services::users::me(state, &viewer).await?),
        })
    }

    /// Signs out: the token of this request stops working. Returns true.
    #[graphql(guard = "SignedIn")]
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool> {
        let state = guards::state(ctx)?;
        let user = guards::user(ctx)?;
        auth::logout(state, user).await?;
        Ok(true)
    }
}
