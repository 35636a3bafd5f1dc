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
    /// From when the row is the record: its `changed_at`, or None for the membership's first row
    /// (which also stands for every earlier day).
    pub in_force_from: Option<DateTimeUtc>,
    /// Until when: the next row's `changed_at`; None for the latest row.
    pub in_force_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
