use sea_orm::entity::prelude::*;

use crate::domain::contribution::{ContributionStatus, PaymentInstrument, TributeKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contributions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contact_id: i64,
    pub financial_type_id: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub received_date: Date,
    pub status: ContributionStatus,
    pub payment_instrument: Option<PaymentInstrument>,
    /// The payment provider's or bank's reference; unique when present.
    pub transaction_id: Option<String>,
    pub source: Option<String>,
    pub note: Option<String>,
    pub campaign_id: Option<i64>,
    pub check_number: Option<String>,
    /// Minor units refunded so far (see `contribution_refunds`).
    pub refunded_minor: i64,
    pub recurring_gift_id: Option<i64>,
    /// The recurring gift's due date this contribution pays (unique per gift).
    pub due_date: Option<Date>,
    pub tribute_kind: Option<TributeKind>,
    pub tribute_name: Option<String>,
    pub tribute_contact_id: Option<i64>,
    pub notify_contact_id: Option<i64>,
    pub created_by: String,
    pub updated_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
    /// Its id in the system it was imported from (unique): a re-run of the import finds it.
    pub external_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
