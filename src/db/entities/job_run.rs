use sea_orm::entity::prelude::*;

use crate::db::columns::JsonText;
use crate::domain::job::JobStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub as_of: Date,
    pub triggered_by: String,
    /// RUNNING, SUCCEEDED or FAILED.
    pub status: JobStatus,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub processed: i64,
    pub changed: i64,
    /// JSON object with job-specific counts.
    pub details: Option<JsonText<serde_json::Value>>,
    pub error: Option<String>,
    /// Refreshed while the run works; a RUNNING run without a recent one was interrupted.
    pub heartbeat_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
