//! Renaming and archiving interests: an archived interest leaves every choice offered to members
//! and the public, can no longer be chosen or targeted, and keeps its consent history for staff.

use serde_json::{Value, json};
use tessera::services::mailings::links::{self, LinkSubject};

use super::mailings::{CREATE, mailing};
use super::{create_interest, ok, person};
use crate::helpers::{TestApp, code, field};

const UPDATE: &str = "mutation($id: ID!, $i: UpdateInterestInput!) { updateInterest(id: $id, input: $i) { name description isPublic } }";
const ARCHIVE: &str =
    "mutation($id: ID!) { archiveInterest(id: $id) { name isActive archivedAt } }";
const MINE: &str = "mutation($i: UpdateMyPreferencesInput!) { updateMyPreferences(input: $i) { interests { name } } }";

fn names(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn interests_are_renamed_with_the_checks_of_a_new_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (staff, _) = app.token_for("STAFF").await;
    let (member, _) = app.token_for("MEMBER").await;
    let news = create_interest(&app, &admin, "Newsletter", true).await;
    let leeds = create_interest(&app, &admin, "Events in Leeds", true).await;
    let d = ok(&app, &admin, UPDATE, json!({ "id": leeds, "i": { "name": "Events in Leeds and York", "description": "Twice a year", "isPublic": false } })).await;
    assert_eq!(
        d["updateInterest"],
        json!({ "name": "Events in Leeds and York", "description": "Twice a year", "isPublic": false })
    );
    let audits = app.count("audit_log").await;
    for (input, c, f) in [
        (json!({ "name": "Newsletter" }), "CONFLICT", "name"),
        (json!({ "name": "" }), "BAD_USER_INPUT", "name"),
        (json!({ "name": "n".repeat(201) }), "BAD_USER_INPUT", "name"),
        (
            json!({ "name": "Line\nbreak\u{1b}" }),
            "BAD_USER_INPUT",
            "name",
        ),
    ] {
        let body = app
            .gql(&admin, UPDATE, json!({ "id": leeds, "i": input }))
            .await;
        assert_eq!((code(&body), field(&body)), (c, f), "{input}: {body}");
    }
    assert_eq!(app.count("audit_log").await, audits, "nothing written");
    // Interests are admin-defined.
    for token in [&staff, &member] {
        for (doc, vars) in [
            (UPDATE, json!({ "id": news, "i": { "name": "Spam" } })),
            (ARCHIVE, json!({ "id": news })),
        ] {
            let body = app.gql(token, doc, vars).await;
            assert_eq!(code(&body), "FORBIDDEN", "{body}");
        }
    }
    let body = app.anon(ARCHIVE, json!({ "id": news })).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
    let d = app.anon("{ interests { name } }", json!({})).await;
    assert_eq!(names(&d["data"]["interests"]), ["Newsletter"]);
}

