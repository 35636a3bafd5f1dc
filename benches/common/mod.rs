//! What the mail benchmarks share (`benches/mail.rs`, `benches/mailing.rs`): settings for an
//! in-process SMTP sink, bulk inserts, a timed job run, a PostgreSQL database per bench, and the
//! machine line of the results.

use std::time::Instant;

use chrono::NaiveDate;
use sea_orm::sea_query::{Alias, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend};
use tessera::config::{MailTransportKind, Settings};
use tessera::domain::membership::{AutoRenew, DurationUnit, PeriodType, Visibility};
use tessera::jobs::{JobSpec, registry, runs as jobs};
use tessera::services::membership_types;
use tessera::state::AppState;

const ROWS_PER_INSERT: usize = 400;

/// Settings for a bench on `url` sending to the sink at `smtp_url`; no scheduler.
pub fn settings(url: &str, smtp_url: &str) -> Settings {
    let mut s = Settings::default();
    s.database.url = url.into();
    s.scheduler.enabled = false;
    s.mail.transport = MailTransportKind::Smtp;
    s.mail.smtp_url = smtp_url.parse().expect("an SMTP URL");
    s.organization.name = "Friends of the Park".into();
    s
}

/// Multi-row INSERTs of `rows` into `table`, `ROWS_PER_INSERT` rows a statement.
pub async fn insert_rows<C: ConnectionTrait>(
    db: &C,
    table: &str,
    cols: &[&str],
    rows: Vec<Vec<SimpleExpr>>,
) {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(table))
            .columns(cols.iter().map(|c| Alias::new(*c)));
        for row in chunk {
            insert.values(row.clone()).expect("row matches columns");
        }
        db.execute(&insert).await.expect("bulk insert");
    }
}

/// After inserting explicit ids: PostgreSQL's sequences of `tables` continue after the largest.
pub async fn reset_sequences(state: &AppState, tables: &[&str]) {
    if state.db.get_database_backend() != DbBackend::Postgres {
        return;
    }
    for table in tables {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        );
        state.db.execute_unprepared(&sql).await.expect("sequence");
    }
}

/// A yearly rolling membership type "Individual" (50.00 EUR); its id.
pub async fn individual_type(state: &AppState) -> i64 {
    membership_types::create(
        state,
        membership_types::TypeFields {
            name: "Individual".into(),
            description: None,
            minimum_fee: "50.00".into(),
            currency: "EUR".into(),
            duration_unit: DurationUnit::Year,
            duration_interval: 1,
            period_type: PeriodType::Rolling,
            fixed_period_start_day: None,
            fixed_period_rollover_day: None,
            auto_renew: AutoRenew::No,
            visibility: Visibility::Public,
            is_active: true,
            grants: vec![],
            weight: 0,
            send_welcome: false,
            welcome_template_key: None,
            prices: Default::default(),
            inherit_via: Vec::new(),
            max_related: None,
        },
    )
    .await
    .expect("membership type")
    .id
}

/// Runs a registered job once; (seconds, rows it changed). Panics unless it succeeded.
pub async fn timed_job(state: &AppState, job: &str, as_of: NaiveDate) -> (f64, i64) {
    let job: &JobSpec = registry::find(job).expect("a registered job");
    let started = Instant::now();
    let run = jobs::run(state, job, as_of, "bench")
        .await
        .expect("job run");
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(
        run.status,
        tessera::domain::job::JobStatus::Succeeded,
        "{} failed: {:?}",
        job.name,
        run.error
    );
    (secs, run.changed)
}

fn first_line(path: &str, prefix: &str) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| {
            l.split_once([':', '='])
                .map(|(_, v)| v.trim().trim_matches('"').to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// CPU, memory, OS and compiler, for the results file.
pub fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!(
        "{} ({cpus} CPUs available, shared with other work), {} memory, {}, {rustc}, release profile",
        first_line("/proc/cpuinfo", "model name"),
        first_line("/proc/meminfo", "MemTotal"),
        first_line("/etc/os-release", "PRETTY_NAME"),
    )
}

/// A fresh database `name` on the server of `admin_url` (dropped first if a run left it); the
/// admin connection and the new database's URL.
pub async fn create_database(admin_url: &str, name: &str) -> (DatabaseConnection, String) {
    let admin = Database::connect(admin_url)
        .await
        .expect("connect to BENCH_PG_ADMIN_URL");
    drop_database(&admin, name).await;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create bench database");
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
    (admin, format!("{base}/{name}"))
}

/// Drops a bench database; autovacuum may hold it for a moment (a non-superuser cannot end
/// that backend), so this retries, and only warns in the end.
pub async fn drop_database(admin: &DatabaseConnection, name: &str) {
    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    for attempt in 1..=60 {
        match admin.execute_unprepared(&sql).await {
            Ok(_) => return,
            Err(e) if attempt == 60 => eprintln!("warning: could not drop {name}: {e}"),
            Err(_) => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
        }
    }
}

/// A temporary SQLite database file's URL, and a guard removing the file (with its WAL) on drop.
pub fn sqlite_file(bench: &str) -> (String, SqliteFile) {
    let path =
        std::env::temp_dir().join(format!("tessera-bench-{bench}-{}.db", std::process::id()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    (url, SqliteFile(path))
}

pub struct SqliteFile(std::path::PathBuf);

impl Drop for SqliteFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}
