//! Financial types, campaigns, recurring gifts and donor summaries.

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::contact::Contact;
use crate::domain::contribution as dc;
use crate::domain::money::format_minor;
use crate::graphql::guards;
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::services::access;
use crate::services::contributions::{campaigns, exponent_of};

/// Minor units as a decimal string in `currency`'s decimals.
pub fn money(minor: i64, currency: &str) -> Decimal {
    Decimal(format_minor(minor, exponent_of(currency)))
}

pub async fn financial_type_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<FinancialType>> {
    let state = guards::state(ctx)?;
    let types = state.reference.financial_types(&state.db).await?;
    Ok(types
        .iter()
        .find(|t| t.id == id)
        .cloned()
        .map(FinancialType))
}

/// What a contribution is for (dues, donation, event fee…), and how it is receipted.
#[derive(Clone, Debug)]
pub struct FinancialType(pub dc::FinancialType);

/// What a contribution is for (dues, donation, event fee…), and how it is receipted.
#[Object]
impl FinancialType {
    /// Identifier of the type.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Stable key used in inputs, imports and reports, e.g. `DONATION`.
    async fn key(&self) -> &str {
        &self.0.key
    }
    /// Name shown on receipts, e.g. "Donation".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Whether gifts of this type are tax-deductible (receipts and statements say so).
    async fn is_deductible(&self) -> bool {
        self.0.is_deductible
    }
    /// Whether completing a contribution of this type sends its receipt.
    async fn sends_receipt(&self) -> bool {
        self.0.sends_receipt
    }
    /// Whether new contributions may use it.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
}

/// A fundraising campaign or appeal, with its goal and what it has raised.
#[derive(Clone, Debug)]
pub struct Campaign(pub dc::Campaign);

/// A fundraising campaign or appeal, with its goal and what it has raised.
#[Object]
impl Campaign {
    /// Identifier of the campaign.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Name, e.g. "Spring appeal 2026".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Longer description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The amount it aims to raise, in `currency`.
    async fn goal(&self) -> Option<Decimal> {
        self.0.goal_minor.map(|g| money(g, &self.0.currency))
    }
    /// ISO 4217 currency of the goal and of `raised`.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// First day.
    async fn start_date(&self) -> Option<Date> {
        self.0.start_date.map(Date)
    }
    /// Last day.
    async fn end_date(&self) -> Option<Date> {
        self.0.end_date.map(Date)
    }
    /// Whether gifts are still being collected.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// Completed gifts in `currency`, net of refunds, each counted once (staff only).
    async fn raised(&self, ctx: &Context<'_>) -> Result<Decimal> {
        let r = self.figures(ctx).await?;
        Ok(money(r.total, &self.0.currency))
    }
    /// `raised` divided by `goal` (0.5 is half-way; above 1 the goal is passed); null without a
    /// goal (staff only).
    async fn progress(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        let r = self.figures(ctx).await?;
        Ok(self
            .0
            .goal_minor
            .filter(|g| *g > 0)
            .map(|g| r.total as f64 / g as f64))
    }
    /// How many completed gifts it has (staff only).
    async fn gift_count(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(self.figures(ctx).await?.gifts)
    }
    /// How many donors gave (staff only).
    async fn donor_count(&self, ctx: &Context<'_>) -> Result<i64> {
        Ok(self.figures(ctx).await?.donors)
    }
}

impl Campaign {
    async fn figures(&self, ctx: &Context<'_>) -> Result<campaigns::Raised> {
        access::require_staff_field(guards::viewer(ctx), "raised")?;
        let state = guards::state(ctx)?;
        Ok(campaigns::raised(state, &self.0).await?)
    }
}

crate::mirror_enum!(
    /// How often a recurring gift falls due.
    Frequency <=> dc::Frequency {
        /// Every month, on the start date's day (the last day in shorter months).
        Monthly,
        /// Every three months.
        Quarterly,
        /// Every year.
        Yearly,
    }
);

crate::mirror_enum!(
    /// Where a recurring gift stands.
    RecurringStatus <=> dc::RecurringStatus {
        /// Contributions are created as they fall due.
        Active,
        /// On hold; nothing falls due until it is resumed.
        Paused,
        /// Stopped for good.
        Cancelled,
        /// Its end date has passed.
        Completed,
    }
);

