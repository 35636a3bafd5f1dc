//! Households, organisations and relationships (issue 17): relationships, bundles (memberships
//! inherited through relationships) and their seat limit, the portal's bundle management, and the
//! member directory's privacy.

mod address;
mod bundle;
mod concurrency;
mod directory;
mod portal;
mod property;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tessera::db::entities::membership;

use crate::fixtures::{contact, create_type};
use crate::helpers::{TestApp, code, field};

pub const RUN: &str =
    "mutation($d: Date) { runJob(name: \"update-statuses\", asOf: $d) { status error } }";

/// Creates a relationship type and returns its id.
pub async fn relationship_type(app: &TestApp, admin: &str, a_to_b: &str, b_to_a: &str) -> String {
    let body = app
        .gql(
            admin,
            "mutation($i: CreateRelationshipTypeInput!) { createRelationshipType(input: $i) { id nameAToB nameBToA } }",
            json!({ "i": { "nameAToB": a_to_b, "nameBToA": b_to_a } }),
        )
        .await;
    body["data"]["createRelationshipType"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createRelationshipType: {body}"))
        .to_string()
}

/// A yearly family type inheriting through `via`, with `max` seats.
pub async fn family_type(app: &TestApp, admin: &str, via: &str, max: Option<i32>) -> String {
    create_type(
        app,
        admin,
        json!({ "name": "Family", "durationUnit": "YEAR", "minimumFee": "90.00", "currency": "USD",
                "grants": ["members-area"], "inheritVia": [via], "maxRelated": max }),
    )
    .await
}

pub async fn person(app: &TestApp, admin: &str, name: &str) -> String {
    contact(
        app,
        admin,
        json!({ "firstName": name, "lastName": "Example", "email": format!("{}@example.org", name.to_lowercase()) }),
    )
    .await
}

/// `createRelationship`; returns the whole body (errors included).
pub async fn relate(app: &TestApp, token: &str, a: &str, b: &str, rtype: &str) -> Value {
    app.gql(
        token,
        "mutation($i: CreateRelationshipInput!) { createRelationship(input: $i) { id isActive startDate } }",
        json!({ "i": { "contactAId": a, "contactBId": b, "relationshipTypeId": rtype } }),
    )
    .await
}

pub async fn membership_of(app: &TestApp, admin: &str, contact: &str, type_id: &str) -> String {
    let body = crate::fixtures::create_membership(
        app,
        admin,
        json!({ "contactId": contact, "membershipTypeId": type_id }),
    )
    .await;
    body["data"]["createMembership"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createMembership: {body}"))
        .to_string()
}

/// Every following inherited membership holds exactly what its primary holds, and its history's
/// latest row says so too (reports read the history).
pub async fn assert_bundles_agree(app: &TestApp) -> usize {
    let all = membership::Entity::find()
        .all(&app.state.db)
        .await
        .expect("memberships");
    let mut followers = 0;
    for c in all.iter().filter(|m| m.inherited_from_id.is_some()) {
        if c.inherit_ended_on.is_some() {
            continue;
        }
        followers += 1;
        let p = all
            .iter()
            .find(|m| Some(m.id) == c.inherited_from_id)
            .expect("primary");
        let same = (
            c.membership_type_id,
            c.status_id,
            c.join_date,
            c.start_date,
            c.end_date,
            c.is_override,
            c.override_until,
        ) == (
            p.membership_type_id,
            p.status_id,
            p.join_date,
            p.start_date,
            p.end_date,
            p.is_override,
            p.override_until,
        );
        assert!(same, "follower {c:?} disagrees with its primary {p:?}");
        let latest = tessera::db::entities::membership_history::Entity::find()
            .filter(tessera::db::entities::membership_history::Column::MembershipId.eq(c.id))
            .filter(tessera::db::entities::membership_history::Column::InForceUntil.is_null())
            .all(&app.state.db)
            .await
            .expect("history");
        assert_eq!(latest.len(), 1, "one open history row for {}", c.id);
        assert_eq!(
            (latest[0].status_id, latest[0].end_date),
            (c.status_id, c.end_date),
            "history of {} is out of date",
            c.id
        );
    }
    followers
}

#[tokio::test]
async fn households_relationships_are_typed_dated_and_shown_on_contacts() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rtype =
        relationship_type(&app, &admin, "Head of household of", "Household member of").await;
    let home = contact(
        &app,
        &admin,
        json!({ "kind": "HOUSEHOLD", "organizationName": "The Smiths" }),
    )
    .await;
    let ann = person(&app, &admin, "Ann").await;
    let bob = person(&app, &admin, "Bob").await;
    for who in [&ann, &bob] {
        let body = relate(&app, &admin, &home, who, &rtype).await;
        assert_eq!(
            body["data"]["createRelationship"]["isActive"], true,
            "{body}"
        );
    }
    let q = "query($id: ID!) { contact(id: $id) { members { displayName } relationships { id contactAId contactBId isActive endDate relationshipType { nameAToB nameBToA } } } }";
    let body = app.gql(&admin, q, json!({ "id": home })).await;
    let c = &body["data"]["contact"];
    let names: Vec<&str> = c["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ann Example", "Bob Example"], "{body}");
    assert_eq!(
        c["relationships"][0]["relationshipType"]["nameBToA"],
        "Household member of"
    );
    let rel_bob = c["relationships"][1]["id"].as_str().unwrap().to_string();
    // Bob sees his own relationship from his side.
    let body = app
        .gql(
            &admin,
            q.replace("members { displayName } ", "").as_str(),
            json!({ "id": bob }),
        )
        .await;
    assert_eq!(
        body["data"]["contact"]["relationships"][0]["contactAId"],
        home.as_str()
    );

    let end = "mutation($id: ID!, $i: EndRelationshipInput) { endRelationship(id: $id, input: $i) { isActive endDate } }";
    let today = app.clock().today().to_string();
    let body = app
        .gql(
            &admin,
            end,
            json!({ "id": rel_bob, "i": { "endDate": today } }),
        )
        .await;
    assert_eq!(body["data"]["endRelationship"]["isActive"], false, "{body}");
    let body = app.gql(&admin, end, json!({ "id": rel_bob })).await;
    assert_eq!(code(&body), "CONFLICT", "ending twice: {body}");
    let body = app.gql(&admin, q, json!({ "id": home })).await;
    assert_eq!(
        body["data"]["contact"]["members"].as_array().unwrap().len(),
        1,
        "{body}"
    );

    // Bad input names the field and writes nothing.
    let before = app.count("relationships").await;
    let body = relate(&app, &admin, &ann, &ann, &rtype).await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "contactBId"),
        "{body}"
    );
    let body = relate(&app, &admin, &ann, &bob, "424242").await;
    assert_eq!(
        (code(&body), field(&body)),
        ("NOT_FOUND", "relationshipTypeId"),
        "{body}"
    );
    let body = relate(&app, &admin, &ann, "424242", &rtype).await;
    assert_eq!(
        (code(&body), field(&body)),
        ("NOT_FOUND", "contactBId"),
        "{body}"
    );
    assert_eq!(app.count("relationships").await, before);

    // Members see their own relationships only, and never the household's member list.
    let (member, mine) = app.token_for("MEMBER").await;
    let body = app.gql(&member, q, json!({ "id": home })).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let body = app
        .gql(
            &member,
            "query($id: ID!) { contact(id: $id) { members { id } } }",
            json!({ "id": mine }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
}

#[tokio::test]
async fn households_the_demo_has_families_and_organisations_with_bundles() {
    let app = TestApp::spawn().await;
    let opts = tessera::demo::DemoOptions {
        contacts: 300,
        seed: 5,
        as_of: crate::fixtures::d("2025-11-24"),
    };
    let summary = tessera::demo::load(&app.state, &opts).await.unwrap();
    assert!(summary.relationships >= 10, "{summary:?}");
    let followers = assert_bundles_agree(&app).await;
    assert!(followers >= 10, "inherited memberships: {followers}");
}
