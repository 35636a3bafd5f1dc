use async_graphql::{Context, ID, Object, Result};

use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::types::signup::{
    CreateSignupFormInput, SignUpInput, SignUpResult, SignupForm, UpdateSignupFormInput,
};
use crate::graphql::{parse_id, parse_ids};
use crate::services::signup::{self as signup, SignUpInput as Input};
use crate::services::signup_forms::{self, FormInput};

#[derive(Default)]
pub struct SignupMutation;

fn maybe(v: async_graphql::MaybeUndefined<String>) -> Option<Option<String>> {
    match v {
        async_graphql::MaybeUndefined::Undefined => None,
        async_graphql::MaybeUndefined::Null => Some(None),
        async_graphql::MaybeUndefined::Value(s) => Some(Some(s)),
    }
}

#[Object]
impl SignupMutation {
    /// Creates a signup form (admins).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_signup_form(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new form.")] input: CreateSignupFormInput,
    ) -> Result<SignupForm> {
        let state = guards::state(ctx)?;
        let form = FormInput {
            slug: Some(input.slug),
            title: Some(input.title),
            intro: Some(input.intro),
            thank_you: Some(input.thank_you),
            membership_type_ids: Some(parse_ids(&input.membership_type_ids, "membershipTypeIds")?),
            allow_donation: input.allow_donation,
            suggested_donations: input
                .suggested_donations
                .map(|a| a.into_iter().map(|d| d.0).collect()),
            fields: input
                .fields
                .map(|f| f.into_iter().map(|f| f.into_field()).collect()),
            is_active: input.is_active,
        };
        let saved = signup_forms::save(state, guards::viewer(ctx), None, form).await?;
        Ok(SignupForm(saved))
    }

    /// Changes a signup form (admins).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_signup_form(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Form to change.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateSignupFormInput,
    ) -> Result<SignupForm> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let form = FormInput {
            slug: input.slug,
            title: input.title,
            intro: maybe(input.intro),
            thank_you: maybe(input.thank_you),
            membership_type_ids: input
                .membership_type_ids
                .map(|ids| parse_ids(&ids, "membershipTypeIds"))
                .transpose()?,
            allow_donation: input.allow_donation,
            suggested_donations: input
                .suggested_donations
                .map(|a| a.into_iter().map(|d| d.0).collect()),
            fields: input
                .fields
                .map(|f| f.into_iter().map(|f| f.into_field()).collect()),
            is_active: input.is_active,
        };
        let saved = signup_forms::save(state, guards::viewer(ctx), Some(id), form).await?;
        Ok(SignupForm(saved))
    }

    /// Signs someone up through a signup form (anyone may): the contact (a known email address is
    /// matched, without saying so: its owner gets an email instead), the membership — active at
    /// once when free, Pending until its dues are paid otherwise (payment instructions by email) —
    /// the answers, an optional donation, and with a `password` an online account that must
    /// confirm its address before it holds any member permission. Every problem is reported at
    /// once (`extensions.fields`); nothing is written then. At most `signup.max_per_address_per_hour`
    /// (20) signups per client address per hour, then TOO_MANY_REQUESTS.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The signup.")] input: SignUpInput,
    ) -> Result<SignUpResult> {
        let state = guards::state(ctx)?;
        let client_ip = guards::client_ip(ctx);
        let input = Input {
            form_slug: input.form_slug,
            first_name: input.first_name,
            last_name: input.last_name,
            email: input.email,
            phone: input.phone,
            password: input.password,
            // An unreadable id is reported with the other problems.
            membership_type_id: parse_id(&input.membership_type_id, "membershipTypeId").ok(),
            terms: input.terms,
            custom_fields: input.custom_fields.map(|j| j.0),
            donation: input.donation.map(|d| d.0),
            website: input.website,
        };
        let done = signup::sign_up(state, guards::viewer(ctx), &client_ip, input).await?;
        Ok(SignUpResult(done))
    }
}
