use sea_orm::entity::prelude::*;

use crate::domain::dates::Unit;
use crate::domain::status::Event;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "membership_statuses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// NEW, CURRENT, GRACE, EXPIRED, PENDING, CANCELLED, DECEASED for the seeded statuses.
    pub code: Option<String>,
    pub name: String,
    pub start_event: Option<Event>,
    pub start_offset_amount: i32,
    pub start_offset_unit: Unit,
    pub end_event: Option<Event>,
    pub end_offset_amount: i32,
    pub end_offset_unit: Unit,
    pub is_current_member: bool,
    pub is_admin: bool,
    pub is_active: bool,
    pub weight: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
