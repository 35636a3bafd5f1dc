use async_graphql::{Context, ID, Object, Result};

use crate::domain::patch::Patch;
use crate::domain::role::Role;
use crate::graphql::guards::{self, RoleGuard, SignedIn};
use crate::graphql::types::common::patch;
use crate::graphql::types::contribution::Contribution;
use crate::graphql::types::contribution_inputs::{
    CancelContributionInput, CreateCampaignInput, CreateFinancialTypeInput,
    CreateRecurringGiftInput, RecordContributionInput, RefundContributionInput,
    UpdateCampaignInput, UpdateContributionInput, UpdateFinancialTypeInput,
};
use crate::graphql::types::giving::{AnnualStatementRun, Campaign, FinancialType, RecurringGift};
use crate::graphql::{parse_id, parse_optional_id};
use crate::services::contributions::campaigns::{self, CampaignInput};
use crate::services::contributions::financial_types::{self, FinancialTypeInput};
use crate::services::contributions::recurring::{self, GiftAction, NewRecurringGift};
use crate::services::contributions::{
    self, ContributionPatch, NewContribution, NewSoftCredit, NewTribute, RefundInput, statements,
};

#[derive(Default)]
pub struct ContributionMutation;

/// Out-of-range terms become 0 and are refused with the field named.
fn terms(t: Option<i32>) -> u32 {
    t.map_or(1, |t| u32::try_from(t).unwrap_or(0))
}

fn new_contribution(input: RecordContributionInput) -> Result<NewContribution> {
    let mut memberships = Vec::new();
    for id in input.membership_ids.unwrap_or_default() {
        memberships.push((parse_id(&id, "membershipIds")?, terms(input.terms)));
    }
    for m in input.memberships.unwrap_or_default() {
        memberships.push((
            parse_id(&m.membership_id, "memberships.membershipId")?,
            terms(m.terms),
        ));
    }
    let mut soft_credits = Vec::new();
    for s in input.soft_credits.unwrap_or_default() {
        soft_credits.push(NewSoftCredit {
            contact_id: parse_id(&s.contact_id, "softCredits.contactId")?,
            kind: s.kind.into(),
            amount: s.amount.map(|a| a.0),
        });
    }
    let tribute = match input.tribute {
        Some(t) => Some(NewTribute {
            kind: t.kind.into(),
            name: t.name,
            contact_id: parse_optional_id(&t.contact_id, "tribute.contactId")?,
            notify_contact_id: parse_optional_id(&t.notify_contact_id, "tribute.notifyContactId")?,
        }),
        None => None,
    };
    Ok(NewContribution {
        contact_id: parse_id(&input.contact_id, "contactId")?,
        financial_type: input.financial_type,
        amount: input.amount.0,
        currency: input.currency,
        received_date: input.received_date.map(|d| d.0),
        status: input.status.map(Into::into),
        payment_instrument: input.payment_instrument.map(Into::into),
        transaction_id: input.transaction_id,
        source: input.source,
        note: input.note,
        campaign_id: parse_optional_id(&input.campaign_id, "campaignId")?,
        check_number: input.check_number,
        memberships,
        soft_credits,
        tribute,
        recurring: None,
    })
}

