//! A household's shared address: changing it offers the members who share it, and moves the ones
//! chosen with it in one transaction.

use serde_json::json;

use super::{relate, relationship_type};
use crate::fixtures::contact;
use crate::helpers::{TestApp, code, field};

const UPDATE: &str = "mutation($id: ID!, $i: UpdateHouseholdAddressInput!) { updateHouseholdAddress(id: $id, input: $i) { street city } }";

#[tokio::test]
async fn households_changing_the_shared_address_moves_the_chosen_members() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let rt = relationship_type(&app, &admin, "Household of", "Member of household").await;
    let old = json!({ "street": "1 Old Road", "city": "Leeds", "postalCode": "LS1 1AA", "country": "GB" });
    let with = |extra: serde_json::Value| {
        let mut o = old.clone();
        o.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        o
    };
    let home = contact(
        &app,
        &admin,
        with(json!({ "kind": "HOUSEHOLD", "organizationName": "The Lees" })),
    )
    .await;
    let ann = contact(
        &app,
        &admin,
        with(json!({ "firstName": "Ann", "lastName": "Lee" })),
    )
    .await;
    let bob = contact(
        &app,
        &admin,
        with(json!({ "firstName": "Bob", "lastName": "Lee" })),
    )
    .await;
    let away = contact(
        &app,
        &admin,
        json!({ "firstName": "Cy", "lastName": "Lee", "city": "York" }),
    )
    .await;
    let stranger = contact(
        &app,
        &admin,
        with(json!({ "firstName": "Dee", "lastName": "Next-door" })),
    )
    .await;
    for m in [&ann, &bob, &away] {
        relate(&app, &admin, &home, m, &rt).await;
    }
    let q = "query($id: ID!) { contact(id: $id) { membersSharingAddress { id } } }";
    let body = app.gql(&admin, q, json!({ "id": home })).await;
    let offered: Vec<&str> = body["data"]["contact"]["membersSharingAddress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(offered, [ann.as_str(), bob.as_str()], "{body}");

    let new = json!({ "street": "2 New Street", "city": "Bath", "postalCode": "BA1 1AA", "country": "GB" });
    // Someone outside the household cannot be moved; nothing changes.
    let mut bad = new.clone();
    bad["applyToContactIds"] = json!([ann, stranger]);
    let body = app
        .gql(&admin, UPDATE, json!({ "id": home, "i": bad }))
        .await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "applyToContactIds"),
        "{body}"
    );
    let city = "query($id: ID!) { contact(id: $id) { city } }";
    assert_eq!(
        app.gql(&admin, city, json!({ "id": home })).await["data"]["contact"]["city"],
        "Leeds"
    );

    let mut good = new.clone();
    good["applyToContactIds"] = json!([ann]);
    let body = app
        .gql(&admin, UPDATE, json!({ "id": home, "i": good }))
        .await;
    assert_eq!(
        body["data"]["updateHouseholdAddress"]["city"], "Bath",
        "{body}"
    );
    for (id, expected) in [(&ann, "Bath"), (&bob, "Leeds"), (&stranger, "Leeds")] {
        let body = app.gql(&admin, city, json!({ "id": id })).await;
        assert_eq!(body["data"]["contact"]["city"], expected, "{id}");
    }
    let (member, _) = app.token_for("MEMBER").await;
    let body = app
        .gql(&member, UPDATE, json!({ "id": home, "i": new }))
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
}
