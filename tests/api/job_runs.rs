//! The run history stays truthful and readable: runs left RUNNING by a process that died are marked
//! FAILED, and scheduled runs that found nothing to do are pruned after the retention period.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use tessera::db::entities::job_run;
use tessera::domain::job::JobStatus;
use tessera::jobs::runs::{self as jobs, INTERRUPTED};

const RUNNING: JobStatus = JobStatus::Running;
const SUCCEEDED: JobStatus = JobStatus::Succeeded;
const FAILED: JobStatus = JobStatus::Failed;

use crate::helpers::{TestApp, job};

/// Inserts a run as a process would have left it.
async fn insert_run(
    app: &TestApp,
    name: &str,
    status: JobStatus,
    triggered_by: &str,
    started_at: DateTime<Utc>,
    heartbeat_at: Option<DateTime<Utc>>,
    processed: i64,
) -> i64 {
    job_run::ActiveModel {
        name: Set(name.into()),
        as_of: Set(started_at.date_naive()),
        triggered_by: Set(triggered_by.into()),
        status: Set(status),
        started_at: Set(started_at),
        heartbeat_at: Set(heartbeat_at),
        finished_at: Set((status != RUNNING).then_some(started_at)),
        processed: Set(processed),
        changed: Set(0),
        details: Set(None),
        error: Set(None),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap()
    .id
}

async fn find(app: &TestApp, id: i64) -> Option<job_run::Model> {
    job_run::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_run_left_running_by_a_stopped_process_is_marked_failed_and_a_live_one_is_not() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let now = Utc::now();
    // Killed 11 minutes after its last heartbeat; another one started before heartbeats existed.
    let dead = insert_run(
        &app,
        "update-statuses",
        RUNNING,
        "scheduler",
        now - Duration::hours(2),
        Some(now - Duration::minutes(11)),
        0,
    )
    .await;
    let dead_without_heartbeat = insert_run(
        &app,
        "send-reminders",
        RUNNING,
        "cli",
        now - Duration::minutes(30),
        None,
        0,
    )
    .await;
    // A long run on another replica, alive a minute ago.
    let alive = insert_run(
        &app,
        "update-statuses",
        RUNNING,
        "scheduler",
        now - Duration::hours(3),
        Some(now - Duration::minutes(1)),
        0,
    )
    .await;

    let body = app
        .gql(
            &admin,
            r#"mutation { runJob(name: "deliver-mail") { id status } }"#,
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["runJob"]["status"], "SUCCEEDED", "{body}");

    for id in [dead, dead_without_heartbeat] {
        let run = find(&app, id).await.unwrap();
        assert_eq!(run.status, FAILED, "{run:?}");
        assert_eq!(run.error.as_deref(), Some(INTERRUPTED));
        assert!(run.finished_at.is_some_and(|t| t >= now), "{run:?}");
    }
    let run = find(&app, alive).await.unwrap();
    assert_eq!(run.status, RUNNING, "{run:?}");
    assert_eq!(run.error, None);

    // The API shows the interrupted run as failed, with the reason.
    let body = app
        .gql(
            &admin,
            r#"{ jobRuns(filter: { name: "update-statuses", status: FAILED }) { nodes { id error } } }"#,
            json!({}),
        )
        .await;
    let nodes = body["data"]["jobRuns"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 1, "{body}");
    assert_eq!(nodes[0]["id"], dead.to_string());
    assert_eq!(nodes[0]["error"], INTERRUPTED);

    // A new run records its heartbeat from the start.
    let new_id: i64 = body_id(&app, &admin).await;
    let run = find(&app, new_id).await.unwrap();
    assert!(run.heartbeat_at.is_some(), "{run:?}");
    app.stop().await.unwrap();
}

async fn body_id(app: &TestApp, admin: &str) -> i64 {
    let body = app
        .gql(
            admin,
            r#"mutation { runJob(name: "deliver-mail") { id } }"#,
            json!({}),
        )
        .await;
    body["data"]["runJob"]["id"]
        .as_str()
        .expect("id")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn idle_scheduled_runs_are_pruned_after_the_retention_and_the_rest_kept() {
    let app = TestApp::spawn().await;
    let now = Utc::now();
    let old = now - Duration::hours(25);
    let recent = now - Duration::hours(23);
    let idle_old = insert_run(&app, "deliver-mail", SUCCEEDED, "scheduler", old, None, 0).await;
    let kept = [
        // Recent, did something, failed, started by a person, another job.
        insert_run(
            &app,
            "deliver-mail",
            SUCCEEDED,
            "scheduler",
            recent,
            None,
            0,
        )
        .await,
        insert_run(&app, "deliver-mail", SUCCEEDED, "scheduler", old, None, 3).await,
        insert_run(&app, "deliver-mail", FAILED, "scheduler", old, None, 0).await,
        insert_run(&app, "deliver-mail", SUCCEEDED, "cli", old, None, 0).await,
        insert_run(&app, "send-reminders", SUCCEEDED, "scheduler", old, None, 0).await,
    ];

    assert_eq!(
        jobs::prune_idle(&app.state, job("deliver-mail"), 0)
            .await
            .unwrap(),
        0,
        "0 keeps everything"
    );
    assert!(find(&app, idle_old).await.is_some());
    assert_eq!(
        jobs::prune_idle(&app.state, job("deliver-mail"), 24)
            .await
            .unwrap(),
        1
    );
    assert!(find(&app, idle_old).await.is_none());
    for id in kept {
        assert!(find(&app, id).await.is_some(), "run {id} was deleted");
    }
    app.stop().await.unwrap();
}

#[tokio::test]
async fn the_scheduler_prunes_idle_runs_after_its_runs() {
    let app = TestApp::spawn().await;
    let old = Utc::now() - Duration::hours(30);
    let idle_old = insert_run(&app, "deliver-mail", SUCCEEDED, "scheduler", old, None, 0).await;
    let worker = app
        .replica(|s| {
            s.scheduler.enabled = true;
            s.jobs.job_mut("deliver_mail").unwrap().schedule = "* * * * * *".parse().unwrap();
            s.jobs.job_mut("update_statuses").unwrap().enabled = false;
            s.jobs.job_mut("send_reminders").unwrap().enabled = false;
        })
        .await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while find(&app, idle_old).await.is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the old idle run was never pruned"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    worker.stop().await.unwrap();
    app.stop().await.unwrap();
}