/// A gift repeated every month, quarter or year. The `recurring-gifts` job creates each period's
/// contribution once, catching up after an outage.
#[derive(Clone, Debug)]
pub struct RecurringGift(pub dc::RecurringGift);

/// A gift repeated every month, quarter or year. The `recurring-gifts` job creates each period's
/// contribution once, catching up after an outage.
#[Object]
impl RecurringGift {
    /// Identifier of the recurring gift.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The donor.
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        access::require_self_or_staff(guards::viewer(ctx), self.0.contact_id)?;
        Ok(guards::loaders(ctx)?
            .contact(self.0.contact_id)
            .await?
            .map(Contact))
    }
    /// The amount of each period, in `currency`.
    async fn amount(&self) -> Decimal {
        money(self.0.amount_minor, &self.0.currency)
    }
    /// ISO 4217 currency.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// What each contribution is for.
    async fn financial_type(&self, ctx: &Context<'_>) -> Result<Option<FinancialType>> {
        financial_type_by_id(ctx, self.0.financial_type_id).await
    }
    /// How often it falls due.
    async fn frequency(&self) -> Frequency {
        self.0.frequency.into()
    }
    /// The first due date.
    async fn start_date(&self) -> Date {
        self.0.start_date.into()
    }
    /// The last day a period may fall due; null: until cancelled.
    async fn end_date(&self) -> Option<Date> {
        self.0.end_date.map(Date)
    }
    /// The next period's due date.
    async fn next_due_date(&self) -> Date {
        self.0.next_due_date.into()
    }
    /// Where it stands.
    async fn status(&self) -> RecurringStatus {
        self.0.status.into()
    }
    /// The campaign its gifts go to.
    async fn campaign(&self, ctx: &Context<'_>) -> Result<Option<Campaign>> {
        let Some(id) = self.0.campaign_id else {
            return Ok(None);
        };
        Ok(guards::loaders(ctx)?
            .giving
            .campaigns
            .load_one(id)
            .await?
            .map(Campaign))
    }
    /// How it is paid.
    async fn payment_instrument(&self) -> Option<super::contribution::PaymentInstrument> {
        self.0.payment_instrument.map(Into::into)
    }
    /// When it was set up.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

/// A contact's giving in one currency: completed gifts net of refunds (fully refunded gifts do not
/// count). Soft credits are shown apart and never added to the totals.
#[derive(Clone, Debug, SimpleObject)]
pub struct DonorSummary {
    /// ISO 4217 currency of every amount here.
    pub currency: String,
    /// Everything given.
    pub lifetime_total: Decimal,
    /// How many gifts.
    pub gift_count: i64,
    /// Day of the first gift.
    pub first_gift_date: Option<Date>,
    /// Amount of the first gift.
    pub first_gift_amount: Option<Decimal>,
    /// Day of the latest gift.
    pub last_gift_date: Option<Date>,
    /// Amount of the latest gift.
    pub last_gift_amount: Option<Decimal>,
    /// The largest single gift.
    pub largest_gift: Decimal,
    /// Given this calendar year.
    pub this_year_total: Decimal,
    /// Given last calendar year.
    pub last_year_total: Decimal,
    /// Gifts by others credited to this contact (household, matching, peer fundraising).
    pub soft_credit_total: Decimal,
}

impl From<dc::DonorSummary> for DonorSummary {
    fn from(d: dc::DonorSummary) -> Self {
        let c = d.currency.as_str();
        let has_gifts = d.count > 0;
        Self {
            lifetime_total: money(d.lifetime_minor, c),
            gift_count: d.count,
            first_gift_date: d.first_date.map(Date),
            first_gift_amount: has_gifts.then(|| money(d.first_minor, c)),
            last_gift_date: d.last_date.map(Date),
            last_gift_amount: has_gifts.then(|| money(d.last_minor, c)),
            largest_gift: money(d.largest_minor, c),
            this_year_total: money(d.this_year_minor, c),
            last_year_total: money(d.last_year_minor, c),
            soft_credit_total: money(d.soft_credit_minor, c),
            currency: d.currency,
        }
    }
}

/// What `sendAnnualStatements` queued.
#[derive(Clone, Debug, SimpleObject)]
pub struct AnnualStatementRun {
    /// The year covered.
    pub year: i32,
    /// Donors with completed gifts that year.
    pub donors: i64,
    /// Statements added to the outbox by this call (0 for donors already sent theirs).
    pub queued: i64,
}
