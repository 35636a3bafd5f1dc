use sea_orm::entity::prelude::*;

/// Who may run a job right now: taken and renewed with compare-and-set updates, so two replicas never
/// run the same job at once, and each scheduled tick runs once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_leases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    pub holder: Option<String>,
    pub expires_at: DateTimeUtc,
    pub last_tick: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
