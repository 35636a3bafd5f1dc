//! The jobs there are, one entry each. The CLI (`tessera jobs run <name>`), the scheduler, the GraphQL
//! `runJob` mutation and configuration validation all read this list: adding a job is adding an entry
//! here and documenting its `[jobs.<config key>]` table in `config/default.toml` (a test checks that
//! the two agree).

use chrono::NaiveDate;
use futures::future::BoxFuture;

use super::{
    JobReport, auto_renew, deliver_mail, event_followups, purge_trash, recurring_gifts,
    send_mailings, send_reminders, update_statuses,
};
use crate::config::{self, ConfigError, Settings};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Runs a job once as of a date, without recording the run (see `runs::run`, which records it and
/// passes its id, for history rows the job writes).
pub type RunFn = for<'a> fn(&'a AppState, NaiveDate, i64) -> BoxFuture<'a, AppResult<JobReport>>;

/// One job.
pub struct JobSpec {
    /// The job's name in the CLI, the API and the run history, e.g. `deliver-mail`.
    pub name: &'static str,
    /// Its configuration table, `[jobs.<config_key>]` (`TESSERA_JOBS__<CONFIG_KEY>__SCHEDULE`).
    pub config_key: &'static str,
    /// Its schedule in `config/default.toml`.
    pub default_schedule: &'static str,
    /// What it does, in one line (CLI help).
    pub description: &'static str,
    pub run: RunFn,
}

impl std::fmt::Debug for JobSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every job, in the order help texts list them.
pub static JOBS: &[JobSpec] = &[
    JobSpec {
        name: "update-statuses",
        config_key: "update_statuses",
        default_schedule: "0 15 1 * * *",
        description: "recompute every membership's status as of the date",
        run: |state, as_of, run_id| Box::pin(update_statuses::run(state, as_of, run_id)),
    },
    JobSpec {
        name: "send-reminders",
        config_key: "send_reminders",
        default_schedule: "0 0 * * * *",
        description: "queue the scheduled reminders that fall due as of the date",
        run: |state, as_of, _| Box::pin(send_reminders::run(state, as_of)),
    },
    JobSpec {
        name: "deliver-mail",
        config_key: "deliver_mail",
        default_schedule: "*/10 * * * * *",
        description: "send the queued mail that is due; the date is not used",
        run: |state, _, _| Box::pin(deliver_mail::run(state)),
    },
    JobSpec {
        name: "send-mailings",
        config_key: "send_mailings",
        default_schedule: "*/10 * * * * *",
        description: "start scheduled mailings that are due and queue the messages of sending ones; the date is not used",
        run: |state, _, _| Box::pin(send_mailings::run(state)),
    },
    JobSpec {
        name: "recurring-gifts",
        config_key: "recurring_gifts",
        default_schedule: "0 30 0 * * *",
        description: "create the contributions recurring gifts owe as of the date, catching up missed periods",
        run: |state, as_of, _| Box::pin(recurring_gifts::run(state, as_of)),
    },
    JobSpec {
        name: "auto-renew",
        config_key: "auto_renew",
        default_schedule: "0 45 0 * * *",
        description: "renew opted-in memberships ending soon by charging saved cards (or emailing how to pay), and retry failed charges",
        run: |state, as_of, _| Box::pin(auto_renew::run(state, as_of)),
    },
    JobSpec {
        name: "purge-trash",
        config_key: "purge_trash",
        default_schedule: "0 0 3 * * *",
        description: "erase contacts left in the trash longer than privacy.erase_trashed_after_days (off while 0)",
        run: |state, as_of, _| Box::pin(purge_trash::run(state, as_of)),
    },
    JobSpec {
        name: "event-followups",
        config_key: "event_followups",
        default_schedule: "0 */15 * * * *",
        description: "release event registrations not paid by their deadline (seats go to the waitlist) and thank attendees of events that ended; the date is not used",
        run: |state, _, _| Box::pin(event_followups::run(state)),
    },
];

/// The job called `name`, e.g. `deliver-mail`.
pub fn find(name: &str) -> Option<&'static JobSpec> {
    JOBS.iter().find(|job| job.name == name)
}

/// "unknown job `x`; jobs are update-statuses, …": for the CLI and the API.
pub fn unknown_job(name: &str) -> String {
    let names: Vec<&str> = JOBS.iter().map(|job| job.name).collect();
    format!("unknown job `{name}`; jobs are {}", names.join(", "))
}

/// The job called `name`, or a `BAD_USER_INPUT` error on `field`.
pub fn parse(name: &str, field: &str) -> AppResult<&'static JobSpec> {
    find(name).ok_or_else(|| AppError::bad_input(field, unknown_job(name)))
}

/// Checks the `[jobs.*]` tables against the registry: each belongs to a job, each job has one. Runs at
/// start-up next to `Settings::load` (configuration cannot know the jobs: it sits below this layer).
pub fn validate(settings: &Settings) -> Result<(), ConfigError> {
    let keys: Vec<&str> = JOBS.iter().map(|job| job.config_key).collect();
    if let Some(key) = settings
        .jobs
        .per_job
        .keys()
        .find(|key| !keys.contains(&key.as_str()))
    {
        return Err(config::invalid(
            &format!("jobs.{key}"),
            format!("there is no such job; job tables are {}", keys.join(", ")),
        ));
    }
    match JOBS
        .iter()
        .find(|job| settings.jobs.job(job.config_key).is_none())
    {
        Some(job) => Err(config::invalid(
            &format!("jobs.{}", job.config_key),
            "missing (the built-in defaults have it: was it removed from the build?)",
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_keys_are_unique_and_agree() {
        for (i, job) in JOBS.iter().enumerate() {
            assert_eq!(job.config_key.replace('_', "-"), job.name, "{job:?}");
            assert!(JOBS[..i].iter().all(|j| j.name != job.name), "{job:?}");
            assert_eq!(find(job.name).map(|j| j.name), Some(job.name));
        }
        assert!(find("tidy-up").is_none());
        assert!(unknown_job("tidy-up").contains("update-statuses, send-reminders, deliver-mail"));
    }

    /// `config/default.toml` documents exactly the registry's jobs, with their default schedules.
    #[test]
    fn default_toml_lists_every_job_with_its_schedule() {
        let defaults = Settings::default();
        let in_file: Vec<(&str, &str, bool)> = defaults
            .jobs
            .per_job
            .iter()
            .map(|(key, job)| (key.as_str(), job.schedule.as_str(), job.enabled))
            .collect();
        let mut registered: Vec<(&str, &str, bool)> = JOBS
            .iter()
            .map(|job| (job.config_key, job.default_schedule, true))
            .collect();
        registered.sort();
        assert_eq!(in_file, registered);
        validate(&defaults).unwrap();
    }

    #[test]
    fn validation_names_an_unknown_or_missing_job_table() {
        let mut s = Settings::default();
        let job = s.jobs.job("deliver_mail").unwrap().clone();
        s.jobs.per_job.insert("tidy_up".into(), job);
        let err = validate(&s).unwrap_err().to_string();
        assert!(
            err.starts_with("configuration key `jobs.tidy_up`: there is no such job"),
            "{err}"
        );
        let mut s = Settings::default();
        s.jobs.per_job.remove("send_reminders");
        let err = validate(&s).unwrap_err().to_string();
        assert!(
            err.starts_with("configuration key `jobs.send_reminders`: missing"),
            "{err}"
        );
    }
}
