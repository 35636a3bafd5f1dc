//! Background jobs: plain async functions that tests and the CLI call directly with a date.
//!
//! - `registry`: the jobs there are, read by the CLI, the scheduler, the API and config validation;
//! - `runs`: runs one job and records the run (status, counts, heartbeat), whoever starts it;
//! - `scheduler`, `lease`, `schedule`: the in-process scheduler maps cron expressions to jobs and
//!   holds a lease so two replicas never run the same job at once.

pub mod auto_renew;
pub mod deliver_mail;
pub mod event_followups;
pub mod lease;
pub mod purge_trash;
pub mod recurring_gifts;
pub mod registry;
pub mod runs;
pub mod schedule;
pub mod scheduler;
pub mod send_mailings;
pub mod send_reminders;
pub mod update_statuses;

pub use registry::JobSpec;

/// What a run did: how many rows it looked at, how many it changed, and job-specific counts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobReport {
    pub processed: i64,
    pub changed: i64,
    pub details: serde_json::Value,
}
