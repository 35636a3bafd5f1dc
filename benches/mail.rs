//! Benchmark of reminder mail (not a test): 100,000 members whose period ends in 30 days, one
//! "30 days before the end date" reminder; times `send-reminders` (rendering and queueing every
//! message) and `deliver-mail` (sending them all to an in-process SMTP sink over loopback).
//!
//! Run it with `bench/mail.sh` (release). SQLite always; PostgreSQL too when `BENCH_PG_ADMIN_URL`
//! is set (a user that may create databases; the bench uses `tessera_bench_mail`).
//! `BENCH_MAIL_MEMBERS` changes the count. Figures go to stdout and `bench/mail-results.md`.

#[path = "common/mod.rs"]
mod common;
#[path = "../tests/api/smtp.rs"]
mod smtp;

use std::time::Instant;

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::SimpleExpr;
use tessera::clock::Clock;
use tessera::domain::dates::Unit;
use tessera::domain::reminder::{Anchor, Direction};
use tessera::services::{reminders, statuses};
use tessera::state::AppState;

use common::{insert_rows, settings, timed_job};

/// mimalloc instead of the system allocator: bulk rendering and queueing allocate heavily on
/// several threads (see bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PG_DATABASE: &str = "tessera_bench_mail";

/// What one database's run measured.
struct Figures {
    backend: &'static str,
    members: usize,
    queue_secs: f64,
    queued: i64,
    rerun_secs: f64,
    /// Average rendered size (text plus HTML body) in bytes.
    message_bytes: i64,
    deliver_secs: f64,
    sent: i64,
}

/// `n` contacts, each with a current membership ending 30 days after `as_of`, in bulk (explicit
/// ids, multi-row INSERTs in one transaction per 20,000, as `tessera demo` does).
async fn seed(state: &AppState, n: usize, as_of: NaiveDate) {
    let type_id = common::individual_type(state).await;
    let current = statuses::by_code(&state.db, statuses::CURRENT)
        .await
        .expect("Current")
        .id;
    let (end, join, now) = (
        as_of + Duration::days(30),
        as_of - Duration::days(335),
        Utc::now(),
    );
    for first in (1..=n).step_by(20_000) {
        let ids: Vec<i64> = (first..=(first + 19_999).min(n))
            .map(|i| i as i64)
            .collect();
        let contacts = ids
            .iter()
            .map(|id| {
                let (f, l) = (format!("Member{id}"), "Bench".to_string());
                let values: Vec<SimpleExpr> = vec![
                    (*id).into(),
                    "INDIVIDUAL".into(),
                    f.clone().into(),
                    l.clone().into(),
                    format!("{f} {l}").into(),
                    format!("{l}, {f}").to_lowercase().into(),
                    format!("member{id}@example.org").into(),
                    now.into(),
                    now.into(),
                ];
                values
            })
            .collect();
        let memberships = ids
            .iter()
            .map(|id| {
                vec![
                    (*id).into(),
                    (*id).into(),
                    type_id.into(),
                    current.into(),
                    join.into(),
                    join.into(),
                    end.into(),
                    false.into(),
                    now.into(),
                    now.into(),
                ]
            })
            .collect();
        let txn = tessera::db::begin_write(&state.db).await.expect("begin");
        insert_rows(
            &txn,
            "contacts",
            &[
                "id",
                "kind",
                "first_name",
                "last_name",
                "display_name",
                "sort_name",
                "email",
                "created_at",
                "updated_at",
            ],
            contacts,
        )
        .await;
        insert_rows(
            &txn,
            "memberships",
            &[
                "id",
                "contact_id",
                "membership_type_id",
                "status_id",
                "join_date",
                "start_date",
                "end_date",
                "is_override",
                "created_at",
                "updated_at",
            ],
            memberships,
        )
        .await;
        txn.commit().await.expect("commit");
    }
    common::reset_sequences(state, &["contacts", "memberships"]).await;
}

