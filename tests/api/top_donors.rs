//! `topDonors` has two plans — add the range up directly, or visit donors by lifetime giving and
//! stop early — and both must give the brute force's answer, ties and refunds included.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::fixtures::new_contact;
use crate::helpers::TestApp;

const TOP: &str = "query($f: Date!, $t: Date!, $l: Int!) { topDonors(from: $f, to: $t, limit: $l) { contact { id } count total currency } }";

#[derive(Clone, Debug)]
struct Gift {
    contact: usize,
    currency: &'static str,
    date: chrono::NaiveDate,
    amount: i64,
    refunded: i64,
}

fn decimal(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

/// (contact id, currency, count, total) rows as the API prints them.
type Row = (String, String, i64, String);

fn rows(body: &Value) -> Vec<Row> {
    body["data"]["topDonors"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|r| {
            (
                r["contact"]["id"].as_str().unwrap().to_string(),
                r["currency"].as_str().unwrap().to_string(),
                r["count"].as_i64().unwrap(),
                r["total"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn brute_force(
    gifts: &[Gift],
    contacts: &[String],
    trashed: &[bool],
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    limit: usize,
) -> Vec<Row> {
    let mut sums: BTreeMap<(usize, &str), (i64, i64)> = BTreeMap::new();
    for g in gifts {
        // A gift refunded in full is no longer COMPLETED.
        if g.refunded < g.amount && g.date >= from && g.date <= to && !trashed[g.contact] {
            let e = sums.entry((g.contact, g.currency)).or_default();
            e.0 += 1;
            e.1 += g.amount - g.refunded;
        }
    }
    let mut all: Vec<(i64, i64, &str, i64)> = sums
        .iter()
        .map(|((c, cur), (n, t))| (*t, contacts[*c].parse::<i64>().unwrap(), *cur, *n))
        .collect();
    all.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(b.2)));
    all.into_iter()
        .take(limit)
        .map(|(t, id, cur, n)| (id.to_string(), cur.to_string(), n, decimal(t)))
        .collect()
}

#[tokio::test]
async fn top_donors_both_plans_match_a_brute_force_ranking() {
    // This app always takes the largest-first plan; its replica (same database) always adds up.
    let app = TestApp::spawn_with(|s| s.reports.top_donors_direct_rows = 0).await;
    let direct = app
        .replica(|s| s.reports.top_donors_direct_rows = u64::MAX)
        .await;
    let admin = app.admin_token().await;
    let seed: u64 = std::env::var("TESSERA_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut contacts = Vec::new();
    for i in 0..40 {
        contacts.push(new_contact(&app, &admin, &format!("Donor{i}")).await);
    }
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut gifts: Vec<Gift> = Vec::new();
    for _ in 0..160 {
        // Few distinct amounts, so totals tie often; a few large gifts far from most ranges.
        let amount = [500, 1000, 1500, 2500, 90_000][rng.random_range(0..5)];
        let g = Gift {
            contact: rng.random_range(0..contacts.len()),
            currency: ["USD", "USD", "EUR"][rng.random_range(0..3)],
            date: start + chrono::Duration::days(rng.random_range(0..730)),
            amount,
            refunded: 0,
        };
        let body = app
            .gql(
                &admin,
                "mutation($i: RecordContributionInput!) { recordContribution(input: $i) { id } }",
                json!({ "i": {
                    "contactId": contacts[g.contact], "financialType": "DONATION",
                    "amount": decimal(g.amount), "currency": g.currency,
                    "receivedDate": g.date.to_string(), "status": "COMPLETED",
                } }),
            )
            .await;
        let id = body["data"]["recordContribution"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("seed {seed}: {body}"))
            .to_string();
        let mut g = g;
        if rng.random_range(0..6) == 0 {
            let part = if rng.random_bool(0.5) {
                g.amount
            } else {
                g.amount / 5
            };
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
        gifts.push(g);
    }
    let mut trashed = vec![false; contacts.len()];
    let check = |gifts: Vec<Gift>, trashed: Vec<bool>, label: &'static str| {
        let (app, direct, admin, contacts) = (&app, &direct, &admin, &contacts);
        async move {
            let ranges = [
                ("2024-01-01", "2025-12-31"),
                ("2024-03-01", "2024-09-30"),
                ("2024-07-01", "2024-07-31"),
                ("2025-01-01", "2025-03-31"),
                ("2025-06-15", "2025-06-15"),
                ("2023-01-01", "2023-12-31"),
            ];
            for (f, t) in ranges {
                for limit in [1_usize, 2, 3, 5, 100] {
                    let from = f.parse().unwrap();
                    let to = t.parse().unwrap();
                    let want = brute_force(&gifts, contacts, &trashed, from, to, limit);
                    let vars = json!({ "f": f, "t": t, "l": limit });
                    let got = rows(&app.gql(admin, TOP, vars.clone()).await);
                    assert_eq!(
                        got, want,
                        "seed {seed}, {label}: largest first, {f}..{t} top {limit}"
                    );
                    let got = rows(&direct.gql(admin, TOP, vars).await);
                    assert_eq!(
                        got, want,
                        "seed {seed}, {label}: direct, {f}..{t} top {limit}"
                    );
                }
            }
        }
    };
    check(gifts.clone(), trashed.clone(), "as recorded").await;
    // The lifetime totals follow later changes: a large gift's refund, a contact in the trash.
    let body = app
        .gql(
            &admin,
            "mutation($i: RecordContributionInput!) { recordContribution(input: $i) { id } }",
            json!({ "i": {
                "contactId": contacts[0], "financialType": "DONATION", "amount": "5000.00",
                "currency": "USD", "receivedDate": "2024-05-05", "status": "COMPLETED",
            } }),
        )
        .await;
    let id = body["data"]["recordContribution"]["id"].clone();
    gifts.push(Gift {
        contact: 0,
        currency: "USD",
        date: "2024-05-05".parse().unwrap(),
        amount: 500_000,
        refunded: 0,
    });
    check(gifts.clone(), trashed.clone(), "a large gift").await;
    let body = app
        .gql(
            &admin,
            "mutation($id: ID!) { refundContribution(id: $id, input: { amount: \"4999.00\" }) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert!(body["errors"].is_null(), "seed {seed}: {body}");
    gifts.last_mut().unwrap().refunded = 499_900;
    let body = app
        .gql(
            &admin,
            "mutation($id: ID!) { deleteContact(id: $id) }",
            json!({ "id": contacts[1] }),
        )
        .await;
    assert!(body["errors"].is_null(), "seed {seed}: {body}");
    trashed[1] = true;
    check(gifts, trashed, "refunded and trashed").await;
}
