//! Imports started through the API: the file arrives as text (up to `server.max_body_bytes`), runs
//! in the background, and its progress and report are read from an `import_jobs` row; the rejected
//! rows are kept there as CSV to download.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use super::{Action, ImportKind, ImportOptions, ImportReport, ImportSink, Mapping, RejectsCsv};
use crate::db::entities::import_job;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::services::Actor;
use crate::services::access;
use crate::services::auth::Viewer;
use crate::state::AppState;

pub const RUNNING: &str = "RUNNING";
pub const SUCCEEDED: &str = "SUCCEEDED";
pub const FAILED: &str = "FAILED";

/// Checks the request, records the job and starts it; returns the job as it starts.
#[tracing::instrument(skip(state, csv, mapping), fields(actor = %actor.label()))]
pub async fn start(
    state: &AppState,
    viewer: &Viewer,
    actor: &Actor,
    kind: ImportKind,
    csv: String,
    mapping: Option<String>,
    opts: ImportOptions,
) -> AppResult<import_job::Model> {
    access::require_role(viewer, Role::Staff)?;
    let mapping = match mapping.as_deref() {
        Some(text) if !text.trim().is_empty() => Mapping::parse(text)?,
        _ => Mapping::default(),
    };
    // The header and the mapping are checked now, so a wrong file fails the mutation itself.
    super::source::Source::open(csv.as_bytes(), kind, &mapping)?;
    // One import at a time: two runs of one file at once would both find no match and both
    // create. A job left RUNNING by a stopped server stops counting after an hour.
    let txn = crate::db::begin_write(&state.db).await?;
    crate::db::lock_subject(&txn, "import", "jobs").await?;
    let now = state.clock.now();
    forget_reports_before(&txn, Some(now - chrono::Duration::days(KEEP_REPORTS_DAYS))).await?;
    let since = now - chrono::Duration::hours(1);
    let running = import_job::Entity::find()
        .filter(import_job::Column::Status.eq(RUNNING))
        .filter(import_job::Column::StartedAt.gt(since))
        .count(&txn)
        .await?;
    if running > 0 {
        return Err(AppError::conflict(
            None,
            "another import is running; wait for it to finish (importJob)",
        ));
    }
    let job = import_job::ActiveModel {
        kind: Set(kind.as_str().into()),
        dry_run: Set(opts.dry_run),
        status: Set(RUNNING.into()),
        file_name: Set(opts.file_name.clone()),
        rows: Set(0),
        created: Set(0),
        updated: Set(0),
        unchanged: Set(0),
        skipped: Set(0),
        rejected: Set(0),
        started_by: Set(actor.label()),
        started_at: Set(state.clock.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    let (state2, actor2, id) = (state.clone(), actor.clone(), job.id);
    tokio::spawn(async move {
        let done = execute(&state2, &actor2, id, kind, csv, mapping, opts).await;
        if let Err(e) = done {
            tracing::error!(job = id, "import job failed: {}", e.detail());
            let _ = finish(&state2, id, FAILED, None, None, Some(e.to_string())).await;
        }
    });
    Ok(job)
}

/// Counts rows for the progress ticker and keeps the rejected rows.
struct JobSink {
    rows: Arc<AtomicU64>,
    rejects: RejectsCsv<Vec<u8>>,
}

impl ImportSink for JobSink {
    fn start(&mut self, headers: &csv::StringRecord) -> AppResult<()> {
        self.rejects.start(headers)
    }
    fn rejected(&mut self, row: u64, record: &csv::StringRecord, reason: &str) -> AppResult<()> {
        self.rejects.rejected(row, record, reason)
    }
    fn outcome(&mut self, _row: u64, _action: Action, _detail: &str) {}
    fn progress(&mut self, rows: u64, _bytes: u64) {
        self.rows.store(rows, Ordering::Relaxed);
    }
    fn finish(&mut self) -> AppResult<()> {
        self.rejects.finish()
    }
}

async fn execute(
    state: &AppState,
    actor: &Actor,
    id: i64,
    kind: ImportKind,
    csv: String,
    mapping: Mapping,
    opts: ImportOptions,
) -> AppResult<()> {
    let rows = Arc::new(AtomicU64::new(0));
    let mut sink = JobSink {
        rows: rows.clone(),
        rejects: RejectsCsv::new(Vec::new()),
    };
    let ticker = {
        let (db, rows) = (state.db.clone(), rows.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                let n = i64::try_from(rows.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
                let _ = import_job::Entity::update_many()
                    .col_expr(import_job::Column::Rows, Expr::value(n))
                    .filter(import_job::Column::Id.eq(id))
                    .filter(import_job::Column::Status.eq(RUNNING))
                    .exec(&db)
                    .await;
            }
        })
    };
    let result = super::run(
        state,
        actor,
        kind,
        csv.as_bytes(),
        &mapping,
        &opts,
        &mut sink,
    )
    .await;
    ticker.abort();
    let report = result?;
    let rejected = sink.rejects.into_inner()?;
    let csv = (report.rejected > 0).then(|| String::from_utf8_lossy(&rejected).into_owned());
    finish(state, id, SUCCEEDED, Some(&report), csv, None).await
}

async fn finish(
    state: &AppState,
    id: i64,
    status: &str,
    report: Option<&ImportReport>,
    rejected_csv: Option<String>,
    error: Option<String>,
) -> AppResult<()> {
    let n = |v: u64| Set(i64::try_from(v).unwrap_or(i64::MAX));
    let mut a = import_job::ActiveModel {
        id: sea_orm::Unchanged(id),
        status: Set(status.into()),
        error: Set(error),
        finished_at: Set(Some(state.clock.now())),
        ..Default::default()
    };
    if let Some(r) = report {
        a.rows = n(r.rows);
        a.created = n(r.created);
        a.updated = n(r.updated);
        a.unchanged = n(r.unchanged);
        a.skipped = n(r.skipped);
        a.rejected = n(r.rejected);
        a.errors = Set(serde_json::to_string(&r.errors).ok());
        a.outcomes = Set(serde_json::to_string(&r.outcomes).ok());
        a.rejected_csv = Set(rejected_csv);
    }
    a.update(&state.db).await?;
    Ok(())
}

/// Drops the row errors and rejected rows of every finished import (they quote the file's cells,
/// personal data included): called when a person is erased, since those reports are not linked
/// to contacts, and for reports older than [`KEEP_REPORTS_DAYS`] whenever an import starts.
pub async fn forget_reports<C: sea_orm::ConnectionTrait>(db: &C) -> AppResult<()> {
    forget_reports_before(db, None).await
}

/// Days a finished import's row errors and rejected rows are kept.
pub const KEEP_REPORTS_DAYS: i64 = 30;

async fn forget_reports_before<C: sea_orm::ConnectionTrait>(
    db: &C,
    before: Option<chrono::DateTime<chrono::Utc>>,
) -> AppResult<()> {
    let mut q = import_job::Entity::update_many()
        .col_expr(
            import_job::Column::Errors,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            import_job::Column::RejectedCsv,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            import_job::Column::Outcomes,
            Expr::value(Option::<String>::None),
        )
        .filter(import_job::Column::FinishedAt.is_not_null());
    if let Some(t) = before {
        q = q.filter(import_job::Column::FinishedAt.lt(t));
    }
    q.exec(db).await?;
    Ok(())
}

/// A job (staff).
pub async fn get(state: &AppState, viewer: &Viewer, id: i64) -> AppResult<import_job::Model> {
    access::require_role(viewer, Role::Staff)?;
    import_job::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::not_found("import job", id, "id"))
}
