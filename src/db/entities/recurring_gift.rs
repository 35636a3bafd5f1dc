use sea_orm::entity::prelude::*;

use crate::domain::contribution::{Frequency, PaymentInstrument, RecurringStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recurring_gifts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contact_id: i64,
    pub financial_type_id: i64,
    pub campaign_id: Option<i64>,
    pub amount_minor: i64,
    pub currency: String,
    pub frequency: Frequency,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub next_due_date: Date,
    pub status: RecurringStatus,
    pub payment_instrument: Option<PaymentInstrument>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
