//! The in-process scheduler: real applications with their schedulers on, sharing one database (SQLite
//! file, or PostgreSQL with TESSERA_TEST_DATABASE_URL). Assertions are invariants — no overlap, at
//! most one run per tick, at least some runs — never exact counts or timings.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use tessera::config::Settings;
use tessera::db::entities::{job_lease, job_run, membership};
use tessera::domain::job::JobStatus;

const RUNNING: JobStatus = JobStatus::Running;
const SUCCEEDED: JobStatus = JobStatus::Succeeded;
const FAILED: JobStatus = JobStatus::Failed;
use tessera::services::statuses::{EXPIRED, Statuses};

use crate::fixtures::{new_contact, yearly_type};
use crate::helpers::TestApp;

/// Scheduler on; update-statuses and deliver-mail every second; other jobs off.
fn every_second(s: &mut Settings) {
    s.scheduler.enabled = true;
    s.jobs.job_mut("update_statuses").unwrap().schedule = "* * * * * *".parse().unwrap();
    s.jobs.job_mut("deliver_mail").unwrap().schedule = "* * * * * *".parse().unwrap();
    s.jobs.job_mut("send_reminders").unwrap().enabled = false;
}

async fn runs(db: &DatabaseConnection, job: &str) -> Vec<job_run::Model> {
    job_run::Entity::find()
        .filter(job_run::Column::Name.eq(job))
        .order_by_asc(job_run::Column::StartedAt)
        .all(db)
        .await
        .unwrap()
}

/// Polls until `done` holds for the runs of `job`, or panics after `secs`.
async fn wait_for_runs(
    app: &TestApp,
    job: &str,
    secs: u64,
    done: impl Fn(&[job_run::Model]) -> bool,
) -> Vec<job_run::Model> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let rows = runs(&app.state.db, job).await;
        if done(&rows) {
            return rows;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {job} runs: {rows:?}"
        );
        // Short: a run must be seen while RUNNING in `stopping_waits_for_the_running_job`.
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn two_replicas_run_each_tick_once_and_never_overlap() {
    // The scheduler-less app only holds the database (and reads it after the replicas stop).
    let app = TestApp::spawn().await;
    let db = app.state.db.clone();
    // Whole seconds: every tick of the window is at or after this instant.
    let window_start = DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap();
    let one = app.replica(every_second).await;
    let two = app.replica(every_second).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    two.stop().await.unwrap();
    one.stop().await.unwrap();
    let window_end = Utc::now();
    for job in ["update-statuses", "deliver-mail"] {
        let rows = runs(&db, job).await;
        assert!(rows.len() >= 2, "{job}: too few runs: {rows:?}");
        // One tick per second, each run at most once: no more runs than ticks in the window.
        let ticks = (window_end - window_start).num_seconds() + 1;
        assert!(
            rows.len() as i64 <= ticks,
            "{job}: {} runs for {ticks} ticks",
            rows.len()
        );
        for (k, r) in rows.iter().enumerate() {
            assert_eq!(r.status, SUCCEEDED, "{r:?}");
            assert_eq!(r.triggered_by, "scheduler");
            // The k-th run belongs to a tick at least k seconds after the first possible one.
            assert!(
                r.started_at >= window_start + chrono::Duration::seconds(k as i64),
                "{job}: run {k} started before its tick could exist: {rows:?}"
            );
        }
        for pair in rows.windows(2) {
            let first_end = pair[0].finished_at.expect("finished");
            assert!(
                first_end <= pair[1].started_at,
                "{job}: overlapping runs {pair:?}"
            );
        }
    }
    // Stopped replicas hand their leases back.
    let leases = job_lease::Entity::find().all(&db).await.unwrap();
    assert!(leases.iter().all(|l| l.holder.is_none()), "{leases:?}");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_failing_job_is_recorded_and_the_scheduler_keeps_going() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let contact = new_contact(&app, &admin, "Failing").await;
    let yearly = yearly_type(&app, &admin).await;
    insert_stale_memberships(&app, contact.parse().unwrap(), yearly.parse().unwrap(), 1).await;
    // The status job writes a history row per change: without the table every run fails.
    app.state
        .db
        .execute_unprepared("DROP TABLE membership_history")
        .await
        .unwrap();
    let worker = app.replica(every_second).await;
    let failed = wait_for_runs(&worker, "update-statuses", 20, |rows| {
        rows.iter().filter(|r| r.status == FAILED).count() >= 2
    })
    .await;
    let first = &failed[0];
    assert_eq!(first.status, FAILED, "{first:?}");
    let error = first.error.as_deref().unwrap_or_default();
    assert!(error.contains("membership_history"), "{error}");
    let first_end = first.finished_at.expect("finished");
    // Other jobs keep succeeding after the failure.
    wait_for_runs(&worker, "deliver-mail", 20, |rows| {
        rows.iter()
            .any(|r| r.status == SUCCEEDED && r.started_at > first_end)
    })
    .await;
    worker.stop().await.unwrap();
}

