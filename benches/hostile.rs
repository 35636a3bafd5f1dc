//! The hostile-input run at scale (not a test): a million random and adversarial requests (the
//! generator of `tests/api/hostile_gen.rs`) against a release build on SQLite, over HTTP with eight
//! requests in flight, as an admin and anonymously. Reports what `tests/api/hostile.rs` asserts —
//! no crash, no 5xx, no `INTERNAL`, no error without a code — with the slowest answer and the
//! throughput; the first failures are printed with their case number and seed to replay them.
//!
//! Run it with `bench/hostile.sh`; `BENCH_HOSTILE_CASES` (default 1,000,000) and
//! `BENCH_HOSTILE_SEED` change the run.

#[path = "../tests/api/hostile_gen.rs"]
mod hostile_gen;

use std::time::{Duration, Instant};

use futures::StreamExt;
use hostile_gen::{Generator, SchemaInfo, judge, send};
use tessera::config::{MailTransportKind, Settings};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const IN_FLIGHT: usize = 8;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let cases: usize = env_or("BENCH_HOSTILE_CASES", 1_000_000);
    let seed: u64 = env_or("BENCH_HOSTILE_SEED", 1);
    let file = std::env::temp_dir().join(format!("tessera-hostile-{}.db", std::process::id()));
    let mut settings = Settings::default();
    settings.server.listen = ([127, 0, 0, 1], 0).into();
    settings.database.url = format!("sqlite://{}?mode=rwc", file.display());
    settings.scheduler.enabled = false;
    settings.mail.transport = MailTransportKind::Log;
    // BENCH_HOSTILE_LOG=error shows the server's log (what an INTERNAL answer hid).
    settings.log.level = std::env::var("BENCH_HOSTILE_LOG")
        .unwrap_or_else(|_| "off".into())
        .parse()
        .expect("a log filter");
    tessera::telemetry::init(&settings.log);
    let app = tessera::Application::build(settings).await.expect("build");
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    tokio::spawn(async move {
        let stopped = app.run_until_stopped().await;
        eprintln!("server stopped: {stopped:?}");
    });
    let email = "fuzz-admin@example.org";
    let password = "a long fuzzing password";
    tessera::services::users::create_or_reset_admin(&state, email, password)
        .await
        .expect("admin");
    let admin = tessera::services::auth::login(&state, email, password, None, "127.0.0.1")
        .await
        .expect("login")
        .token;

    let schema = SchemaInfo::from_sdl(&tessera::graphql::sdl());
    let mut generator = Generator::new(&schema, seed);
    // Idle connections are dropped before the server's 30 s header timeout would close them: a
    // request sent on a connection the server is closing at that moment fails without an answer.
    let client = reqwest::Client::builder()
        .pool_idle_timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    // BENCH_HOSTILE_ONLY=n replays case n of the seed alone and prints it whole.
    if let Some(only) = std::env::var("BENCH_HOSTILE_ONLY")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        for _ in 0..only {
            generator.case();
        }
        let case = generator.case();
        let token = (only % 5 != 0).then(|| admin.clone());
        println!(
            "case {only} (seed {seed}), GET {}:\n{}\nvariables: {}",
            case.use_get, case.query, case.variables
        );
        println!(
            "answer: {:?}",
            send(&client, &base, token.as_deref(), &case).await
        );
        return;
    }
    let started = Instant::now();
    let mut slowest = (Duration::ZERO, 0usize);
    let mut failures = 0usize;
    let mut by_status = std::collections::BTreeMap::<u16, usize>::new();
    let jobs = (0..cases).map(|n| {
        let case = generator.case();
        let token = (n % 5 != 0).then(|| admin.clone());
        let (client, base) = (client.clone(), base.clone());
        async move {
            let t = Instant::now();
            let answer = send(&client, &base, token.as_deref(), &case).await;
            if answer
                .as_ref()
                .is_err_and(|e| e.contains("Connection refused"))
            {
                // The server is gone: say what was in flight just before.
                let q: String = case.query.chars().take(300).collect();
                eprintln!("REFUSED case {n}: {q}");
            }
            let verdict = match &answer {
                Err(e) => Some(e.clone()),
                Ok((status, body)) => judge(*status, body),
            };
            let status = answer.map(|(s, _)| s).unwrap_or(0);
            (n, t.elapsed(), status, verdict, case.query)
        }
    });
    let mut results = futures::stream::iter(jobs).buffer_unordered(IN_FLIGHT);
    let mut done = 0usize;
    while let Some((n, took, status, verdict, query)) = results.next().await {
        done += 1;
        *by_status.entry(status).or_default() += 1;
        if took > slowest.0 {
            slowest = (took, n);
        }
        if let Some(v) = verdict {
            failures += 1;
            if failures <= 10 {
                let q: String = query.chars().take(300).collect();
                let v: String = v.chars().take(300).collect();
                eprintln!("FAILED case {n} (seed {seed}): {v}\n  query: {q}");
            }
        }
        if done.is_multiple_of(100_000) {
            eprintln!(
                "{done} cases, {failures} failures, {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "hostile input, seed {seed}: {cases} cases in {secs:.0} s ({:.0}/s), {IN_FLIGHT} in flight",
        cases as f64 / secs
    );
    println!("  HTTP statuses: {by_status:?}");
    println!("  failures (crash, 5xx, INTERNAL, error without code): {failures}");
    println!(
        "  slowest answer: {:.1} ms (case {})",
        slowest.0.as_secs_f64() * 1000.0,
        slowest.1
    );
    let health = client.get(format!("{base}/healthz")).send().await;
    println!(
        "  server alive afterwards: {}",
        health.is_ok_and(|r| r.status() == 200)
    );
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    if failures > 0 {
        std::process::exit(1);
    }
}
