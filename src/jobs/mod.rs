//! Background jobs: plain async functions that tests and the CLI call directly with a date; the
//! scheduler only maps cron expressions to them. `services::jobs::run` records each run.

pub mod deliver_mail;
pub mod lease;
pub mod schedule;
pub mod scheduler;
pub mod send_reminders;
pub mod update_statuses;

use chrono::NaiveDate;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The jobs there are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobName {
    UpdateStatuses,
    SendReminders,
    DeliverMail,
}

impl JobName {
    pub const ALL: [JobName; 3] = [
        JobName::UpdateStatuses,
        JobName::SendReminders,
        JobName::DeliverMail,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobName::UpdateStatuses => "update-statuses",
            JobName::SendReminders => "send-reminders",
            JobName::DeliverMail => "deliver-mail",
        }
    }

    pub fn parse(s: &str, field: &str) -> AppResult<Self> {
        Self::ALL
            .into_iter()
            .find(|j| j.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|j| j.as_str()).collect();
                AppError::bad_input(
                    field,
                    format!("unknown job `{s}`; jobs are {}", names.join(", ")),
                )
            })
    }
}

/// What a run did: how many rows it looked at, how many it changed, and job-specific counts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobReport {
    pub processed: i64,
    pub changed: i64,
    pub details: serde_json::Value,
}

/// Runs one job (without recording; see `services::jobs::run`).
pub async fn dispatch(
    state: &AppState,
    job: JobName,
    as_of: NaiveDate,
    run_id: i64,
) -> AppResult<JobReport> {
    match job {
        JobName::UpdateStatuses => update_statuses::run(state, as_of, run_id).await,
        JobName::SendReminders => send_reminders::run(state, as_of).await,
        JobName::DeliverMail => deliver_mail::run(state).await,
    }
}
