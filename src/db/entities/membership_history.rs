use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "membership_history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub membership_id: i64,
    /// CREATED, UPDATED, RENEWED, STATUS_CHANGED, OVERRIDE_SET, OVERRIDE_ENDED, CANCELLED, DECEASED.
    pub change: String,
    pub status_id: i64,
    pub membership_type_id: i64,
    pub join_date: Date,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub changed_at: DateTimeUtc,
    /// `user:12`, `job:update-statuses`, `cli`.
    pub changed_by: String,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
