use sea_orm::entity::prelude::*;

use crate::db::columns::JsonText;
use crate::domain::membership::price::{PriceOption, Rounding};
use crate::domain::membership::{AutoRenew, DurationUnit, PeriodType, Visibility};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "membership_types")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub minimum_fee_minor: i64,
    pub currency: String,
    pub duration_unit: DurationUnit,
    pub duration_interval: i32,
    pub period_type: PeriodType,
    pub fixed_period_start_day: Option<String>,
    pub fixed_period_rollover_day: Option<String>,
    pub auto_renew: AutoRenew,
    pub visibility: Visibility,
    pub is_active: bool,
    /// JSON array of permission strings.
    pub grants: JsonText<Vec<String>>,
    pub weight: i32,
    pub send_welcome: bool,
    /// Template key of this type's welcome message (default `welcome`).
    pub welcome_template_key: Option<String>,
    pub created_at: DateTimeUtc,
    /// Added to the first term when a new member joins.
    pub joining_fee_minor: i64,
    /// The price of a renewal term (None: the fee).
    pub renewal_fee_minor: Option<i64>,
    /// Fixed-period types: a new member pays for the months left of the first period.
    pub prorate: bool,
    pub proration_rounding: Rounding,
    /// JSON array of special prices for several terms.
    pub price_options: JsonText<Vec<PriceOption>>,
    /// Members may renew by themselves from this many days before the end date…
    pub renewal_opens_days_before: i32,
    /// …until this many days after it.
    pub renewal_closes_days_after: i32,
    pub updated_at: DateTimeUtc,
    /// Relationship type ids through which related contacts inherit the membership (JSON array).
    pub inherit_via: Option<JsonText<Vec<i64>>>,
    /// Seats for related contacts; None: no limit.
    pub max_related: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
