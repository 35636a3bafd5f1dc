//! Importing contacts, memberships and contributions from CSV files: streamed in batches, matched
//! to what exists (external id, then email), checked by the same rules as the API, written one
//! transaction per batch — or, in a dry run, only reported.
//!
//! The CLI (`tessera import`) and the GraphQL `importCsv` job share [`run`]. Memory stays flat
//! except for the keys of rows already read (to report duplicates inside the file): 8 bytes per key.

mod contacts;
mod contributions;
pub mod file;
pub mod jobs;
pub mod mapping;
mod memberships;
mod refs;
mod source;

use std::io::Read;

pub use crate::domain::import::ImportKind;
pub use mapping::{Mapping, OnMatch};
use sea_orm::{DatabaseTransaction, TransactionTrait};
use serde::Serialize;
pub use source::{ImportSink, NoSink, RejectsCsv};

use crate::error::AppResult;
use crate::services::Actor;
use crate::state::AppState;

/// Rows read, checked and written together (one transaction each).
pub const BATCH_ROWS: usize = 500;
/// Row errors and outcomes kept in a report (all of them go to the sink).
pub const MAX_LISTED: usize = 1000;

/// How to run an import.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Report what would happen; write nothing.
    pub dry_run: bool,
    /// Overrides the mapping's `on_match`.
    pub on_match: Option<OnMatch>,
    /// The file's name, recorded as the source of what it creates.
    pub file_name: Option<String>,
}

/// What happened to one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    Created,
    Updated,
    Unchanged,
    Skipped,
    Rejected,
}

/// One problem with one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowError {
    /// The row as a spreadsheet numbers it (the header is row 1; a cell with line breaks is still
    /// one row).
    pub row: u64,
    /// The column's header as the file writes it.
    pub column: Option<String>,
    pub value: Option<String>,
    pub reason: String,
}

/// One row's outcome (the first [`MAX_LISTED`] are kept in the report).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RowOutcome {
    pub row: u64,
    pub action: Action,
    /// What it matched or created, e.g. `contact 12`, or why it was skipped.
    pub detail: String,
}

/// The whole import's result.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub skipped: u64,
    pub rejected: u64,
    pub ignored_columns: Vec<String>,
    pub errors: Vec<RowError>,
    pub outcomes: Vec<RowOutcome>,
}

impl ImportReport {
    fn count(&mut self, row: u64, action: Action, detail: String, sink: &mut dyn ImportSink) {
        match action {
            Action::Created => self.created += 1,
            Action::Updated => self.updated += 1,
            Action::Unchanged => self.unchanged += 1,
            Action::Skipped => self.skipped += 1,
            Action::Rejected => self.rejected += 1,
        }
        sink.outcome(row, action, &detail);
        if self.outcomes.len() < MAX_LISTED {
            self.outcomes.push(RowOutcome {
                row,
                action,
                detail,
            });
        }
    }
}

/// Imports `input` (a CSV file with a header row) as `kind`.
#[tracing::instrument(skip(state, input, mapping, sink), fields(actor = %actor.label()))]
pub async fn run(
    state: &AppState,
    actor: &Actor,
    kind: ImportKind,
    input: impl Read + Send,
    mapping: &Mapping,
    opts: &ImportOptions,
    sink: &mut (dyn ImportSink + Send),
) -> AppResult<ImportReport> {
    let mut src = source::Source::open(input, kind, mapping)?;
    let mut report = ImportReport {
        dry_run: opts.dry_run,
        ignored_columns: src.columns.ignored.clone(),
        ..Default::default()
    };
    sink.start(&src.columns.headers)?;
    let on_match = opts.on_match.or(mapping.on_match).unwrap_or_default();
    let cx = Context {
        state,
        actor,
        mapping,
        opts,
        on_match,
    };
    match kind {
        ImportKind::Contacts => contacts::run(&cx, &mut src, &mut report, sink).await?,
        ImportKind::Memberships => memberships::run(&cx, &mut src, &mut report, sink).await?,
        ImportKind::Contributions => contributions::run(&cx, &mut src, &mut report, sink).await?,
    }
    if !opts.dry_run {
        let after = serde_json::json!({
            "kind": kind.as_str(), "file": opts.file_name, "rows": report.rows,
            "created": report.created, "updated": report.updated, "rejected": report.rejected,
        });
        crate::services::audit::record(
            &state.db,
            actor,
            "import.run",
            "import",
            kind.as_str(),
            None,
            Some(after),
            state.clock.now(),
        )
        .await?;
        if kind == ImportKind::Memberships {
            crate::services::reports::spans::refresh(&state.db).await?;
        }
    }
    sink.finish()?;
    report.errors.sort_by_key(|e| e.row);
    report.outcomes.sort_by_key(|o| o.row);
    Ok(report)
}

/// What every kind's import reads.
pub(crate) struct Context<'a> {
    pub state: &'a AppState,
    pub actor: &'a Actor,
    pub mapping: &'a Mapping,
    pub opts: &'a ImportOptions,
    pub on_match: OnMatch,
}

impl Context<'_> {
    /// The transaction a batch is matched and written in. A real run holds the import lock from
    /// its lookups to its commit, so two imports at once (command line, API, another replica)
    /// cannot both find no match and both create — nor both book the same gift. A dry run reads
    /// in a transaction it never commits.
    pub async fn batch(&self) -> AppResult<DatabaseTransaction> {
        if self.opts.dry_run {
            return Ok(self.state.db.begin().await?);
        }
        let txn = crate::db::begin_write(&self.state.db).await?;
        crate::db::lock_subject(&txn, "import", "batch").await?;
        Ok(txn)
    }

    /// Commits a real run's batch; a dry run's is rolled back.
    pub async fn end_batch(&self, txn: DatabaseTransaction) -> AppResult<()> {
        if self.opts.dry_run {
            txn.rollback().await?;
        } else {
            txn.commit().await?;
        }
        Ok(())
    }

    /// The batch's transaction when the run writes.
    pub fn writes<'t>(&self, txn: &'t DatabaseTransaction) -> Option<&'t DatabaseTransaction> {
        (!self.opts.dry_run).then_some(txn)
    }

    /// What history and `source` columns record for rows of this import.
    pub fn source_label(&self) -> String {
        match &self.opts.file_name {
            Some(f) => format!("import: {}", f.chars().take(180).collect::<String>()),
            None => "import".into(),
        }
    }
}
