//! Imports started through the API.

use async_graphql::{Enum, ID, InputObject, Object, SimpleObject};

use crate::db::entities::import_job;
use crate::graphql::scalars::DateTime;
use crate::services::import::{Action, ImportKind as Kind, OnMatch, RowError, RowOutcome};

/// What an imported file holds.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// People and organisations (matched by external id, then email).
    Contacts,
    /// Memberships of contacts already here (matched by external id, or contact, type and start date).
    Memberships,
    /// Giving history of contacts already here (a row already in the books is skipped).
    Contributions,
}

impl From<ImportKind> for Kind {
    fn from(k: ImportKind) -> Self {
        match k {
            ImportKind::Contacts => Kind::Contacts,
            ImportKind::Memberships => Kind::Memberships,
            ImportKind::Contributions => Kind::Contributions,
        }
    }
}

/// What an import does with a row that matches an existing record.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ImportOnMatch {
    /// Fill in the row's non-empty cells (an empty cell never clears a value).
    Update,
    /// Leave the existing record as it is.
    Skip,
}

/// A CSV file to import.
#[derive(InputObject)]
pub struct ImportCsvInput {
    /// What the file holds.
    pub kind: ImportKind,
    /// The file's text: UTF-8 CSV with a header row (comma, semicolon or tab separated), at most
    /// `server.max_body_bytes` with the rest of the request; use `tessera import` for larger files.
    pub csv: String,
    /// A mapping file's text (TOML: `[columns]`, `date_order`, `[values.<field>]`…; see README).
    pub mapping: Option<String>,
    /// Report what would happen and write nothing (default false).
    #[graphql(default)]
    pub dry_run: bool,
    /// What to do with rows matching an existing record (default: the mapping's, else UPDATE).
    pub on_match: Option<ImportOnMatch>,
    /// The file's name, recorded as the source of what it creates.
    pub file_name: Option<String>,
}

impl ImportCsvInput {
    pub fn on_match(&self) -> Option<OnMatch> {
        self.on_match.map(|m| match m {
            ImportOnMatch::Update => OnMatch::Update,
            ImportOnMatch::Skip => OnMatch::Skip,
        })
    }
}

/// One problem with one row of an imported file.
#[derive(SimpleObject)]
pub struct ImportRowError {
    /// The row as a spreadsheet numbers it (the header is row 1).
    pub row: i64,
    /// The column's header, as the file writes it.
    pub column: Option<String>,
    /// The cell's value (at most 200 characters).
    pub value: Option<String>,
    /// What is wrong.
    pub reason: String,
}

/// What happened (or, in a dry run, would happen) to a row.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ImportAction {
    /// A new record.
    Created,
    /// The matched record changed.
    Updated,
    /// The matched record already held the row's values.
    Unchanged,
    /// The matched record was left alone.
    Skipped,
    /// Not imported: see `errors`.
    Rejected,
}

/// What happened to one row of an imported file.
#[derive(SimpleObject)]
pub struct ImportRowOutcome {
    /// The row as a spreadsheet numbers it (the header is row 1).
    pub row: i64,
    /// What happened.
    pub action: ImportAction,
    /// The record it matched or made (e.g. `contact 12`), or why it was rejected.
    pub detail: String,
}

/// An import started through the API; read it again with `importJob(id)` until its status is
/// not RUNNING.
pub struct ImportJob(pub import_job::Model);

/// An import started through the API.
#[Object]
impl ImportJob {
    /// Identifier of the job.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// `contacts`, `memberships` or `contributions`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// Whether nothing is written.
    async fn dry_run(&self) -> bool {
        self.0.dry_run
    }
    /// RUNNING, SUCCEEDED or FAILED.
    async fn status(&self) -> &str {
        &self.0.status
    }
    /// The file's name, as given.
    async fn file_name(&self) -> Option<&str> {
        self.0.file_name.as_deref()
    }
    /// Rows read so far (the progress while RUNNING).
    async fn rows(&self) -> i64 {
        self.0.rows
    }
    /// Rows that made (or, in a dry run, would make) a new record.
    async fn created(&self) -> i64 {
        self.0.created
    }
    /// Rows that changed (or would change) the record they matched.
    async fn updated(&self) -> i64 {
        self.0.updated
    }
    /// Rows that matched a record already holding their values.
    async fn unchanged(&self) -> i64 {
        self.0.unchanged
    }
    /// Rows that matched a record and were left alone (onMatch SKIP, or a contribution already in the books).
    async fn skipped(&self) -> i64 {
        self.0.skipped
    }
    /// Rows not imported because of an error (see `errors` and `rejectedCsv`).
    async fn rejected(&self) -> i64 {
        self.0.rejected
    }
    /// The first 1,000 row errors.
    async fn errors(&self) -> Vec<ImportRowError> {
        let parsed: Vec<RowError> = self
            .0
            .errors
            .as_deref()
            .and_then(|e| serde_json::from_str(e).ok())
            .unwrap_or_default();
        parsed
            .into_iter()
            .map(|e| ImportRowError {
                row: i64::try_from(e.row).unwrap_or(i64::MAX),
                column: e.column,
                value: e.value,
                reason: e.reason,
            })
            .collect()
    }
    /// What happened to each of the first 1,000 rows — in a dry run, what would happen.
    async fn outcomes(&self) -> Vec<ImportRowOutcome> {
        let parsed: Vec<RowOutcome> = self
            .0
            .outcomes
            .as_deref()
            .and_then(|e| serde_json::from_str(e).ok())
            .unwrap_or_default();
        parsed
            .into_iter()
            .map(|o| ImportRowOutcome {
                row: i64::try_from(o.row).unwrap_or(i64::MAX),
                action: match o.action {
                    Action::Created => ImportAction::Created,
                    Action::Updated => ImportAction::Updated,
                    Action::Unchanged => ImportAction::Unchanged,
                    Action::Skipped => ImportAction::Skipped,
                    Action::Rejected => ImportAction::Rejected,
                },
                detail: o.detail,
            })
            .collect()
    }
    /// The rejected rows as CSV — the file's columns plus `row` and `reason` — to fix and import again.
    async fn rejected_csv(&self) -> Option<&str> {
        self.0.rejected_csv.as_deref()
    }
    /// Why the job failed, when it did.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// Who started it, e.g. `user:3`.
    async fn started_by(&self) -> &str {
        &self.0.started_by
    }
    /// When it started.
    async fn started_at(&self) -> DateTime {
        self.0.started_at.into()
    }
    /// When it finished.
    async fn finished_at(&self) -> Option<DateTime> {
        self.0.finished_at.map(Into::into)
    }
}
