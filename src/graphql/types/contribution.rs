//! Contributions and what hangs off them: paid memberships, soft credits, refunds, tributes.

use async_graphql::{Context, ID, Object, Result};

use super::contact::Contact;
use super::giving::{Campaign, FinancialType, money};
use super::membership::Membership;
use crate::domain::contribution as dc;
use crate::graphql::guards;
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::services::access;

crate::mirror_enum!(
    /// Where a contribution stands.
    ContributionStatus <=> dc::ContributionStatus {
        /// Promised or awaiting payment.
        Pending,
        /// Received.
        Completed,
        /// Called off before it was paid.
        Cancelled,
        /// The payment failed.
        Failed,
        /// Paid, then refunded in full.
        Refunded,
    }
);

crate::mirror_enum!(
    /// How a contribution was paid.
    PaymentInstrument <=> dc::PaymentInstrument {
        /// Cash.
        Cash,
        /// A cheque (see `checkNumber`).
        Check,
        /// A card payment.
        Card,
        /// A bank transfer or direct debit.
        BankTransfer,
        /// Anything else.
        Other,
    }
);

crate::mirror_enum!(
    /// Why another contact is credited with a gift.
    SoftCreditKind <=> dc::SoftCreditKind {
        /// A member of the donor's household.
        Household,
        /// An employer matching the gift.
        Matching,
        /// A peer fundraiser who brought the gift in.
        PeerFundraiser,
        /// Another reason.
        Other,
    }
);

crate::mirror_enum!(
    /// A gift made in someone's name.
    TributeKind <=> dc::TributeKind {
        /// In honour of a living person.
        InHonorOf,
        /// In memory of someone who died.
        InMemoryOf,
    }
);

/// A payment or gift received (or expected) from a contact: dues, a donation, an event fee.
#[derive(Clone, Debug)]
pub struct Contribution(pub dc::Contribution);

