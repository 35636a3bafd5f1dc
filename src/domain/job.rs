//! Runs of background jobs: what each did and how it ended.

use chrono::{DateTime, NaiveDate, Utc};

coded_enum! {
    /// How a job run ended, or that it is still going.
    pub enum JobStatus as "job status" {
        /// Still running.
        Running = "RUNNING",
        /// Finished without error.
        Succeeded = "SUCCEEDED",
        /// Stopped with an error.
        Failed = "FAILED",
    }
}

/// One recorded run of a job.
#[derive(Clone, Debug, PartialEq)]
pub struct JobRun {
    pub id: i64,
    /// The job, e.g. `deliver-mail`.
    pub name: String,
    /// The date the job's rules were evaluated for.
    pub as_of: NaiveDate,
    /// `scheduler`, `cli` or `user:<id>`.
    pub triggered_by: String,
    pub status: JobStatus,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub processed: i64,
    pub changed: i64,
    /// Job-specific counts.
    pub details: Option<serde_json::Value>,
    pub error: Option<String>,
}
