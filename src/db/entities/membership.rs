use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "memberships")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contact_id: i64,
    pub membership_type_id: i64,
    pub status_id: i64,
    pub join_date: Date,
    pub start_date: Date,
    pub end_date: Option<Date>,
    /// The status is held (set by hand or by a workflow); the status job leaves it alone.
    pub is_override: bool,
    pub override_until: Option<Date>,
    pub source: Option<String>,
    pub cancel_reason: Option<String>,
    /// The job run that last changed the status (lets the job write history set-based).
    pub status_run_id: Option<i64>,
    /// Its id in the system it was imported from (unique): a re-run of the import finds it.
    pub external_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The primary membership this one is inherited from (a bundle); None for a primary one.
    pub inherited_from_id: Option<i64>,
    /// The relationship it is inherited through.
    pub relationship_id: Option<i64>,
    /// When it stopped following its primary (the relationship ended, the seat was freed, the
    /// related contact died); None while it follows.
    pub inherit_ended_on: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