/// A payment or gift received (or expected) from a contact: dues, a donation, an event fee.
#[Object]
impl Contribution {
    /// Identifier of the contribution.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The donor or payer.
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        access::require_self_or_staff(guards::viewer(ctx), self.0.contact_id)?;
        Ok(guards::loaders(ctx)?
            .contact(self.0.contact_id)
            .await?
            .map(Contact))
    }
    /// What the contribution is for.
    async fn financial_type(&self, ctx: &Context<'_>) -> Result<Option<FinancialType>> {
        super::giving::financial_type_by_id(ctx, self.0.financial_type_id).await
    }
    /// The amount received, in `currency` (refunds are shown apart, in `refundedAmount`).
    async fn amount(&self) -> Decimal {
        money(self.0.amount_minor, &self.0.currency)
    }
    /// ISO 4217 currency of the amounts.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// How much has been refunded.
    async fn refunded_amount(&self) -> Decimal {
        money(self.0.refunded_minor, &self.0.currency)
    }
    /// The amount kept: `amount` less refunds.
    async fn net_amount(&self) -> Decimal {
        money(
            self.0.amount_minor - self.0.refunded_minor,
            &self.0.currency,
        )
    }
    /// The day the money was received (or, while pending, is expected).
    async fn received_date(&self) -> Date {
        self.0.received_date.into()
    }
    /// Where it stands.
    async fn status(&self) -> ContributionStatus {
        self.0.status.into()
    }
    /// How it was paid.
    async fn payment_instrument(&self) -> Option<PaymentInstrument> {
        self.0.payment_instrument.map(Into::into)
    }
    /// The payment provider's or bank's reference; unique among contributions.
    async fn transaction_id(&self) -> Option<&str> {
        self.0.transaction_id.as_deref()
    }
    /// The cheque number, for cheques.
    async fn check_number(&self) -> Option<&str> {
        self.0.check_number.as_deref()
    }
    /// Where it came from, e.g. "online form", "gala dinner", "import".
    async fn source(&self) -> Option<&str> {
        self.0.source.as_deref()
    }
    /// Internal note (staff only).
    async fn note(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        access::require_staff_field(guards::viewer(ctx), "note")?;
        Ok(self.0.note.as_deref())
    }
    /// The number printed on its receipt: year received and id, e.g. `2026-000042`.
    async fn receipt_number(&self) -> String {
        self.0.receipt_number()
    }
    /// The campaign or appeal it answers.
    async fn campaign(&self, ctx: &Context<'_>) -> Result<Option<Campaign>> {
        let Some(id) = self.0.campaign_id else {
            return Ok(None);
        };
        let found = guards::loaders(ctx)?.giving.campaigns.load_one(id).await?;
        Ok(found.map(Campaign))
    }
    /// The memberships this payment pays for.
    async fn memberships(&self, ctx: &Context<'_>) -> Result<Vec<Membership>> {
        let mut out = Vec::new();
        for p in paid(ctx, self.0.id).await? {
            if let Some(m) = guards::loaders(ctx)?
                .giving
                .memberships
                .load_one(p.membership_id)
                .await?
            {
                out.push(Membership(m));
            }
        }
        Ok(out)
    }
    /// The memberships this payment pays for, with the terms paid and when they were applied.
    async fn membership_payments(&self, ctx: &Context<'_>) -> Result<Vec<MembershipPayment>> {
        Ok(paid(ctx, self.0.id)
            .await?
            .into_iter()
            .map(MembershipPayment)
            .collect())
    }
    /// Other contacts credited with this gift (not counted again in any total).
    async fn soft_credits(&self, ctx: &Context<'_>) -> Result<Vec<SoftCredit>> {
        let rows = guards::loaders(ctx)?
            .giving
            .soft_credits
            .load_one(self.0.id)
            .await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(|s| SoftCredit(s, self.0.clone()))
            .collect())
    }
    /// Refunds of this contribution, oldest first.
    async fn refunds(&self, ctx: &Context<'_>) -> Result<Vec<Refund>> {
        let rows = guards::loaders(ctx)?
            .giving
            .refunds
            .load_one(self.0.id)
            .await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(|r| Refund(r, self.0.currency.clone()))
            .collect())
    }
    /// The person this gift honours or remembers, if any.
    async fn tribute(&self) -> Option<Tribute> {
        self.0.tribute.clone().map(Tribute)
    }
    /// The recurring gift that created it, if any.
    async fn recurring_gift_id(&self) -> Option<ID> {
        self.0.recurring_gift_id.map(|id| ID(id.to_string()))
    }
    /// Who recorded it (`user:<id>`, `job:<name>`; staff only).
    async fn created_by(&self, ctx: &Context<'_>) -> Result<&str> {
        access::require_staff_field(guards::viewer(ctx), "createdBy")?;
        Ok(&self.0.created_by)
    }
    /// Who last changed it (staff only).
    async fn updated_by(&self, ctx: &Context<'_>) -> Result<&str> {
        access::require_staff_field(guards::viewer(ctx), "updatedBy")?;
        Ok(&self.0.updated_by)
    }
    /// When it was recorded.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
    /// When it was completed.
    async fn completed_at(&self) -> Option<DateTime> {
        self.0.completed_at.map(Into::into)
    }
}

async fn paid(ctx: &Context<'_>, id: i64) -> Result<Vec<dc::PaidMembership>> {
    Ok(guards::loaders(ctx)?
        .giving
        .paid
        .load_one(id)
        .await?
        .unwrap_or_default())
}

/// A membership a contribution pays for.
#[derive(Clone, Debug)]
pub struct MembershipPayment(pub dc::PaidMembership);

/// A membership a contribution pays for.
#[Object]
impl MembershipPayment {
    /// The membership.
    async fn membership(&self, ctx: &Context<'_>) -> Result<Option<Membership>> {
        let m = guards::loaders(ctx)?
            .giving
            .memberships
            .load_one(self.0.membership_id)
            .await?;
        Ok(m.map(Membership))
    }
    /// Terms (periods) paid.
    async fn terms(&self) -> i32 {
        self.0.terms
    }
    /// When the completed payment activated or extended the membership; null while it is pending.
    async fn applied_at(&self) -> Option<DateTime> {
        self.0.applied_at.map(Into::into)
    }
}

