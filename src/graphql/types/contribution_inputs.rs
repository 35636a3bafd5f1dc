use async_graphql::{Enum, ID, InputObject, MaybeUndefined};

use super::contribution::{ContributionStatus, PaymentInstrument, SoftCreditKind, TributeKind};
use super::giving::Frequency;
use crate::graphql::scalars::{Date, Decimal};
use crate::graphql::types::common::SortDirection;

/// A membership a payment pays for.
#[derive(Debug, InputObject)]
pub struct MembershipPaymentInput {
    /// The membership.
    pub membership_id: ID,
    /// Terms (periods) paid (default 1).
    pub terms: Option<i32>,
}

/// Another contact to credit with the gift.
#[derive(Debug, InputObject)]
pub struct SoftCreditInput {
    /// The credited contact (not the donor).
    pub contact_id: ID,
    /// Why they are credited.
    pub kind: SoftCreditKind,
    /// The amount credited (default: the whole gift).
    pub amount: Option<Decimal>,
}

/// A gift made in someone's honour or memory.
#[derive(Debug, InputObject)]
pub struct TributeInput {
    /// In honour or in memory.
    pub kind: TributeKind,
    /// The person's name as the donor gives it.
    pub name: String,
    /// Their contact record, if they have one.
    pub contact_id: Option<ID>,
    /// A contact to tell of the gift (by email, or by letter).
    pub notify_contact_id: Option<ID>,
}

/// A contribution received or expected.
#[derive(Debug, InputObject)]
pub struct RecordContributionInput {
    /// The donor or payer.
    pub contact_id: ID,
    /// Key of the financial type, e.g. `DONATION` or `MEMBER_DUES`.
    pub financial_type: String,
    /// The amount, a decimal string greater than zero with at most the currency's decimals.
    pub amount: Decimal,
    /// ISO 4217 currency (default: the organisation's currency).
    pub currency: Option<String>,
    /// The day it was received (default today).
    pub received_date: Option<Date>,
    /// PENDING, COMPLETED (default) or FAILED.
    pub status: Option<ContributionStatus>,
    /// How it was paid.
    pub payment_instrument: Option<PaymentInstrument>,
    /// The payment provider's or bank's reference; a second contribution with the same one is
    /// CONFLICT.
    pub transaction_id: Option<String>,
    /// Where it came from.
    pub source: Option<String>,
    /// Internal note.
    pub note: Option<String>,
    /// The campaign or appeal it answers.
    pub campaign_id: Option<ID>,
    /// The cheque number, for cheques.
    pub check_number: Option<String>,
    /// Memberships this payment pays for, each for `terms` terms.
    pub membership_ids: Option<Vec<ID>>,
    /// Terms paid for each of `membershipIds` (default 1).
    pub terms: Option<i32>,
    /// Memberships this payment pays for, each with its own number of terms.
    pub memberships: Option<Vec<MembershipPaymentInput>>,
    /// Other contacts credited with the gift.
    pub soft_credits: Option<Vec<SoftCreditInput>>,
    /// The person the gift honours or remembers.
    pub tribute: Option<TributeInput>,
}

/// Changes to a contribution; fields left out keep their value, `null` clears an optional one.
#[derive(Debug, InputObject)]
pub struct UpdateContributionInput {
    /// Key of the financial type.
    pub financial_type: Option<String>,
    /// The amount (not once part of it is refunded).
    pub amount: Option<Decimal>,
    /// ISO 4217 currency.
    pub currency: Option<String>,
    /// The day it was received.
    pub received_date: Option<Date>,
    /// A new status: PENDING or FAILED may become COMPLETED (which applies what it pays for,
    /// once), FAILED or CANCELLED. Completed gifts are refunded, not edited back.
    pub status: Option<ContributionStatus>,
    /// How it was paid.
    pub payment_instrument: MaybeUndefined<PaymentInstrument>,
    /// The payment reference.
    pub transaction_id: MaybeUndefined<String>,
    /// Where it came from.
    pub source: MaybeUndefined<String>,
    /// Internal note.
    pub note: MaybeUndefined<String>,
    /// The campaign.
    pub campaign_id: MaybeUndefined<ID>,
    /// The cheque number.
    pub check_number: MaybeUndefined<String>,
}

/// A refund of all or part of a completed contribution.
#[derive(Debug, Default, InputObject)]
pub struct RefundContributionInput {
    /// The amount refunded (default: all that remains).
    pub amount: Option<Decimal>,
    /// Why.
    pub reason: Option<String>,
    /// Also cancel the memberships the payment paid for (default false).
    #[graphql(default)]
    pub cancel_memberships: bool,
}

