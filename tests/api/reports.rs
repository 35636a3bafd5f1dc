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
                    "contactId": contacts[rng.random_range(0..3)], "financialType": g.kind,
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
