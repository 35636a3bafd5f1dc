//! Reports compared with a brute-force computation over the same random data.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::fixtures::new_contact;
use crate::helpers::{TestApp, code, field};

const SUMMARY: &str = "query($f: Date!, $t: Date!, $g: ContributionGroupBy!) { contributionSummary(from: $f, to: $t, groupBy: $g) { rows { key label count total average currency } totals { currency count total } } }";

/// One generated contribution, as the brute force sees it.
#[derive(Clone, Debug)]
struct Gift {
    contact: usize,
    kind: &'static str,
    currency: &'static str,
    date: String,
    instrument: Option<&'static str>,
    campaign: Option<&'static str>,
    amount: i64,
    refunded: i64,
    completed: bool,
}

fn decimal(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

#[tokio::test]
async fn contribution_summary_matches_a_brute_force_count() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let seed: u64 = std::env::var("TESSERA_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut campaign_ids = BTreeMap::new();
    for name in ["Spring appeal", "Autumn appeal"] {
        let body = app
            .gql(
                &admin,
                "mutation($n: String!) { createCampaign(input: { name: $n }) { id } }",
                json!({ "n": name }),
            )
            .await;
        campaign_ids.insert(name, body["data"]["createCampaign"]["id"].clone());
    }
    let mut contacts = Vec::new();
    for last in ["A", "B", "C"] {
        contacts.push(new_contact(&app, &admin, last).await);
    }
    let mut gifts = Vec::new();
    for _ in 0..50 {
        let kinds = ["DONATION", "MEMBER_DUES", "EVENT_FEE"];
        let days = rng.random_range(0..80);
        let date = (chrono::NaiveDate::from_ymd_opt(2025, 11, 20).unwrap()
            + chrono::Duration::days(days))
        .to_string();
        let g = Gift {
            contact: rng.random_range(0..3),
            kind: kinds[rng.random_range(0..3)],
            currency: ["USD", "EUR"][rng.random_range(0..2)],
            date,
            instrument: [None, Some("CARD"), Some("CASH")][rng.random_range(0..3)],
            campaign: [None, Some("Spring appeal"), Some("Autumn appeal")][rng.random_range(0..3)],
            amount: rng.random_range(1..20_000),
            refunded: 0,
            completed: rng.random_range(0..4) > 0,
        };
        let body = app
            .gql(
                &admin,
                "mutation($i: RecordContributionInput!) { recordContribution(input: $i) { id } }",
                json!({ "i": {
                    "contactId": contacts[g.contact], "financialType": g.kind,
                    "amount": decimal(g.amount), "currency": g.currency, "receivedDate": g.date,
                    "status": if g.completed { "COMPLETED" } else { "PENDING" },
                    "paymentInstrument": g.instrument,
                    "campaignId": g.campaign.map(|c| campaign_ids[c].clone()),
                } }),
            )
            .await;
        let id = body["data"]["recordContribution"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("seed {seed}: {body}"))
            .to_string();
        let mut g = g;
        // Some completed gifts are refunded, in part or in full.
        if g.completed && rng.random_range(0..4) == 0 {
            let part = if rng.random_bool(0.5) {
                g.amount
            } else {
                g.amount / 3
            };
            if part > 0 {
                let body = app
                    .gql(
                        &admin,
                        "mutation($id: ID!, $a: Decimal!) { refundContribution(id: $id, input: { amount: $a }) { id } }",
                        json!({ "id": id, "a": decimal(part) }),
                    )
                    .await;
                assert!(body["errors"].is_null(), "seed {seed}: {body}");
                g.refunded = part;
            }
        }
        gifts.push(g);
    }
    let (from, to) = ("2025-12-01", "2026-01-31");
    for group in ["FINANCIAL_TYPE", "MONTH", "CAMPAIGN", "PAYMENT_INSTRUMENT"] {
        // The brute force: completed, not fully refunded, in range; net of refunds.
        let mut want: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
        for g in &gifts {
            let counted = g.completed
                && g.refunded < g.amount
                && g.date.as_str() >= from
                && g.date.as_str() <= to;
            if !counted {
                continue;
            }
            let key = match group {
                "FINANCIAL_TYPE" => g.kind.to_string(),
                "MONTH" => g.date[..7].to_string(),
                "CAMPAIGN" => g.campaign.unwrap_or("NONE").to_string(),
                _ => g.instrument.unwrap_or("NONE").to_string(),
            };
            let e = want.entry((key, g.currency.to_string())).or_default();
            e.0 += 1;
            e.1 += g.amount - g.refunded;
        }
        let body = app
            .gql(&admin, SUMMARY, json!({ "f": from, "t": to, "g": group }))
            .await;
        let rows = body["data"]["contributionSummary"]["rows"]
            .as_array()
            .unwrap_or_else(|| panic!("seed {seed}: {body}"));
        let got: BTreeMap<(String, String), (i64, i64)> = rows
            .iter()
            .map(|r| {
                let total: f64 = r["total"].as_str().unwrap().parse().unwrap();
                (
                    (
                        r["key"].as_str().unwrap().to_string(),
                        r["currency"].as_str().unwrap().to_string(),
                    ),
                    (r["count"].as_i64().unwrap(), (total * 100.0).round() as i64),
                )
            })
            .collect();
        assert_eq!(got, want, "seed {seed}, {group}");
        // Totals per currency add the rows up.
        let totals = &body["data"]["contributionSummary"]["totals"];
        for t in totals.as_array().unwrap() {
            let currency = t["currency"].as_str().unwrap();
            let count: i64 = want
                .iter()
                .filter(|((_, c), _)| c == currency)
                .map(|(_, (n, _))| n)
                .sum();
            assert_eq!(t["count"], json!(count), "seed {seed}, {group}: {totals}");
        }
        if group == "FINANCIAL_TYPE" {
            let labels: Vec<&str> = rows.iter().filter_map(|r| r["label"].as_str()).collect();
            assert!(
                labels
                    .iter()
                    .all(|l| ["Donation", "Member dues", "Event fee"].contains(l)),
                "{labels:?}"
            );
        }
    }
    // Donor reports over the same gifts.
    let gave = |c: usize, year: &str| {
        gifts.iter().any(|g| {
            g.contact == c && g.completed && g.refunded < g.amount && g.date.starts_with(year)
        })
    };
    let ids_of = |f: &dyn Fn(usize) -> bool| -> Vec<String> {
        (0..3)
            .filter(|c| f(*c))
            .map(|c| contacts[c].clone())
            .collect()
    };
    for (query, want) in [
        (
            "{ lybunt(year: 2026) { totalCount nodes { id } } }",
            ids_of(&|c| gave(c, "2025") && !gave(c, "2026")),
        ),
        (
            "{ sybunt(year: 2027) { totalCount nodes { id } } }",
            ids_of(&|c| gave(c, "2025") && !gave(c, "2026")),
        ),
        (
            "{ sybunt(year: 2026) { totalCount nodes { id } } }",
            ids_of(&|_| false),
        ),
    ] {
        let body = app.gql(&admin, query, json!({})).await;
        let c = body["data"]
            .as_object()
            .and_then(|o| o.values().next())
            .cloned()
            .unwrap_or(Value::Null);
        let got: Vec<String> = c["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("seed {seed}: {body}"))
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, want, "seed {seed}: {query}");
        assert_eq!(c["totalCount"], json!(want.len()));
    }
    let body = app
        .gql(
            &admin,
            "{ donorRetention(year: 2026) { previousYearDonors retained } }",
            json!({}),
        )
        .await;
    let previous = (0..3).filter(|c| gave(*c, "2025")).count();
    let retained = (0..3)
        .filter(|c| gave(*c, "2025") && gave(*c, "2026"))
        .count();
    assert_eq!(
        body["data"]["donorRetention"],
        json!({ "previousYearDonors": previous, "retained": retained }),
        "seed {seed}"
    );
    let mut top: BTreeMap<(usize, &str), (i64, i64)> = BTreeMap::new();
    for g in &gifts {
        if g.completed && g.refunded < g.amount && g.date.as_str() >= from && g.date.as_str() <= to
        {
            let e = top.entry((g.contact, g.currency)).or_default();
            e.0 += 1;
            e.1 += g.amount - g.refunded;
        }
    }
    let mut want: Vec<(String, String, i64, String)> = top
        .iter()
        .map(|((c, cur), (n, t))| (contacts[*c].clone(), cur.to_string(), *n, decimal(*t)))
        .collect();
    want.sort_by(|a, b| {
        let total = |x: &(String, String, i64, String)| {
            (x.3.parse::<f64>().unwrap() * 100.0).round() as i64
        };
        total(b)
            .cmp(&total(a))
            .then(
                a.0.parse::<i64>()
                    .unwrap()
                    .cmp(&b.0.parse::<i64>().unwrap()),
            )
            .then(a.1.cmp(&b.1))
    });
    let body = app
        .gql(
            &admin,
            "query($f: Date!, $t: Date!) { topDonors(from: $f, to: $t, limit: 100) { contact { id } count total currency } }",
            json!({ "f": from, "t": to }),
        )
        .await;
    let got: Vec<(String, String, i64, String)> = body["data"]["topDonors"]
        .as_array()
        .unwrap_or_else(|| panic!("seed {seed}: {body}"))
        .iter()
        .map(|r| {
            (
                r["contact"]["id"].as_str().unwrap().to_string(),
                r["currency"].as_str().unwrap().to_string(),
                r["count"].as_i64().unwrap(),
                r["total"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got, want, "seed {seed}: top donors");
}

#[tokio::test]
async fn contribution_summary_is_for_staff_with_sane_dates() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (member, _) = app.token_for("MEMBER").await;
    let vars = json!({ "f": "2026-01-01", "t": "2026-12-31", "g": "MONTH" });
    let body: Value = app.gql(&member, SUMMARY, vars.clone()).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let body = app.anon(SUMMARY, vars).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
    let body = app
        .gql(
            &admin,
            SUMMARY,
            json!({ "f": "2026-12-31", "t": "2026-01-01", "g": "MONTH" }),
        )
        .await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "to"));
    // Every report refuses inputs that make no sense or would cost too much, naming the argument.
    for (query, want_field) in [
        (
            "{ membershipTrends(from: \"2000-01-01\", to: \"2026-01-01\", interval: MONTH) { periods { start } } }",
            "to",
        ),
        (
            "{ cohortRetention(from: \"2000-01-01\", to: \"2026-01-01\", interval: MONTH) { size } }",
            "to",
        ),
        (
            "{ retention(from: \"2026-01-01\", to: \"2025-01-01\") { retained } }",
            "to",
        ),
        (
            "{ lapsedMembers(from: \"2026-01-01\", to: \"2025-01-01\") { totalCount } }",
            "to",
        ),
        (
            "{ mailingStats(from: \"2026-01-01\", to: \"2025-01-01\") { total } }",
            "to",
        ),
        (
            "{ topDonors(from: \"2026-01-01\", to: \"2026-12-31\", limit: 0) { total } }",
            "limit",
        ),
        (
            "{ topDonors(from: \"2026-01-01\", to: \"2026-12-31\", limit: 101) { total } }",
            "limit",
        ),
        ("{ lybunt(year: 1) { totalCount } }", "year"),
        ("{ donorRetention(year: 5000) { retained } }", "year"),
    ] {
        let body = app.gql(&admin, query, json!({})).await;
        assert_eq!(
            (code(&body), field(&body)),
            ("BAD_USER_INPUT", want_field),
            "{query}: {body}"
        );
    }
    let body = app
        .gql(
            &admin,
            SUMMARY,
            json!({ "f": "2026-01-01", "t": "2026-12-31", "g": "CAMPAIGN" }),
        )
        .await;
    assert_eq!(
        body["data"]["contributionSummary"],
        json!({ "rows": [], "totals": [] }),
        "{body}"
    );
}

/// What the brute force knows of a membership.
struct Seen {
    contact_id: i64,
    join_date: chrono::NaiveDate,
    type_id: i64,
    rows: Vec<tessera::db::entities::membership_history::Model>,
}

/// Status ids of every membership on `on`, by the definition in `services::reports::memberships`,
/// computed row by row in Rust with `domain::status::compute`.
fn statuses_on(
    seen: &BTreeMap<i64, Seen>,
    statuses: &tessera::services::statuses::Statuses,
    on: chrono::NaiveDate,
) -> Vec<(i64, i64, i64, Option<chrono::NaiveDate>, i64)> {
    use chrono::TimeZone;
    use tessera::domain::status::{Computed, MembershipDates, compute};
    let cutoff = chrono::Utc.from_utc_datetime(
        &(on + chrono::Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap(),
    );
    let pending = statuses.id_of("PENDING").unwrap();
    let mut out = Vec::new();
    for (id, m) in seen {
        let row = m
            .rows
            .iter()
            .rfind(|r| r.changed_at < cutoff)
            .or(m.rows.first())
            .unwrap();
        if row.join_date > on {
            continue;
        }
        let admin = statuses.get(row.status_id).is_some_and(|s| s.is_admin);
        let status = if admin {
            row.status_id
        } else {
            let dates = MembershipDates {
                join: row.join_date,
                start: row.start_date,
                end: row.end_date,
            };
            match compute(&statuses.rules, &dates, on) {
                Computed::Rule(s) => s,
                Computed::Pending => pending,
            }
        };
        out.push((
            *id,
            m.contact_id,
            row.membership_type_id,
            row.end_date,
            status,
        ));
    }
    out
}

#[tokio::test]
async fn membership_reports_match_a_brute_force_over_random_histories() {
    use sea_orm::{EntityTrait, QueryOrder};
    use tessera::db::entities::{membership, membership_history};
    let app = TestApp::spawn().await;
    let seed: u64 = std::env::var("TESSERA_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    let mut rng = StdRng::seed_from_u64(seed);
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    crate::fixtures::set_today(&app, "2025-01-01");
    let admin = app.admin_token().await;
    let yearly = crate::fixtures::create_type(
        &app,
        &admin,
        json!({ "name": "Yearly", "durationUnit": "YEAR" }),
    )
    .await;
    let monthly = crate::fixtures::create_type(
        &app,
        &admin,
        json!({ "name": "Quarterly", "durationUnit": "MONTH", "durationInterval": 3 }),
    )
    .await;
    let mut contacts = Vec::new();
    for i in 0..8 {
        contacts.push(new_contact(&app, &admin, &format!("R{i}")).await);
    }
    let mut ids: Vec<String> = Vec::new();
    for step in 0..30 {
        let day = start + chrono::Duration::days(step * 13);
        crate::fixtures::set_today(&app, &day.to_string());
        let admin = app.admin_token().await;
        // A membership in each of the first steps, then random operations.
        let first = if step < 12 { Some(0) } else { None };
        for k in 0..rng.random_range(1..4) {
            let op = if k == 0 { first } else { None };
            match op.unwrap_or_else(|| rng.random_range(0..10)) {
                0..=3 => {
                    let join = day - chrono::Duration::days(rng.random_range(0..500));
                    let t = if rng.random_bool(0.5) {
                        &yearly
                    } else {
                        &monthly
                    };
                    let body = app
                        .gql(
                            &admin,
                            "mutation($i: CreateMembershipInput!) { createMembership(input: $i) { id } }",
                            json!({ "i": { "contactId": contacts[rng.random_range(0..contacts.len())], "membershipTypeId": t, "joinDate": join.to_string() } }),
                        )
                        .await;
                    if let Some(id) = body["data"]["createMembership"]["id"].as_str() {
                        ids.push(id.to_string());
                    }
                }
                4..=7 if !ids.is_empty() => {
                    let id = ids[rng.random_range(0..ids.len())].clone();
                    app.gql(
                        &admin,
                        "mutation($id: ID!, $d: Date) { renewMembership(id: $id, input: { renewalDate: $d }) { id } }",
                        json!({ "id": id, "d": day.to_string() }),
                    )
                    .await;
                }
                8 if !ids.is_empty() => {
                    let id = ids[rng.random_range(0..ids.len())].clone();
                    app.gql(
                        &admin,
                        "mutation($id: ID!) { cancelMembership(id: $id) { id } }",
                        json!({ "id": id }),
                    )
                    .await;
                }
                _ => {}
            }
        }
        // The rules change half-way: reports judge every date by today's rules, so the brute force
        // (which reads the rules at the end) must agree with them, not with what the job stored.
        if step == 15 {
            let body = app
                .gql(&admin, "{ membershipStatuses { id code } }", json!({}))
                .await;
            let grace = body["data"]["membershipStatuses"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["code"] == "GRACE")
                .unwrap()["id"]
                .clone();
            let months = rng.random_range(0..4) * 2 + 1;
            let body = app
                .gql(
                    &admin,
                    "mutation($id: ID!, $n: Int!) { updateMembershipStatus(id: $id, input: { endOffset: { amount: $n, unit: MONTH } }) { id } }",
                    json!({ "id": grace, "n": months }),
                )
                .await;
            assert!(body["errors"].is_null(), "seed {seed}: {body}");
        }
        if step % 3 == 0 {
            app.gql(
                &admin,
                "mutation($d: Date) { runJob(name: \"update-statuses\", asOf: $d) { status } }",
                json!({ "d": day.to_string() }),
            )
            .await;
        }
    }
    // One contact goes to the trash: its memberships leave every report.
    let admin = app.admin_token().await;
    app.gql(
        &admin,
        "mutation($id: ID!) { deleteContact(id: $id) }",
        json!({ "id": contacts[7] }),
    )
    .await;
    let db = &app.state.db;
    let statuses = tessera::services::statuses::Statuses::load(db)
        .await
        .unwrap();
    let trashed: i64 = contacts[7].parse().unwrap();
    let mut seen: BTreeMap<i64, Seen> = BTreeMap::new();
    for m in membership::Entity::find().all(db).await.unwrap() {
        if m.contact_id != trashed {
            seen.insert(
                m.id,
                Seen {
                    contact_id: m.contact_id,
                    join_date: m.join_date,
                    type_id: m.membership_type_id,
                    rows: Vec::new(),
                },
            );
        }
    }
    for h in membership_history::Entity::find()
        .order_by_asc(membership_history::Column::Id)
        .all(db)
        .await
        .unwrap()
    {
        if let Some(s) = seen.get_mut(&h.membership_id) {
            s.rows.push(h);
        }
    }
    assert!(
        seen.len() >= 10,
        "seed {seed}: only {} memberships",
        seen.len()
    );
    // Every write path (mutations and the status job) keeps each row's span in force: from its own
    // time (the first row: from always), until the next row's.
    for (id, m) in &seen {
        for (i, row) in m.rows.iter().enumerate() {
            let from = (i > 0).then_some(row.changed_at);
            let until = m.rows.get(i + 1).map(|n| n.changed_at);
            assert_eq!(
                (row.in_force_from, row.in_force_until),
                (from, until),
                "seed {seed}: membership {id}, row {i} ({})",
                row.change
            );
        }
    }
    assert!(
        seen.values()
            .any(|m| m.rows.iter().any(|r| r.change == "STATUS_CHANGED")),
        "seed {seed}: the status job wrote rows"
    );
    let current = |s: i64| statuses.is_current(s);
    let dates: Vec<chrono::NaiveDate> = (0..8)
        .map(|i| start - chrono::Duration::days(200) + chrono::Duration::days(i * 90))
        .collect();
    // The data must exercise the rules: several statuses over the dates, members on some.
    let all: std::collections::BTreeSet<i64> = dates
        .iter()
        .flat_map(|on| statuses_on(&seen, &statuses, *on))
        .map(|x| x.4)
        .collect();
    assert!(all.len() >= 3, "seed {seed}: statuses seen {all:?}");
    for on in &dates {
        let expected = statuses_on(&seen, &statuses, *on);
        let mut want: BTreeMap<(i64, i64), i64> = BTreeMap::new();
        let mut members = std::collections::BTreeSet::new();
        for (_, contact, t, _, s) in &expected {
            *want.entry((*t, *s)).or_default() += 1;
            if current(*s) {
                members.insert(*contact);
            }
        }
        let body = app
            .gql(
                &admin,
                "query($d: Date!) { membershipSummary(asOf: $d) { currentMembers currentMemberships rows { membershipType { id } status { id } count } } }",
                json!({ "d": on.to_string() }),
            )
            .await;
        let s = &body["data"]["membershipSummary"];
        let got: BTreeMap<(i64, i64), i64> = s["rows"]
            .as_array()
            .unwrap_or_else(|| panic!("seed {seed}: {body}"))
            .iter()
            .map(|r| {
                let id = |v: &Value| v["id"].as_str().unwrap().parse::<i64>().unwrap();
                (
                    (id(&r["membershipType"]), id(&r["status"])),
                    r["count"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(got, want, "seed {seed}, as of {on}");
        assert_eq!(
            s["currentMembers"],
            json!(members.len()),
            "seed {seed}, {on}"
        );
    }
    // Retention between consecutive dates, overall.
    for pair in dates.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        let a = statuses_on(&seen, &statuses, from);
        let b = statuses_on(&seen, &statuses, to);
        let current_contacts = |v: &[(i64, i64, i64, Option<chrono::NaiveDate>, i64)]| {
            v.iter()
                .filter(|x| current(x.4))
                .map(|x| x.1)
                .collect::<std::collections::BTreeSet<_>>()
        };
        let (ca, cb) = (current_contacts(&a), current_contacts(&b));
        let retained = ca.intersection(&cb).count();
        let due: Vec<_> = a
            .iter()
            .filter(|x| x.3.is_some_and(|e| e >= from && e <= to))
            .collect();
        let renewed = due
            .iter()
            .filter(|x| {
                b.iter()
                    .find(|y| y.0 == x.0)
                    .is_some_and(|y| y.3.is_none() || y.3 > x.3)
            })
            .count();
        let body = app
            .gql(
                &admin,
                "query($f: Date!, $t: Date!) { retention(from: $f, to: $t) { startingMembers retained retentionRate churnRate cameDue renewed renewalRate byType { membershipType { name } startingMembers } } }",
                json!({ "f": from.to_string(), "t": to.to_string() }),
            )
            .await;
        let r = &body["data"]["retention"];
        assert_eq!(
            (
                r["startingMembers"].as_i64(),
                r["retained"].as_i64(),
                r["cameDue"].as_i64(),
                r["renewed"].as_i64()
            ),
            (
                Some(ca.len() as i64),
                Some(retained as i64),
                Some(due.len() as i64),
                Some(renewed as i64)
            ),
            "seed {seed}, {from}..{to}: {body}"
        );
        if !ca.is_empty() {
            let rate = r["retentionRate"].as_f64().unwrap();
            assert!((rate - retained as f64 / ca.len() as f64).abs() < 1e-9);
            assert!((r["churnRate"].as_f64().unwrap() - (1.0 - rate)).abs() < 1e-9);
        } else {
            assert_eq!(r["retentionRate"], Value::Null);
        }
    }
    // Trends by quarter over the range, for all types and for one.
    let expired = statuses.id_of("EXPIRED").unwrap();
    let yearly_id: i64 = yearly.parse().unwrap();
    for only in [None, Some(yearly_id)] {
        let keep = |t: i64| only.is_none_or(|o| o == t);
        let (from, to) = (dates[1], dates[7]);
        let body = app
            .gql(
                &admin,
                "query($f: Date!, $t: Date!, $ty: [ID!]) { membershipTrends(from: $f, to: $t, interval: QUARTER, membershipTypeIds: $ty) { periods { start end currentAtEnd joined renewed lapsed reinstated netChange } } }",
                json!({ "f": from.to_string(), "t": to.to_string(), "ty": only.map(|o| vec![o.to_string()]) }),
            )
            .await;
        let periods = body["data"]["membershipTrends"]["periods"]
            .as_array()
            .unwrap_or_else(|| panic!("seed {seed}: {body}"))
            .clone();
        assert!(periods.len() >= 5, "{body}");
        for p in &periods {
            let start: chrono::NaiveDate = p["start"].as_str().unwrap().parse().unwrap();
            let end: chrono::NaiveDate = p["end"].as_str().unwrap().parse().unwrap();
            let before = start - chrono::Duration::days(1);
            let current_on = |on| {
                statuses_on(&seen, &statuses, on)
                    .into_iter()
                    .filter(|x| current(x.4) && keep(x.2))
                    .map(|x| x.1)
                    .collect::<std::collections::BTreeSet<_>>()
                    .len() as i64
            };
            let (at_end, at_start) = (current_on(end), current_on(before));
            let joined = seen
                .values()
                .filter(|m| m.join_date >= start && m.join_date <= end && keep(m.type_id))
                .count() as i64;
            let (lo, hi) = (
                start.and_hms_opt(0, 0, 0).unwrap().and_utc(),
                (end + chrono::Duration::days(1))
                    .and_hms_opt(0, 0, 0)
                    .unwrap()
                    .and_utc(),
            );
            let mut renewed = 0;
            let mut reinstated = 0;
            for m in seen.values() {
                for (i, r) in m.rows.iter().enumerate() {
                    if r.change == "RENEWED"
                        && r.changed_at >= lo
                        && r.changed_at < hi
                        && keep(r.membership_type_id)
                    {
                        renewed += 1;
                        if i > 0 && m.rows[i - 1].status_id == expired {
                            reinstated += 1;
                        }
                    }
                }
            }
            let then = statuses_on(&seen, &statuses, before);
            let lapsed = statuses_on(&seen, &statuses, end)
                .into_iter()
                .filter(|x| x.4 == expired && keep(x.2))
                .filter(|x| !then.iter().any(|y| y.0 == x.0 && y.4 == expired))
                .count() as i64;
            assert_eq!(
                (
                    p["currentAtEnd"].as_i64(),
                    p["netChange"].as_i64(),
                    p["joined"].as_i64(),
                    p["renewed"].as_i64(),
                    p["reinstated"].as_i64(),
                    p["lapsed"].as_i64()
                ),
                (
                    Some(at_end),
                    Some(at_end - at_start),
                    Some(joined),
                    Some(renewed),
                    Some(reinstated),
                    Some(lapsed)
                ),
                "seed {seed}, types {only:?}, period {start}..{end}"
            );
        }
    }
    // Both types chosen (every type there is): the several-types path counts distinct contacts per
    // date and must agree with no filter at all.
    {
        let q = "query($f: Date!, $t: Date!, $ty: [ID!]) { membershipTrends(from: $f, to: $t, interval: QUARTER, membershipTypeIds: $ty) { periods { currentAtEnd joined renewed lapsed reinstated netChange } } }";
        let vars =
            |ty: Value| json!({ "f": dates[1].to_string(), "t": dates[7].to_string(), "ty": ty });
        let all = app.gql(&admin, q, vars(Value::Null)).await;
        let both = app
            .gql(&admin, q, vars(json!([yearly.clone(), monthly.clone()])))
            .await;
        assert!(all["errors"].is_null(), "seed {seed}: {all}");
        assert_eq!(
            both["data"]["membershipTrends"], all["data"]["membershipTrends"],
            "seed {seed}: {both}"
        );
    }
    // Join cohorts by quarter: for each, how many were current at the end of each quarter since.
    {
        let (from, to) = (dates[0], dates[7]);
        let body = app
            .gql(
                &admin,
                "query($f: Date!, $t: Date!) { cohortRetention(from: $f, to: $t, interval: QUARTER) { start end size stillCurrent retention } }",
                json!({ "f": from.to_string(), "t": to.to_string() }),
            )
            .await;
        let rows = body["data"]["cohortRetention"]
            .as_array()
            .unwrap_or_else(|| panic!("seed {seed}: {body}"))
            .clone();
        let ends: Vec<chrono::NaiveDate> = rows
            .iter()
            .map(|r| r["end"].as_str().unwrap().parse().unwrap())
            .collect();
        for (k, r) in rows.iter().enumerate() {
            let start: chrono::NaiveDate = r["start"].as_str().unwrap().parse().unwrap();
            let end = ends[k];
            let members: Vec<i64> = seen
                .iter()
                .filter(|(_, m)| m.join_date >= start && m.join_date <= end)
                .map(|(id, _)| *id)
                .collect();
            let still: Vec<i64> = ends[k..]
                .iter()
                .map(|e| {
                    statuses_on(&seen, &statuses, *e)
                        .iter()
                        .filter(|x| members.contains(&x.0) && current(x.4))
                        .count() as i64
                })
                .collect();
            assert_eq!(
                (r["size"].as_i64(), r["stillCurrent"].clone()),
                (Some(members.len() as i64), json!(still)),
                "seed {seed}, cohort {start}..{end}"
            );
        }
    }
    // Lapsed and not renewed, through the connection, two at a time.
    for pair in [(dates[2], dates[5]), (dates[4], dates[7])] {
        let (from, to) = pair;
        let at_to = statuses_on(&seen, &statuses, to);
        let then = statuses_on(&seen, &statuses, from - chrono::Duration::days(1));
        let still: std::collections::BTreeSet<i64> =
            at_to.iter().filter(|x| current(x.4)).map(|x| x.1).collect();
        let want: Vec<String> = at_to
            .iter()
            .filter(|x| x.4 == expired)
            .filter(|x| !then.iter().any(|y| y.0 == x.0 && y.4 == expired))
            .filter(|x| !still.contains(&x.1))
            .map(|x| x.0.to_string())
            .collect();
        let mut got: Vec<String> = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let body = app
                .gql(
                    &admin,
                    "query($f: Date!, $t: Date!, $a: String) { lapsedMembers(from: $f, to: $t, first: 2, after: $a) { totalCount nodes { id status { code } } pageInfo { hasNextPage endCursor } } }",
                    json!({ "f": from.to_string(), "t": to.to_string(), "a": after }),
                )
                .await;
            let c = &body["data"]["lapsedMembers"];
            assert_eq!(c["totalCount"], json!(want.len()), "seed {seed}: {body}");
            for n in c["nodes"].as_array().unwrap_or_else(|| panic!("{body}")) {
                got.push(n["id"].as_str().unwrap().to_string());
            }
            if c["pageInfo"]["hasNextPage"] != true {
                // Past the last match the page is empty and still carries the total.
                if let Some(end) = c["pageInfo"]["endCursor"].as_str() {
                    let body = app
                        .gql(
                            &admin,
                            "query($f: Date!, $t: Date!, $a: String) { lapsedMembers(from: $f, to: $t, first: 2, after: $a) { totalCount nodes { id } } }",
                            json!({ "f": from.to_string(), "t": to.to_string(), "a": end }),
                        )
                        .await;
                    let c = &body["data"]["lapsedMembers"];
                    assert_eq!(c["totalCount"], json!(want.len()), "seed {seed}: {body}");
                    assert_eq!(c["nodes"], json!([]), "seed {seed}: {body}");
                }
                break;
            }
            after = c["pageInfo"]["endCursor"].as_str().map(str::to_string);
        }
        assert_eq!(got, want, "seed {seed}, lapsed {from}..{to}");
    }
}

#[tokio::test]
async fn mailing_stats_count_each_template_by_outcome() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    // Three welcomes: one to a contact without email (a letter when posted... or cancelled), two
    // with email; then delivery sends what it can.
    let t = crate::fixtures::yearly_type(&app, &admin).await;
    for (last, email) in [
        ("A", Some("a@example.org")),
        ("B", Some("b@example.org")),
        ("C", None),
    ] {
        let body = app
            .gql(
                &admin,
                "mutation($l: String!, $e: String) { createContact(input: { firstName: \"X\", lastName: $l, email: $e }) { id } }",
                json!({ "l": last, "e": email }),
            )
            .await;
        let c = body["data"]["createContact"]["id"].clone();
        crate::fixtures::create_membership(
            &app,
            &admin,
            json!({ "contactId": c, "membershipTypeId": t }),
        )
        .await;
    }
    crate::fixtures::deliver(&app).await;
    let today = app.clock().today().to_string();
    let body = app
        .gql(
            &admin,
            "query($d: Date!) { mailingStats(from: $d, to: $d) { templateKey total queued sent failed cancelled letters } }",
            json!({ "d": today }),
        )
        .await;
    let rows = body["data"]["mailingStats"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    let welcome = rows
        .iter()
        .find(|r| r["templateKey"] == "welcome")
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(welcome["total"], 3, "{body}");
    let parts = ["queued", "sent", "failed", "cancelled", "letters"]
        .iter()
        .map(|k| welcome[*k].as_i64().unwrap())
        .sum::<i64>();
    assert_eq!(parts, 3, "every message is counted once: {welcome}");
    assert_eq!(welcome["sent"], 2, "{welcome}");
    // Another day: nothing.
    let body = app
        .gql(
            &admin,
            "{ mailingStats(from: \"2000-01-01\", to: \"2000-12-31\") { total } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["mailingStats"], json!([]), "{body}");
}

/// The demo records each membership's history as it happened (joining, each renewal, a cancellation
/// or death), so the reports over it agree with the stored statuses and see renewals in the past.
#[tokio::test]
async fn the_demo_history_tells_the_reports_what_happened() {
    let app = TestApp::spawn().await;
    let as_of = "2025-11-24";
    let opts = tessera::demo::DemoOptions {
        contacts: 300,
        seed: 11,
        as_of: crate::fixtures::d(as_of),
    };
    tessera::demo::load(&app.state, &opts).await.unwrap();
    let admin = app.admin_token().await;
    let body = app
        .gql(
            &admin,
            "query($d: Date!) { membershipSummary(asOf: $d) { rows { membershipType { id } status { id } count } } }",
            json!({ "d": as_of }),
        )
        .await;
    let mut reported: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    for r in body["data"]["membershipSummary"]["rows"]
        .as_array()
        .unwrap()
    {
        let id = |v: &Value| v["id"].as_str().unwrap().parse::<i64>().unwrap();
        reported.insert(
            (id(&r["membershipType"]), id(&r["status"])),
            r["count"].as_i64().unwrap(),
        );
    }
    use sea_orm::EntityTrait;
    let mut stored: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    for m in tessera::db::entities::membership::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
    {
        if m.join_date <= crate::fixtures::d(as_of) {
            *stored
                .entry((m.membership_type_id, m.status_id))
                .or_default() += 1;
        }
    }
    assert!(stored.len() >= 4, "{stored:?}");
    assert_eq!(reported, stored);
    let renewals = app
        .count("membership_history WHERE change = 'RENEWED'")
        .await;
    assert!(renewals > 50, "{renewals}");
    let body = app
        .gql(
            &admin,
            "{ membershipTrends(from: \"2021-01-01\", to: \"2025-11-24\", interval: YEAR) { periods { renewed lapsed joined } } }",
            json!({}),
        )
        .await;
    let periods = body["data"]["membershipTrends"]["periods"]
        .as_array()
        .unwrap();
    let sum = |k: &str| periods.iter().map(|p| p[k].as_i64().unwrap()).sum::<i64>();
    assert!(sum("renewed") > 50, "{body}");
    assert!(sum("lapsed") > 10, "{body}");
    assert!(sum("joined") > 100, "{body}");
}

/// Reports taken while memberships are renewed at the same moment lose no change: every renewal's
/// queue entry is either taken by a refresh after the renewal committed or left for the next one.
#[tokio::test]
async fn reports_racing_renewals_count_every_renewal() {
    let app = TestApp::spawn().await;
    crate::fixtures::set_today(&app, "2025-06-01");
    let admin = app.admin_token().await;
    let t = crate::fixtures::yearly_type(&app, &admin).await;
    let mut ids = Vec::new();
    for i in 0..8 {
        let c = new_contact(&app, &admin, &format!("Race{i}")).await;
        let body = app
            .gql(
                &admin,
                "mutation($i: CreateMembershipInput!) { createMembership(input: $i) { id } }",
                json!({ "i": { "contactId": c, "membershipTypeId": t, "joinDate": "2025-01-01" } }),
            )
            .await;
        ids.push(
            body["data"]["createMembership"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_string(),
        );
    }
    const TRENDS: &str = "{ membershipTrends(from: \"2025-06-01\", to: \"2025-06-30\", interval: MONTH) { periods { renewed } } }";
    // Each renewal and a report at the same time, all at once.
    let renewals = ids.iter().map(|id| {
        app.gql(
            &admin,
            "mutation($id: ID!) { renewMembership(id: $id, input: { renewalDate: \"2025-06-01\" }) { id } }",
            json!({ "id": id }),
        )
    });
    let reports = ids.iter().map(|_| app.gql(&admin, TRENDS, json!({})));
    let (renewed, reported) = tokio::join!(
        futures::future::join_all(renewals),
        futures::future::join_all(reports)
    );
    for body in renewed.iter().chain(&reported) {
        assert!(body["errors"].is_null(), "{body}");
    }
    let body = app.gql(&admin, TRENDS, json!({})).await;
    assert_eq!(
        body["data"]["membershipTrends"]["periods"][0]["renewed"],
        json!(8),
        "{body}"
    );
    let body = app
        .gql(
            &admin,
            "{ membershipSummary(asOf: \"2025-06-01\") { currentMemberships } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["membershipSummary"]["currentMemberships"],
        json!(8),
        "{body}"
    );
}
