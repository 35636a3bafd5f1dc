//! The in-process scheduler: maps the cron expressions of `[jobs.<config key>]` to the jobs of the
//! registry, on every replica.
//!
//! tokio-cron-scheduler only produces ticks. Each enabled job gets one worker task that takes the ticks
//! one at a time, so a replica never overlaps a job with itself; a tick that fires while the previous
//! one is still running waits in a one-slot queue, and further ones are dropped (the next run catches
//! up anyway). For each tick the worker takes the job's lease (`lease.rs`), which makes one replica
//! run it and the others skip it, runs the job through `runs::run` (which records the run
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

use super::lease::{Lease, holder_id};
use super::registry::{JOBS, JobSpec};
use super::runs::{self, BY_SCHEDULER};
use super::schedule::tick_for;
use crate::clock::Clock;
use crate::domain::job::JobRun;
use crate::state::AppState;

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
        if let Err(e) = runs::fail_abandoned(&state).await {
            tracing::warn!(error = %e, "cannot check for interrupted job runs");
        }
        let ttl = Duration::seconds(state.settings.scheduler.lease_secs);
        let (stop, _) = watch::channel(None);
        let cron = JobScheduler::new()
            .await
            .context("cannot create the job scheduler")?;
        let mut workers = Vec::new();
        for job in JOBS {
            let key = format!("jobs.{}.schedule", job.config_key);
            let Some(settings) = state.settings.jobs.job(job.config_key) else {
                anyhow::bail!("configuration key `jobs.{}` is missing", job.config_key);
            };
            if !settings.enabled {
                tracing::info!(job = job.name, "job disabled");
                continue;
            }
            let schedule = settings.schedule.schedule().clone();
            let (ticks, queue) = mpsc::channel(1);
            let entry = Job::new_async(settings.schedule.as_str(), move |_, _| {
                let tick = tick_for(&schedule, wall_clock());
                if ticks.try_send(tick).is_err() {
                    tracing::debug!(job = job.name, %tick, "previous tick still pending; skipped");
                }
                Box::pin(async {})
            })
            .map_err(|e| anyhow::anyhow!("configuration key `{key}`: {e}"))?;
            cron.add(entry)
                .await
                .with_context(|| format!("cannot schedule {}", job.name))?;
            let lease = Lease::new(job.name, &holder, ttl);
            workers.push(tokio::spawn(worker(
                state.clone(),
                job,
                lease,
                queue,
                stop.subscribe(),
            )));
            tracing::info!(job = job.name, schedule = %settings.schedule, "job scheduled");
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
    job: &'static JobSpec,
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
#[tracing::instrument(skip(state, job, lease), fields(job = job.name, holder = %lease.holder))]
pub async fn run_tick(
    state: &AppState,
    job: &JobSpec,
    lease: &Lease,
    tick: DateTime<Utc>,
) -> Option<JobRun> {
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
    let run = runs::run(state, job, state.clock.today(), BY_SCHEDULER);
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
    if let Err(e) = runs::prune_idle(state, job, retention).await {
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
