//! Seat limits hold under concurrent additions, on both databases (SQLite writers queue on
//! BEGIN IMMEDIATE; PostgreSQL's bundle lock serialises them).

use serde_json::json;

use super::{assert_bundles_agree, family_type, membership_of, person, relate, relationship_type};
use crate::helpers::{TestApp, code, field};

#[tokio::test]
async fn households_concurrent_additions_never_exceed_the_seat_limit() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let employer = relationship_type(&app, &admin, "Employer of", "Employee of").await;
    let seats = family_type(&app, &admin, &employer, Some(3)).await;
    let org = crate::fixtures::contact(
        &app,
        &admin,
        json!({ "kind": "ORGANIZATION", "organizationName": "Initech" }),
    )
    .await;
    let primary = membership_of(&app, &admin, &org, &seats).await;
    let mut staff = Vec::new();
    for i in 0..8 {
        staff.push(person(&app, &admin, &format!("Worker{i}")).await);
    }
    let bodies = futures::future::join_all(
        staff
            .iter()
            .map(|s| relate(&app, &admin, &org, s, &employer)),
    )
    .await;
    let ok = bodies.iter().filter(|b| b["errors"].is_null()).count();
    assert_eq!(ok, 3, "exactly the seats: {bodies:?}");
    for b in bodies.iter().filter(|b| !b["errors"].is_null()) {
        assert_eq!((code(b), field(b)), ("BAD_USER_INPUT", "maxRelated"), "{b}");
    }
    assert_eq!(
        app.count("relationships").await,
        3,
        "a refused addition writes nothing"
    );
    assert_eq!(assert_bundles_agree(&app).await, 3);
    let body = app
        .gql(
            &admin,
            "query($id: ID!) { membership(id: $id) { bundleMembers { isActive } } }",
            json!({ "id": primary }),
        )
        .await;
    assert_eq!(
        body["data"]["membership"]["bundleMembers"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}
