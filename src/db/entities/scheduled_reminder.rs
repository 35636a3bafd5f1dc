use sea_orm::entity::prelude::*;

use crate::db::columns::JsonText;
use crate::domain::dates::Unit;
use crate::domain::reminder::{Anchor, Direction};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scheduled_reminders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub template_key: String,
    /// JOIN_DATE, START_DATE, END_DATE, BIRTH_DATE or JOIN_ANNIVERSARY.
    pub anchor: Anchor,
    pub offset_amount: i32,
    /// DAY, WEEK or MONTH.
    pub offset_unit: Unit,
    /// BEFORE or AFTER.
    pub direction: Direction,
    /// JSON array of membership type ids; empty means every type.
    pub membership_type_ids: JsonText<Vec<i64>>,
    /// JSON array of status ids; empty means every current status.
    pub status_ids: JsonText<Vec<i64>>,
    /// Repeat every this many `offset_unit`s after the first send…
    pub repeat_every: Option<i32>,
    /// …until this many `offset_unit`s after the anchor.
    pub repeat_until: Option<i32>,
    pub is_active: bool,
    /// EVENT_START reminders: the one event they are for; None: every event.
    pub event_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
