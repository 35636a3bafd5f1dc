//! Job runs: every run of a job is recorded (RUNNING, then SUCCEEDED or FAILED with counts or the
//! error), whoever started it — the scheduler, the CLI or the API.

use chrono::NaiveDate;
use futures::FutureExt;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::db::entities::job_run;
use crate::error::{AppError, AppResult};
use crate::jobs::JobName;
use crate::services::pagination::{Page, PageArgs, page_by_id};
use crate::state::AppState;

pub const RUNNING: &str = "RUNNING";
pub const SUCCEEDED: &str = "SUCCEEDED";
pub const FAILED: &str = "FAILED";

/// Runs a job once as of `as_of` and records the run. A job error or panic becomes a FAILED run (and
/// is logged); the returned row tells which.
#[tracing::instrument(skip(state), fields(job = job.as_str()))]
pub async fn run(
    state: &AppState,
    job: JobName,
    as_of: NaiveDate,
    triggered_by: &str,
) -> AppResult<job_run::Model> {
    let started = job_run::ActiveModel {
        name: Set(job.as_str().into()),
        as_of: Set(as_of),
        triggered_by: Set(triggered_by.into()),
        status: Set(RUNNING.into()),
        started_at: Set(state.clock.now()),
        finished_at: Set(None),
        processed: Set(0),
        changed: Set(0),
        details: Set(None),
        error: Set(None),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    let outcome =
        std::panic::AssertUnwindSafe(crate::jobs::dispatch(state, job, as_of, started.id))
            .catch_unwind()
            .await;
    let mut finished: job_run::ActiveModel = started.into();
    finished.finished_at = Set(Some(state.clock.now()));
    match outcome {
        Ok(Ok(report)) => {
            tracing::info!(
                processed = report.processed,
                changed = report.changed,
                "job succeeded"
            );
            finished.status = Set(SUCCEEDED.into());
            finished.processed = Set(report.processed);
            finished.changed = Set(report.changed);
            finished.details = Set(Some(report.details.to_string()));
        }
        Ok(Err(e)) => {
            let detail = match &e {
                AppError::Internal(d) => d.clone(),
                other => other.to_string(),
            };
            tracing::error!(error = %detail, "job failed");
            finished.status = Set(FAILED.into());
            finished.error = Set(Some(detail));
        }
        Err(panic) => {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "the job panicked".into());
            tracing::error!(error = %detail, "job panicked");
            finished.status = Set(FAILED.into());
            finished.error = Set(Some(format!("panic: {detail}")));
        }
    }
    Ok(finished.update(&state.db).await?)
}

/// Job runs, newest first.
pub async fn list(
    state: &AppState,
    name: Option<String>,
    status: Option<String>,
    page: PageArgs,
) -> AppResult<Page<job_run::Model>> {
    let mut q = job_run::Entity::find();
    if let Some(n) = name {
        q = q.filter(job_run::Column::Name.eq(n));
    }
    if let Some(s) = status {
        q = q.filter(job_run::Column::Status.eq(s));
    }
    page_by_id(&state.db, q, job_run::Column::Id, true, page, |r| r.id).await
}