#[tokio::test]
async fn an_archived_interest_leaves_members_choices_and_keeps_its_consent_history() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (member, mine) = app.token_for("MEMBER").await;
    let mine = mine.unwrap();
    let other = person(&app, &admin, "Ola", "ola@example.org").await;
    let news = create_interest(&app, &admin, "Newsletter", true).await;
    let leeds = create_interest(&app, &admin, "Events in Leeds", true).await;
    ok(
        &app,
        &member,
        MINE,
        json!({ "i": { "interestIds": [news, leeds] } }),
    )
    .await;

    let d = ok(&app, &admin, ARCHIVE, json!({ "id": leeds })).await;
    let archived_at = d["archiveInterest"]["archivedAt"].clone();
    assert!(archived_at.is_string(), "{d}");
    assert_eq!(d["archiveInterest"]["isActive"], false);
    // Archiving again changes nothing.
    let d = ok(&app, &admin, ARCHIVE, json!({ "id": leeds })).await;
    assert_eq!(d["archiveInterest"]["archivedAt"], archived_at);

    // Gone from what members and the public are offered …
    let d = app.anon("{ interests { name } }", json!({})).await;
    assert_eq!(names(&d["data"]["interests"]), ["Newsletter"]);
    let d = ok(
        &app,
        &member,
        "{ interests { name } viewer { contact { interests { name } } } }",
        json!({}),
    )
    .await;
    assert_eq!(names(&d["interests"]), ["Newsletter"]);
    assert_eq!(names(&d["viewer"]["contact"]["interests"]), ["Newsletter"]);
    let key = links::key(&app.state).await.unwrap();
    let subject = LinkSubject {
        contact_id: mine.parse().unwrap(),
        mailing_id: 1,
    };
    let token = links::token_for(&app.state, &key, subject);
    let page = app
        .client
        .get(format!("{}/mail/preferences?token={token}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Newsletter") && !html.contains("Leeds"),
        "{html}"
    );
    // … and it cannot be chosen or targeted any more.
    let records = app.count("consent_records").await;
    let body = app
        .gql(
            &member,
            MINE,
            json!({ "i": { "interestIds": [news, leeds] } }),
        )
        .await;
    assert_eq!(
        (code(&body), field(&body)),
        ("NOT_FOUND", "interestIds"),
        "{body}"
    );
    let body = app
        .anon(
            "mutation($e: String!, $i: [ID!]!) { subscribe(email: $e, interestIds: $i) }",
            json!({ "e": "new@example.org", "i": [leeds] }),
        )
        .await;
    assert_eq!((code(&body), field(&body)), ("NOT_FOUND", "interestIds"));
    let set = "mutation($c: ID!, $i: [ID!]!) { setContactInterests(contactId: $c, interestIds: $i) { id } }";
    let body = app
        .gql(&admin, set, json!({ "c": other, "i": [leeds] }))
        .await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "interestIds"),
        "{body}"
    );
    let body = app
        .gql(&admin, CREATE, mailing(json!({ "interestIds": [leeds] })))
        .await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "audience.interestIds"),
        "{body}"
    );
    let q = "mutation($i: CreateSavedSearchInput!) { createSavedSearch(input: $i) { id } }";
    let filter = json!({ "anyOf": [{ "interestIds": [leeds] }, { "city": "York" }] });
    let body = app
        .gql(
            &admin,
            q,
            json!({ "i": { "name": "Leeds", "filter": filter } }),
        )
        .await;
    assert_eq!(
        (code(&body), field(&body)),
        ("BAD_USER_INPUT", "filter.interestIds"),
        "{body}"
    );
    assert_eq!(app.count("consent_records").await, records);
    assert_eq!(app.count("saved_searches").await, 0);
    assert_eq!(app.count("mailings").await, 0);

    // The member's other choices still change, leaving the archived one as it was; staff sending
    // back what the contact holds changes nothing either.
    ok(&app, &member, MINE, json!({ "i": { "interestIds": [] } })).await;
    ok(&app, &admin, set, json!({ "c": mine, "i": [leeds] })).await;
    // Staff still see it, with the whole consent history.
    let d = ok(
        &app,
        &admin,
        "{ interests { name isActive archivedAt } }",
        json!({}),
    )
    .await;
    assert_eq!(
        d["interests"],
        json!([
            { "name": "Events in Leeds", "isActive": false, "archivedAt": archived_at },
            { "name": "Newsletter", "isActive": true, "archivedAt": null },
        ])
    );
    let q = "query($id: ID!) { contact(id: $id) { interests { name archivedAt } consentHistory { interestId action source } } }";
    let d = ok(&app, &admin, q, json!({ "id": mine })).await;
    assert_eq!(
        d["contact"]["interests"],
        json!([{ "name": "Events in Leeds", "archivedAt": archived_at }])
    );
    assert_eq!(
        d["contact"]["consentHistory"],
        json!([
            { "interestId": news, "action": "OPT_IN", "source": "MEMBER_PORTAL" },
            { "interestId": leeds, "action": "OPT_IN", "source": "MEMBER_PORTAL" },
            { "interestId": news, "action": "OPT_OUT", "source": "MEMBER_PORTAL" },
        ]),
        "the archived interest's record stays; archiving wrote no opt-out"
    );
    // The archived interest can still be renamed by an admin (e.g. to mark it old).
    let d = ok(
        &app,
        &admin,
        UPDATE,
        json!({ "id": leeds, "i": { "name": "Events in Leeds (2025)" } }),
    )
    .await;
    assert_eq!(d["updateInterest"]["name"], "Events in Leeds (2025)");
}