#[tokio::test]
async fn nothing_runs_when_the_scheduler_is_off() {
    let app = TestApp::spawn_with(|s| {
        every_second(s);
        s.scheduler.enabled = false;
    })
    .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(app.count("job_runs").await, 0);
    assert_eq!(app.count("job_leases").await, 0);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn a_disabled_job_never_runs() {
    let app = TestApp::spawn_with(|s| {
        every_second(s);
        s.jobs.job_mut("deliver_mail").unwrap().enabled = false;
    })
    .await;
    wait_for_runs(&app, "update-statuses", 20, |rows| rows.len() >= 2).await;
    assert!(runs(&app.state.db, "deliver-mail").await.is_empty());
    let lease = job_lease::Entity::find_by_id("deliver-mail")
        .one(&app.state.db)
        .await
        .unwrap();
    assert!(lease.is_none(), "{lease:?}");
    app.stop().await.unwrap();
}

#[tokio::test]
async fn stopping_waits_for_the_running_job() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let contact = new_contact(&app, &admin, "Many").await;
    let yearly = yearly_type(&app, &admin).await;
    const N: usize = 10_000;
    let expired =
        insert_stale_memberships(&app, contact.parse().unwrap(), yearly.parse().unwrap(), N).await;
    let worker = app
        .replica(|s| {
            every_second(s);
            s.jobs.job_mut("deliver_mail").unwrap().enabled = false;
        })
        .await;
    // A run that changes every membership (and writes history) takes a moment: catch one running.
    // Should a run finish between two polls, make the memberships stale again for the next one.
    let mut seen = 0;
    let caught = loop {
        let rows = wait_for_runs(&worker, "update-statuses", 20, |rows| rows.len() > seen).await;
        let last = rows.last().unwrap().clone();
        if last.status == RUNNING {
            break last;
        }
        seen = rows.len();
        app.state
            .db
            .execute_unprepared(&format!("UPDATE memberships SET status_id = {expired}"))
            .await
            .unwrap();
    };
    worker.stop().await.unwrap();
    let after = job_run::Entity::find()
        .filter(job_run::Column::Status.eq(RUNNING))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(after.is_empty(), "left RUNNING after stop: {after:?}");
    let done = job_run::Entity::find_by_id(caught.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.status, SUCCEEDED, "{done:?}");
    assert_eq!(done.processed, N as i64, "the run was allowed to finish");
}

/// Inserts `n` current memberships stored as Expired, so the status job has `n` changes to make;
/// returns the id of Expired.
async fn insert_stale_memberships(app: &TestApp, contact: i64, type_id: i64, n: usize) -> i64 {
    let statuses = Statuses::load(&app.state.db).await.unwrap();
    let expired = statuses.id_of(EXPIRED).unwrap();
    let now = Utc::now();
    let today = now.date_naive();
    let rows: Vec<membership::ActiveModel> = (0..n)
        .map(|_| membership::ActiveModel {
            contact_id: Set(contact),
            membership_type_id: Set(type_id),
            status_id: Set(expired),
            join_date: Set(today),
            start_date: Set(today),
            end_date: Set(Some(today + chrono::Duration::days(365))),
            is_override: Set(false),
            override_until: Set(None),
            source: Set(None),
            cancel_reason: Set(None),
            status_run_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(500) {
        membership::Entity::insert_many(chunk.to_vec())
            .exec(&app.state.db)
            .await
            .unwrap();
    }
    expired
}

/// The job registry checks the `[jobs.*]` tables before anything starts.
#[tokio::test]
async fn an_unknown_job_table_stops_start_up() {
    let (mut s, _guard) = crate::helpers::test_settings().await;
    let table = s.jobs.job("deliver_mail").unwrap().clone();
    s.jobs.per_job.insert("tidy_up".into(), table);
    let err = tessera::Application::build(s)
        .await
        .err()
        .expect("start-up refused");
    assert!(
        err.to_string()
            .starts_with("configuration key `jobs.tidy_up`: there is no such job"),
        "{err}"
    );
}