/// Another contact credited with a gift: a household member, an employer matching it, a peer
/// fundraiser. Soft credits show on both contacts and never add to totals.
#[derive(Clone, Debug)]
pub struct SoftCredit(pub dc::SoftCredit, pub dc::Contribution);

/// Another contact credited with a gift: a household member, an employer matching it, a peer
/// fundraiser. Soft credits show on both contacts and never add to totals.
#[Object]
impl SoftCredit {
    /// The credited contact (staff, or that contact themself).
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        access::require_self_or_staff(guards::viewer(ctx), self.0.contact_id)?;
        Ok(guards::loaders(ctx)?
            .contact(self.0.contact_id)
            .await?
            .map(Contact))
    }
    /// Why they are credited.
    async fn kind(&self) -> SoftCreditKind {
        self.0.kind.into()
    }
    /// The amount credited, in `currency`.
    async fn amount(&self) -> Decimal {
        money(self.0.amount_minor, &self.1.currency)
    }
    /// ISO 4217 currency.
    async fn currency(&self) -> &str {
        &self.1.currency
    }
    /// The day the gift was received.
    async fn received_date(&self) -> Date {
        self.1.received_date.into()
    }
    /// Whether the credited gift is completed (only completed gifts count in summaries).
    async fn status(&self) -> ContributionStatus {
        self.1.status.into()
    }
    /// The gift credited (staff, or its donor).
    async fn contribution(&self, ctx: &Context<'_>) -> Result<Contribution> {
        access::require_self_or_staff(guards::viewer(ctx), self.1.contact_id)?;
        Ok(Contribution(self.1.clone()))
    }
}

/// A refund of all or part of a contribution.
#[derive(Clone, Debug)]
pub struct Refund(pub dc::Refund, pub String);

/// A refund of all or part of a contribution.
#[Object]
impl Refund {
    /// Identifier of the refund.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The amount refunded, in the contribution's currency.
    async fn amount(&self) -> Decimal {
        money(self.0.amount_minor, &self.1)
    }
    /// Why.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// Whether the memberships the payment paid for were cancelled with it.
    async fn cancelled_memberships(&self) -> bool {
        self.0.cancelled_memberships
    }
    /// When it was refunded.
    async fn refunded_at(&self) -> DateTime {
        self.0.refunded_at.into()
    }
    /// Who refunded it (staff only).
    async fn refunded_by(&self, ctx: &Context<'_>) -> Result<&str> {
        access::require_staff_field(guards::viewer(ctx), "refundedBy")?;
        Ok(&self.0.refunded_by)
    }
}

/// A gift made in honour or in memory of someone.
#[derive(Clone, Debug)]
pub struct Tribute(pub dc::Tribute);

/// A gift made in honour or in memory of someone.
#[Object]
impl Tribute {
    /// In honour or in memory.
    async fn kind(&self) -> TributeKind {
        self.0.kind.into()
    }
    /// The person honoured or remembered, as the donor named them.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Their contact record, if they have one (staff only).
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        access::require_staff_field(guards::viewer(ctx), "tribute.contact")?;
        tribute_contact(ctx, self.0.contact_id).await
    }
    /// Who is told of the gift, by email or letter (staff only).
    async fn notify_contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        access::require_staff_field(guards::viewer(ctx), "tribute.notifyContact")?;
        tribute_contact(ctx, self.0.notify_contact_id).await
    }
}

async fn tribute_contact(ctx: &Context<'_>, id: Option<i64>) -> Result<Option<Contact>> {
    match id {
        Some(id) => Ok(guards::loaders(ctx)?.contact(id).await?.map(Contact)),
        None => Ok(None),
    }
}

crate::connection!(
    ContributionConnection,
    ContributionEdge,
    Contribution,
    "A page of contributions: the items, their cursors, whether more follow, and how many match in all.",
    "One contribution in a list, with its cursor."
);
