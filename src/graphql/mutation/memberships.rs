use async_graphql::{Context, ID, Object, Result};

use crate::domain::patch::Patch;
use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard};
use crate::graphql::parse_id;
use crate::graphql::types::common::patch;
use crate::graphql::types::membership::Membership;
use crate::graphql::types::membership_inputs::{
    CancelMembershipInput, CreateMembershipInput, RenewMembershipInput, UpdateMembershipInput,
};
use crate::services::memberships::{self, MembershipPatch, NewMembership};

#[derive(Default)]
pub struct MembershipMutation;

fn terms(t: Option<i32>) -> u32 {
    // Out-of-range values become 0 and are refused by the domain with the field named.
    t.map_or(1, |t| u32::try_from(t).unwrap_or(0))
}

#[Object]
impl MembershipMutation {
    /// Creates a membership (staff). The status is computed as of today unless `statusOverride` holds one.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn create_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new membership.")] input: CreateMembershipInput,
    ) -> Result<Membership> {
        let state = guards::state(ctx)?;
        let new = NewMembership {
            contact_id: parse_id(&input.contact_id, "contactId")?,
            membership_type_id: parse_id(&input.membership_type_id, "membershipTypeId")?,
            join_date: input.join_date.map(|d| d.0),
            start_date: input.start_date.map(|d| d.0),
            end_date: input.end_date.map(|d| d.0),
            terms: terms(input.terms),
            status_override: input
                .status_override
                .as_ref()
                .map(|s| parse_id(s, "statusOverride"))
                .transpose()?,
            override_until: input.override_until.map(|d| d.0),
            source: input.source,
        };
        Ok(Membership(
            memberships::create(state, &guards::actor(ctx), new).await?,
        ))
    }

    /// Changes a membership's type, dates or held status (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn update_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Membership to change.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateMembershipInput,
    ) -> Result<Membership> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let status_override = match patch(input.status_override, |s| s) {
            Patch::Set(s) => Patch::Set(parse_id(&s, "statusOverride")?),
            Patch::Clear => Patch::Clear,
            Patch::Keep => Patch::Keep,
        };
        let change = MembershipPatch {
            membership_type_id: input
                .membership_type_id
                .as_ref()
                .map(|t| parse_id(t, "membershipTypeId"))
                .transpose()?,
            join_date: input.join_date.map(|d| d.0),
            start_date: input.start_date.map(|d| d.0),
            end_date: patch(input.end_date, |d| d.0),
            status_override,
            override_until: patch(input.override_until, |d| d.0),
            source: patch(input.source, |s| s),
        };
        Ok(Membership(
            memberships::update(state, &guards::actor(ctx), id, change).await?,
        ))
    }

    /// Renews a membership (staff): a current one extends to a later anniversary of its start date; one
    /// that has lapsed starts a new period on the renewal date. "Member since" is kept.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn renew_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Membership to renew.")] id: ID,
        #[graphql(desc = "Renewal date and terms (defaults: today, 1).")] input: Option<
            RenewMembershipInput,
        >,
    ) -> Result<Membership> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let input = input.unwrap_or_default();
        let renewed = memberships::renew(
            state,
            &guards::actor(ctx),
            id,
            input.renewal_date.map(|d| d.0),
            terms(input.terms),
        )
        .await?;
        Ok(Membership(renewed))
    }

    /// The member renews their own membership online (staff may do it for them), inside its type's
    /// renewal window: a PENDING
    /// dues payment for the quoted price (renewing it when the payment is completed) and payment
    /// instructions by email, or an immediate renewal when the price is nothing.
    #[graphql(guard = "crate::graphql::guards::SignedIn")]
    async fn renew_my_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The membership.")] membership_id: ID,
        #[graphql(desc = "Terms (default 1).")] input: Option<
            crate::graphql::types::renewal::RenewMyMembershipInput,
        >,
    ) -> Result<crate::graphql::types::renewal::RenewMyMembershipResult> {
        let state = guards::state(ctx)?;
        let id = parse_id(&membership_id, "membershipId")?;
        let terms = terms(input.unwrap_or_default().terms);
        let done =
            memberships::self_renewal::renew_mine(state, guards::viewer(ctx), id, terms).await?;
        Ok(done.into())
    }

    /// Cancels a membership (staff): its status becomes Cancelled and is held.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn cancel_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Membership to cancel.")] id: ID,
        #[graphql(desc = "The reason, if any.")] input: Option<CancelMembershipInput>,
    ) -> Result<Membership> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let reason = input.and_then(|i| i.reason);
        Ok(Membership(
            memberships::cancel(state, &guards::actor(ctx), id, reason).await?,
        ))
    }
}
