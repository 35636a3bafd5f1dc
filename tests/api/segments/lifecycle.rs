//! Renaming and removing tags and groups, and refusing to remove what an unsent mailing or a saved
//! search names.

use serde_json::{Value, json};

use super::mailings::{CREATE, mailing};
use super::{create_group, create_interest, create_tag, listed, ok, person};
use crate::helpers::{TestApp, code, field};

const UPDATE_TAG: &str = "mutation($id: ID!, $i: UpdateTagInput!) { updateTag(id: $id, input: $i) { id name color description } }";
const DELETE_TAG: &str = "mutation($id: ID!) { deleteTag(id: $id) }";
const UPDATE_GROUP: &str = "mutation($id: ID!, $i: UpdateGroupInput!) { updateGroup(id: $id, input: $i) { id name description } }";
const DELETE_GROUP: &str = "mutation($id: ID!) { deleteGroup(id: $id) }";
const TAG: &str = "mutation($t: ID!, $c: [ID!]!) { tagContacts(tagId: $t, contactIds: $c) { id } }";
const ADD: &str =
    "mutation($g: ID!, $c: [ID!]!) { addToGroup(groupId: $g, contactIds: $c) { id } }";

fn message(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap_or_default()
}

async fn tag_names(app: &TestApp, token: &str) -> Vec<String> {
    ok(app, token, "{ tags { name } }", json!({})).await["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn tags_are_renamed_and_deleted_with_their_assignments() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (staff, _) = app.token_for("STAFF").await;
    let (member, _) = app.token_for("MEMBER").await;
    let a = person(&app, &admin, "Ada", "ada@example.org").await;
    let b = person(&app, &admin, "Bo", "bo@example.org").await;
    let vip = create_tag(&app, &admin, "VIP").await;
    let vol = create_tag(&app, &admin, "Volunteer").await;
    ok(&app, &staff, TAG, json!({ "t": vip, "c": [a, b] })).await;
    ok(&app, &staff, TAG, json!({ "t": vol, "c": [a] })).await;

    let d = ok(&app, &admin, UPDATE_TAG, json!({ "id": vip, "i": { "name": "  Major   donor ", "color": "#FF0000", "description": "Gave over £1,000" } })).await;
    assert_eq!(
        d["updateTag"],
        json!({ "id": vip, "name": "Major donor", "color": "#ff0000", "description": "Gave over £1,000" }),
        "the name is tidied and the colour normalised as on create"
    );
    // Left out stays; null clears.
    let d = ok(
        &app,
        &admin,
        UPDATE_TAG,
        json!({ "id": vip, "i": { "color": null } }),
    )
    .await;
    assert_eq!(d["updateTag"]["name"], "Major donor");
    assert_eq!(d["updateTag"]["color"], Value::Null);
    assert_eq!(d["updateTag"]["description"], "Gave over £1,000");

    // Bad input names the field and writes nothing.
    let audits = app.count("audit_log").await;
    let long = "x".repeat(101);
    for (input, f) in [
        (json!({ "name": "Major donor" }), "name"),
        (json!({ "name": "   " }), "name"),
        (json!({ "name": long }), "name"),
        (json!({ "name": "Bell\u{7}" }), "name"),
        (json!({ "color": "red" }), "color"),
        (json!({ "description": "d".repeat(2001) }), "description"),
    ] {
        let body = app
            .gql(&admin, UPDATE_TAG, json!({ "id": vol, "i": input }))
            .await;
        let expected = if input.get("name") == Some(&json!("Major donor")) {
            "CONFLICT"
        } else {
            "BAD_USER_INPUT"
        };
        assert_eq!(
            (code(&body), field(&body)),
            (expected, f),
            "{input}: {body}"
        );
    }
    assert_eq!(app.count("audit_log").await, audits);
    assert_eq!(tag_names(&app, &admin).await, ["Major donor", "Volunteer"]);
    let body = app
        .gql(&admin, UPDATE_TAG, json!({ "id": "424242", "i": {} }))
        .await;
    assert_eq!((code(&body), field(&body)), ("NOT_FOUND", "id"), "{body}");

    // Tags are admin-defined: staff and members may not rename or delete them.
    for token in [&staff, &member] {
        let body = app
            .gql(
                token,
                UPDATE_TAG,
                json!({ "id": vip, "i": { "name": "Mine" } }),
            )
            .await;
        assert_eq!(code(&body), "FORBIDDEN", "{body}");
        let body = app.gql(token, DELETE_TAG, json!({ "id": vip })).await;
        assert_eq!(code(&body), "FORBIDDEN", "{body}");
    }
    let body = app.anon(DELETE_TAG, json!({ "id": vip })).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");

    let d = ok(&app, &admin, DELETE_TAG, json!({ "id": vip })).await;
    assert_eq!(d["deleteTag"], json!(vip));
    assert_eq!(app.count("contact_tags").await, 1, "Volunteer on Ada stays");
    assert!(
        listed(&app, &staff, json!({ "tagIds": [vip] }))
            .await
            .is_empty()
    );
    assert_eq!(tag_names(&app, &admin).await, ["Volunteer"]);
    let q = "query($id: ID!) { contact(id: $id) { tags { name } } }";
    let d = ok(&app, &staff, q, json!({ "id": a })).await;
    assert_eq!(d["contact"]["tags"], json!([{ "name": "Volunteer" }]));
    let d = ok(&app, &staff, q, json!({ "id": b })).await;
    assert_eq!(d["contact"]["tags"], json!([]));
    let d = ok(
        &app,
        &admin,
        "{ auditLog(first: 50) { nodes { action before } } }",
        json!({}),
    )
    .await;
    let deleted = d["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["action"] == "tag.delete")
        .expect("the deletion is audit-logged");
    assert_eq!(deleted["before"]["name"], "Major donor");
    assert_eq!(deleted["before"]["contacts"], 2);
    // Gone: tagging with it or deleting it again is NOT_FOUND; the name is free.
    let body = app.gql(&staff, TAG, json!({ "t": vip, "c": [a] })).await;
    assert_eq!((code(&body), field(&body)), ("NOT_FOUND", "tagId"));
    let body = app.gql(&admin, DELETE_TAG, json!({ "id": vip })).await;
    assert_eq!((code(&body), field(&body)), ("NOT_FOUND", "id"));
    create_tag(&app, &admin, "Major donor").await;
}

#[tokio::test]
async fn deleting_a_group_records_each_leave_and_keeps_the_history() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (staff, _) = app.token_for("STAFF").await;
    let (member, _) = app.token_for("MEMBER").await;
    let a = person(&app, &admin, "Ada", "ada@example.org").await;
    let b = person(&app, &admin, "Bo", "bo@example.org").await;
    let board = create_group(&app, &staff, "Board").await;
    let other = create_group(&app, &staff, "Choir").await;
    ok(&app, &staff, ADD, json!({ "g": board, "c": [a, b] })).await;

    let d = ok(
        &app,
        &staff,
        UPDATE_GROUP,
        json!({ "id": board, "i": { "name": "Trustees", "description": "Meets monthly" } }),
    )
    .await;
    assert_eq!(
        d["updateGroup"],
        json!({ "id": board, "name": "Trustees", "description": "Meets monthly" })
    );
    let body = app
        .gql(
            &staff,
            UPDATE_GROUP,
            json!({ "id": other, "i": { "name": "Trustees" } }),
        )
        .await;
    assert_eq!((code(&body), field(&body)), ("CONFLICT", "name"), "{body}");
    let body = app
        .gql(
            &staff,
            UPDATE_GROUP,
            json!({ "id": other, "i": { "name": "" } }),
        )
        .await;
    assert_eq!((code(&body), field(&body)), ("BAD_USER_INPUT", "name"));
    for body in [
        app.gql(&member, DELETE_GROUP, json!({ "id": board })).await,
        app.gql(
            &member,
            UPDATE_GROUP,
            json!({ "id": board, "i": { "name": "X" } }),
        )
        .await,
    ] {
        assert_eq!(code(&body), "FORBIDDEN", "{body}");
    }

    let d = ok(&app, &staff, DELETE_GROUP, json!({ "id": board })).await;
    assert_eq!(d["deleteGroup"], json!(board));
    assert_eq!(app.count("contact_group_members").await, 0);
    let d = ok(&app, &staff, "{ groups { name } }", json!({})).await;
    assert_eq!(d["groups"], json!([{ "name": "Choir" }]));
    assert!(
        listed(&app, &staff, json!({ "groupIds": [board] }))
            .await
            .is_empty()
    );
    // Each member's leave is in their history, which still resolves the group.
    let q =
        "query($id: ID!) { contact(id: $id) { groups { name } groupHistory { groupId change } } }";
    let d = ok(&app, &staff, q, json!({ "id": a })).await;
    assert_eq!(d["contact"]["groups"], json!([]));
    assert_eq!(
        d["contact"]["groupHistory"],
        json!([{ "groupId": board, "change": "ADDED" }, { "groupId": board, "change": "REMOVED" }])
    );
    let q = "query($id: ID!) { group(id: $id) { name memberCount deletedAt } }";
    let d = ok(&app, &staff, q, json!({ "id": board })).await;
    assert_eq!(d["group"]["name"], "Trustees");
    assert_eq!(d["group"]["memberCount"], 0);
    assert!(d["group"]["deletedAt"].is_string(), "{d}");
    // A deleted group takes no one, cannot be changed or targeted; its name is free again.
    let body = app.gql(&staff, ADD, json!({ "g": board, "c": [a] })).await;
    assert_eq!((code(&body), field(&body)), ("NOT_FOUND", "groupId"));
    for doc in [DELETE_GROUP, UPDATE_GROUP] {
        let body = app
            .gql(
                &staff,
                doc,
                json!({ "id": board, "i": { "name": "Again" } }),
            )
            .await;
        assert_eq!((code(&body), field(&body)), ("NOT_FOUND", "id"), "{body}");
    }
    let body = app
        .gql(&staff, CREATE, mailing(json!({ "groupIds": [board] })))
        .await;
    assert_eq!(code(&body), "NOT_FOUND", "{body}");
    let again = create_group(&app, &staff, "Trustees").await;
    assert_ne!(again, board);
}

#[tokio::test]
async fn what_an_unsent_mailing_or_a_saved_search_names_cannot_be_removed() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let a = person(&app, &admin, "Ada", "ada@example.org").await;
    let appeal = create_tag(&app, &admin, "Appeal 2026").await;
    let lapsed = create_tag(&app, &admin, "Lapsed").await;
    let quiet = create_group(&app, &admin, "Quiet").await;
    let news = create_interest(&app, &admin, "Newsletter", true).await;
    ok(&app, &admin, TAG, json!({ "t": appeal, "c": [a] })).await;
    let draft = ok(
        &app,
        &admin,
        CREATE,
        mailing(json!({ "tagIds": [appeal], "excludeGroupIds": [quiet] })),
    )
    .await["createMailing"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let q = "mutation($i: CreateSavedSearchInput!) { createSavedSearch(input: $i) { id } }";
    let nested = json!({ "i": { "name": "Keen readers", "filter": {
        "interestIds": [news],
        "anyOf": [{ "city": "Leeds" }, { "noneOf": [{ "tagIds": [lapsed] }] }],
    } } });
    let search = ok(&app, &admin, q, nested).await["createSavedSearch"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let audits = app.count("audit_log").await;
    let cases = [
        (DELETE_TAG, &appeal, "mailing"),
        (DELETE_GROUP, &quiet, "mailing"),
        (DELETE_TAG, &lapsed, "Keen readers"),
        (
            "mutation($id: ID!) { archiveInterest(id: $id) { id } }",
            &news,
            "Keen readers",
        ),
    ];
    for (doc, id, named) in cases {
        let body = app.gql(&admin, doc, json!({ "id": id })).await;
        assert_eq!(
            (code(&body), field(&body)),
            ("CONFLICT", "id"),
            "{doc}: {body}"
        );
        assert!(message(&body).contains(named), "{doc}: {body}");
    }
    let body = app.gql(&admin, DELETE_TAG, json!({ "id": appeal })).await;
    assert!(
        message(&body).contains(&format!("DRAFT mailing {draft}")),
        "{body}"
    );
    assert_eq!(
        app.count("audit_log").await,
        audits,
        "refusals write nothing"
    );
    assert_eq!(app.count("contact_tags").await, 1);
    assert_eq!(app.count("tags").await, 2);
    let d = ok(&app, &admin, "{ interests { archivedAt } }", json!({})).await;
    assert_eq!(d["interests"], json!([{ "archivedAt": null }]));

    // A cancelled mailing no longer counts; a saved search no longer naming it neither.
    ok(
        &app,
        &admin,
        "mutation($id: ID!) { cancelMailing(id: $id) { status } }",
        json!({ "id": draft }),
    )
    .await;
    ok(&app, &admin, DELETE_TAG, json!({ "id": appeal })).await;
    ok(&app, &admin, DELETE_GROUP, json!({ "id": quiet })).await;
    let q = "mutation($id: ID!, $i: UpdateSavedSearchInput!) { updateSavedSearch(id: $id, input: $i) { id } }";
    ok(
        &app,
        &admin,
        q,
        json!({ "id": search, "i": { "filter": { "city": "Leeds" } } }),
    )
    .await;
    ok(&app, &admin, DELETE_TAG, json!({ "id": lapsed })).await;
    ok(
        &app,
        &admin,
        "mutation($id: ID!) { archiveInterest(id: $id) { id } }",
        json!({ "id": news }),
    )
    .await;
}
