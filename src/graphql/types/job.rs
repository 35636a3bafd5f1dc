use async_graphql::{ID, InputObject, Json, Object};

use crate::domain::job::{JobRun as RunRecord, JobStatus};
use crate::graphql::scalars::{Date, DateTime};

crate::mirror_enum!(
    /// The outcome of a job run.
    JobRunStatus <=> JobStatus {
        /// Still running.
        Running,
        /// Finished without error.
        Succeeded,
        /// Stopped with an error (see `error`).
        Failed,
    }
);

/// One run of a background job.
#[derive(Clone, Debug)]
pub struct JobRun(pub RunRecord);

/// One run of a background job.
#[Object]
impl JobRun {
    /// Identifier of the run.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The job: `update-statuses`, `send-reminders` or `deliver-mail`.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The date the job's rules were evaluated for.
    async fn as_of(&self) -> Date {
        self.0.as_of.into()
    }
    /// Who started it: `scheduler`, `cli` or `user:<id>`.
    async fn triggered_by(&self) -> &str {
        &self.0.triggered_by
    }
    /// Running, succeeded or failed.
    async fn status(&self) -> JobRunStatus {
        self.0.status.into()
    }
    /// When it started.
    async fn started_at(&self) -> DateTime {
        self.0.started_at.into()
    }
    /// When it finished.
    async fn finished_at(&self) -> Option<DateTime> {
        self.0.finished_at.map(DateTime)
    }
    /// How many items it examined.
    async fn processed(&self) -> i64 {
        self.0.processed
    }
    /// How many items it changed.
    async fn changed(&self) -> i64 {
        self.0.changed
    }
    /// Job-specific counts, e.g. `{"changedTo": {"Expired": 12}}`.
    async fn details(&self) -> Option<Json<serde_json::Value>> {
        self.0.details.clone().map(Json)
    }
    /// The error of a failed run.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
}

/// Narrows the job run list.
#[derive(Debug, Default, InputObject)]
pub struct JobRunFilter {
    /// Only runs of this job.
    pub name: Option<String>,
    /// Only runs with this outcome.
    pub status: Option<JobRunStatus>,
}

crate::connection!(
    JobRunConnection,
    JobRunEdge,
    JobRun,
    "A page of job runs, newest first.",
    "One job run in a list, with its cursor."
);
