use async_graphql::{Context, ID, Object, Result};

use crate::domain::patch::Patch;
use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard, SignedIn};
use crate::graphql::parse_id;
use crate::graphql::types::account::{
    ApiKey, CreateApiKeyInput, CreatedApiKey, UpdateMyProfileInput, UpdateUserInput,
};
use crate::graphql::types::common::patch;
use crate::graphql::types::contact::Contact;
use crate::graphql::types::user::User;
use crate::services::account;
use crate::services::auth::api_keys;

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Changes the caller's own name, phone, address, language and mailing preferences (any login
    /// linked to a contact).
    #[graphql(guard = "SignedIn")]
    async fn update_my_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateMyProfileInput,
    ) -> Result<Contact> {
        let state = guards::state(ctx)?;
        let viewer = guards::user(ctx)?;
        let s = |v| patch(v, |x: String| x);
        let change = account::ProfileChange {
            first_name: s(input.first_name),
            last_name: s(input.last_name),
            phone: s(input.phone),
            street: s(input.street),
            city: s(input.city),
            postal_code: s(input.postal_code),
            region: s(input.region),
            country: s(input.country),
            preferred_language: s(input.preferred_language),
            do_not_email: input.do_not_email,
            do_not_mail: input.do_not_mail,
        };
        Ok(Contact(
            account::update_my_profile(state, viewer, change).await?,
        ))
    }

    /// Changes the caller's password; their other sessions are signed out.
    #[graphql(guard = "SignedIn")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The password in use now.")] current_password: String,
        #[graphql(desc = "The new password.")] new_password: String,
    ) -> Result<bool> {
        let state = guards::state(ctx)?;
        account::change_password(state, guards::user(ctx)?, &current_password, &new_password)
            .await?;
        Ok(true)
    }

    /// Emails a single-use link to set a new password (valid one hour). Always returns true, whether or
    /// not the address has a login.
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Email of the login.")] email: String,
    ) -> Result<bool> {
        let state = guards::state(ctx)?;
        account::request_password_reset(state, &email).await;
        Ok(true)
    }

    /// Sets a new password with the token from a reset or invitation email. Signs the login out
    /// everywhere; sign in again with the new password.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token from the email link.")] token: String,
        #[graphql(desc = "The new password.")] new_password: String,
    ) -> Result<bool> {
        let state = guards::state(ctx)?;
        account::reset_password(state, &token, &new_password).await?;
        Ok(true)
    }

    /// Emails the caller a link confirming their login's email address (valid
    /// `auth.email_verification_days`). Returns false, sending nothing, when the address is already
    /// confirmed. At most three links of any kind an hour per login (`TOO_MANY_REQUESTS`).
    #[graphql(guard = "SignedIn")]
    async fn request_email_verification(&self, ctx: &Context<'_>) -> Result<bool> {
        let state = guards::state(ctx)?;
        Ok(account::request_email_verification(state, guards::user(ctx)?).await?)
    }

    /// Confirms a login's email address with the token from a verification email (no sign-in
    /// needed: the link may be opened on another device). Returns true; a used, expired or unknown
    /// token is `BAD_USER_INPUT`. Signed in, `viewer { user { emailVerified } }` shows the result.
    async fn verify_email(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token from the email link.")] token: String,
    ) -> Result<bool> {
        let state = guards::state(ctx)?;
        account::verify_email(state, &token).await?;
        Ok(true)
    }

    /// Invites a contact to the member portal (staff): creates a MEMBER login and emails a link to set
    /// a password.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn invite_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Contact to invite.")] contact_id: ID,
    ) -> Result<User> {
        let state = guards::state(ctx)?;
        let id = parse_id(&contact_id, "contactId")?;
        Ok(User(account::invite(state, &guards::actor(ctx), id).await?))
    }

    /// Changes a login's role, disabled flag or contact (admins).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Login to change.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateUserInput,
    ) -> Result<User> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let contact_id = match patch(input.contact_id, |c| c) {
            Patch::Set(c) => Patch::Set(parse_id(&c, "contactId")?),
            Patch::Clear => Patch::Clear,
            Patch::Keep => Patch::Keep,
        };
        let change = account::UserChange {
            role: input.role.map(Into::into),
            disabled: input.disabled,
            contact_id,
        };
        Ok(User(
            account::update_user(state, &guards::actor(ctx), id, change).await?,
        ))
    }

    /// Creates an API key for another system (admins). The secret is returned once.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new key.")] input: CreateApiKeyInput,
    ) -> Result<CreatedApiKey> {
        let state = guards::state(ctx)?;
        let creator = guards::user(ctx)?;
        let created = api_keys::create(
            state,
            &guards::actor(ctx),
            creator,
            &input.name,
            input.role.into(),
        )
        .await?;
        Ok(CreatedApiKey {
            api_key: ApiKey(created.key),
            secret: created.secret,
        })
    }

    /// Revokes an API key (admins): it stops working at once.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Key to revoke.")] id: ID,
    ) -> Result<ApiKey> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(ApiKey(
            api_keys::revoke(state, &guards::actor(ctx), id).await?,
        ))
    }
}
