//! The in-process scheduler: maps the cron expressions of `[jobs.*]` to the jobs, on every replica.
//!
//! tokio-cron-scheduler only produces ticks. Each enabled job gets one worker task that takes the ticks
//! one at a time, so a replica never overlaps a job with itself; a tick that fires while the previous
//! one is still running waits in a one-slot queue, and further ones are dropped (the next run catches
//! up anyway). For each tick the worker takes the job's lease (`lease.rs`), which makes one replica
//! run it and the others skip it, runs the job through `services::jobs::run` (which records the run
//! and turns errors and panics into FAILED runs), renews the lease meanwhile, and releases it.
//!
//! Shutdown stops taking ticks at once and waits for a run in progress to finish: runs commit in
//! batches, so the end of a run is the safe point, and waiting leaves no run recorded as RUNNING.

use std::time::Duration as StdDuration;

use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_cron_scheduler::{Job, JobScheduler};

use super::JobName;
use super::lease::{Lease, holder_id};
use super::schedule::tick_for;
use crate::clock::Clock;
use crate::config::{JobSettings, JobsSettings};
use crate::db::entities::job_run;
use crate::services;
use crate::state::AppState;

/// Who a scheduled run is recorded as triggered by.
pub const TRIGGERED_BY: &str = "scheduler";

/// The jobs the scheduler runs, each with its settings and the configuration key of its schedule.
/// Adding a job to the scheduler is adding a line here.
pub fn scheduled_jobs(jobs: &JobsSettings) -> Vec<(JobName, &JobSettings, String)> {
    [
        (JobName::UpdateStatuses, "update_statuses"),
        (JobName::SendReminders, "send_reminders"),
        (JobName::DeliverMail, "deliver_mail"),
    ]
    .into_iter()
    .filter_map(|(job, key)| Some((job, jobs.job(key)?, format!("jobs.{key}.schedule"))))
    .collect()
}

/// Leases and ticks are about real time even when the business clock is pinned (tests, `--as-of`):
/// they coordinate processes, and the cron library fires on the system clock.
fn wall_clock() -> DateTime<Utc> {
    Clock::system().now()
}

/// Tells a running [`Scheduler`] to stop taking ticks; cheap to clone into a signal handler.
#[derive(Clone)]
pub struct StopHandle(watch::Sender<Option<Instant>>);

impl StopHandle {
    /// Records when the stop was asked for, so the grace period counts from then.
    pub fn stop(&self) {
        self.0.send_if_modified(|at| {
            let first = at.is_none();
            if first {
                *at = Some(Instant::now());
            }
            first
        });
    }
}

/// The running scheduler of one process.
pub struct Scheduler {
    cron: JobScheduler,
    stop: StopHandle,
    workers: Vec<JoinHandle<()>>,
}

impl Scheduler {
    /// Starts a worker and a cron entry per enabled job.
    pub async fn start(state: AppState) -> anyhow::Result<Self> {
        let holder = holder_id();
        if let Err(e) = services::jobs::fail_abandoned(&state).await {
            tracing::warn!(error = %e, "cannot check for interrupted job runs");
        }
        let ttl = Duration::seconds(state.settings.scheduler.lease_secs);
        let (stop, _) = watch::channel(None);
        let cron = JobScheduler::new()
            .await
            .context("cannot create the job scheduler")?;
        let mut workers = Vec::new();
        for (job, settings, key) in scheduled_jobs(&state.settings.jobs) {
            if !settings.enabled {
                tracing::info!(job = job.as_str(), "job disabled");
                continue;
            }
            let schedule = settings.schedule.schedule().clone();
            let (ticks, queue) = mpsc::channel(1);
            let entry = Job::new_async(settings.schedule.as_str(), move |_, _| {
                let tick = tick_for(&schedule, wall_clock());
                if ticks.try_send(tick).is_err() {
                    tracing::debug!(job = job.as_str(), %tick, "previous tick still pending; skipped");
                }
                Box::pin(async {})
            })
            .map_err(|e| anyhow::anyhow!("configuration key `{key}`: {e}"))?;
            cron.add(entry)
                .await
                .with_context(|| format!("cannot schedule {}", job.as_str()))?;
            let lease = Lease::new(job.as_str(), &holder, ttl);
            workers.push(tokio::spawn(worker(
                state.clone(),
                job,
                lease,
                queue,
                stop.subscribe(),
            )));
            tracing::info!(job = job.as_str(), schedule = %settings.schedule, "job scheduled");
        }
        cron.start()
            .await
            .context("cannot start the job scheduler")?;
        tracing::info!(%holder, jobs = workers.len(), "scheduler started");
        Ok(Self {
            cron,
            stop: StopHandle(stop),
            workers,
        })
    }

    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Stops taking ticks and waits for runs in progress, at most `grace` after the stop was first
    /// asked for. Returns whether every run finished in time; a run that did not stays RUNNING and
    /// its lease passes to another replica after `scheduler.lease_secs`.
    pub async fn shutdown(mut self, grace: StdDuration) -> bool {
        self.stop.stop();
        if let Err(e) = self.cron.shutdown().await {
            tracing::warn!(error = %e, "cron scheduler did not shut down cleanly");
        }
        let asked = (*self.stop.0.borrow()).unwrap_or_else(Instant::now);
        let workers = futures::future::join_all(self.workers);
        match tokio::time::timeout_at(asked + grace, workers).await {
            Ok(_) => {
                tracing::info!("scheduler stopped");
                true
            }
            Err(_) => {
                tracing::warn!(
                    ?grace,
                    "a scheduled job was still running at the end of the grace period"
                );
                false
            }
        }
    }
}