async fn run_suite(backend: &'static str, url: &str, members: usize) -> Figures {
    let sink = smtp::SmtpSink::start().await;
    sink.discard_messages();
    let state = tessera::connect_state(settings(url, &sink.url()), Clock::system())
        .await
        .expect("connect and migrate");
    let as_of = state.clock.today();
    let started = Instant::now();
    seed(&state, members, as_of).await;
    eprintln!(
        "{backend}: seeded {members} members in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    reminders::create(
        &state,
        reminders::ReminderFields {
            name: "Renewal, 30 days before".into(),
            template_key: "renewal-reminder".into(),
            anchor: Anchor::EndDate,
            offset: 30,
            unit: Unit::Day,
            direction: Direction::Before,
            membership_type_ids: vec![],
            status_ids: vec![],
            repeat_every: None,
            repeat_until: None,
            is_active: true,
            event_id: None,
        },
    )
    .await
    .expect("reminder");
    let (queue_secs, queued) = timed_job(&state, "send-reminders", as_of).await;
    let (rerun_secs, requeued) = timed_job(&state, "send-reminders", as_of).await;
    assert_eq!(requeued, 0, "a re-run queues nothing");
    let size =
        "SELECT CAST(AVG(LENGTH(text_body) + LENGTH(html_body)) AS BIGINT) FROM outbound_messages";
    let row = state
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            state.db.get_database_backend(),
            size,
        ))
        .await
        .expect("size query")
        .expect("a row");
    let message_bytes: i64 = row.try_get_by_index(0).expect("average size");
    // BENCH_MAIL_SKIP_DELIVERY=1 times only the queueing (for profiling it).
    let (deliver_secs, sent) = match std::env::var("BENCH_MAIL_SKIP_DELIVERY") {
        Ok(_) => (f64::NAN, 0),
        Err(_) => timed_job(&state, "deliver-mail", as_of).await,
    };
    assert_eq!(sink.accepted() as i64, sent, "the sink got every message");
    state.db.close_by_ref().await.ok();
    Figures {
        backend,
        members,
        queue_secs,
        queued,
        rerun_secs,
        message_bytes,
        deliver_secs,
        sent,
    }
}

fn report(figures: &[Figures]) -> String {
    let mut out = String::from("# Reminder mail benchmark\n\n");
    out.push_str(&format!(
        "Command: `bench/mail.sh` (= `cargo bench --bench mail`{})\n\n",
        if figures.len() > 1 {
            ", with `BENCH_PG_ADMIN_URL` set"
        } else {
            ""
        }
    ));
    out.push_str(&format!("Machine: {}\n\n", common::machine()));
    out.push_str("Each member has a current membership ending 30 days after the run date; one reminder \"renewal-reminder 30 days before END_DATE\". `send-reminders` selects, renders (subject, text and HTML with the layout) and inserts every message; the re-run finds them all in the outbox and renders nothing; `deliver-mail` sends them over loopback SMTP to an in-process sink (8 concurrent sends, pooled connections).\n\n");
    out.push_str("| database | members | send-reminders | queued/s (target 20,000) | re-run | avg. text + HTML | deliver-mail | sent/s (target 1,000) |\n|---|---|---|---|---|---|---|---|\n");
    for f in figures {
        out.push_str(&format!(
            "| {} | {} | {:.2} s ({} queued) | {:.0} | {:.2} s | {} bytes | {:.2} s ({} sent) | {:.0} |\n",
            f.backend,
            f.members,
            f.queue_secs,
            f.queued,
            f.queued as f64 / f.queue_secs,
            f.rerun_secs,
            f.message_bytes,
            f.deliver_secs,
            f.sent,
            f.sent as f64 / f.deliver_secs
        ));
    }
    out
}

async fn postgres(admin_url: &str, members: usize) -> Figures {
    let (admin, url) = common::create_database(admin_url, PG_DATABASE).await;
    let figures = run_suite("PostgreSQL", &url, members).await;
    common::drop_database(&admin, PG_DATABASE).await;
    figures
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; this harness takes no arguments.
    let members: usize = std::env::var("BENCH_MAIL_MEMBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let (url, file) = common::sqlite_file("mail");
    let mut figures = vec![run_suite("SQLite", &url, members).await];
    drop(file);
    if let Ok(admin_url) = std::env::var("BENCH_PG_ADMIN_URL") {
        figures.push(postgres(&admin_url, members).await);
    }
    let text = report(&figures);
    println!("{text}");
    let out =
        std::env::var("BENCH_MAIL_RESULTS").unwrap_or_else(|_| "bench/mail-results.md".into());
    std::fs::write(&out, text).expect("write the results file");
    eprintln!("written to {out}");
}
