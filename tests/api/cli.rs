//! The `tessera` binary itself: schema output, configuration errors, serve from any directory, SIGTERM.

use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_tessera");

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tessera-cli-{:08x}", rand::random::<u32>()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn schema_prints_the_sdl_and_nothing_else() {
    let out = Command::new(BIN).arg("schema").output().unwrap();
    assert!(out.status.success());
    let file =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), file);
}

#[test]
fn invalid_configuration_stops_start_up_naming_the_key() {
    let dir = tempdir();
    for (var, value, key) in [
        ("TESSERA_SERVER__LISTEN", "not-an-address", "server.listen"),
        (
            "TESSERA_DATABASE__MAX_CONNECTIONS",
            "many",
            "max_connections",
        ),
        ("TESSERA_MAIL__TRANSPORT", "pigeon", "transport"),
        (
            "TESSERA_JOBS__DELIVER_MAIL__SCHEDULE",
            "often",
            "jobs.deliver_mail.schedule",
        ),
        ("TESSERA_MAIL__FROM", "nobody", "mail.from"),
        (
            "TESSERA_MAIL__SMTP_URL",
            "mail.example.org",
            "mail.smtp_url",
        ),
        (
            "TESSERA_SERVER__PUBLIC_URL",
            "ftp://x.org",
            "server.public_url",
        ),
        ("TESSERA_LOG__LEVEL", "tessera=loud", "log.level"),
        (
            "TESSERA_ORGANIZATION__DEFAULT_CURRENCY",
            "EURO",
            "organization.default_currency",
        ),
    ] {
        let out = Command::new(BIN)
            .arg("migrate")
            .current_dir(&dir)
            .env(var, value)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{var}={value} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
        assert!(stderr.contains(key), "{var}: {stderr}");
    }
    // A table for a job the registry does not know.
    let out = Command::new(BIN)
        .arg("migrate")
        .current_dir(&dir)
        .env("TESSERA_JOBS__TIDY_UP__ENABLED", "true")
        .env("TESSERA_JOBS__TIDY_UP__SCHEDULE", "0 0 * * * *")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("configuration key `jobs.tidy_up`: there is no such job"),
        "{stderr}"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn jobs_run_help_lists_the_registered_jobs() {
    let out = Command::new(BIN)
        .args(["jobs", "run", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for job in tessera::jobs::registry::JOBS {
        assert!(help.contains(job.name), "{} missing from {help}", job.name);
    }
}

#[tokio::test]
async fn serve_migrates_from_any_directory_and_exits_zero_on_sigterm() {
    let dir = tempdir();
    let (settings, _guard) = crate::helpers::test_settings().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = Command::new(BIN)
        .arg("serve")
        .current_dir(&dir)
        .env("TESSERA_SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env("TESSERA_DATABASE__URL", &settings.database.url)
        .env("TESSERA_SCHEDULER__ENABLED", "false")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/readyz");
    let mut ready = false;
    for _ in 0..200 {
        if reqwest::get(&url)
            .await
            .map(|r| r.status() == 200)
            .unwrap_or(false)
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "server did not become ready");
    let body: serde_json::Value = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .json(&serde_json::json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["data"]["__typename"], "Query");
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let mut exit = None;
    for _ in 0..100 {
        if let Some(s) = child.try_wait().unwrap() {
            exit = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let exit = exit.unwrap_or_else(|| {
        child.kill().ok();
        panic!("server did not stop on SIGTERM")
    });
    assert_eq!(exit.code(), Some(0));
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn admin_create_then_login() {
    let dir = tempdir();
    let (settings, _guard) = crate::helpers::test_settings().await;
    let run = |password: &str| {
        Command::new(BIN)
            .args(["admin", "create", "--email", "Chair@Example.org"])
            .current_dir(&dir)
            .env("TESSERA_DATABASE__URL", &settings.database.url)
            .env("TESSERA_ADMIN_PASSWORD", password)
            .output()
            .unwrap()
    };
    let out = run("first long password");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created"));
    let out = run("second long password");
    assert!(String::from_utf8_lossy(&out.stdout).contains("reset"));
    let out = run("short");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
    // The login works against the same database.
    let mut s = settings.clone();
    s.server.listen = ([127, 0, 0, 1], 0).into();
    let state = tessera::connect_state(s, tessera::clock::Clock::system())
        .await
        .unwrap();
    let result = tessera::services::auth::login(
        &state,
        "chair@example.org",
        "second long password",
        None,
        "127.0.0.1",
    )
    .await;
    assert!(result.is_ok());
    std::fs::remove_dir_all(dir).ok();
}

/// An internal error in a command reaches the operator with its cause, not the API's generic text.
#[tokio::test]
async fn a_failing_command_prints_the_cause() {
    let dir = tempdir();
    let (settings, _guard) = crate::helpers::test_settings().await;
    let state = tessera::connect_state(settings.clone(), tessera::clock::Clock::system())
        .await
        .unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(&state.db, "ALTER TABLE users RENAME TO gone")
        .await
        .unwrap();
    tessera::db::close(state.db).await;
    let out = Command::new(BIN)
        .args(["admin", "create", "--email", "chair@example.org"])
        .current_dir(&dir)
        .env("TESSERA_DATABASE__URL", &settings.database.url)
        .env("TESSERA_ADMIN_PASSWORD", "a long enough password")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error: database: "), "{stderr}");
    assert!(
        stderr.contains("no such table: users") || stderr.contains("\"users\" does not exist"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("details are in the server log"),
        "{stderr}"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn jobs_run_prints_its_report() {
    let dir = tempdir();
    let (settings, _guard) = crate::helpers::test_settings().await;
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .current_dir(&dir)
            .env("TESSERA_DATABASE__URL", &settings.database.url)
            .output()
            .unwrap()
    };
    let out = run(&["jobs", "run", "update-statuses", "--as-of", "2024-01-01"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "SUCCEEDED");
    assert_eq!(report["asOf"], "2024-01-01");
    assert_eq!(report["job"], "update-statuses");
    let out = run(&["jobs", "run", "tidy-up"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "unknown job `tidy-up`; jobs are update-statuses, send-reminders, deliver-mail"
        ),
        "{stderr}"
    );
    let out = run(&["jobs", "run", "update-statuses", "--as-of", "2024-13-01"]);
    assert!(!out.status.success(), "a bad date is refused");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn logs_to_a_pipe_carry_no_colour_codes() {
    let dir = tempdir();
    let out = Command::new(BIN)
        .arg("migrate")
        .current_dir(&dir)
        .env("TESSERA_LOG__LEVEL", "debug")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("migrations applied"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "ANSI escape in piped logs: {stderr}"
    );
    std::fs::remove_dir_all(dir).ok();
}

/// SQLite only: the write-ahead log and `tessera backup` are SQLite matters.
#[tokio::test]
async fn sqlite_files_are_complete_after_exit_and_backups_are_consistent() {
    if std::env::var("TESSERA_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        let dir = tempdir();
        let (settings, _guard) = crate::helpers::test_settings().await;
        let out = Command::new(BIN)
            .args(["backup", "copy.db"])
            .current_dir(&dir)
            .env("TESSERA_DATABASE__URL", &settings.database.url)
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
        std::fs::remove_dir_all(dir).ok();
        return;
    }
    let dir = tempdir();
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .current_dir(&dir)
            .env("TESSERA_ADMIN_PASSWORD", "a long enough password")
            .output()
            .unwrap()
    };
    assert!(run(&["migrate"]).status.success());
    let out = run(&["admin", "create", "--email", "chair@example.org"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Everything is in tessera.db itself: the log was checkpointed on exit.
    let wal = dir.join("tessera.db-wal");
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "the write-ahead log still holds data"
    );
    let alone = dir.join("alone.db");
    std::fs::copy(dir.join("tessera.db"), &alone).unwrap();
    let users = |file: &std::path::Path| {
        let file = file.to_path_buf();
        async move {
            let db = sea_orm::Database::connect(format!("sqlite://{}?mode=ro", file.display()))
                .await
                .unwrap();
            let n = sea_orm::ConnectionTrait::query_one_raw(
                &db,
                sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Sqlite,
                    "SELECT COUNT(*) AS n FROM users",
                ),
            )
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
            db.close().await.ok();
            n
        }
    };
    assert_eq!(
        users(&alone).await,
        1,
        "a copy of tessera.db alone is complete"
    );

    let out = run(&["backup", "backup.db"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(users(&dir.join("backup.db")).await, 1);
    let again = run(&["backup", "backup.db"]);
    assert!(
        !again.status.success(),
        "an existing file is never overwritten"
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));
    std::fs::remove_dir_all(dir).ok();
}
