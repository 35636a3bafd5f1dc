use async_graphql::{Context, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::types::signup::SignupForm;
use crate::services::signup_forms;

#[derive(Default)]
pub struct SignupQuery;

#[Object]
impl SignupQuery {
    /// An active signup form by its slug, for anyone: what a website or app needs to render it,
    /// including each offered type's price. Unknown and inactive slugs are NOT_FOUND alike (admins
    /// also see inactive forms, to preview them).
    async fn signup_form(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The form's slug.")] slug: String,
    ) -> Result<SignupForm> {
        let state = guards::state(ctx)?;
        let form = signup_forms::by_slug(state, guards::viewer(ctx), &slug).await?;
        Ok(SignupForm(form))
    }

    /// Every signup form, by slug (admins).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn signup_forms(&self, ctx: &Context<'_>) -> Result<Vec<SignupForm>> {
        let state = guards::state(ctx)?;
        let forms = signup_forms::list(state, guards::viewer(ctx)).await?;
        Ok(forms.into_iter().map(SignupForm).collect())
    }
}
