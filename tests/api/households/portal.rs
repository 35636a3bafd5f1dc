//! The primary member manages their bundle from the portal: adds people (invited to claim a
//! login), within the seat limit, and removes them; nobody else can.

use serde_json::json;

use super::{family_type, membership_of, relationship_type};
use crate::helpers::{TestApp, code, field};

const ADD: &str = "mutation($m: ID!, $i: AddBundleMemberInput!) { addBundleMember(membershipId: $m, input: $i) { id status { code } inheritedFrom { id } } }";
const REMOVE: &str =
    "mutation($id: ID!) { removeBundleMember(id: $id) { id inheritEndedOn status { code } } }";

fn someone(first: &str) -> serde_json::Value {
    json!({ "firstName": first, "lastName": "Kin", "email": format!("{}.kin@example.org", first.to_lowercase()) })
}

#[tokio::test]
async fn households_the_primary_member_adds_and_removes_bundle_members_from_the_portal() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let spouse = relationship_type(&app, &admin, "Spouse of", "Spouse of").await;
    let family = family_type(&app, &admin, &spouse, Some(1)).await;
    let (member, mine) = app.token_for("MEMBER").await;
    let mine = mine.unwrap();
    let primary = membership_of(&app, &admin, &mine, &family).await;

    let body = app
        .gql(&member, ADD, json!({ "m": primary, "i": someone("Sam") }))
        .await;
    let added = &body["data"]["addBundleMember"];
    assert_eq!(added["inheritedFrom"]["id"], primary.as_str(), "{body}");
    assert_eq!(added["status"]["code"], "NEW");
    let sam_m = added["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.mailed_tokens("invitation").await.len(),
        1,
        "Sam is invited to claim a login"
    );

    // The seat limit is named; nothing is written (no contact, no invitation).
    let contacts = app.count("contacts").await;
    let body = app
        .gql(&member, ADD, json!({ "m": primary, "i": someone("Tia") }))
        .await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "maxRelated"),
        "{body}"
    );
    assert_eq!(app.count("contacts").await, contacts);
    assert_eq!(app.mailed_tokens("invitation").await.len(), 1);

    // Another member can neither add to nor remove from this bundle, nor see it.
    let (stranger, _) = app.token_for("MEMBER").await;
    let body = app
        .gql(&stranger, ADD, json!({ "m": primary, "i": someone("Uma") }))
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let body = app.gql(&stranger, REMOVE, json!({ "id": sam_m })).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let body = app.gql(&stranger, REMOVE, json!({ "id": "987654" })).await;
    assert_eq!(
        code(&body),
        "FORBIDDEN",
        "an unknown id tells a member nothing: {body}"
    );
    let body = app
        .gql(
            &stranger,
            "query($id: ID!) { membership(id: $id) { bundleMembers { displayName } } }",
            json!({ "id": primary }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");

    // A known address is linked only with its owner's name.
    app.gql(&admin, "mutation { createContact(input: { firstName: \"Vic\", lastName: \"Other\", email: \"vic@example.org\" }) { id } }", json!({})).await;
    let body = app.gql(&member, REMOVE, json!({ "id": sam_m })).await;
    assert_eq!(
        body["data"]["removeBundleMember"]["status"]["code"], "CANCELLED",
        "{body}"
    );
    assert!(body["data"]["removeBundleMember"]["inheritEndedOn"].is_string());
    let body = app.gql(&member, REMOVE, json!({ "id": sam_m })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    let guess = json!({ "firstName": "Someone", "lastName": "Else", "email": "vic@example.org" });
    let body = app
        .gql(&member, ADD, json!({ "m": primary, "i": guess }))
        .await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "email"),
        "{body}"
    );
    assert!(
        !body.to_string().contains("Other"),
        "the stored name never shows: {body}"
    );
    let vic = json!({ "firstName": "vic", "lastName": "OTHER", "email": "vic@example.org" });
    let body = app
        .gql(&member, ADD, json!({ "m": primary, "i": vic }))
        .await;
    assert!(body["errors"].is_null(), "the freed seat takes Vic: {body}");

    // The inherited member sees whom they inherit from but not the primary member's record.
    let q = "query($id: ID!) { contact(id: $id) { memberships { inheritedFrom { id contact { id } } } } }";
    let body = app.gql(&member, q, json!({ "id": mine })).await;
    assert!(
        body["data"]["contact"]["memberships"][0]["inheritedFrom"].is_null(),
        "{body}"
    );
    // The primary member sees their people's memberships, not those memberships' histories (who
    // changed them, staff notes).
    let body = app
        .gql(
            &member,
            "query($id: ID!) { membership(id: $id) { bundleMembers { membership { history { change note } } } } }",
            json!({ "id": primary }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
}
