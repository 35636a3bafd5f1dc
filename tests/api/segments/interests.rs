use serde_json::json;

use super::{create_interest, listed, ok, person};
use crate::helpers::{TestApp, code, field};

#[tokio::test]
async fn members_choose_public_interests_and_every_change_is_a_consent_record() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (member, mine) = app.token_for("MEMBER").await;
    let mine = mine.unwrap();
    let news = create_interest(&app, &admin, "Newsletter", true).await;
    let leeds = create_interest(&app, &admin, "Events in Leeds", true).await;
    let major = create_interest(&app, &admin, "Major donor briefings", false).await;
    // Anonymous visitors and members see the public interests only.
    let d = app.anon("{ interests { name } }", json!({})).await;
    assert_eq!(d["data"]["interests"].as_array().unwrap().len(), 2, "{d}");
    let q = "mutation($i: UpdateMyPreferencesInput!) { updateMyPreferences(input: $i) { interests { name } unsubscribedFromAll } }";
    let body = app
        .gql(&member, q, json!({ "i": { "interestIds": [news, major] } }))
        .await;
    assert_eq!(
        (code(&body), field(&body)),
        ("NOT_FOUND", "interestIds"),
        "a non-public interest is not theirs to choose: {body}"
    );
    let d = ok(
        &app,
        &member,
        q,
        json!({ "i": { "interestIds": [news, leeds] } }),
    )
    .await;
    assert_eq!(
        d["updateMyPreferences"]["interests"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    ok(&app, &member, q, json!({ "i": { "interestIds": [leeds] } })).await;
    ok(
        &app,
        &member,
        q,
        json!({ "i": { "unsubscribeFromAll": true } }),
    )
    .await;
    // Staff add a private interest from a paper form, naming its wording.
    let set = "mutation($c: ID!, $i: [ID!]!, $w: String) { setContactInterests(contactId: $c, interestIds: $i, wordingVersion: $w) { id } }";
    ok(
        &app,
        &admin,
        set,
        json!({ "c": mine, "i": [leeds, major], "w": "paper-2025" }),
    )
    .await;
    let q = "query($id: ID!) { contact(id: $id) { interests { name } unsubscribedFromAll consentHistory { interestId action source wordingVersion actor } } }";
    let d = ok(&app, &member, q, json!({ "id": mine })).await;
    let c = &d["contact"];
    assert_eq!(c["unsubscribedFromAll"], true);
    let got: Vec<(String, String, String, String)> = c["consentHistory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["interestId"].as_str().unwrap_or("ALL").to_string(),
                r["action"].as_str().unwrap().to_string(),
                r["source"].as_str().unwrap().to_string(),
                r["wordingVersion"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let row = |i: &str, a: &str, s: &str, w: &str| {
        (i.to_string(), a.to_string(), s.to_string(), w.to_string())
    };
    assert_eq!(
        got,
        vec![
            row(&news, "OPT_IN", "MEMBER_PORTAL", "1"),
            row(&leeds, "OPT_IN", "MEMBER_PORTAL", "1"),
            row(&news, "OPT_OUT", "MEMBER_PORTAL", "1"),
            row("ALL", "OPT_OUT", "MEMBER_PORTAL", "1"),
            row(&major, "OPT_IN", "STAFF", "paper-2025"),
        ],
        "only real changes are recorded, each with source and wording"
    );
    // The contacts list filters by interest.
    let other = person(&app, &admin, "Ola", "ola@example.org").await;
    ok(&app, &admin, set, json!({ "c": other, "i": [news] })).await;
    assert_eq!(
        listed(&app, &admin, json!({ "interestIds": [news] })).await,
        vec![other]
    );
    // A member cannot set someone else's interests.
    let body = app.gql(&member, set, json!({ "c": mine, "i": [] })).await;
    assert_eq!(code(&body), "FORBIDDEN");
}
