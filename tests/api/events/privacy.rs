//! Registrations in the personal-data export, and what erasure leaves of them; a larger capacity
//! serves the waitlist.

use sea_orm::EntityTrait;
use serde_json::json;
use tessera::db::entities::event_registration as reg;

use super::*;
use crate::helpers::{code, field};

#[tokio::test]
async fn registrations_are_exported_and_erasure_keeps_them_without_the_person() {
    let app = app().await;
    let admin = app.admin_token().await;
    let e = event(&app, &admin, json!({}), true).await;
    let r = register_anon(&app, &e["id"], &ticket(&e, "Public"), "zora@example.org").await;
    let body = app
        .gql(
            &admin,
            "query($id: ID!) { registration(id: $id) { contact { id } } }",
            json!({ "id": r["id"] }),
        )
        .await;
    let contact_id = body["data"]["registration"]["contact"]["id"].clone();
    let doc = app
        .gql(
            &admin,
            "query($id: ID!) { exportPersonalData(contactId: $id) }",
            json!({ "id": contact_id }),
        )
        .await;
    let regs = &doc["data"]["exportPersonalData"]["registrations"];
    assert_eq!(regs[0]["id"], r["id"], "{doc}");
    assert_eq!(regs[0]["event"], "Spring picnic");
    assert_eq!(regs[0]["firstName"], "Ann");
    assert!(
        !doc.to_string().contains("checkInCode"),
        "no secrets in the export"
    );
    let body = app
        .gql(
            &admin,
            "mutation($id: ID!) { eraseContact(contactId: $id, input: { reason: \"request 7\" }) }",
            json!({ "id": contact_id }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let id: i64 = r["id"].as_str().unwrap().parse().unwrap();
    let row = reg::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.first_name, row.last_name, row.check_in_code_sha256),
        (None, None, None)
    );
    assert_eq!(
        row.status.as_str(),
        "REGISTERED",
        "the event keeps its count"
    );
}

#[tokio::test]
async fn a_larger_capacity_serves_the_waitlist_and_a_smaller_one_than_taken_is_refused() {
    let app = app().await;
    let admin = app.admin_token().await;
    let e = event(&app, &admin, json!({ "capacity": 1 }), true).await;
    let t = ticket(&e, "Public");
    register_anon(&app, &e["id"], &t, "a@example.org").await;
    let b = register_anon(&app, &e["id"], &t, "b@example.org").await;
    let c = register_anon(&app, &e["id"], &t, "c@example.org").await;
    let update = "mutation($id: ID!, $i: UpdateEventInput!) { updateEvent(id: $id, input: $i) { capacity registeredCount waitlistCount } }";
    let body = app
        .gql(
            &admin,
            update,
            json!({ "id": e["id"], "i": { "capacity": 2 } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateEvent"],
        json!({ "capacity": 2, "registeredCount": 2, "waitlistCount": 1 }),
        "{body}"
    );
    assert_eq!(status_of(&app, &admin, &b["id"]).await, "REGISTERED");
    assert_eq!(status_of(&app, &admin, &c["id"]).await, "WAITLISTED");
    let body = app
        .gql(
            &admin,
            update,
            json!({ "id": e["id"], "i": { "capacity": 1 } }),
        )
        .await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "capacity"),
        "{body}"
    );
    let body = app
        .gql(
            &admin,
            update,
            json!({ "id": e["id"], "i": { "endsAt": "2027-03-10T17:00:00Z" } }),
        )
        .await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "endsAt"),
        "{body}"
    );
}
