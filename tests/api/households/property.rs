//! Property: whatever sequence of writes, relationship changes, clock moves and status-job runs
//! happens, every inherited membership that still follows agrees with its primary (dates, status,
//! hold, type) and its latest history row says the same; and no bundle exceeds its seats.

use chrono::Duration;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tessera::db::entities::membership;

use super::{
    RUN, assert_bundles_agree, family_type, membership_of, person, relate, relationship_type,
};
use crate::fixtures::{create_type, set_today};
use crate::helpers::TestApp;

struct World {
    holders: Vec<String>,
    primaries: Vec<String>,
    kids: Vec<String>,
    rels: Vec<String>,
    parent: String,
    statuses: Vec<String>,
    other_type: String,
    bundle_types: Vec<String>,
}

async fn step(app: &TestApp, admin: &mut String, w: &mut World, rng: &mut StdRng) -> String {
    let i = rng.random_range(0..w.primaries.len());
    let p = w.primaries[i].clone();
    let today = app.clock().today();
    let op = rng.random_range(0..9);
    let (q, vars): (&str, Value) = match op {
        0 => (
            "mutation($id: ID!) { renewMembership(id: $id) { id } }",
            json!({ "id": p }),
        ),
        1 => (
            "mutation($id: ID!) { cancelMembership(id: $id) { id } }",
            json!({ "id": p }),
        ),
        2 => {
            let end = today + Duration::days(rng.random_range(-400..400));
            let start = end - Duration::days(365);
            (
                "mutation($id: ID!, $i: UpdateMembershipInput!) { updateMembership(id: $id, input: $i) { id } }",
                json!({ "id": p, "i": { "startDate": start.to_string(), "joinDate": start.to_string(), "endDate": end.to_string() } }),
            )
        }
        3 => {
            let s = &w.statuses[rng.random_range(0..w.statuses.len())];
            let hold = if rng.random_bool(0.5) {
                json!(s)
            } else {
                Value::Null
            };
            let until = (today + Duration::days(rng.random_range(0..60))).to_string();
            (
                "mutation($id: ID!, $i: UpdateMembershipInput!) { updateMembership(id: $id, input: $i) { id } }",
                json!({ "id": p, "i": { "statusOverride": hold, "overrideUntil": if hold.is_null() { Value::Null } else { json!(until) } } }),
            )
        }
        4 => {
            let t = match rng.random_range(0..6) {
                0 => w.other_type.clone(),
                1 => w.bundle_types[i].clone(),
                _ => String::new(),
            };
            if t.is_empty() {
                (
                    "mutation($d: Date) { runJob(name: \"update-statuses\", asOf: $d) { status } }",
                    json!({ "d": (today + Duration::days(rng.random_range(0..500))).to_string() }),
                )
            } else {
                (
                    "mutation($id: ID!, $i: UpdateMembershipInput!) { updateMembership(id: $id, input: $i) { id } }",
                    json!({ "id": p, "i": { "membershipTypeId": t } }),
                )
            }
        }
        5 => {
            set_today(
                app,
                &(today + Duration::days(rng.random_range(1..200))).to_string(),
            );
            // Sessions expire as the clock moves on: sign in again.
            *admin = app.admin_token().await;
            (RUN, json!({ "d": app.clock().today().to_string() }))
        }
        6 | 7 => {
            let kid = w.kids[rng.random_range(0..w.kids.len())].clone();
            let body = relate(app, admin, &w.holders[i], &kid, &w.parent).await;
            if let Some(id) = body["data"]["createRelationship"]["id"].as_str() {
                w.rels.push(id.to_string());
            }
            return format!(
                "relate {kid} to {}: {}",
                w.holders[i], body["errors"][0]["message"]
            );
        }
        _ => {
            if w.rels.is_empty() {
                return "nothing to end".into();
            }
            let r = w.rels.swap_remove(rng.random_range(0..w.rels.len()));
            (
                "mutation($id: ID!) { endRelationship(id: $id) { id } }",
                json!({ "id": r }),
            )
        }
    };
    let body = app.gql(admin.as_str(), q, vars.clone()).await;
    let code = body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("");
    assert!(
        matches!(code, "" | "CONFLICT" | "BAD_USER_INPUT"),
        "{q} {vars}: {body}"
    );
    format!("{q} {vars} -> {code}")
}

#[tokio::test]
async fn households_inherited_memberships_never_disagree_with_their_primary() {
    let app = TestApp::spawn().await;
    set_today(&app, "2026-01-01");
    let mut admin = app.admin_token().await;
    let parent = relationship_type(&app, &admin, "Parent of", "Child of").await;
    let family = family_type(&app, &admin, &parent, Some(3)).await;
    let monthly = create_type(&app, &admin, json!({ "name": "Monthly family", "durationUnit": "MONTH", "durationInterval": 3, "inheritVia": [parent] })).await;
    let other_type = create_type(
        &app,
        &admin,
        json!({ "name": "Single", "durationUnit": "YEAR" }),
    )
    .await;
    let statuses = app
        .gql(&admin, "{ membershipStatuses { id code } }", json!({}))
        .await;
    let statuses: Vec<String> = statuses["data"]["membershipStatuses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| matches!(s["code"].as_str(), Some("CURRENT" | "GRACE" | "PENDING")))
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    let bundle_types = vec![family.clone(), monthly.clone()];
    let mut w = World {
        holders: vec![],
        primaries: vec![],
        kids: vec![],
        rels: vec![],
        parent,
        statuses,
        other_type,
        bundle_types,
    };
    for (i, t) in [&family, &monthly].into_iter().enumerate() {
        let holder = person(&app, &admin, &format!("Holder{i}")).await;
        w.primaries
            .push(membership_of(&app, &admin, &holder, t).await);
        w.holders.push(holder);
    }
    for i in 0..5 {
        w.kids.push(person(&app, &admin, &format!("Kid{i}")).await);
    }
    let mut rng = StdRng::seed_from_u64(17);
    let mut log = Vec::new();
    let mut followed = 0;
    for _ in 0..120 {
        log.push(step(&app, &mut admin, &mut w, &mut rng).await);
        followed += assert_bundles_agree(&app).await;
        for p in &w.primaries[..1] {
            let seated = membership::Entity::find()
                .filter(membership::Column::InheritedFromId.eq(p.parse::<i64>().unwrap()))
                .filter(membership::Column::InheritEndedOn.is_null())
                .count(&app.state.db)
                .await
                .unwrap();
            assert!(seated <= 3, "seats exceeded after {log:#?}");
        }
    }
    assert!(
        followed > 50,
        "the sequence exercised bundles: {followed} follower checks; {log:#?}"
    );
}
