use async_graphql::{Context, ID, Object, Result, SimpleObject};

use crate::graphql::guards;
use crate::graphql::parse_id;
use crate::graphql::types::membership::Membership;
use crate::services::payments::{self, renewals};

#[derive(Default)]
pub struct PaymentMutation;

/// Where to send the payer.
#[derive(SimpleObject)]
pub struct StartedPayment {
    /// The payment provider's page for this contribution (valid about a day).
    pub url: String,
    /// The contribution being paid.
    pub contribution_id: ID,
}

#[Object]
impl PaymentMutation {
    /// Opens the payment provider's page for a PENDING contribution: for staff, for the member it
    /// belongs to, or for anyone holding the `paymentToken` that `signUp` returned for it (FORBIDDEN
    /// otherwise). Asked again within a day, the same page is returned. CONFLICT when payments are
    /// offline or there is nothing to pay; INTERNAL with `extensions.retryable` when the provider
    /// does not answer.
    async fn start_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contribution to pay.")] contribution_id: ID,
        #[graphql(desc = "The `paymentToken` from `signUp`, when not signed in.")] token: Option<
            String,
        >,
    ) -> Result<StartedPayment> {
        let state = guards::state(ctx)?;
        let id = parse_id(&contribution_id, "contributionId")?;
        let started = payments::start(state, guards::viewer(ctx), id, token.as_deref()).await?;
        Ok(StartedPayment {
            url: started.url,
            contribution_id: ID(started.contribution_id.to_string()),
        })
    }

    /// Turns automatic renewal on or off for a membership (its member, or staff). The type must
    /// allow it (`autoRenew` OPTIONAL or REQUIRED; REQUIRED cannot be turned off). Renewals then
    /// charge the card saved with the last online payment, `payments.auto_renew_days_before` days
    /// before the end date.
    async fn set_my_auto_renew(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The membership.")] membership_id: ID,
        #[graphql(desc = "On or off.")] enabled: bool,
    ) -> Result<Membership> {
        let state = guards::state(ctx)?;
        let id = parse_id(&membership_id, "membershipId")?;
        let m = renewals::set_auto_renew(state, guards::viewer(ctx), id, enabled).await?;
        Ok(Membership(m))
    }
}
