//! Hostile input: thousands of random and adversarial requests (see `hostile_gen.rs`) through the real
//! HTTP endpoint, as an admin, a member and anonymously. None may crash the server, answer 5xx or
//! `INTERNAL`, leave an error without a code, or take longer than the bound.
//!
//! `TESSERA_FUZZ_CASES` (default 2,000) and `TESSERA_FUZZ_SEED` (default random, printed) replay or
//! widen a run; `bench/hostile.sh` runs a million.

use std::time::{Duration, Instant};

use crate::helpers::TestApp;
use crate::hostile_gen::{Generator, SchemaInfo, judge, send};

/// Far above any answer seen (milliseconds in a debug build), far below a hang.
const BOUND: Duration = Duration::from_secs(10);

#[tokio::test]
async fn random_and_adversarial_requests_never_crash_or_fail_internally() {
    let cases: usize = std::env::var("TESSERA_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let seed: u64 = std::env::var("TESSERA_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("hostile input: {cases} cases, TESSERA_FUZZ_SEED={seed}");
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (member, _) = app.token_for("MEMBER").await;
    let schema = SchemaInfo::from_sdl(&tessera::graphql::sdl());
    let mut generator = Generator::new(&schema, seed);
    let mut slowest = Duration::ZERO;
    let trace = std::env::var("TESSERA_FUZZ_TRACE").is_ok();
    for n in 0..cases {
        let case = generator.case();
        if trace {
            let q: String = case.query.chars().take(300).collect();
            eprintln!("case {n}: {q}");
        }
        let token = match n % 7 {
            0 => None,
            1 => Some(member.as_str()),
            _ => Some(admin.as_str()),
        };
        let started = Instant::now();
        let answer = send(&app.client, &app.base, token, &case).await;
        let took = started.elapsed();
        slowest = slowest.max(took);
        let verdict = match &answer {
            Err(e) => Some(e.clone()),
            Ok((status, body)) => judge(*status, body),
        };
        let shown: String = case.query.chars().take(600).collect();
        let vars: String = case.variables.to_string().chars().take(600).collect();
        let verdict: Option<String> = verdict.map(|v| v.chars().take(600).collect());
        assert!(
            verdict.is_none(),
            "case {n} (seed {seed}): {}\nquery: {shown}\nvariables: {vars}",
            verdict.unwrap_or_default(),
        );
        assert!(
            took < BOUND,
            "case {n} (seed {seed}) took {took:?}\nquery: {shown}\nvariables: {vars}"
        );
    }
    eprintln!("hostile input: slowest answer {slowest:?}");
    let health = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("the server is still up");
    assert_eq!(health.status(), 200);
}