/// Runs one job's ticks in order until the stop signal.
async fn worker(
    state: AppState,
    job: JobName,
    lease: Lease,
    mut queue: mpsc::Receiver<DateTime<Utc>>,
    mut stop: watch::Receiver<Option<Instant>>,
) {
    loop {
        // `biased`: once stop is asked for, a tick waiting in the queue is not started.
        let tick = tokio::select! {
            biased;
            _ = stop.wait_for(Option::is_some) => break,
            tick = queue.recv() => match tick {
                Some(tick) => tick,
                None => break,
            },
        };
        run_tick(&state, job, &lease, tick).await;
    }
}

/// Runs `job` for the scheduled `tick` if this holder wins the lease; returns the recorded run, or
/// `None` when another holder has the job or already ran this tick. Errors are logged, never
/// returned: the scheduler must keep going.
#[tracing::instrument(skip(state, lease), fields(job = job.as_str(), holder = %lease.holder))]
pub async fn run_tick(
    state: &AppState,
    job: JobName,
    lease: &Lease,
    tick: DateTime<Utc>,
) -> Option<job_run::Model> {
    match lease.try_acquire(&state.db, tick, wall_clock()).await {
        Ok(true) => {}
        Ok(false) => {
            tracing::debug!("lease held elsewhere or tick already run; skipped");
            return None;
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot take the job lease; tick skipped");
            return None;
        }
    }
    let run = services::jobs::run(state, job, state.clock.today(), TRIGGERED_BY);
    // The heartbeat never finishes, so the select ends with the run, dropping the heartbeat.
    let outcome = tokio::select! {
        biased;
        outcome = run => outcome,
        never = heartbeat(state, lease) => match never {},
    };
    match lease.release(&state.db, wall_clock()).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!("lease was taken over during the run"),
        Err(e) => tracing::warn!(error = %e, "cannot release the job lease; it will expire"),
    }
    let retention = state.settings.jobs.idle_run_retention_hours;
    if let Err(e) = services::jobs::prune_idle(state, job, retention).await {
        tracing::warn!(error = %e, "cannot prune idle job runs");
    }
    match outcome {
        Ok(run) => Some(run),
        Err(e) => {
            tracing::error!(error = %e, "cannot record the job run");
            None
        }
    }
}

/// Renews the lease every third of its lifetime, so a long run keeps it and a crashed one loses it
/// within `lease_secs`.
async fn heartbeat(state: &AppState, lease: &Lease) -> std::convert::Infallible {
    let every = (lease.ttl / 3)
        .to_std()
        .unwrap_or(StdDuration::from_secs(1))
        .max(StdDuration::from_secs(1));
    loop {
        tokio::time::sleep(every).await;
        match lease.renew(&state.db, wall_clock()).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!("job lease lost while running; another replica may start"),
            Err(e) => tracing::warn!(error = %e, "cannot renew the job lease"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_configurable_job_is_listed_once() {
        let settings = JobsSettings::default();
        let jobs = scheduled_jobs(&settings);
        let mut names: Vec<_> = jobs.iter().map(|(j, _, _)| j.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), jobs.len());
        for (job, _, key) in jobs {
            assert_eq!(
                key.replace('_', "-"),
                format!("jobs.{}.schedule", job.as_str())
            );
        }
    }
}
