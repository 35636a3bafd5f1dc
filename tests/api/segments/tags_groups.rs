use serde_json::json;

use super::{create_group, create_tag, listed, ok, person, sorted};
use crate::helpers::{TestApp, code, field};

#[tokio::test]
async fn tags_and_groups_filter_contacts_and_keep_history() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (staff, _) = app.token_for("STAFF").await;
    let a = person(&app, &admin, "Ada", "ada@example.org").await;
    let b = person(&app, &admin, "Bo", "bo@example.org").await;
    let c = person(&app, &admin, "Cy", "cy@example.org").await;
    let donor = create_tag(&app, &admin, "Major donor").await;
    let vol = create_tag(&app, &admin, "Volunteer").await;
    let q = "mutation($t: ID!, $c: [ID!]!) { tagContacts(tagId: $t, contactIds: $c) { id contactCount } }";
    let d = ok(&app, &staff, q, json!({ "t": donor, "c": [a, b, a] })).await;
    assert_eq!(d["tagContacts"]["contactCount"], 2);
    // Tagging again is harmless.
    ok(&app, &staff, q, json!({ "t": donor, "c": [a] })).await;
    ok(&app, &staff, q, json!({ "t": vol, "c": [c] })).await;
    assert_eq!(
        listed(&app, &staff, json!({ "tagIds": [donor] })).await,
        sorted(vec![a.clone(), b.clone()])
    );
    assert_eq!(
        listed(&app, &staff, json!({ "tagIds": [donor, vol] }))
            .await
            .len(),
        3
    );

    let board = create_group(&app, &staff, "Board").await;
    let add =
        "mutation($g: ID!, $c: [ID!]!) { addToGroup(groupId: $g, contactIds: $c) { memberCount } }";
    let d = ok(&app, &staff, add, json!({ "g": board, "c": [a, c] })).await;
    assert_eq!(d["addToGroup"]["memberCount"], 2);
    ok(&app, &staff, add, json!({ "g": board, "c": [a] })).await;
    let rm = "mutation($g: ID!, $c: [ID!]!) { removeFromGroup(groupId: $g, contactIds: $c) { memberCount } }";
    let d = ok(&app, &staff, rm, json!({ "g": board, "c": [a] })).await;
    assert_eq!(d["removeFromGroup"]["memberCount"], 1);
    assert_eq!(
        listed(&app, &staff, json!({ "groupIds": [board] })).await,
        vec![c.clone()]
    );
    // Tag AND group, and NOT.
    assert_eq!(
        listed(
            &app,
            &staff,
            json!({ "tagIds": [vol], "groupIds": [board] })
        )
        .await,
        vec![c.clone()]
    );
    assert_eq!(
        listed(
            &app,
            &staff,
            json!({ "tagIds": [donor, vol], "noneOf": [{ "groupIds": [board] }] })
        )
        .await,
        sorted(vec![a.clone(), b.clone()])
    );
    let q = "query($id: ID!) { contact(id: $id) { tags { name color } groups { name } groupHistory { change actor } } }";
    let d = ok(&app, &staff, q, json!({ "id": a })).await;
    assert_eq!(d["contact"]["tags"][0]["name"], "Major donor");
    assert_eq!(d["contact"]["groups"], json!([]));
    let h = d["contact"]["groupHistory"].as_array().unwrap();
    let changes: Vec<&str> = h.iter().map(|e| e["change"].as_str().unwrap()).collect();
    assert_eq!(
        changes,
        ["ADDED", "REMOVED"],
        "joined once (the repeat added nothing), then left"
    );
}

#[tokio::test]
async fn bulk_lists_are_bounded_checked_and_atomic() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let a = person(&app, &admin, "Ada", "ada@example.org").await;
    let tag = create_tag(&app, &admin, "Friends").await;
    let q = "mutation($t: ID!, $c: [ID!]!) { tagContacts(tagId: $t, contactIds: $c) { id } }";
    let too_many: Vec<String> = (1..=10_001).map(|i| i.to_string()).collect();
    let body = app.gql(&admin, q, json!({ "t": tag, "c": too_many })).await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "contactIds"),
        "{body}"
    );
    // A missing id names itself and nothing is written.
    let body = app
        .gql(&admin, q, json!({ "t": tag, "c": [a, "424242"] }))
        .await;
    assert_eq!(
        (code(&body), field(&body)),
        ("NOT_FOUND", "contactIds"),
        "{body}"
    );
    assert_eq!(app.count("contact_tags").await, 0);
    // A long list of real contacts is written in chunks (well past SQLite's bind limit in one go).
    let backend = app.state.db.get_database_backend();
    use sea_orm::ConnectionTrait;
    let now = "2026-01-01 00:00:00+00:00";
    let mut sql = String::from(
        "INSERT INTO contacts (kind, display_name, sort_name, do_not_email, do_not_mail, is_deceased, created_at, updated_at) VALUES ",
    );
    let rows: Vec<String> = (0..9000)
        .map(|i| format!("('INDIVIDUAL', 'P{i}', 'p{i}', false, false, false, '{now}', '{now}')"))
        .collect();
    sql.push_str(&rows.join(", "));
    app.state
        .db
        .execute_raw(sea_orm::Statement::from_string(backend, sql))
        .await
        .unwrap();
    let rows = app
        .state
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT id FROM contacts WHERE display_name LIKE 'P%' ORDER BY id".to_string(),
        ))
        .await
        .unwrap();
    let ids: Vec<String> = rows
        .iter()
        .map(|r| r.try_get_by_index::<i64>(0).unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 9000);
    let body = app.gql(&admin, q, json!({ "t": tag, "c": ids })).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(app.count("contact_tags").await, 9000);
    let group = create_group(&app, &admin, "Everyone").await;
    let add =
        "mutation($g: ID!, $c: [ID!]!) { addToGroup(groupId: $g, contactIds: $c) { memberCount } }";
    let d = ok(&app, &admin, add, json!({ "g": group, "c": ids })).await;
    assert_eq!(d["addToGroup"]["memberCount"], 9000);
    assert_eq!(app.count("contact_group_history").await, 9000);
}

#[tokio::test]
async fn members_see_no_tags_groups_or_other_peoples_interests() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (member, mine) = app.token_for("MEMBER").await;
    let mine = mine.unwrap();
    let other = person(&app, &admin, "Ola", "ola@example.org").await;
    let tag = create_tag(&app, &admin, "Difficult").await;
    let q = "mutation($t: ID!, $c: [ID!]!) { tagContacts(tagId: $t, contactIds: $c) { id } }";
    ok(&app, &admin, q, json!({ "t": tag, "c": [mine, other] })).await;
    // Even on their own record, tags and groups are staff notes.
    for f in ["tags { name }", "groups { name }", "groupHistory { at }"] {
        let q = format!("{{ viewer {{ contact {{ {f} }} }} }}");
        let body = app.gql(&member, &q, json!({})).await;
        assert_eq!(code(&body), "FORBIDDEN", "{f}: {body}");
    }
    let q = "query($id: ID!) { contact(id: $id) { interests { name } } }";
    let body = app.gql(&member, q, json!({ "id": other })).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let body = app.gql(&member, "{ viewer { contact { interests { name } consentHistory { action } unsubscribedFromAll emailBouncing } } }", json!({})).await;
    assert!(body["errors"].is_null(), "their own preferences: {body}");
    let body = app.gql(&member, "{ tags { name } }", json!({})).await;
    assert_eq!(code(&body), "FORBIDDEN");
}