/// Why a contribution is cancelled.
#[derive(Debug, Default, InputObject)]
pub struct CancelContributionInput {
    /// The reason, if any.
    pub reason: Option<String>,
}

/// Which contributions a list includes; all conditions must hold.
#[derive(Debug, Default, InputObject)]
pub struct ContributionFilter {
    /// Of this contact.
    pub contact_id: Option<ID>,
    /// With one of these statuses.
    pub status: Option<Vec<ContributionStatus>>,
    /// Of this financial type (key).
    pub financial_type: Option<String>,
    /// For this campaign.
    pub campaign_id: Option<ID>,
    /// Received on or after this day.
    pub from: Option<Date>,
    /// Received on or before this day.
    pub to: Option<Date>,
    /// In this currency (also the currency `amountMin` and `amountMax` are read in; default the
    /// organisation's).
    pub currency: Option<String>,
    /// At least this amount.
    pub amount_min: Option<Decimal>,
    /// At most this amount.
    pub amount_max: Option<Decimal>,
}

/// What contributions are sorted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Enum)]
pub enum ContributionOrderField {
    /// The day received.
    #[default]
    ReceivedDate,
    /// The amount (minor units, whatever the currency).
    Amount,
    /// When recorded.
    CreatedAt,
}

/// Sort order of contributions (default: received date, newest first).
#[derive(Debug, InputObject)]
pub struct ContributionOrderBy {
    /// The field.
    pub field: ContributionOrderField,
    /// The direction (default DESC).
    #[graphql(default_with = "SortDirection::Desc")]
    pub direction: SortDirection,
}

/// A new financial type.
#[derive(Debug, InputObject)]
pub struct CreateFinancialTypeInput {
    /// Stable key: capitals, digits and underscores, e.g. `MAJOR_GIFTS`.
    pub key: String,
    /// Name shown on receipts.
    pub name: String,
    /// Whether gifts of this type are tax-deductible (default false).
    pub is_deductible: Option<bool>,
    /// Whether a receipt is sent (default true).
    pub sends_receipt: Option<bool>,
    /// Whether it can be used (default true).
    pub is_active: Option<bool>,
}

/// Changes to a financial type (its key never changes).
#[derive(Debug, InputObject)]
pub struct UpdateFinancialTypeInput {
    /// Name shown on receipts.
    pub name: Option<String>,
    /// Whether gifts of this type are tax-deductible.
    pub is_deductible: Option<bool>,
    /// Whether a receipt is sent.
    pub sends_receipt: Option<bool>,
    /// Whether it can be used.
    pub is_active: Option<bool>,
}

/// A new campaign.
#[derive(Debug, InputObject)]
pub struct CreateCampaignInput {
    /// Name (unique).
    pub name: String,
    /// Longer description.
    pub description: Option<String>,
    /// Amount it aims to raise.
    pub goal: Option<Decimal>,
    /// ISO 4217 currency (default: the organisation's).
    pub currency: Option<String>,
    /// First day.
    pub start_date: Option<Date>,
    /// Last day.
    pub end_date: Option<Date>,
    /// Whether gifts are being collected (default true).
    pub is_active: Option<bool>,
}

/// Changes to a campaign; `null` clears an optional field.
#[derive(Debug, InputObject)]
pub struct UpdateCampaignInput {
    /// Name (unique).
    pub name: Option<String>,
    /// Longer description.
    pub description: MaybeUndefined<String>,
    /// Amount it aims to raise.
    pub goal: MaybeUndefined<Decimal>,
    /// ISO 4217 currency.
    pub currency: Option<String>,
    /// First day.
    pub start_date: MaybeUndefined<Date>,
    /// Last day.
    pub end_date: MaybeUndefined<Date>,
    /// Whether gifts are being collected.
    pub is_active: Option<bool>,
}

/// A new recurring gift.
#[derive(Debug, InputObject)]
pub struct CreateRecurringGiftInput {
    /// The donor.
    pub contact_id: ID,
    /// The amount of each period.
    pub amount: Decimal,
    /// ISO 4217 currency (default: the organisation's).
    pub currency: Option<String>,
    /// Financial type key (default `DONATION`).
    pub financial_type: Option<String>,
    /// How often it falls due.
    pub frequency: Frequency,
    /// The first due date (default today).
    pub start_date: Option<Date>,
    /// The last day a period may fall due.
    pub end_date: Option<Date>,
    /// The campaign its gifts go to.
    pub campaign_id: Option<ID>,
    /// How it is paid.
    pub payment_instrument: Option<PaymentInstrument>,
}
