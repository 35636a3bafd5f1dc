//! The `update-statuses` job: set-based, race-free, honest, and equal to the pure rules.

use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};
use tessera::db::entities::membership;
use tessera::domain::dates::add_months;
use tessera::domain::status::{Computed, MembershipDates, compute, is_held};
use tessera::services::statuses::Statuses;
use tessera::state::AppState;

use crate::fixtures::{create_membership, d, new_contact, set_today, yearly_type};
use crate::helpers::{TestApp, code, job};

const RUN: &str = "mutation($d: Date) { runJob(name: \"update-statuses\", asOf: $d) { id status processed changed details error triggeredBy asOf } }";

async fn run_job(app: &TestApp, admin: &str, as_of: &str) -> Value {
    let body = app.gql(admin, RUN, json!({ "d": as_of })).await;
    body["data"]["runJob"].clone()
}

async fn status_of(app: &TestApp, admin: &str, id: &str) -> String {
    let body = app
        .gql(
            admin,
            "query($id: ID!) { membership(id: $id) { status { name } } }",
            json!({ "id": id }),
        )
        .await;
    body["data"]["membership"]["status"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn new_membership(app: &TestApp, admin: &str, type_id: &str, join: &str) -> String {
    let c = new_contact(app, admin, "Member").await;
    let body = create_membership(
        app,
        admin,
        json!({ "contactId": c, "membershipTypeId": type_id, "joinDate": join }),
    )
    .await;
    body["data"]["createMembership"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string()
}

#[tokio::test]
async fn the_job_moves_statuses_writes_history_and_records_the_run() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2024-01-01");
    let yearly = yearly_type(&app, &admin).await;
    let a = new_membership(&app, &admin, &yearly, "2024-01-01").await; // ends 2024-12-31
    let b = new_membership(&app, &admin, &yearly, "2023-06-01").await; // ends 2024-05-31
    let run = run_job(&app, &admin, "2024-06-15").await;
    assert_eq!(run["status"], "SUCCEEDED", "{run}");
    assert_eq!(
        (run["processed"].as_i64(), run["changed"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(
        run["details"]["changedTo"],
        json!({ "Current": 1, "Grace": 1 })
    );
    assert!(run["triggeredBy"].as_str().unwrap().starts_with("user:"));
    assert_eq!(run["asOf"], "2024-06-15");
    assert_eq!(status_of(&app, &admin, &a).await, "Current");
    assert_eq!(status_of(&app, &admin, &b).await, "Grace");
    // Running again for the same date changes nothing, and says so.
    let again = run_job(&app, &admin, "2024-06-15").await;
    assert_eq!(
        (again["processed"].as_i64(), again["changed"].as_i64()),
        (Some(2), Some(0))
    );
    let later = run_job(&app, &admin, "2024-07-01").await;
    assert_eq!(later["details"]["changedTo"], json!({ "Expired": 1 }));
    let body = app.gql(&admin, "query($id: ID!) { membership(id: $id) { history { change status { name } changedBy } } }", json!({ "id": b })).await;
    let history = body["data"]["membership"]["history"]
        .as_array()
        .unwrap()
        .clone();
    let tail: Vec<(String, String)> = history[1..]
        .iter()
        .map(|h| {
            (
                h["status"]["name"].as_str().unwrap().to_string(),
                h["changedBy"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        tail,
        vec![
            ("Grace".into(), "job:update-statuses".into()),
            ("Expired".into(), "job:update-statuses".into())
        ]
    );
    let runs = app.gql(&admin, "{ jobRuns(filter: { name: \"update-statuses\" }) { totalCount nodes { status changed } } }", json!({})).await;
    assert_eq!(runs["data"]["jobRuns"]["totalCount"], 3);
    assert_eq!(
        runs["data"]["jobRuns"]["nodes"][0]["changed"], 1,
        "newest first"
    );
    assert_eq!(
        code(
            &app.gql(
                &admin,
                "mutation { runJob(name: \"nope\") { id } }",
                json!({})
            )
            .await
        ),
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn grace_ends_on_the_clamped_month_end_not_a_day_late() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2023-02-01");
    let yearly = yearly_type(&app, &admin).await;
    let m = new_membership(&app, &admin, &yearly, "2023-02-01").await; // ends 2024-01-31
    run_job(&app, &admin, "2024-02-29").await;
    assert_eq!(
        status_of(&app, &admin, &m).await,
        "Grace",
        "Jan 31 + 1 month = Feb 29 (leap year)"
    );
    run_job(&app, &admin, "2024-03-01").await;
    assert_eq!(
        status_of(&app, &admin, &m).await,
        "Expired",
        "not Mar 2 as with month overflow"
    );
}

#[tokio::test]
async fn held_statuses_stay_until_their_override_ends_and_pending_moves_on() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2024-01-01");
    let yearly = yearly_type(&app, &admin).await;
    let statuses = app
        .gql(&admin, "{ membershipStatuses { id code } }", json!({}))
        .await;
    let id_of = |c: &str| {
        statuses["data"]["membershipStatuses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["code"] == c)
            .unwrap()["id"]
            .clone()
    };
    let c = new_contact(&app, &admin, "Held").await;
    let held = create_membership(&app, &admin, json!({ "contactId": c, "membershipTypeId": yearly, "statusOverride": id_of("PENDING"), "overrideUntil": "2024-03-31" })).await["data"]["createMembership"]["id"].as_str().unwrap().to_string();
    let cancelled = new_membership(&app, &admin, &yearly, "2024-01-01").await;
    app.gql(
        &admin,
        "mutation($id: ID!) { cancelMembership(id: $id) { id } }",
        json!({ "id": cancelled }),
    )
    .await;
    let future = new_membership(&app, &admin, &yearly, "2024-02-15").await;
    assert_eq!(status_of(&app, &admin, &future).await, "Pending");
    let run = run_job(&app, &admin, "2024-03-31").await;
    assert_eq!(
        run["processed"], 1,
        "held memberships are not examined: {run}"
    );
    assert_eq!(
        status_of(&app, &admin, &held).await,
        "Pending",
        "held through its last day"
    );
    assert_eq!(
        status_of(&app, &admin, &future).await,
        "New",
        "a Pending that only came from the date moves on"
    );
    let run = run_job(&app, &admin, "2024-04-01").await;
    assert_eq!(run["details"]["overridesEnded"], 1);
    assert_eq!(status_of(&app, &admin, &held).await, "New");
    assert_eq!(
        status_of(&app, &admin, &cancelled).await,
        "Cancelled",
        "cancellations stay"
    );
    let body = app
        .gql(
            &admin,
            "query($id: ID!) { membership(id: $id) { isOverride history { change } } }",
            json!({ "id": held }),
        )
        .await;
    let changes: Vec<&str> = body["data"]["membership"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, vec!["CREATED", "OVERRIDE_ENDED", "STATUS_CHANGED"]);
    assert_eq!(body["data"]["membership"]["isOverride"], false);
}

#[tokio::test]
async fn a_rule_change_reaches_expired_memberships() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2023-01-01");
    let yearly = yearly_type(&app, &admin).await;
    let m = new_membership(&app, &admin, &yearly, "2023-01-01").await; // ends 2023-12-31
    run_job(&app, &admin, "2024-02-15").await;
    assert_eq!(status_of(&app, &admin, &m).await, "Expired");
    let statuses = app
        .gql(&admin, "{ membershipStatuses { id code } }", json!({}))
        .await;
    let grace = statuses["data"]["membershipStatuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "GRACE")
        .unwrap()["id"]
        .clone();
    let body = app
        .gql(&admin, "mutation($id: ID!) { updateMembershipStatus(id: $id, input: { endOffset: { amount: 3, unit: MONTH } }) { endEvent endOffset { amount unit } } }", json!({ "id": grace }))
        .await;
    assert_eq!(
        body["data"]["updateMembershipStatus"]["endOffset"],
        json!({ "amount": 3, "unit": "MONTH" }),
        "{body}"
    );
    run_job(&app, &admin, "2024-02-15").await;
    assert_eq!(
        status_of(&app, &admin, &m).await,
        "Grace",
        "Expired is re-evaluated too"
    );
    // Admins add their own rules; staff cannot.
    let q = "mutation { createMembershipStatus(input: { name: \"Lapsing\", startEvent: END_DATE, startOffset: { amount: -30, unit: DAY }, endEvent: END_DATE, isCurrentMember: true, weight: 0 }) { id weight } }";
    let (staff, _) = app.token_for("STAFF").await;
    assert_eq!(code(&app.gql(&staff, q, json!({})).await), "FORBIDDEN");
    assert!(app.gql(&admin, q, json!({})).await["errors"].is_null());
    run_job(&app, &admin, "2023-12-15").await;
    assert_eq!(status_of(&app, &admin, &m).await, "Lapsing");
}

#[tokio::test]
async fn a_failing_run_is_recorded_as_failed_not_success() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let yearly = yearly_type(&app, &admin).await;
    new_membership(&app, &admin, &yearly, "2020-01-01").await;
    app.state
        .db
        .execute_unprepared("DROP TABLE membership_history")
        .await
        .unwrap();
    let run = run_job(&app, &admin, "2024-01-01").await;
    assert_eq!(run["status"], "FAILED", "{run}");
    assert!(
        run["error"]
            .as_str()
            .unwrap()
            .contains("membership_history"),
        "{run}"
    );
    let failed = app
        .gql(
            &admin,
            "{ jobRuns(filter: { status: FAILED }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(failed["data"]["jobRuns"]["totalCount"], 1);
}

#[tokio::test]
async fn a_renewal_committed_during_a_run_is_not_reverted() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    set_today(&app, "2023-02-01");
    let yearly = yearly_type(&app, &admin).await;
    let m = new_membership(&app, &admin, &yearly, "2023-02-01").await; // ends 2024-01-31
    let id: i64 = m.parse().unwrap();
    // A renewal holds its write transaction open while the job starts.
    let renewal = tessera::db::begin_write(&app.state.db).await.unwrap();
    membership::Entity::update_many()
        .col_expr(
            membership::Column::EndDate,
            sea_orm::sea_query::Expr::value(d("2025-01-31")),
        )
        .filter(membership::Column::Id.eq(id))
        .exec(&renewal)
        .await
        .unwrap();
    let state = app.state.clone();
    let job = tokio::spawn(async move {
        tessera::jobs::runs::run(&state, job("update-statuses"), d("2024-06-01"), "test").await
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    renewal.commit().await.unwrap();
    let run = job.await.unwrap().unwrap();
    assert_eq!(run.status, tessera::domain::job::JobStatus::Succeeded);
    assert_eq!(
        status_of(&app, &admin, &m).await,
        "Current",
        "computed from the renewed end date, not Expired"
    );
}

/// A state of its own whose metrics count only the statements this test sends.
async fn counting_state(app: &TestApp) -> AppState {
    let db = tessera::db::connect(&app.state.settings.database)
        .await
        .unwrap();
    AppState::new(db, (*app.state.settings).clone(), app.state.clock.clone()).unwrap()
}

#[tokio::test]
async fn the_job_sends_about_the_same_statements_for_ten_or_a_thousand_memberships() {
    let app = TestApp::spawn().await;
    let state = counting_state(&app).await;
    let (contact, type_id) = seed_parent_rows(&app).await;
    let statuses = Statuses::load(&app.state.db).await.unwrap();
    let mut rng = StdRng::seed_from_u64(7);
    let mut counts = vec![];
    for n in [10, 1000] {
        insert_random(&app, &mut rng, contact, type_id, &statuses, n).await;
        let before = state.metrics.statements();
        let run = tessera::jobs::runs::run(&state, job("update-statuses"), d("2024-06-01"), "test")
            .await
            .unwrap();
        assert_eq!(run.status, tessera::domain::job::JobStatus::Succeeded);
        counts.push(state.metrics.statements() - before);
    }
    // Expiry emails add a few bulk statements (per 500 contacts, per 200 messages), never one per row.
    assert!(
        counts[1] <= counts[0] + 10,
        "statements must not grow per membership: {counts:?}"
    );
    // The bundle pass and the reports' refresh (a few statements per 2,000 memberships) included.
    assert!(counts[1] < 80, "a handful of statements: {counts:?}");
}

async fn seed_parent_rows(app: &TestApp) -> (i64, i64) {
    let admin = app.admin_token().await;
    let t = yearly_type(app, &admin).await.parse().unwrap();
    let c = new_contact(app, &admin, "Bulk").await.parse().unwrap();
    (c, t)
}

fn random_date(rng: &mut StdRng, from: NaiveDate, days: i64) -> NaiveDate {
    from + chrono::Duration::days(rng.random_range(0..days))
}

/// Inserts `n` memberships with random dates, overrides and stored statuses. End dates crowd around
/// month ends, where clamping matters.
async fn insert_random(
    app: &TestApp,
    rng: &mut StdRng,
    contact: i64,
    type_id: i64,
    statuses: &Statuses,
    n: usize,
) {
    let now = chrono::Utc::now();
    let ids: Vec<i64> = statuses.statuses.iter().map(|s| s.id).collect();
    let mut rows = Vec::with_capacity(n);
    for _ in 0..n {
        let join = random_date(rng, d("2018-01-01"), 365 * 8);
        let start = if rng.random_bool(0.7) {
            join
        } else {
            join + chrono::Duration::days(rng.random_range(0..90))
        };
        let end = match rng.random_range(0..10) {
            0 => None,
            1..=3 => Some(add_months(start, 12) - chrono::Duration::days(1)),
            4..=6 => {
                let month_end = add_months(random_date(rng, start, 900), 0);
                let first_next = add_months(month_end.with_day_one(), 1);
                Some(first_next - chrono::Duration::days(1))
            }
            _ => Some(random_date(rng, start, 1200)),
        };
        let is_override = rng.random_bool(0.1);
        let override_until = (is_override && rng.random_bool(0.5))
            .then(|| random_date(rng, d("2019-01-01"), 365 * 8));
        rows.push(membership::ActiveModel {
            contact_id: Set(contact),
            membership_type_id: Set(type_id),
            status_id: Set(ids[rng.random_range(0..ids.len())]),
            join_date: Set(join),
            start_date: Set(start),
            end_date: Set(end),
            is_override: Set(is_override),
            override_until: Set(override_until),
            source: Set(None),
            cancel_reason: Set(None),
            status_run_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
    }
    for chunk in rows.chunks(500) {
        membership::Entity::insert_many(chunk.to_vec())
            .exec(&app.state.db)
            .await
            .unwrap();
    }
}

trait DayOne {
    fn with_day_one(self) -> NaiveDate;
}

impl DayOne for NaiveDate {
    fn with_day_one(self) -> NaiveDate {
        use chrono::Datelike;
        self.with_day(1).unwrap()
    }
}

/// The job's result equals `domain::status::compute` for every membership, across random dates and
/// several rule sets.
#[tokio::test]
async fn the_job_agrees_with_the_pure_rules_on_thousands_of_memberships() {
    let app = TestApp::spawn().await;
    let (contact, type_id) = seed_parent_rows(&app).await;
    let mut rng = StdRng::seed_from_u64(2026);
    let statuses = Statuses::load(&app.state.db).await.unwrap();
    insert_random(&app, &mut rng, contact, type_id, &statuses, 3000).await;
    let admin = app.admin_token().await;
    let variants = [
        "",
        "mutation($id: ID!) { updateMembershipStatus(id: $id, input: { endOffset: { amount: 2, unit: MONTH } }) { id } }",
        "mutation($id: ID!) { updateMembershipStatus(id: $id, input: { startOffset: { amount: 2, unit: WEEK }, weight: 0 }) { id } }",
    ];
    let grace = statuses.id_of("GRACE").unwrap().to_string();
    let mut checked = 0;
    for variant in variants {
        if !variant.is_empty() {
            let body = app.gql(&admin, variant, json!({ "id": grace })).await;
            assert!(body["errors"].is_null(), "{body}");
        }
        for _ in 0..5 {
            let as_of = random_date(&mut rng, d("2017-06-01"), 365 * 10);
            checked += check_run(&app, as_of).await;
        }
    }
    assert!(checked >= 3000 * 15, "compared {checked}");
}

/// Runs the job for `as_of` and compares every row with the pure function; returns rows compared.
async fn check_run(app: &TestApp, as_of: NaiveDate) -> usize {
    let before = membership::Entity::find()
        .order_by_asc(membership::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap();
    let statuses = Statuses::load(&app.state.db).await.unwrap();
    let run = tessera::jobs::runs::run(&app.state, job("update-statuses"), as_of, "test")
        .await
        .unwrap();
    assert_eq!(
        run.status,
        tessera::domain::job::JobStatus::Succeeded,
        "{:?}",
        run.error
    );
    let after = membership::Entity::find()
        .order_by_asc(membership::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap();
    let pending = statuses.id_of("PENDING").unwrap();
    let mut expected_changes = 0;
    for (b, a) in before.iter().zip(after.iter()) {
        assert_eq!(b.id, a.id);
        let expected = if is_held(b.is_override, b.override_until, as_of) {
            b.status_id
        } else {
            let dates = MembershipDates {
                join: b.join_date,
                start: b.start_date,
                end: b.end_date,
            };
            match compute(&statuses.rules, &dates, as_of) {
                Computed::Rule(id) => id,
                Computed::Pending => pending,
            }
        };
        if expected != b.status_id {
            expected_changes += 1;
        }
        assert_eq!(
            a.status_id, expected,
            "membership {} as of {as_of}: {b:?}",
            b.id
        );
        assert_eq!(
            a.is_override,
            is_held(b.is_override, b.override_until, as_of),
            "override of {}",
            b.id
        );
    }
    assert_eq!(
        run.changed, expected_changes,
        "the run reports what it changed"
    );
    before.len()
}
