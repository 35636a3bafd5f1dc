use sea_orm::entity::prelude::*;

/// An import started through the API: its progress while it runs and its report afterwards.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// contacts, memberships or contributions.
    pub kind: String,
    pub dry_run: bool,
    /// RUNNING, SUCCEEDED or FAILED.
    pub status: String,
    pub file_name: Option<String>,
    pub rows: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub rejected: i64,
    /// JSON array of the first row errors (see `services::import::MAX_LISTED_ERRORS`).
    #[sea_orm(column_type = "Text", nullable)]
    pub errors: Option<String>,
    /// JSON array of the first rows' outcomes (what a dry run would do to each).
    #[sea_orm(column_type = "Text", nullable)]
    pub outcomes: Option<String>,
    /// The rejected rows as CSV, with a reason column.
    #[sea_orm(column_type = "Text", nullable)]
    pub rejected_csv: Option<String>,
    pub error: Option<String>,
    pub started_by: String,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