#[Object]
impl ContributionMutation {
    /// Records a contribution (staff). Recorded as COMPLETED (the default), it activates or extends
    /// the memberships it pays for and queues its receipt.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn record_contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contribution.")] input: RecordContributionInput,
    ) -> Result<Contribution> {
        let state = guards::state(ctx)?;
        let new = new_contribution(input)?;
        Ok(Contribution(
            contributions::record(state, &guards::actor(ctx), new).await?,
        ))
    }

    /// Changes a contribution (staff). Moving it to COMPLETED activates or extends what it pays
    /// for and queues its receipt, once however often it is completed.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn update_contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Contribution to change.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateContributionInput,
    ) -> Result<Contribution> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let campaign_id = match patch(input.campaign_id, |c| c) {
            Patch::Set(c) => Patch::Set(parse_id(&c, "campaignId")?),
            Patch::Clear => Patch::Clear,
            Patch::Keep => Patch::Keep,
        };
        let change = ContributionPatch {
            financial_type: input.financial_type,
            amount: input.amount.map(|a| a.0),
            currency: input.currency,
            received_date: input.received_date.map(|d| d.0),
            status: input.status.map(Into::into),
            payment_instrument: patch(input.payment_instrument, Into::into),
            transaction_id: patch(input.transaction_id, |t| t),
            source: patch(input.source, |t| t),
            note: patch(input.note, |t| t),
            campaign_id,
            check_number: patch(input.check_number, |t| t),
        };
        Ok(Contribution(
            contributions::update(state, &guards::actor(ctx), id, change).await?,
        ))
    }

    /// Refunds all or part of a completed contribution (staff). The original stays for the books;
    /// a full refund makes it REFUNDED. `cancelMemberships` also cancels what it paid for.
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn refund_contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Contribution to refund.")] id: ID,
        #[graphql(
            desc = "Amount (default: all that remains), reason, and whether to cancel memberships."
        )]
        input: Option<RefundContributionInput>,
    ) -> Result<Contribution> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let input = input.unwrap_or_default();
        let refund = RefundInput {
            amount: input.amount.map(|a| a.0),
            reason: input.reason,
            cancel_memberships: input.cancel_memberships,
        };
        Ok(Contribution(
            contributions::refund(state, &guards::actor(ctx), id, refund).await?,
        ))
    }

    /// Cancels a pending or failed contribution (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn cancel_contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Contribution to cancel.")] id: ID,
        #[graphql(desc = "The reason, if any.")] input: Option<CancelContributionInput>,
    ) -> Result<Contribution> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let reason = input.and_then(|i| i.reason);
        Ok(Contribution(
            contributions::cancel(state, &guards::actor(ctx), id, reason).await?,
        ))
    }

    /// Adds a financial type (admins).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn create_financial_type(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new type.")] input: CreateFinancialTypeInput,
    ) -> Result<FinancialType> {
        let state = guards::state(ctx)?;
        let input = FinancialTypeInput {
            key: Some(input.key),
            name: Some(input.name),
            is_deductible: input.is_deductible,
            sends_receipt: input.sends_receipt,
            is_active: input.is_active,
        };
        let t = financial_types::create(state, guards::viewer(ctx), input).await?;
        Ok(FinancialType(t))
    }

    /// Renames, retires or changes a financial type (admins).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn update_financial_type(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Financial type id.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateFinancialTypeInput,
    ) -> Result<FinancialType> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let input = FinancialTypeInput {
            key: None,
            name: input.name,
            is_deductible: input.is_deductible,
            sends_receipt: input.sends_receipt,
            is_active: input.is_active,
        };
        let t = financial_types::update(state, guards::viewer(ctx), id, input).await?;
        Ok(FinancialType(t))
    }

    /// Creates a campaign (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new campaign.")] input: CreateCampaignInput,
    ) -> Result<Campaign> {
        let state = guards::state(ctx)?;
        let input = CampaignInput {
            name: Some(input.name),
            description: input.description.map_or(Patch::Keep, Patch::Set),
            goal: input.goal.map_or(Patch::Keep, |g| Patch::Set(g.0)),
            currency: input.currency,
            start_date: input.start_date.map_or(Patch::Keep, |d| Patch::Set(d.0)),
            end_date: input.end_date.map_or(Patch::Keep, |d| Patch::Set(d.0)),
            is_active: input.is_active,
        };
        let c = campaigns::save(state, guards::viewer(ctx), None, input).await?;
        Ok(Campaign(c))
    }

    /// Changes a campaign (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn update_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Campaign id.")] id: ID,
        #[graphql(desc = "The changes.")] input: UpdateCampaignInput,
    ) -> Result<Campaign> {
        let state = guards::state(ctx)?;
        let id = parse_id(&id, "id")?;
        let input = CampaignInput {
            name: input.name,
            description: patch(input.description, |d| d),
            goal: patch(input.goal, |g| g.0),
            currency: input.currency,
            start_date: patch(input.start_date, |d| d.0),
            end_date: patch(input.end_date, |d| d.0),
            is_active: input.is_active,
        };
        let c = campaigns::save(state, guards::viewer(ctx), Some(id), input).await?;
        Ok(Campaign(c))
    }

    /// Sets up a recurring gift (staff).
    #[graphql(guard = "RoleGuard(Role::Staff)")]
    async fn create_recurring_gift(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The gift.")] input: CreateRecurringGiftInput,
    ) -> Result<RecurringGift> {
        let state = guards::state(ctx)?;
        let new = NewRecurringGift {
            contact_id: parse_id(&input.contact_id, "contactId")?,
            amount: input.amount.0,
            currency: input.currency,
            financial_type: input.financial_type,
            frequency: input.frequency.into(),
            start_date: input.start_date.map(|d| d.0),
            end_date: input.end_date.map(|d| d.0),
            campaign_id: parse_optional_id(&input.campaign_id, "campaignId")?,
            payment_instrument: input.payment_instrument.map(Into::into),
        };
        let g = recurring::create(state, guards::viewer(ctx), new).await?;
        Ok(RecurringGift(g))
    }

    /// Pauses a recurring gift: staff, or the donor for their own.
    #[graphql(guard = "SignedIn")]
    async fn pause_recurring_gift(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Recurring gift id.")] id: ID,
    ) -> Result<RecurringGift> {
        gift_action(ctx, &id, GiftAction::Pause).await
    }

    /// Resumes a paused recurring gift from its next due date on or after today (periods missed
    /// while paused are not created): staff, or the donor for their own.
    #[graphql(guard = "SignedIn")]
    async fn resume_recurring_gift(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Recurring gift id.")] id: ID,
    ) -> Result<RecurringGift> {
        gift_action(ctx, &id, GiftAction::Resume).await
    }

    /// Cancels a recurring gift for good: staff, or the donor for their own.
    #[graphql(guard = "SignedIn")]
    async fn cancel_recurring_gift(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Recurring gift id.")] id: ID,
    ) -> Result<RecurringGift> {
        gift_action(ctx, &id, GiftAction::Cancel).await
    }

    /// Queues every donor's giving statement for `year` (admins): their completed gifts with totals
    /// and the tax-deductible part. Sending a year again queues only statements not sent before.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn send_annual_statements(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The calendar year covered.")] year: i32,
    ) -> Result<AnnualStatementRun> {
        let state = guards::state(ctx)?;
        let run = statements::send(state, guards::viewer(ctx), year).await?;
        Ok(AnnualStatementRun {
            year,
            donors: run.donors,
            queued: run.queued,
        })
    }
}

async fn gift_action(ctx: &Context<'_>, id: &ID, action: GiftAction) -> Result<RecurringGift> {
    let state = guards::state(ctx)?;
    let id = parse_id(id, "id")?;
    let g = recurring::act(state, guards::viewer(ctx), id, action).await?;
    Ok(RecurringGift(g))
}
