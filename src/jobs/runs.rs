//! Job runs: every run of a job is recorded (RUNNING, then SUCCEEDED or FAILED with counts or the
//! error), whoever started it — the scheduler, the CLI or the API — and keeps a heartbeat while it
//! runs, so a run whose process stopped is recognised and marked FAILED.

use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDate};
use futures::FutureExt;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, ExprTrait, QueryFilter, Set};

use super::registry::JobSpec;
use crate::db::columns::JsonText;
use crate::db::entities::job_run;
use crate::domain::job::{JobRun, JobStatus};
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::services::access;
use crate::services::auth::Viewer;
use crate::services::pagination::{Page, PageArgs, page_by_id};
use crate::state::AppState;

/// Who a scheduled run is recorded as triggered by.
pub const BY_SCHEDULER: &str = "scheduler";

/// How often a run in progress refreshes its `heartbeat_at`.
const HEARTBEAT_EVERY: StdDuration = StdDuration::from_secs(30);
/// A RUNNING run whose heartbeat is older than this was interrupted (its process stopped): twenty
/// missed heartbeats, so a slow statement holding the database cannot be mistaken for a crash.
pub const ABANDONED_AFTER: Duration = Duration::minutes(10);
/// The error recorded on such a run.
pub const INTERRUPTED: &str =
    "interrupted: the process running this job stopped before the run finished";

/// Marks FAILED the runs left RUNNING by a process that stopped (no heartbeat for
/// `ABANDONED_AFTER`), so the history never shows a run as in progress forever. Called before
/// every run and when the server starts. Returns how many it marked.
pub async fn fail_abandoned(state: &AppState) -> AppResult<u64> {
    let now = state.clock.now();
    let result = job_run::Entity::update_many()
        .col_expr(job_run::Column::Status, Expr::value(JobStatus::Failed))
        .col_expr(job_run::Column::FinishedAt, Expr::value(now))
        .col_expr(job_run::Column::Error, Expr::value(INTERRUPTED))
        // A literal, not a bound value, so both databases can use the partial index on it.
        .filter(Expr::cust("status = 'RUNNING'"))
        .filter(
            Expr::col(job_run::Column::HeartbeatAt)
                .if_null(Expr::col(job_run::Column::StartedAt))
                .lt(now - ABANDONED_AFTER),
        )
        .exec(&state.db)
        .await?;
    if result.rows_affected > 0 {
        tracing::warn!(
            runs = result.rows_affected,
            "job runs left RUNNING by a stopped process marked FAILED"
        );
    }
    Ok(result.rows_affected)
}

/// Deletes `job`'s runs that found nothing to do (nothing processed or changed, succeeded) and
/// started more than `hours` ago, so a `deliver-mail` run every 10 seconds does not bury the
/// history. Runs that did something, failed, or were started by a person are kept. `hours = 0`
/// keeps everything. Returns how many it deleted.
pub async fn prune_idle(state: &AppState, job: &JobSpec, hours: i64) -> AppResult<u64> {
    if hours <= 0 {
        return Ok(0);
    }
    let cutoff = state.clock.now() - Duration::hours(hours);
    let result = job_run::Entity::delete_many()
        .filter(job_run::Column::Name.eq(job.name))
        // Literals matching the partial index `ix_job_runs_idle`.
        .filter(Expr::cust("processed = 0 AND changed = 0"))
        .filter(job_run::Column::Status.eq(JobStatus::Succeeded))
        .filter(job_run::Column::TriggeredBy.eq(BY_SCHEDULER))
        .filter(job_run::Column::StartedAt.lt(cutoff))
        .exec(&state.db)
        .await?;
    Ok(result.rows_affected)
}

/// Refreshes the run's heartbeat until dropped (it never finishes on its own).
async fn heartbeat(state: &AppState, run_id: i64) -> std::convert::Infallible {
    loop {
        tokio::time::sleep(HEARTBEAT_EVERY).await;
        let beat = job_run::Entity::update_many()
            .col_expr(job_run::Column::HeartbeatAt, Expr::value(state.clock.now()))
            .filter(job_run::Column::Id.eq(run_id))
            .filter(job_run::Column::Status.eq(JobStatus::Running))
            .exec(&state.db)
            .await;
        if let Err(e) = beat {
            tracing::warn!(error = %e, run = run_id, "cannot record the job run's heartbeat");
        }
    }
}

/// Runs a job once as of `as_of` and records the run. A job error or panic becomes a FAILED run (and
/// is logged); the returned row tells which.
#[tracing::instrument(skip(state, job), fields(job = job.name))]
pub async fn run(
    state: &AppState,
    job: &JobSpec,
    as_of: NaiveDate,
    triggered_by: &str,
) -> AppResult<JobRun> {
    if let Err(e) = fail_abandoned(state).await {
        tracing::warn!(error = %e, "cannot check for interrupted job runs");
    }
    let now = state.clock.now();
    let started = job_run::ActiveModel {
        name: Set(job.name.into()),
        as_of: Set(as_of),
        triggered_by: Set(triggered_by.into()),
        status: Set(JobStatus::Running),
        started_at: Set(now),
        heartbeat_at: Set(Some(now)),
        finished_at: Set(None),
        processed: Set(0),
        changed: Set(0),
        details: Set(None),
        error: Set(None),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    let work = std::panic::AssertUnwindSafe((job.run)(state, as_of, started.id)).catch_unwind();
    // The heartbeat never finishes, so the select ends with the work, dropping the heartbeat.
    let outcome = tokio::select! {
        biased;
        outcome = work => outcome,
        never = heartbeat(state, started.id) => match never {},
    };
    let mut finished: job_run::ActiveModel = started.into();
    let finished_at = state.clock.now();
    finished.finished_at = Set(Some(finished_at));
    let seconds = Ord::max((finished_at - now).num_milliseconds(), 0) as f64 / 1000.0;
    state
        .metrics
        .job(job.name, matches!(outcome, Ok(Ok(_))), seconds);
    match outcome {
        Ok(Ok(report)) => {
            tracing::info!(
                processed = report.processed,
                changed = report.changed,
                "job succeeded"
            );
            finished.status = Set(JobStatus::Succeeded);
            finished.processed = Set(report.processed);
            finished.changed = Set(report.changed);
            finished.details = Set(Some(JsonText(report.details)));
        }
        Ok(Err(e)) => {
            let detail = e.detail();
            tracing::error!(error = %detail, "job failed");
            finished.status = Set(JobStatus::Failed);
            finished.error = Set(Some(detail));
        }
        Err(panic) => {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "the job panicked".into());
            tracing::error!(error = %detail, "job panicked");
            finished.status = Set(JobStatus::Failed);
            finished.error = Set(Some(format!("panic: {detail}")));
        }
    }
    Ok(finished.update(&state.db).await?.into())
}

/// Job runs, newest first (staff).
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    name: Option<String>,
    status: Option<JobStatus>,
    page: PageArgs,
) -> AppResult<Page<JobRun>> {
    access::require_role(viewer, Role::Staff)?;
    let mut q = job_run::Entity::find();
    if let Some(n) = name {
        q = q.filter(job_run::Column::Name.eq(n));
    }
    if let Some(s) = status {
        q = q.filter(job_run::Column::Status.eq(s));
    }
    let page = page_by_id(&state.db, q, job_run::Column::Id, true, page, |r| r.id).await?;
    Ok(page.map(JobRun::from))
}
